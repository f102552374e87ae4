package fhir

import (
	"math/rand/v2"
	"testing"
)

// primitiveCases are strings on the edges of the R4 patterns.
var primitiveCases = []string{
	"", " ", "a", "a b", "a  b", " a", "a ", "a\tb", "a\fb", "a\nb", "a\vb", "\f", "é", "a\r\nb",
	"abc-DEF.123", "a_b", "a/b", "x" + string(make([]byte, 63)), "0123456789012345678901234567890123456789012345678901234567890123",
	"01234567890123456789012345678901234567890123456789012345678901234", "http://x.org/a b", "urn:uuid:1",
	"2025", "0000", "0001", "1000", "2025-00", "2025-01", "2025-12", "2025-13", "2025-1", "2025-01-00", "2025-01-01",
	"2025-01-31", "2025-01-32", "2025-02-30", "2025-01-01T", "2025-01-01T10:00", "2025-01-01T10:00:00",
	"2025-01-01T10:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T23:59:60Z", "2025-01-01T23:60:00Z",
	"2025-01-01T10:00:00.Z", "2025-01-01T10:00:00.123456789Z", "2025-01-01T10:00:00+01:00",
	"2025-01-01T10:00:00+13:59", "2025-01-01T10:00:00+14:00", "2025-01-01T10:00:00-14:00", "2025-01-01T10:00:00+14:01",
	"2025-01-01T10:00:00+15:00", "2025-01-01T10:00:00+1:00", "2025-01-01T10:00:00+01:60", "2025-01-01T10:00:00z",
	"2025-01-01t10:00:00Z", "2025-01-01T10:00:00ZZ", "2025-01-01T10:00:00+01:00 ", "2025-01T10:00:00Z",
	"10:00:00", "10:00", "23:59:60", "24:00:00", "10:00:00.5", "10:00:00.", "9:00:00", "10:00:00Z",
}

// mutate returns s with a few random edits drawn from the characters the
// patterns care about.
func mutate(r *rand.Rand, s string) string {
	const alphabet = "0123456789-:.TZ+ \t\f\nabzAZ/_é"
	b := []byte(s)
	for range 1 + r.IntN(3) {
		c := alphabet[r.IntN(len(alphabet))]
		switch i := r.IntN(len(b) + 1); r.IntN(3) {
		case 0:
			b = append(b[:i], append([]byte{c}, b[i:]...)...)
		case 1:
			if i < len(b) {
				b = append(b[:i], b[i+1:]...)
			}
		default:
			if i < len(b) {
				b[i] = c
			}
		}
	}
	return string(b)
}

func checkMatchers(t *testing.T, s string) {
	t.Helper()
	for name, match := range primitiveMatchers {
		re := r4().prims[name].re
		if re == nil {
			t.Fatalf("primitive %s has a matcher but no pattern", name)
		}
		if got, want := match(s), re.MatchString(s); got != want {
			t.Fatalf("%s matcher on %q = %v, pattern %s says %v", name, s, got, re, want)
		}
	}
}

func TestPrimitiveMatchersAgreeWithPatterns(t *testing.T) {
	for name := range primitiveMatchers {
		if p := r4().prims[name]; p.match == nil || p.re == nil {
			t.Fatalf("primitive %s: matcher not installed", name)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	n := 200
	if testing.Short() {
		n = 20
	}
	for _, s := range primitiveCases {
		checkMatchers(t, s)
		for range n {
			checkMatchers(t, mutate(r, s))
		}
	}
}

// FuzzPrimitiveMatchers holds the hand-written matchers to the regexps of
// r4.json on any string.
func FuzzPrimitiveMatchers(f *testing.F) {
	for _, s := range primitiveCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkMatchers(t, s) })
}
