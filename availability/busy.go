package availability

import (
	"context"
	"time"
)

// Busy is time that uses a schedule's capacity: an appointment, a live hold,
// an explicit busy slot or an external busy interval. The caller decides
// which holds are live; an expired hold is simply not passed in.
type Busy struct {
	// Start and End bound the busy time, half-open. Entries with End not
	// after Start are ignored.
	Start, End time.Time
	// Count is how many capacity units the entry uses; 0 (or less) means 1.
	Count int
	// Booking marks an appointment or hold. Bookings count toward
	// SlotPolicy.MaxPerDay and MaxPerWeek, by the local date they start on,
	// and toward the LeastBooked choice of AnyOf.
	Booking bool
}

// BusySource yields the busy time overlapping [from, to). The engine asks in
// chunks of local days as it advances, so an unbounded search touches only
// what it needs. Results may be in any order. Busy is called from the
// goroutine that iterates the search.
type BusySource interface {
	Busy(ctx context.Context, from, to time.Time) ([]Busy, error)
}

// BusyList is a BusySource over a fixed slice.
type BusyList []Busy

// Busy returns the entries of l that overlap [from, to).
func (l BusyList) Busy(_ context.Context, from, to time.Time) ([]Busy, error) {
	n := 0
	for _, b := range l {
		if b.Start.Before(to) && b.End.After(from) {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]Busy, 0, n)
	for _, b := range l {
		if b.Start.Before(to) && b.End.After(from) {
			out = append(out, b)
		}
	}
	return out, nil
}
