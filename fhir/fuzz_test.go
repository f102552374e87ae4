package fhir

import (
	"os"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, and
// whatever it accepts must validate, encode, decode again to the same JSON
// and map to the model and back.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"appointment-example.json", "slot-example.json", "appointmentresponse-example.json",
		"schedule-example.json", "ihe-example-practitioner.json"} {
		data, err := os.ReadFile("testdata/examples/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(mustMarshalT(f, FromSchedule(fullSchedule())))
	f.Add([]byte(apptJSON))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			if OutcomeOf(err) == nil || len(OutcomeOf(err).Issue) == 0 {
				t.Fatalf("error without issues: %v", err)
			}
			return
		}
		if err := Validate(r); err != nil {
			t.Fatalf("Decode accepted what Validate refuses: %v", err)
		}
		out, err := Marshal(r)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode of our own output: %v\n%s", err, out)
		}
		assertSameJSON(t, out, mustMarshalT(t, again))
		if _, isBundle := r.(*Bundle); isBundle {
			return
		}
		switch r.(type) {
		case *OperationOutcome, *Parameters, *MessageHeader, *CapabilityStatement:
			return
		}
		m, err := ToModel(r)
		if err != nil {
			t.Fatalf("ToModel of a valid resource: %v", err)
		}
		back, err := FromModel(m)
		if err != nil {
			t.Fatal(err)
		}
		assertSameJSON(t, out, mustMarshalT(t, back))
	})
}
