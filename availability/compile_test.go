package availability

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

func baseSchedule() *scheduling.Schedule {
	return &scheduling.Schedule{Availability: scheduling.Availability{TimeZone: "Europe/Vienna",
		Rules: []scheduling.AvailabilityRule{{RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1},
			Start: scheduling.Clock(8, 0, 0), End: scheduling.Clock(12, 0, 0)}}}}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(s *scheduling.Schedule)
		path   string
	}{
		{"unknown zone", func(s *scheduling.Schedule) { s.Availability.TimeZone = "Mars/Olympus" }, "availability.timeZone"},
		{"local zone", func(s *scheduling.Schedule) { s.Availability.TimeZone = "Local" }, "availability.timeZone"},
		{"missing zone", func(s *scheduling.Schedule) { s.Availability.TimeZone = "" }, "availability.timeZone"},
		{"bad rrule", func(s *scheduling.Schedule) { s.Availability.Rules[0].RRule = "FREQ=DAILY;FOO=1" }, "availability.rules[0].rrule"},
		{"hourly", func(s *scheduling.Schedule) { s.Availability.Rules[0].RRule = "FREQ=HOURLY" }, "availability.rules[0].rrule"},
		{"byhour", func(s *scheduling.Schedule) { s.Availability.Rules[0].RRule = "FREQ=DAILY;BYHOUR=9" }, "availability.rules[0].rrule"},
		{"dtstart", func(s *scheduling.Schedule) { s.Availability.Rules[0].RRule = "FREQ=DAILY;DTSTART=20250101" }, "availability.rules[0].rrule"},
		{"count and until", func(s *scheduling.Schedule) { s.Availability.Rules[0].RRule = "FREQ=DAILY;COUNT=2;UNTIL=20250101" }, "availability.rules[0].rrule"},
		{"weekly ordinal", func(s *scheduling.Schedule) { s.Availability.Rules[0].RRule = "FREQ=WEEKLY;BYDAY=2MO" }, "availability.rules[0].rrule"},
		{"bysetpos zero", func(s *scheduling.Schedule) { s.Availability.Rules[0].RRule = "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0" }, "availability.rules[0].rrule"},
		{"no start date", func(s *scheduling.Schedule) { s.Availability.Rules[0].StartDate = scheduling.Date{} }, "availability.rules[0].startDate"},
		{"bad date", func(s *scheduling.Schedule) {
			s.Availability.Rules[0].StartDate = scheduling.Date{Year: 2025, Month: 2, Day: 30}
		}, "availability.rules[0].startDate"},
		{"bad start", func(s *scheduling.Schedule) { s.Availability.Rules[0].Start = 86400 }, "availability.rules[0].start"},
		{"bad end", func(s *scheduling.Schedule) { s.Availability.Rules[0].End = -1 }, "availability.rules[0].end"},
		{"long duration", func(s *scheduling.Schedule) { s.Availability.Rules[0].Duration = 25 * time.Hour }, "availability.rules[0].duration"},
		{"bad exdate", func(s *scheduling.Schedule) {
			s.Availability.Rules[0].ExDates = []scheduling.Date{{Year: 2025, Month: 13, Day: 1}}
		}, "availability.rules[0].exdates[0]"},
		{"bad day of week", func(s *scheduling.Schedule) {
			s.Availability.AvailableTimes = []scheduling.AvailableTime{{DaysOfWeek: []scheduling.DayOfWeek{"monday"}}}
		}, "availability.availableTimes[0].daysOfWeek[0]"},
		{"duplicate override", func(s *scheduling.Schedule) {
			d := scheduling.Date{Year: 2025, Month: 5, Day: 1}
			s.Availability.Overrides = []scheduling.DateOverride{{Date: d}, {Date: d}}
		}, "availability.overrides[1].date"},
		{"empty block", func(s *scheduling.Schedule) { s.Availability.Blocks = []scheduling.Block{{}} }, "availability.blocks[0].period"},
		{"reversed notAvailable", func(s *scheduling.Schedule) {
			now := time.Now()
			s.Availability.NotAvailable = []scheduling.NotAvailable{{During: scheduling.Period{Start: now, End: now}}}
		}, "availability.notAvailable[0].during"},
		{"negative capacity", func(s *scheduling.Schedule) { s.Policy.Capacity = -1 }, "policy.capacity"},
		{"tiny grid", func(s *scheduling.Schedule) { s.Policy.GridInterval = time.Second }, "policy.gridInterval"},
		{"fractional duration", func(s *scheduling.Schedule) { s.Policy.Duration = 30*time.Minute + time.Millisecond }, "policy.duration"},
		{"service without code", func(s *scheduling.Schedule) {
			s.ServicePolicies = []scheduling.ServicePolicy{{Service: scheduling.CodeableConcept{Text: "x"}}}
		}, "servicePolicies[0].service"},
		{"reversed planning horizon", func(s *scheduling.Schedule) {
			now := time.Now()
			s.PlanningHorizon = &scheduling.Period{Start: now, End: now.Add(-time.Hour)}
		}, "planningHorizon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSchedule()
			tc.modify(s)
			_, err := Compile(s)
			if !errors.Is(err, ErrInvalidRule) {
				t.Fatalf("err = %v, want ErrInvalidRule", err)
			}
			if !strings.Contains(err.Error(), tc.path+":") {
				t.Fatalf("err = %q does not name %s", err, tc.path)
			}
		})
	}
	if _, err := Compile(nil); !errors.Is(err, ErrInvalidRule) {
		t.Fatalf("Compile(nil) = %v", err)
	}
}

func TestPolicyDefaults(t *testing.T) {
	s := baseSchedule()
	s.ServicePolicies = []scheduling.ServicePolicy{{Service: serviceA, Policy: scheduling.SlotPolicy{Duration: time.Hour, Capacity: 3}}}
	sch, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	p := sch.Policy(nil)
	if p.Duration != DefaultDuration || p.GridInterval != DefaultDuration || p.Capacity != 1 {
		t.Fatalf("defaults not filled: %+v", p)
	}
	other := scheduling.Concept("", "A", "") // an empty system matches any system
	if p := sch.Policy(&other); p.Duration != time.Hour || p.GridInterval != time.Hour || p.Capacity != 3 {
		t.Fatalf("service policy: %+v", p)
	}
	if sch.Location().String() != "Europe/Vienna" {
		t.Fatal(sch.Location())
	}
}

// A rule that started long ago costs the same as a new one, and a monthly
// rule with ordinals lands on the right days far from its start.
func TestGeneralRuleFarFromStart(t *testing.T) {
	s := baseSchedule()
	s.Availability.Rules[0] = scheduling.AvailabilityRule{RRule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR",
		StartDate: scheduling.Date{Year: 1950, Month: 1, Day: 1}, Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(10, 0, 0)}
	s.Policy.Duration = time.Hour
	sch, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2091, 1, 1, 0, 0, 0, 0, sch.Location())
	var got []string
	for slot := range sch.Search(context.Background(), Query{From: from, To: from.AddDate(0, 6, 0)}).All() {
		got = append(got, slot.Start.Format("2006-01-02"))
	}
	// 1950-01 + 2k months: odd months. Last Fridays of Jan, Mar, May 2091.
	want := []string{"2091-01-26", "2091-03-30", "2091-05-25"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got, want)
	}
}
