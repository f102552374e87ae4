package availability

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

func mustCompile(t testing.TB, s *scheduling.Schedule) *Schedule {
	t.Helper()
	c, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func daily(tz string, start, end scheduling.TimeOfDay, p scheduling.SlotPolicy) *scheduling.Schedule {
	return &scheduling.Schedule{Availability: scheduling.Availability{TimeZone: tz, Rules: []scheduling.AvailabilityRule{{
		RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1}, Start: start, End: end}}}, Policy: p}
}

func starts(slots []Slot) []string {
	var out []string
	for _, s := range slots {
		out = append(out, s.Start.Format("01-02 15:04"))
	}
	return out
}

type failingSource struct{}

var errBroken = errors.New("broken")

func (failingSource) Busy(context.Context, time.Time, time.Time) ([]Busy, error) {
	return nil, errBroken
}

func TestSearchErrorsAndStops(t *testing.T) {
	sch := mustCompile(t, daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(17, 0, 0), scheduling.SlotPolicy{}))
	from := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)

	s := sch.Search(context.Background(), Query{From: from, Busy: failingSource{}})
	if n := len(slices.Collect(s.All())); n != 0 || !errors.Is(s.Err(), errBroken) {
		t.Fatalf("busy failure: %d slots, err %v", n, s.Err())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s = sch.Search(ctx, Query{From: from})
	n := 0
	for range s.All() {
		if n++; n == 3 {
			cancel()
		}
	}
	if !errors.Is(s.Err(), context.Canceled) || n > 3+16 {
		t.Fatalf("cancel: %d slots, err %v", n, s.Err())
	}
	s = sch.Search(context.Background(), Query{})
	if !errors.Is(s.Err(), ErrInvalidQuery) {
		t.Fatalf("no from: %v", s.Err())
	}
	s = sch.Search(context.Background(), Query{From: from, To: from.Add(-time.Hour)})
	if !errors.Is(s.Err(), ErrInvalidQuery) {
		t.Fatalf("to before from: %v", s.Err())
	}
	s = sch.Search(context.Background(), Query{From: from, To: from.Add(24 * time.Hour)})
	if n := len(slices.Collect(s.All())); n != 16 {
		t.Fatalf("%d slots in a day", n)
	}
	if n := len(slices.Collect(s.All())); n != 0 || !errors.Is(s.Err(), ErrInvalidQuery) {
		t.Fatalf("second iteration: %d slots, %v", n, s.Err())
	}
}

func TestUnboundedSearchEnds(t *testing.T) {
	s := daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(10, 0, 0), scheduling.SlotPolicy{})
	s.Availability.Rules[0].RRule = "FREQ=DAILY;COUNT=3"
	sch := mustCompile(t, s)
	got := slices.Collect(sch.Search(context.Background(), Query{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}).All())
	if len(got) != 6 {
		t.Fatalf("COUNT=3 gave %v", starts(got))
	}
	// An open-ended block closes everything after its start.
	s = daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(10, 0, 0), scheduling.SlotPolicy{})
	s.Availability.Blocks = []scheduling.Block{{Period: scheduling.Period{Start: time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC)}}}
	sch = mustCompile(t, s)
	got = slices.Collect(sch.Search(context.Background(), Query{From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}).All())
	if len(got) != 4 {
		t.Fatalf("open block: %v", starts(got))
	}
	// An inactive schedule has nothing.
	inactive := false
	s.Active = &inactive
	sch = mustCompile(t, s)
	from := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	if got := slices.Collect(sch.Search(context.Background(), Query{From: from}).All()); len(got) != 0 {
		t.Fatalf("inactive: %v", starts(got))
	}
	if err := sch.Check(context.Background(), Query{}, from, from.Add(30*time.Minute)); !errors.Is(err, ErrOutsideAvailability) {
		t.Fatalf("inactive check: %v", err)
	}
}

func TestPolicyRules(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC) // a Monday
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	p := scheduling.SlotPolicy{Duration: 30 * time.Minute, GridInterval: 30 * time.Minute, GridOffset: 15 * time.Minute,
		BufferAfter: 15 * time.Minute, MinNotice: time.Hour, Horizon: 48 * time.Hour, Capacity: 2, MaxPerDay: 3}
	sch := mustCompile(t, daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(12, 0, 0), p))
	busy := BusyList{
		{Start: at(10, 15), End: at(10, 45), Booking: true},
		{Start: at(10, 15), End: at(10, 45), Booking: true},
	}
	q := Query{From: day, To: day.Add(24 * time.Hour), Now: at(8, 30), Busy: busy}
	got := starts(slices.Collect(sch.Search(ctx, q).All()))
	// Grid 09:15, 09:45, ...; 09:15 is inside the notice (08:30+1h);
	// 09:45 ends 10:15 but its 15-minute after-buffer touches the full
	// 10:15-10:45; 10:15 is full; 11:15 ends 11:45, fine; 11:45 would end
	// after 12:00.
	want := []string{"05-05 10:45", "05-05 11:15"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, tc := range []struct {
		start, end time.Time
		want       error
	}{
		{at(9, 15), at(9, 45), ErrTooSoon},
		{at(9, 45), at(10, 15), ErrFull},
		{at(10, 0), at(10, 30), ErrOutsideAvailability},  // off the grid
		{at(10, 45), at(11, 0), ErrOutsideAvailability},  // wrong length
		{at(10, 45), at(11, 45), nil},                    // two grid slots
		{at(11, 45), at(12, 15), ErrOutsideAvailability}, // past the window
		{at(10, 45).Add(72 * time.Hour), at(11, 15).Add(72 * time.Hour), ErrTooFar},
	} {
		if err := sch.Check(ctx, q, tc.start, tc.end); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("Check(%s-%s) = %v, want %v", tc.start.Format("15:04"), tc.end.Format("15:04"), err, tc.want)
		}
	}
	// A third booking that day reaches MaxPerDay 3.
	q.Busy = append(busy, Busy{Start: at(20, 0), End: at(20, 30), Booking: true})
	if err := sch.Check(ctx, q, at(10, 45), at(11, 15)); !errors.Is(err, ErrLimit) {
		t.Fatalf("limit: %v", err)
	}
	if got := slices.Collect(sch.Search(ctx, q).All()); len(got) != 0 {
		t.Fatalf("limit reached but Search yields %v", starts(got))
	}
}

func TestServiceScoping(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)
	s := daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(11, 0, 0), scheduling.SlotPolicy{Duration: time.Hour})
	s.Availability.Rules = append(s.Availability.Rules, scheduling.AvailabilityRule{RRule: "FREQ=DAILY",
		StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1}, Start: scheduling.Clock(14, 0, 0), End: scheduling.Clock(15, 0, 0),
		Services: []scheduling.CodeableConcept{serviceA}})
	s.Availability.Blocks = []scheduling.Block{{Period: scheduling.Period{Start: day.Add(9 * time.Hour), End: day.Add(10 * time.Hour)},
		Services: []scheduling.CodeableConcept{serviceA}, Reason: "A only"}}
	sch := mustCompile(t, s)
	q := Query{From: day, To: day.Add(24 * time.Hour)}
	if got := starts(slices.Collect(sch.Search(ctx, q).All())); !slices.Equal(got, []string{"05-05 09:00", "05-05 10:00"}) {
		t.Fatalf("no service: %v", got)
	}
	q.Service = &serviceA
	if got := starts(slices.Collect(sch.Search(ctx, q).All())); !slices.Equal(got, []string{"05-05 10:00", "05-05 14:00"}) {
		t.Fatalf("service A: %v", got)
	}
	err := sch.Check(ctx, q, day.Add(9*time.Hour), day.Add(10*time.Hour))
	if !errors.Is(err, ErrOutsideAvailability) || !strings.Contains(err.Error(), "availability.blocks[0] (A only)") {
		t.Fatalf("block diagnosis: %v", err)
	}
}

func TestAllOfAndAnyOf(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	doctor := mustCompile(t, daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(12, 0, 0), scheduling.SlotPolicy{Duration: 30 * time.Minute}))
	// The room is in another zone and needs 15 minutes of cleaning after use.
	room := mustCompile(t, daily("Europe/Berlin", scheduling.Clock(11, 0, 0), scheduling.Clock(14, 0, 0),
		scheduling.SlotPolicy{Duration: 10 * time.Minute, BufferAfter: 15 * time.Minute}))
	roomBusy := BusyList{{Start: at(10, 15), End: at(10, 30)}}
	q := Query{From: day, To: day.Add(24 * time.Hour)}
	all := AllOf(ctx, q, Member{Schedule: doctor}, Member{Schedule: room, Busy: roomBusy})
	var got []string
	for s := range all.All() {
		got = append(got, s.Start.UTC().Format("15:04"))
		if !slices.Equal(s.Members, []int{0, 1}) {
			t.Fatalf("members %v", s.Members)
		}
		if err := CheckAllOf(ctx, q, s.Start, s.End, Member{Schedule: doctor}, Member{Schedule: room, Busy: roomBusy}); err != nil {
			t.Fatalf("CheckAllOf(%s): %v", s.Start, err)
		}
	}
	if err := all.Err(); err != nil {
		t.Fatal(err)
	}
	// Room open 09:00-12:00 UTC; busy 10:15-10:30, so with its 15-minute
	// after-buffer 09:30 (ends 10:00, buffer to 10:15) is fine, 10:00 is not.
	if want := []string{"09:00", "09:30", "10:30", "11:00", "11:30"}; !slices.Equal(got, want) {
		t.Fatalf("AllOf: %v, want %v", got, want)
	}
	if err := CheckAllOf(ctx, q, at(10, 0), at(10, 30), Member{Schedule: doctor}, Member{Schedule: room, Busy: roomBusy}); !errors.Is(err, ErrFull) {
		t.Fatalf("CheckAllOf busy room: %v", err)
	}

	// AnyOf with LeastBooked: B has fewer bookings that day, so B wins ties.
	a := mustCompile(t, daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(10, 0, 0), scheduling.SlotPolicy{}))
	b := mustCompile(t, daily("UTC", scheduling.Clock(9, 0, 0), scheduling.Clock(11, 0, 0), scheduling.SlotPolicy{}))
	aBusy := BusyList{{Start: at(15, 0), End: at(15, 30), Booking: true}}
	anyOf := AnyOf(ctx, q, LeastBooked, Member{Schedule: a, Busy: aBusy}, Member{Schedule: b})
	var picks []int
	for s := range anyOf.All() {
		picks = append(picks, s.Members[0])
	}
	if err := anyOf.Err(); err != nil || !slices.Equal(picks, []int{1, 1, 1, 1}) {
		t.Fatalf("LeastBooked picks %v, err %v", picks, err)
	}
	anyOf = AnyOf(ctx, q, PreferenceOrder, Member{Schedule: a, Busy: aBusy}, Member{Schedule: b})
	picks = picks[:0]
	for s := range anyOf.All() {
		picks = append(picks, s.Members[0])
	}
	if !slices.Equal(picks, []int{0, 0, 1, 1}) {
		t.Fatalf("PreferenceOrder picks %v", picks)
	}
	if m := AnyOf(ctx, q, Choice(7), Member{Schedule: a}); !errors.Is(m.Err(), ErrInvalidQuery) {
		t.Fatalf("bad choice: %v", m.Err())
	}
	if m := AllOf(ctx, q); !errors.Is(m.Err(), ErrInvalidQuery) {
		t.Fatalf("no members: %v", m.Err())
	}
	failing := AnyOf(ctx, q, PreferenceOrder, Member{Schedule: a, Busy: failingSource{}}, Member{Schedule: b})
	for range failing.All() {
	}
	if !errors.Is(failing.Err(), errBroken) {
		t.Fatalf("AnyOf busy failure: %v", failing.Err())
	}
}

// Search and Check are safe for concurrent use of one Schedule.
func TestConcurrentUse(t *testing.T) {
	s := baseSchedule()
	s.Availability.Rules[0].RRule = "FREQ=MONTHLY;BYDAY=1MO,3WE"
	sch := mustCompile(t, s)
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := len(slices.Collect(sch.Search(ctx, Query{From: from, To: from.AddDate(1, 0, 0)}).All()))
	errs := make(chan int, 8)
	for range 8 {
		go func() {
			errs <- len(slices.Collect(sch.Search(ctx, Query{From: from, To: from.AddDate(1, 0, 0)}).All()))
		}()
	}
	for range 8 {
		if n := <-errs; n != want || n == 0 {
			t.Fatalf("concurrent search found %d, want %d", n, want)
		}
	}
}
