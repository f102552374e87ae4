package storetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// recorder stands in for *testing.T when a case runs against a broken
// store: it records failures instead of failing the real test.
type recorder struct {
	ctx     context.Context
	mu      sync.Mutex
	failed  bool
	skipped bool
	msgs    []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Logf(string, ...any) {}

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Context() context.Context { return r.ctx }

func (r *recorder) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

// runCase runs the case group/name against s with a recorder, in its own
// goroutine so that Fatalf can end it.
func runCase(t *testing.T, s store.Store, groupName, caseName string) *recorder {
	t.Helper()
	for _, g := range groups() {
		if g.name != groupName {
			continue
		}
		for _, c := range g.cases {
			if c.name != caseName {
				continue
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			rec := &recorder{ctx: ctx}
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.run(rec, s)
			}()
			<-done
			return rec
		}
	}
	t.Fatalf("no case %s/%s", groupName, caseName)
	return nil
}

func TestSuiteCatchesBrokenStores(t *testing.T) {
	for _, c := range []struct {
		name   string
		broken func(store.Store) store.Store
		cases  []string // group/case that must fail
		rule   string   // a fragment of the rule the failure must name
	}{
		{"ignores versions on Put", func(s store.Store) store.Store { return &wrapped{Store: s, tx: versionless} },
			[]string{"CRUD/PutVersions"}, "Put with a stale version must fail with ErrConflict"},
		{"ignores versions on Delete", func(s store.Store) store.Store { return &wrapped{Store: s, tx: versionless} },
			[]string{"CRUD/Delete"}, "Delete with a stale version must fail with ErrConflict"},
		{"keeps writes of failed transactions", func(s store.Store) store.Store { return &leaky{s} },
			[]string{"Atomicity/FailedTransactionLeavesNothing", "Atomicity/CancelledContextLeavesNothing"}, "must leave no resource behind"},
		{"keeps writes of failed transactions", func(s store.Store) store.Store { return &leaky{s} },
			[]string{"CRUD/CreateExistingID"}, "a failed transaction must leave nothing behind"},
		{"keeps events of failed transactions", func(s store.Store) store.Store { return &leaky{s} },
			[]string{"Events/RolledBackNeverAppear"}, "events of a rolled-back transaction never appear"},
		{"aliases resources", func(s store.Store) store.Store { return newAliasing(s) },
			[]string{"Aliasing/ResourcesInAndOut"}, "changes nothing stored"},
		{"returns local time", func(s store.Store) store.Store { return &wrapped{Store: s, read: localTime} },
			[]string{"Time/MicrosecondsAndUTC"}, "return them in UTC"},
		{"closed busy intervals", func(s store.Store) store.Store { return &wrapped{Store: s, read: closedBusy} },
			[]string{"Busy/HalfOpenOverlap"}, "overlapping [from, to)"},
		{"offset paging", func(s store.Store) store.Store { return &wrapped{Store: s, read: offsetPaging} },
			[]string{"Search/CursorWalkDuringInserts"}, "a cursor walk must"},
		{"only the first term group", func(s store.Store) store.Store { return &wrapped{Store: s, read: firstGroupOnly} },
			[]string{"Search/AndOfOrs"}, "AND of ORs"},
		{"forgets writes refused at commit", func(s store.Store) store.Store { return &deferring{Store: s, forget: true} },
			[]string{"CRUD/CreateExistingID"}, "Create of an existing id must fail with ErrConflict, at the call or when Update commits"},
		{"forgets writes refused at commit", func(s store.Store) store.Store { return &deferring{Store: s, forget: true} },
			[]string{"CRUD/PutVersions"}, "Put with a stale version must fail with ErrConflict"},
		{"forgets writes refused at commit", func(s store.Store) store.Store { return &deferring{Store: s, forget: true} },
			[]string{"CRUD/Delete"}, "Delete of an id that does not exist must fail with ErrNotFound"},
		{"forgets writes refused at commit", func(s store.Store) store.Store { return &deferring{Store: s, forget: true} },
			[]string{"Busy/RoundTripAndRemove"}, "AddBusy with the ID of an existing entry must fail with ErrConflict"},
		{"forgets writes refused at commit", func(s store.Store) store.Store { return &deferring{Store: s, forget: true} },
			[]string{"Idempotency/RecordAndConflict"}, "SetIdempotent of a key set earlier in the same transaction must fail"},
		{"forgets writes refused at commit", func(s store.Store) store.Store { return &deferring{Store: s, forget: true} },
			[]string{"RefusesOverlap/ExclusiveEntries"}, "AddBusy of an exclusive entry overlapping another must fail with ErrConflict"},
	} {
		for _, gc := range c.cases {
			t.Run(c.name+"/"+gc, func(t *testing.T) {
				group, name, _ := strings.Cut(gc, "/")
				good := runCase(t, memstore.New(nil), group, name)
				if good.failed || good.skipped {
					t.Fatalf("the case fails against memstore itself:\n%s", good.log())
				}
				rec := runCase(t, c.broken(memstore.New(nil)), group, name)
				if !rec.failed {
					t.Fatalf("the suite did not notice a store that %s", c.name)
				}
				if log := rec.log(); !strings.Contains(log, "store rule: ") || !strings.Contains(log, c.rule) {
					t.Errorf("the failure does not name the rule %q:\n%s", c.rule, log)
				}
			})
		}
	}
}

// The store contract lets a store refuse a write when Update commits
// instead of at the call: the suite accepts that form (and still catches a
// store that forgets the refusal, above).
func TestSuiteAcceptsRefusalsAtCommit(t *testing.T) {
	for _, g := range groups() {
		for _, c := range g.cases {
			t.Run(g.name+"/"+c.name, func(t *testing.T) {
				rec := runCase(t, &deferring{Store: memstore.New(nil)}, g.name, c.name)
				if rec.failed || rec.skipped {
					t.Fatalf("the case fails against a store that refuses writes at commit:\n%s", rec.log())
				}
			})
		}
	}
}

func TestCapabilitiesSkip(t *testing.T) {
	var missing []string
	for _, g := range groups() {
		if g.needs == nil {
			continue
		}
		if m := g.needs(store.Capabilities{}); m != "" {
			missing = append(missing, m)
		}
		if m := g.needs(store.Capabilities{Leases: true, RefusesOverlap: true}); m != "" {
			t.Errorf("group %s is skipped for a store that declares every capability", g.name)
		}
	}
	if !slices.Equal(missing, []string{"Leases", "RefusesOverlap"}) {
		t.Errorf("a store that declares no capability skips %v, want Leases and RefusesOverlap", missing)
	}
}

// TestFixturesCoverEveryParameter guards the suite itself: the fixtures
// must give every search parameter store.Indexed documents, so that
// Search/EveryParameter tests each.
func TestFixturesCoverEveryParameter(t *testing.T) {
	want := map[string][]string{
		"Appointment": {"actor", "actor:identifier", "appointment-type", "based-on", "identifier", "location", "part-status",
			"patient", "practitioner", "practitioner:identifier", "reason-code", "service-category", "service-type", "slot", "specialty", "status"},
		"Slot":                {"appointment-type", "identifier", "schedule", "service-category", "service-type", "specialty", "status"},
		"Schedule":            {"active", "actor", "identifier", "service-category", "service-type", "specialty"},
		"AppointmentResponse": {"actor", "appointment", "identifier", "location", "part-status", "patient", "practitioner"},
		"HealthcareService":   {"active", "identifier", "location", "name", "organization", "service-category", "service-type", "specialty"},
		"PractitionerRole":    {"active", "identifier", "location", "organization", "practitioner", "role", "service", "specialty"},
		"Organization":        {"active", "identifier", "name", "partof"},
		"Location":            {"identifier", "name", "organization", "partof", "status"},
		"Practitioner":        {"active", "identifier", "name"},
		"Patient":             {"active", "identifier", "name"},
		"Device":              {"identifier", "location", "name", "organization", "status"},
	}
	for _, typ := range scheduling.ResourceTypes() {
		var params []string
		holders := map[string]map[string]int{} // param -> term -> fixtures with it
		for i := range fixtureCount {
			terms, inst := store.Indexed(fixture(typ, i))
			if hasInstant(typ) == inst.IsZero() {
				t.Errorf("%s fixture %d: indexed instant %v, hasInstant %v", typ, i, inst, hasInstant(typ))
			}
			for _, term := range terms {
				p, v, _ := strings.Cut(term, "=")
				if !slices.Contains(params, p) {
					params = append(params, p)
					holders[p] = map[string]int{}
				}
				holders[p][v]++
			}
		}
		slices.Sort(params)
		if !slices.Equal(params, want[typ]) {
			t.Errorf("%s fixtures give parameters %v, want %v", typ, params, want[typ])
		}
		for p, terms := range holders {
			distinguishes := false
			for _, n := range terms {
				distinguishes = distinguishes || n < fixtureCount
			}
			if !distinguishes {
				t.Errorf("%s fixtures all have the same %s terms: a store ignoring the parameter would pass", typ, p)
			}
		}
	}
}

// wrapped is a store whose transactions are wrapped by tx and read.
type wrapped struct {
	store.Store
	tx   func(store.Tx) store.Tx
	read func(store.ReadTx) store.ReadTx
}

func (w *wrapped) Update(ctx context.Context, fn func(store.Tx) error) error {
	return w.Store.Update(ctx, func(tx store.Tx) error {
		if w.tx != nil {
			tx = w.tx(tx)
		}
		return fn(tx)
	})
}

func (w *wrapped) View(ctx context.Context, fn func(store.ReadTx) error) error {
	return w.Store.View(ctx, func(tx store.ReadTx) error {
		if w.read != nil {
			tx = w.read(tx)
		}
		return fn(tx)
	})
}

// versionless writes whatever version is stored.
func versionless(tx store.Tx) store.Tx { return versionlessTx{tx} }

type versionlessTx struct{ store.Tx }

func (tx versionlessTx) Put(ctx context.Context, r scheduling.Resource) error {
	if cur, err := tx.Get(ctx, r.ResourceType(), r.Metadata().ID); err == nil {
		r.Metadata().Version = cur.Metadata().Version
	}
	return tx.Tx.Put(ctx, r)
}

func (tx versionlessTx) Delete(ctx context.Context, typ, id string, _ int64) error {
	return tx.Tx.Delete(ctx, typ, id, 0)
}

// leaky commits whatever the function did, and reports its error.
type leaky struct{ store.Store }

func (l *leaky) Update(ctx context.Context, fn func(store.Tx) error) error {
	var fnErr error
	err := l.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		fnErr = fn(tx)
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// aliasing keeps the values it was given and hands out the ones it keeps.
type aliasing struct {
	store.Store
	mu   sync.Mutex
	kept map[string]scheduling.Resource
}

func newAliasing(s store.Store) *aliasing {
	return &aliasing{Store: s, kept: map[string]scheduling.Resource{}}
}

func (a *aliasing) Update(ctx context.Context, fn func(store.Tx) error) error {
	return a.Store.Update(ctx, func(tx store.Tx) error { return fn(aliasingTx{tx, a}) })
}

func (a *aliasing) View(ctx context.Context, fn func(store.ReadTx) error) error {
	return a.Store.View(ctx, func(tx store.ReadTx) error { return fn(aliasingRead{tx, a}) })
}

func (a *aliasing) keep(r scheduling.Resource) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.kept[r.ResourceType()+"/"+r.Metadata().ID] = r
}

func (a *aliasing) get(ctx context.Context, tx store.ReadTx, typ, id string) (scheduling.Resource, error) {
	a.mu.Lock()
	r := a.kept[typ+"/"+id]
	a.mu.Unlock()
	if r != nil {
		return r, nil
	}
	r, err := tx.Get(ctx, typ, id)
	if err == nil {
		a.keep(r)
	}
	return r, err
}

type aliasingRead struct {
	store.ReadTx
	a *aliasing
}

func (r aliasingRead) Get(ctx context.Context, typ, id string) (scheduling.Resource, error) {
	return r.a.get(ctx, r.ReadTx, typ, id)
}

type aliasingTx struct {
	store.Tx
	a *aliasing
}

func (tx aliasingTx) Get(ctx context.Context, typ, id string) (scheduling.Resource, error) {
	return tx.a.get(ctx, tx.Tx, typ, id)
}

func (tx aliasingTx) Create(ctx context.Context, r scheduling.Resource) error {
	err := tx.Tx.Create(ctx, r)
	if err == nil {
		tx.a.keep(r)
	}
	return err
}

func (tx aliasingTx) Put(ctx context.Context, r scheduling.Resource) error {
	err := tx.Tx.Put(ctx, r)
	if err == nil {
		tx.a.keep(r)
	}
	return err
}

// localTime returns appointment times in a zone other than UTC.
func localTime(tx store.ReadTx) store.ReadTx { return localTimeRead{tx} }

type localTimeRead struct{ store.ReadTx }

func (r localTimeRead) Get(ctx context.Context, typ, id string) (scheduling.Resource, error) {
	res, err := r.ReadTx.Get(ctx, typ, id)
	if a, ok := res.(*scheduling.Appointment); ok {
		a.Start = a.Start.In(time.FixedZone("CET", 3600))
	}
	return res, err
}

// closedBusy treats busy ranges as closed: touching entries overlap.
func closedBusy(tx store.ReadTx) store.ReadTx { return closedBusyRead{tx} }

type closedBusyRead struct{ store.ReadTx }

func (r closedBusyRead) Busy(ctx context.Context, ids []string, from, to time.Time) ([]store.Busy, error) {
	return r.ReadTx.Busy(ctx, ids, from.Add(-time.Microsecond), to.Add(time.Microsecond))
}

// offsetPaging pages by offset, the classic cursor that skips and repeats
// when others insert.
func offsetPaging(tx store.ReadTx) store.ReadTx { return offsetRead{tx} }

type offsetRead struct{ store.ReadTx }

func (r offsetRead) Search(ctx context.Context, q store.Query) (store.Page, error) {
	offset := 0
	if q.After != "" {
		var err error
		if offset, err = strconv.Atoi(strings.TrimPrefix(q.After, "offset:")); err != nil {
			return store.Page{}, fmt.Errorf("cursor %q: %w", q.After, store.ErrInvalidQuery)
		}
	}
	all := store.Query{ResourceType: q.ResourceType, IDs: q.IDs, Terms: q.Terms, From: q.From, To: q.To,
		UpdatedFrom: q.UpdatedFrom, UpdatedTo: q.UpdatedTo, Descending: q.Descending, Limit: 100}
	var rs []scheduling.Resource
	for {
		p, err := r.ReadTx.Search(ctx, all)
		if err != nil {
			return store.Page{}, err
		}
		rs = append(rs, p.Resources...)
		if p.Next == "" || len(rs) > offset+q.PageLimit() {
			break
		}
		all.After = p.Next
	}
	p := store.Page{Total: -1}
	end := min(offset+q.PageLimit(), len(rs))
	p.Resources = rs[min(offset, end):end]
	if end < len(rs) {
		p.Next = "offset:" + strconv.Itoa(end)
	}
	return p, nil
}

// firstGroupOnly reads Terms as their first inner list alone.
func firstGroupOnly(tx store.ReadTx) store.ReadTx { return firstGroupRead{tx} }

type firstGroupRead struct{ store.ReadTx }

func (r firstGroupRead) Search(ctx context.Context, q store.Query) (store.Page, error) {
	if len(q.Terms) > 1 {
		q.Terms = q.Terms[:1]
	}
	return r.ReadTx.Search(ctx, q)
}

// deferring refuses writes when Update commits rather than at the call, as
// the store contract allows: a write that fails with ErrConflict or
// ErrNotFound returns nil, and Update fails with its error. With forget set
// it is a broken store that drops the refusal and commits the rest.
type deferring struct {
	store.Store
	forget bool
}

func (d *deferring) Update(ctx context.Context, fn func(store.Tx) error) error {
	return d.Store.Update(ctx, func(tx store.Tx) error {
		dtx := &deferringTx{Tx: tx}
		if err := fn(dtx); err != nil {
			return err
		}
		if d.forget {
			return nil
		}
		return dtx.refusal
	})
}

type deferringTx struct {
	store.Tx
	refusal error // the first write refused
}

// later keeps a refusal for the commit and returns any other error.
func (tx *deferringTx) later(err error) error {
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		if tx.refusal == nil {
			tx.refusal = err
		}
		return nil
	}
	return err
}

func (tx *deferringTx) Create(ctx context.Context, r scheduling.Resource) error {
	return tx.later(tx.Tx.Create(ctx, r))
}

func (tx *deferringTx) Put(ctx context.Context, r scheduling.Resource) error {
	return tx.later(tx.Tx.Put(ctx, r))
}

func (tx *deferringTx) Delete(ctx context.Context, typ, id string, version int64) error {
	return tx.later(tx.Tx.Delete(ctx, typ, id, version))
}

func (tx *deferringTx) AddBusy(ctx context.Context, entries ...store.Busy) error {
	return tx.later(tx.Tx.AddBusy(ctx, entries...))
}

func (tx *deferringTx) SetIdempotent(ctx context.Context, key, result string) error {
	return tx.later(tx.Tx.SetIdempotent(ctx, key, result))
}
