package availability

import (
	"fmt"
	"slices"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// Schedule is a compiled, immutable view of one scheduling.Schedule: rules
// parsed, zone loaded, policies checked. It is safe for concurrent use by
// many goroutines.
type Schedule struct {
	zone      *zone
	active    bool
	rules     []*compiledRule
	overrides map[int64][]wallWindow // by local day
	lastOver  int64                  // last override day with windows, or negInf
	cuts      []cut                  // notAvailable, blocks, planning horizon
	policy    policy
	services  []servicePolicy
}

// wallWindow is a window in wall-clock seconds from the local midnight of
// the date it belongs to: 0 <= start < 24h, start < end <= start+24h.
type wallWindow struct{ start, end int64 }

type compiledRule struct {
	label    string
	rec      *recurrence
	win      wallWindow
	services []scheduling.CodeableConcept
}

// cut is a closed period: notAvailable, a block or outside the planning
// horizon. Bounds are Unix seconds; negInf/posInf stand for open bounds.
type cut struct {
	s, e     int64
	services []scheduling.CodeableConcept
	label    string
}

type servicePolicy struct {
	service scheduling.CodeableConcept
	policy  policy
}

// policy is a SlotPolicy with defaults filled and durations in seconds.
type policy struct {
	pub                    scheduling.SlotPolicy
	dur, grid, off, bb, ba int64
	cap, maxDay, maxWeek   int
}

// DefaultDuration is the slot length used when a policy's Duration is zero.
const DefaultDuration = 30 * time.Minute

func invalid(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidRule, path, fmt.Sprintf(format, args...))
}

// Compile validates s and prepares it for Search and Check. Every problem is
// reported as an error wrapping ErrInvalidRule that names the field, for
// example "availability.rules[2].rrule: FREQ=HOURLY is not supported".
//
// An empty TimeZone is allowed only when the availability has no rules,
// available times or overrides (then UTC is used); the zone "Local" is
// refused because it depends on the machine.
func Compile(s *scheduling.Schedule) (*Schedule, error) {
	if s == nil {
		return nil, invalid("schedule", "is nil")
	}
	a := &s.Availability
	c := &Schedule{active: s.IsActive(), overrides: map[int64][]wallWindow{}, lastOver: negInf}
	tz := a.TimeZone
	if tz == "" {
		if len(a.Rules) > 0 || len(a.AvailableTimes) > 0 || len(a.Overrides) > 0 {
			return nil, invalid("availability.timeZone", "is required when there are rules, available times or overrides")
		}
		tz = "UTC"
	}
	z, err := loadZone(tz)
	if err != nil {
		return nil, invalid("availability.timeZone", "%v", err)
	}
	c.zone = z
	for i, r := range a.Rules {
		cr, err := compileRule(r, fmt.Sprintf("availability.rules[%d]", i))
		if err != nil {
			return nil, err
		}
		c.rules = append(c.rules, cr)
	}
	for i, at := range a.AvailableTimes {
		cr, err := compileAvailableTime(at, fmt.Sprintf("availability.availableTimes[%d]", i))
		if err != nil {
			return nil, err
		}
		c.rules = append(c.rules, cr)
	}
	for i, o := range a.Overrides {
		path := fmt.Sprintf("availability.overrides[%d]", i)
		if err := validDate(o.Date); err != nil {
			return nil, invalid(path+".date", "%v", err)
		}
		day := dateDay(o.Date)
		if _, dup := c.overrides[day]; dup {
			return nil, invalid(path+".date", "%s has another override", o.Date)
		}
		ws := []wallWindow{}
		for j, w := range o.Windows {
			ww, err := window(w.Start, w.End, 0, fmt.Sprintf("%s.windows[%d]", path, j))
			if err != nil {
				return nil, err
			}
			ws = append(ws, ww)
		}
		c.overrides[day] = ws
		if len(ws) > 0 {
			c.lastOver = max(c.lastOver, day)
		}
	}
	for i, na := range a.NotAvailable {
		ct, err := compileCut(na.During, nil, fmt.Sprintf("availability.notAvailable[%d]", i), ".during")
		if err != nil {
			return nil, err
		}
		if na.Description != "" {
			ct.label += " (" + na.Description + ")"
		}
		c.cuts = append(c.cuts, ct)
	}
	for i, b := range a.Blocks {
		ct, err := compileCut(b.Period, b.Services, fmt.Sprintf("availability.blocks[%d]", i), ".period")
		if err != nil {
			return nil, err
		}
		if b.Reason != "" {
			ct.label += " (" + b.Reason + ")"
		}
		c.cuts = append(c.cuts, ct)
	}
	if ph := s.PlanningHorizon; ph != nil {
		if !ph.Start.IsZero() && !ph.End.IsZero() && !ph.End.After(ph.Start) {
			return nil, invalid("planningHorizon", "end %s is not after start %s", ph.End, ph.Start)
		}
		if !ph.Start.IsZero() {
			c.cuts = append(c.cuts, cut{s: negInf, e: ceilSec(ph.Start), label: "before planningHorizon.start"})
		}
		if !ph.End.IsZero() {
			c.cuts = append(c.cuts, cut{s: floorSec(ph.End), e: posInf, label: "after planningHorizon.end"})
		}
	}
	if c.policy, err = compilePolicy(s.Policy, "policy"); err != nil {
		return nil, err
	}
	for i, sp := range s.ServicePolicies {
		path := fmt.Sprintf("servicePolicies[%d]", i)
		if !hasCode(sp.Service) {
			return nil, invalid(path+".service", "needs a coding with a code")
		}
		p, err := compilePolicy(sp.Policy, path+".policy")
		if err != nil {
			return nil, err
		}
		c.services = append(c.services, servicePolicy{service: sp.Service, policy: p})
	}
	return c, nil
}

func compileRule(r scheduling.AvailabilityRule, path string) (*compiledRule, error) {
	cr := &compiledRule{label: path, services: r.Services}
	var err error
	if cr.win, err = window(r.Start, r.End, r.Duration, path); err != nil {
		return nil, err
	}
	if !r.StartDate.IsZero() {
		if err := validDate(r.StartDate); err != nil {
			return nil, invalid(path+".startDate", "%v", err)
		}
	}
	start := dateDay(r.StartDate)
	if r.RRule == "" {
		if r.StartDate.IsZero() && len(r.RDates) == 0 {
			return nil, invalid(path, "needs an rrule, a startDate or rdates")
		}
		cr.rec = &recurrence{kind: recNone, first: start, until: start}
		if r.StartDate.IsZero() {
			cr.rec.first, cr.rec.until = posInf, negInf
		}
	} else {
		if r.StartDate.IsZero() {
			return nil, invalid(path+".startDate", "is required with an rrule")
		}
		if cr.rec, err = parseRRule(r.RRule, start); err != nil {
			return nil, invalid(path+".rrule", "%v", err)
		}
	}
	if cr.rec.rdates, err = dayList(r.RDates, path+".rdates"); err != nil {
		return nil, err
	}
	if cr.rec.exdates, err = dayList(r.ExDates, path+".exdates"); err != nil {
		return nil, err
	}
	for i, sv := range r.Services {
		if !hasCode(sv) {
			return nil, invalid(fmt.Sprintf("%s.services[%d]", path, i), "needs a coding with a code")
		}
	}
	return cr, nil
}

func dayList(ds []scheduling.Date, path string) ([]int64, error) {
	var out []int64
	for i, d := range ds {
		if err := validDate(d); err != nil {
			return nil, invalid(fmt.Sprintf("%s[%d]", path, i), "%v", err)
		}
		out = append(out, dateDay(d))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func compileAvailableTime(at scheduling.AvailableTime, path string) (*compiledRule, error) {
	rec := &recurrence{kind: recWeekdays}
	if len(at.DaysOfWeek) == 0 {
		rec.weekdays = [7]bool{true, true, true, true, true, true, true}
	}
	for i, d := range at.DaysOfWeek {
		wd := d.Weekday()
		if wd < 0 {
			return nil, invalid(fmt.Sprintf("%s.daysOfWeek[%d]", path, i), "%q is not a day of the week", d)
		}
		rec.weekdays[wd] = true
	}
	start, end := scheduling.TimeOfDay(0), scheduling.TimeOfDay(secPerDay)
	if !at.AllDay {
		if at.StartSet {
			start = at.Start
		}
		if at.EndSet {
			end = at.End
		}
	}
	w, err := window(start, end, 0, path)
	if err != nil {
		return nil, err
	}
	return &compiledRule{label: path, rec: rec, win: w}, nil
}

// window validates a wall-clock window. With dur zero the window runs to
// end, crossing midnight when end is at or before start.
func window(start, end scheduling.TimeOfDay, dur time.Duration, path string) (wallWindow, error) {
	if start < 0 || start >= secPerDay {
		return wallWindow{}, invalid(path+".start", "%d seconds is not a time of day before 24:00", int(start))
	}
	if end < 0 || end > secPerDay {
		return wallWindow{}, invalid(path+".end", "%d seconds is not a time of day up to 24:00", int(end))
	}
	w := wallWindow{start: int64(start), end: int64(end)}
	switch {
	case dur < 0 || dur > 24*time.Hour || dur%time.Second != 0:
		return wallWindow{}, invalid(path+".duration", "%v is not whole seconds between 0 and 24h", dur)
	case dur > 0:
		w.end = w.start + int64(dur/time.Second)
	case w.end <= w.start:
		w.end += secPerDay
	}
	return w, nil
}

func compileCut(p scheduling.Period, services []scheduling.CodeableConcept, path, field string) (cut, error) {
	if p.IsZero() {
		return cut{}, invalid(path+field, "needs a start or an end")
	}
	if !p.Start.IsZero() && !p.End.IsZero() && !p.End.After(p.Start) {
		return cut{}, invalid(path+field, "end %s is not after start %s", p.End.Format(time.RFC3339), p.Start.Format(time.RFC3339))
	}
	for i, sv := range services {
		if !hasCode(sv) {
			return cut{}, invalid(fmt.Sprintf("%s.services[%d]", path, i), "needs a coding with a code")
		}
	}
	c := cut{s: negInf, e: posInf, services: services, label: path}
	if !p.Start.IsZero() {
		c.s = floorSec(p.Start)
	}
	if !p.End.IsZero() {
		c.e = ceilSec(p.End)
	}
	return c, nil
}

func compilePolicy(p scheduling.SlotPolicy, path string) (policy, error) {
	if p.Duration == 0 {
		p.Duration = DefaultDuration
	}
	if p.GridInterval == 0 {
		p.GridInterval = p.Duration
	}
	if p.Capacity == 0 {
		p.Capacity = 1
	}
	check := func(field string, d, lo, hi time.Duration) error {
		if d < lo || d > hi || d%time.Second != 0 {
			return invalid(path+"."+field, "%v is not whole seconds between %v and %v", d, lo, hi)
		}
		return nil
	}
	day := 24 * time.Hour
	for _, f := range []struct {
		name   string
		d      time.Duration
		lo, hi time.Duration
	}{
		{"duration", p.Duration, time.Minute, day},
		{"gridInterval", p.GridInterval, time.Minute, day},
		{"gridOffset", p.GridOffset, 0, day - time.Second},
		{"bufferBefore", p.BufferBefore, 0, day},
		{"bufferAfter", p.BufferAfter, 0, day},
	} {
		if err := check(f.name, f.d, f.lo, f.hi); err != nil {
			return policy{}, err
		}
	}
	if p.MinNotice < 0 {
		return policy{}, invalid(path+".minNotice", "%v is negative", p.MinNotice)
	}
	if p.Horizon < 0 {
		return policy{}, invalid(path+".horizon", "%v is negative", p.Horizon)
	}
	if p.Capacity < 0 {
		return policy{}, invalid(path+".capacity", "%d is negative", p.Capacity)
	}
	if p.MaxPerDay < 0 {
		return policy{}, invalid(path+".maxPerDay", "%d is negative", p.MaxPerDay)
	}
	if p.MaxPerWeek < 0 {
		return policy{}, invalid(path+".maxPerWeek", "%d is negative", p.MaxPerWeek)
	}
	sec := func(d time.Duration) int64 { return int64(d / time.Second) }
	return policy{
		pub: p, dur: sec(p.Duration), grid: sec(p.GridInterval), off: sec(p.GridOffset) % sec(p.GridInterval),
		bb: sec(p.BufferBefore), ba: sec(p.BufferAfter), cap: p.Capacity, maxDay: p.MaxPerDay, maxWeek: p.MaxPerWeek,
	}, nil
}

func hasCode(c scheduling.CodeableConcept) bool {
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return true
		}
	}
	return false
}

// sameService reports whether a and b share a coding: equal codes and equal
// systems, where an empty system matches any system.
func sameService(a, b scheduling.CodeableConcept) bool {
	for _, x := range a.Coding {
		for _, y := range b.Coding {
			if x.Code != "" && x.Code == y.Code && (x.System == "" || y.System == "" || x.System == y.System) {
				return true
			}
		}
	}
	return false
}

// applies reports whether something scoped to services applies to a query
// for service: unscoped things always apply, scoped ones only to a matching
// service.
func applies(services []scheduling.CodeableConcept, service *scheduling.CodeableConcept) bool {
	if len(services) == 0 {
		return true
	}
	if service == nil {
		return false
	}
	for _, sv := range services {
		if sameService(sv, *service) {
			return true
		}
	}
	return false
}

// policyFor returns the compiled policy for service.
func (s *Schedule) policyFor(service *scheduling.CodeableConcept) *policy {
	if service != nil {
		for i := range s.services {
			if sameService(s.services[i].service, *service) {
				return &s.services[i].policy
			}
		}
	}
	return &s.policy
}

// Policy returns the effective slot policy for service (nil for the
// schedule's own policy) with defaults filled: Duration DefaultDuration when
// zero, GridInterval equal to Duration when zero, Capacity 1 when zero. A
// ServicePolicy whose Service shares a coding with service replaces the
// schedule's policy as a whole (no field-by-field merge).
func (s *Schedule) Policy(service *scheduling.CodeableConcept) scheduling.SlotPolicy {
	return s.policyFor(service).pub
}

// Location returns the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.zone.loc }

func floorSec(t time.Time) int64 { return t.Unix() }

func ceilSec(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}
