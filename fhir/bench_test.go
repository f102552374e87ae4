package fhir

import (
	"encoding/json"
	"os"
	"testing"
)

// The anchor of each pair is encoding/json decoding the same bytes into
// map[string]any: compare ns/op within one run.

func BenchmarkDecodeValidateMapAppointment(b *testing.B) {
	data, err := os.ReadFile("testdata/examples/appointment-example.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fhir", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r, err := Decode(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ToAppointment(r.(*Appointment)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("anchor-map", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeSearchset100(b *testing.B) {
	bundle := NewSearchset(100, "https://fhir.example/Appointment?_count=100&page=2")
	for range 100 {
		a := fullAppointment()
		bundle.AddMatch("https://fhir.example", FromAppointment(a))
	}
	data := mustMarshalT(b, bundle)
	b.Run("fhir", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Marshal(bundle); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("anchor-map", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
