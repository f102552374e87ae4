package scheduling

import "testing"

// The baseline is Clone: Apply makes two deep copies (the result and the
// event's) and validates the result, so it should cost a small multiple of
// one Clone.
func BenchmarkClone(b *testing.B) {
	a := fixture(AppointmentProposed)
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Clone()
	}
}

func BenchmarkValidate(b *testing.B) {
	a := fixture(AppointmentBooked)
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApply(b *testing.B) {
	for _, action := range []Action{ActionBook, ActionReschedule, ActionRespond} {
		from := AppointmentProposed
		if action != ActionBook {
			from = AppointmentBooked
		}
		a, c := fixture(from), changeFor(action)
		b.Run(string(action), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Apply(a, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
