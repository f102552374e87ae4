package availability

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// interval is a half-open range of Unix seconds.
type interval struct{ s, e int64 }

// level is capacity in use over a half-open range of Unix seconds; as a
// busy entry, booking marks an appointment or hold.
type level struct {
	s, e    int64
	n       int
	booking bool
}

// failure says why a candidate slot is not bookable; zero means bookable.
type failure uint8

const (
	ok failure = iota
	failDay
	failWeek
	failFull
)

// cursor evaluates one schedule for one query, a chunk of local days at a
// time. All Unix-second arithmetic and buffer reuse lives here; it is owned
// by one goroutine.
type cursor struct {
	buffers
	ctx        context.Context
	sch        *Schedule
	service    *scheduling.CodeableConcept
	z          *zone
	pol        *policy
	src        BusySource
	needCounts bool
	earliest   int64 // first bookable start (Now+MinNotice) or negInf
	latest     int64 // last bookable start (Now+Horizon) or posInf

	// The loaded chunk: grid starts of days [a, b), windows of days
	// [a-1, lastWin], busy time over [busyFrom, busyTo).
	a, b, lastWin    int64
	busyFrom, busyTo int64
	hint             int
	segs             []level // raw, segBuf or a part of list
	segCur           int
	countBase        int64
	openCur          int // daySlots: first open interval that may matter
	listReady        bool
	listDisjoint     bool // no two entries of list overlap
	listMaxLen       int64
	listFrom, listTo int64 // the range of the last loadList
	listLo, listHi   int   // the entries of list that loadList took last
}

// buffers are the slices a cursor fills and reuses. They outlive the
// cursor in cursorPool, so they hold nothing of the caller's but rules,
// which release clears.
type buffers struct {
	rules      []*compiledRule
	cuts       []interval // applicable cuts, sorted and merged
	days       []dayInfo  // a-1 .. lastWin+1
	wins, open []interval
	segBuf     []level
	raw        []level
	events     []level
	counts     []int32 // bookings per day from countBase
	weekCounts []int32 // bookings in the ISO week of each day from countBase
	grid       []int64
	out        []bookable // the slots of one day, from daySlots
	list       []level    // a BusyList source, converted and sorted
}

// cursorPool keeps released cursors, so that a search or check in steady
// state allocates almost nothing.
var cursorPool = sync.Pool{New: func() any { return new(cursor) }}

func newCursor(ctx context.Context, sch *Schedule, q *Query, src BusySource) *cursor {
	c := cursorPool.Get().(*cursor)
	*c = cursor{buffers: c.buffers, ctx: ctx, sch: sch, service: q.Service, z: sch.zone,
		pol: sch.policyFor(q.Service), src: src, earliest: negInf, latest: posInf, a: 1, b: 0, hint: -1}
	c.rules, c.cuts = c.rules[:0], c.cuts[:0]
	for _, r := range sch.rules {
		if applies(r.services, q.Service) {
			c.rules = append(c.rules, r)
		}
	}
	for _, ct := range sch.cuts {
		if applies(ct.services, q.Service) {
			c.cuts = append(c.cuts, interval{ct.s, ct.e})
		}
	}
	c.cuts = mergeIntervals(c.cuts)
	if !q.Now.IsZero() {
		c.earliest = ceilSec(q.Now.Add(c.pol.pub.MinNotice))
		if c.pol.pub.Horizon > 0 {
			c.latest = floorSec(q.Now.Add(c.pol.pub.Horizon))
		}
	}
	c.needCounts = c.pol.maxDay > 0 || c.pol.maxWeek > 0
	return c
}

// release puts c back into cursorPool with its buffers; c must not be used
// afterwards.
func (c *cursor) release() {
	clear(c.rules)
	*c = cursor{buffers: c.buffers}
	cursorPool.Put(c)
}

func mergeIntervals(iv []interval) []interval {
	slices.SortFunc(iv, func(x, y interval) int { return cmp.Compare(x.s, y.s) })
	out := iv[:0]
	for _, v := range iv {
		if v.e <= v.s {
			continue
		}
		if n := len(out); n > 0 && v.s <= out[n-1].e {
			out[n-1].e = max(out[n-1].e, v.e)
			continue
		}
		out = append(out, v)
	}
	return out
}

// dayStart returns the instant of the local midnight starting day.
func (z *zone) dayStart(day int64) int64 {
	u, _ := z.resolve(day * secPerDay)
	return u
}

// lastDay returns the last local day on which any applicable window may
// start, or posInf.
func (c *cursor) lastDay() int64 {
	last := c.sch.lastOver
	for _, r := range c.rules {
		last = max(last, r.rec.last())
	}
	return last
}

// fromDayStart, as load's busyFrom, reads busy time from the start of the
// first day loaded.
const fromDayStart = math.MinInt64

// load prepares grid starts of days [a, b): windows of days [a-1, lastWin],
// the open time left after cuts, and busy time for slots that start at or
// after busyFrom (fromDayStart: the start of day a) and end by busyEnd,
// both widened by the buffers. A search passes fromDayStart; a check passes
// its own start, so that it reads only the busy time that can touch it.
func (c *cursor) load(a, b, lastWin, busyFrom, busyEnd int64) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.a, c.b, c.lastWin = a, b, lastWin
	c.days = c.days[:0]
	for d := a - 1; d <= lastWin+1; d++ {
		c.days = append(c.days, c.z.dayInfo(d, &c.hint))
	}
	c.wins = c.wins[:0]
	for d := a - 1; d <= lastWin; d++ {
		di := &c.days[d-a+1]
		if len(c.sch.overrides) > 0 {
			if ws, ok := c.sch.overrides[d]; ok {
				for _, w := range ws {
					c.addWindow(di, w)
				}
				continue
			}
		}
		for _, r := range c.rules {
			if r.rec.occurs(d) {
				c.addWindow(di, r.win)
			}
		}
	}
	c.wins = mergeIntervals(c.wins)
	c.open = subtract(c.open[:0], c.wins, c.cuts)
	if busyFrom == fromDayStart {
		busyFrom = c.days[1].start
	}
	return c.loadBusy(busyFrom, busyEnd)
}

func (c *cursor) addWindow(di *dayInfo, w wallWindow) {
	var s, e int64
	if di.uniform && w.end < secPerDay {
		s, e = di.start+w.start, di.start+w.end
	} else {
		w0 := di.day * secPerDay
		s, _ = c.z.resolve(w0 + w.start)
		e, _ = c.z.resolve(w0 + w.end)
	}
	if e > s {
		c.wins = append(c.wins, interval{s, e})
	}
}

// subtract appends to dst the parts of wins (sorted, disjoint) outside cuts
// (sorted, disjoint).
func subtract(dst, wins, cuts []interval) []interval {
	j := 0
	for _, w := range wins {
		s := w.s
		for j < len(cuts) && cuts[j].e <= s {
			j++
		}
		for k := j; k < len(cuts) && cuts[k].s < w.e; k++ {
			if cuts[k].s > s {
				dst = append(dst, interval{s, cuts[k].s})
			}
			s = max(s, cuts[k].e)
		}
		if s < w.e {
			dst = append(dst, interval{s, w.e})
		}
	}
	return dst
}

// loadBusy asks the busy source for the time slots of the chunk (widened by
// the buffers) may touch, and whole ISO weeks when limits need counting.
func (c *cursor) loadBusy(busyFrom, busyEnd int64) error {
	c.segs, c.segCur, c.raw = c.segs[:0], 0, c.raw[:0]
	from, to := c.busyRange(busyFrom, busyEnd)
	if c.needCounts {
		c.countBase = mondayOf(c.a)
		n := int(mondayOf(c.b-1) + 7 - c.countBase)
		c.counts = slices.Grow(c.counts[:0], n)[:n]
		clear(c.counts)
	}
	c.busyFrom, c.busyTo = from, to
	if c.src == nil {
		return c.countWeeks()
	}
	if list, isList := c.src.(BusyList); isList {
		c.loadList(list, from, to)
		return c.countWeeks()
	}
	bs, err := c.src.Busy(c.ctx, time.Unix(from, 0), time.Unix(to, 0))
	if err != nil {
		return fmt.Errorf("availability: busy time %s to %s: %w",
			time.Unix(from, 0).UTC().Format(time.RFC3339), time.Unix(to, 0).UTC().Format(time.RFC3339), err)
	}
	for i := range bs {
		b := &bs[i]
		if !b.End.After(b.Start) {
			continue
		}
		c.addBusy(level{floorSec(b.Start), ceilSec(b.End), max(b.Count, 1), b.Booking})
	}
	c.buildLevels()
	return c.countWeeks()
}

// busyRange is the busy time a load of local days c.a to c.b-1 reads:
// from busyFrom less the buffer before to busyEnd plus the buffer after,
// widened to whole weeks when limits count bookings.
func (c *cursor) busyRange(busyFrom, busyEnd int64) (from, to int64) {
	from, to = busyFrom-c.pol.bb, busyEnd+c.pol.ba
	if c.needCounts {
		from = min(from, c.z.dayStart(mondayOf(c.a)))
		to = max(to, c.z.dayStart(mondayOf(c.b-1)+7))
	}
	return from, to
}

func (c *cursor) addBusy(b level) {
	c.raw = append(c.raw, b)
	c.count(b)
}

// count counts b toward the bookings of its local start date.
func (c *cursor) count(b level) {
	if c.needCounts && b.booking {
		if i := c.z.localDay(b.s) - c.countBase; i >= 0 && i < int64(len(c.counts)) {
			c.counts[i]++
		}
	}
}

// loadList reads busy time from a BusyList without asking it per chunk:
// the list is converted to Unix seconds and sorted once per search, then
// each chunk takes the entries overlapping [from, to) by binary search. When
// no two entries overlap, the chunk's levels are a subslice of the list.
func (c *cursor) loadList(list BusyList, from, to int64) {
	if !c.listReady {
		c.listReady = true
		c.list = slices.Grow(c.list[:0], len(list))
		// One pass converts, and tells whether the list is sorted and
		// disjoint (the usual case); Unix and Nanosecond are cheaper than
		// comparing time.Time values.
		sorted, disjoint := true, true
		prev := level{s: negInf, e: negInf}
		for i := range list {
			b := &list[i]
			s, e := b.Start.Unix(), b.End.Unix()
			sn, en := b.Start.Nanosecond(), b.End.Nanosecond()
			if e < s || e == s && en <= sn {
				continue // End not after Start
			}
			if en > 0 {
				e++
			}
			r := level{s, e, max(b.Count, 1), b.Booking}
			if s < prev.s {
				sorted = false
			} else if s < prev.e {
				disjoint = false
			}
			prev = r
			c.listMaxLen = max(c.listMaxLen, e-s)
			c.list = append(c.list, r)
		}
		if !sorted {
			slices.SortFunc(c.list, func(x, y level) int { return cmp.Compare(x.s, y.s) })
			disjoint = true
			for i := 1; i < len(c.list); i++ {
				if c.list[i].s < c.list[i-1].e {
					disjoint = false
					break
				}
			}
		}
		c.listDisjoint = disjoint
	}
	// Chunks advance, so two cursors moving forward find the entries
	// overlapping [from, to): i skips entries that end by from (in a
	// disjoint list ends ascend; otherwise no entry starting before
	// from-listMaxLen reaches from), j stops at the first starting at or
	// after to.
	if from < c.listFrom || to < c.listTo {
		c.listLo, c.listHi = 0, 0 // not advancing: start over
	}
	c.listFrom, c.listTo = from, to
	levels, i := c.list, c.listLo
	if c.listDisjoint {
		for i < len(levels) && levels[i].e <= from {
			i++
		}
	} else {
		for i < len(levels) && levels[i].s < from-c.listMaxLen {
			i++
		}
	}
	j := max(i, c.listHi)
	for j < len(levels) && levels[j].s < to {
		j++
	}
	c.listLo, c.listHi = i, j
	if c.listDisjoint {
		c.segs = levels[i:j:j]
		if c.needCounts {
			for _, b := range c.segs {
				c.count(b)
			}
		}
		return
	}
	for ; i < j; i++ {
		if levels[i].e > from {
			c.addBusy(levels[i])
		}
	}
	c.buildLevels()
}

func (c *cursor) countWeeks() error {
	if !c.needCounts {
		return nil
	}
	c.weekCounts = slices.Grow(c.weekCounts[:0], len(c.counts))[:len(c.counts)]
	for w := 0; w+7 <= len(c.counts); w += 7 {
		var sum int32
		for _, n := range c.counts[w : w+7] {
			sum += n
		}
		for i := w; i < w+7; i++ {
			c.weekCounts[i] = sum
		}
	}
	return nil
}

// buildLevels turns the raw busy entries into disjoint, sorted levels of
// capacity in use.
func (c *cursor) buildLevels() {
	raw := c.raw
	slices.SortFunc(raw, func(x, y level) int { return cmp.Compare(x.s, y.s) })
	disjoint := true
	for i := 1; i < len(raw); i++ {
		if raw[i].s < raw[i-1].e {
			disjoint = false
			break
		}
	}
	if disjoint {
		c.segs = raw // no copy: segs aliases raw until the next chunk
		return
	}
	c.segs = c.segBuf[:0]
	ev := c.events[:0]
	for _, r := range raw {
		ev = append(ev, level{s: r.s, n: r.n}, level{s: r.e, n: -r.n})
	}
	slices.SortFunc(ev, func(x, y level) int { return cmp.Compare(x.s, y.s) })
	cur := 0
	for i := 0; i < len(ev); {
		t := ev[i].s
		for i < len(ev) && ev[i].s == t {
			cur += ev[i].n
			i++
		}
		if cur > 0 && i < len(ev) {
			c.segs = append(c.segs, level{s: t, e: ev[i].s, n: cur})
		}
	}
	c.segBuf = c.segs
	c.events = ev
}

// admit applies limits and capacity to a candidate [s, e) that starts on
// local day day. Calls within one chunk must come with non-decreasing s.
func (c *cursor) admit(s, e, day int64) (int, failure) {
	if c.needCounts {
		i := day - c.countBase
		if c.pol.maxDay > 0 && int(c.counts[i]) >= c.pol.maxDay {
			return 0, failDay
		}
		if c.pol.maxWeek > 0 && int(c.weekCounts[i]) >= c.pol.maxWeek {
			return 0, failWeek
		}
	}
	lo, hi := s-c.pol.bb, e+c.pol.ba
	segs := c.segs
	j := c.segCur
	for j < len(segs) && segs[j].e <= lo {
		j++
	}
	c.segCur = j
	used := 0
	for ; j < len(segs) && segs[j].s < hi; j++ {
		used = max(used, segs[j].n)
	}
	free := c.pol.cap - used
	if free < 1 {
		return 0, failFull
	}
	return free, ok
}

// gridPoints returns the grid starts of a day that is not uniform: each
// wall-clock grid time at its first occurrence, skipping times that fall in
// a gap, in increasing order.
func (c *cursor) gridPoints(di *dayInfo) []int64 {
	pts := c.grid[:0]
	w0 := di.day * secPerDay
	prev := negInf
	lo, hi := c.z.index(w0-30*3600), c.z.index(w0+secPerDay+30*3600)
	for w := c.pol.off; w < secPerDay; w += c.pol.grid {
		u, exists := c.z.resolveIn(w0+w, lo, hi)
		if !exists || u <= prev {
			continue
		}
		pts = append(pts, u)
		prev = u
	}
	c.grid = pts
	return pts
}

// onGrid reports whether s is a grid start of day di.
func (c *cursor) onGrid(di *dayInfo, s int64) bool {
	if di.uniform {
		return s >= di.start && s < di.start+secPerDay && floorMod(s-di.start-c.pol.off, c.pol.grid) == 0
	}
	return contains(c.gridPoints(di), s)
}

// bookable is a bookable slot in Unix seconds with the capacity left.
type bookable struct {
	s, e int64
	free int
}

// emit yields the bookable slots of the loaded chunk that start at or after
// from and end at or before to, in time order. It works a local day at a
// time: the day's slots are computed on Unix seconds into a reused buffer,
// then converted to time.Time and yielded. It returns false when yield
// stopped.
func (c *cursor) emit(from, to int64, yield func(Slot) bool) bool {
	loc := c.z.loc
	c.openCur = 0
	for d := c.a; d < c.b; d++ {
		for _, b := range c.daySlots(d, from, to) {
			if !yield(Slot{Start: time.Unix(b.s, 0).In(loc), End: time.Unix(b.e, 0).In(loc), Free: b.free}) {
				return false
			}
		}
	}
	return true
}

// daySlots returns the bookable slots of the loaded chunk that start on
// local day d, at or after from, and end at or before to, in time order.
// Days must come in increasing order within a chunk. The result is valid
// until the next call.
func (c *cursor) daySlots(d, from, to int64) []bookable {
	open := c.open
	dur, grid := c.pol.dur, c.pol.grid
	lo0 := max(from, c.earliest)
	oi := c.openCur
	di := &c.days[d-c.a+1]
	out := c.out[:0]
	if !di.uniform {
		for _, s := range c.gridPoints(di) {
			e := s + dur
			if s < lo0 || s > c.latest || e > to {
				continue
			}
			for oi < len(open) && open[oi].e <= s {
				oi++
			}
			if oi == len(open) || open[oi].s > s || open[oi].e < e {
				continue
			}
			if free, f := c.admit(s, e, d); f == ok {
				out = append(out, bookable{s, e, free})
			}
		}
		c.out, c.openCur = out, oi
		return out
	}
	// A uniform day has at most secPerDay/grid+1 grid starts: with room
	// for them, the appends below never grow the buffer, and the free runs
	// write into that room directly.
	out = slices.Grow(out, int(secPerDay/grid)+1)
	base := di.start + c.pol.off
	dayEnd := min(di.start+secPerDay, c.latest+1)
	for oi < len(open) && open[oi].e <= di.start {
		oi++
	}
	bb, ba, capacity := c.pol.bb, c.pol.ba, c.pol.cap
	for j := oi; j < len(open) && open[j].s < dayEnd; j++ {
		iv := open[j]
		lo := max(iv.s, lo0)
		last := min(iv.e, to) - dur
		k := int64(0)
		if lo > base {
			k = (lo - base + grid - 1) / grid
		}
		s := base + k*grid
		if c.needCounts {
			for ; s < dayEnd && s <= last; s += grid {
				if free, f := c.admit(s, s+dur, d); f == ok {
					out = append(out, bookable{s, s + dur, free})
				}
			}
			continue
		}
		// No limits: walk runs of starts with no busy time near them,
		// which need no call to admit.
		segs, cur := c.segs, c.segCur
		stopAt := min(dayEnd-1, last)
		for s <= stopAt {
			for cur < len(segs) && segs[cur].e <= s-bb {
				cur++
			}
			if cur == len(segs) || segs[cur].s >= s+dur+ba {
				// Every start up to segs[cur].s-dur-ba is clear of busy
				// time: the levels before cur end by s-bb.
				run := stopAt
				if cur < len(segs) {
					run = min(run, segs[cur].s-dur-ba)
				}
				room, n := out[len(out):cap(out)], 0
				for ; s <= run; s += grid {
					room[n] = bookable{s, s + dur, capacity}
					n++
				}
				out = out[:len(out)+n]
				continue
			}
			// segs[cur] overlaps [s-bb, s+dur+ba); alone it may use all
			// capacity.
			if segs[cur].n < capacity {
				c.segCur = cur
				if free, f := c.admit(s, s+dur, d); f == ok {
					out = append(out, bookable{s, s + dur, free})
				}
				cur = c.segCur
			}
			s += grid
		}
		c.segCur = cur
	}
	c.out, c.openCur = out, oi
	return out
}

// limitError describes a limit failure.
func (c *cursor) limitError(f failure, day int64, at time.Time) error {
	y, m, d := civilFromDays(day)
	date := scheduling.Date{Year: y, Month: m, Day: d}
	if f == failDay {
		return fmt.Errorf("%w: %s: %d bookings on %s (maxPerDay %d)", ErrLimit, at.Format(time.RFC3339),
			c.counts[day-c.countBase], date, c.pol.maxDay)
	}
	return fmt.Errorf("%w: %s: %d bookings in the week of %s (maxPerWeek %d)", ErrLimit, at.Format(time.RFC3339),
		c.weekCounts[day-c.countBase], date, c.pol.maxWeek)
}
