package openslot_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// An idempotency key answers a retry of the request that used it. A
// request for another appointment (Book or Hold of a stored appointment,
// Reschedule) that reuses the key is not that retry: it must fail with
// ErrConflict instead of reporting success with the other appointment and
// changing nothing.
func TestIdempotencyKeyOfAnotherAppointmentIsAConflict(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	a := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"},
		IdempotencyKey: "k"})
	h := f.hold(openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"},
		IdempotencyKey: "k"})
	b := f.book(openslot.BookRequest{Appointment: appt("p3", at(0, 11, 0), at(0, 11, 30)), Schedules: []string{"dr-a"}})
	if _, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: at(0, 12, 0), End: at(0, 12, 30),
		IdempotencyKey: "r"}); err != nil {
		t.Fatal(err)
	}
	proposal := appt("p4", at(0, 14, 0), at(0, 14, 30))
	if err := f.s.Create(f.ctx, &proposal); err != nil {
		t.Fatal(err)
	}
	before := len(f.events())

	got, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: proposal.ID, Schedules: []string{"dr-a"}, IdempotencyKey: "k"})
	if !errors.Is(err, openslot.ErrConflict) || got != nil {
		t.Errorf("book of the proposal with the key of booking %s = appointment %q, %v; want nil and ErrConflict",
			a.ID, idOf(got), err)
	}
	got, err = f.s.Hold(f.ctx, openslot.BookRequest{AppointmentID: proposal.ID, Schedules: []string{"dr-a"}, IdempotencyKey: "k"})
	if !errors.Is(err, openslot.ErrConflict) || got != nil {
		t.Errorf("hold of the proposal with the key of hold %s = appointment %q, %v; want nil and ErrConflict",
			h.ID, idOf(got), err)
	}
	got, err = f.s.Reschedule(f.ctx, b.ID, openslot.RescheduleRequest{Start: at(0, 15, 0), End: at(0, 15, 30), IdempotencyKey: "r"})
	if !errors.Is(err, openslot.ErrConflict) || got != nil {
		t.Errorf("reschedule of %s with the key of the reschedule of %s = appointment %q, %v; want nil and ErrConflict",
			b.ID, a.ID, idOf(got), err)
	}
	if p := f.get(proposal.ID); p.Status != scheduling.AppointmentProposed {
		t.Errorf("the proposal is %s after the refused requests, want proposed", p.Status)
	}
	if bb := f.get(b.ID); !bb.Start.Equal(at(0, 11, 0)) {
		t.Errorf("%s starts at %v after the refused reschedule, want 11:00", b.ID, bb.Start)
	}
	if n := len(f.events()) - before; n != 0 {
		t.Errorf("refused requests recorded %d events", n)
	}

	// The retries of the requests that used the keys still get their results.
	if r, err := f.s.Hold(f.ctx, openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30)),
		Schedules: []string{"dr-a"}, IdempotencyKey: "k"}); err != nil || r.ID != h.ID {
		t.Errorf("retried hold = appointment %q, %v; want hold %s", idOf(r), err, h.ID)
	}
	if r, err := f.s.Reschedule(f.ctx, a.ID, openslot.RescheduleRequest{Start: at(0, 12, 0), End: at(0, 12, 30),
		IdempotencyKey: "r"}); err != nil || r.ID != a.ID {
		t.Errorf("retried reschedule = appointment %q, %v; want %s", idOf(r), err, a.ID)
	}
	held := f.hold(openslot.BookRequest{Appointment: appt("p5", at(1, 9, 0), at(1, 9, 30)), Schedules: []string{"dr-a"}})
	first := f.book(openslot.BookRequest{AppointmentID: held.ID, IdempotencyKey: "kb"})
	if r, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: held.ID, IdempotencyKey: "kb"}); err != nil ||
		r.ID != held.ID || r.Version != first.Version {
		t.Errorf("retried book of hold %s = appointment %q, %v; want it unchanged", held.ID, idOf(r), err)
	}
}

func idOf(a *scheduling.Appointment) string {
	if a == nil {
		return ""
	}
	return a.ID
}

// A waitlist entry that names its schedules (WaitlistRequest.Schedules)
// waits for their freed time whether or not a schedule's actor is one of
// its participants (here the entry names only the patient).
func TestWaitlistEntryNamingItsScheduleIsOffered(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	booked := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	w, err := f.s.Waitlist(f.ctx, openslot.WaitlistRequest{Appointment: appt("p2", time.Time{}, time.Time{}),
		Schedules: []string{"dr-a"}, Requested: []scheduling.Period{{Start: at(0, 8, 0), End: at(0, 12, 0)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Cancel(f.ctx, booked.ID, nil); err != nil {
		t.Fatal(err)
	}
	got := f.get(w.ID)
	if got.Status != scheduling.AppointmentProposed || !got.Start.Equal(at(0, 9, 0)) {
		t.Fatalf("waitlisted entry after dr-a's 09:00 was freed: %s at %v, want proposed at 09:00", got.Status, got.Start)
	}
	want := []scheduling.EventType{scheduling.EventBooked, scheduling.EventWaitlisted, scheduling.EventCancelled,
		scheduling.EventProposed}
	if types := f.eventTypes(); !slices.Equal(types, want) {
		t.Errorf("events = %v, want %v", types, want)
	}
	b, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: w.ID})
	if err != nil || b.Status != scheduling.AppointmentBooked || len(f.busy("dr-a")) != 1 {
		t.Fatalf("booking the offer: %v (%d busy entries on dr-a, want 1)", err, len(f.busy("dr-a")))
	}
}

// failNth fails its nth Update (counting from 1) with errInjected.
type failNth struct {
	store.Store
	n int
}

var errInjected = errors.New("injected failure")

func (s *failNth) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.n--; s.n == 0 {
		return errInjected
	}
	return s.Store.Update(ctx, fn)
}

// ExpireHolds returns how many holds it expired, also when a later hold of
// the same pass fails.
func TestExpireHoldsCountsWhatItExpiredBeforeAFailure(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	h1 := f.hold(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
	f.clk.Set(at(0, 8, 1))
	h2 := f.hold(openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}})
	f.clk.Set(at(0, 9, 0))
	s := openslot.New(&failNth{Store: f.st, n: 2}, &openslot.Options{Now: f.clk.Now})
	n, err := s.ExpireHolds(f.ctx)
	if !errors.Is(err, errInjected) {
		t.Fatalf("ExpireHolds = %d, %v; want the injected failure", n, err)
	}
	expired := 0
	for _, id := range []string{h1.ID, h2.ID} {
		if f.get(id).Status == scheduling.AppointmentCancelled {
			expired++
		}
	}
	if expired != 1 || n != expired {
		t.Errorf("ExpireHolds reported %d expired holds; %d were expired", n, expired)
	}
}
