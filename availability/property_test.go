package availability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/teambition/rrule-go"
)

// The property test compares the engine with a brute-force reference that
// works minute by minute with the time package: on random rules, overrides,
// blocks, busy sets and policies, Search must yield exactly the reference's
// slots, and Check must accept exactly those.

var propertyZones = []string{"America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe",
	"Asia/Kolkata", "Pacific/Apia", "UTC"}

var serviceA = scheduling.Concept("http://example.org/svc", "A", "Service A")

type propCase struct {
	sch      *scheduling.Schedule
	q        Query
	loc      *time.Location
	lo, hi   time.Time // the reference's horizon
	describe string
}

func randTOD(r *rand.Rand) scheduling.TimeOfDay {
	return scheduling.TimeOfDay(r.IntN(96) * 15 * 60)
}

func dateOf(t time.Time) scheduling.Date { return scheduling.DateOf(t) }

func randRRule(r *rand.Rand, start time.Time) string {
	days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	var pick []string
	for _, d := range days {
		if r.IntN(2) == 0 {
			pick = append(pick, d)
		}
	}
	if len(pick) == 0 {
		pick = []string{"WE"}
	}
	var s string
	switch r.IntN(9) {
	case 0:
		s = "FREQ=WEEKLY;BYDAY=" + strings.Join(pick, ",")
	case 1:
		s = fmt.Sprintf("FREQ=DAILY;INTERVAL=%d", 1+r.IntN(3))
	case 2:
		s = "FREQ=DAILY;BYDAY=" + strings.Join(pick, ",")
	case 3:
		s = fmt.Sprintf("FREQ=MONTHLY;BYMONTHDAY=%d,%d", 1+r.IntN(28), -1-r.IntN(3))
	case 4:
		s = "FREQ=MONTHLY;BYDAY=2MO,-1FR,1" + pick[0]
	case 5:
		s = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1,1"
	case 6:
		s = "FREQ=YEARLY;BYMONTH=3,4,10,11;BYDAY=" + strings.Join(pick, ",")
	case 7:
		s = fmt.Sprintf("FREQ=WEEKLY;INTERVAL=%d;BYDAY=%s;COUNT=%d", 1+r.IntN(3), strings.Join(pick, ","), 30+r.IntN(60))
	case 8:
		s = fmt.Sprintf("FREQ=WEEKLY;INTERVAL=%d;WKST=SU;BYDAY=%s", 2+r.IntN(2), strings.Join(pick, ","))
	}
	if r.IntN(5) == 0 && !strings.Contains(s, "COUNT") {
		s += ";UNTIL=" + start.AddDate(0, 0, 300+r.IntN(200)).Format("20060102")
	}
	return s
}

func randWindow(r *rand.Rand) (start, end scheduling.TimeOfDay, dur time.Duration) {
	start = randTOD(r)
	switch r.IntN(4) {
	case 0:
		dur = time.Duration(1+r.IntN(40)) * 15 * time.Minute
	case 1:
		end = start - scheduling.TimeOfDay(r.IntN(8)*3600) // crosses midnight (or 24h)
		if end < 0 {
			end += secPerDay
		}
	default:
		end = min(start+scheduling.TimeOfDay((1+r.IntN(32))*900), secPerDay)
	}
	return start, end, dur
}

func randPolicy(r *rand.Rand) scheduling.SlotPolicy {
	p := scheduling.SlotPolicy{
		Duration:     []time.Duration{15, 30, 45, 60, 0}[r.IntN(5)] * time.Minute,
		GridInterval: []time.Duration{0, 15, 20, 30, 60}[r.IntN(5)] * time.Minute,
		GridOffset:   []time.Duration{0, 0, 5, 10, 75}[r.IntN(5)] * time.Minute,
		BufferBefore: []time.Duration{0, 0, 5, 10}[r.IntN(4)] * time.Minute,
		BufferAfter:  []time.Duration{0, 0, 5, 15}[r.IntN(4)] * time.Minute,
		Capacity:     []int{0, 1, 2}[r.IntN(3)],
		MaxPerDay:    []int{0, 0, 2, 4}[r.IntN(4)],
		MaxPerWeek:   []int{0, 0, 6}[r.IntN(3)],
		MinNotice:    []time.Duration{0, 0, 2, 30}[r.IntN(4)] * time.Hour,
		Horizon:      []time.Duration{0, 0, 72, 150}[r.IntN(4)] * time.Hour,
	}
	return p
}

// transitionsIn lists the instants in [from, to) at which loc's offset
// changes, found from the zone data.
func transitionsIn(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	t := from.In(loc)
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			return out
		}
		_, o1 := end.Add(-time.Second).Zone()
		_, o2 := end.Zone()
		if o1 != o2 {
			out = append(out, end)
		}
		t = end
	}
}

func randCase(r *rand.Rand) propCase {
	name := propertyZones[r.IntN(len(propertyZones))]
	loc, _ := time.LoadLocation(name)
	var center time.Time
	tr := transitionsIn(loc, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if name == "Pacific/Apia" && r.IntN(2) == 0 {
		center = time.Date(2011, 12, 30, 0, 0, 0, 0, loc)
	} else if len(tr) > 0 && r.IntN(3) != 0 {
		center = tr[r.IntN(len(tr))].In(loc)
	} else {
		center = time.Date(2025, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, loc)
	}
	cy, cm, cd := center.Date()
	base := time.Date(cy, cm, cd-3, 0, 0, 0, 0, loc)
	lo, hi := base, base.AddDate(0, 0, 7)
	sch := &scheduling.Schedule{Availability: scheduling.Availability{TimeZone: name}, Policy: randPolicy(r)}
	a := &sch.Availability
	for range 1 + r.IntN(3) {
		rs := base.AddDate(0, 0, -r.IntN(500))
		st, en, du := randWindow(r)
		rule := scheduling.AvailabilityRule{RRule: randRRule(r, rs), StartDate: dateOf(rs), Start: st, End: en, Duration: du}
		if r.IntN(6) == 0 {
			rule.RRule = ""
			rule.StartDate = dateOf(base.AddDate(0, 0, r.IntN(7)))
		}
		for range r.IntN(3) {
			rule.ExDates = append(rule.ExDates, dateOf(base.AddDate(0, 0, r.IntN(8)-1)))
		}
		for range r.IntN(2) {
			rule.RDates = append(rule.RDates, dateOf(base.AddDate(0, 0, r.IntN(8)-1)))
		}
		if r.IntN(4) == 0 {
			rule.Services = []scheduling.CodeableConcept{serviceA}
		}
		a.Rules = append(a.Rules, rule)
	}
	if r.IntN(3) == 0 {
		at := scheduling.AvailableTime{AllDay: r.IntN(4) == 0, Start: randTOD(r), StartSet: r.IntN(4) != 0,
			End: randTOD(r), EndSet: r.IntN(4) != 0}
		for _, d := range scheduling.DaysOfWeek() {
			if r.IntN(2) == 0 {
				at.DaysOfWeek = append(at.DaysOfWeek, d)
			}
		}
		a.AvailableTimes = append(a.AvailableTimes, at)
	}
	used := map[scheduling.Date]bool{}
	for range r.IntN(3) {
		d := dateOf(base.AddDate(0, 0, r.IntN(8)-1))
		if used[d] {
			continue
		}
		used[d] = true
		o := scheduling.DateOverride{Date: d}
		for range r.IntN(3) {
			st, en, _ := randWindow(r)
			if en == 0 && r.IntN(2) == 0 {
				en = st + 3600
			}
			o.Windows = append(o.Windows, scheduling.LocalWindow{Start: st, End: min(en, secPerDay)})
		}
		a.Overrides = append(a.Overrides, o)
	}
	randPeriod := func() scheduling.Period {
		s := lo.Add(time.Duration(r.IntN(7*24*12)) * 5 * time.Minute)
		return scheduling.Period{Start: s, End: s.Add(time.Duration(1+r.IntN(48)) * 15 * time.Minute)}
	}
	for range r.IntN(3) {
		b := scheduling.Block{Period: randPeriod(), Reason: "meeting"}
		if r.IntN(2) == 0 {
			b.Services = []scheduling.CodeableConcept{serviceA}
		}
		a.Blocks = append(a.Blocks, b)
	}
	for range r.IntN(2) {
		a.NotAvailable = append(a.NotAvailable, scheduling.NotAvailable{Description: "leave", During: randPeriod()})
	}
	if r.IntN(5) == 0 {
		sch.ServicePolicies = []scheduling.ServicePolicy{{Service: serviceA, Policy: randPolicy(r)}}
	}
	if r.IntN(6) == 0 {
		p := randPeriod()
		sch.PlanningHorizon = &scheduling.Period{Start: p.Start, End: p.Start.Add(72 * time.Hour)}
	}
	var busy BusyList
	for range r.IntN(25) {
		p := randPeriod()
		p.End = p.Start.Add(time.Duration(1+r.IntN(12)) * 5 * time.Minute)
		busy = append(busy, Busy{Start: p.Start, End: p.End, Count: r.IntN(3), Booking: r.IntN(3) != 0})
	}
	q := Query{From: lo.Add(time.Duration(r.IntN(24*4)) * 15 * time.Minute), Busy: busy}
	if r.IntN(3) != 0 {
		q.To = hi.Add(-time.Duration(r.IntN(24*4)) * 15 * time.Minute)
	} else {
		q.To = hi
	}
	if r.IntN(2) == 0 {
		q.Now = lo.Add(time.Duration(r.IntN(48*60)) * time.Minute)
	}
	if r.IntN(3) == 0 {
		q.Service = &serviceA
	}
	return propCase{sch: sch, q: q, loc: loc, lo: lo, hi: hi, describe: fmt.Sprintf("%+v\nquery %+v", sch, q)}
}

// reference computes the expected slots minute by minute.
type reference struct {
	c        propCase
	loc      *time.Location
	t0       int64           // first minute (Unix seconds) of the scanned range
	first    map[int64]int64 // wall seconds -> first instant with that wall time
	avail    []bool          // per minute from t0
	pol      scheduling.SlotPolicy
	usage    []int // capacity used per minute from t0
	dayCount map[scheduling.Date]int
}

func (ref *reference) wall(u int64) int64 {
	_, off := time.Unix(u, 0).In(ref.loc).Zone()
	return u + int64(off)
}

// resolve: first occurrence, or the first instant after a gap.
func (ref *reference) resolve(w int64) (int64, bool) {
	if u, ok := ref.first[w]; ok {
		return u, true
	}
	for u := w - 16*3600; u < w+16*3600; u += 60 {
		if ref.wall(u) > w {
			return u, false
		}
	}
	panic("no resolution")
}

func wallOf(d scheduling.Date, tod int64) int64 {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() + tod
}

func refOccurs(t *testing.T, rule scheduling.AvailabilityRule, d scheduling.Date) bool {
	if slices.Contains(rule.ExDates, d) {
		return false
	}
	if slices.Contains(rule.RDates, d) {
		return true
	}
	if rule.RRule == "" {
		return d == rule.StartDate
	}
	o, err := rrule.StrToROption(rule.RRule)
	if err != nil {
		t.Fatal(err)
	}
	o.Dtstart = time.Date(rule.StartDate.Year, rule.StartDate.Month, rule.StartDate.Day, 0, 0, 0, 0, time.UTC)
	rr, err := rrule.NewRRule(*o)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	return len(rr.Between(at, at, true)) == 1
}

func matches(svcs []scheduling.CodeableConcept, q *scheduling.CodeableConcept) bool {
	if len(svcs) == 0 {
		return true
	}
	return q != nil && svcs[0].Coding[0].Code == q.Coding[0].Code
}

func (ref *reference) minute(u int64) int { return int((u - ref.t0) / 60) }

func buildReference(t *testing.T, c propCase) (*reference, []Slot) {
	ref := &reference{c: c, loc: c.loc, first: map[int64]int64{}, dayCount: map[scheduling.Date]int{}}
	ref.t0 = c.lo.Add(-72 * time.Hour).Unix()
	t1 := c.hi.Add(72 * time.Hour).Unix()
	for u := ref.t0; u < t1; u += 60 {
		w := ref.wall(u)
		if _, ok := ref.first[w]; !ok {
			ref.first[w] = u
		}
	}
	n := int((t1 - ref.t0) / 60)
	ref.avail = make([]bool, n)
	ref.usage = make([]int, n)
	a := c.sch.Availability
	ref.pol = c.sch.Policy
	if c.q.Service != nil {
		for _, sp := range c.sch.ServicePolicies {
			if matches([]scheduling.CodeableConcept{sp.Service}, c.q.Service) {
				ref.pol = sp.Policy
			}
		}
	}
	if ref.pol.Duration == 0 {
		ref.pol.Duration = 30 * time.Minute
	}
	if ref.pol.GridInterval == 0 {
		ref.pol.GridInterval = ref.pol.Duration
	}
	if ref.pol.Capacity == 0 {
		ref.pol.Capacity = 1
	}
	mark := func(s, e int64, v bool) {
		for u := max(s, ref.t0); u < min(e, t1); u += 60 {
			ref.avail[ref.minute(u)] = v
		}
	}
	addWin := func(d scheduling.Date, st scheduling.TimeOfDay, end int64) {
		s, _ := ref.resolve(wallOf(d, int64(st)))
		e, _ := ref.resolve(wallOf(d, end))
		mark(s, e, true)
	}
	var days []scheduling.Date
	for d := dateOf(c.lo).AddDays(-2); d.Before(dateOf(c.hi).AddDays(2)); d = d.AddDays(1) {
		days = append(days, d)
	}
	for _, d := range days {
		over := false
		for _, o := range a.Overrides {
			if o.Date == d {
				over = true
				for _, w := range o.Windows {
					end := int64(w.End)
					if w.End <= w.Start {
						end += secPerDay
					}
					addWin(d, w.Start, end)
				}
			}
		}
		if over {
			continue
		}
		for _, rule := range a.Rules {
			if !matches(rule.Services, c.q.Service) || !refOccurs(t, rule, d) {
				continue
			}
			end := int64(rule.End)
			if rule.Duration > 0 {
				end = int64(rule.Start) + int64(rule.Duration/time.Second)
			} else if rule.End <= rule.Start {
				end += secPerDay
			}
			addWin(d, rule.Start, end)
		}
		for _, at := range a.AvailableTimes {
			okDay := len(at.DaysOfWeek) == 0
			for _, dw := range at.DaysOfWeek {
				okDay = okDay || dw.Weekday() == d.Weekday()
			}
			if !okDay {
				continue
			}
			st, en := scheduling.TimeOfDay(0), int64(secPerDay)
			if !at.AllDay {
				if at.StartSet {
					st = at.Start
				}
				if at.EndSet {
					en = int64(at.End)
				}
			}
			if en <= int64(st) {
				en += secPerDay
			}
			addWin(d, st, en)
		}
	}
	for _, b := range a.Blocks {
		if matches(b.Services, c.q.Service) {
			mark(b.Period.Start.Unix(), b.Period.End.Unix(), false)
		}
	}
	for _, na := range a.NotAvailable {
		mark(na.During.Start.Unix(), na.During.End.Unix(), false)
	}
	if ph := c.sch.PlanningHorizon; ph != nil {
		mark(ref.t0, ph.Start.Unix(), false)
		mark(ph.End.Unix(), t1, false)
	}
	for _, b := range c.q.Busy.(BusyList) {
		for u := b.Start.Unix(); u < b.End.Unix(); u += 60 {
			if u >= ref.t0 && u < t1 {
				ref.usage[ref.minute(u)] += max(b.Count, 1)
			}
		}
		if b.Booking {
			ref.dayCount[dateOf(b.Start.In(ref.loc))]++
		}
	}
	var want []Slot
	for _, d := range days {
		for tod := int64(ref.pol.GridOffset/time.Second) % int64(ref.pol.GridInterval/time.Second); tod < secPerDay; tod += int64(ref.pol.GridInterval / time.Second) {
			u, exists := ref.first[wallOf(d, tod)]
			if !exists {
				continue
			}
			if s, ok := ref.slot(u); ok {
				want = append(want, s)
			}
		}
	}
	return ref, want
}

// bookable applies every rule but From/To to [u, u+dur).
func (ref *reference) bookable(u, e int64) (int, bool) {
	p := ref.pol
	if u < ref.t0 || e > ref.t0+int64(len(ref.avail))*60 {
		return 0, false
	}
	for m := u; m < e; m += 60 {
		if !ref.avail[ref.minute(m)] {
			return 0, false
		}
	}
	if q := ref.c.q; !q.Now.IsZero() {
		if u < q.Now.Add(p.MinNotice).Unix() {
			return 0, false
		}
		if p.Horizon > 0 && u > q.Now.Add(p.Horizon).Unix() {
			return 0, false
		}
	}
	d := dateOf(time.Unix(u, 0).In(ref.loc))
	if p.MaxPerDay > 0 && ref.dayCount[d] >= p.MaxPerDay {
		return 0, false
	}
	if p.MaxPerWeek > 0 {
		mon := d.AddDays(-((int(d.Weekday()) + 6) % 7))
		n := 0
		for i := range 7 {
			n += ref.dayCount[mon.AddDays(i)]
		}
		if n >= p.MaxPerWeek {
			return 0, false
		}
	}
	used := 0
	for m := u - int64(p.BufferBefore/time.Second); m < e+int64(p.BufferAfter/time.Second); m += 60 {
		if m >= ref.t0 && ref.minute(m) < len(ref.usage) {
			used = max(used, ref.usage[ref.minute(m)])
		}
	}
	if p.Capacity-used < 1 {
		return 0, false
	}
	return p.Capacity - used, true
}

func (ref *reference) slot(u int64) (Slot, bool) {
	e := u + int64(ref.pol.Duration/time.Second)
	q := ref.c.q
	if u < q.From.Unix() || (!q.To.IsZero() && e > q.To.Unix()) {
		return Slot{}, false
	}
	free, ok := ref.bookable(u, e)
	if !ok {
		return Slot{}, false
	}
	return Slot{Start: time.Unix(u, 0).In(ref.loc), End: time.Unix(e, 0).In(ref.loc), Free: free}, true
}

func TestPropertyEngineEqualsBruteForce(t *testing.T) {
	n := 300
	if testing.Short() || raceEnabled {
		n = 60
	}
	r := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	total := 0
	for i := range n {
		c := randCase(r)
		sch, err := Compile(c.sch)
		if err != nil {
			t.Fatalf("case %d: compile: %v\n%s", i, err, c.describe)
		}
		ref, want := buildReference(t, c)
		search := sch.Search(ctx, c.q)
		got := slices.Collect(search.All())
		if err := search.Err(); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !slices.EqualFunc(got, want, func(a, b Slot) bool {
			return a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Free == b.Free
		}) {
			t.Fatalf("case %d (%s): engine and reference differ\n got %d: %v\nwant %d: %v\n%s", i, c.loc, len(got),
				fmtSlots(got), len(want), fmtSlots(want), c.describe)
		}
		total += len(got)
		for _, s := range got {
			// Stated directly as well: inside open time (a window, no block),
			// on the grid, clear of busy time beyond capacity.
			u := s.Start.Unix()
			if _, onGrid := ref.gridStart(u); !onGrid {
				t.Fatalf("case %d: slot %s off the grid", i, s.Start)
			}
			if _, ok := ref.bookable(u, s.End.Unix()); !ok {
				t.Fatalf("case %d: slot %s outside open time or over capacity", i, s.Start)
			}
			if err := sch.Check(ctx, c.q, s.Start, s.End); err != nil {
				t.Fatalf("case %d: Check refuses a slot Search yields: %v\n%s", i, err, c.describe)
			}
		}
		// Every quarter-hour start of the right length: Check agrees with the reference.
		dur := int64(sch.Policy(c.q.Service).Duration / time.Second)
		for u := c.lo.Unix(); u < c.hi.Unix(); u += 900 {
			err := sch.Check(ctx, c.q, time.Unix(u, 0), time.Unix(u+dur, 0))
			_, onGrid := ref.gridStart(u)
			_, okRef := ref.bookable(u, u+dur)
			if (err == nil) != (onGrid && okRef) {
				t.Fatalf("case %d: Check(%s) = %v, reference grid=%v bookable=%v\n%s", i,
					time.Unix(u, 0).In(c.loc), err, onGrid, okRef, c.describe)
			}
		}
	}
	if total == 0 {
		t.Fatal("no case yielded any slot")
	}
}

// gridStart reports whether u is a grid start under the reference.
func (ref *reference) gridStart(u int64) (int64, bool) {
	w := ref.wall(u)
	if ref.first[w] != u {
		return 0, false
	}
	tod := floorMod(w, secPerDay)
	g := int64(ref.pol.GridInterval / time.Second)
	off := int64(ref.pol.GridOffset/time.Second) % g
	return tod, (tod-off)%g == 0 && tod >= off
}

func fmtSlots(s []Slot) string {
	var b strings.Builder
	for _, x := range s {
		fmt.Fprintf(&b, "\n  %s-%s free %d", x.Start.Format("2006-01-02T15:04Z07:00"), x.End.Format("15:04Z07:00"), x.Free)
	}
	return b.String()
}
