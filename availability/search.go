package availability

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// Query says what to search for or check.
type Query struct {
	// From is the earliest slot start; zero means Now. Slots start at or
	// after From.
	From time.Time
	// To is the latest slot end; zero means unbounded: the search then ends
	// at the booking horizon, the planning horizon, the last date any rule
	// or override can yield, or when the caller stops, whichever is first
	// (and in any case at 2100-01-01).
	To time.Time
	// Now is the current time, for MinNotice and Horizon. With Now set,
	// slots start at or after Now+MinNotice (so never in the past) and, when
	// the policy has a Horizon, at or before Now+Horizon. Zero means neither
	// check is made.
	Now time.Time
	// Service selects the ServicePolicy whose Service shares a coding with
	// it (same code, same system or either system empty), the rules scoped
	// to it, and the blocks scoped to it. Unscoped rules and blocks always
	// apply. Nil selects the schedule's own Policy and only unscoped rules
	// and blocks.
	Service *scheduling.CodeableConcept
	// Busy is the busy time of the schedule; nil means nothing is busy.
	Busy BusySource
}

// Slot is a free, bookable slot.
type Slot struct {
	// Start and End are in the schedule's Location.
	Start, End time.Time
	// Free is the capacity left: Capacity minus the most capacity in use at
	// any instant of [Start-BufferBefore, End+BufferAfter). It is at least 1.
	Free int
}

// Search is a running search for free slots. Use All once, then Err.
type Search struct {
	c        *cursor
	from, to int64
	first    int64 // first local day
	stop     int64 // day after the last local day
	err      error
	used     bool
	maxChunk int64
}

// Search starts a search for the free slots of s that q asks for. Nothing
// is computed and no busy time is read until the iteration of All runs.
func (s *Schedule) Search(ctx context.Context, q Query) *Search {
	r := &Search{maxChunk: 32}
	if ctx == nil {
		ctx = context.Background()
	}
	if q.From.IsZero() {
		q.From = q.Now
	}
	if q.From.IsZero() {
		r.err = fmt.Errorf("%w: query.from: required when query.now is zero", ErrInvalidQuery)
		return r
	}
	if !q.To.IsZero() && q.To.Before(q.From) {
		r.err = fmt.Errorf("%w: query.to %s is before query.from %s", ErrInvalidQuery,
			q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))
		return r
	}
	c := newCursor(ctx, s, &q, q.Busy)
	r.c = c
	z := s.zone
	r.from = max(ceilSec(q.From), z.dayStart(minDay))
	r.to = z.dayStart(maxDay) // as Check, no slot ends after 2100-01-01
	if !q.To.IsZero() {
		r.to = min(floorSec(q.To), r.to)
	}
	r.first = z.localDay(max(r.from, c.earliest))
	r.stop = min(maxDay, z.localDay(r.to)+1)
	if !s.active {
		r.stop = r.first
	}
	if c.latest < posInf {
		r.stop = min(r.stop, z.localDay(c.latest)+1)
	}
	if n := len(c.cuts); n > 0 && c.cuts[n-1].e == posInf {
		if c.cuts[n-1].s == negInf {
			r.stop = r.first
		} else {
			r.stop = min(r.stop, z.localDay(c.cuts[n-1].s)+1)
		}
	}
	switch last := c.lastDay(); {
	case last == negInf:
		r.stop = r.first
	case last < posInf:
		// A window of the last day may run past midnight.
		r.stop = min(r.stop, last+2)
	}
	return r
}

// All returns an iterator over the free slots in time order. It reads busy
// time chunk by chunk as it advances, stops as soon as the caller stops, and
// stops with Err set when the context is cancelled or the busy source
// fails. All may be iterated only once; a second iteration yields nothing
// and sets Err.
func (r *Search) All() iter.Seq[Slot] {
	return func(yield func(Slot) bool) {
		if r.err != nil {
			return
		}
		if r.used {
			r.err = fmt.Errorf("%w: Search.All iterated twice", ErrInvalidQuery)
			return
		}
		r.used = true
		r.err = r.run(yield)
		r.c.release()
		r.c = nil
	}
}

// run drives the cursor over the search's days. Chunks start at one day and
// double up to maxChunk days, so a search for the first few slots reads
// little busy time.
func (r *Search) run(yield func(Slot) bool) error {
	c := r.c
	size := int64(1)
	for a := r.first; a < r.stop; {
		b := min(a+size, r.stop)
		// Slots of the chunk end by end, which lies two local days on when
		// day b is short (spring forward) or missing (Apia 2011-12-30).
		end := c.z.dayStart(b) + c.pol.dur
		if err := c.load(a, b, max(b, c.z.localDay(end-1)), fromDayStart, end); err != nil {
			return err
		}
		if !c.emit(r.from, r.to, yield) {
			return nil
		}
		a = b
		size = min(size*2, r.maxChunk)
	}
	return c.ctx.Err()
}

// Err returns the error that ended the search, if any: an invalid query, a
// busy source failure (wrapped) or the context's error.
func (r *Search) Err() error { return r.err }

// Check reports whether [start, end) may be booked: it returns nil or an
// error wrapping ErrOutsideAvailability, ErrTooSoon, ErrTooFar, ErrLimit or
// ErrFull (checked in that order), naming the time and the rule that failed.
// q.From and q.To are ignored; q.Now, q.Service and q.Busy are used as by
// Search.
//
// Check agrees exactly with Search: a slot Search yields passes Check, and
// a [start, start+Duration) that Check passes is a slot Search yields.
// Check also accepts a longer booking covering consecutive grid slots: its
// length must be Duration plus a whole number of GridIntervals (elapsed
// time), it must start on the grid, and all of it must lie inside open
// availability; buffers, capacity, notice, horizon and limits apply as for
// a single slot.
func (s *Schedule) Check(ctx context.Context, q Query, start, end time.Time) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c := newCursor(ctx, s, &q, q.Busy)
	defer c.release()
	return c.check(start, end, true)
}

// BusyRange returns the busy time that Check(ctx, q, start, end) asks
// q.Busy for: a caller that fetches busy time from a server can fetch this
// range ahead, with other reads (see store.Prefetcher). ok is false when
// Check refuses [start, end) without reading busy time. The range is
// [start-BufferBefore, end+BufferAfter), widened to whole local weeks when
// the policy limits bookings per day or week: only busy time there can
// refuse the slot.
func (s *Schedule) BusyRange(q Query, start, end time.Time) (from, to time.Time, ok bool) {
	if !end.After(start) || !s.active {
		return time.Time{}, time.Time{}, false
	}
	c := newCursor(context.Background(), s, &q, nil)
	defer c.release()
	su, eu := ceilSec(start), floorSec(end)
	day := c.z.localDay(su)
	if day < minDay || day >= maxDay || c.z.localDay(eu-1) >= maxDay {
		return time.Time{}, time.Time{}, false
	}
	c.a, c.b = day, day+1
	f, t := c.busyRange(su, eu)
	return time.Unix(f, 0), time.Unix(t, 0), true
}

// check implements Check; with grid false the grid and length are not
// required (members of AllOf other than the first).
func (c *cursor) check(start, end time.Time, grid bool) error {
	at := start.In(c.z.loc).Format(time.RFC3339)
	if !end.After(start) {
		return fmt.Errorf("%w: %s: end %s is not after start", ErrOutsideAvailability, at, end.Format(time.RFC3339))
	}
	if !c.sch.active {
		return fmt.Errorf("%w: %s: the schedule is not active", ErrOutsideAvailability, at)
	}
	su, eu := ceilSec(start), floorSec(end)
	p := c.pol
	if grid {
		n := eu - su - p.dur
		if start.Nanosecond() != 0 || end.Nanosecond() != 0 || n < 0 || n%p.grid != 0 {
			return fmt.Errorf("%w: %s: length %v is not %v plus a multiple of %v", ErrOutsideAvailability, at,
				end.Sub(start), p.pub.Duration, p.pub.GridInterval)
		}
	}
	day := c.z.localDay(su)
	if day < minDay || day >= maxDay {
		return fmt.Errorf("%w: %s: outside the supported years 1900-2099", ErrOutsideAvailability, at)
	}
	lastWin := max(day, c.z.localDay(eu-1))
	if lastWin >= maxDay {
		return fmt.Errorf("%w: %s: outside the supported years 1900-2099", ErrOutsideAvailability, at)
	}
	if err := c.load(day, day+1, lastWin, su, eu); err != nil {
		return err
	}
	di := &c.days[1]
	if grid && !c.onGrid(di, su) {
		return fmt.Errorf("%w: %s: not on the grid (every %v from local midnight plus %v)", ErrOutsideAvailability,
			at, p.pub.GridInterval, time.Duration(p.off)*time.Second)
	}
	if !c.inside(su, eu) {
		return c.diagnose(su, eu, at)
	}
	if su < c.earliest {
		return fmt.Errorf("%w: %s: starts before %s (minimum notice %v)", ErrTooSoon, at,
			time.Unix(c.earliest, 0).In(c.z.loc).Format(time.RFC3339), p.pub.MinNotice)
	}
	if su > c.latest {
		return fmt.Errorf("%w: %s: starts after %s (horizon %v)", ErrTooFar, at,
			time.Unix(c.latest, 0).In(c.z.loc).Format(time.RFC3339), p.pub.Horizon)
	}
	switch _, f := c.admit(su, eu, day); f {
	case failDay, failWeek:
		return c.limitError(f, day, start.In(c.z.loc))
	case failFull:
		return fmt.Errorf("%w: %s: busy time within [start-%v, end+%v) uses all capacity %d", ErrFull, at,
			p.pub.BufferBefore, p.pub.BufferAfter, p.cap)
	}
	return nil
}

// inside reports whether [s, e) lies inside one open interval.
func (c *cursor) inside(s, e int64) bool {
	for _, iv := range c.open {
		if iv.s <= s && e <= iv.e {
			return true
		}
	}
	return false
}

// diagnose explains why [s, e) is not inside open availability.
func (c *cursor) diagnose(s, e int64, at string) error {
	for _, w := range c.wins {
		if w.s <= s && e <= w.e {
			for _, ct := range c.sch.cuts {
				if ct.s < e && s < ct.e && applies(ct.services, c.service) {
					return fmt.Errorf("%w: %s: inside %s", ErrOutsideAvailability, at, ct.label)
				}
			}
		}
	}
	return fmt.Errorf("%w: %s: not inside an availability window", ErrOutsideAvailability, at)
}
