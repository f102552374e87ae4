package openslot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

func TestFindBookAndFindAgain(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	offers, err := f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-a"}}, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{at(0, 9, 0), at(0, 9, 30), at(0, 10, 0)}
	if len(offers) != 3 {
		t.Fatalf("got %d offers, want 3", len(offers))
	}
	for i, o := range offers {
		if !o.Start.Equal(want[i]) || o.End.Sub(o.Start) != 30*time.Minute || !slices.Equal(o.Schedules, []string{"dr-a"}) {
			t.Errorf("offer %d = %v-%v %v, want %v for 30m on dr-a", i, o.Start, o.End, o.Schedules, want[i])
		}
	}
	a := f.book(openslot.BookRequest{Appointment: appt("p1", offers[0].Start, offers[0].End, "Practitioner/a"), Schedules: offers[0].Schedules})
	if a.Status != scheduling.AppointmentBooked || a.Version != 1 || a.ID == "" {
		t.Fatalf("booked = %s v%d id %q, want booked v1 with an id", a.Status, a.Version, a.ID)
	}
	for _, p := range a.Participant {
		if p.Status != scheduling.ParticipationAccepted {
			t.Errorf("participant %s status %s, want accepted", p.Actor.Reference, p.Status)
		}
	}
	if len(a.Slot) != 1 {
		t.Fatalf("appointment has %d slots, want 1", len(a.Slot))
	}
	sl := f.slot(a.Slot[0])
	if sl.Status != scheduling.SlotBusy || !sl.Start.Equal(a.Start) || sl.Schedule.Reference != "Schedule/dr-a" {
		t.Errorf("slot = %s %v on %s, want busy at %v on Schedule/dr-a", sl.Status, sl.Start, sl.Schedule.Reference, a.Start)
	}
	b := f.busy("dr-a")
	if len(b) != 1 || b[0].AppointmentID != a.ID || !b[0].Exclusive || !b[0].Booking || !b[0].HeldUntil.IsZero() {
		t.Errorf("busy = %+v, want one exclusive booking entry of %s", b, a.ID)
	}
	offers, err = f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-a"}}, Limit: 1})
	if err != nil || len(offers) != 1 || !offers[0].Start.Equal(at(0, 9, 30)) {
		t.Fatalf("after booking 09:00 the first offer is %v (%v), want 09:30", offers, err)
	}
	if got := f.eventTypes(); !slices.Equal(got, []scheduling.EventType{scheduling.EventBooked}) {
		t.Errorf("events = %v, want [booked]", got)
	}
}

func TestBookTakenSlotIsConflictNamingScheduleAndTime(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	_, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p2", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	if !errors.Is(err, openslot.ErrConflict) || !errors.Is(err, availability.ErrFull) {
		t.Fatalf("second booking: %v, want ErrConflict and availability.ErrFull", err)
	}
	if errors.Is(err, store.ErrConflict) {
		t.Errorf("a taken slot must not look like a retryable store conflict: %v", err)
	}
	var se *openslot.SlotError
	if !errors.As(err, &se) || se.ScheduleID != "dr-a" || !se.Start.Equal(at(0, 9, 0)) {
		t.Fatalf("error %v: want a *SlotError for dr-a at 09:00", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "schedule dr-a at 2026-03-02T08:00:00Z: slot taken") {
		t.Errorf("message %q does not name the schedule, time and reason", msg)
	}
	if n := len(f.events()); n != 1 {
		t.Errorf("%d events after one booking and one refusal, want 1", n)
	}
}

// rulePaths runs op (book, hold, confirm or reschedule) so that it needs the
// time [start, end) on dr-a, and returns its error.
type pathFunc func(f *fixture, start, end time.Time) error

func rulePaths() map[string]pathFunc {
	return map[string]pathFunc{
		"book": func(f *fixture, start, end time.Time) error {
			_, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("px", start, end), Schedules: []string{"dr-a"}})
			return err
		},
		"hold": func(f *fixture, start, end time.Time) error {
			_, err := f.s.Hold(f.ctx, openslot.BookRequest{Appointment: appt("px", start, end), Schedules: []string{"dr-a"}})
			return err
		},
		"reschedule": func(f *fixture, start, end time.Time) error {
			// A booking placed on Friday of the next week (before the rule
			// under test is in force) is moved onto the time.
			a := f.bookUnrestricted(at(11, 16, 0), at(11, 16, 30))
			_, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: start, End: end})
			return err
		},
		"confirm": func(f *fixture, start, end time.Time) error {
			// A hold placed before the rule under test is in force is
			// confirmed after, while it is still live.
			a := f.holdUnrestricted(start, end)
			_, err := f.s.Confirm(f.ctx, a.ID)
			return err
		},
	}
}

// bookUnrestricted books on dr-a with its policy relaxed for the moment.
func (f *fixture) bookUnrestricted(start, end time.Time) *scheduling.Appointment {
	f.t.Helper()
	var a *scheduling.Appointment
	f.relaxed(func() {
		a = f.book(openslot.BookRequest{Appointment: appt("pu", start, end), Schedules: []string{"dr-a"}})
	})
	return a
}

func (f *fixture) holdUnrestricted(start, end time.Time) *scheduling.Appointment {
	f.t.Helper()
	var a *scheduling.Appointment
	f.relaxed(func() {
		a = f.hold(openslot.BookRequest{Appointment: appt("pu", start, end), Schedules: []string{"dr-a"}})
	})
	return a
}

// relaxed runs fn with dr-a open every day all day, with plain 30-minute
// slots of a large capacity, and the clock five minutes back (so that a
// hold placed in fn is still live after); then it restores the schedule
// and the clock.
func (f *fixture) relaxed(fn func()) {
	f.t.Helper()
	r, err := f.s.Get(f.ctx, "Schedule", "dr-a")
	if err != nil {
		f.t.Fatal(err)
	}
	sc := r.(*scheduling.Schedule)
	strict, strictAvail := sc.Policy, sc.Availability
	sc.Policy = scheduling.SlotPolicy{Duration: 30 * time.Minute, Capacity: 100}
	sc.Availability = scheduling.Availability{TimeZone: "Europe/Vienna", Rules: []scheduling.AvailabilityRule{{
		RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2026, Month: 1, Day: 1}, Start: 0, End: scheduling.Clock(24, 0, 0)}}}
	if err := f.s.Update(f.ctx, sc); err != nil {
		f.t.Fatal(err)
	}
	now := f.clk.Now()
	f.clk.Set(now.Add(-5 * time.Minute))
	fn()
	f.clk.Set(now)
	sc.Policy, sc.Availability = strict, strictAvail
	if err := f.s.Update(f.ctx, sc); err != nil {
		f.t.Fatal(err)
	}
}

func TestRulesOnEveryPath(t *testing.T) {
	cases := []struct {
		name   string
		policy func(*scheduling.SlotPolicy)
		// setup books what the rule counts, before the path runs.
		setup      func(f *fixture)
		start, end time.Time
		want       error
		class      error
		// clock marks the rules a live hold keeps from when it was placed
		// (notice and horizon): confirming it must succeed.
		clock bool
	}{
		{name: "minimum notice", policy: func(p *scheduling.SlotPolicy) { p.MinNotice = 2 * time.Hour },
			start: at(0, 9, 30), end: at(0, 10, 0), want: availability.ErrTooSoon, class: openslot.ErrUnavailable, clock: true},
		{name: "horizon", policy: func(p *scheduling.SlotPolicy) { p.Horizon = 7 * 24 * time.Hour },
			start: at(8, 9, 0), end: at(8, 9, 30), want: availability.ErrTooFar, class: openslot.ErrUnavailable, clock: true},
		{name: "outside availability", start: at(0, 18, 0), end: at(0, 18, 30),
			want: availability.ErrOutsideAvailability, class: openslot.ErrUnavailable},
		{name: "capacity", policy: func(p *scheduling.SlotPolicy) { p.Capacity = 2 },
			setup: func(f *fixture) {
				for _, p := range []string{"c1", "c2"} {
					f.book(openslot.BookRequest{Appointment: appt(p, at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}})
				}
			},
			start: at(0, 10, 0), end: at(0, 10, 30), want: availability.ErrFull, class: openslot.ErrConflict},
		{name: "per day", policy: func(p *scheduling.SlotPolicy) { p.MaxPerDay = 2 },
			setup: func(f *fixture) {
				f.book(openslot.BookRequest{Appointment: appt("d1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
				f.hold(openslot.BookRequest{Appointment: appt("d2", at(0, 11, 0), at(0, 11, 30)), Schedules: []string{"dr-a"}})
			},
			start: at(0, 14, 0), end: at(0, 14, 30), want: availability.ErrLimit, class: openslot.ErrUnavailable},
		{name: "per week", policy: func(p *scheduling.SlotPolicy) { p.MaxPerWeek = 3 },
			setup: func(f *fixture) {
				for d := range 3 {
					f.book(openslot.BookRequest{Appointment: appt("w", at(d, 9, 0), at(d, 9, 30)), Schedules: []string{"dr-a"}})
				}
			},
			start: at(4, 14, 0), end: at(4, 14, 30), want: availability.ErrLimit, class: openslot.ErrUnavailable},
	}
	for _, c := range cases {
		for path, run := range rulePaths() {
			t.Run(c.name+"/"+path, func(t *testing.T) {
				f := newFixture(t, nil)
				f.schedule("dr-a", "Practitioner/a", c.policy)
				if c.setup != nil {
					c.setup(f)
				}
				before := len(f.events())
				err := run(f, c.start, c.end)
				if c.clock && path == "confirm" {
					if err != nil {
						t.Fatalf("confirming a live hold placed before the %s rule: %v, want success (a hold keeps its time)", c.name, err)
					}
					return
				}
				if !errors.Is(err, c.want) || !errors.Is(err, c.class) {
					t.Fatalf("%s: got %v, want %v and %v", path, err, c.want, c.class)
				}
				var se *openslot.SlotError
				if !errors.As(err, &se) || se.ScheduleID != "dr-a" || !se.Start.Equal(c.start) {
					t.Errorf("%s: error %v does not name dr-a at %v", path, err, c.start)
				}
				extra := 0
				if path == "reschedule" || path == "confirm" {
					extra = 1 // the booking or hold the path made first
				}
				if got := len(f.events()) - before; got != extra {
					t.Errorf("%s: a refused change recorded %d events, want %d", path, got-extra, 0)
				}
			})
		}
	}
}

func TestRescheduleOntoItsOwnTime(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	a := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 10, 0)), Schedules: []string{"dr-a"}})
	f.book(openslot.BookRequest{Appointment: appt("p2", at(0, 10, 30), at(0, 11, 0)), Schedules: []string{"dr-a"}})
	oldSlot := a.Slot[0]
	// Overlaps its own old time by half an hour.
	moved, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: at(0, 9, 30), End: at(0, 10, 30), IfVersion: a.Version})
	if err != nil {
		t.Fatalf("reschedule onto own time: %v", err)
	}
	if moved.ID != a.ID || moved.Status != scheduling.AppointmentBooked || !moved.Start.Equal(at(0, 9, 30)) {
		t.Fatalf("moved = %s %s %v, want same id booked at 09:30", moved.ID, moved.Status, moved.Start)
	}
	if s := f.slot(oldSlot); s.Status != scheduling.SlotFree {
		t.Errorf("old slot is %s, want free", s.Status)
	}
	if s := f.slot(moved.Slot[0]); s.Status != scheduling.SlotBusy || !s.Start.Equal(at(0, 9, 30)) {
		t.Errorf("new slot is %s at %v, want busy at 09:30", s.Status, s.Start)
	}
	var mine []store.Busy
	for _, b := range f.busy("dr-a") {
		if b.AppointmentID == a.ID {
			mine = append(mine, b)
		}
	}
	if len(mine) != 1 || !mine[0].Start.Equal(at(0, 9, 30)) {
		t.Errorf("busy of the moved appointment = %+v, want one entry at 09:30", mine)
	}
	// Exactly the same time again.
	if _, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: at(0, 9, 30), End: at(0, 10, 30)}); err != nil {
		t.Fatalf("reschedule onto exactly its own time: %v", err)
	}
	// Onto the other booking: taken.
	if _, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: at(0, 10, 30), End: at(0, 11, 0)}); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("reschedule onto another booking: %v, want ErrConflict", err)
	}
	// A stale version.
	if _, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: at(0, 14, 0), End: at(0, 14, 30), IfVersion: a.Version}); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("reschedule with a stale version: %v, want ErrConflict", err)
	}
	evs := f.events()
	last := evs[len(evs)-1]
	if last.Type != scheduling.EventRescheduled || !last.OldStart.Equal(at(0, 9, 30)) {
		t.Errorf("last event = %s old start %v, want rescheduled from 09:30", last.Type, last.OldStart)
	}
	if evs[2].Type != scheduling.EventRescheduled || !evs[2].OldStart.Equal(at(0, 9, 0)) {
		t.Errorf("first reschedule event = %s old start %v, want rescheduled from 09:00", evs[2].Type, evs[2].OldStart)
	}
}

func TestRescheduleOfCancelledIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	a := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	if _, err := f.s.Cancel(f.ctx, a.ID, &scheduling.CodeableConcept{Text: "patient"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: at(0, 10, 0), End: at(0, 10, 30)})
	if !errors.Is(err, scheduling.ErrInvalidTransition) {
		t.Fatalf("reschedule of a cancelled appointment: %v, want ErrInvalidTransition", err)
	}
	if b := f.busy("dr-a"); len(b) != 0 {
		t.Errorf("busy after the refused reschedule = %+v, want none", b)
	}
	if got := f.eventTypes(); !slices.Equal(got, []scheduling.EventType{scheduling.EventBooked, scheduling.EventCancelled}) {
		t.Errorf("events = %v", got)
	}
}

func TestIdempotentRetries(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	req := openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}, IdempotencyKey: "k1"}
	a1 := f.book(req)
	a2 := f.book(req)
	if a1.ID != a2.ID || a2.Version != a1.Version {
		t.Fatalf("retried book returned %s v%d, want %s v%d", a2.ID, a2.Version, a1.ID, a1.Version)
	}
	h1 := f.hold(openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}, IdempotencyKey: "k1"})
	h2 := f.hold(openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}, IdempotencyKey: "k1"})
	if h1.ID != h2.ID || h1.ID == a1.ID || h2.Status != scheduling.AppointmentPending {
		t.Fatalf("retried hold returned %s, want %s (pending, distinct from the booking)", h2.ID, h1.ID)
	}
	rr := openslot.RescheduleRequest{Start: at(0, 11, 0), End: at(0, 11, 30), IdempotencyKey: "r1"}
	m1, err := f.s.Reschedule(f.ctx, a1.ID, rr)
	if err != nil {
		t.Fatal(err)
	}
	// The retry arrives after the appointment moved on; it must not move it
	// again (the time is the same, but a second event would be recorded).
	m2, err := f.s.Reschedule(f.ctx, a1.ID, rr)
	if err != nil || m2.Version != m1.Version {
		t.Fatalf("retried reschedule: %v v%d, want v%d", err, m2.Version, m1.Version)
	}
	got := f.eventTypes()
	want := []scheduling.EventType{scheduling.EventBooked, scheduling.EventHeld, scheduling.EventRescheduled}
	if !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	if n := len(f.busy("dr-a")); n != 2 {
		t.Errorf("%d busy entries, want 2", n)
	}
}

func TestPatientChangeRefused(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	a := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a"), Schedules: []string{"dr-a"}})
	changed := a.Clone()
	other := scheduling.Ref("Patient", "p2")
	changed.Participant[0].Actor = &other
	if err := f.s.Update(f.ctx, &changed); !errors.Is(err, scheduling.ErrPatientImmutable) {
		t.Fatalf("update of the patient: %v, want ErrPatientImmutable", err)
	}
	moved := a.Clone()
	moved.Start, moved.End = at(0, 10, 0), at(0, 10, 30)
	if err := f.s.Update(f.ctx, &moved); !errors.Is(err, scheduling.ErrInvalidTransition) {
		t.Fatalf("update of the time: %v, want ErrInvalidTransition", err)
	}
	ok := a.Clone()
	ok.Comment = "bring the x-ray"
	if err := f.s.Update(f.ctx, &ok); err != nil {
		t.Fatalf("update of the comment: %v", err)
	}
	if ok.Version != a.Version+1 {
		t.Errorf("version after update = %d, want %d", ok.Version, a.Version+1)
	}
	stale := a.Clone()
	stale.Comment = "stale"
	if err := f.s.Update(f.ctx, &stale); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("update with a stale version: %v, want ErrConflict", err)
	}
	if got := f.get(a.ID); got.Comment != "bring the x-ray" || got.Participant[0].Actor.Reference != "Patient/p1" {
		t.Errorf("stored = %q %s", got.Comment, got.Participant[0].Actor.Reference)
	}
	if got := f.eventTypes(); !slices.Equal(got, []scheduling.EventType{scheduling.EventBooked, scheduling.EventUpdated}) {
		t.Errorf("events = %v", got)
	}
}

func TestExpiredHoldNeitherBlocksNorBooks(t *testing.T) {
	f := newFixture(t, &openslot.Options{HoldTTL: 5 * time.Minute})
	f.schedule("dr-a", "Practitioner/a", nil)
	h := f.hold(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	if !h.HeldUntil.Equal(at(0, 8, 5)) || h.Status != scheduling.AppointmentPending {
		t.Fatalf("hold = %s until %v, want pending until 08:05", h.Status, h.HeldUntil)
	}
	if s := f.slot(h.Slot[0]); s.Status != scheduling.SlotBusyTentative || !s.HeldUntil.Equal(h.HeldUntil) {
		t.Errorf("held slot = %s until %v", s.Status, s.HeldUntil)
	}
	// While live, it blocks others.
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p2", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}}); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("booking a held time: %v, want ErrConflict", err)
	}
	f.clk.Set(at(0, 8, 5)) // HeldUntil reached: lapsed, no sweeper ran
	offers, err := f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-a"}}, Limit: 1})
	if err != nil || len(offers) != 1 || !offers[0].Start.Equal(at(0, 9, 0)) {
		t.Fatalf("first offer after the hold lapsed = %v (%v), want 09:00", offers, err)
	}
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: h.ID}); !errors.Is(err, scheduling.ErrHoldExpired) {
		t.Fatalf("booking the lapsed hold: %v, want ErrHoldExpired", err)
	}
	if _, err := f.s.Confirm(f.ctx, h.ID); !errors.Is(err, scheduling.ErrHoldExpired) {
		t.Fatalf("confirming the lapsed hold: %v, want ErrHoldExpired", err)
	}
	b := f.book(openslot.BookRequest{Appointment: appt("p2", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	if got := f.get(h.ID); got.Status != scheduling.AppointmentCancelled {
		t.Errorf("the lapsed hold the booking met is %s, want cancelled", got.Status)
	}
	if bs := f.busy("dr-a"); len(bs) != 1 || bs[0].AppointmentID != b.ID {
		t.Errorf("busy = %+v, want only the new booking", bs)
	}
	want := []scheduling.EventType{scheduling.EventHeld, scheduling.EventHoldExpired, scheduling.EventBooked}
	if got := f.eventTypes(); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	if n, err := f.s.ExpireHolds(f.ctx); err != nil || n != 0 {
		t.Errorf("ExpireHolds after the booking expired the hold = %d, %v; want 0", n, err)
	}
}

func TestHoldThenBookAndRelease(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	h := f.hold(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	b := f.book(openslot.BookRequest{AppointmentID: h.ID})
	if b.ID != h.ID || b.Status != scheduling.AppointmentBooked || !b.HeldUntil.IsZero() || b.Slot[0] != h.Slot[0] {
		t.Fatalf("booked hold = %s %s held %v slots %v", b.ID, b.Status, b.HeldUntil, b.Slot)
	}
	if s := f.slot(b.Slot[0]); s.Status != scheduling.SlotBusy || !s.HeldUntil.IsZero() {
		t.Errorf("slot after booking the hold = %s held %v", s.Status, s.HeldUntil)
	}
	if bs := f.busy("dr-a"); len(bs) != 1 || !bs[0].HeldUntil.IsZero() {
		t.Errorf("busy = %+v, want one entry without HeldUntil", bs)
	}
	if _, err := f.s.ReleaseHold(f.ctx, b.ID); !errors.Is(err, scheduling.ErrInvalidTransition) {
		t.Errorf("release of a booking: %v, want ErrInvalidTransition", err)
	}
	h2 := f.hold(openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}})
	r, err := f.s.ReleaseHold(f.ctx, h2.ID)
	if err != nil || r.Status != scheduling.AppointmentCancelled {
		t.Fatalf("release: %v %v", r, err)
	}
	if s := f.slot(h2.Slot[0]); s.Status != scheduling.SlotFree {
		t.Errorf("released slot = %s", s.Status)
	}
	if bs := f.busy("dr-a"); len(bs) != 1 {
		t.Errorf("busy after release = %+v, want only the booking", bs)
	}
}

func TestMultiResourceBookIsAllOrNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.schedule("room-1", "Location/r1", nil)
	f.book(openslot.BookRequest{Appointment: appt("p0", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"room-1"}})
	_, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a", "Location/r1")})
	var se *openslot.SlotError
	if !errors.As(err, &se) || se.ScheduleID != "room-1" || !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("booking doctor and busy room: %v, want a conflict on room-1", err)
	}
	if bs := f.busy("dr-a"); len(bs) != 0 {
		t.Fatalf("the doctor kept busy time of a failed booking: %+v", bs)
	}
	p, err := f.s.Search(f.ctx, store.Query{ResourceType: "Slot", Terms: [][]string{{store.RefTerm("schedule", "Schedule", "dr-a")}}})
	if err != nil || len(p.Resources) != 0 {
		t.Fatalf("the doctor kept slots of a failed booking: %d (%v)", len(p.Resources), err)
	}
	// Schedules found from the participants: both at 09:30.
	a := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 30), at(0, 10, 0), "Practitioner/a", "Location/r1")})
	if len(a.Slot) != 2 || len(f.busy("dr-a")) != 1 || len(f.busy("room-1")) != 2 {
		t.Fatalf("multi-resource booking: %d slots, busy %d/%d", len(a.Slot), len(f.busy("dr-a")), len(f.busy("room-1")))
	}
	offers, err := f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-a"}, {"room-1"}}, Limit: 1})
	if err != nil || len(offers) != 1 || !offers[0].Start.Equal(at(0, 10, 0)) || !slices.Equal(offers[0].Schedules, []string{"dr-a", "room-1"}) {
		t.Fatalf("first joint offer = %+v (%v), want 10:00 on dr-a and room-1", offers, err)
	}
}

func TestFindGroups(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.schedule("dr-b", "Practitioner/b", nil)
	f.schedule("room-1", "Location/r1", nil)
	f.book(openslot.BookRequest{Appointment: appt("p0", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	// Any of two doctors: dr-a is busy at 09:00, so dr-b is chosen.
	offers, err := f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-a", "dr-b"}}, Limit: 2})
	if err != nil || len(offers) != 2 {
		t.Fatalf("any-of: %v %v", offers, err)
	}
	if !offers[0].Start.Equal(at(0, 9, 0)) || offers[0].Schedules[0] != "dr-b" || offers[1].Schedules[0] != "dr-a" {
		t.Errorf("any-of offers = %+v, want 09:00 on dr-b then 09:30 on dr-a", offers)
	}
	// A doctor (any of two) and the room; the room is busy at 09:00.
	f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"room-1"}})
	offers, err = f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-a", "dr-b"}, {"room-1"}}, Limit: 2})
	if err != nil || len(offers) != 2 {
		t.Fatalf("and of any-of: %v %v", offers, err)
	}
	if !offers[0].Start.Equal(at(0, 9, 30)) || !slices.Equal(offers[0].Schedules, []string{"dr-a", "room-1"}) {
		t.Errorf("joint offer = %+v, want 09:30 on dr-a and room-1", offers[0])
	}
	// Streaming: stop after three.
	seq, errf := f.s.FindSeq(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-b"}}})
	n := 0
	for range seq {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 || errf() != nil {
		t.Errorf("FindSeq gave %d offers, err %v", n, errf())
	}
	if _, err := f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"nope"}}}); !errors.Is(err, openslot.ErrNotFound) {
		t.Errorf("find on an unknown schedule: %v, want ErrNotFound", err)
	}
	if _, err := f.s.Find(f.ctx, openslot.FindRequest{}); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("find with no schedules: %v, want ErrInvalid", err)
	}
}

func TestWaitlistOffer(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	booked := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
	// p2 waits for any morning slot of Monday; p3 for the afternoon only.
	w2, err := f.s.Waitlist(f.ctx, openslot.WaitlistRequest{Appointment: appt("p2", time.Time{}, time.Time{}, "Practitioner/a"),
		Requested: []scheduling.Period{{Start: at(0, 8, 0), End: at(0, 12, 0)}}})
	if err != nil || w2.Status != scheduling.AppointmentWaitlist {
		t.Fatalf("waitlist: %v %v", w2, err)
	}
	f.clk.Set(at(0, 8, 1))
	if _, err := f.s.Waitlist(f.ctx, openslot.WaitlistRequest{Appointment: appt("p3", time.Time{}, time.Time{}, "Practitioner/a"),
		Schedules: []string{"dr-a"}, Requested: []scheduling.Period{{Start: at(0, 8, 0), End: at(0, 12, 0)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Cancel(f.ctx, booked.ID, nil); err != nil {
		t.Fatal(err)
	}
	evs := f.events()
	last := evs[len(evs)-1]
	if last.Type != scheduling.EventProposed || last.AppointmentID != w2.ID || !last.Appointment.Start.Equal(at(0, 9, 0)) {
		t.Fatalf("last event = %s for %s at %v, want proposed for the first waiter (%s) at 09:00",
			last.Type, last.AppointmentID, last.Appointment.Start, w2.ID)
	}
	offered := f.get(w2.ID)
	if offered.Status != scheduling.AppointmentProposed || !offered.End.Equal(at(0, 9, 30)) {
		t.Fatalf("offered = %s %v-%v", offered.Status, offered.Start, offered.End)
	}
	b := f.book(openslot.BookRequest{AppointmentID: w2.ID})
	if b.ID != w2.ID || b.Status != scheduling.AppointmentBooked || !b.Start.Equal(at(0, 9, 0)) {
		t.Fatalf("booking the offer = %s %s %v", b.ID, b.Status, b.Start)
	}
	want := []scheduling.EventType{scheduling.EventBooked, scheduling.EventWaitlisted, scheduling.EventWaitlisted,
		scheduling.EventCancelled, scheduling.EventProposed, scheduling.EventBooked}
	if got := f.eventTypes(); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	if _, err := f.s.Waitlist(f.ctx, openslot.WaitlistRequest{Appointment: appt("p4", time.Time{}, time.Time{}, "Practitioner/a")}); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("waitlist without a requested period: %v, want ErrInvalid", err)
	}
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	book := func(h int) *scheduling.Appointment {
		return f.book(openslot.BookRequest{Appointment: appt("p", at(0, h, 0), at(0, h, 30)), Schedules: []string{"dr-a"}})
	}
	a := book(9)
	for _, step := range []struct {
		op   func(context.Context, string) (*scheduling.Appointment, error)
		want scheduling.AppointmentStatus
	}{{f.s.Arrive, scheduling.AppointmentArrived}, {f.s.CheckIn, scheduling.AppointmentCheckedIn}, {f.s.Fulfil, scheduling.AppointmentFulfilled}} {
		got, err := step.op(f.ctx, a.ID)
		if err != nil || got.Status != step.want {
			t.Fatalf("step to %s: %v %v", step.want, got, err)
		}
	}
	if _, err := f.s.CheckIn(f.ctx, a.ID); !errors.Is(err, scheduling.ErrInvalidTransition) {
		t.Errorf("check in after fulfilled: %v, want ErrInvalidTransition", err)
	}
	n := book(10)
	if got, err := f.s.NoShow(f.ctx, n.ID); err != nil || got.Status != scheduling.AppointmentNoShow {
		t.Fatalf("no-show: %v %v", got, err)
	}
	if s := f.slot(n.Slot[0]); s.Status != scheduling.SlotBusy {
		t.Errorf("no-show slot = %s, want busy", s.Status)
	}
	if len(f.busy("dr-a")) != 2 {
		t.Errorf("busy = %d entries, want fulfilled and no-show kept (2)", len(f.busy("dr-a")))
	}
	if got, err := f.s.EnterInError(f.ctx, n.ID); err != nil || got.Status != scheduling.AppointmentEnteredInError {
		t.Fatalf("enter-in-error: %v %v", got, err)
	}
	if len(f.busy("dr-a")) != 1 {
		t.Errorf("busy after entered-in-error = %d entries, want 1", len(f.busy("dr-a")))
	}
	if _, err := f.s.Cancel(f.ctx, "missing", nil); !errors.Is(err, openslot.ErrNotFound) {
		t.Errorf("cancel of a missing appointment: %v, want ErrNotFound", err)
	}
	want := []scheduling.EventType{scheduling.EventBooked, scheduling.EventArrived, scheduling.EventCheckedIn, scheduling.EventFulfilled,
		scheduling.EventBooked, scheduling.EventNoShow, scheduling.EventEnteredInError}
	if got := f.eventTypes(); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
}

func TestRespond(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	dr := scheduling.Ref("Practitioner", "a")
	h := f.hold(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
	got, err := f.s.Respond(f.ctx, scheduling.AppointmentResponse{Appointment: scheduling.Ref("Appointment", h.ID),
		Actor: &dr, ParticipantStatus: scheduling.ParticipationAccepted})
	if err != nil || got.Status != scheduling.AppointmentBooked {
		t.Fatalf("accepting the last needs-action participant: %v %v, want booked", got, err)
	}
	if bs := f.busy("dr-a"); len(bs) != 1 || !bs[0].HeldUntil.IsZero() {
		t.Errorf("busy after the confirming response = %+v", bs)
	}
	p, err := f.s.Search(f.ctx, store.Query{ResourceType: "AppointmentResponse"})
	if err != nil || len(p.Resources) != 1 {
		t.Errorf("stored responses = %d (%v), want 1", len(p.Resources), err)
	}
	got, err = f.s.Respond(f.ctx, scheduling.AppointmentResponse{Appointment: scheduling.Ref("Appointment", h.ID),
		Actor: &dr, ParticipantStatus: scheduling.ParticipationDeclined})
	if err != nil || got.Status != scheduling.AppointmentCancelled {
		t.Fatalf("a required participant declining: %v %v, want cancelled", got, err)
	}
	if bs := f.busy("dr-a"); len(bs) != 0 {
		t.Errorf("busy after the decline = %+v", bs)
	}
	want := []scheduling.EventType{scheduling.EventHeld, scheduling.EventConfirmed, scheduling.EventCancelled}
	if got := f.eventTypes(); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
}

func TestExpireHoldsSweeps(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	for h := 9; h < 12; h++ {
		f.hold(openslot.BookRequest{Appointment: appt("p", at(0, h, 0), at(0, h, 30)), Schedules: []string{"dr-a"}})
	}
	if n, err := f.s.ExpireHolds(f.ctx); err != nil || n != 0 {
		t.Fatalf("before expiry: %d %v", n, err)
	}
	f.clk.Set(at(0, 8, 10))
	n, err := f.s.ExpireHolds(f.ctx)
	if err != nil || n != 3 {
		t.Fatalf("ExpireHolds = %d, %v; want 3", n, err)
	}
	if bs := f.busy("dr-a"); len(bs) != 0 {
		t.Errorf("busy after the sweep = %+v", bs)
	}
	evs := f.events()
	if c := countType(evs, scheduling.EventHoldExpired); c != 3 {
		t.Errorf("%d hold-expired events, want 3", c)
	}
}

func countType(evs []store.EventRecord, typ scheduling.EventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestCreateRules(t *testing.T) {
	f := newFixture(t, nil)
	bad := &scheduling.Schedule{Meta: scheduling.Meta{ID: "bad"}, Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "a")},
		Availability: scheduling.Availability{TimeZone: "Europe/Vienna", Rules: []scheduling.AvailabilityRule{{RRule: "FREQ=SOMETIMES",
			StartDate: scheduling.Date{Year: 2026, Month: 1, Day: 1}, Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(10, 0, 0)}}}}
	if err := f.s.Create(f.ctx, bad); !errors.Is(err, scheduling.ErrInvalid) || !errors.Is(err, availability.ErrInvalidRule) {
		t.Errorf("create of a schedule with a bad RRULE: %v, want ErrInvalid and ErrInvalidRule", err)
	}
	booked := appt("p", at(0, 9, 0), at(0, 9, 30))
	booked.Status = scheduling.AppointmentBooked
	if err := f.s.Create(f.ctx, &booked); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("create of a booked appointment: %v, want ErrInvalid (use Book)", err)
	}
	proposal := appt("p", at(0, 9, 0), at(0, 9, 30))
	if err := f.s.Create(f.ctx, &proposal); err != nil || proposal.ID == "" || proposal.Status != scheduling.AppointmentProposed {
		t.Errorf("create of a proposal: %v id %q status %s", err, proposal.ID, proposal.Status)
	}
	f.schedule("dr-a", "Practitioner/a", nil)
	// An imported busy slot blocks its time; updating it to free frees it.
	sl := &scheduling.Slot{Schedule: scheduling.Ref("Schedule", "dr-a"), Status: scheduling.SlotBusyUnavailable, Start: at(0, 9, 0), End: at(0, 10, 0)}
	if err := f.s.Create(f.ctx, sl); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}}); !errors.Is(err, openslot.ErrConflict) {
		t.Errorf("booking over an imported busy slot: %v, want ErrConflict", err)
	}
	sl.Status = scheduling.SlotFree
	if err := f.s.Update(f.ctx, sl); err != nil {
		t.Fatal(err)
	}
	a := f.book(openslot.BookRequest{Appointment: appt("p", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	own := f.slot(a.Slot[0])
	own.Status = scheduling.SlotFree
	if err := f.s.Update(f.ctx, own); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("update of an appointment's slot: %v, want ErrInvalid", err)
	}
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p", at(0, 11, 0), at(0, 11, 30))}); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("booking with no schedule and no practitioner: %v, want ErrInvalid", err)
	}
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p", at(0, 11, 30), at(0, 11, 0)), Schedules: []string{"dr-a"}}); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("booking with end before start: %v, want ErrInvalid", err)
	}
}

// conflicting fails the first n Updates with store.ErrConflict.
type conflicting struct {
	store.Store
	n int
}

func (c *conflicting) Update(ctx context.Context, fn func(store.Tx) error) error {
	if c.n > 0 {
		c.n--
		return fmt.Errorf("injected: %w", store.ErrConflict)
	}
	return c.Store.Update(ctx, fn)
}

func TestConflictsAreRetriedWithABound(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	cs := &conflicting{Store: f.st, n: 3}
	s := openslot.New(cs, &openslot.Options{Now: f.clk.Now, MaxRetries: 3})
	if _, err := s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}}); err != nil {
		t.Fatalf("three conflicts and three retries: %v", err)
	}
	cs.n = 4
	_, err := s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}})
	if !errors.Is(err, openslot.ErrConflict) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("four conflicts and three retries: %v, want ErrConflict wrapping store.ErrConflict", err)
	}
	if cs.n != 0 {
		t.Errorf("%d injected conflicts left: the Scheduler did not retry", cs.n)
	}
}

func TestLogsCarryNoPatientData(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, &openslot.Options{Logger: log})
	f.schedule("dr-a", "Practitioner/a", nil)
	a := appt("secret-patient-id", at(0, 9, 0), at(0, 9, 30))
	a.Comment = "private free text"
	b := f.book(openslot.BookRequest{Appointment: a, Schedules: []string{"dr-a"}})
	f.s.Book(f.ctx, openslot.BookRequest{Appointment: a, Schedules: []string{"dr-a"}})
	f.s.Cancel(f.ctx, b.ID, &scheduling.CodeableConcept{Text: "private reason"})
	out := buf.String()
	if !strings.Contains(out, b.ID) {
		t.Fatalf("the log does not mention the appointment id:\n%s", out)
	}
	for _, secret := range []string{"secret-patient-id", "private free text", "private reason"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains %q:\n%s", secret, out)
		}
	}
}

func TestTransitionHonoursIfVersion(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	a := f.book(openslot.BookRequest{Appointment: appt("p", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	stale := openslot.StatusChange{Action: scheduling.ActionCheckIn, IfVersion: a.Version + 1}
	if _, err := f.s.Transition(f.ctx, a.ID, stale); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("check in with a stale version: %v, want ErrConflict", err)
	}
	if got := f.get(a.ID); got.Status != scheduling.AppointmentBooked || got.Version != a.Version {
		t.Fatalf("a refused transition changed the appointment: %s v%d", got.Status, got.Version)
	}
	in, err := f.s.Transition(f.ctx, a.ID, openslot.StatusChange{Action: scheduling.ActionCheckIn, IfVersion: a.Version})
	if err != nil || in.Status != scheduling.AppointmentCheckedIn {
		t.Fatalf("check in with the current version: %v %v", in, err)
	}
	reason := scheduling.Concept("http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "pat", "Patient")
	c, err := f.s.Transition(f.ctx, a.ID, openslot.StatusChange{Action: scheduling.ActionCancel, Reason: &reason})
	if err != nil || c.Status != scheduling.AppointmentCancelled || c.CancelationReason == nil {
		t.Fatalf("cancel with a reason: %+v %v", c, err)
	}
	if _, err := f.s.Transition(f.ctx, a.ID, openslot.StatusChange{Action: scheduling.ActionReschedule}); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("reschedule through Transition: %v, want ErrInvalid", err)
	}
	h := f.hold(openslot.BookRequest{Appointment: appt("p", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}})
	if _, err := f.s.Transition(f.ctx, h.ID, openslot.StatusChange{Action: scheduling.ActionConfirm, IfVersion: h.Version + 5}); !errors.Is(err, openslot.ErrConflict) {
		t.Errorf("confirm with a stale version: %v, want ErrConflict", err)
	}
	if got, err := f.s.Transition(f.ctx, h.ID, openslot.StatusChange{Action: scheduling.ActionConfirm, IfVersion: h.Version}); err != nil || got.Status != scheduling.AppointmentBooked {
		t.Errorf("confirm with the current version: %v %v", got, err)
	}
	if !f.s.Now().Equal(f.clk.Now()) {
		t.Errorf("Scheduler.Now = %v, want the Options clock %v", f.s.Now(), f.clk.Now())
	}
}

// A hold is booked on the schedules it holds: naming others is refused (it
// would leave the held slot busy while its time went free).
func TestBookingAHoldKeepsItsSchedules(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("A", "Practitioner/a", nil)
	f.schedule("B", "Practitioner/b", nil)
	h := f.hold(openslot.BookRequest{Appointment: appt("p1", at(0, 10, 0), at(0, 10, 30), "Practitioner/a"), Schedules: []string{"A"}})
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: h.ID, Schedules: []string{"B"}}); !errors.Is(err, scheduling.ErrInvalid) {
		t.Fatalf("booking a hold on A with Schedules [B]: %v, want ErrInvalid", err)
	}
	if len(f.busy("A")) != 1 || len(f.busy("B")) != 0 {
		t.Fatalf("a refused booking moved busy time: A %d, B %d entries", len(f.busy("A")), len(f.busy("B")))
	}
	b, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: h.ID, Schedules: []string{"A"}})
	if err != nil || b.Status != scheduling.AppointmentBooked {
		t.Fatalf("booking the hold on its own schedule: %v %v", b, err)
	}
	other := openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30), "Practitioner/a"), Schedules: []string{"A"}}
	if _, err := f.s.Book(f.ctx, other); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("a second booking of A's booked time: %v, want ErrConflict", err)
	}
}

// A one-to-one booking and a group session of another service never share
// a schedule's time, whichever comes first; group bookings share with each
// other up to their capacity.
func TestMixedServiceCapacities(t *testing.T) {
	f := newFixture(t, nil)
	group := scheduling.Concept("urn:services", "group", "Group session")
	f.schedule("A", "Practitioner/a", nil)
	r, err := f.s.Get(f.ctx, "Schedule", "A")
	if err != nil {
		t.Fatal(err)
	}
	sc := r.(*scheduling.Schedule)
	sc.ServicePolicies = []scheduling.ServicePolicy{{Service: group, Policy: scheduling.SlotPolicy{Duration: sc.Policy.Duration, Capacity: 3}}}
	if err := f.s.Update(f.ctx, sc); err != nil {
		t.Fatal(err)
	}
	individual := func(h int) openslot.BookRequest {
		return openslot.BookRequest{Appointment: appt("solo", at(0, h, 0), at(0, h, 30), "Practitioner/a"), Schedules: []string{"A"}}
	}
	inGroup := func(h int, patient string) openslot.BookRequest {
		return openslot.BookRequest{Appointment: appt(patient, at(0, h, 0), at(0, h, 30), "Practitioner/a"),
			Schedules: []string{"A"}, Service: &group}
	}
	f.book(individual(10))
	if _, err := f.s.Book(f.ctx, inGroup(10, "g1")); !errors.Is(err, openslot.ErrConflict) {
		t.Errorf("a group booking over a one-to-one booking: %v, want ErrConflict", err)
	}
	for _, p := range []string{"g1", "g2", "g3"} {
		f.book(inGroup(11, p))
	}
	if _, err := f.s.Book(f.ctx, inGroup(11, "g4")); !errors.Is(err, openslot.ErrConflict) {
		t.Errorf("a fourth member of a group of 3: %v, want ErrConflict", err)
	}
	if _, err := f.s.Book(f.ctx, individual(11)); !errors.Is(err, openslot.ErrConflict) {
		t.Errorf("a one-to-one booking over a group session: %v, want ErrConflict", err)
	}
}

func TestReplay(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	h := f.hold(openslot.BookRequest{Appointment: appt("p", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}, IdempotencyKey: "k1"})
	got, err := f.s.Replay(f.ctx, scheduling.ActionHold, "k1")
	if err != nil || got == nil || got.ID != h.ID {
		t.Fatalf("Replay of a used hold key = %v, %v; want hold %s", got, err, h.ID)
	}
	if got, err := f.s.Replay(f.ctx, scheduling.ActionBook, "k1"); err != nil || got != nil {
		t.Errorf("Replay of the key for another operation = %v, %v; want nil", got, err)
	}
	if got, err := f.s.Replay(f.ctx, scheduling.ActionHold, "unused"); err != nil || got != nil {
		t.Errorf("Replay of an unused key = %v, %v; want nil", got, err)
	}
	if _, err := f.s.Replay(f.ctx, scheduling.ActionCancel, "k1"); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("Replay of cancel: %v, want ErrInvalid", err)
	}
}

// A confirming response that cannot book (the hold lapsed, or the schedule
// stopped taking bookings) fails, and keeps neither the response nor any
// change of the appointment.
func TestRespondThatCannotBookWritesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(f *fixture)
		want   error
	}{
		{"hold lapsed", func(f *fixture) { f.clk.Set(at(0, 8, 30)) }, scheduling.ErrHoldExpired},
		{"schedule inactive", func(f *fixture) {
			r, err := f.s.Get(f.ctx, "Schedule", "dr-a")
			if err != nil {
				f.t.Fatal(err)
			}
			sc, off := r.(*scheduling.Schedule), false
			sc.Active = &off
			if err := f.s.Update(f.ctx, sc); err != nil {
				f.t.Fatal(err)
			}
		}, openslot.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.schedule("dr-a", "Practitioner/a", nil)
			dr := scheduling.Ref("Practitioner", "a")
			h := f.hold(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
			tc.before(f)
			got, err := f.s.Respond(f.ctx, scheduling.AppointmentResponse{Appointment: scheduling.Ref("Appointment", h.ID),
				Actor: &dr, ParticipantStatus: scheduling.ParticipationAccepted})
			if !errors.Is(err, tc.want) || got != nil {
				t.Fatalf("respond = %v, %v; want nil and %v", got, err, tc.want)
			}
			if a := f.get(h.ID); a.Version != h.Version || a.Status != scheduling.AppointmentPending {
				t.Errorf("appointment after the failed response: version %d, status %s; want %d, pending", a.Version,
					a.Status, h.Version)
			}
			p, err := f.s.Search(f.ctx, store.Query{ResourceType: "AppointmentResponse"})
			if err != nil || len(p.Resources) != 0 {
				t.Errorf("stored responses = %d (%v), want 0", len(p.Resources), err)
			}
		})
	}
}
