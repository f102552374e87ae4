package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// checkStall makes the first transaction that reads busy time stop right
// after that read, as a booking does between its check and its writes, and
// read the busy time again before it goes on. The transaction holds its
// schedule's lock all that while.
type checkStall struct {
	store.Store
	once    sync.Once
	checked chan struct{} // closed when the first busy read is done
	resume  chan struct{} // closed by the test to let the stalled transaction go on
	// The busy entry ids of the first read and of the read after the
	// stall; the test reads them once the transaction has ended.
	first, again []string
}

func newCheckStall(st store.Store) *checkStall {
	return &checkStall{Store: st, checked: make(chan struct{}), resume: make(chan struct{})}
}

func (s *checkStall) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(&checkStallTx{Tx: tx, s: s}) })
}

type checkStallTx struct {
	store.Tx
	s *checkStall
}

func (t *checkStallTx) Busy(ctx context.Context, ids []string, from, to time.Time) ([]store.Busy, error) {
	out, err := t.Tx.Busy(ctx, ids, from, to)
	if err != nil {
		return out, err
	}
	stall := false
	t.s.once.Do(func() { stall = true })
	if !stall {
		return out, nil
	}
	t.s.first = busyEntryIDs(out)
	close(t.s.checked)
	<-t.s.resume
	again, err := t.Tx.Busy(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	t.s.again = busyEntryIDs(again)
	return out, nil
}

func busyEntryIDs(entries []store.Busy) []string {
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

// A busy slot written by Create or Update takes its schedule's lock, as a
// booking does. Instance A books 09:00 on a capacity-1 schedule and stops
// between its check and its writes, holding the schedule's lock; instance
// B (its own pool) meanwhile creates a busy slot at 09:00, and later frees
// it while A checks a booking of that time again. Neither write of B may
// land while A is stopped: the busy time A checked must be the busy time it
// commits against (the store contract of LockSchedules). Without B's lock,
// B commits at once and A's second read sees B's entry appear or vanish.
func TestBusySlotWaitsForABookingsLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schema := pgtest.Schema(t)
	stA := pgstore.New(pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 4}), nil)
	sB := openslot.New(pgstore.New(pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 4}), nil), nil)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
	nine, ten := day.Add(9*time.Hour), day.Add(10*time.Hour)
	sc := &scheduling.Schedule{
		Meta:  scheduling.Meta{ID: "dr-a"},
		Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "a")},
		Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2020, Month: time.January, Day: 1},
			Start: scheduling.Clock(8, 0, 0), End: scheduling.Clock(18, 0, 0)}}},
		Policy: scheduling.SlotPolicy{Duration: time.Hour, Capacity: 1},
	}
	if err := sB.Create(ctx, sc); err != nil {
		t.Fatal(err)
	}
	patient := scheduling.Ref("Patient", "p")
	booking := func(st store.Store) (*scheduling.Appointment, error) {
		return openslot.New(st, nil).Book(ctx, openslot.BookRequest{Schedules: []string{"dr-a"},
			Appointment: scheduling.Appointment{Start: nine, End: ten, Participant: []scheduling.Participant{{Actor: &patient}}}})
	}
	// race books on instance A, stalled after its check, and runs write on
	// B while A is stopped; it reports whether write finished before A went
	// on, and both results.
	race := func(write func() error) (stall *checkStall, early bool, bookErr, writeErr error) {
		stall = newCheckStall(stA)
		booked := make(chan error, 1)
		go func() {
			_, err := booking(stall)
			booked <- err
		}()
		select {
		case <-stall.checked:
		case err := <-booked:
			t.Fatalf("the booking ended before it read busy time: %v", err)
		}
		wrote := make(chan error, 1)
		go func() { wrote <- write() }()
		select {
		case writeErr = <-wrote:
			early = true
		case <-time.After(500 * time.Millisecond):
		}
		close(stall.resume)
		bookErr = <-booked
		if !early {
			writeErr = <-wrote
		}
		return stall, early, bookErr, writeErr
	}

	// A books first; B's busy slot waits for A's commit.
	sl := &scheduling.Slot{Schedule: scheduling.Ref("Schedule", "dr-a"), Status: scheduling.SlotBusyUnavailable, Start: nine, End: ten}
	stall, early, bookErr, createErr := race(func() error { return sB.Create(ctx, sl) })
	if bookErr != nil {
		t.Fatalf("booking of 09:00 on the empty schedule: %v", bookErr)
	}
	if createErr != nil {
		t.Fatalf("create of a busy slot at 09:00: %v", createErr)
	}
	if early {
		t.Error("the busy slot was created while the booking held the schedule's lock")
	}
	if !slices.Equal(stall.first, stall.again) {
		t.Errorf("busy time of dr-a changed under the booking's lock: %v, then %v", stall.first, stall.again)
	}

	// A checks 09:00 again and finds it taken; B's freeing of the slot
	// waits for A's transaction to end.
	sl.Status = scheduling.SlotFree
	stall, early, bookErr, updateErr := race(func() error { return sB.Update(ctx, sl) })
	if !errors.Is(bookErr, openslot.ErrConflict) {
		t.Fatalf("second booking of 09:00: %v, want ErrConflict", bookErr)
	}
	if updateErr != nil {
		t.Fatalf("update freeing the busy slot: %v", updateErr)
	}
	if early {
		t.Error("the busy slot was freed while a booking held the schedule's lock")
	}
	if !slices.Equal(stall.first, stall.again) {
		t.Errorf("busy time of dr-a changed under the booking's lock: %v, then %v", stall.first, stall.again)
	}
}
