package notify

import (
	"testing"
	"time"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// naiveOf is the wall clock of t as a UTC time, so that wall clocks can be
// compared.
func naiveOf(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// TestWallTimeMatchesBruteForce checks wallTime against the definition of
// the policy on every quarter hour of every transition day of 2025-2027 in
// zones of both hemispheres: the answer is the earliest instant whose wall
// clock reads the target or later (the first occurrence of an ambiguous
// time; the jump for a time in a gap).
func TestWallTimeMatchesBruteForce(t *testing.T) {
	zones := []string{"America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata"}
	for _, name := range zones {
		loc := mustZone(t, name)
		days := transitionDays(loc, 2025, 2027)
		if name != "Asia/Kolkata" && len(days) != 6 {
			t.Fatalf("%s: found %d transition days in 2025-2027, want 6", name, len(days))
		}
		if name == "Asia/Kolkata" {
			days = []time.Time{time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)}
		}
		for _, day := range days {
			for m := 0; m < 48*60; m += 15 {
				target := day.Add(time.Duration(m) * time.Minute) // naive wall clock
				want := bruteWallTime(target, loc)
				y, mo, d := target.Date()
				h, mi, s := target.Clock()
				got := wallTime(y, mo, d, h, mi, s, 0, loc)
				if !got.Equal(want) {
					t.Fatalf("%s: wallTime(%s) = %s, want %s", name, target.Format("2006-01-02 15:04"), got, want)
				}
				if got.Location() != loc {
					t.Fatalf("%s: wallTime returned a time in %v", name, got.Location())
				}
			}
		}
	}
}

// transitionDays returns the local dates (as naive UTC midnights) on which
// loc's offset changes, for the given years.
func transitionDays(loc *time.Location, from, to int) []time.Time {
	var days []time.Time
	t := time.Date(from, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(to+1, 1, 1, 0, 0, 0, 0, loc)
	for {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			return days
		}
		y, mo, d := next.Add(-time.Minute).In(loc).Date()
		days = append(days, time.Date(y, mo, d, 0, 0, 0, 0, time.UTC))
		t = next
	}
}

func bruteWallTime(target time.Time, loc *time.Location) time.Time {
	// Start well before the answer: offsets change by at most a few hours.
	_, off := target.In(loc).Zone()
	for t := target.Add(-time.Duration(off)*time.Second - 3*time.Hour); ; t = t.Add(time.Minute) {
		if !naiveOf(t.In(loc)).Before(target) {
			return t.In(loc)
		}
	}
}
