package availability

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// A slot that starts on the last day of a search chunk and, because the next
// local day is short (spring forward) or missing (Apia 2011-12-30), ends two
// local days later must still be found: Check accepts it, and Search must
// yield every slot Check accepts.
func TestSearchSlotEndingTwoDaysLater(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		zone  string
		from  scheduling.Date // the search starts at its local midnight: the first chunk is this one day
		pol   scheduling.SlotPolicy
		start string // the slot, local time
		end   string
	}{
		// Sydney springs forward on 2025-10-05 (a 23-hour day): a 24-hour
		// booking from 23:30 on the 4th ends at 00:30 on the 6th.
		{"Australia/Sydney", scheduling.Date{Year: 2025, Month: 10, Day: 4},
			scheduling.SlotPolicy{Duration: 24 * time.Hour, GridInterval: 30 * time.Minute},
			"2025-10-04T23:30:00+10:00", "2025-10-06T00:30:00+11:00"},
		// Samoa skipped 2011-12-30: an hour from 23:30 on the 29th ends at
		// 00:30 on the 31st.
		{"Pacific/Apia", scheduling.Date{Year: 2011, Month: 12, Day: 29},
			scheduling.SlotPolicy{Duration: time.Hour, GridOffset: 30 * time.Minute},
			"2011-12-29T23:30:00-10:00", "2011-12-31T00:30:00+14:00"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			sch := mustCompile(t, &scheduling.Schedule{
				Availability: scheduling.Availability{TimeZone: tc.zone,
					AvailableTimes: []scheduling.AvailableTime{{AllDay: true}}},
				Policy: tc.pol,
			})
			start, _ := time.Parse(time.RFC3339, tc.start)
			end, _ := time.Parse(time.RFC3339, tc.end)
			if err := sch.Check(ctx, Query{}, start, end); err != nil {
				t.Fatalf("Check(%s-%s): %v", tc.start, tc.end, err)
			}
			from := time.Date(tc.from.Year, tc.from.Month, tc.from.Day, 0, 0, 0, 0, sch.Location())
			search := sch.Search(ctx, Query{From: from, To: from.Add(72 * time.Hour)})
			got := slices.Collect(search.All())
			if err := search.Err(); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(got, func(s Slot) bool { return s.Start.Equal(start) && s.End.Equal(end) }) {
				t.Fatalf("Search does not yield %s-%s, which Check accepts", tc.start, tc.end)
			}
		})
	}
}

// The engine supports dates up to 2100-01-01, and Check refuses a booking
// that ends after that; Search must not yield such a slot either (it clamps
// From to 1900-01-01 and must clamp the end alike).
func TestSearchEndsAt2100LikeCheck(t *testing.T) {
	ctx := context.Background()
	sch := mustCompile(t, daily("UTC", scheduling.Clock(22, 0, 0), scheduling.Clock(2, 0, 0),
		scheduling.SlotPolicy{Duration: time.Hour, GridInterval: 30 * time.Minute}))
	from := time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
	search := sch.Search(ctx, Query{From: from})
	n := 0
	for s := range search.All() {
		n++
		if err := sch.Check(ctx, Query{}, s.Start, s.End); err != nil {
			t.Errorf("Search yields %s-%s, which Check refuses: %v", s.Start.Format(time.RFC3339),
				s.End.Format(time.RFC3339), err)
		}
	}
	if err := search.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no slots on 2099-12-31")
	}
}
