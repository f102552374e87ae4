package openslot_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// unchanged fails the test when appointment id is not as it was (status,
// version, time) or when events or busy entries on schedules were added.
func (f *fixture) unchanged(what string, before *scheduling.Appointment, events int, busy map[string]int) {
	f.t.Helper()
	after := f.get(before.ID)
	if after.Status != before.Status || after.Version != before.Version || !after.Start.Equal(before.Start) ||
		after.Comment != before.Comment || !sameConcepts(after.ServiceType, before.ServiceType) {
		f.t.Errorf("%s: stored %s v%d at %v %q, want %s v%d at %v %q as before", what, after.Status, after.Version,
			after.Start, after.Comment, before.Status, before.Version, before.Start, before.Comment)
	}
	if n := len(f.events()); n != events {
		f.t.Errorf("%s: %d events, want %d as before", what, n, events)
	}
	for sc, n := range busy {
		if got := len(f.busy(sc)); got != n {
			f.t.Errorf("%s: %d busy entries on %s, want %d as before", what, got, sc, n)
		}
	}
}

// BookRequest.IfVersion: a Book or Hold of a stored appointment that names
// a version other than the stored one fails with ErrConflict (not a
// *SlotError) and writes nothing; the stored version books.
func TestBookRequestIfVersion(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	proposal := appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")
	if err := f.s.Create(f.ctx, &proposal); err != nil {
		t.Fatal(err)
	}
	seen := proposal.Version
	// Another writer changes the proposal after the caller read it.
	changed := proposal.Clone()
	changed.Comment = "changed meanwhile"
	if err := f.s.Update(f.ctx, &changed); err != nil {
		t.Fatal(err)
	}
	hold := f.hold(openslot.BookRequest{Appointment: appt("p2", at(0, 10, 0), at(0, 10, 30)), Schedules: []string{"dr-a"}})
	heldSeen := hold.Version
	h2 := hold.Clone()
	h2.Comment = "changed meanwhile"
	if err := f.s.Update(f.ctx, &h2); err != nil {
		t.Fatal(err)
	}

	stale := []struct {
		name string
		run  func() (*scheduling.Appointment, error)
		id   string
	}{
		{"book of a proposal", func() (*scheduling.Appointment, error) {
			return f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: proposal.ID, IfVersion: seen})
		}, proposal.ID},
		{"hold of a proposal", func() (*scheduling.Appointment, error) {
			return f.s.Hold(f.ctx, openslot.BookRequest{AppointmentID: proposal.ID, IfVersion: seen})
		}, proposal.ID},
		{"book of a hold", func() (*scheduling.Appointment, error) {
			return f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: hold.ID, IfVersion: heldSeen})
		}, hold.ID},
	}
	for _, tc := range stale {
		before, n, busy := f.get(tc.id), len(f.events()), len(f.busy("dr-a"))
		got, err := tc.run()
		var se *openslot.SlotError
		if !errors.Is(err, openslot.ErrConflict) || errors.As(err, &se) || got != nil {
			t.Errorf("%s with a stale version: %v, %v; want nil and a version conflict (ErrConflict, no *SlotError)",
				tc.name, idOf(got), err)
		}
		f.unchanged(tc.name, before, n, map[string]int{"dr-a": busy})
	}

	// The stored version books.
	b, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: proposal.ID, IfVersion: changed.Version})
	if err != nil || b.Status != scheduling.AppointmentBooked || b.Comment != "changed meanwhile" {
		t.Fatalf("book of the proposal at its stored version: %v, %v", b, err)
	}
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: hold.ID, IfVersion: h2.Version}); err != nil {
		t.Fatalf("book of the hold at its stored version: %v", err)
	}
	// A new appointment has no version to match.
	_, err = f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p3", at(0, 11, 0), at(0, 11, 30)),
		Schedules: []string{"dr-a"}, IfVersion: 1})
	if !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("IfVersion without AppointmentID: %v, want ErrInvalid", err)
	}
}

// groupSchedule creates schedule A (one-to-one by default) whose service
// group takes up to 3 bookings at once.
func groupSchedule(f *fixture) scheduling.CodeableConcept {
	f.t.Helper()
	group := scheduling.Concept("urn:services", "group", "Group session")
	f.schedule("A", "Practitioner/a", nil)
	r, err := f.s.Get(f.ctx, "Schedule", "A")
	if err != nil {
		f.t.Fatal(err)
	}
	sc := r.(*scheduling.Schedule)
	sc.ServicePolicies = []scheduling.ServicePolicy{{Service: group,
		Policy: scheduling.SlotPolicy{Duration: sc.Policy.Duration, Capacity: 3}}}
	if err := f.s.Update(f.ctx, sc); err != nil {
		f.t.Fatal(err)
	}
	return group
}

// The first ServiceType is the service an appointment's time was checked
// for and its busy time written for. An Edit (or Update) that changes it on
// an appointment that occupies time would leave a one-to-one appointment
// inside a group session (which Book refuses in either order) and an
// appointment that cannot even be moved onto its own time. It fails with
// ErrInvalid and writes nothing; an edit of an appointment that stops
// occupying time, or of the service's display only, is fine.
func TestEditMayNotChangeTheServiceOfAnOccupyingAppointment(t *testing.T) {
	f := newFixture(t, nil)
	group := groupSchedule(f)
	solo := scheduling.Concept("urn:services", "solo", "One-to-one")
	toSolo := func(a *scheduling.Appointment) { a.ServiceType = []scheduling.CodeableConcept{solo} }
	inGroup := func(patient string, h int) openslot.BookRequest {
		return openslot.BookRequest{Appointment: appt(patient, at(0, h, 0), at(0, h, 30), "Practitioner/a"),
			Schedules: []string{"A"}, Service: &group}
	}
	g1 := f.book(inGroup("g1", 11))

	// A new booking checked as a group member, stored as one-to-one.
	req := inGroup("g2", 11)
	req.Edit = toSolo
	n, busy := len(f.events()), len(f.busy("A"))
	if a, err := f.s.Book(f.ctx, req); !errors.Is(err, scheduling.ErrInvalid) {
		t.Fatalf("book with an edit of the service: %v, %v; want ErrInvalid", idOf(a), err)
	}
	if len(f.events()) != n || len(f.busy("A")) != busy {
		t.Fatalf("a refused booking wrote %d events and %d busy entries", len(f.events())-n, len(f.busy("A"))-busy)
	}

	// Changes of a stored group booking.
	paths := map[string]func() (*scheduling.Appointment, error){
		"reschedule": func() (*scheduling.Appointment, error) {
			return f.s.Reschedule(f.ctx, g1.ID, openslot.RescheduleRequest{Start: at(0, 11, 0), End: at(0, 11, 30), Edit: toSolo})
		},
		"check-in": func() (*scheduling.Appointment, error) {
			return f.s.Transition(f.ctx, g1.ID, openslot.StatusChange{Action: scheduling.ActionCheckIn, Edit: toSolo})
		},
		"update": func() (*scheduling.Appointment, error) {
			u := f.get(g1.ID)
			toSolo(u)
			return u, f.s.Update(f.ctx, u)
		},
	}
	for name, run := range paths {
		before, n := f.get(g1.ID), len(f.events())
		if _, err := run(); !errors.Is(err, scheduling.ErrInvalid) {
			t.Errorf("%s with a new service: %v, want ErrInvalid", name, err)
		}
		f.unchanged(name, before, n, map[string]int{"A": 1})
	}

	// What stays allowed: the service's display, and any edit of an
	// appointment that stops occupying time.
	u := f.get(g1.ID)
	u.ServiceType[0].Text = "Group session (morning)"
	if err := f.s.Update(f.ctx, u); err != nil {
		t.Errorf("update of the service's text: %v", err)
	}
	c, err := f.s.Transition(f.ctx, g1.ID, openslot.StatusChange{Action: scheduling.ActionCancel, Edit: toSolo})
	if err != nil || !sameConcepts(c.ServiceType, []scheduling.CodeableConcept{solo}) {
		t.Errorf("cancel with an edit of the service: %v, %v", c, err)
	}
}

// Find's offers for several schedules are times Book accepts: each
// schedule checks the time on its own grid, so an offer that only suits the
// first schedule's grid is no offer.
func TestFindOffersOnlyTimesBookAccepts(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	// The room takes 30-minute bookings on the hour only.
	f.schedule("room-1", "Location/r1", func(p *scheduling.SlotPolicy) { p.GridInterval = time.Hour })
	offers, err := f.s.Find(f.ctx, openslot.FindRequest{Resources: [][]string{{"dr-a"}, {"room-1"}}, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	var starts []time.Time
	for _, o := range offers {
		starts = append(starts, o.Start)
	}
	if want := []time.Time{at(0, 9, 0), at(0, 10, 0), at(0, 11, 0), at(0, 12, 0)}; !slices.EqualFunc(starts, want,
		func(a, b time.Time) bool { return a.Equal(b) }) {
		t.Errorf("offers start at %v, want %v (the room's grid)", starts, want)
	}
	for _, o := range offers {
		if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p", o.Start, o.End), Schedules: o.Schedules}); err != nil {
			t.Errorf("booking offer %v on %v: %v", o.Start, o.Schedules, err)
		}
	}
}

// A booking that meets a lapsed hold expires it in its own transaction. The
// hold's time that the booking does not take (here the room of a hold of
// doctor and room) is offered to the waiting list, as it is when the
// sweeper expires the hold first.
func TestBookingThatExpiresALapsedHoldOffersItsFreedTime(t *testing.T) {
	for _, sweep := range []bool{true, false} {
		name := "booking first"
		if sweep {
			name = "sweeper first"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.schedule("dr-a", "Practitioner/a", nil)
			f.schedule("room-1", "Location/r1", nil)
			h := f.hold(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a", "room-1"}})
			w, err := f.s.Waitlist(f.ctx, openslot.WaitlistRequest{Appointment: appt("p2", time.Time{}, time.Time{}),
				Schedules: []string{"room-1"}, Requested: []scheduling.Period{{Start: at(0, 8, 0), End: at(0, 12, 0)}}})
			if err != nil {
				t.Fatal(err)
			}
			f.clk.Set(h.HeldUntil.Add(time.Minute))
			if sweep {
				if _, err := f.s.ExpireHolds(f.ctx); err != nil {
					t.Fatal(err)
				}
			}
			b := f.book(openslot.BookRequest{Appointment: appt("p3", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a"}})
			if got := f.get(h.ID); got.Status != scheduling.AppointmentCancelled {
				t.Fatalf("the lapsed hold is %s, want cancelled", got.Status)
			}
			got := f.get(w.ID)
			if got.Status != scheduling.AppointmentProposed || !got.Start.Equal(at(0, 9, 0)) {
				t.Fatalf("the waiter for the room is %s at %v, want proposed at 09:00", got.Status, got.Start)
			}
			proposed := 0
			for _, e := range f.events() {
				if e.Type == scheduling.EventProposed {
					proposed++
				}
			}
			if proposed != 1 {
				t.Errorf("%d proposed events, want one offer", proposed)
			}
			if _, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: w.ID}); err != nil {
				t.Errorf("booking the offer: %v", err)
			}
			if got := f.get(b.ID); got.Status != scheduling.AppointmentBooked {
				t.Errorf("the booking is %s, want booked", got.Status)
			}
		})
	}
}
