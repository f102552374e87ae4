package availability

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// A WEEKLY rule with BYSETPOS picks from the whole WKST week. Rules are
// expanded per calendar year from a re-anchored start; that start must be a
// week start, or the week that spans New Year is cut at the anchor and
// BYSETPOS picks from a partial week.
//
// For example FREQ=WEEKLY;BYDAY=MO,WE,SU;BYSETPOS=1 from Saturday
// 2025-01-25: in the week Mon 2027-12-27 .. Sun 2028-01-02 the first of MO,
// WE, SU is Monday 2027-12-27, so Sunday 2028-01-02 is not a date of the
// rule; expanding 2028 from Saturday 2028-01-01 saw only {SU 01-02}.
func TestWeeklyBySetPosAcrossNewYear(t *testing.T) {
	ctx := context.Background()
	d := func(y int, m time.Month, day int) scheduling.Date {
		return scheduling.Date{Year: y, Month: m, Day: day}
	}
	for _, tc := range []struct {
		rule     string
		start    scheduling.Date
		from, to scheduling.Date
		want     []scheduling.Date // every date of the rule in [from, to]
	}{
		{"FREQ=WEEKLY;BYDAY=MO,WE,SU;BYSETPOS=1", d(2025, 1, 25), d(2027, 12, 20), d(2028, 1, 9),
			[]scheduling.Date{d(2027, 12, 20), d(2027, 12, 27), d(2028, 1, 3)}},
		{"FREQ=WEEKLY;BYDAY=SA,SU,WE;BYSETPOS=2", d(2023, 3, 4), d(2027, 12, 26), d(2028, 1, 8),
			// weeks Mon-Sun: {WE 12-29, SA 01-01, SU 01-02} -> 01-01; {WE 01-05, SA 01-08, ...} -> 01-08
			[]scheduling.Date{d(2028, 1, 1), d(2028, 1, 8)}},
		{"FREQ=WEEKLY;WKST=SU;BYDAY=MO,TH,SA;BYSETPOS=1;INTERVAL=2", d(2024, 1, 2), d(2025, 12, 21), d(2026, 1, 17),
			// every other Sunday week from Sun 2023-12-31: Sun 2025-12-28 .. Sat 2026-01-03 -> MO 12-29;
			// Sun 2026-01-11 .. Sat 01-17 -> MO 01-12
			[]scheduling.Date{d(2025, 12, 29), d(2026, 1, 12)}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			sch := mustCompile(t, &scheduling.Schedule{
				Availability: scheduling.Availability{TimeZone: "Europe/Berlin", Rules: []scheduling.AvailabilityRule{{
					RRule: tc.rule, StartDate: tc.start, Start: 9 * 3600, End: 10 * 3600}}},
				Policy: scheduling.SlotPolicy{Duration: time.Hour},
			})
			loc, _ := time.LoadLocation("Europe/Berlin")
			from := tc.from.In(0, loc)
			to := tc.to.In(0, loc).AddDate(0, 0, 1)
			search := sch.Search(ctx, Query{From: from, To: to})
			var got []scheduling.Date
			for slot := range search.All() {
				got = append(got, scheduling.DateOf(slot.Start.In(loc)))
			}
			if err := search.Err(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("dates %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("dates %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// RFC 5545 (3.3.10) forbids some rule-part combinations, and BYEASTER is not
// part of it at all; rrule-go accepts them all and gives them meanings of
// its own. Compile must refuse them with ErrInvalidRule and say why, like
// it refuses an ordinal BYDAY outside MONTHLY and YEARLY.
func TestRefuseRulePartsRFC5545Forbids(t *testing.T) {
	for _, tc := range []struct{ rule, msg string }{
		{"FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY must not be used with FREQ=WEEKLY"},
		{"FREQ=DAILY;BYYEARDAY=100", "BYYEARDAY must not be used with FREQ=DAILY"},
		{"FREQ=MONTHLY;BYYEARDAY=100", "BYYEARDAY must not be used with FREQ=MONTHLY"},
		{"FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO needs FREQ=YEARLY"},
		{"FREQ=YEARLY;BYWEEKNO=20;BYDAY=1MO", "BYDAY=+1MO: an ordinal must not be used with BYWEEKNO"},
		{"FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS needs another BY rule part"},
		{"FREQ=YEARLY;BYEASTER=0", "BYEASTER is not part of RFC 5545"},
		{"FREQ=MONTHLY;BYDAY=0MO", "BYDAY=0MO: an ordinal must be 1 to 53 or -1 to -53"},
		{"FREQ=DAILY;", `"" is not NAME=VALUE`},
		{"FREQ=DAILY;COUNT", `"COUNT" is not NAME=VALUE`},
	} {
		s := &scheduling.Schedule{Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
			RRule: tc.rule, StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1}, Start: 9 * 3600, End: 10 * 3600}}}}
		_, err := Compile(s)
		want := "availability.rules[0].rrule: " + tc.msg
		if !errors.Is(err, ErrInvalidRule) || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%s: got %v, want an ErrInvalidRule ending %q", tc.rule, err, want)
		}
	}
	// What RFC 5545 allows still compiles.
	for _, rule := range []string{
		"FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "FREQ=YEARLY;BYYEARDAY=100,-1", "FREQ=MONTHLY;BYMONTHDAY=-1",
		"FREQ=DAILY;BYMONTHDAY=1,15", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=YEARLY;BYDAY=+53MO",
	} {
		s := &scheduling.Schedule{Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
			RRule: rule, StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1}, Start: 9 * 3600, End: 10 * 3600}}}}
		if _, err := Compile(s); err != nil {
			t.Errorf("%s: %v", rule, err)
		}
	}
}

// rrule-go indexes out of range (a panic) for a BYDAY ordinal beyond the
// fifth weekday of a month, in MONTHLY rules and YEARLY rules with BYMONTH
// (FuzzRule found FREQ=MONTHLY;BYDAY=8FR). Such an ordinal can never match a
// month; Compile must refuse it rather than panic.
func TestMonthOrdinalBeyondFiveRefused(t *testing.T) {
	for _, rule := range []string{
		"FREQ=MONTHLY;BYDAY=8FR", "FREQ=MONTHLY;BYDAY=-6FR", "FREQ=MONTHLY;BYDAY=1MO,53FR", "FREQ=MONTHLY;BYDAY=-53SU",
		"FREQ=YEARLY;BYMONTH=12;BYDAY=8FR", "FREQ=YEARLY;BYMONTH=1;BYDAY=-53FR",
	} {
		s := &scheduling.Schedule{Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
			RRule: rule, StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1}, Start: 9 * 3600, End: 10 * 3600}}}}
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: Compile panicked: %v", rule, p)
				}
			}()
			_, err = Compile(s)
		}()
		if !errors.Is(err, ErrInvalidRule) || !strings.Contains(err.Error(), "an ordinal within a month must be 1 to 5 or -1 to -5") {
			t.Errorf("%s: got %v, want ErrInvalidRule about the ordinal", rule, err)
		}
	}
	// Up to the fifth is fine, and a YEARLY ordinal without BYMONTH counts
	// weeks of the year.
	for _, rule := range []string{"FREQ=MONTHLY;BYDAY=5FR,-5MO", "FREQ=YEARLY;BYMONTH=2;BYDAY=5SU", "FREQ=YEARLY;BYDAY=53FR,-53MO"} {
		s := &scheduling.Schedule{Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
			RRule: rule, StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1}, Start: 9 * 3600, End: 10 * 3600}}}}
		if _, err := Compile(s); err != nil {
			t.Errorf("%s: %v", rule, err)
		}
	}
}
