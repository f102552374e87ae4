package availability_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
)

// rangeRecorder is a BusySource that records the ranges it is asked for.
type rangeRecorder struct{ asked [][2]time.Time }

func (r *rangeRecorder) Busy(_ context.Context, from, to time.Time) ([]availability.Busy, error) {
	r.asked = append(r.asked, [2]time.Time{from, to})
	return nil, nil
}

// BusyRange must name exactly the range Check reads, whatever the zone
// (DST days included), buffers and limits, so that a prefetched read
// always answers Check.
func TestBusyRangeIsWhatCheckReads(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata"}
	policies := []scheduling.SlotPolicy{
		{Duration: 30 * time.Minute},
		{Duration: 30 * time.Minute, BufferBefore: 10 * time.Minute, BufferAfter: 20 * time.Minute},
		{Duration: 30 * time.Minute, MaxPerDay: 3},
		{Duration: 30 * time.Minute, MaxPerWeek: 9, BufferAfter: time.Hour},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for _, zone := range zones {
		for pi, pol := range policies {
			sc := &scheduling.Schedule{
				Availability: scheduling.Availability{TimeZone: zone, Rules: []scheduling.AvailabilityRule{{
					RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1},
					Start: scheduling.Clock(0, 0, 0), End: scheduling.Clock(23, 30, 0)}}},
				Policy: pol,
			}
			s, err := availability.Compile(sc)
			if err != nil {
				t.Fatal(err)
			}
			for range 200 {
				// Any half hour of 2025-2026, DST days included, one or two
				// slots long.
				start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(2*365*48)) * 30 * time.Minute)
				end := start.Add(time.Duration(1+rng.IntN(2)) * 30 * time.Minute)
				from, to, ok := s.BusyRange(availability.Query{}, start, end)
				rec := &rangeRecorder{}
				_ = s.Check(context.Background(), availability.Query{Busy: rec}, start, end)
				name := fmt.Sprintf("%s policy %d %s-%s", zone, pi, start.Format(time.RFC3339), end.Format("15:04"))
				switch {
				case len(rec.asked) == 0 && ok:
					// Check refused before reading: a prefetch is only wasted.
				case len(rec.asked) != 1:
					t.Fatalf("%s: Check read busy time %d times", name, len(rec.asked))
				case !ok:
					t.Fatalf("%s: BusyRange says Check reads nothing; it read %v", name, rec.asked[0])
				case !rec.asked[0][0].Equal(from) || !rec.asked[0][1].Equal(to):
					t.Fatalf("%s: BusyRange %s to %s; Check read %s to %s", name, from, to, rec.asked[0][0], rec.asked[0][1])
				default:
					checked++
				}
			}
		}
	}
	t.Logf("%d checks read busy time over the range BusyRange named", checked)
	if checked < 1000 {
		t.Fatalf("only %d checks read busy time; the test exercises too little", checked)
	}
	if _, _, ok := mustCompileClosed(t).BusyRange(availability.Query{}, time.Now(), time.Now().Add(time.Hour)); ok {
		t.Error("an inactive schedule's Check reads nothing, but BusyRange says it does")
	}
}

func mustCompileClosed(t *testing.T) *availability.Schedule {
	t.Helper()
	off := false
	s, err := availability.Compile(&scheduling.Schedule{Active: &off, Availability: scheduling.Availability{TimeZone: "UTC"},
		Policy: scheduling.SlotPolicy{Duration: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
