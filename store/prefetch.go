package store

import (
	"slices"
	"time"
)

// Prefetcher is an optional interface of a Tx, for stores that talk to a
// server: it lets a caller announce the reads it will make right after
// its next LockSchedules, so that the store sends them with the lock in
// one round trip instead of one round trip each. The Scheduler announces
// the schedules it books on and the busy time it will check before it
// locks them.
//
// Prefetch is a hint. A store answers a later Get or Busy from a
// prefetched read only when that read covers it (the same resource; the
// same schedules over a range that contains the one asked for), as if the
// read had been made just after the lock was taken; anything else goes to
// the database as usual. A write of the transaction to a prefetched
// resource, or any change of busy time, drops what it makes stale. A
// Prefetch that no LockSchedules follows costs nothing. Stores without
// round trips (memstore) do not implement it.
type Prefetcher interface {
	Prefetch(p Prefetch)
}

// Prefetch is what a transaction is about to read.
type Prefetch struct {
	// Resources are resources Get will be asked for.
	Resources []Key
	// Busy is busy time Busy will be asked for.
	Busy []BusyRange
}

// Key names a stored resource.
type Key struct{ Type, ID string }

// BusyRange is a Busy read: the entries of the schedules that overlap
// [From, To). Both bounds are required: an open range is never
// prefetched.
type BusyRange struct {
	ScheduleIDs []string
	From, To    time.Time
}

// Covers reports whether r returns every entry a Busy read of the
// schedules over [from, to) returns: it names every one of them and its
// range contains [from, to). Zero bounds (open) are covered by nothing.
func (r BusyRange) Covers(scheduleIDs []string, from, to time.Time) bool {
	if from.IsZero() || to.IsZero() || r.From.IsZero() || r.To.IsZero() ||
		from.Before(r.From) || to.After(r.To) {
		return false
	}
	for _, id := range scheduleIDs {
		if !slices.Contains(r.ScheduleIDs, id) {
			return false
		}
	}
	return true
}
