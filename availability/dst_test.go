package availability

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// firstInstants maps every wall-clock minute of day d (and the next) to the
// first instant with that wall time, by scanning real time minute by minute.
func firstInstants(loc *time.Location, d scheduling.Date) map[time.Time]time.Time {
	m := map[time.Time]time.Time{}
	start := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Add(-30 * time.Hour)
	for u := start; u.Before(start.Add(90 * time.Hour)); u = u.Add(time.Minute) {
		l := u.In(loc)
		w := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
		if _, ok := m[w]; !ok {
			m[w] = u
		}
	}
	return m
}

func TestDSTTransitions(t *testing.T) {
	type window struct{ start, end scheduling.TimeOfDay }
	windows := []window{{scheduling.Clock(9, 0, 0), scheduling.Clock(17, 0, 0)},
		{scheduling.Clock(0, 30, 0), scheduling.Clock(3, 30, 0)}}
	zonesWant := map[string]int{ // transitions in 2025-2027
		"America/New_York": 6, "Europe/Berlin": 6, "Australia/Sydney": 6, "Australia/Lord_Howe": 6,
		"Asia/Kolkata": 0, "Pacific/Apia": 0,
	}
	ctx := context.Background()
	for name, wantN := range zonesWant {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		tr := transitionsIn(loc, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
		if len(tr) != wantN {
			t.Errorf("%s: %d transitions in 2025-2027, want %d", name, len(tr), wantN)
		}
		var days []scheduling.Date
		for _, x := range tr {
			// The local date of the transition, and the day before.
			d := scheduling.DateOf(x.In(loc))
			days = append(days, d, d.AddDays(-1))
		}
		days = append(days, scheduling.Date{Year: 2026, Month: 6, Day: 15})
		if name == "Pacific/Apia" {
			// Samoa skipped 2011-12-30 entirely when it crossed the date line.
			days = append(days, scheduling.Date{Year: 2011, Month: 12, Day: 29}, scheduling.Date{Year: 2011, Month: 12, Day: 30},
				scheduling.Date{Year: 2011, Month: 12, Day: 31})
		}
		for _, d := range days {
			first := firstInstants(loc, d)
			for _, w := range windows {
				t.Run(fmt.Sprintf("%s/%s/%s-%s", name, d, w.start, w.end), func(t *testing.T) {
					checkDSTDay(t, ctx, loc, d, w.start, w.end, first)
				})
			}
		}
	}
}

func checkDSTDay(t *testing.T, ctx context.Context, loc *time.Location, d scheduling.Date, ws, we scheduling.TimeOfDay,
	first map[time.Time]time.Time) {
	sch, err := Compile(&scheduling.Schedule{
		Availability: scheduling.Availability{TimeZone: loc.String(), Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2010, Month: 1, Day: 1}, Start: ws, End: we}}},
		Policy: scheduling.SlotPolicy{Duration: 15 * time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	wall := func(tod scheduling.TimeOfDay) time.Time {
		return time.Date(d.Year, d.Month, d.Day, 0, 0, int(tod), 0, time.UTC)
	}
	// The window in instants under the policy: first occurrence, a time in a
	// gap moves to the first instant after it.
	resolve := func(w time.Time) time.Time {
		if u, ok := first[w]; ok {
			return u
		}
		for m := w; ; m = m.Add(time.Minute) {
			if u, ok := first[m]; ok {
				return u
			}
		}
	}
	winStart, winEnd := resolve(wall(ws)), resolve(wall(we))
	var want []time.Time
	for tod := ws; tod < we; tod += 15 * 60 {
		if u, ok := first[wall(tod)]; ok && !u.Add(15*time.Minute).After(winEnd) {
			want = append(want, u)
		}
	}
	from := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc).Add(-12 * time.Hour)
	search := sch.Search(ctx, Query{From: from, To: from.Add(48 * time.Hour)})
	var got []Slot
	for s := range search.All() {
		if scheduling.DateOf(s.Start) == d {
			got = append(got, s)
		}
	}
	if err := search.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d slots, want %d (window %s to %s)", len(got), len(want), winStart, winEnd)
	}
	seen := map[string]bool{}
	for i, s := range got {
		if !s.Start.Equal(want[i]) || s.End.Sub(s.Start) != 15*time.Minute {
			t.Fatalf("slot %d = %s-%s, want start %s", i, s.Start, s.End, want[i].In(loc))
		}
		if i > 0 && s.Start.Before(got[i-1].End) {
			t.Fatalf("slot %s overlaps %s", s.Start, got[i-1].Start)
		}
		label := s.Start.Format("15:04")
		if seen[label] {
			t.Fatalf("wall time %s yielded twice", label)
		}
		seen[label] = true
		if s.Start.Minute()%15 != 0 || s.Start.Before(winStart) || s.End.After(winEnd) {
			t.Fatalf("slot %s off the grid or outside %s-%s", s.Start, winStart, winEnd)
		}
		if err := sch.Check(ctx, Query{}, s.Start, s.End); err != nil {
			t.Fatalf("Check(%s): %v", s.Start, err)
		}
	}
	// On an ordinary day the window is 8h or 3h of slots; on a gap day the
	// missing wall times are missing, and on an overlap day the repeated
	// wall times are used once.
	if d == (scheduling.Date{Year: 2011, Month: 12, Day: 30}) && len(got) != 0 {
		t.Fatalf("Apia's skipped day has %d slots", len(got))
	}
}

// TestDSTPolicyExamples pins the documented policy with concrete numbers.
func TestDSTPolicyExamples(t *testing.T) {
	ctx := context.Background()
	count := func(zoneName string, d scheduling.Date, ws, we scheduling.TimeOfDay, dur time.Duration) []Slot {
		sch, err := Compile(&scheduling.Schedule{
			Availability: scheduling.Availability{TimeZone: zoneName, Rules: []scheduling.AvailabilityRule{{
				RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2020, Month: 1, Day: 1}, Start: ws, End: we}}},
			Policy: scheduling.SlotPolicy{Duration: dur},
		})
		if err != nil {
			t.Fatal(err)
		}
		from := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, sch.Location())
		var out []Slot
		for s := range sch.Search(ctx, Query{From: from, To: from.Add(20 * time.Hour)}).All() {
			out = append(out, s)
		}
		return out
	}
	for _, tc := range []struct {
		zone   string
		d      scheduling.Date
		ws, we scheduling.TimeOfDay
		dur    time.Duration
		n      int
		first  string
	}{
		// Spring forward in New York: 02:00-03:00 does not exist.
		{"America/New_York", scheduling.Date{Year: 2025, Month: 3, Day: 9}, scheduling.Clock(0, 30, 0), scheduling.Clock(3, 30, 0), 15 * time.Minute, 8, "00:30"},
		// A window starting in the gap starts at 03:00 EDT.
		{"America/New_York", scheduling.Date{Year: 2025, Month: 3, Day: 9}, scheduling.Clock(2, 30, 0), scheduling.Clock(4, 0, 0), 30 * time.Minute, 2, "03:00"},
		// Fall back: 01:00-02:00 happens twice; each wall time is used once.
		{"America/New_York", scheduling.Date{Year: 2025, Month: 11, Day: 2}, scheduling.Clock(0, 30, 0), scheduling.Clock(3, 30, 0), 15 * time.Minute, 12, "00:30"},
		// Lord Howe moves by 30 minutes.
		{"Australia/Lord_Howe", scheduling.Date{Year: 2025, Month: 10, Day: 5}, scheduling.Clock(0, 30, 0), scheduling.Clock(3, 30, 0), 15 * time.Minute, 10, "00:30"},
		{"Australia/Lord_Howe", scheduling.Date{Year: 2025, Month: 4, Day: 6}, scheduling.Clock(0, 30, 0), scheduling.Clock(3, 30, 0), 30 * time.Minute, 6, "00:30"},
		// Southern hemisphere, Sydney: spring forward in October.
		{"Australia/Sydney", scheduling.Date{Year: 2025, Month: 10, Day: 5}, scheduling.Clock(9, 0, 0), scheduling.Clock(17, 0, 0), time.Hour, 8, "09:00"},
	} {
		got := count(tc.zone, tc.d, tc.ws, tc.we, tc.dur)
		if len(got) != tc.n || len(got) > 0 && got[0].Start.Format("15:04") != tc.first {
			t.Errorf("%s %s %s-%s: %d slots starting %v, want %d starting %s", tc.zone, tc.d, tc.ws, tc.we, len(got),
				fmtSlots(got), tc.n, tc.first)
		}
	}
}
