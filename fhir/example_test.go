package fhir_test

import (
	"fmt"
	"strings"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
)

func Example() {
	data := []byte(`{
	  "resourceType": "Appointment",
	  "id": "a1",
	  "extension": [{
	    "url": "https://openslot.dev/fhir/StructureDefinition/payment-mode",
	    "valueCodeableConcept": {"coding": [{"system": "https://example.org/payment", "code": "self-pay"}]}
	  }],
	  "status": "booked",
	  "start": "2025-03-10T09:00:00+01:00",
	  "end": "2025-03-10T09:30:00+01:00",
	  "participant": [
	    {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
	    {"actor": {"reference": "Practitioner/dr1"}, "status": "accepted"}
	  ]
	}`)

	// Decode parses and validates.
	r, err := fhir.Decode(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Map to the model...
	appt, err := fhir.ToAppointment(r.(*fhir.Appointment))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(appt.Status, appt.Start.Format("15:04 -07:00"), appt.PaymentMode.Coding[0].Code)

	// ...change it, and encode it back.
	appt.Status = scheduling.AppointmentArrived
	out, err := fhir.Marshal(fhir.FromAppointment(appt))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Contains(string(out), `"status":"arrived"`), strings.Contains(string(out), "payment-mode"))
	// Output:
	// booked 09:00 +01:00 self-pay
	// true true
}

func ExampleValidate() {
	a := &fhir.Appointment{
		Status: "booked",
		Start:  "2025-03-10T09:00:00Z",
		Participant: []fhir.AppointmentParticipant{
			{Actor: &fhir.Reference{Reference: "Patient/p1"}, Status: "maybe"},
			{Status: "accepted"},
		},
	}
	err := fhir.Validate(a)
	for _, is := range fhir.OutcomeOf(err).Issue {
		fmt.Println(is.Code, is.Expression[0])
	}
	// Output:
	// code-invalid Appointment.participant[0].status
	// invariant Appointment.participant[1]
	// invariant Appointment
}

func ExampleNewSearchset() {
	b := fhir.NewSearchset(1, "").AddMatch("https://fhir.example", &fhir.Slot{
		ID: "s1", Schedule: &fhir.Reference{Reference: "Schedule/dr1"}, Status: "free",
		Start: "2025-03-10T09:00:00Z", End: "2025-03-10T09:15:00Z",
	})
	out, _ := fhir.Marshal(b)
	fmt.Println(string(out))
	// Output:
	// {"resourceType":"Bundle","type":"searchset","total":1,"entry":[{"fullUrl":"https://fhir.example/Slot/s1","resource":{"resourceType":"Slot","id":"s1","schedule":{"reference":"Schedule/dr1"},"status":"free","start":"2025-03-10T09:00:00Z","end":"2025-03-10T09:15:00Z"},"search":{"mode":"match"}}]}
}
