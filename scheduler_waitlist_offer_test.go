package openslot_test

import (
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// waitFor puts patient on dr-a's waiting list for Monday morning (08:00 to
// 12:00) and returns the entry. schedules, when given, are named on the
// entry (WaitlistRequest.Schedules); actors are its other participants.
func (f *fixture) waitFor(patient string, schedules []string, actors ...string) *scheduling.Appointment {
	f.t.Helper()
	w, err := f.s.Waitlist(f.ctx, openslot.WaitlistRequest{Appointment: appt(patient, time.Time{}, time.Time{}, actors...),
		Schedules: schedules, Requested: []scheduling.Period{{Start: at(0, 8, 0), End: at(0, 12, 0)}}})
	if err != nil {
		f.t.Fatalf("waitlist %s: %v", patient, err)
	}
	return w
}

// decline records patient's declining of appointment id.
func (f *fixture) decline(id, patient string) (*scheduling.Appointment, error) {
	p := scheduling.Ref("Patient", patient)
	return f.s.Respond(f.ctx, scheduling.AppointmentResponse{Appointment: scheduling.Ref("Appointment", id),
		Actor: &p, ParticipantStatus: scheduling.ParticipationDeclined})
}

// proposedSince returns the "proposed" events after the first n events.
func (f *fixture) proposedSince(n int) []scheduling.Event {
	f.t.Helper()
	var out []scheduling.Event
	for _, e := range f.events()[n:] {
		if e.Type == scheduling.EventProposed {
			out = append(out, e.Event)
		}
	}
	return out
}

// offered fails unless appointment id is proposed for Monday 09:00-09:30.
func (f *fixture) offered(id, who string) {
	f.t.Helper()
	got := f.get(id)
	if got.Status != scheduling.AppointmentProposed || !got.Start.Equal(at(0, 9, 0)) || !got.End.Equal(at(0, 9, 30)) {
		f.t.Fatalf("%s is %s at %v-%v, want proposed at 09:00-09:30", who, got.Status, got.Start, got.End)
	}
}

// An offer that ends without being taken (its patient declines it, it is
// cancelled, or it is entered in error) passes its time on to the next
// waitlisted entry that fits, in the same transaction and with one
// "proposed" event; that entry can book it.
func TestEndedWaitlistOfferPassesToNextEntry(t *testing.T) {
	for _, c := range []struct {
		name string
		end  func(f *fixture, id string) (*scheduling.Appointment, error)
		want scheduling.AppointmentStatus
		ev   scheduling.EventType
	}{
		{"declined", func(f *fixture, id string) (*scheduling.Appointment, error) { return f.decline(id, "p2") },
			scheduling.AppointmentCancelled, scheduling.EventCancelled},
		{"cancelled", func(f *fixture, id string) (*scheduling.Appointment, error) { return f.s.Cancel(f.ctx, id, nil) },
			scheduling.AppointmentCancelled, scheduling.EventCancelled},
		{"entered in error", func(f *fixture, id string) (*scheduling.Appointment, error) { return f.s.EnterInError(f.ctx, id) },
			scheduling.AppointmentEnteredInError, scheduling.EventEnteredInError},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.schedule("dr-a", "Practitioner/a", nil)
			booked := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
			w2 := f.waitFor("p2", nil, "Practitioner/a")
			f.clk.Set(at(0, 8, 1))
			w3 := f.waitFor("p3", nil, "Practitioner/a")

			if _, err := f.s.Cancel(f.ctx, booked.ID, nil); err != nil {
				t.Fatal(err)
			}
			f.offered(w2.ID, "the first entry")
			if got := f.get(w3.ID); got.Status != scheduling.AppointmentWaitlist {
				t.Fatalf("the second entry is %s before the offer ended, want waitlist", got.Status)
			}

			n := len(f.events())
			ended, err := c.end(f, w2.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ended.Status != c.want {
				t.Fatalf("the first offer is %s, want %s", ended.Status, c.want)
			}
			f.offered(w3.ID, "the second entry")
			props := f.proposedSince(n)
			if len(props) != 1 || props[0].AppointmentID != w3.ID || !props[0].Appointment.Start.Equal(at(0, 9, 0)) {
				t.Fatalf("proposed events after the offer ended = %+v, want one for the second entry at 09:00", props)
			}
			if got := f.get(w2.ID); got.Status != c.want {
				t.Errorf("the first offer is stored as %s, want %s", got.Status, c.want)
			}

			b := f.book(openslot.BookRequest{AppointmentID: w3.ID})
			if b.Status != scheduling.AppointmentBooked || !b.Start.Equal(at(0, 9, 0)) || len(f.busy("dr-a")) != 1 {
				t.Fatalf("booking the second offer: %s at %v, %d busy entries on dr-a, want booked at 09:00 and 1",
					b.Status, b.Start, len(f.busy("dr-a")))
			}
			want := []scheduling.EventType{scheduling.EventBooked, scheduling.EventWaitlisted, scheduling.EventWaitlisted,
				scheduling.EventCancelled, scheduling.EventProposed, c.ev, scheduling.EventProposed, scheduling.EventBooked}
			if got := f.eventTypes(); !slices.Equal(got, want) {
				t.Errorf("events = %v, want %v", got, want)
			}
		})
	}
}

// An offer that is taken is not passed on: booking it, or accepting it
// (which leaves it proposed), offers the time to nobody else.
func TestTakenWaitlistOfferIsNotPassedOn(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	booked := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
	w2 := f.waitFor("p2", nil, "Practitioner/a")
	f.clk.Set(at(0, 8, 1))
	w3 := f.waitFor("p3", nil, "Practitioner/a")
	if _, err := f.s.Cancel(f.ctx, booked.ID, nil); err != nil {
		t.Fatal(err)
	}
	n := len(f.events())
	p := scheduling.Ref("Patient", "p2")
	if _, err := f.s.Respond(f.ctx, scheduling.AppointmentResponse{Appointment: scheduling.Ref("Appointment", w2.ID),
		Actor: &p, ParticipantStatus: scheduling.ParticipationAccepted}); err != nil {
		t.Fatal(err)
	}
	f.offered(w2.ID, "the accepted offer")
	if b := f.book(openslot.BookRequest{AppointmentID: w2.ID}); b.Status != scheduling.AppointmentBooked {
		t.Fatalf("booking the offer: %s", b.Status)
	}
	if got := f.get(w3.ID); got.Status != scheduling.AppointmentWaitlist {
		t.Errorf("the second entry is %s after the offer was taken, want waitlist", got.Status)
	}
	if props := f.proposedSince(n); len(props) != 0 {
		t.Errorf("proposed events after the offer was taken = %+v, want none", props)
	}
}

// An offer that ends with nobody else waiting offers nothing and fails
// nothing.
func TestEndedWaitlistOfferWithNobodyWaiting(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		name := "declined"
		if cancel {
			name = "cancelled"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.schedule("dr-a", "Practitioner/a", nil)
			booked := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
			w2 := f.waitFor("p2", nil, "Practitioner/a")
			if _, err := f.s.Cancel(f.ctx, booked.ID, nil); err != nil {
				t.Fatal(err)
			}
			f.offered(w2.ID, "the entry")
			var err error
			if cancel {
				_, err = f.s.Cancel(f.ctx, w2.ID, nil)
			} else {
				_, err = f.decline(w2.ID, "p2")
			}
			if err != nil {
				t.Fatal(err)
			}
			want := []scheduling.EventType{scheduling.EventBooked, scheduling.EventWaitlisted, scheduling.EventCancelled,
				scheduling.EventProposed, scheduling.EventCancelled}
			if got := f.eventTypes(); !slices.Equal(got, want) {
				t.Errorf("events = %v, want %v", got, want)
			}
		})
	}
}

// An offer is passed on under the rules of the first offer: the time must
// still be free (here it was booked by someone else meanwhile, and nobody
// is offered it), and it must lie in one of the next entry's requested
// periods.
func TestEndedWaitlistOfferOnlyPassesFreeFittingTime(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	booked := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
	w2 := f.waitFor("p2", nil, "Practitioner/a")
	f.clk.Set(at(0, 8, 1))
	w3 := f.waitFor("p3", nil, "Practitioner/a")
	f.clk.Set(at(0, 8, 2))
	w4, err := f.s.Waitlist(f.ctx, openslot.WaitlistRequest{Appointment: appt("p4", time.Time{}, time.Time{}, "Practitioner/a"),
		Requested: []scheduling.Period{{Start: at(0, 12, 0), End: at(0, 17, 0)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Cancel(f.ctx, booked.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.offered(w2.ID, "the first entry")
	// The offer reserves nothing: p5 books the time.
	f.book(openslot.BookRequest{Appointment: appt("p5", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
	n := len(f.events())
	if _, err := f.decline(w2.ID, "p2"); err != nil {
		t.Fatal(err)
	}
	if props := f.proposedSince(n); len(props) != 0 {
		t.Errorf("proposed events after declining an offer of taken time = %+v, want none", props)
	}
	for _, id := range []string{w3.ID, w4.ID} {
		if got := f.get(id); got.Status != scheduling.AppointmentWaitlist {
			t.Errorf("entry %s is %s, want waitlist", id, got.Status)
		}
	}
}

// A declined offer passes on the time as it was freed: on every schedule
// the first offer was made for, not only those of the entry that declined.
// Here a booking of doctor and room is cancelled; the first entry waits for
// the room, the next one for the doctor.
func TestDeclinedWaitlistOfferPassesOnEverySchedulesFreedTime(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.schedule("room-1", "Location/r1", nil)
	booked := f.book(openslot.BookRequest{Appointment: appt("p1", at(0, 9, 0), at(0, 9, 30)), Schedules: []string{"dr-a", "room-1"}})
	w2 := f.waitFor("p2", []string{"room-1"})
	f.clk.Set(at(0, 8, 1))
	w3 := f.waitFor("p3", []string{"dr-a"})
	if _, err := f.s.Cancel(f.ctx, booked.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.offered(w2.ID, "the entry for the room")
	n := len(f.events())
	if _, err := f.decline(w2.ID, "p2"); err != nil {
		t.Fatal(err)
	}
	f.offered(w3.ID, "the entry for the doctor")
	if props := f.proposedSince(n); len(props) != 1 {
		t.Errorf("%d proposed events after the decline, want 1", len(props))
	}
	if b := f.book(openslot.BookRequest{AppointmentID: w3.ID}); b.Status != scheduling.AppointmentBooked {
		t.Fatalf("booking the second offer: %s", b.Status)
	}
}

// A proposal that is not a waitlist offer (made with Create) carries no
// freed time: declining it offers nothing to the waiting list.
func TestDeclinedProposalIsNotAWaitlistOffer(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	w2 := f.waitFor("p2", nil, "Practitioner/a")
	p := appt("p9", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")
	p.RequestedPeriod = []scheduling.Period{{Start: at(0, 8, 0), End: at(0, 12, 0)}}
	if err := f.s.Create(f.ctx, &p); err != nil {
		t.Fatal(err)
	}
	n := len(f.events())
	if _, err := f.decline(p.ID, "p9"); err != nil {
		t.Fatal(err)
	}
	if props := f.proposedSince(n); len(props) != 0 {
		t.Errorf("proposed events after declining a plain proposal = %+v, want none", props)
	}
	if got := f.get(w2.ID); got.Status != scheduling.AppointmentWaitlist {
		t.Errorf("the entry is %s, want waitlist", got.Status)
	}
}
