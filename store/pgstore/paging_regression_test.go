package pgstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// diffClock is the clock both stores of the differential test stamp
// LastUpdated with: the test sets it before each write, so that both give a
// write the same instant.
type diffClock struct{ now time.Time }

func (c *diffClock) Now() time.Time { return c.now }

var diffBase = time.Date(2030, time.May, 6, 8, 0, 0, 0, time.UTC)

// diffIDs are the ids the differential test writes: they differ in case,
// punctuation and length, so that byte order matters.
var diffIDs = func() []string {
	var ids []string
	for _, p := range []string{"a", "A", "a-", "a.", "b", "Z", "0"} {
		for i := range 6 {
			ids = append(ids, fmt.Sprintf("%s%d", p, i))
		}
	}
	return append(ids, "a", "a10", "a-10", "z", "zz")
}()

var diffStatuses = []scheduling.AppointmentStatus{
	scheduling.AppointmentBooked, scheduling.AppointmentPending, scheduling.AppointmentCancelled, scheduling.AppointmentProposed,
}

// diffAppointment is a random appointment with id: one of few starts (so
// that many tie on the instant and order by id), or none, a random status
// and practitioner.
func diffAppointment(rng *mrand.Rand, id string) *scheduling.Appointment {
	a := &scheduling.Appointment{
		Status: diffStatuses[rng.IntN(len(diffStatuses))],
		Participant: []scheduling.Participant{
			{Actor: refp(scheduling.Ref("Patient", fmt.Sprint("p", rng.IntN(4)))), Status: scheduling.ParticipationAccepted},
			{Actor: refp(scheduling.Ref("Practitioner", fmt.Sprint("dr", rng.IntN(3)))), Status: scheduling.ParticipationAccepted},
		},
	}
	a.ID = id
	if rng.IntN(6) > 0 {
		a.Start = diffBase.Add(time.Duration(rng.IntN(8)) * 15 * time.Minute)
		if rng.IntN(4) == 0 {
			a.Start = a.Start.Add(time.Duration(rng.IntN(1000)) * time.Microsecond)
		}
		a.End = a.Start.Add(30 * time.Minute)
	}
	return a
}

// diffStores are a memstore and a pgstore given the same writes.
type diffStores struct {
	t     *testing.T
	clock *diffClock
	mem   store.Store
	pg    store.Store
	// versions is the stored version of each id that exists.
	versions map[string]int64
	// touched records the ids written since the last reset.
	touched map[string]bool
}

// write applies n random writes (create, put, delete) to both stores, in
// one transaction each, and requires both to accept them.
func (d *diffStores) write(rng *mrand.Rand, n int) {
	d.t.Helper()
	ctx := d.t.Context()
	type op struct {
		id      string
		del     bool
		a       *scheduling.Appointment
		version int64
	}
	var ops []op
	seen := map[string]bool{}
	for range n {
		id := diffIDs[rng.IntN(len(diffIDs))]
		if seen[id] {
			continue
		}
		seen[id] = true
		v, exists := d.versions[id]
		o := op{id: id, version: v}
		if exists && rng.IntN(4) == 0 {
			o.del = true
		} else {
			o.a = diffAppointment(rng, id)
			o.a.Version = v
		}
		ops = append(ops, o)
	}
	d.clock.now = d.clock.now.Add(time.Millisecond + time.Duration(rng.IntN(1000))*time.Nanosecond)
	for _, s := range []store.Store{d.mem, d.pg} {
		err := s.Update(ctx, func(tx store.Tx) error {
			for _, o := range ops {
				var err error
				switch {
				case o.del:
					err = tx.Delete(ctx, "Appointment", o.id, o.version)
				case o.version == 0:
					c := *o.a
					err = tx.Create(ctx, &c)
				default:
					c := *o.a
					err = tx.Put(ctx, &c)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			d.t.Fatalf("%T: writes %v: %v", s, ops, err)
		}
	}
	for _, o := range ops {
		d.touched[o.id] = true
		if o.del {
			delete(d.versions, o.id)
		} else {
			d.versions[o.id] = o.version + 1
		}
	}
}

func searchPage(t *testing.T, s store.Store, q store.Query) (store.Page, error) {
	t.Helper()
	var p store.Page
	err := s.View(t.Context(), func(tx store.ReadTx) error {
		var err error
		p, err = tx.Search(t.Context(), q)
		return err
	})
	return p, err
}

func pageIDs(p store.Page) []string {
	ids := make([]string, len(p.Resources))
	for i, r := range p.Resources {
		ids[i] = r.Metadata().ID
	}
	return ids
}

// randomQuery is a random query over the appointments: terms, ids,
// instant and LastUpdated ranges, order, page size and Total in every
// combination.
func (d *diffStores) randomQuery(rng *mrand.Rand) store.Query {
	q := store.Query{ResourceType: "Appointment", Descending: rng.IntN(2) == 0, Total: rng.IntN(2) == 0}
	q.Limit = []int{0, 1, 2, 3, 5, 7}[rng.IntN(6)]
	status := func() string { return store.Term("status", string(diffStatuses[rng.IntN(len(diffStatuses))])) }
	dr := func() string { return store.RefTerm("practitioner", "Practitioner", fmt.Sprint("dr", rng.IntN(3))) }
	switch rng.IntN(5) {
	case 1:
		q.Terms = [][]string{{status(), status()}}
	case 2:
		q.Terms = [][]string{{dr()}}
	case 3:
		q.Terms = [][]string{{status(), status()}, {dr(), dr()}}
	}
	if rng.IntN(4) == 0 {
		for range 1 + rng.IntN(15) {
			q.IDs = append(q.IDs, diffIDs[rng.IntN(len(diffIDs))])
		}
		q.IDs = append(q.IDs, "no-such-id")
	}
	if rng.IntN(3) == 0 {
		q.From = diffBase.Add(time.Duration(rng.IntN(6))*15*time.Minute + time.Duration(rng.IntN(3))*time.Microsecond)
	}
	if rng.IntN(3) == 0 {
		q.To = diffBase.Add(time.Duration(2+rng.IntN(7))*15*time.Minute + time.Duration(rng.IntN(3))*500*time.Nanosecond)
	}
	if rng.IntN(4) == 0 {
		q.UpdatedFrom = d.clock.now.Add(-time.Duration(rng.IntN(40)) * time.Millisecond)
	}
	if rng.IntN(5) == 0 {
		q.UpdatedTo = d.clock.now.Add(-time.Duration(rng.IntN(20)) * time.Millisecond)
	}
	return q
}

// TestSearchDifferential gives a memstore and a pgstore the same random
// writes and walks the same random queries through both, page by page,
// with random writes between pages: every page must hold the same ids in
// the same order, with the same Total and the same end. Every resource
// that matched when a walk began and was not written during it is
// returned exactly once (store.Page, memstore and pgstore docs: a walk
// never repeats or skips a resource that stays).
func TestSearchDifferential(t *testing.T) {
	t.Parallel()
	clock := &diffClock{now: time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)}
	d := &diffStores{
		t:        t,
		clock:    clock,
		mem:      memstore.New(&memstore.Options{Now: clock.Now}),
		pg:       pgstore.New(pgtest.Pool(t), &pgstore.Options{Now: clock.Now}),
		versions: map[string]int64{},
	}
	rng := mrand.New(mrand.NewPCG(20301, 7))
	d.touched = map[string]bool{}
	for range 8 {
		d.write(rng, 6)
	}
	for walk := range 120 {
		q := d.randomQuery(rng)
		// What matches at the start, from memstore's answer in one page.
		all := q
		all.Limit, all.After = store.MaxLimit, ""
		first, err := searchPage(t, d.mem, all)
		if err != nil {
			t.Fatal(err)
		}
		d.touched = map[string]bool{}
		memQ, pgQ := q, q
		seen := map[string]int{}
		for page := 0; ; page++ {
			mp, merr := searchPage(t, d.mem, memQ)
			pp, perr := searchPage(t, d.pg, pgQ)
			if merr != nil || perr != nil {
				t.Fatalf("walk %d page %d of %+v: memstore %v, pgstore %v", walk, page, q, merr, perr)
			}
			mids, pids := pageIDs(mp), pageIDs(pp)
			if !slices.Equal(mids, pids) || mp.Total != pp.Total || (mp.Next == "") != (pp.Next == "") {
				t.Fatalf("walk %d page %d of %+v:\nmemstore %v total %d next %t\npgstore  %v total %d next %t",
					walk, page, q, mids, mp.Total, mp.Next != "", pids, pp.Total, pp.Next != "")
			}
			for _, id := range mids {
				seen[id]++
			}
			if mp.Next == "" {
				break
			}
			if page > 100 {
				t.Fatalf("walk %d of %+v does not end", walk, q)
			}
			memQ.After, pgQ.After = mp.Next, pp.Next
			if rng.IntN(2) == 0 {
				d.write(rng, 1+rng.IntN(4))
			}
		}
		for _, r := range first.Resources {
			id := r.Metadata().ID
			if !d.touched[id] && seen[id] != 1 {
				t.Fatalf("walk %d of %+v: %s matched at the start and was not written, but the walk returned it %d times",
					walk, q, id, seen[id])
			}
		}
		d.write(rng, 1+rng.IntN(3))
	}
}

// TestSearchForeignCursors: a cursor a store did not make (garbage, a
// truncated one, the other store's) is refused with ErrInvalidQuery by
// both stores, never a panic or a wrong page.
func TestSearchForeignCursors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := memstore.New(nil)
	pg := pgstore.New(pgtest.Pool(t), nil)
	for _, s := range []store.Store{mem, pg} {
		if err := s.Update(ctx, func(tx store.Tx) error {
			for i := range 3 {
				a := &scheduling.Appointment{Status: scheduling.AppointmentBooked, Start: diffBase.Add(time.Duration(i) * time.Hour)}
				a.ID = fmt.Sprint("a", i)
				if err := tx.Create(ctx, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	next := func(s store.Store) string {
		p, err := searchPage(t, s, store.Query{ResourceType: "Appointment", Limit: 1})
		if err != nil || p.Next == "" {
			t.Fatalf("%T: first page: %v, next %q", s, err, p.Next)
		}
		return p.Next
	}
	memNext, pgNext := next(mem), next(pg)
	for _, c := range []struct {
		s     store.Store
		after string
	}{
		{mem, pgNext}, {pg, memNext},
		{mem, memNext[:len(memNext)-3]}, {pg, pgNext[:len(pgNext)-3]},
		{mem, "@@@@"}, {pg, "@@@@"},
		{mem, "bTE6"}, {pg, "cDE6"},
	} {
		_, err := searchPage(t, c.s, store.Query{ResourceType: "Appointment", After: c.after})
		if !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("%T: Search after %q: %v; want ErrInvalidQuery", c.s, c.after, err)
		}
	}
}

func refp(r scheduling.Reference) *scheduling.Reference { return &r }

// pauseAfter is a pgx tracer that, after the first statement whose SQL
// contains marker has run, reports it on reached and waits for release.
type pauseAfter struct {
	marker  string
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

type pauseKey struct{}

func (p *pauseAfter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if strings.Contains(data.SQL, p.marker) {
		return context.WithValue(ctx, pauseKey{}, true)
	}
	return ctx
}

func (p *pauseAfter) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if ctx.Value(pauseKey{}) == nil {
		return
	}
	p.once.Do(func() {
		close(p.reached)
		<-p.release
	})
}

// TestMigrateSchemasConcurrently: two installations in two schemas of one
// database (docs/postgres.md: "give each a schema") start at once on a
// database without btree_gist. Migration 1 creates the extension, which is
// one per database, while the advisory lock of Migrate is per schema: the
// second Migrate must wait for the first and find the extension, not fail
// with a unique violation of pg_extension. Each installation's search_path
// names only its own schema, so the second one also shows the store
// working with btree_gist installed in a schema it does not search.
func TestMigrateSchemasConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close(context.Background()) }) // after the drop below
	db := "openslot_test_db_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		t.Skipf("this test needs a database of its own (a fresh one has no btree_gist) and the role may not create one: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE "+db+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", db, err)
		}
	})
	newPool := func(schema string, tracer pgx.QueryTracer) *pgxpool.Pool {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.Database = db
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		cfg.ConnConfig.Tracer = tracer
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return pool
	}
	setup := newPool("public", nil)
	if _, err := setup.Exec(ctx, "CREATE SCHEMA clinic_a; CREATE SCHEMA clinic_b"); err != nil {
		t.Fatal(err)
	}
	pause := &pauseAfter{marker: "CREATE EXTENSION", reached: make(chan struct{}), release: make(chan struct{})}
	a, b := newPool("clinic_a", pause), newPool("clinic_b", nil)

	errs := make(chan error, 2)
	go func() { errs <- pgstore.Migrate(ctx, a) }()
	select { // a has created the extension and not committed yet
	case <-pause.reached:
	case err := <-errs:
		t.Fatalf("Migrate of clinic_a ended before its first migration: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("Migrate of clinic_a did not reach its first migration")
	}
	go func() { errs <- pgstore.Migrate(ctx, b) }()
	// Wait until b waits on a lock that a holds.
	for deadline := time.Now().Add(time.Minute); ; {
		var waiting int
		if err := setup.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, db).
			Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-errs:
			close(pause.release)
			t.Fatalf("Migrate of clinic_b ended while clinic_a's migration was open: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			close(pause.release)
			t.Fatal("Migrate of clinic_b neither ended nor waited for clinic_a")
		}
	}
	close(pause.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Migrate of two schemas at once: %v", err)
		}
	}
	if t.Failed() {
		return
	}
	// Both installations refuse an overlap through their own constraint.
	for _, pool := range []*pgxpool.Pool{a, b} {
		s := pgstore.New(pool, nil)
		busy := func(id string, h int) store.Busy {
			return store.Busy{ID: id, ScheduleID: "s1", Start: diffBase.Add(time.Duration(h) * time.Hour),
				End: diffBase.Add(time.Duration(h+2) * time.Hour), Exclusive: true}
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddBusy(ctx, busy("b1", 0)) }); err != nil {
			t.Fatal(err)
		}
		err := s.Update(ctx, func(tx store.Tx) error { return tx.AddBusy(ctx, busy("b2", 1)) })
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("an overlapping exclusive entry: %v; want ErrConflict", err)
		}
	}
}

// TestSearchIDsWithNUL: PostgreSQL text cannot hold a NUL, so no stored id
// has one, and a Get of such an id is not found. A search by _id (which
// arrives unchecked from a URL) must agree: an id with a NUL matches
// nothing, not the stored id with U+FFFD in its place, and does not widen
// the search to every id when it is the only one.
func TestSearchIDsWithNUL(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := pgstore.New(pgtest.Pool(t), nil)
	if err := s.Update(ctx, func(tx store.Tx) error {
		for _, id := range []string{"x\uFFFDy", "other"} {
			p := &scheduling.Patient{}
			p.ID = id
			if err := tx.Create(ctx, p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ids  []string
		want []string
	}{
		{[]string{"x\x00y"}, []string{}},
		{[]string{"x\x00y", "other"}, []string{"other"}},
		{[]string{"x\uFFFDy", "x\x00y"}, []string{"x\uFFFDy"}},
	} {
		p, err := searchPage(t, s, store.Query{ResourceType: "Patient", IDs: c.ids, Total: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := pageIDs(p); !slices.Equal(got, c.want) || p.Total != len(c.want) {
			t.Errorf("Search by IDs %q: %q (total %d); want %q", c.ids, got, p.Total, c.want)
		}
	}
}
