package openslot_test

import (
	"context"
	"fmt"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/memstore"
)

// A weekly schedule, the first free slots, a booking, a cancellation and
// the events they recorded.
func Example() {
	ctx := context.Background()
	vienna, _ := time.LoadLocation("Europe/Vienna")
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, vienna) // a Monday morning
	s := openslot.New(memstore.New(nil), &openslot.Options{Now: func() time.Time { return now }})

	err := s.Create(ctx, &scheduling.Schedule{
		Meta:  scheduling.Meta{ID: "dr-weber"},
		Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "weber")},
		Availability: scheduling.Availability{
			TimeZone: "Europe/Vienna",
			Rules: []scheduling.AvailabilityRule{{
				RRule:     "FREQ=WEEKLY;BYDAY=MO,WE",
				StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 5},
				Start:     scheduling.Clock(9, 0, 0),
				End:       scheduling.Clock(12, 0, 0),
			}},
		},
		Policy: scheduling.SlotPolicy{Duration: 20 * time.Minute, MinNotice: 90 * time.Minute},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	offers, err := s.Find(ctx, openslot.FindRequest{Resources: [][]string{{"dr-weber"}}, Limit: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range offers {
		fmt.Println("free:", o.Start.In(vienna).Format("Mon 15:04"), "-", o.End.In(vienna).Format("15:04"), o.Schedules)
	}

	patient, doctor := scheduling.Ref("Patient", "p1"), scheduling.Ref("Practitioner", "weber")
	appt, err := s.Book(ctx, openslot.BookRequest{
		Appointment: scheduling.Appointment{
			Start: offers[0].Start, End: offers[0].End,
			Participant: []scheduling.Participant{{Actor: &patient}, {Actor: &doctor}},
		},
		Schedules:      offers[0].Schedules,
		IdempotencyKey: "request-1",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("booked:", appt.Status, appt.Start.In(vienna).Format("Mon 15:04"))

	_, err = s.Book(ctx, openslot.BookRequest{
		Appointment: scheduling.Appointment{Start: offers[0].Start, End: offers[0].End,
			Participant: []scheduling.Participant{{Actor: &patient}}},
		Schedules: offers[0].Schedules,
	})
	fmt.Println("again:", err)

	if _, err := s.Cancel(ctx, appt.ID, &scheduling.CodeableConcept{Text: "patient called"}); err != nil {
		fmt.Println(err)
		return
	}
	events, _ := s.Events(ctx, 0, 10)
	for _, e := range events {
		fmt.Printf("event %d: %s (%s -> %s)\n", e.Cursor, e.Type, e.From, e.To)
	}
	// Output:
	// free: Mon 09:40 - 10:00 [dr-weber]
	// free: Mon 10:00 - 10:20 [dr-weber]
	// free: Mon 10:20 - 10:40 [dr-weber]
	// booked: booked Mon 09:40
	// again: schedule dr-weber at 2026-03-02T08:40:00Z: slot taken: no capacity left: 2026-03-02T09:40:00+01:00: busy time within [start-0s, end+0s) uses all capacity 1
	// event 1: booked (proposed -> booked)
	// event 2: cancelled (booked -> cancelled)
}

// A cancellation that also records a note: StatusChange.Edit changes the
// comment in the same transaction, so the appointment gets one new version
// and one event that carries both.
func ExampleScheduler_Transition() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC) // a Monday morning
	s := openslot.New(memstore.New(nil), &openslot.Options{Now: func() time.Time { return now }})
	err := s.Create(ctx, &scheduling.Schedule{
		Meta:  scheduling.Meta{ID: "dr-weber"},
		Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "weber")},
		Availability: scheduling.Availability{TimeZone: "Europe/Vienna",
			Rules: []scheduling.AvailabilityRule{{RRule: "FREQ=WEEKLY;BYDAY=MO,WE",
				StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 5},
				Start:     scheduling.Clock(9, 0, 0), End: scheduling.Clock(12, 0, 0)}}},
		Policy: scheduling.SlotPolicy{Duration: 20 * time.Minute},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	patient, doctor := scheduling.Ref("Patient", "p1"), scheduling.Ref("Practitioner", "weber")
	appt, err := s.Book(ctx, openslot.BookRequest{Appointment: scheduling.Appointment{
		Start: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 4, 9, 20, 0, 0, time.UTC),
		Participant: []scheduling.Participant{{Actor: &patient}, {Actor: &doctor}},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}

	cancelled, err := s.Transition(ctx, appt.ID, openslot.StatusChange{
		Action:    scheduling.ActionCancel,
		Reason:    &scheduling.CodeableConcept{Text: "patient called"},
		IfVersion: appt.Version,
		Edit: func(a *scheduling.Appointment) {
			a.Comment = "wants a call back next week"
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, version %d: %s\n", cancelled.Status, cancelled.Version, cancelled.Comment)
	events, _ := s.Events(ctx, 0, 10)
	for _, e := range events {
		fmt.Printf("event %d: %s, version %d: %q\n", e.Cursor, e.Type, e.Appointment.Version, e.Appointment.Comment)
	}
	// Output:
	// cancelled, version 2: wants a call back next week
	// event 1: booked, version 1: ""
	// event 2: cancelled, version 2: "wants a call back next week"
}

// ErrorKind is what to log of an error: its class, never its text, which
// may quote patient data.
func ExampleErrorKind() {
	ctx := context.Background()
	s := openslot.New(memstore.New(nil), nil)
	_, err := s.Cancel(ctx, "no-such-appointment", nil)
	fmt.Println(openslot.ErrorKind(err))
	p := &scheduling.Patient{Name: []scheduling.HumanName{{Family: "Doe", Given: []string{"Jane"}}},
		Gender: "not-a-gender"}
	fmt.Println(openslot.ErrorKind(s.Create(ctx, p)))
	// Output:
	// not-found
	// invalid
}
