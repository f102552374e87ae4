package availability

import (
	"context"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// FuzzRule compiles arbitrary RRULE text and windows. Compile must either
// refuse with ErrInvalidRule or produce a schedule whose slots come in
// order, pass Check, and never panic.
func FuzzRule(f *testing.F) {
	for _, s := range []string{
		"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
		"FREQ=MONTHLY;BYDAY=2MO,-1FR",
		"FREQ=MONTHLY;BYMONTHDAY=1,15,-1;BYSETPOS=2",
		"FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;UNTIL=20300101",
		"FREQ=DAILY;INTERVAL=3;COUNT=10",
		"FREQ=HOURLY",
		"FREQ=DAILY;BYHOUR=9",
		"RRULE:FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=TU",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
		"",
	} {
		f.Add(s, "Europe/Berlin", int32(9*3600), int32(17*3600), int64(0), int64(30))
	}
	f.Add("FREQ=DAILY", "Australia/Lord_Howe", int32(30*60), int32(3*3600+1800), int64(0), int64(15))
	f.Add("FREQ=DAILY", "Nowhere/City", int32(0), int32(0), int64(0), int64(15))
	f.Fuzz(func(t *testing.T, rule, tz string, start, end int32, durMin, slotMin int64) {
		s := &scheduling.Schedule{
			Availability: scheduling.Availability{TimeZone: tz, Rules: []scheduling.AvailabilityRule{{
				RRule: rule, StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1},
				Start: scheduling.TimeOfDay(start), End: scheduling.TimeOfDay(end), Duration: time.Duration(durMin) * time.Minute,
			}}},
			Policy: scheduling.SlotPolicy{Duration: time.Duration(slotMin) * time.Minute},
		}
		sch, err := Compile(s)
		if err != nil {
			return
		}
		ctx := context.Background()
		from := time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)
		search := sch.Search(ctx, Query{From: from, To: from.AddDate(0, 0, 10)})
		var prev Slot
		n := 0
		for slot := range search.All() {
			if !slot.End.After(slot.Start) || slot.Start.Before(prev.Start) || slot.Start.Equal(prev.Start) && n > 0 {
				t.Fatalf("slot %v after %v", slot, prev)
			}
			if err := sch.Check(ctx, Query{}, slot.Start, slot.End); err != nil {
				t.Fatalf("Check(%v): %v", slot, err)
			}
			prev = slot
			if n++; n > 2000 {
				break
			}
		}
		if err := search.Err(); err != nil {
			t.Fatal(err)
		}
	})
}
