package fhir

import (
	"os"
	"path/filepath"
	"testing"
)

// roundTripModel maps r to the model and back; inside a Bundle it does so
// for every entry resource that has a model type.
func roundTripModel(t *testing.T, r Resource) Resource {
	t.Helper()
	if b, ok := r.(*Bundle); ok {
		out := *b
		out.Entry = append([]BundleEntry(nil), b.Entry...)
		for i, e := range out.Entry {
			if e.Resource != nil {
				out.Entry[i].Resource = roundTripModel(t, e.Resource)
			}
		}
		return &out
	}
	switch r.(type) {
	case *OperationOutcome, *Parameters, *MessageHeader, *CapabilityStatement:
		return r
	}
	m, err := ToModel(r)
	if err != nil {
		t.Fatalf("ToModel(%s): %v", r.ResourceType(), err)
	}
	back, err := FromModel(m)
	if err != nil {
		t.Fatalf("FromModel(%T): %v", m, err)
	}
	return back
}

func TestExamplesRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/examples/*.json")
	if err != nil || len(files) < 20 {
		t.Fatalf("examples: %v (%d files)", err, len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r := mustDecode(t, data)
			if err := Validate(r); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			// decode -> encode alone is lossless
			assertSameJSON(t, data, mustMarshalT(t, r))
			// and so is decode -> model -> FHIR -> encode
			out := mustMarshalT(t, roundTripModel(t, r))
			assertSameJSON(t, data, out)
			assertSchemaValid(t, out)
		})
	}
}
