package pgstore_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// A prefetched read answers as the database would have just after the
// lock: for random prefetch ranges and reads inside and outside them it
// returns what a read of its own returns, it never serves a read it does
// not cover, and the transaction's own writes (busy time, a Put of the
// resource) are seen at once, not hidden behind the prefetch.
func TestPrefetchAnswersAsTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgstore.New(pgtest.Pool(t), nil)
	rng := rand.New(rand.NewPCG(5, 6))
	at := func(quarter int) time.Time { return t0.Add(time.Duration(quarter) * 15 * time.Minute) }
	var entries []store.Busy
	for i := range 40 {
		start := rng.IntN(40)
		b := slot("", []string{"s1", "s2"}[i%2], 0, 0, false)
		b.Start, b.End = at(start), at(start+1+rng.IntN(6))
		entries = append(entries, b)
	}
	patient := &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Create(ctx, patient); err != nil {
			return err
		}
		return tx.AddBusy(ctx, entries...)
	}); err != nil {
		t.Fatal(err)
	}
	ids := func(bs []store.Busy) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.ID)
		}
		slices.Sort(out)
		return out
	}
	for round := range 60 {
		pf := store.BusyRange{ScheduleIDs: []string{"s1"}, From: at(rng.IntN(30)), To: at(30 + rng.IntN(20))}
		if round%3 == 0 {
			pf.ScheduleIDs = []string{"s1", "s2"}
		}
		err := s.Update(ctx, func(tx store.Tx) error {
			tx.(store.Prefetcher).Prefetch(store.Prefetch{
				Resources: []store.Key{{Type: "Patient", ID: "p1"}, {Type: "Patient", ID: "nobody"}},
				Busy:      []store.BusyRange{pf}})
			if err := tx.LockSchedules(ctx, "s1", "s2"); err != nil {
				return err
			}
			if _, err := tx.Get(ctx, "Patient", "nobody"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("prefetched missing resource: %v; want ErrNotFound", err)
			}
			got, err := tx.Get(ctx, "Patient", "p1")
			if err != nil || got.Metadata().Version != 1 {
				t.Fatalf("prefetched patient: %v, %v", got, err)
			}
			for range 5 {
				from, to := at(rng.IntN(50)-2), at(rng.IntN(50)-2)
				sched := [][]string{{"s1"}, {"s2"}, {"s1", "s2"}}[rng.IntN(3)]
				cached, err := tx.Busy(ctx, sched, from, to)
				if err != nil {
					return err
				}
				// A read with open bounds is never served from the prefetch:
				// it is the database's own answer to compare with.
				var fresh []store.Busy
				for _, b := range mustBusy(ctx, t, tx, sched) {
					if b.Start.Before(to) && b.End.After(from) {
						fresh = append(fresh, b)
					}
				}
				if !slices.Equal(ids(cached), ids(fresh)) {
					t.Fatalf("round %d: busy of %v over %s-%s (prefetched %v over %s-%s): %v; the database has %v",
						round, sched, from.Format("15:04"), to.Format("15:04"), pf.ScheduleIDs,
						pf.From.Format("15:04"), pf.To.Format("15:04"), ids(cached), ids(fresh))
				}
			}
			// The transaction's own writes show at once.
			extra := slot("", "s1", 0, 0, false)
			extra.ID = "own"
			extra.Start, extra.End = pf.From, pf.From.Add(time.Minute)
			if err := tx.AddBusy(ctx, extra); err != nil {
				return err
			}
			bs, err := tx.Busy(ctx, []string{"s1"}, pf.From, pf.To)
			if err != nil || !slices.Contains(ids(bs), "own") {
				t.Fatalf("busy after the transaction's own AddBusy: %v, %v; want entry own", ids(bs), err)
			}
			if err := tx.Put(ctx, got); err != nil {
				return err
			}
			again, err := tx.Get(ctx, "Patient", "p1")
			if err != nil || again.Metadata().Version != 2 {
				t.Fatalf("patient after the transaction's own Put: %v, %v; want version 2", again, err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
	}
}

func mustBusy(ctx context.Context, t *testing.T, tx store.ReadTx, sched []string) []store.Busy {
	t.Helper()
	bs, err := tx.Busy(ctx, sched, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// A write refused in the batch that carries the lock and the prefetched
// reads fails LockSchedules with the write's own error, and nothing is
// kept.
func TestPrefetchBatchReportsRefusedWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgstore.New(pgtest.Pool(t), nil)
	p := &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p2"}}); err != nil {
			return err
		}
		if err := tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}}); err != nil {
			return err
		}
		tx.(store.Prefetcher).Prefetch(store.Prefetch{Resources: []store.Key{{Type: "Patient", ID: "p1"}}})
		err := tx.LockSchedules(ctx, "s1")
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("LockSchedules after a Create of an existing id: %v; want ErrConflict", err)
		}
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update: %v; want ErrConflict", err)
	}
	if err := s.View(ctx, func(tx store.ReadTx) error {
		_, err := tx.Get(ctx, "Patient", "p2")
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("patient p2 of the refused transaction: %v; want ErrNotFound", err)
	}
}
