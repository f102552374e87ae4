package pgstore_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// The overlap query answers exactly as the reference store does, for
// random entries and windows, including open bounds, empty windows,
// reversed windows and windows that touch an entry's edge.
func TestBusyMatchesMemstore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := pgstore.New(pgtest.Pool(t), nil)
	mem := memstore.New(nil)
	rng := rand.New(rand.NewPCG(1, 2))
	at := func(quarter int) time.Time { return t0.Add(time.Duration(quarter) * 15 * time.Minute) }
	var entries []store.Busy
	for i := range 60 {
		start := rng.IntN(40)
		b := slot("", []string{"s1", "s2", "s3"}[i%3], 0, 0, false)
		b.ID = "b" + string(rune('A'+i/26)) + string(rune('a'+i%26))
		b.Start, b.End = at(start), at(start+1+rng.IntN(6))
		entries = append(entries, b)
	}
	for _, s := range []store.Store{pg, mem} {
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddBusy(ctx, entries...) }); err != nil {
			t.Fatal(err)
		}
	}
	query := func(s store.Store, ids []string, from, to time.Time) []string {
		var out []string
		if err := s.View(ctx, func(tx store.ReadTx) error {
			bs, err := tx.Busy(ctx, ids, from, to)
			for _, b := range bs {
				out = append(out, b.ID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	for range 150 {
		var from, to time.Time
		if rng.IntN(6) > 0 {
			from = at(rng.IntN(48) - 2)
		}
		if rng.IntN(6) > 0 {
			to = at(rng.IntN(48) - 2)
		}
		ids := []string{"s1", "s2", "s3", "none"}[:1+rng.IntN(4)]
		want, got := query(mem, ids, from, to), query(pg, ids, from, to)
		if !slices.Equal(want, got) {
			t.Fatalf("Busy(%v, %s, %s) = %v; memstore says %v", ids, from, to, got, want)
		}
	}
}
