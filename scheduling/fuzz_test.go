package scheduling

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseTimeOfDay(f *testing.F) {
	for _, s := range []string{"09:30", "23:59:59", "24:00", "24:00:01", "+9:00", " 9:00", "12:60", "ab:cd", "09:30:00.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tod, err := ParseTimeOfDay(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseTimeOfDay(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if tod < 0 || tod > Clock(24, 0, 0) {
			t.Fatalf("ParseTimeOfDay(%q) = %d, out of range", s, tod)
		}
		// Whatever parses prints back as itself (with seconds added).
		want := s
		if len(s) == 5 {
			want += ":00"
		}
		if got := tod.String(); got != want {
			t.Fatalf("ParseTimeOfDay(%q).String() = %q", s, got)
		}
	})
}

func FuzzReferenceSplit(f *testing.F) {
	for _, s := range []string{"Practitioner/123", "https://x/fhir/Patient/p1/_history/2", "#c", "/x", "A//b",
		"Patient/", "urn:uuid:1", "a/B/c/_history/", "_history/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, id := Reference{Reference: s}.Split()
		if (typ == "") != (id == "") {
			t.Fatalf("Split(%q) = %q, %q: one part empty", s, typ, id)
		}
		if typ == "" {
			return
		}
		if typ[0] < 'A' || typ[0] > 'Z' || strings.Contains(typ, "/") || strings.Contains(id, "/") {
			t.Fatalf("Split(%q) = %q, %q: malformed parts", s, typ, id)
		}
		if !strings.Contains(s, typ+"/"+id) {
			t.Fatalf("Split(%q) = %q, %q: not found in the reference", s, typ, id)
		}
		if got, gotID := (Reference{Reference: typ + "/" + id}).Split(); got != typ || gotID != id {
			t.Fatalf("Split(%q/%q) = %q, %q: not stable", typ, id, got, gotID)
		}
	})
}
