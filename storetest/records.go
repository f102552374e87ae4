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

var idempotencyCases = []testCase{
	{"RecordAndConflict", testIdempotency},
	{"ConcurrentSameKey", testIdempotencyConcurrent},
	{"ControlCharacters", testIdempotencyControlCharacters},
}

var cursorCases = []testCase{
	{"PerConsumer", testCursors},
}

var expiredHoldCases = []testCase{
	{"PendingAndLapsed", testExpiredHolds},
}

var leaseCases = []testCase{
	{"TakeRenewExpire", testLeases},
}

var overlapCases = []testCase{
	{"ExclusiveEntries", testRefusesOverlap},
	{"ConcurrentWithoutLock", testRefusesOverlapConcurrent},
}

func testIdempotency(t tb, s store.Store) {
	ctx := t.Context()
	err := s.View(ctx, func(tx store.ReadTx) error {
		_, err := tx.Idempotent(ctx, "k1")
		return err
	})
	wantErr(t, err, store.ErrNotFound, "Idempotent of a key never set")
	update(t, s, "SetIdempotent", func(ctx context.Context, tx store.Tx) error {
		if err := tx.SetIdempotent(ctx, "k1", "Appointment/a1"); err != nil {
			return err
		}
		if v, err := tx.Idempotent(ctx, "k1"); err != nil || v != "Appointment/a1" {
			broke(t, "Idempotent inside a transaction sees its own SetIdempotent", "%q, %v", v, err)
		}
		return nil
	})
	refused(t, s, store.ErrConflict, "SetIdempotent of a key set earlier in the same transaction", func(ctx context.Context, tx store.Tx) error {
		if err := tx.SetIdempotent(ctx, "k2", "first"); err != nil {
			return err
		}
		return tx.SetIdempotent(ctx, "k2", "again")
	})
	view(t, s, "Idempotent", func(ctx context.Context, tx store.ReadTx) error {
		v, err := tx.Idempotent(ctx, "k1")
		if err != nil || v != "Appointment/a1" {
			broke(t, "Idempotent returns the result recorded under the key", "%q, %v", v, err)
		}
		if v, err := tx.Idempotent(ctx, "k2"); !errors.Is(err, store.ErrNotFound) {
			broke(t, "a failed transaction must leave no idempotency key behind", "k2 = %q, %v", v, err)
		}
		return nil
	})
	refused(t, s, store.ErrConflict, "SetIdempotent of an existing key", func(ctx context.Context, tx store.Tx) error {
		return tx.SetIdempotent(ctx, "k1", "other")
	})
	view(t, s, "Idempotent", func(ctx context.Context, tx store.ReadTx) error {
		if v, _ := tx.Idempotent(ctx, "k1"); v != "Appointment/a1" {
			broke(t, "a failed SetIdempotent changes nothing", "%q", v)
		}
		return nil
	})
}

func testIdempotencyConcurrent(t tb, s store.Store) {
	ctx := t.Context()
	var wins atomic.Int32
	var winner atomic.Value
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			result := fmt.Sprintf("result-%d", g)
			err := s.Update(ctx, func(tx store.Tx) error { return tx.SetIdempotent(ctx, "shared", result) })
			switch {
			case err == nil:
				wins.Add(1)
				winner.Store(result)
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("store rule: a SetIdempotent that loses a race must fail with ErrConflict; got %v", err)
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		broke(t, "SetIdempotent of a key taken by a concurrent transaction must fail with ErrConflict: exactly one wins", "%d winners", n)
		return
	}
	view(t, s, "Idempotent", func(ctx context.Context, tx store.ReadTx) error {
		if v, err := tx.Idempotent(ctx, "shared"); err != nil || v != winner.Load() {
			broke(t, "Idempotent returns the winner's result", "%q, %v (winner %v)", v, err, winner.Load())
		}
		return nil
	})
}

func testCursors(t tb, s store.Store) {
	cursorOf := func(consumer string) int64 {
		t.Helper()
		var n int64
		view(t, s, "Cursor", func(ctx context.Context, tx store.ReadTx) error {
			var err error
			n, err = tx.Cursor(ctx, consumer)
			return err
		})
		return n
	}
	if n := cursorOf("mailer"); n != 0 {
		broke(t, "Cursor of a consumer that never acknowledged is 0", "%d", n)
	}
	update(t, s, "SetCursor", func(ctx context.Context, tx store.Tx) error {
		if err := tx.SetCursor(ctx, "mailer", 5); err != nil {
			return err
		}
		if n, err := tx.Cursor(ctx, "mailer"); err != nil || n != 5 {
			broke(t, "Cursor inside a transaction sees its own SetCursor", "%d, %v", n, err)
		}
		return tx.SetCursor(ctx, "webhook", 2)
	})
	update(t, s, "SetCursor", func(ctx context.Context, tx store.Tx) error { return tx.SetCursor(ctx, "mailer", 9) })
	if a, b := cursorOf("mailer"), cursorOf("webhook"); a != 9 || b != 2 {
		broke(t, "Cursor returns the last position each consumer acknowledged", "mailer %d webhook %d (want 9, 2)", a, b)
	}
}

func testExpiredHolds(t tb, s store.Store) {
	now := at(10, 0)
	create(t, s,
		appointment("h-2h", scheduling.AppointmentPending, at(12, 0), now.Add(-2*time.Hour)),
		appointment("h-1h", scheduling.AppointmentPending, at(12, 0), now.Add(-time.Hour)),
		appointment("h-now", scheduling.AppointmentPending, at(12, 0), now),
		appointment("h-1h-b", scheduling.AppointmentPending, at(12, 0), now.Add(-time.Hour)),
		appointment("h-future", scheduling.AppointmentPending, at(12, 0), now.Add(time.Microsecond)),
		appointment("booked", scheduling.AppointmentBooked, at(12, 0), now.Add(-3*time.Hour)),
		appointment("request", scheduling.AppointmentPending, at(12, 0), time.Time{}),
	)
	holds := func(tx store.ReadTx, limit int) []string {
		t.Helper()
		hs, err := tx.ExpiredHolds(t.Context(), now, limit)
		ok(t, err, "ExpiredHolds")
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	rule := "ExpiredHolds returns pending appointments whose HeldUntil is set and not after now, oldest first (then by id), up to limit"
	view(t, s, "ExpiredHolds", func(ctx context.Context, tx store.ReadTx) error {
		if d := diff([]string{"h-2h", "h-1h", "h-1h-b", "h-now"}, holds(tx, 10)); d != "" {
			broke(t, rule, "(-want +got):\n%s", d)
		}
		if d := diff([]string{"h-2h", "h-1h"}, holds(tx, 2)); d != "" {
			broke(t, rule, "limit 2 (-want +got):\n%s", d)
		}
		return nil
	})
	update(t, s, "ExpiredHolds in a transaction", func(ctx context.Context, tx store.Tx) error {
		h, err := store.Get[scheduling.Appointment](ctx, tx, "h-2h")
		if err != nil {
			return err
		}
		h.Status = scheduling.AppointmentCancelled
		if err := tx.Put(ctx, h); err != nil {
			return err
		}
		if d := diff([]string{"h-1h", "h-1h-b", "h-now"}, holds(tx, 10)); d != "" {
			broke(t, rule+"; inside a transaction, as it wrote them", "(-want +got):\n%s", d)
		}
		return nil
	})
}

func testLeases(t tb, s store.Store) {
	try := func(holder string, now time.Time) bool {
		t.Helper()
		var got bool
		update(t, s, "TryLease", func(ctx context.Context, tx store.Tx) error {
			var err error
			got, err = tx.TryLease(ctx, "sweeper", holder, now, time.Minute)
			return err
		})
		return got
	}
	rule := "TryLease gives the lease to one holder until now+ttl; the holder may renew it; another gets it only after it lapses"
	for _, c := range []struct {
		holder string
		after  time.Duration
		want   bool
	}{
		{"A", 0, true},
		{"B", 10 * time.Second, false},
		{"A", 30 * time.Second, true}, // renewed until 1m30s
		{"B", 80 * time.Second, false},
		{"B", 91 * time.Second, true},
		{"A", 92 * time.Second, false},
	} {
		if got := try(c.holder, base.Add(c.after)); got != c.want {
			broke(t, rule, "%s at +%s: %v (want %v)", c.holder, c.after, got, c.want)
		}
	}
	var other bool
	update(t, s, "TryLease", func(ctx context.Context, tx store.Tx) error {
		var err error
		other, err = tx.TryLease(ctx, "delivery", "A", base.Add(92*time.Second), time.Minute)
		return err
	})
	if !other {
		broke(t, "leases of different names are independent", "A refused the free lease %q", "delivery")
	}
}

func testRefusesOverlap(t tb, s store.Store) {
	ctx := t.Context()
	excl := func(id, sched string, from, to time.Time) store.Busy {
		return store.Busy{ID: id, ScheduleID: sched, Start: from, End: to, AppointmentID: id, Exclusive: true, Booking: true}
	}
	update(t, s, "AddBusy of an exclusive entry on free time", func(ctx context.Context, tx store.Tx) error {
		return tx.AddBusy(ctx, excl("first", "s1", at(10, 0), at(11, 0)))
	})
	for _, c := range []struct {
		entries []store.Busy
		refuse  bool
		what    string
	}{
		{[]store.Busy{excl("overlap", "s1", at(10, 30), at(11, 30))}, true, "an exclusive entry overlapping another"},
		{[]store.Busy{excl("inside", "s1", at(10, 15), at(10, 45))}, true, "an exclusive entry inside another"},
		{[]store.Busy{excl("pair-1", "s1", at(12, 0), at(13, 0)), excl("pair-2", "s1", at(12, 30), at(13, 30))}, true, "two overlapping exclusive entries in one call"},
		{[]store.Busy{excl("after", "s1", at(11, 0), at(12, 0))}, false, "an exclusive entry adjacent to another (half-open)"},
		{[]store.Busy{excl("before", "s1", at(9, 0), at(10, 0))}, false, "an exclusive entry adjacent to another (half-open)"},
		{[]store.Busy{excl("elsewhere", "s2", at(10, 0), at(11, 0))}, false, "an exclusive entry on another schedule"},
		{[]store.Busy{{ID: "shared", ScheduleID: "s1", Start: at(10, 0), End: at(11, 0)}}, false, "a non-exclusive entry overlapping an exclusive one"},
	} {
		if c.refuse {
			refused(t, s, store.ErrConflict, "with RefusesOverlap, AddBusy of "+c.what, func(ctx context.Context, tx store.Tx) error {
				return tx.AddBusy(ctx, c.entries...)
			})
			continue
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddBusy(ctx, c.entries...) }); err != nil {
			broke(t, "with RefusesOverlap, AddBusy of "+c.what+" must succeed", "%v", err)
		}
	}
	if d := diff([]string{"after", "before", "first", "shared"}, busyIDs(t, s, []string{"s1"}, time.Time{}, time.Time{})); d != "" {
		broke(t, "with RefusesOverlap, a refused AddBusy keeps none of its entries", "s1 entries (-want +got):\n%s", d)
	}
	// A reschedule onto its own old time: remove, then add, in one
	// transaction.
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.RemoveBusy(ctx, "first"); err != nil {
			return err
		}
		return tx.AddBusy(ctx, excl("first-moved", "s1", at(10, 0), at(10, 45)))
	})
	if err != nil {
		broke(t, "with RefusesOverlap, entries removed earlier in the transaction no longer overlap", "%v", err)
	}
}

func testRefusesOverlapConcurrent(t tb, s store.Store) {
	ctx := t.Context()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				return tx.AddBusy(ctx, store.Busy{ScheduleID: "s1", Start: at(10, g), End: at(11, g), Exclusive: true, AppointmentID: fmt.Sprint(g)})
			})
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("store rule: with RefusesOverlap, a refused AddBusy fails with ErrConflict; got %v", err)
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		broke(t, "with RefusesOverlap, overlapping exclusive entries are refused even without LockSchedules", "%d of 6 overlapping entries stored", n)
	}
}

// testIdempotencyControlCharacters records a key that holds a NUL: it is
// found by the same key and by no other.
func testIdempotencyControlCharacters(t tb, s store.Store) {
	update(t, s, "SetIdempotent", func(ctx context.Context, tx store.Tx) error {
		return tx.SetIdempotent(ctx, "k\x00nul", "Appointment/a1")
	})
	view(t, s, "Idempotent", func(ctx context.Context, tx store.ReadTx) error {
		if v, err := tx.Idempotent(ctx, "k\x00nul"); err != nil || v != "Appointment/a1" {
			broke(t, "Idempotent returns the result recorded under a key with control characters", "%q, %v", v, err)
		}
		if v, err := tx.Idempotent(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			broke(t, "a key with a NUL is not another key cut at the NUL", "k = %q, %v", v, err)
		}
		return nil
	})
}
