package scheduling_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// An appointment is booked, the patient checks in, and the visit is
// fulfilled. Each step returns the new appointment, what happens to its
// slots and the event to record; the input is never modified.
func ExampleApply() {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	appt := scheduling.Appointment{
		Meta:   scheduling.Meta{ID: "a1"},
		Status: scheduling.AppointmentProposed,
		Start:  start,
		End:    start.Add(30 * time.Minute),
		Slot:   []scheduling.Reference{scheduling.Ref("Slot", "s1")},
		Participant: []scheduling.Participant{
			{Actor: &scheduling.Reference{Reference: "Patient/p1"}, Status: scheduling.ParticipationAccepted},
			{Actor: &scheduling.Reference{Reference: "Practitioner/d1"}, Status: scheduling.ParticipationNeedsAction},
		},
	}
	if err := appt.Validate(); err != nil {
		fmt.Println(err)
		return
	}

	now := start.Add(-24 * time.Hour)
	for _, action := range []scheduling.Action{scheduling.ActionBook, scheduling.ActionCheckIn, scheduling.ActionFulfil} {
		tr, err := scheduling.Apply(appt, scheduling.Change{Action: action, At: now})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s -> %s, event %s", action, tr.Event.From, tr.Event.To, tr.Event.Type)
		for _, s := range tr.Slots {
			fmt.Printf(", %s becomes %s", s.Slot.Reference, s.Status)
		}
		fmt.Println()
		appt = tr.Appointment
		now = now.Add(24 * time.Hour)
	}
	fmt.Println("practitioner:", appt.Participant[1].Status)

	// A fulfilled appointment cannot be cancelled.
	_, err := scheduling.Apply(appt, scheduling.Change{Action: scheduling.ActionCancel, At: now})
	fmt.Println(errors.Is(err, scheduling.ErrInvalidTransition))
	fmt.Println(err)
	// Output:
	// book: proposed -> booked, event booked, Slot/s1 becomes busy
	// check-in: booked -> checked-in, event checked-in
	// fulfil: checked-in -> fulfilled, event fulfilled
	// practitioner: accepted
	// true
	// invalid transition: cancel to cancelled from fulfilled (allowed from: proposed, pending, booked, arrived, checked-in, waitlist)
}

// A hold reserves the time until HeldUntil; after that it can only be
// expired, cancelled or entered in error.
func ExampleApply_hold() {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(-time.Hour)
	offer := scheduling.Appointment{
		Status: scheduling.AppointmentProposed, Start: start, End: start.Add(15 * time.Minute),
		Slot: []scheduling.Reference{scheduling.Ref("Slot", "s7")},
		Participant: []scheduling.Participant{
			{Actor: &scheduling.Reference{Reference: "Patient/p1"}, Status: scheduling.ParticipationNeedsAction},
		},
	}
	held, err := scheduling.Apply(offer, scheduling.Change{Action: scheduling.ActionHold, At: now, HeldUntil: now.Add(10 * time.Minute)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(held.Appointment.Status, held.Slots[0].Status, held.Appointment.HeldUntil.Format(time.Kitchen))

	late := now.Add(11 * time.Minute)
	_, err = scheduling.Apply(held.Appointment, scheduling.Change{Action: scheduling.ActionBook, At: late})
	fmt.Println(errors.Is(err, scheduling.ErrHoldExpired))

	expired, err := scheduling.Apply(held.Appointment, scheduling.Change{Action: scheduling.ActionExpireHold, At: late})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(expired.Event.Type, expired.Appointment.Status, expired.Slots[0].Status)
	// Output:
	// pending busy-tentative 8:10AM
	// true
	// hold-expired cancelled free
}

// A participant's answer updates its status; once every required
// participant has accepted, a pending request is booked.
func ExampleApply_respond() {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	request := scheduling.Appointment{
		Meta:   scheduling.Meta{ID: "a2"},
		Status: scheduling.AppointmentPending, Start: start, End: start.Add(time.Hour),
		Participant: []scheduling.Participant{
			{Actor: &scheduling.Reference{Reference: "Patient/p1"}, Status: scheduling.ParticipationAccepted},
			{Actor: &scheduling.Reference{Reference: "Practitioner/d1"}, Status: scheduling.ParticipationNeedsAction},
		},
	}
	tr, err := scheduling.Apply(request, scheduling.Change{Action: scheduling.ActionRespond, At: start.Add(-time.Hour),
		Response: &scheduling.AppointmentResponse{
			Appointment:       scheduling.Ref("Appointment", "a2"),
			Actor:             &scheduling.Reference{Reference: "Practitioner/d1"},
			ParticipantStatus: scheduling.ParticipationAccepted,
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tr.Event.Type, tr.Appointment.Status)
	// Output:
	// confirmed booked
}

// The patient of an appointment never changes by an update.
func ExampleCheckUpdate() {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	old := scheduling.Appointment{
		Status: scheduling.AppointmentBooked, Start: start, End: start.Add(time.Hour),
		Participant: []scheduling.Participant{
			{Actor: &scheduling.Reference{Reference: "Patient/p1"}, Status: scheduling.ParticipationAccepted},
		},
	}
	updated := old.Clone()
	updated.Comment = "bring your glasses"
	fmt.Println(scheduling.CheckUpdate(old, updated))

	updated.Participant[0].Actor.Reference = "Patient/p2"
	fmt.Println(scheduling.CheckUpdate(old, updated))
	// Output:
	// <nil>
	// patient participant cannot change: patient Patient/p1 would become Patient/p2
}
