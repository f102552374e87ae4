package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// assertEmpty proves that nothing of a rolled-back transaction is there.
func assertEmpty(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	err := s.View(ctx, func(tx store.ReadTx) error {
		p, err := tx.Search(ctx, store.Query{ResourceType: "Patient", Total: true})
		if err != nil {
			return err
		}
		if p.Total != 0 {
			t.Errorf("%d patients were kept", p.Total)
		}
		bs, err := tx.Busy(ctx, []string{"s1"}, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		if len(bs) != 0 {
			t.Errorf("busy entries %v were kept", bs)
		}
		if _, err := tx.Idempotent(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("idempotency key: %v; want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 0 {
		t.Errorf("%d events were kept", len(evs))
	}
}

// writeSome makes one of every kind of write.
func writeSome(ctx context.Context, tx store.Tx) error {
	if err := tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}}); err != nil {
		return err
	}
	if err := tx.AddBusy(ctx, slot("b1", "s1", 0, 30, true)); err != nil {
		return err
	}
	if err := tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: "a1"}); err != nil {
		return err
	}
	return tx.SetIdempotent(ctx, "k", "r")
}

// Cancelling the context while a transaction waits inside a statement
// (LockSchedules behind another holder of the lock) rolls everything back
// and leaves the pool healthy.
func TestCancelMidUpdate(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	s := pgstore.New(pool, nil)
	bg := context.Background()

	locked := make(chan struct{})
	release := make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- s.Update(bg, func(tx store.Tx) error {
			if err := tx.LockSchedules(bg, "s1"); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked

	ctx, cancel := context.WithCancel(bg)
	var lockErr error
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := writeSome(ctx, tx); err != nil {
			return err
		}
		time.AfterFunc(50*time.Millisecond, cancel)
		lockErr = tx.LockSchedules(ctx, "s1") // waits for the holder until cancelled
		return lockErr
	})
	if !errors.Is(lockErr, context.Canceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("LockSchedules returned %v and Update %v; want context.Canceled from both", lockErr, err)
	}
	close(release)
	if err := <-holder; err != nil {
		t.Fatalf("the lock holder: %v", err)
	}
	assertEmpty(t, s)

	// The pool gets back every connection (one whose statement was
	// cancelled is closed and destroyed in the background) and works.
	for deadline := time.Now().Add(10 * time.Second); pool.Stat().AcquiredConns() != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still acquired 10s after the cancelled Update", pool.Stat().AcquiredConns())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Update(bg, func(tx store.Tx) error { return writeSome(bg, tx) }); err != nil {
		t.Fatalf("an Update after the cancelled one: %v", err)
	}
	if err := pool.Ping(bg); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

// A context cancelled after fn wrote but before commit keeps nothing.
func TestCancelBeforeCommit(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := writeSome(ctx, tx); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update: %v; want context.Canceled", err)
	}
	assertEmpty(t, s)
}

// A statement that fails aborts the PostgreSQL transaction: the store then
// refuses further calls with the first error and commits nothing, even if
// fn ignores the error and returns nil.
func TestFailedStatementPoisonsTransaction(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := writeSome(ctx, tx); err != nil {
			return err
		}
		// A time out of timestamptz's range fails in the database.
		_, err := tx.ExpiredHolds(ctx, time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), 1)
		if err == nil {
			t.Error("ExpiredHolds with an instant out of range succeeded")
		}
		if err := tx.SetCursor(ctx, "c", 1); err == nil {
			t.Error("a call after a failed statement succeeded")
		}
		return nil // ignore it
	})
	if err == nil {
		t.Fatal("Update committed a transaction whose statement failed")
	}
	assertEmpty(t, s)
}

// Two transactions that update the same two records in opposite order,
// without LockSchedules, deadlock; PostgreSQL breaks the deadlock (after
// deadlock_timeout) and the victim's error wraps ErrConflict.
func TestDeadlockIsConflict(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for PostgreSQL's deadlock_timeout")
	}
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	for _, id := range []string{"x", "y"} {
		if err := s.Update(ctx, func(tx store.Tx) error {
			return tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: id}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	var barrier sync.WaitGroup
	barrier.Add(2)
	run := func(first, second string) error {
		return s.Update(ctx, func(tx store.Tx) error {
			for i, id := range []string{first, second} {
				p, err := store.Get[scheduling.Patient](ctx, tx, id)
				if err != nil {
					return err
				}
				if err := tx.Put(ctx, p); err != nil {
					return err
				}
				if i == 0 {
					barrier.Done()
					barrier.Wait() // both hold their first row lock
				}
			}
			return nil
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run("x", "y") }()
	go func() { errs <- run("y", "x") }()
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("want exactly one transaction to lose the deadlock; got %v and %v", e1, e2)
	}
	if err := errors.Join(e1, e2); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("the deadlock victim's error %v does not wrap ErrConflict", err)
	}
}

// View reads one snapshot: a commit between two reads of a View is not
// seen by the second.
func TestViewIsSnapshot(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	p := &scheduling.Patient{Meta: scheduling.Meta{ID: "p"}}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	err := s.View(ctx, func(tx store.ReadTx) error {
		before, err := store.Get[scheduling.Patient](ctx, tx, "p")
		if err != nil {
			return err
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(ctx, p) }); err != nil {
			return err
		}
		after, err := store.Get[scheduling.Patient](ctx, tx, "p")
		if err != nil {
			return err
		}
		if before.Version != 1 || after.Version != 1 {
			t.Errorf("View read versions %d then %d; want 1 twice (one snapshot)", before.Version, after.Version)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Transactions that lock overlapping sets of schedules, named in any
// order, never deadlock (locks are taken in one global order) and never
// hold a schedule at the same time.
func TestLockSchedulesOrderAndExclusion(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	sets := [][]string{{"a", "b"}, {"b", "a"}, {"c", "a", "b"}, {"b", "c"}, {"c", "a", "a"}}
	var inside [3]atomic.Int32
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 15 {
				set := sets[(g+i)%len(sets)]
				err := s.Update(ctx, func(tx store.Tx) error {
					if err := tx.LockSchedules(ctx, set...); err != nil {
						return err
					}
					seen := map[string]bool{}
					for _, id := range set {
						if !seen[id] {
							seen[id] = true
							if n := inside[id[0]-'a'].Add(1); n != 1 {
								t.Errorf("%d transactions hold schedule %s at once", n, id)
							}
						}
					}
					time.Sleep(200 * time.Microsecond)
					for id := range seen {
						inside[id[0]-'a'].Add(-1)
					}
					return nil
				})
				if err != nil {
					t.Errorf("goroutine %d locking %v: %v", g, set, err)
				}
			}
		})
	}
	wg.Wait()
}

// The outcome Update reports is the outcome: a context that ends while the
// COMMIT round trip is in flight must not turn a committed transaction into
// an error (the caller would retry and book twice) nor an aborted one into
// success. Deadlines of a fraction of a millisecond land at every point of
// the transaction, the commit included.
func TestCommitOutcomeIsDefinite(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	s := pgstore.New(pool, nil)
	bg := context.Background()
	for i := range 200 {
		id := fmt.Sprintf("p%03d", i)
		ctx, cancel := context.WithTimeout(bg, time.Duration(50+i*15)*time.Microsecond)
		err := s.Update(ctx, func(tx store.Tx) error {
			return tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: id}})
		})
		cancel()
		var getErr error
		if verr := s.View(bg, func(tx store.ReadTx) error {
			_, getErr = store.Get[scheduling.Patient](bg, tx, id)
			return nil
		}); verr != nil {
			t.Fatal(verr)
		}
		switch {
		case err == nil && getErr != nil:
			t.Fatalf("Update %d returned nil but %s was not stored: %v", i, id, getErr)
		case err != nil && getErr == nil:
			t.Fatalf("Update %d returned %v but %s was stored", i, err, id)
		}
	}
}

// Versions are 64-bit: a Delete that names a version above 2^31 matches it
// (a bare $3 = 0 would have made PostgreSQL read the parameter as int4).
func TestDeleteOfALargeVersion(t *testing.T) {
	pool := pgtest.Pool(t)
	s := pgstore.New(pool, nil)
	ctx := context.Background()
	p := &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	const big = int64(3_000_000_000)
	if _, err := pool.Exec(ctx, `UPDATE resources SET version = $1 WHERE type = 'Patient' AND id = 'p1'`, big); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete(ctx, "Patient", "p1", big) }); err != nil {
		t.Fatalf("delete of version %d: %v", big, err)
	}
	assertEmpty(t, s)
}
