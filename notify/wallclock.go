package notify

import "time"

// wallTime returns the instant at which the clocks of loc show the given
// local date and time, under openslot's DST policy (the one package
// availability applies to working hours):
//
//   - a wall time that happens twice (the fall-back overlap) means its first
//     occurrence, the earlier instant;
//   - a wall time that never happens (the spring-forward gap) means the
//     first instant after the gap, the moment the clocks jump.
//
// Values out of range are normalised as time.Date does (day 0 of a month is
// the last day of the month before). time.Date leaves both cases unspecified, and its answers differ between
// zones, hence this function. It assumes at most one offset change within a
// day of the wall time, which holds for every IANA zone.
func wallTime(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	naive := time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	y, mo, d = naive.Date() // normalise, e.g. day 0 of a month
	h, mi, s = naive.Clock()
	_, before := naive.Add(-36 * time.Hour).In(loc).Zone()
	_, after := naive.Add(36 * time.Hour).In(loc).Zone()
	shows := func(t time.Time) bool {
		l := t.In(loc)
		ly, lmo, ld := l.Date()
		lh, lmi, ls := l.Clock()
		return ly == y && lmo == mo && ld == d && lh == h && lmi == mi && ls == s
	}
	cBefore := naive.Add(-time.Duration(before) * time.Second)
	cAfter := naive.Add(-time.Duration(after) * time.Second)
	okBefore, okAfter := shows(cBefore), shows(cAfter)
	switch {
	case okBefore && okAfter:
		if cAfter.Before(cBefore) {
			return cAfter.In(loc)
		}
		return cBefore.In(loc)
	case okBefore:
		return cBefore.In(loc)
	case okAfter:
		return cAfter.In(loc)
	}
	// A gap: the offset grew, so cBefore (read with the smaller, earlier
	// offset) lies after the jump, in the zone period the jump began.
	start, _ := cBefore.In(loc).ZoneBounds()
	return start.In(loc)
}
