package scheduling

import (
	"encoding/json"
	"fmt"
	"time"
)

// Meta is the bookkeeping every stored resource carries. A store assigns
// Version and LastUpdated on each write; callers set ID only when they want a
// specific logical id.
type Meta struct {
	// ID is the logical id of the resource, unique per resource type.
	ID string
	// Version increases by one on every stored write; 0 means "never stored".
	Version int64
	// LastUpdated is when the stored version was written (UTC).
	LastUpdated time.Time
}

// Extension is an element the model does not understand, kept exactly as it
// was received (one FHIR extension object as JSON) so that it survives a
// round-trip through the library. URL duplicates the "url" member for
// convenient lookups.
type Extension struct {
	URL  string
	JSON json.RawMessage
}

// Elements holds the FHIR elements of a resource that the model does not
// represent (narrative text, meta tags and profiles, contained resources,
// Patient.contact, primitive extensions such as "_birthDate", ...), keyed by
// their JSON member name and kept as JSON. Package fhir fills it when it maps
// a FHIR resource to the model and writes it back out, so a resource that
// arrives as FHIR leaves the same. Code that builds resources in Go can
// ignore it.
type Elements map[string]json.RawMessage

// Coding is a code from a code system (FHIR Coding).
type Coding struct {
	System  string
	Version string
	Code    string
	Display string
}

// CodeableConcept is a concept given by one or more codings and/or text
// (FHIR CodeableConcept).
type CodeableConcept struct {
	Coding []Coding
	Text   string
}

// HasCode reports whether any coding of c has the given system and code. An
// empty system matches any system.
func (c CodeableConcept) HasCode(system, code string) bool {
	for _, cd := range c.Coding {
		if cd.Code == code && (system == "" || cd.System == system) {
			return true
		}
	}
	return false
}

// Concept returns a CodeableConcept with a single coding.
func Concept(system, code, display string) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: system, Code: code, Display: display}}}
}

// Identifier is a business identifier (FHIR Identifier).
type Identifier struct {
	Use      string
	Type     *CodeableConcept
	System   string
	Value    string
	Period   *Period
	Assigner *Reference
}

// Reference points at another resource (FHIR Reference): by literal
// reference ("Practitioner/123" or an absolute URL), by logical identifier,
// or both.
type Reference struct {
	Reference  string
	Type       string
	Identifier *Identifier
	Display    string
}

// Ref returns a literal reference "Type/id".
func Ref(resourceType, id string) Reference {
	return Reference{Reference: resourceType + "/" + id}
}

// Period is a time range (FHIR Period). A zero Start or End means that bound
// is absent (open).
type Period struct {
	Start time.Time
	End   time.Time
}

// IsZero reports whether both bounds are absent.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

// Overlaps reports whether the half-open ranges [p.Start, p.End) and
// [q.Start, q.End) share an instant. Absent bounds are unbounded.
func (p Period) Overlaps(q Period) bool {
	return (p.End.IsZero() || q.Start.IsZero() || q.Start.Before(p.End)) &&
		(q.End.IsZero() || p.Start.IsZero() || p.Start.Before(q.End))
}

// Contains reports whether t lies in the half-open range [p.Start, p.End).
func (p Period) Contains(t time.Time) bool {
	return (p.Start.IsZero() || !t.Before(p.Start)) && (p.End.IsZero() || t.Before(p.End))
}

// ContactPoint is a phone number, email address or similar (FHIR ContactPoint).
type ContactPoint struct {
	System string
	Value  string
	Use    string
	Rank   int
	Period *Period
}

// Address is a postal address (FHIR Address).
type Address struct {
	Use        string
	Type       string
	Text       string
	Line       []string
	City       string
	District   string
	State      string
	PostalCode string
	Country    string
	Period     *Period
}

// HumanName is a person's name (FHIR HumanName).
type HumanName struct {
	Use    string
	Text   string
	Family string
	Given  []string
	Prefix []string
	Suffix []string
	Period *Period
}

// Date is a calendar date without a time zone, used for local dates in a
// schedule's zone (overrides, recurrence starts) and for birth dates.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses a date in the form YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%w: date %q is not YYYY-MM-DD", ErrInvalid, s)
	}
	return DateOf(t), nil
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns the instant of the local wall-clock time tod on date d in loc,
// following Go's rules for wall times that do not exist or are ambiguous
// (see package availability for the policy openslot applies on top).
func (d Date) In(tod TimeOfDay, loc *time.Location) time.Time {
	s := int(tod)
	return time.Date(d.Year, d.Month, d.Day, s/3600, s/60%60, s%60, 0, loc)
}

// AddDays returns d moved by n calendar days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// TimeOfDay is a wall-clock time as seconds since local midnight, from 0 to
// 24h (24:00 is allowed as an end time meaning "end of the day").
type TimeOfDay int32

// Clock returns the TimeOfDay h:m:s.
func Clock(h, m, s int) TimeOfDay { return TimeOfDay(h*3600 + m*60 + s) }

// ParseTimeOfDay parses "HH:MM" or "HH:MM:SS" (FHIR time), digits only.
// "24:00" is accepted as the end of a day.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	bad := func() (TimeOfDay, error) {
		return 0, fmt.Errorf("%w: time of day %q is not HH:MM or HH:MM:SS", ErrInvalid, s)
	}
	if (len(s) != 5 && len(s) != 8) || s[2] != ':' || (len(s) == 8 && s[5] != ':') {
		return bad()
	}
	// two parses the two digits at s[i:i+2], or returns -1.
	two := func(i int) int {
		a, b := s[i], s[i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return -1
		}
		return int(a-'0')*10 + int(b-'0')
	}
	h, m, sec := two(0), two(3), 0
	if len(s) == 8 {
		sec = two(6)
	}
	if h < 0 || m < 0 || sec < 0 || m > 59 || sec > 59 || h > 24 || (h == 24 && (m != 0 || sec != 0)) {
		return bad()
	}
	return Clock(h, m, sec), nil
}

// String formats t as HH:MM:SS (the FHIR time format).
func (t TimeOfDay) String() string {
	s := int(t)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// Duration returns t as a duration since midnight.
func (t TimeOfDay) Duration() time.Duration { return time.Duration(t) * time.Second }
