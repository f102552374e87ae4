package availability

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// recordingSource is a BusySource that records the ranges asked for.
type recordingSource struct {
	mu     sync.Mutex
	list   BusyList
	ranges [][2]time.Time
}

func (r *recordingSource) Busy(ctx context.Context, from, to time.Time) ([]Busy, error) {
	r.mu.Lock()
	r.ranges = append(r.ranges, [2]time.Time{from, to})
	r.mu.Unlock()
	return r.list.Busy(ctx, from, to)
}

func w2Schedule(tb testing.TB) *Schedule {
	s, err := Compile(&scheduling.Schedule{
		Availability: scheduling.Availability{TimeZone: "Europe/Berlin", Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", StartDate: scheduling.Date{Year: 2020, Month: 1, Day: 6},
			Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}}},
		Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// W2: one practitioner, one year, the first 20 free slots. The search must
// touch only the days it needs, not the year.
func TestW2TouchesOnlyNeededDays(t *testing.T) {
	s := w2Schedule(t)
	from := time.Date(2025, 6, 7, 0, 0, 0, 0, s.Location()) // a Saturday
	src := &recordingSource{list: BusyList{{Start: from.Add(58 * time.Hour), End: from.Add(60 * time.Hour)}}}
	search := s.Search(context.Background(), Query{From: from, To: from.AddDate(1, 0, 0), Busy: src})
	n := 0
	for range search.All() {
		n++
		if n == 20 {
			break
		}
	}
	if err := search.Err(); err != nil || n != 20 {
		t.Fatalf("got %d slots, err %v", n, err)
	}
	if len(src.ranges) == 0 {
		t.Fatal("busy source never asked")
	}
	last := src.ranges[len(src.ranges)-1][1]
	// Sat, Sun, Mon (12 free), Tue (8 more): at most a week is read.
	if last.Sub(from) > 8*24*time.Hour {
		t.Fatalf("busy source read up to %s for the first 20 slots from %s: %v", last, from, src.ranges)
	}
	for i := 1; i < len(src.ranges); i++ {
		if src.ranges[i][0].Before(src.ranges[i-1][0]) {
			t.Fatalf("ranges not advancing: %v", src.ranges)
		}
	}
}

func BenchmarkW2First20(b *testing.B) {
	s := w2Schedule(b)
	from := time.Date(2025, 6, 7, 0, 0, 0, 0, s.Location())
	q := Query{From: from, To: from.AddDate(1, 0, 0), Busy: BusyList{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for range s.Search(ctx, q).All() {
			n++
			if n == 20 {
				break
			}
		}
	}
}

func BenchmarkW2WholeYear(b *testing.B) {
	s := w2Schedule(b)
	from := time.Date(2025, 6, 7, 0, 0, 0, 0, s.Location())
	q := Query{From: from, To: from.AddDate(1, 0, 0), Busy: BusyList{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for range s.Search(ctx, q).All() {
		}
	}
}
