package store_test

import (
	"testing"
	"time"

	"github.com/openslot/openslot/store"
)

func TestBusyRangeCovers(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC) }
	r := store.BusyRange{ScheduleIDs: []string{"a", "b"}, From: at(8), To: at(12)}
	cases := []struct {
		name     string
		ids      []string
		from, to time.Time
		want     bool
	}{
		{"the same read", []string{"a", "b"}, at(8), at(12), true},
		{"inside, one schedule", []string{"b"}, at(9), at(10), true},
		{"another schedule", []string{"a", "c"}, at(9), at(10), false},
		{"starts before", []string{"a"}, at(7), at(10), false},
		{"ends after", []string{"a"}, at(9), at(13), false},
		{"open start", []string{"a"}, time.Time{}, at(10), false},
		{"open end", []string{"a"}, at(9), time.Time{}, false},
	}
	for _, c := range cases {
		if got := r.Covers(c.ids, c.from, c.to); got != c.want {
			t.Errorf("%s: Covers = %v; want %v", c.name, got, c.want)
		}
	}
	if (store.BusyRange{ScheduleIDs: []string{"a"}}).Covers([]string{"a"}, at(9), at(10)) {
		t.Error("an open range covers nothing")
	}
}
