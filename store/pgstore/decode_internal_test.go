package pgstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openslot/openslot/scheduling"
)

// stored encodes r as a write stores it.
func stored(t *testing.T, r scheduling.Resource) []byte {
	t.Helper()
	prepareWrite(r)
	body, err := encode(r)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestDecodeCache checks that a schedule decoded from the cache equals a
// fresh decode, is the caller's own copy, follows a changed body and the
// row's metadata, and that other types are not cached.
func TestDecodeCache(t *testing.T) {
	updated := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	sc := &scheduling.Schedule{
		Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "p1")},
		Availability: scheduling.Availability{TimeZone: "Europe/Vienna", Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=WEEKLY;BYDAY=MO", StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 5},
			Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(12, 0, 0)}}},
		Policy:  scheduling.SlotPolicy{Duration: 20 * time.Minute},
		Comment: "first",
	}
	body := stored(t, sc)
	var c decodeCache
	want, err := decodeResource("Schedule", "s1", 1, updated, body)
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.decode("Schedule", "s1", 1, updated, body)
	if err != nil {
		t.Fatal(err)
	}
	first.(*scheduling.Schedule).Actor[0].Reference = "Practitioner/changed by the caller"
	again, err := c.decode("Schedule", "s1", 2, updated.Add(time.Second), body)
	if err != nil {
		t.Fatal(err)
	}
	want.Metadata().Version, want.Metadata().LastUpdated = 2, updated.Add(time.Second)
	if d := cmp.Diff(want, again); d != "" {
		t.Errorf("cached decode differs from a fresh one (-want +got):\n%s", d)
	}

	sc.Comment = "second"
	changed, err := c.decode("Schedule", "s1", 3, updated, stored(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if got := changed.(*scheduling.Schedule).Comment; got != "second" {
		t.Errorf("after the body changed: comment %q, want %q", got, "second")
	}

	if _, err := c.decode("Patient", "p1", 1, updated, stored(t, &scheduling.Patient{})); err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 1 {
		t.Errorf("the cache holds %d entries, want only the schedule", len(c.m))
	}
	for i := range decodeCacheSize + 1 {
		if _, err := c.decode("Schedule", fmt.Sprint("s", i+2), 1, updated, body); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.m) > decodeCacheSize {
		t.Errorf("the cache holds %d entries, more than %d", len(c.m), decodeCacheSize)
	}
	if _, err := c.decode("Schedule", "s1", 1, updated, []byte("{")); err == nil {
		t.Error("a body that is not JSON decoded without error")
	}
}
