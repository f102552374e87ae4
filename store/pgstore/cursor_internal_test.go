package pgstore

import (
	"errors"
	"math"
	"testing"

	"github.com/openslot/openslot/store"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, p := range []position{
		{math.MinInt64, "a"},
		{0, "id:with:colons"},
		{minMicros, "x"},
		{maxMicros, "Z-9.z"},
		{1_750_000_000_123_456, "ü"},
	} {
		got, err := decodeCursor(encodeCursor(p))
		if err != nil || got != p {
			t.Errorf("decode(encode(%v)) = %v, %v", p, got, err)
		}
	}
	for _, bad := range []string{"", "!!", "cDE6", "p1:1:x", encodeCursor(position{maxMicros + 1, "x"}),
		"cDE6MDE6eA" /* p1:01:x */, "bTE6MTp4" /* m1:1:x */} {
		if _, err := decodeCursor(bad); !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("decodeCursor(%q) = %v; want ErrInvalidQuery", bad, err)
		}
	}
}

// FuzzDecodeCursor feeds Query.After, which arrives from outside (a FHIR
// next link), to the cursor parser: it must never panic, and every cursor
// it accepts must be one encodeCursor makes.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(position{math.MinInt64, "a"}))
	f.Add(encodeCursor(position{1_750_000_000_000_000, "Appointment-1"}))
	f.Add("")
	f.Add("cDE6")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := decodeCursor(s)
		if err != nil {
			if !errors.Is(err, store.ErrInvalidQuery) {
				t.Fatalf("decodeCursor(%q) error %v does not wrap ErrInvalidQuery", s, err)
			}
			return
		}
		if again := encodeCursor(p); again != s {
			t.Fatalf("decodeCursor accepted %q but encodes the result as %q", s, again)
		}
	})
}
