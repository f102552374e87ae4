package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

var atomicityCases = []testCase{
	{"FailedTransactionLeavesNothing", testFailedTransactionLeavesNothing},
	{"CancelledContextLeavesNothing", testCancelledContextLeavesNothing},
}

var isolationCases = []testCase{
	{"UncommittedInvisibleToView", testUncommittedInvisibleToView},
	{"UncommittedInvisibleToUpdate", testUncommittedInvisibleToUpdate},
	{"LockSchedulesSerialises", testLockSchedulesSerialises},
	{"LockedCheckThenWriteNeverDoubleBooks", testLockedCheckThenWrite},
	{"NoLostUpdates", testNoLostUpdates},
}

// snapshot is everything the atomicity cases look at.
type snapshot struct {
	patients []string
	versions map[string]int64
	busy     []string
	events   []string // appointment ids in cursor order
	lastCur  int64
	idem     map[string]bool
	cursors  map[string]int64
}

var atomicityKeys = []string{"key-committed", "key-rolled-back"}
var atomicityConsumers = []string{"consumer-committed", "consumer-rolled-back"}

func takeSnapshot(t tb, s store.Store) snapshot {
	t.Helper()
	snap := snapshot{versions: map[string]int64{}, idem: map[string]bool{}, cursors: map[string]int64{}}
	view(t, s, "View", func(ctx context.Context, tx store.ReadTx) error {
		for _, r := range searchAll(t, tx, store.Query{ResourceType: "Patient"}) {
			snap.patients = append(snap.patients, r.Metadata().ID)
			snap.versions[r.Metadata().ID] = r.Metadata().Version
		}
		for _, r := range searchAll(t, tx, store.Query{ResourceType: "Appointment"}) {
			snap.versions[r.Metadata().ID] = r.Metadata().Version
		}
		busy, err := tx.Busy(ctx, []string{"sched-1", "sched-2"}, time.Time{}, time.Time{})
		ok(t, err, "Busy")
		for _, b := range busy {
			snap.busy = append(snap.busy, b.ID)
		}
		snap.busy = sorted(snap.busy)
		for _, k := range atomicityKeys {
			_, err := tx.Idempotent(ctx, k)
			snap.idem[k] = err == nil
		}
		for _, c := range atomicityConsumers {
			n, err := tx.Cursor(ctx, c)
			ok(t, err, "Cursor")
			snap.cursors[c] = n
		}
		return nil
	})
	evs, err := s.Events(t.Context(), 0, store.MaxLimit)
	ok(t, err, "Events")
	for _, e := range evs {
		snap.events = append(snap.events, e.AppointmentID)
		snap.lastCur = e.Cursor
	}
	return snap
}

// seedAtomicity commits one of everything a transaction can write.
func seedAtomicity(t tb, s store.Store) {
	t.Helper()
	update(t, s, "a transaction writing every kind of record", func(ctx context.Context, tx store.Tx) error {
		for _, r := range []scheduling.Resource{patient("keep", "Keep"), patient("doomed", "Doomed"),
			appointment("appt-1", scheduling.AppointmentBooked, at(1, 0), time.Time{})} {
			if err := tx.Create(ctx, r); err != nil {
				return err
			}
		}
		if err := tx.AddBusy(ctx, store.Busy{ID: "busy-1", ScheduleID: "sched-1", Start: at(1, 0), End: at(1, 30), AppointmentID: "appt-1", Booking: true}); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, event("appt-1", scheduling.EventBooked, at(0, 0))); err != nil {
			return err
		}
		if err := tx.SetIdempotent(ctx, atomicityKeys[0], "appt-1"); err != nil {
			return err
		}
		return tx.SetCursor(ctx, atomicityConsumers[0], 1)
	})
}

// writeEverything is the body of a transaction that touches every kind of
// record; the cases make it fail.
func writeEverything(ctx context.Context, tx store.Tx, caps store.Capabilities) error {
	keep := patient("keep", "Changed")
	keep.Version = 1
	steps := []func() error{
		func() error { return tx.Create(ctx, patient("phantom", "Phantom")) },
		func() error { return tx.Put(ctx, keep) },
		func() error { return tx.Delete(ctx, "Patient", "doomed", 0) },
		func() error { return tx.LockSchedules(ctx, "sched-1", "sched-2") },
		func() error { return tx.RemoveBusy(ctx, "appt-1") },
		func() error {
			return tx.AddBusy(ctx, store.Busy{ID: "busy-phantom", ScheduleID: "sched-2", Start: at(2, 0), End: at(3, 0), AppointmentID: "phantom"})
		},
		func() error { return tx.AppendEvent(ctx, event("phantom", scheduling.EventBooked, at(0, 0))) },
		func() error { return tx.SetIdempotent(ctx, atomicityKeys[1], "phantom") },
		func() error { return tx.SetCursor(ctx, atomicityConsumers[0], 99) },
		func() error { return tx.SetCursor(ctx, atomicityConsumers[1], 7) },
	}
	if caps.Leases {
		steps = append(steps, func() error {
			_, err := tx.TryLease(ctx, "atomicity-lease", "phantom", base, time.Hour)
			return err
		})
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
	}
	return nil
}

func checkUnchanged(t tb, s store.Store, before snapshot, what string) {
	t.Helper()
	after := takeSnapshot(t, s)
	if d := diff(before.patients, after.patients); d != "" {
		broke(t, what+" must leave no resource behind", "patients (-before +after):\n%s", d)
	}
	if d := diff(before.versions, after.versions); d != "" {
		broke(t, what+" must leave no Put or Delete behind", "versions (-before +after):\n%s", d)
	}
	if d := diff(before.busy, after.busy); d != "" {
		broke(t, what+" must leave busy time as it was", "busy ids (-before +after):\n%s", d)
	}
	if d := diff(before.events, after.events); d != "" {
		broke(t, what+" must leave no event behind", "events (-before +after):\n%s", d)
	}
	if d := diff(before.idem, after.idem); d != "" {
		broke(t, what+" must leave no idempotency key behind", "keys (-before +after):\n%s", d)
	}
	if d := diff(before.cursors, after.cursors); d != "" {
		broke(t, what+" must leave consumer cursors as they were", "cursors (-before +after):\n%s", d)
	}
	if s.Capabilities().Leases {
		var got bool
		update(t, s, "TryLease", func(ctx context.Context, tx store.Tx) error {
			var err error
			got, err = tx.TryLease(ctx, "atomicity-lease", "other-holder", base.Add(time.Minute), time.Minute)
			return err
		})
		if !got {
			broke(t, what+" must leave no lease behind", "the lease taken in it still held")
		}
	}
	// The log goes on after the last committed event, with no trace of the
	// rolled-back ones.
	update(t, s, "AppendEvent", func(ctx context.Context, tx store.Tx) error {
		return tx.AppendEvent(ctx, event("after", scheduling.EventBooked, at(0, 0)))
	})
	evs, err := s.Events(t.Context(), before.lastCur, store.MaxLimit)
	ok(t, err, "Events")
	if len(evs) != 1 || evs[0].AppointmentID != "after" || evs[0].Cursor <= before.lastCur {
		broke(t, what+" must leave no event behind: the next committed event follows the last committed one",
			"%d events after cursor %d: %v", len(evs), before.lastCur, eventIDs(evs))
	}
}

func testFailedTransactionLeavesNothing(t tb, s store.Store) {
	seedAtomicity(t, s)
	before := takeSnapshot(t, s)
	ctx := t.Context()
	var stepErr error
	err := s.Update(ctx, func(tx store.Tx) error {
		if stepErr = writeEverything(ctx, tx, s.Capabilities()); stepErr != nil {
			return stepErr
		}
		return errRollback
	})
	if stepErr != nil {
		brokeNow(t, "every write of a transaction must succeed", "%v", stepErr)
	}
	if !errors.Is(err, errRollback) {
		broke(t, "Update must return the error of its function", "%v", err)
	}
	checkUnchanged(t, s, before, "a transaction whose function fails")
}

func testCancelledContextLeavesNothing(t tb, s store.Store) {
	seedAtomicity(t, s)
	before := takeSnapshot(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stepErr error
	err := s.Update(ctx, func(tx store.Tx) error {
		stepErr = writeEverything(ctx, tx, s.Capabilities())
		cancel()
		return nil
	})
	if stepErr != nil {
		brokeNow(t, "every write of a transaction must succeed", "%v", stepErr)
	}
	if !errors.Is(err, context.Canceled) {
		broke(t, "Update whose context ends before commit must fail with the context's error", "%v", err)
	}
	checkUnchanged(t, s, before, "a transaction whose context is cancelled")
}

// whileOpen runs probe in another goroutine while a transaction that wrote
// holds it open, then rolls the transaction back. probe either runs while
// the writer is open or (if the store makes it wait) after the rollback:
// either way it must not see the write.
func whileOpen(t tb, s store.Store, probe func(ctx context.Context) error) {
	ctx := t.Context()
	done := make(chan error, 1)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Create(ctx, patient("uncommitted", "Ghost")); err != nil {
			return err
		}
		if err := tx.AddBusy(ctx, store.Busy{ID: "busy-uncommitted", ScheduleID: "sched-1", Start: at(1, 0), End: at(2, 0)}); err != nil {
			return err
		}
		go func() { done <- probe(ctx) }()
		select {
		case err := <-done:
			done <- err
		case <-time.After(150 * time.Millisecond): // the store makes the probe wait
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		broke(t, "Update must return the error of its function", "%v", err)
	}
	if err := <-done; err != nil {
		brokeNow(t, "a transaction beside an open one must succeed", "%v", err)
	}
}

func testUncommittedInvisibleToView(t tb, s store.Store) {
	whileOpen(t, s, func(ctx context.Context) error {
		return s.View(ctx, func(tx store.ReadTx) error {
			if _, err := tx.Get(ctx, "Patient", "uncommitted"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("store rule: writes of an open transaction are invisible to View; got Get = %v", err)
			}
			p, err := tx.Search(ctx, store.Query{ResourceType: "Patient"})
			if err != nil || len(p.Resources) != 0 {
				t.Errorf("store rule: writes of an open transaction are invisible to View; got Search = %d, %v", len(p.Resources), err)
			}
			b, err := tx.Busy(ctx, []string{"sched-1"}, time.Time{}, time.Time{})
			if err != nil || len(b) != 0 {
				t.Errorf("store rule: busy time of an open transaction is invisible to View; got Busy = %v, %v", b, err)
			}
			return nil
		})
	})
}

func testUncommittedInvisibleToUpdate(t tb, s store.Store) {
	whileOpen(t, s, func(ctx context.Context) error {
		return s.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.Get(ctx, "Patient", "uncommitted"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("store rule: writes of an open transaction are invisible to other Updates; got Get = %v", err)
			}
			b, err := tx.Busy(ctx, []string{"sched-1"}, time.Time{}, time.Time{})
			if err != nil || len(b) != 0 {
				t.Errorf("store rule: busy time of an open transaction is invisible to other Updates; got Busy = %v, %v", b, err)
			}
			return nil
		})
	})
}

// testLockSchedulesSerialises runs transactions that lock overlapping sets
// of schedules, in both orders, and counts who is inside a critical section
// for each schedule: never more than one, and no deadlock.
func testLockSchedulesSerialises(t tb, s store.Store) {
	var inside [2]atomic.Int32
	var overlaps atomic.Int32
	sets := [][]string{{"lock-a"}, {"lock-b"}, {"lock-a", "lock-b"}, {"lock-b", "lock-a"}}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			set := sets[g%len(sets)]
			for range 5 {
				err := s.Update(ctx, func(tx store.Tx) error {
					if err := tx.LockSchedules(ctx, set...); err != nil {
						return err
					}
					var mine []int
					for _, id := range set {
						i := int(id[len(id)-1] - 'a')
						if inside[i].Add(1) != 1 {
							overlaps.Add(1)
						}
						mine = append(mine, i)
					}
					time.Sleep(200 * time.Microsecond)
					for _, i := range mine {
						inside[i].Add(-1)
					}
					return nil
				})
				if err != nil {
					t.Errorf("store rule: transactions locking the same schedules in any order must not deadlock or fail; got %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		broke(t, "LockSchedules serialises transactions that lock the same schedule", "%d overlapping critical sections", n)
	}
}

// testLockedCheckThenWrite is the booking race: each goroutine locks the
// schedule, reads its busy time, and books only when free. Exactly one
// booking may result.
func testLockedCheckThenWrite(t tb, s store.Store) {
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				if err := tx.LockSchedules(ctx, "sched-race"); err != nil {
					return err
				}
				busy, err := tx.Busy(ctx, []string{"sched-race"}, at(1, 0), at(2, 0))
				if err != nil || len(busy) > 0 {
					return err
				}
				time.Sleep(time.Millisecond) // widen the window between check and write
				return tx.AddBusy(ctx, store.Busy{ScheduleID: "sched-race", Start: at(1, 0), End: at(2, 0), AppointmentID: fmt.Sprintf("a%d", g), Booking: true})
			})
			if err != nil && !errors.Is(err, store.ErrConflict) {
				t.Errorf("store rule: a locked check-then-write transaction must commit or fail with ErrConflict; got %v", err)
			}
		}()
	}
	wg.Wait()
	var busy []store.Busy
	view(t, s, "Busy", func(ctx context.Context, tx store.ReadTx) error {
		var err error
		busy, err = tx.Busy(ctx, []string{"sched-race"}, at(0, 0), at(3, 0))
		return err
	})
	if len(busy) != 1 {
		broke(t, "LockSchedules makes check-then-write safe: concurrent bookings of one free time leave exactly one busy entry",
			"%d entries", len(busy))
	}
}

// testNoLostUpdates increments a counter in a resource from several
// goroutines, each reading then Putting, retrying on ErrConflict: every
// increment must survive.
func testNoLostUpdates(t tb, s store.Store) {
	a := appointment("counter", scheduling.AppointmentBooked, at(1, 0), time.Time{})
	a.Priority = ptr(0)
	create(t, s, a)
	ctx := t.Context()
	const goroutines, each = 4, 5
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for attempt := 0; ; attempt++ {
					err := s.Update(ctx, func(tx store.Tx) error {
						r, err := store.Get[scheduling.Appointment](ctx, tx, "counter")
						if err != nil {
							return err
						}
						*r.Priority++
						return tx.Put(ctx, r)
					})
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConflict) || attempt > 50 {
						t.Errorf("store rule: a read-then-Put transaction must commit or fail with ErrConflict; got %v", err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	got := get(t, s, "Appointment", "counter").(*scheduling.Appointment)
	if *got.Priority != goroutines*each || got.Version != goroutines*each+1 {
		broke(t, "Put with a stale version must fail with ErrConflict, so that no update is lost",
			"counter %d version %d after %d increments (want %d, %d)", *got.Priority, got.Version, goroutines*each, goroutines*each, goroutines*each+1)
	}
}
