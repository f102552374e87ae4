package fhir

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// ExtensionBase is the URL prefix of every openslot extension (it equals
// scheduling.ExtBase); the StructureDefinition of each is shipped in the
// package (see StructureDefinitions).
//
// The extensions that carry model fields are named by the constants of
// package scheduling (scheduling.ExtPaymentMode, ExtChannel, ExtWorkType,
// ExtSourceSystem, ExtHeldUntil, ExtTimeZone, ExtSlotActor, ExtAvailability,
// ExtSlotPolicy, ExtServicePolicy); the root package names
// openslot.ExtWaitlistSchedule. The ones below are used by this package
// alone.
const ExtensionBase = scheduling.ExtBase

// Extensions of notification Bundles (see NewMessage).
const (
	// ExtPreviousPeriod carries a reschedule's old start and end on the
	// MessageHeader (valuePeriod).
	ExtPreviousPeriod = ExtensionBase + "previous-period"
	// ExtCoarseEvent carries the coarse event URI (EventURIBooked,
	// EventURICancelled or EventURIUpdated) on the MessageHeader (valueUri).
	ExtCoarseEvent = ExtensionBase + "coarse-event"
)

const ucum = "http://unitsofmeasure.org"

// --- simple extensions -----------------------------------------------------

func conceptExt(url string, c *scheduling.CodeableConcept) []Extension {
	if c == nil {
		return nil
	}
	return []Extension{{URL: url, ChoiceValue: ChoiceValue{ValueCodeableConcept: fromConceptPtr(c)}}}
}

func instantExt(url string, t time.Time) []Extension {
	if t.IsZero() {
		return nil
	}
	return []Extension{{URL: url, ChoiceValue: ChoiceValue{ValueInstant: formatInstant(t)}}}
}

// sourceSystemExt writes a source system as valueUri when it is an absolute
// URI and as valueString otherwise.
func sourceSystemExt(s string) []Extension {
	if s == "" {
		return nil
	}
	e := Extension{URL: scheduling.ExtSourceSystem}
	if i := strings.Index(s, ":"); i > 0 && !strings.ContainsAny(s, " \t\r\n") && validTypeScheme(s[:i]) {
		e.ValueURI = s
	} else {
		e.ValueString = s
	}
	return []Extension{e}
}

func validTypeScheme(s string) bool {
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// one returns the single extension of a non-repeating URL.
func (c *conv) one(path string, known map[string][]Extension, url string) *Extension {
	es := known[url]
	if len(es) == 0 {
		return nil
	}
	if len(es) > 1 {
		c.fail(path+".extension", "extension %s may appear only once", url)
	}
	return &es[0]
}

func (c *conv) conceptExt(path string, known map[string][]Extension, url string) *scheduling.CodeableConcept {
	e := c.one(path, known, url)
	if e == nil {
		return nil
	}
	if e.ValueCodeableConcept == nil {
		c.fail(path+".extension", "extension %s needs valueCodeableConcept", url)
		return nil
	}
	return toConceptPtr(e.ValueCodeableConcept)
}

func (c *conv) instantExt(path string, known map[string][]Extension, url string) time.Time {
	e := c.one(path, known, url)
	if e == nil {
		return time.Time{}
	}
	if e.ValueInstant == "" {
		c.fail(path+".extension", "extension %s needs valueInstant", url)
		return time.Time{}
	}
	return c.time(path+".extension", e.ValueInstant)
}

func (c *conv) sourceSystemExt(path string, known map[string][]Extension) string {
	e := c.one(path, known, scheduling.ExtSourceSystem)
	if e == nil {
		return ""
	}
	if e.ValueString == "" && e.ValueURI == "" {
		c.fail(path+".extension", "extension %s needs valueString or valueUri", scheduling.ExtSourceSystem)
	}
	return e.ValueString + e.ValueURI
}

// --- durations -------------------------------------------------------------

var ucumUnits = []struct {
	code string
	d    time.Duration
}{{"wk", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}, {"h", time.Hour}, {"min", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}}

func fromDuration(d time.Duration) *Duration {
	for _, u := range ucumUnits[1:] {
		if d%u.d == 0 {
			return &Duration{Value: jsonNumber(int64(d / u.d)), Unit: u.code, System: ucum, Code: u.code}
		}
	}
	return &Duration{Value: jsonNumber(int64(d / time.Millisecond)), Unit: "ms", System: ucum, Code: "ms"}
}

func (c *conv) duration(path string, d *Duration) time.Duration {
	if d == nil || d.Value == "" {
		c.fail(path, "a duration needs a value")
		return 0
	}
	code := d.Code
	if code == "" {
		code = d.Unit
	}
	for _, u := range ucumUnits {
		if u.code == code {
			r, ok := new(big.Rat).SetString(string(d.Value))
			if !ok || r.Sign() < 0 {
				c.fail(path+".value", "%s is not a non-negative decimal", d.Value)
				return 0
			}
			r.Mul(r, new(big.Rat).SetInt64(int64(u.d)))
			if !r.IsInt() || !r.Num().IsInt64() {
				c.fail(path+".value", "%s %s is not a whole number of nanoseconds in range", d.Value, code)
				return 0
			}
			return time.Duration(r.Num().Int64())
		}
	}
	c.fail(path+".code", "duration unit %q is not one of the UCUM codes wk, d, h, min, s, ms", code)
	return 0
}

// --- complex extensions ----------------------------------------------------

func sub(url string, v ChoiceValue) Extension { return Extension{URL: url, ChoiceValue: v} }

func complexExt(url string, subs []Extension) []Extension {
	if len(subs) == 0 {
		return nil
	}
	return []Extension{{URL: url, Extension: subs}}
}

func availabilityExt(a scheduling.Availability) []Extension {
	var s []Extension
	if a.TimeZone != "" {
		s = append(s, sub("time-zone", ChoiceValue{ValueCode: a.TimeZone}))
	}
	for _, r := range a.Rules {
		var rs []Extension
		if r.RRule != "" {
			rs = append(rs, sub("rrule", ChoiceValue{ValueString: r.RRule}))
		}
		if !r.StartDate.IsZero() {
			rs = append(rs, sub("start-date", ChoiceValue{ValueDate: r.StartDate.String()}))
		}
		for _, d := range r.RDates {
			rs = append(rs, sub("rdate", ChoiceValue{ValueDate: d.String()}))
		}
		for _, d := range r.ExDates {
			rs = append(rs, sub("exdate", ChoiceValue{ValueDate: d.String()}))
		}
		rs = append(rs, sub("start", ChoiceValue{ValueTime: fmtTimeOfDay(r.Start)}))
		if r.Duration != 0 {
			rs = append(rs, sub("duration", ChoiceValue{ValueDuration: fromDuration(r.Duration)}))
		} else {
			rs = append(rs, sub("end", ChoiceValue{ValueTime: fmtTimeOfDay(r.End)}))
		}
		for _, sv := range r.Services {
			rs = append(rs, sub("services", ChoiceValue{ValueCodeableConcept: fromConceptPtr(&sv)}))
		}
		s = append(s, Extension{URL: "rule", Extension: rs})
	}
	for _, at := range fromAvailableTimes(a.AvailableTimes) {
		var as []Extension
		for _, d := range at.DaysOfWeek {
			as = append(as, sub("days-of-week", ChoiceValue{ValueCode: d}))
		}
		if at.AllDay != nil {
			as = append(as, sub("all-day", ChoiceValue{ValueBoolean: at.AllDay}))
		}
		if at.AvailableStartTime != "" {
			as = append(as, sub("start", ChoiceValue{ValueTime: at.AvailableStartTime}))
		}
		if at.AvailableEndTime != "" {
			as = append(as, sub("end", ChoiceValue{ValueTime: at.AvailableEndTime}))
		}
		s = append(s, complexExt("available-time", as)...)
	}
	for _, na := range a.NotAvailable {
		var ns []Extension
		if na.Description != "" {
			ns = append(ns, sub("description", ChoiceValue{ValueString: na.Description}))
		}
		if !na.During.IsZero() {
			p := fromPeriod(na.During)
			ns = append(ns, sub("during", ChoiceValue{ValuePeriod: &p}))
		}
		s = append(s, complexExt("not-available", ns)...)
	}
	for _, o := range a.Overrides {
		os := []Extension{sub("date", ChoiceValue{ValueDate: o.Date.String()})}
		for _, w := range o.Windows {
			os = append(os, Extension{URL: "window", Extension: []Extension{
				sub("start", ChoiceValue{ValueTime: fmtTimeOfDay(w.Start)}),
				sub("end", ChoiceValue{ValueTime: fmtTimeOfDay(w.End)})}})
		}
		s = append(s, Extension{URL: "override", Extension: os})
	}
	for _, b := range a.Blocks {
		p := fromPeriod(b.Period)
		bs := []Extension{sub("period", ChoiceValue{ValuePeriod: &p})}
		for _, sv := range b.Services {
			bs = append(bs, sub("services", ChoiceValue{ValueCodeableConcept: fromConceptPtr(&sv)}))
		}
		if b.Reason != "" {
			bs = append(bs, sub("reason", ChoiceValue{ValueString: b.Reason}))
		}
		s = append(s, Extension{URL: "block", Extension: bs})
	}
	return complexExt(scheduling.ExtAvailability, s)
}

// subValue checks that sub-extension e carries the value field named want
// and reports whether it does.
func (c *conv) subValue(path string, e Extension, want string, ok bool) bool {
	if !ok {
		c.fail(path, "sub-extension %q needs %s", e.URL, want)
	}
	return ok
}

func (c *conv) date(path, s string) scheduling.Date {
	d, err := scheduling.ParseDate(s)
	if err != nil {
		c.fail(path, "%q is not a full date YYYY-MM-DD", s)
	}
	return d
}

func (c *conv) availability(path string, e Extension) scheduling.Availability {
	var a scheduling.Availability
	if len(e.Extension) == 0 {
		c.fail(path, "extension %s needs sub-extensions", scheduling.ExtAvailability)
	}
	for i, s := range e.Extension {
		p := idx(path+".extension", i)
		switch s.URL {
		case "time-zone":
			if c.subValue(p, s, "valueCode", s.ValueCode != "") {
				if _, err := time.LoadLocation(s.ValueCode); err != nil || s.ValueCode == "Local" {
					c.fail(p, "%q is not an IANA time zone", s.ValueCode)
				}
				a.TimeZone = s.ValueCode
			}
		case "rule":
			a.Rules = append(a.Rules, c.rule(p, s))
		case "available-time":
			var at scheduling.AvailableTime
			for j, x := range s.Extension {
				q := idx(p+".extension", j)
				switch x.URL {
				case "days-of-week":
					if c.subValue(q, x, "valueCode", x.ValueCode != "") {
						at.DaysOfWeek = append(at.DaysOfWeek, c.days(q, []string{x.ValueCode})...)
					}
				case "all-day":
					if c.subValue(q, x, "valueBoolean", x.ValueBoolean != nil) {
						at.AllDay = *x.ValueBoolean
					}
				case "start":
					if c.subValue(q, x, "valueTime", x.ValueTime != "") {
						at.Start, at.StartSet = c.timeOfDay(q, x.ValueTime), true
					}
				case "end":
					if c.subValue(q, x, "valueTime", x.ValueTime != "") {
						at.End, at.EndSet = c.timeOfDay(q, x.ValueTime), true
					}
				default:
					c.fail(q, "unknown sub-extension %q of available-time", x.URL)
				}
			}
			a.AvailableTimes = append(a.AvailableTimes, at)
		case "not-available":
			var na scheduling.NotAvailable
			for j, x := range s.Extension {
				q := idx(p+".extension", j)
				switch x.URL {
				case "description":
					if c.subValue(q, x, "valueString", x.ValueString != "") {
						na.Description = x.ValueString
					}
				case "during":
					if c.subValue(q, x, "valuePeriod", x.ValuePeriod != nil) {
						na.During = c.period(q, *x.ValuePeriod)
					}
				default:
					c.fail(q, "unknown sub-extension %q of not-available", x.URL)
				}
			}
			a.NotAvailable = append(a.NotAvailable, na)
		case "override":
			var o scheduling.DateOverride
			hasDate := false
			for j, x := range s.Extension {
				q := idx(p+".extension", j)
				switch x.URL {
				case "date":
					if c.subValue(q, x, "valueDate", x.ValueDate != "") {
						o.Date, hasDate = c.date(q, x.ValueDate), true
					}
				case "window":
					var w scheduling.LocalWindow
					var hasStart, hasEnd bool
					for k, y := range x.Extension {
						r := idx(q+".extension", k)
						switch y.URL {
						case "start":
							if c.subValue(r, y, "valueTime", y.ValueTime != "") {
								w.Start, hasStart = c.timeOfDay(r, y.ValueTime), true
							}
						case "end":
							if c.subValue(r, y, "valueTime", y.ValueTime != "") {
								w.End, hasEnd = c.timeOfDay(r, y.ValueTime), true
							}
						default:
							c.fail(r, "unknown sub-extension %q of window", y.URL)
						}
					}
					if !hasStart || !hasEnd {
						c.fail(q, "a window needs start and end")
					}
					o.Windows = append(o.Windows, w)
				default:
					c.fail(q, "unknown sub-extension %q of override", x.URL)
				}
			}
			if !hasDate {
				c.fail(p, "an override needs a date")
			}
			a.Overrides = append(a.Overrides, o)
		case "block":
			var b scheduling.Block
			hasPeriod := false
			for j, x := range s.Extension {
				q := idx(p+".extension", j)
				switch x.URL {
				case "period":
					if c.subValue(q, x, "valuePeriod", x.ValuePeriod != nil) {
						b.Period, hasPeriod = c.period(q, *x.ValuePeriod), true
					}
				case "services":
					if c.subValue(q, x, "valueCodeableConcept", x.ValueCodeableConcept != nil) {
						b.Services = append(b.Services, toConcept(*x.ValueCodeableConcept))
					}
				case "reason":
					if c.subValue(q, x, "valueString", x.ValueString != "") {
						b.Reason = x.ValueString
					}
				default:
					c.fail(q, "unknown sub-extension %q of block", x.URL)
				}
			}
			if !hasPeriod {
				c.fail(p, "a block needs a period")
			}
			a.Blocks = append(a.Blocks, b)
		default:
			c.fail(p, "unknown sub-extension %q of %s", s.URL, scheduling.ExtAvailability)
		}
	}
	return a
}

func (c *conv) rule(path string, e Extension) scheduling.AvailabilityRule {
	var r scheduling.AvailabilityRule
	var hasStart, hasEnd bool
	for i, x := range e.Extension {
		p := idx(path+".extension", i)
		switch x.URL {
		case "rrule":
			if c.subValue(p, x, "valueString", x.ValueString != "") {
				r.RRule = strings.TrimPrefix(x.ValueString, "RRULE:")
				if r.RRule != x.ValueString {
					c.fail(p, "rrule is the RRULE value without the \"RRULE:\" prefix")
				}
			}
		case "start-date":
			if c.subValue(p, x, "valueDate", x.ValueDate != "") {
				r.StartDate = c.date(p, x.ValueDate)
			}
		case "rdate":
			if c.subValue(p, x, "valueDate", x.ValueDate != "") {
				r.RDates = append(r.RDates, c.date(p, x.ValueDate))
			}
		case "exdate":
			if c.subValue(p, x, "valueDate", x.ValueDate != "") {
				r.ExDates = append(r.ExDates, c.date(p, x.ValueDate))
			}
		case "start":
			if c.subValue(p, x, "valueTime", x.ValueTime != "") {
				r.Start, hasStart = c.timeOfDay(p, x.ValueTime), true
			}
		case "end":
			if c.subValue(p, x, "valueTime", x.ValueTime != "") {
				r.End, hasEnd = c.timeOfDay(p, x.ValueTime), true
			}
		case "duration":
			if c.subValue(p, x, "valueDuration", x.ValueDuration != nil) {
				r.Duration, hasEnd = c.duration(p+".valueDuration", x.ValueDuration), true
			}
		case "services":
			if c.subValue(p, x, "valueCodeableConcept", x.ValueCodeableConcept != nil) {
				r.Services = append(r.Services, toConcept(*x.ValueCodeableConcept))
			}
		default:
			c.fail(p, "unknown sub-extension %q of rule", x.URL)
		}
	}
	if !hasStart || !hasEnd {
		c.fail(path, "a rule needs start and either end or duration")
	}
	if r.RRule == "" && r.StartDate.IsZero() && len(r.RDates) == 0 {
		c.fail(path, "a rule needs rrule with start-date, or start-date, or rdate")
	}
	return r
}

var policyDurations = []struct {
	url string
	get func(*scheduling.SlotPolicy) *time.Duration
}{
	{"duration", func(p *scheduling.SlotPolicy) *time.Duration { return &p.Duration }},
	{"grid-interval", func(p *scheduling.SlotPolicy) *time.Duration { return &p.GridInterval }},
	{"grid-offset", func(p *scheduling.SlotPolicy) *time.Duration { return &p.GridOffset }},
	{"buffer-before", func(p *scheduling.SlotPolicy) *time.Duration { return &p.BufferBefore }},
	{"buffer-after", func(p *scheduling.SlotPolicy) *time.Duration { return &p.BufferAfter }},
	{"min-notice", func(p *scheduling.SlotPolicy) *time.Duration { return &p.MinNotice }},
	{"horizon", func(p *scheduling.SlotPolicy) *time.Duration { return &p.Horizon }},
}

var policyCounts = []struct {
	url string
	get func(*scheduling.SlotPolicy) *int
}{
	{"capacity", func(p *scheduling.SlotPolicy) *int { return &p.Capacity }},
	{"max-per-day", func(p *scheduling.SlotPolicy) *int { return &p.MaxPerDay }},
	{"max-per-week", func(p *scheduling.SlotPolicy) *int { return &p.MaxPerWeek }},
}

func policySubs(p scheduling.SlotPolicy) []Extension {
	var s []Extension
	for _, d := range policyDurations {
		if v := *d.get(&p); v != 0 {
			s = append(s, sub(d.url, ChoiceValue{ValueDuration: fromDuration(v)}))
		}
	}
	for _, n := range policyCounts {
		if v := *n.get(&p); v != 0 {
			s = append(s, sub(n.url, ChoiceValue{ValuePositiveInt: &v}))
		}
	}
	return s
}

func (c *conv) policy(path string, subs []Extension) scheduling.SlotPolicy {
	var p scheduling.SlotPolicy
	if len(subs) == 0 {
		c.fail(path, "a slot policy needs sub-extensions")
	}
next:
	for i, x := range subs {
		q := idx(path+".extension", i)
		for _, d := range policyDurations {
			if x.URL == d.url {
				if c.subValue(q, x, "valueDuration", x.ValueDuration != nil) {
					*d.get(&p) = c.duration(q+".valueDuration", x.ValueDuration)
				}
				continue next
			}
		}
		for _, n := range policyCounts {
			if x.URL == n.url {
				v, ok := x.ValuePositiveInt, x.ValuePositiveInt != nil
				if !ok {
					v, ok = x.ValueUnsignedInt, x.ValueUnsignedInt != nil
				}
				if c.subValue(q, x, "valuePositiveInt or valueUnsignedInt", ok) {
					*n.get(&p) = *v
				}
				continue next
			}
		}
		c.fail(q, "unknown sub-extension %q of a slot policy", x.URL)
	}
	return p
}

func servicePolicyExts(sps []scheduling.ServicePolicy) []Extension {
	var out []Extension
	for _, sp := range sps {
		s := []Extension{sub("service", ChoiceValue{ValueCodeableConcept: fromConceptPtr(&sp.Service)})}
		s = append(s, complexExt("policy", policySubs(sp.Policy))...)
		out = append(out, Extension{URL: scheduling.ExtServicePolicy, Extension: s})
	}
	return out
}

func (c *conv) servicePolicy(path string, e Extension) scheduling.ServicePolicy {
	var sp scheduling.ServicePolicy
	hasService := false
	for i, x := range e.Extension {
		q := idx(path+".extension", i)
		switch x.URL {
		case "service":
			if c.subValue(q, x, "valueCodeableConcept", x.ValueCodeableConcept != nil) {
				sp.Service, hasService = toConcept(*x.ValueCodeableConcept), true
			}
		case "policy":
			sp.Policy = c.policy(q, x.Extension)
		default:
			c.fail(q, "unknown sub-extension %q of %s", x.URL, scheduling.ExtServicePolicy)
		}
	}
	if !hasService {
		c.fail(path, "a service policy needs a service")
	}
	return sp
}

func jsonNumber(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }
