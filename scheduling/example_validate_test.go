package scheduling_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// Validate reports every problem at once, each with the path of the field.
func ExampleAppointment_Validate() {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	appt := scheduling.Appointment{
		Status: scheduling.AppointmentBooked,
		Start:  start,
		End:    start.Add(-time.Minute),
		Participant: []scheduling.Participant{
			{Actor: &scheduling.Reference{Reference: "Patient/p1"}, Status: scheduling.ParticipationAccepted},
			{Actor: &scheduling.Reference{Reference: "Practitioner/d1"}},
		},
	}
	err := appt.Validate()
	fmt.Println(errors.Is(err, scheduling.ErrInvalid))

	var verr *scheduling.ValidationError
	if errors.As(err, &verr) {
		for _, issue := range verr.Issues {
			fmt.Printf("%s: %s\n", issue.Path, issue.Message)
		}
	}
	// Output:
	// true
	// end: must be after start
	// participant[1].status: required
}

// Code sets parse strictly and say what they accept.
func ExampleParseAppointmentStatus() {
	s, err := scheduling.ParseAppointmentStatus("checked-in")
	fmt.Println(s, err)
	_, err = scheduling.ParseAppointmentStatus("done")
	fmt.Println(err)
	// Output:
	// checked-in <nil>
	// invalid: appointment status "done" is not one of proposed, pending, booked, arrived, fulfilled, cancelled, noshow, entered-in-error, checked-in, waitlist
}
