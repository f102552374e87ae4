package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// RunScheduler runs the Scheduler-level cases against stores made by
// newStore: the promises of package openslot that depend on the store
// keeping its contract under concurrency (atomic Update, LockSchedules
// serialising, versions refusing stale writes, the outbox). Each case gets a
// fresh store and closes it. Failures name the rule that was broken.
func RunScheduler(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, st store.Store)
	}{
		{"OneSlotManyBookers", schedOneSlotManyBookers},
		{"CapacityUnderStorm", schedCapacityUnderStorm},
		{"HoldExpiry", schedHoldExpiry},
		{"OneEventPerTransition", schedOneEventPerTransition},
		{"RetriesWithOneKey", schedRetriesWithOneKey},
	}
	for _, c := range cases {
		t.Run("Scheduler/"+c.name, func(t *testing.T) {
			st := newStore(t)
			if st == nil {
				t.Fatal("storetest: NewStore returned nil")
			}
			t.Cleanup(func() { st.Close() })
			c.run(t, st)
		})
	}
}

// schedClock is a settable clock.
type schedClock struct{ ns atomic.Int64 }

func (c *schedClock) Now() time.Time        { return time.Unix(0, c.ns.Load()).UTC() }
func (c *schedClock) Set(t time.Time)       { c.ns.Store(t.UnixNano()) }
func (c *schedClock) Add(d time.Duration)   { c.ns.Add(int64(d)) }
func newSchedClock(t time.Time) *schedClock { c := &schedClock{}; c.Set(t); return c }

// schedDay is Monday 2026-03-02 in UTC; schedules are open 09:00-17:00.
var schedDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func schedAt(h, m int) time.Time {
	return schedDay.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func schedSetup(t *testing.T, st store.Store, clk *schedClock, capacities map[string]int) *openslot.Scheduler {
	t.Helper()
	s := openslot.New(st, &openslot.Options{Now: clk.Now, MaxRetries: 50})
	for id, capacity := range capacities {
		sc := &scheduling.Schedule{
			Meta:  scheduling.Meta{ID: id},
			Actor: []scheduling.Reference{scheduling.Ref("Practitioner", id)},
			Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
				RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 1},
				Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}}},
			Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, Capacity: capacity},
		}
		if err := s.Create(context.Background(), sc); err != nil {
			t.Fatalf("scheduler rule: creating schedule %s must succeed; got %v", id, err)
		}
	}
	return s
}

func schedAppt(patient string, start, end time.Time) scheduling.Appointment {
	p := scheduling.Ref("Patient", patient)
	return scheduling.Appointment{Start: start, End: end,
		Participant: []scheduling.Participant{{Actor: &p, Status: scheduling.ParticipationAccepted}}}
}

func schedOneSlotManyBookers(t *testing.T, st store.Store) {
	ctx := context.Background()
	clk := newSchedClock(schedAt(7, 0))
	s := schedSetup(t, st, clk, map[string]int{"s1": 1})
	const n = 64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = s.Book(ctx, openslot.BookRequest{Appointment: schedAppt(fmt.Sprint("p", i), schedAt(9, 0), schedAt(9, 30)),
				Schedules: []string{"s1"}})
		}()
	}
	close(start)
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, openslot.ErrConflict):
			conflicts++
		default:
			t.Errorf("scheduler rule: a booking that loses a race must fail with ErrConflict; got %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("scheduler rule (LockSchedules must serialise check and write): %d goroutines booking one slot must give exactly 1 success and %d conflicts; got %d and %d",
			n, n-1, ok, conflicts)
	}
	if got := occupying(t, st, clk.Now(), "s1"); len(got) != 1 {
		t.Fatalf("scheduler rule: exactly one stored appointment may occupy the slot; found %d", len(got))
	}
}

// schedRetriesWithOneKey sends one booking request many times at once, as
// a client that retries before the first answer arrives does: every copy
// must get the same appointment, and it is booked once.
func schedRetriesWithOneKey(t *testing.T, st store.Store) {
	ctx := context.Background()
	clk := newSchedClock(schedAt(7, 0))
	s := schedSetup(t, st, clk, map[string]int{"s1": 1})
	const n = 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			a, err := s.Book(ctx, openslot.BookRequest{Appointment: schedAppt("p1", schedAt(9, 0), schedAt(9, 30)),
				Schedules: []string{"s1"}, IdempotencyKey: "request-1"})
			errs[i] = err
			if a != nil {
				ids[i] = a.ID
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("scheduler rule (idempotency keys): a retried request must get the first request's booking; copy %d got %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Fatalf("scheduler rule (idempotency keys): every copy of a request must get one appointment; got %s and %s", ids[0], ids[i])
		}
	}
	if got := occupying(t, st, clk.Now(), "s1"); len(got) != 1 {
		t.Fatalf("scheduler rule (idempotency keys): %d copies of one request must book once; found %d appointments", n, len(got))
	}
}

// stormResult counts what a storm did.
type stormResult struct {
	transitions atomic.Int64 // successful calls that record one event each
}

func storm(t *testing.T, s *openslot.Scheduler, schedules []string, workers, ops int, res *stormResult) {
	ctx := context.Background()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var mine []string
			<-start
			for range ops {
				sc := schedules[rng.IntN(len(schedules))]
				st := schedAt(9, 0).Add(time.Duration(rng.IntN(6)) * 30 * time.Minute)
				end := st.Add(time.Duration(1+rng.IntN(2)) * 30 * time.Minute)
				var a *scheduling.Appointment
				var err error
				switch op := rng.IntN(10); {
				case op < 4:
					a, err = s.Book(ctx, openslot.BookRequest{Appointment: schedAppt("p", st, end), Schedules: []string{sc}})
				case op < 6:
					a, err = s.Hold(ctx, openslot.BookRequest{Appointment: schedAppt("p", st, end), Schedules: []string{sc}})
				case op < 8 && len(mine) > 0:
					a, err = s.Reschedule(ctx, mine[rng.IntN(len(mine))], openslot.RescheduleRequest{Start: st, End: end})
				case len(mine) > 0:
					i := rng.IntN(len(mine))
					a, err = s.Cancel(ctx, mine[i], nil)
					mine = append(mine[:i], mine[i+1:]...)
				default:
					continue
				}
				switch {
				case err == nil:
					res.transitions.Add(1)
					if a.Status == scheduling.AppointmentBooked && !slices.Contains(mine, a.ID) {
						mine = append(mine, a.ID)
					}
				case errors.Is(err, openslot.ErrConflict), errors.Is(err, scheduling.ErrInvalidTransition):
				default:
					t.Errorf("scheduler rule: a storm operation failed with an unexpected error: %v", err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
}

func schedCapacityUnderStorm(t *testing.T, st store.Store) {
	clk := newSchedClock(schedAt(7, 0))
	caps := map[string]int{"c1": 1, "c2": 2}
	s := schedSetup(t, st, clk, caps)
	var res stormResult
	storm(t, s, []string{"c1", "c2"}, 8, 40, &res)
	if res.transitions.Load() == 0 {
		t.Fatal("scheduler rule: a storm over free time must let some operations succeed; none did")
	}
	for id, capacity := range caps {
		appts := occupying(t, st, clk.Now(), id)
		for _, a := range appts {
			n := 0
			for _, b := range appts {
				if b.Start.Before(a.End) && a.Start.Before(b.End) && !b.Start.After(a.Start) {
					n++ // b is in use at a.Start
				}
			}
			if n > capacity {
				t.Fatalf("scheduler rule (no double booking): schedule %s of capacity %d has %d stored appointments at %s",
					id, capacity, n, a.Start.Format(time.RFC3339))
			}
		}
		checkBusyMatches(t, st, clk.Now(), id, appts)
	}
}

// occupying scans the stored appointments (not the Scheduler's checks) for
// those that occupy schedule id at now: an occupying status, not a lapsed
// hold, with a busy stored slot of that schedule.
func occupying(t *testing.T, st store.Store, now time.Time, id string) []*scheduling.Appointment {
	t.Helper()
	ctx := context.Background()
	var out []*scheduling.Appointment
	err := st.View(ctx, func(tx store.ReadTx) error {
		all, err := store.SearchAll[scheduling.Appointment](ctx, tx, store.Query{Limit: store.MaxLimit}, 0)
		if err != nil {
			return err
		}
		for _, a := range all {
			if !a.Occupies(now) {
				continue
			}
			for _, ref := range a.Slot {
				_, sid := ref.Split()
				sl, err := store.Get[scheduling.Slot](ctx, tx, sid)
				if err != nil {
					return fmt.Errorf("appointment %s references slot %s: %w", a.ID, sid, err)
				}
				if _, sched := sl.Schedule.Split(); sched == id && sl.Status != scheduling.SlotFree {
					out = append(out, a)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scheduler rule: scanning stored appointments must succeed; got %v", err)
	}
	return out
}

// checkBusyMatches compares the live busy entries of a schedule with the
// appointments that occupy it: one entry each, at the same time.
func checkBusyMatches(t *testing.T, st store.Store, now time.Time, id string, appts []*scheduling.Appointment) {
	t.Helper()
	ctx := context.Background()
	var busy []store.Busy
	err := st.View(ctx, func(tx store.ReadTx) error {
		var err error
		busy, err = tx.Busy(ctx, []string{id}, schedDay, schedDay.Add(24*time.Hour))
		return err
	})
	if err != nil {
		t.Fatalf("scheduler rule: reading busy time must succeed; got %v", err)
	}
	live := map[string]store.Busy{}
	for _, b := range busy {
		if b.Live(now) {
			live[b.AppointmentID] = b
		}
	}
	if len(live) != len(appts) {
		t.Fatalf("scheduler rule (busy time is written with the appointment): schedule %s has %d live busy entries for %d occupying appointments",
			id, len(live), len(appts))
	}
	for _, a := range appts {
		b, ok := live[a.ID]
		if !ok || !b.Start.Equal(a.Start) || !b.End.Equal(a.End) {
			t.Fatalf("scheduler rule: appointment %s at %s has busy entry %+v on %s", a.ID, a.Start.Format(time.RFC3339), b, id)
		}
	}
}

func schedHoldExpiry(t *testing.T, st store.Store) {
	ctx := context.Background()
	clk := newSchedClock(schedAt(7, 0))
	s := schedSetup(t, st, clk, map[string]int{"h1": 1})
	h, err := s.Hold(ctx, openslot.BookRequest{Appointment: schedAppt("p1", schedAt(9, 0), schedAt(9, 30)), Schedules: []string{"h1"}})
	if err != nil {
		t.Fatalf("scheduler rule: a hold on free time must succeed; got %v", err)
	}
	h2, err := s.Hold(ctx, openslot.BookRequest{Appointment: schedAppt("p2", schedAt(10, 0), schedAt(10, 30)), Schedules: []string{"h1"}})
	if err != nil {
		t.Fatalf("scheduler rule: a hold on free time must succeed; got %v", err)
	}
	if _, err := s.Book(ctx, openslot.BookRequest{Appointment: schedAppt("p3", schedAt(9, 0), schedAt(9, 30)), Schedules: []string{"h1"}}); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("scheduler rule: a live hold must block its time; booking over it gave %v", err)
	}
	clk.Set(h.HeldUntil)
	b, err := s.Book(ctx, openslot.BookRequest{Appointment: schedAppt("p3", schedAt(9, 0), schedAt(9, 30)), Schedules: []string{"h1"}})
	if err != nil {
		t.Fatalf("scheduler rule: a lapsed hold must not block (store Busy must return it with its HeldUntil); got %v", err)
	}
	got, err := s.Appointment(ctx, h.ID)
	if err != nil || got.Status != scheduling.AppointmentCancelled {
		t.Fatalf("scheduler rule: a booking over a lapsed hold must expire it in its transaction; hold is %v (%v)", got, err)
	}
	n, err := s.ExpireHolds(ctx)
	if err != nil || n != 1 {
		t.Fatalf("scheduler rule: ExpireHolds must expire the one remaining lapsed hold (store ExpiredHolds); got %d, %v", n, err)
	}
	if got, _ := s.Appointment(ctx, h2.ID); got == nil || got.Status != scheduling.AppointmentCancelled {
		t.Fatalf("scheduler rule: the swept hold must be cancelled; got %v", got)
	}
	if appts := occupying(t, st, clk.Now(), "h1"); len(appts) != 1 || appts[0].ID != b.ID {
		t.Fatalf("scheduler rule: only the new booking may occupy the schedule; found %d", len(appts))
	}
	evs, err := st.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []scheduling.EventType
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []scheduling.EventType{scheduling.EventHeld, scheduling.EventHeld, scheduling.EventHoldExpired,
		scheduling.EventBooked, scheduling.EventHoldExpired}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Fatalf("scheduler rule: events must be %v; got %v", want, types)
	}
}

func schedOneEventPerTransition(t *testing.T, st store.Store) {
	ctx := context.Background()
	clk := newSchedClock(schedAt(7, 0))
	s := schedSetup(t, st, clk, map[string]int{"e1": 1, "e2": 3})
	var res stormResult
	storm(t, s, []string{"e1", "e2"}, 6, 30, &res)
	var events []store.EventRecord
	for after := int64(0); ; {
		page, err := st.Events(ctx, after, 100)
		if err != nil {
			t.Fatalf("scheduler rule: reading events must succeed; got %v", err)
		}
		if len(page) == 0 {
			break
		}
		events = append(events, page...)
		after = page[len(page)-1].Cursor
	}
	if int64(len(events)) != res.transitions.Load() {
		t.Fatalf("scheduler rule (outbox: one event per committed change, none from failed ones): %d successful transitions recorded %d events",
			res.transitions.Load(), len(events))
	}
	// Each appointment's events follow its versions: the snapshot in event
	// k of an appointment carries its k-th version.
	seen := map[string]int64{}
	for _, e := range events {
		seen[e.AppointmentID]++
		if e.Appointment.Version != seen[e.AppointmentID] {
			t.Fatalf("scheduler rule: event %d of appointment %s carries version %d, want %d (events out of order or missing)",
				e.Cursor, e.AppointmentID, e.Appointment.Version, seen[e.AppointmentID])
		}
	}
}
