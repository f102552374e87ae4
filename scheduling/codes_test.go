package scheduling

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// checkCodes checks a code set: every listed value parses to itself and is
// Valid; near misses are rejected with ErrInvalid and an error that lists
// the valid values.
func checkCodes[T ~string](t *testing.T, name string, all []T, parse func(string) (T, error), valid func(T) bool, want int) {
	t.Helper()
	if len(all) != want {
		t.Errorf("%s: %d codes, want %d", name, len(all), want)
	}
	seen := map[T]bool{}
	for _, c := range all {
		if seen[c] {
			t.Errorf("%s: %q listed twice", name, c)
		}
		seen[c] = true
		got, err := parse(string(c))
		if err != nil || got != c || !valid(c) {
			t.Errorf("%s: parse(%q) = %q, %v; Valid = %v", name, c, got, err, valid(c))
		}
		for _, bad := range []string{strings.ToUpper(string(c)), " " + string(c), string(c) + "x"} {
			got, err := parse(bad)
			if !errors.Is(err, ErrInvalid) || got != "" || valid(T(bad)) {
				t.Errorf("%s: parse(%q) = %q, %v; want ErrInvalid", name, bad, got, err)
			}
		}
	}
	_, err := parse("")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), string(all[0])) {
		t.Errorf("%s: parse(\"\") error %v does not name the code set and its values", name, err)
	}
}

func TestCodeSets(t *testing.T) {
	checkCodes(t, "appointment status", AppointmentStatuses(), ParseAppointmentStatus, AppointmentStatus.Valid, 10)
	checkCodes(t, "slot status", SlotStatuses(), ParseSlotStatus, SlotStatus.Valid, 5)
	checkCodes(t, "participation status", ParticipationStatuses(), ParseParticipationStatus, ParticipationStatus.Valid, 4)
	checkCodes(t, "participant required", ParticipantRequiredCodes(), ParseParticipantRequired, ParticipantRequired.Valid, 3)
	checkCodes(t, "day of week", DaysOfWeek(), ParseDayOfWeek, DayOfWeek.Valid, 7)
	_, err := ParseSlotStatus("open")
	const want = `invalid: slot status "open" is not one of busy, free, busy-unavailable, busy-tentative, entered-in-error`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestDayOfWeekWeekday(t *testing.T) {
	want := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i, d := range DaysOfWeek() {
		if d.Weekday() != want[i] {
			t.Errorf("%s.Weekday() = %v, want %v", d, d.Weekday(), want[i])
		}
	}
	if DayOfWeek("xyz").Weekday() != -1 {
		t.Errorf("invalid day maps to a weekday")
	}
}
