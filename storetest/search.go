package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

var searchCases = []testCase{
	{"EveryParameter", testSearchEveryParameter},
	{"AndOfOrs", testSearchAndOfOrs},
	{"IDs", testSearchIDs},
	{"InstantRange", testSearchInstantRange},
	{"InstantRangeSubMicrosecond", testSearchInstantSubMicrosecond},
	{"ControlCharacters", testSearchControlCharacters},
	{"UpdatedRange", testSearchUpdatedRange},
	{"Order", testSearchOrder},
	{"LimitAndTotal", testSearchLimitAndTotal},
	{"CursorWalkDuringInserts", testSearchCursorWalkDuringInserts},
	{"InvalidQueries", testSearchInvalidQueries},
}

// fixtureCount is how many fixtures of each type the parameter case
// stores; four, so that every participant status and every
// AppointmentResponse actor type occurs.
const fixtureCount = 4

// testSearchEveryParameter stores fixtures of every type and searches for
// each term store.Indexed gives any of them: the result must be exactly
// the fixtures that have the term.
func testSearchEveryParameter(t tb, s store.Store) {
	for _, typ := range scheduling.ResourceTypes() {
		var rs []scheduling.Resource
		for i := range fixtureCount {
			r := fixture(typ, i)
			r.Metadata().ID = fmt.Sprintf("%s-%d", strings.ToLower(typ), i)
			rs = append(rs, r)
		}
		create(t, s, rs...)
		have := map[string][]string{} // term -> ids
		var terms []string
		for _, r := range rs {
			ts, _ := store.Indexed(r)
			for _, term := range ts {
				if have[term] == nil {
					terms = append(terms, term)
				}
				have[term] = append(have[term], r.Metadata().ID)
			}
		}
		for _, term := range terms {
			got := searchIDs(t, s, store.Query{ResourceType: typ, Terms: [][]string{{term}}})
			if d := diff(sorted(have[term]), sorted(got)); d != "" {
				broke(t, "Search must return exactly the resources whose store.Indexed terms include the query term",
					"%s %q (-want +got):\n%s", typ, term, d)
			}
		}
		got := searchIDs(t, s, store.Query{ResourceType: typ, Terms: [][]string{{store.Term("identifier", "no-such-value")}}})
		if len(got) != 0 {
			broke(t, "Search for a term no resource has must return nothing", "%s %v", typ, got)
		}
	}
}

func testSearchAndOfOrs(t tb, s store.Store) {
	var rs []scheduling.Resource
	for i := range 6 {
		a := appointment(fmt.Sprintf("a%d", i), []scheduling.AppointmentStatus{scheduling.AppointmentBooked, scheduling.AppointmentPending, scheduling.AppointmentCancelled}[i%3], at(i, 0), time.Time{})
		a.Participant[1].Actor = ptr(scheduling.Ref("Practitioner", fmt.Sprintf("dr-%d", i%2)))
		rs = append(rs, a)
	}
	create(t, s, rs...)
	status := func(v scheduling.AppointmentStatus) string { return store.Term("status", string(v)) }
	dr := func(i int) string { return store.RefTerm("practitioner", "Practitioner", fmt.Sprintf("dr-%d", i)) }
	for _, c := range []struct {
		terms [][]string
		want  []string
	}{
		{[][]string{{status(scheduling.AppointmentBooked), status(scheduling.AppointmentPending)}}, []string{"a0", "a1", "a3", "a4"}},
		{[][]string{{dr(0)}}, []string{"a0", "a2", "a4"}},
		{[][]string{{status(scheduling.AppointmentBooked), status(scheduling.AppointmentPending)}, {dr(0)}}, []string{"a0", "a4"}},
		{[][]string{{status(scheduling.AppointmentCancelled)}, {dr(0), dr(1)}}, []string{"a2", "a5"}},
		{[][]string{{status(scheduling.AppointmentBooked)}, {status(scheduling.AppointmentPending)}}, nil},
		{[][]string{{dr(1)}, {}}, nil},
	} {
		q := store.Query{ResourceType: "Appointment", Terms: c.terms}
		if d := diff(sorted(c.want), sorted(searchIDs(t, s, q))); d != "" {
			broke(t, "Search terms are an AND of ORs: a resource matches when it has a term of every inner list (an empty list matches nothing)",
				"%s (-want +got):\n%s", describe(q), d)
		}
	}
}

func testSearchIDs(t tb, s store.Store) {
	create(t, s, patient("p1", "Alpha"), patient("p2", "Beta"), patient("p3", "Alpha"))
	for _, c := range []struct {
		q    store.Query
		want []string
	}{
		{store.Query{IDs: []string{"p1", "p3", "nope"}}, []string{"p1", "p3"}},
		{store.Query{IDs: []string{"p1", "p2"}, Terms: [][]string{{store.Term("name", "alpha")}}}, []string{"p1"}},
		{store.Query{IDs: []string{"p2"}, Terms: [][]string{{store.Term("name", "alpha")}}}, nil},
	} {
		c.q.ResourceType = "Patient"
		if d := diff(sorted(c.want), sorted(searchIDs(t, s, c.q))); d != "" {
			broke(t, "Search with IDs must return only those ids that also match the terms", "%s (-want +got):\n%s", describe(c.q), d)
		}
	}
}

// testSearchInstantRange checks From/To as a half-open range over the
// indexed instant of every type that has one.
func testSearchInstantRange(t tb, s store.Store) {
	for _, typ := range scheduling.ResourceTypes() {
		if !hasInstant(typ) {
			continue
		}
		var rs []scheduling.Resource
		var insts []time.Time
		for i := range 4 {
			r := fixture(typ, i)
			r.Metadata().ID = fmt.Sprintf("%s-%d", strings.ToLower(typ), i)
			_, inst := store.Indexed(r)
			insts = append(insts, inst)
			rs = append(rs, r)
		}
		none := fixture(typ, 9)
		none.Metadata().ID = "no-instant"
		switch v := none.(type) {
		case *scheduling.Appointment:
			v.Start, v.End, v.Status = time.Time{}, time.Time{}, scheduling.AppointmentProposed
		case *scheduling.Slot:
			v.Start, v.End = time.Time{}, time.Time{}
		case *scheduling.Schedule:
			v.PlanningHorizon = nil
		case *scheduling.AppointmentResponse:
			v.Start, v.End = time.Time{}, time.Time{}
		}
		create(t, s, append(rs, none)...)
		for _, c := range []struct{ from, to time.Time }{
			{insts[1], insts[3]},
			{insts[1].Add(time.Microsecond), insts[3].Add(time.Microsecond)},
			{insts[0], time.Time{}},
			{time.Time{}, insts[2]},
			{insts[2], insts[2]},
			{insts[3].Add(time.Hour), time.Time{}},
		} {
			var want []string
			for i, inst := range insts {
				if !inst.Before(c.from) && (c.to.IsZero() || inst.Before(c.to)) {
					want = append(want, rs[i].Metadata().ID)
				}
			}
			q := store.Query{ResourceType: typ, From: c.from, To: c.to}
			if d := diff(sorted(want), sorted(searchIDs(t, s, q))); d != "" {
				broke(t, "From and To select the indexed instant in [From, To), and a resource without one never matches a bounded query",
					"%s (-want +got):\n%s", describe(q), d)
			}
		}
		if got := searchIDs(t, s, store.Query{ResourceType: typ}); !slices.Contains(got, "no-instant") || len(got) != 5 {
			broke(t, "an unbounded Search must return resources without an indexed instant too", "%s %v", typ, got)
		}
	}
}

// testSearchInstantSubMicrosecond stores an appointment whose start has
// nanoseconds: a window from that very instant finds it and one that ends
// there does not, whatever precision the store keeps (a store that keeps
// microseconds compares the bounds at microseconds too).
func testSearchInstantSubMicrosecond(t tb, s store.Store) {
	a := fixture("Appointment", 0).(*scheduling.Appointment)
	a.ID = "ns"
	start := a.Start.Add(123456789 * time.Nanosecond)
	a.Start, a.End = start, start.Add(time.Hour)
	create(t, s, a)
	for _, c := range []struct {
		from, to time.Time
		want     []string
	}{
		{start, time.Time{}, []string{"ns"}},
		{time.Time{}, start, nil},
		{start, start.Add(time.Hour), []string{"ns"}},
	} {
		q := store.Query{ResourceType: "Appointment", From: c.from, To: c.to}
		if d := diff(c.want, searchIDs(t, s, q)); d != "" {
			broke(t, "From and To select the indexed instant in [From, To), compared at the precision the store keeps",
				"%s (-want +got):\n%s", describe(q), d)
		}
	}
}

// testSearchControlCharacters stores a patient whose name and identifier
// hold a NUL and other control characters (Go and JSON strings can carry
// them, PostgreSQL text cannot): it comes back unchanged and is found by
// each of its terms.
func testSearchControlCharacters(t tb, s store.Store) {
	p := patient("ctl", "Nul\x00Tab\tBell\x07")
	p.Identifier = []scheduling.Identifier{{System: "urn:x\x00y", Value: "v\x00w"}}
	create(t, s, p)
	got := get(t, s, "Patient", "ctl").(*scheduling.Patient)
	if d := diff(p.Name, got.Name); d != "" {
		broke(t, "a resource comes back as stored, control characters included", "name (-want +got):\n%s", d)
	}
	if d := diff(p.Identifier, got.Identifier); d != "" {
		broke(t, "a resource comes back as stored, control characters included", "identifier (-want +got):\n%s", d)
	}
	err := s.View(t.Context(), func(tx store.ReadTx) error {
		_, err := tx.Get(t.Context(), "Patient", "ctl\x00")
		return err
	})
	wantErr(t, err, store.ErrNotFound, "Get of an id with a NUL")
	q := store.Query{ResourceType: "Patient", IDs: []string{"ctl\x00"}}
	if d := diff([]string(nil), searchIDs(t, s, q)); d != "" {
		broke(t, "a search by an id no resource has finds nothing", "%s (-want +got):\n%s", describe(q), d)
	}
	terms, _ := store.Indexed(p)
	for _, term := range terms {
		q := store.Query{ResourceType: "Patient", Terms: [][]string{{term}}}
		if d := diff([]string{"ctl"}, searchIDs(t, s, q)); d != "" {
			broke(t, "a resource is found by each of its terms, control characters included", "%q (-want +got):\n%s", term, d)
		}
	}
}

func testSearchUpdatedRange(t tb, s store.Store) {
	var stamps []time.Time
	for i := range 3 {
		p := patient(fmt.Sprintf("p%d", i), "Same")
		create(t, s, p)
		stamps = append(stamps, p.LastUpdated)
		time.Sleep(2 * time.Millisecond)
	}
	for _, c := range []struct{ from, to time.Time }{
		{stamps[1], time.Time{}},
		{time.Time{}, stamps[1]},
		{stamps[0], stamps[2]},
		{stamps[0].Add(time.Microsecond), stamps[2].Add(time.Microsecond)},
		{stamps[2].Add(time.Second), time.Time{}},
	} {
		var want []string
		for i, u := range stamps {
			if (c.from.IsZero() || !u.Before(c.from)) && (c.to.IsZero() || u.Before(c.to)) {
				want = append(want, fmt.Sprintf("p%d", i))
			}
		}
		q := store.Query{ResourceType: "Patient", UpdatedFrom: c.from, UpdatedTo: c.to}
		if d := diff(sorted(want), sorted(searchIDs(t, s, q))); d != "" {
			broke(t, "UpdatedFrom and UpdatedTo select LastUpdated in [UpdatedFrom, UpdatedTo)", "%s (-want +got):\n%s", describe(q), d)
		}
	}
}

// position is a resource's place in search order.
type position struct {
	at time.Time // zero when none
	id string
}

func positionOf(r scheduling.Resource) position {
	_, inst := store.Indexed(r)
	return position{inst, r.Metadata().ID}
}

// checkOrder reports a broken rule unless rs are in (instant, id) order,
// reversed when desc, with the resources without an instant all together
// (before or after the others; store.Page leaves that to the store) and
// in id order among themselves.
func checkOrder(t tb, rs []scheduling.Resource, desc bool, what string) {
	t.Helper()
	rule := "Search results must be ordered by indexed instant, then id (reversed when Descending), with resources without an instant together, by id"
	var prev *position
	blocks := 0 // changes between with and without instant
	for _, r := range rs {
		p := positionOf(r)
		if prev != nil {
			if prev.at.IsZero() != p.at.IsZero() {
				blocks++
			} else {
				c := p.at.Compare(prev.at)
				if c == 0 {
					c = strings.Compare(p.id, prev.id)
				}
				if desc {
					c = -c
				}
				if c <= 0 {
					broke(t, rule, "%s: %s@%s after %s@%s", what, p.id, fmtTime(p.at), prev.id, fmtTime(prev.at))
					return
				}
			}
		}
		prev = &p
	}
	if blocks > 1 {
		broke(t, rule, "%s: resources without an instant are not together", what)
	}
}

func testSearchOrder(t tb, s store.Store) {
	var rs []scheduling.Resource
	for i, h := range []int{5, 1, 3, 1, 0, 3} {
		rs = append(rs, appointment(fmt.Sprintf("a%d", i), scheduling.AppointmentBooked, at(h, 0), time.Time{}))
	}
	for _, id := range []string{"z1", "z0"} {
		rs = append(rs, appointment(id, scheduling.AppointmentProposed, time.Time{}, time.Time{}))
		rs[len(rs)-1].(*scheduling.Appointment).End = time.Time{}
	}
	create(t, s, rs...)
	for _, desc := range []bool{false, true} {
		for _, limit := range []int{0, 1, 3} {
			q := store.Query{ResourceType: "Appointment", Descending: desc, Limit: limit}
			var got []scheduling.Resource
			view(t, s, "View", func(ctx context.Context, tx store.ReadTx) error {
				got = searchAll(t, tx, q)
				return nil
			})
			if len(got) != len(rs) {
				broke(t, "paging through a Search must return every match once", "%d of %d for %s", len(got), len(rs), describe(q))
			}
			checkOrder(t, got, desc, describe(q))
		}
	}
	q := store.Query{ResourceType: "Appointment", From: at(0, 0)}
	asc, desc := searchIDs(t, s, q), searchIDs(t, s, store.Query{ResourceType: "Appointment", From: at(0, 0), Descending: true})
	slices.Reverse(desc)
	if d := diff(asc, desc); d != "" {
		broke(t, "Descending must return the ascending order reversed", "(-asc +reversed desc):\n%s", d)
	}
}

func testSearchLimitAndTotal(t tb, s store.Store) {
	const n = store.MaxLimit + 1
	rs := make([]scheduling.Resource, n)
	for i := range rs {
		rs[i] = patient(fmt.Sprintf("p%04d", i), "Many")
	}
	create(t, s, rs...)
	create(t, s, patient("other", "Other"))
	many := [][]string{{store.Term("name", "many")}}
	view(t, s, "View", func(ctx context.Context, tx store.ReadTx) error {
		for _, c := range []struct {
			limit, want int
		}{{0, store.DefaultLimit}, {7, 7}, {store.MaxLimit + 500, store.MaxLimit}} {
			p, err := tx.Search(ctx, store.Query{ResourceType: "Patient", Terms: many, Limit: c.limit})
			ok(t, err, "Search")
			if len(p.Resources) != c.want {
				broke(t, "a page holds Limit resources (DefaultLimit for 0, at most MaxLimit)", "%d for limit %d (want %d)", len(p.Resources), c.limit, c.want)
			}
			if p.Next == "" {
				broke(t, "a page that is not the last must have a Next cursor", "empty Next with %d of %d", len(p.Resources), n)
			}
			if p.Total != -1 {
				broke(t, "Page.Total is -1 when the query does not ask for it", "%d", p.Total)
			}
		}
		q := store.Query{ResourceType: "Patient", Terms: many, Limit: 400, Total: true}
		seen := 0
		for range maxPages {
			p, err := tx.Search(ctx, q)
			ok(t, err, "Search")
			if p.Total != n {
				broke(t, "Page.Total must count every match of the query, on every page", "%d on a page after %d resources (want %d)", p.Total, seen, n)
			}
			seen += len(p.Resources)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if seen != n {
			broke(t, "paging must return every match", "%d of %d", seen, n)
		}
		p, err := tx.Search(ctx, store.Query{ResourceType: "Patient", Terms: [][]string{{store.Term("name", "other")}}, Limit: 1, Total: true})
		ok(t, err, "Search")
		if len(p.Resources) != 1 || p.Next != "" || p.Total != 1 {
			broke(t, "the last page has an empty Next cursor", "%d resources, Next %q, Total %d", len(p.Resources), p.Next, p.Total)
		}
		p, err = tx.Search(ctx, store.Query{ResourceType: "Patient", Terms: [][]string{{store.Term("name", "nobody")}}, Total: true})
		ok(t, err, "Search")
		if len(p.Resources) != 0 || p.Next != "" || p.Total != 0 {
			broke(t, "a search without matches returns an empty last page with Total 0", "%d resources, Next %q, Total %d", len(p.Resources), p.Next, p.Total)
		}
		return nil
	})
}

// testSearchCursorWalkDuringInserts walks a result page by page while other
// transactions insert matching resources before and after the walk's
// position, between pages and concurrently: every resource present when
// the walk began must be returned exactly once, and nothing twice.
func testSearchCursorWalkDuringInserts(t tb, s store.Store) {
	for _, desc := range []bool{false, true} {
		for _, typ := range []string{"Patient", "Appointment"} {
			walkDuringInserts(t, s, typ, desc)
		}
	}
}

func walkDuringInserts(t tb, s store.Store, typ string, desc bool) {
	prefix := fmt.Sprintf("%s-%v-", strings.ToLower(typ), desc)
	tag := store.Term("identifier", prefix)
	mk := func(id string, h int) scheduling.Resource {
		var r scheduling.Resource
		if typ == "Patient" {
			r = patient(prefix+id, "Walker")
		} else {
			r = appointment(prefix+id, scheduling.AppointmentBooked, at(h, 7), time.Time{})
		}
		ident := []scheduling.Identifier{{Value: prefix}}
		switch v := r.(type) {
		case *scheduling.Patient:
			v.Identifier = ident
		case *scheduling.Appointment:
			v.Identifier = ident
		}
		return r
	}
	var initial []scheduling.Resource
	for i := range 30 {
		initial = append(initial, mk(fmt.Sprintf("m%02d", i), i))
	}
	create(t, s, initial...)

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // concurrent inserts, before and after any position
		defer wg.Done()
		for i := 0; ctx.Err() == nil && i < 200; i++ {
			r := mk(fmt.Sprintf("c%03d", i), (i*7)%40-5)
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, r) }); err != nil && ctx.Err() == nil {
				t.Errorf("store rule: Create of a new resource must succeed; got %v", err)
				return
			}
		}
	}()
	q := store.Query{ResourceType: typ, Terms: [][]string{{tag}}, Limit: 4, Descending: desc}
	var walked []scheduling.Resource
	for page := 0; ; page++ {
		var p store.Page
		err := s.View(ctx, func(tx store.ReadTx) error {
			var err error
			p, err = tx.Search(ctx, q)
			return err
		})
		ok(t, err, "Search with the Next cursor of the previous page")
		walked = append(walked, p.Resources...)
		if p.Next == "" || page > maxPages {
			break
		}
		q.After = p.Next
		if page >= 20 {
			continue // let a store whose cursor drifts still reach the end
		}
		// Between pages: one resource sorting first, one last, one next to
		// the cursor.
		create(t, s, mk(fmt.Sprintf("a%03d-first", page), -10), mk(fmt.Sprintf("z%03d-last", page), 60), mk(fmt.Sprintf("m%02d-next", page), page))
	}
	cancel()
	wg.Wait()

	what := fmt.Sprintf("%s walk (descending %v)", typ, desc)
	count := map[string]int{}
	for _, r := range walked {
		count[r.Metadata().ID]++
	}
	var twice, missed []string
	for id, n := range count {
		if n > 1 {
			twice = append(twice, id)
		}
	}
	for _, r := range initial {
		if count[r.Metadata().ID] == 0 {
			missed = append(missed, r.Metadata().ID)
		}
	}
	if len(twice) > 0 {
		broke(t, "a cursor walk must never return a resource twice, even while others insert", "%s: %d resources more than once, e.g. %v",
			what, len(twice), sorted(twice)[:min(5, len(twice))])
	}
	if len(missed) > 0 {
		broke(t, "a cursor walk must return every resource that existed when it began, even while others insert", "%s: %d missed, e.g. %v",
			what, len(missed), sorted(missed)[:min(5, len(missed))])
	}
	checkOrder(t, walked, desc, what)
}

func testSearchInvalidQueries(t tb, s store.Store) {
	create(t, s, patient("p1", "One"), patient("p2", "Two"))
	ctx := t.Context()
	for _, c := range []struct {
		q    store.Query
		rule string
	}{
		{store.Query{ResourceType: "Spaceship"}, "Search of an unknown resource type"},
		{store.Query{ResourceType: "Patient", Limit: -1}, "Search with a negative Limit"},
		{store.Query{ResourceType: "Patient", After: "%%% not a cursor %%%"}, "Search with a malformed After cursor"},
	} {
		err := s.View(ctx, func(tx store.ReadTx) error {
			_, err := tx.Search(ctx, c.q)
			return err
		})
		wantErr(t, err, store.ErrInvalidQuery, c.rule)
	}
}
