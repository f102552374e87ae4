package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// NewStore returns a fresh, empty store for one subtest. Run calls it once
// per case and closes the store when the case ends (t.Cleanup); register
// any further cleanup of your own (dropping a database schema, say) on t.
type NewStore func(t *testing.T) store.Store

// Run runs every case of the conformance suite against stores made by
// newStore, as subtests of t grouped by topic (CRUD, Search, Atomicity,
// Isolation, Aliasing, Time, Busy, Events, Idempotency, Cursors, Leases,
// ExpiredHolds, RefusesOverlap, and Scheduler: the concurrency cases run
// through openslot.Scheduler over the store). Cases of an optional capability the store
// does not declare are skipped with a message naming the capability. Every
// failure names the rule of package store that was broken.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					s := newStore(t)
					if s == nil {
						t.Fatal("storetest: NewStore returned nil")
					}
					t.Cleanup(func() {
						if err := s.Close(); err != nil {
							t.Errorf("store rule: Close must succeed; got %v", err)
						}
					})
					if g.needs != nil {
						if missing := g.needs(s.Capabilities()); missing != "" {
							t.Skipf("store does not declare Capabilities.%s: skipping its rules", missing)
						}
					}
					c.run(t, s)
				})
			}
		})
	}
	RunScheduler(t, newStore)
}

// tb is the part of testing.TB the cases use, so that the suite's own
// tests can run a case against a broken store with a recorder in place of
// a *testing.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Skipf(format string, args ...any)
	Context() context.Context
}

type testCase struct {
	name string
	run  func(t tb, s store.Store)
}

type group struct {
	name  string
	needs func(store.Capabilities) string // the missing capability, or ""
	cases []testCase
}

func groups() []group {
	return []group{
		{name: "CRUD", cases: crudCases},
		{name: "Search", cases: searchCases},
		{name: "Atomicity", cases: atomicityCases},
		{name: "Isolation", cases: isolationCases},
		{name: "Aliasing", cases: aliasingCases},
		{name: "Time", cases: timeCases},
		{name: "Busy", cases: busyCases},
		{name: "Events", cases: eventCases},
		{name: "Idempotency", cases: idempotencyCases},
		{name: "Cursors", cases: cursorCases},
		{name: "ExpiredHolds", cases: expiredHoldCases},
		{name: "Leases", cases: leaseCases, needs: func(c store.Capabilities) string {
			if !c.Leases {
				return "Leases"
			}
			return ""
		}},
		{name: "RefusesOverlap", cases: overlapCases, needs: func(c store.Capabilities) string {
			if !c.RefusesOverlap {
				return "RefusesOverlap"
			}
			return ""
		}},
	}
}

// broke reports a broken rule: "store rule: <rule>; got <what>".
func broke(t tb, rule, format string, args ...any) {
	t.Helper()
	t.Errorf("store rule: %s; got %s", rule, fmt.Sprintf(format, args...))
}

// brokeNow is broke that ends the case.
func brokeNow(t tb, rule, format string, args ...any) {
	t.Helper()
	t.Fatalf("store rule: %s; got %s", rule, fmt.Sprintf(format, args...))
}

// ok ends the case when err is not nil: an operation the rule says must
// succeed failed.
func ok(t tb, err error, rule string) {
	t.Helper()
	if err != nil {
		brokeNow(t, rule+" must succeed", "%v", err)
	}
}

// wantErr reports a broken rule unless errors.Is(err, want).
func wantErr(t tb, err, want error, rule string) bool {
	t.Helper()
	if !errors.Is(err, want) {
		broke(t, fmt.Sprintf("%s must fail with %s", rule, sentinelName(want)), "%v", err)
		return false
	}
	return true
}

// refused checks a write the store contract says must be refused with
// want. fn runs in a transaction and returns the error of that write, its
// last call. A store may refuse the write at the call (fn returns want and
// Update returns it) or when Update commits (every call succeeds and Update
// fails with want); in both forms nothing of the transaction may be kept,
// which the caller checks afterwards.
func refused(t tb, s store.Store, want error, rule string, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := t.Context()
	var callErr error
	err := s.Update(ctx, func(tx store.Tx) error {
		callErr = fn(ctx, tx)
		return callErr
	})
	rule = fmt.Sprintf("%s must fail with %s, at the call or when Update commits", rule, sentinelName(want))
	switch {
	case callErr != nil && !errors.Is(callErr, want):
		broke(t, rule, "the call failed with %v", callErr)
	case !errors.Is(err, want):
		broke(t, rule, "Update returned %v", err)
	}
}

func sentinelName(err error) string {
	switch err {
	case store.ErrNotFound:
		return "ErrNotFound"
	case store.ErrConflict:
		return "ErrConflict"
	case store.ErrInvalidQuery:
		return "ErrInvalidQuery"
	case store.ErrNotImplemented:
		return "ErrNotImplemented"
	case store.ErrClosed:
		return "ErrClosed"
	}
	return err.Error()
}

var errRollback = errors.New("storetest: deliberate rollback")

// update runs fn in a transaction that must commit.
func update(t tb, s store.Store, rule string, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := t.Context()
	ok(t, s.Update(ctx, func(tx store.Tx) error { return fn(ctx, tx) }), rule)
}

// view runs fn in a read transaction that must succeed.
func view(t tb, s store.Store, rule string, fn func(ctx context.Context, tx store.ReadTx) error) {
	t.Helper()
	ctx := t.Context()
	ok(t, s.View(ctx, func(tx store.ReadTx) error { return fn(ctx, tx) }), rule)
}

// create stores resources in one committed transaction.
func create(t tb, s store.Store, rs ...scheduling.Resource) {
	t.Helper()
	update(t, s, "Create of a new resource", func(ctx context.Context, tx store.Tx) error {
		for _, r := range rs {
			if err := tx.Create(ctx, r); err != nil {
				return fmt.Errorf("%s/%s: %w", r.ResourceType(), r.Metadata().ID, err)
			}
		}
		return nil
	})
}

// get reads one committed resource; nil when it does not exist.
func get(t tb, s store.Store, typ, id string) scheduling.Resource {
	t.Helper()
	var out scheduling.Resource
	ctx := t.Context()
	err := s.View(ctx, func(tx store.ReadTx) error {
		r, err := tx.Get(ctx, typ, id)
		out = r
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		brokeNow(t, "Get of "+typ+"/"+id+" must succeed or fail with ErrNotFound", "%v", err)
	}
	return out
}

// maxPages bounds page walks, so that a store whose cursor never ends fails
// instead of looping.
const maxPages = 2000

// searchAll walks every page of q and returns the resources in order.
func searchAll(t tb, tx store.ReadTx, q store.Query) []scheduling.Resource {
	t.Helper()
	ctx := t.Context()
	var out []scheduling.Resource
	for range maxPages {
		p, err := tx.Search(ctx, q)
		if err != nil {
			brokeNow(t, fmt.Sprintf("Search of %s must succeed", describe(q)), "%v", err)
		}
		out = append(out, p.Resources...)
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
	brokeNow(t, "a search's Next cursor must end", "more than %d pages for %s", maxPages, describe(q))
	return nil
}

// searchIDs is searchAll in a View, as ids in result order.
func searchIDs(t tb, s store.Store, q store.Query) []string {
	t.Helper()
	var out []string
	view(t, s, "View", func(ctx context.Context, tx store.ReadTx) error {
		out = ids(searchAll(t, tx, q))
		return nil
	})
	return out
}

func ids(rs []scheduling.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Metadata().ID
	}
	return out
}

func sorted(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	if ss == nil {
		ss = []string{}
	}
	return ss
}

func describe(q store.Query) string {
	var b strings.Builder
	b.WriteString(q.ResourceType)
	if len(q.IDs) > 0 {
		fmt.Fprintf(&b, " ids=%v", q.IDs)
	}
	if len(q.Terms) > 0 {
		fmt.Fprintf(&b, " terms=%v", q.Terms)
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		fmt.Fprintf(&b, " at=[%s,%s)", fmtTime(q.From), fmtTime(q.To))
	}
	if !q.UpdatedFrom.IsZero() || !q.UpdatedTo.IsZero() {
		fmt.Fprintf(&b, " updated=[%s,%s)", fmtTime(q.UpdatedFrom), fmtTime(q.UpdatedTo))
	}
	if q.Descending {
		b.WriteString(" descending")
	}
	if q.Limit != 0 {
		fmt.Fprintf(&b, " limit=%d", q.Limit)
	}
	return b.String()
}

// same compares stored and expected values: instants by Equal, nil and
// empty slices alike, JSON by meaning (a store may re-encode it).
var sameOpts = cmp.Options{
	cmpopts.EquateEmpty(),
	cmp.FilterValues(func(a, b json.RawMessage) bool { return len(a) > 0 || len(b) > 0 },
		cmp.Comparer(func(a, b json.RawMessage) bool {
			var x, y any
			if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
				return string(a) == string(b)
			}
			return reflect.DeepEqual(x, y)
		})),
}

func diff(want, got any) string { return cmp.Diff(want, got, sameOpts) }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format(time.RFC3339Nano)
}
