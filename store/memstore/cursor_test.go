package memstore

import (
	"errors"
	"math"
	"testing"

	"github.com/openslot/openslot/store"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, p := range []position{{math.MinInt64, "a"}, {0, "x:y"}, {1893456000000000, "ABC234"}, {-5, "-"}} {
		got, err := decodeCursor(encodeCursor(p))
		if err != nil || got != p {
			t.Errorf("decodeCursor(encodeCursor(%v)) = %v, %v", p, got, err)
		}
	}
	for _, s := range []string{"", "!!", "bTE6", "bTE6eDph", "eHl6"} {
		if _, err := decodeCursor(s); !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("decodeCursor(%q) = %v, want ErrInvalidQuery", s, err)
		}
	}
}

// FuzzDecodeCursor feeds cursors as a client would send them back: a
// cursor either fails with ErrInvalidQuery or names a position that
// encodes to an equivalent cursor.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(position{1893456000000000, "appt-1"}))
	f.Add(encodeCursor(position{math.MinInt64, "p"}))
	f.Add("bTE6")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := decodeCursor(s)
		if err != nil {
			if !errors.Is(err, store.ErrInvalidQuery) {
				t.Fatalf("decodeCursor(%q) = %v, want ErrInvalidQuery", s, err)
			}
			return
		}
		again, err := decodeCursor(encodeCursor(p))
		if err != nil || again != p {
			t.Fatalf("position %v of %q does not round-trip: %v, %v", p, s, again, err)
		}
	})
}
