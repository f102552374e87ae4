package availability_test

import (
	"context"
	"fmt"
	"time"

	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
)

func Example() {
	weekdays := "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
	sched := &scheduling.Schedule{
		Availability: scheduling.Availability{
			TimeZone: "Europe/Berlin",
			Rules: []scheduling.AvailabilityRule{
				// A split shift: 09:00-12:00 and 13:00-17:00, so 12:00-13:00 is a break.
				{RRule: weekdays, StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 6},
					Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(12, 0, 0)},
				{RRule: weekdays, StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 6},
					Start: scheduling.Clock(13, 0, 0), Duration: 4 * time.Hour},
			},
			// On Monday 2025-03-31 the clinic opens late, at 11:00, and closes at 13:00.
			Overrides: []scheduling.DateOverride{{Date: scheduling.Date{Year: 2025, Month: 3, Day: 31},
				Windows: []scheduling.LocalWindow{{Start: scheduling.Clock(11, 0, 0), End: scheduling.Clock(13, 0, 0)}}}},
		},
		Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute},
	}
	s, err := availability.Compile(sched)
	if err != nil {
		fmt.Println(err)
		return
	}
	berlin := s.Location()
	// One slot is already booked.
	booked := time.Date(2025, 3, 31, 11, 30, 0, 0, berlin)
	busy := availability.BusyList{{Start: booked, End: booked.Add(30 * time.Minute), Booking: true}}

	// Sunday 2025-03-30 is the day Berlin moves its clocks forward.
	from := time.Date(2025, 3, 29, 0, 0, 0, 0, berlin)
	search := s.Search(context.Background(), availability.Query{From: from, Busy: busy})
	n := 0
	for slot := range search.All() {
		fmt.Println(slot.Start.Format("Mon 2006-01-02 15:04 MST"), "-", slot.End.Format("15:04"))
		if n++; n == 6 {
			break
		}
	}
	if err := search.Err(); err != nil {
		fmt.Println(err)
	}
	fmt.Println(s.Check(context.Background(), availability.Query{Busy: busy}, booked, booked.Add(30*time.Minute)))
	// Output:
	// Mon 2025-03-31 11:00 CEST - 11:30
	// Mon 2025-03-31 12:00 CEST - 12:30
	// Mon 2025-03-31 12:30 CEST - 13:00
	// Tue 2025-04-01 09:00 CEST - 09:30
	// Tue 2025-04-01 09:30 CEST - 10:00
	// Tue 2025-04-01 10:00 CEST - 10:30
	// no capacity left: 2025-03-31T11:30:00+02:00: busy time within [start-0s, end+0s) uses all capacity 1
}

func ExampleAnyOf() {
	rule := func(start scheduling.TimeOfDay) *availability.Schedule {
		s, err := availability.Compile(&scheduling.Schedule{
			Availability: scheduling.Availability{TimeZone: "America/New_York", Rules: []scheduling.AvailabilityRule{{
				RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1},
				Start: start, End: start + scheduling.Clock(1, 0, 0)}}},
			Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute},
		})
		if err != nil {
			panic(err)
		}
		return s
	}
	drA, drB := rule(scheduling.Clock(9, 0, 0)), rule(scheduling.Clock(9, 30, 0))
	day := time.Date(2025, 5, 5, 0, 0, 0, 0, drA.Location())
	q := availability.Query{From: day, To: day.Add(24 * time.Hour)}
	search := availability.AnyOf(context.Background(), q, availability.PreferenceOrder,
		availability.Member{Schedule: drA}, availability.Member{Schedule: drB})
	for slot := range search.All() {
		fmt.Println(slot.Start.Format("15:04"), "member", slot.Members[0])
	}
	// Output:
	// 09:00 member 0
	// 09:30 member 0
	// 10:00 member 1
}

// BusyRange tells a caller that fetches busy time from a server which
// range a Check will read, so that it can fetch it ahead, together with
// other reads: the busy time that can touch the slot, from its start less
// the buffer before to its end plus the buffer after (whole weeks when the
// policy limits bookings per day or week, to count them).
func ExampleSchedule_BusyRange() {
	s, err := availability.Compile(&scheduling.Schedule{
		Availability: scheduling.Availability{TimeZone: "Europe/Berlin", Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 6},
			Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}}},
		Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, BufferBefore: 10 * time.Minute},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2025, 3, 31, 10, 0, 0, 0, s.Location())
	from, to, ok := s.BusyRange(availability.Query{}, start, start.Add(30*time.Minute))
	fmt.Println(from.In(s.Location()).Format("Mon 15:04"), "to", to.In(s.Location()).Format("Mon 15:04"), ok)
	// Output:
	// Mon 09:50 to Mon 10:30 true
}
