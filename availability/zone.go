package availability

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

const secPerDay = 86400

// The engine works on local dates from 1900-01-01 up to (not including)
// 2100-01-01. Queries are clamped to that range and an unbounded search ends
// there.
var (
	minDay = daysFromCivil(1900, time.January, 1)
	maxDay = daysFromCivil(2100, time.January, 1)
)

const (
	negInf = int64(-1 << 62)
	posInf = int64(1 << 62)
)

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era = (yy - 399) / 400
	}
	yoe := yy - era*400
	mm := int64(m)
	var mp int64
	if mm > 2 {
		mp = mm - 3
	} else {
		mp = mm + 9
	}
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (int, time.Month, int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(d)
}

// floorDiv and floorMod divide rounding toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// mondayOf returns the day number of the Monday of day's ISO week.
func mondayOf(day int64) int64 { return day - floorMod(day+3, 7) }

// zone is a time zone's UTC offsets as a table of transitions, so that
// wall-clock times can be resolved to instants without time.Date and with the
// engine's own DST policy. Zones are immutable and shared.
type zone struct {
	loc   *time.Location
	trans []int64 // Unix seconds at which the offset changes, ascending
	offs  []int64 // offs[i] is in effect before trans[i]; offs[len(trans)] after the last
}

var zones sync.Map // IANA name -> *zone

// loadZone returns the zone named name, building its table once.
func loadZone(name string) (*zone, error) {
	if v, ok := zones.Load(name); ok {
		return v.(*zone), nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q depends on the machine; name an IANA zone", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	z := buildZone(loc)
	v, _ := zones.LoadOrStore(name, z)
	return v.(*zone), nil
}

func buildZone(loc *time.Location) *zone {
	lo := (minDay - 3) * secPerDay
	hi := (maxDay + 3) * secPerDay
	t := time.Unix(lo, 0).In(loc)
	_, off := t.Zone()
	z := &zone{loc: loc, offs: []int64{int64(off)}}
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.Unix() > hi || !end.After(t) {
			break
		}
		_, o := end.Zone()
		if int64(o) != z.offs[len(z.offs)-1] {
			z.trans = append(z.trans, end.Unix())
			z.offs = append(z.offs, int64(o))
		}
		t = end
	}
	return z
}

// index returns the index into offs of the offset in effect at instant u.
func (z *zone) index(u int64) int {
	return sort.Search(len(z.trans), func(i int) bool { return z.trans[i] > u })
}

// offset returns the UTC offset in seconds at instant u.
func (z *zone) offset(u int64) int64 { return z.offs[z.index(u)] }

// localDay returns the local date (as a day number) of instant u.
func (z *zone) localDay(u int64) int64 { return floorDiv(u+z.offset(u), secPerDay) }

// contains reports whether the instant W-offs[j] lies in interval j, that is
// whether wall time W occurs while offs[j] is in effect.
func (z *zone) contains(j int, w int64) bool {
	u := w - z.offs[j]
	return (j == 0 || u >= z.trans[j-1]) && (j == len(z.trans) || u < z.trans[j])
}

// resolve maps a wall-clock time w (seconds since 1970-01-01 00:00 local) to
// an instant under the engine's DST policy: a wall time that occurs twice
// resolves to its first occurrence; one that does not occur (a gap) resolves
// to the first instant after the gap and ok is false.
func (z *zone) resolve(w int64) (u int64, ok bool) {
	return z.resolveIn(w, z.index(w-30*3600), z.index(w+30*3600))
}

// resolveIn is resolve given indexes into offs with lo <= index(w-30h) and
// hi >= index(w+30h): no offset is 30 hours, so the periods outside
// index(w-30h)..index(w+30h) can neither contain w nor start a gap around
// it, and a wider range gives the same answer. Resolving many wall times
// of one day then needs one search, not one per time.
func (z *zone) resolveIn(w int64, lo, hi int) (u int64, ok bool) {
	for j := lo; j <= hi; j++ {
		if z.contains(j, w) {
			return w - z.offs[j], true
		}
	}
	for j := lo + 1; j <= hi; j++ {
		if t := z.trans[j-1]; t+z.offs[j] > w {
			return t, false
		}
	}
	return w - z.offs[z.index(w+30*3600)], false
}

// dayInfo describes one local date: where it starts and whether every wall
// time of the day maps to an instant by one constant offset.
type dayInfo struct {
	day     int64
	start   int64 // instant of the day's local midnight (resolved)
	end     int64 // instant of the next local midnight (resolved)
	uniform bool  // start+t is wall time t for every t in [0, 24h)
}

// dayInfo computes the dayInfo of day, using hint (an index into offs) to
// avoid searching in the common case.
func (z *zone) dayInfo(day int64, hint *int) dayInfo {
	w0 := day * secPerDay
	j := *hint
	if j < 0 || j >= len(z.offs) || !z.contains(j, w0) || (j > 0 && z.contains(j-1, w0)) {
		u, ok := z.resolve(w0)
		j = z.index(u)
		*hint = j
		if !ok {
			end, _ := z.resolve(w0 + secPerDay)
			return dayInfo{day: day, start: u, end: end}
		}
	}
	u := w0 - z.offs[j]
	di := dayInfo{day: day, start: u}
	if (j == len(z.trans) || z.trans[j] >= u+secPerDay) && (j == 0 || z.trans[j-1]+z.offs[j-1] <= w0) {
		di.uniform = true
		if j == len(z.trans) || z.trans[j] > u+secPerDay {
			di.end = u + secPerDay
			return di
		}
	}
	di.end, _ = z.resolve(w0 + secPerDay)
	return di
}
