package openslot_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// TestEventsSnapshotTheStoredAppointment books and cancels, and checks
// that each event carries exactly the appointment as stored by its change
// (version included), and that neither the request, nor the appointment
// returned, nor the event shares memory with the others.
func TestEventsSnapshotTheStoredAppointment(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	req := openslot.BookRequest{Appointment: appt("p1", at(7, 9, 0), at(7, 9, 30), "Practitioner/a"),
		Schedules: []string{"dr-a"}}
	booked := f.book(req)
	stored := f.get(booked.ID)
	// cmp compares instants with time.Time.Equal: the store keeps them in UTC.
	if d := cmp.Diff(stored, booked); d != "" {
		t.Fatalf("Book returned something else than the store holds (-stored +returned):\n%s", d)
	}

	// Change everything the caller holds: the store and the log keep theirs.
	req.Appointment.Participant[1].Actor.Reference = "Practitioner/changed"
	booked.Participant[0].Actor.Reference = "Patient/changed"
	booked.Participant[1].Status = scheduling.ParticipationDeclined
	booked.Slot[0].Reference = "Slot/changed"
	if d := cmp.Diff(stored, f.get(booked.ID)); d != "" {
		t.Errorf("changing the request and the result changed the store (-before +after):\n%s", d)
	}
	evs := f.events()
	if len(evs) != 1 || evs[0].Type != scheduling.EventBooked {
		t.Fatalf("events %v, want one booked", f.eventTypes())
	}
	if d := cmp.Diff(stored, &evs[0].Appointment); d != "" {
		t.Errorf("the booked event does not carry the stored appointment (-stored +event):\n%s", d)
	}
	evs[0].Appointment.Participant[0].Status = scheduling.ParticipationDeclined
	if e := f.events()[0]; e.Appointment.Participant[0].Status != scheduling.ParticipationAccepted {
		t.Errorf("changing an event read from the log changed the log: status %s", e.Appointment.Participant[0].Status)
	}

	cancelled, err := f.s.Cancel(f.ctx, booked.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Version != 2 {
		t.Errorf("cancelled version %d, want 2", cancelled.Version)
	}
	evs = f.events()
	if len(evs) != 2 || evs[1].Type != scheduling.EventCancelled {
		t.Fatalf("events %v, want booked, cancelled", f.eventTypes())
	}
	if d := cmp.Diff(f.get(booked.ID), &evs[1].Appointment); d != "" {
		t.Errorf("the cancelled event does not carry the stored appointment (-stored +event):\n%s", d)
	}
	cancelled.Participant[0].Actor.Reference = "Patient/changed"
	if e := f.events()[1]; e.Appointment.Participant[0].Actor.Reference != "Patient/p1" {
		t.Errorf("changing the result of Cancel changed its event: %s", e.Appointment.Participant[0].Actor.Reference)
	}
}
