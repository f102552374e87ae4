package scheduling

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Issue is one problem found by a Validate method.
type Issue struct {
	// Path locates the element in FHIR style, relative to the resource:
	// "participant[1].status", "start", "availability.rules[0].startDate".
	Path string
	// Message says what is wrong, for a person to read.
	Message string
}

// String formats the issue as "path: message".
func (i Issue) String() string {
	if i.Path == "" {
		return i.Message
	}
	return i.Path + ": " + i.Message
}

// ValidationError lists every problem a Validate method found, in the order
// of the resource's elements. errors.Is(err, ErrInvalid) is true for it.
type ValidationError struct {
	Issues []Issue
}

// Error joins the issues: "invalid: participant[1].status: required; end:
// must be after start".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalid.Error())
	for i, is := range e.Issues {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(is.String())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// validator collects issues.
type validator struct {
	issues []Issue
}

func (v *validator) add(path, msg string) {
	v.issues = append(v.issues, Issue{Path: path, Message: msg})
}

func (v *validator) addf(path, format string, args ...any) { v.add(path, fmt.Sprintf(format, args...)) }

func (v *validator) err() error {
	if len(v.issues) == 0 {
		return nil
	}
	return &ValidationError{Issues: v.issues}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// The actor types R4 allows for Appointment.participant.actor,
// AppointmentResponse.actor and Schedule.actor.
var actorTypes = []string{"Patient", "Practitioner", "PractitionerRole", "RelatedPerson", "Device",
	"HealthcareService", "Location"}

// isTypeName reports whether s looks like a FHIR resource type name:
// [A-Z][A-Za-z]+.
func isTypeName(s string) bool {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// isID reports whether s is a FHIR id: [A-Za-z0-9\-.]{1,64}.
func isID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isRelativeRef reports whether s is "Type/id" or "Type/id/_history/vid".
func isRelativeRef(s string) bool {
	typ, rest, ok := strings.Cut(s, "/")
	if !ok || !isTypeName(typ) {
		return false
	}
	id, version, versioned := strings.Cut(rest, "/_history/")
	return isID(id) && (!versioned || isID(version))
}

// isContainedRef reports whether s is "#" or "#id".
func isContainedRef(s string) bool { return s == "#" || (len(s) > 1 && s[0] == '#' && isID(s[1:])) }

// code checks an optional code against its required value set.
func (v *validator) code(path, value string, valid ...string) {
	if value != "" && !slices.Contains(valid, value) {
		v.addf(path, "%q is not one of %s", value, strings.Join(valid, ", "))
	}
}

// period checks that a period's start is before its end when both are set.
func (v *validator) period(path string, p Period) {
	if !p.Start.IsZero() && !p.End.IsZero() && !p.Start.Before(p.End) {
		v.add(join(path, "end"), "must be after start")
	}
}

func (v *validator) optPeriod(path string, p *Period) {
	if p != nil {
		v.period(path, *p)
	}
}

// ref checks a Reference: it must say something (reference, identifier or
// display); its literal must be "Type/id", an absolute URL or "#id"; and when
// types are given, the type it names must be one of them.
func (v *validator) ref(path string, r Reference, types ...string) {
	if r.Reference == "" && r.Identifier == nil && r.Display == "" {
		v.add(path, "must have a reference, an identifier or a display")
		return
	}
	var literalType string
	if s := r.Reference; s != "" {
		switch {
		case strings.HasPrefix(s, "#"):
			if !isContainedRef(s) {
				v.addf(join(path, "reference"), "%q is not a valid contained reference (#id)", s)
			}
		case isRelativeRef(s):
			literalType, _ = r.Split()
		default:
			u, err := url.Parse(s)
			if err != nil || !u.IsAbs() || ((u.Scheme == "http" || u.Scheme == "https") && u.Host == "") {
				v.addf(join(path, "reference"), "%q is not Type/id, an absolute URL or #id", s)
				break
			}
			literalType, _ = r.Split()
		}
	}
	if r.Type != "" {
		if !isTypeName(r.Type) {
			if u, err := url.Parse(r.Type); err != nil || !u.IsAbs() {
				v.addf(join(path, "type"), "%q is neither a resource type nor an absolute URL", r.Type)
			}
		}
		if literalType != "" && literalType != r.Type {
			v.addf(join(path, "type"), "%q does not match the reference %q", r.Type, r.Reference)
		}
	}
	if r.Identifier != nil {
		v.identifier(join(path, "identifier"), *r.Identifier)
	}
	typ := literalType
	if typ == "" && isTypeName(r.Type) {
		typ = r.Type
	}
	if len(types) > 0 && typ != "" && !slices.Contains(types, typ) {
		v.addf(path, "must refer to %s, not %s", strings.Join(types, " or "), typ)
	}
}

func (v *validator) optRef(path string, r *Reference, types ...string) {
	if r != nil {
		v.ref(path, *r, types...)
	}
}

func (v *validator) refs(path string, rs []Reference, types ...string) {
	for i, r := range rs {
		v.ref(index(path, i), r, types...)
	}
}

func (v *validator) identifier(path string, id Identifier) {
	v.code(join(path, "use"), id.Use, "usual", "official", "temp", "secondary", "old")
	v.optPeriod(join(path, "period"), id.Period)
	v.optRef(join(path, "assigner"), id.Assigner, "Organization")
}

func (v *validator) identifiers(path string, ids []Identifier) {
	for i, id := range ids {
		v.identifier(index(path, i), id)
	}
}

func (v *validator) telecom(path string, cps []ContactPoint) {
	for i, cp := range cps {
		p := index(path, i)
		v.code(join(p, "system"), cp.System, "phone", "fax", "email", "pager", "url", "sms", "other")
		v.code(join(p, "use"), cp.Use, "home", "work", "temp", "old", "mobile")
		if cp.Value != "" && cp.System == "" {
			v.add(join(p, "system"), "required when value is set (cpt-2)")
		}
		if cp.Rank < 0 {
			v.add(join(p, "rank"), "must not be negative")
		}
		v.optPeriod(join(p, "period"), cp.Period)
	}
}

func (v *validator) address(path string, a Address) {
	v.code(join(path, "use"), a.Use, "home", "work", "temp", "old", "billing")
	v.code(join(path, "type"), a.Type, "postal", "physical", "both")
	v.optPeriod(join(path, "period"), a.Period)
}

func (v *validator) addresses(path string, as []Address) {
	for i, a := range as {
		v.address(index(path, i), a)
	}
}

func (v *validator) names(path string, ns []HumanName) {
	for i, n := range ns {
		p := index(path, i)
		v.code(join(p, "use"), n.Use, "usual", "official", "temp", "nickname", "anonymous", "old", "maiden")
		v.optPeriod(join(p, "period"), n.Period)
	}
}

// extensions checks the model's kept extensions: a url, and JSON (when
// there is any) that is one extension object whose url member, if present,
// is URL, and that keeps ext-1 at every level.
func (v *validator) extensions(path string, es []Extension) {
	for i, e := range es {
		p := index(path, i)
		if e.URL == "" {
			v.add(join(p, "url"), "required")
		}
		if len(e.JSON) == 0 {
			continue
		}
		if !json.Valid(e.JSON) {
			v.add(p, "is not valid JSON")
			continue
		}
		var members map[string]json.RawMessage
		if json.Unmarshal(e.JSON, &members) != nil || members == nil {
			v.add(p, "is not a JSON object")
			continue
		}
		if raw, ok := members["url"]; ok {
			var u string
			if json.Unmarshal(raw, &u) != nil || (e.URL != "" && u != e.URL) {
				v.addf(join(p, "url"), "%q does not match the url member %s", e.URL, raw)
			}
		}
		v.extensionContent(p, members)
	}
}

// extensionContent checks ext-1 on an extension object's members: nested
// extensions or one value[x], not both; nested extensions need a url and
// are checked the same way.
func (v *validator) extensionContent(path string, members map[string]json.RawMessage) {
	values := 0
	for k := range members {
		if strings.HasPrefix(k, "value") {
			values++
		}
	}
	var nested []json.RawMessage
	if raw, ok := members["extension"]; ok && json.Unmarshal(raw, &nested) != nil {
		v.add(join(path, "extension"), "is not a JSON array")
		return
	}
	switch {
	case values > 1:
		v.add(path, "has at most one value[x]")
	case values == 1 && len(nested) > 0:
		v.add(path, "must have either extensions or a value[x], not both (ext-1)")
	case values == 0 && len(nested) == 0:
		v.add(path, "must have either extensions or a value[x] (ext-1)")
	}
	for j, raw := range nested {
		p := index(join(path, "extension"), j)
		var sub map[string]json.RawMessage
		if json.Unmarshal(raw, &sub) != nil || sub == nil {
			v.add(p, "is not a JSON object")
			continue
		}
		var u string
		if json.Unmarshal(sub["url"], &u) != nil || u == "" {
			v.add(join(p, "url"), "required")
		}
		v.extensionContent(p, sub)
	}
}

func (v *validator) gender(path, g string) { v.code(path, g, "male", "female", "other", "unknown") }

// fhirDate checks an optional FHIR date: YYYY, YYYY-MM or YYYY-MM-DD.
func (v *validator) fhirDate(path, s string) {
	if s == "" {
		return
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: time.DateOnly}[len(s)]
	if t, err := time.Parse(layout, s); layout == "" || err != nil || t.Year() == 0 {
		v.addf(path, "%q is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)", s)
	}
}

// date checks a required calendar date.
func (v *validator) date(path string, d Date) {
	switch {
	case d.IsZero():
		v.add(path, "required")
	case !d.valid():
		v.addf(path, "%s is not a calendar date", d)
	}
}

// valid reports whether d names a day of the proleptic Gregorian calendar.
func (d Date) valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 &&
		DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)) == d
}

// timeOfDay checks that a wall-clock time lies in 00:00..24:00 (24:00 only
// when end is true).
func (v *validator) timeOfDay(path string, t TimeOfDay, end bool) {
	const day = TimeOfDay(24 * 3600)
	if t < 0 || t > day || (t == day && !end) {
		if end {
			v.addf(path, "%d seconds is outside 00:00..24:00", int(t))
		} else {
			v.addf(path, "%d seconds is outside 00:00..23:59:59", int(t))
		}
	}
}

// availableTimes checks R4 availableTime elements; start and end name the
// time elements (availableStartTime and availableEndTime, or openingTime
// and closingTime in Location.hoursOfOperation).
func (v *validator) availableTimes(path, start, end string, ts []AvailableTime) {
	for i, t := range ts {
		p := index(path, i)
		for j, d := range t.DaysOfWeek {
			if !d.Valid() {
				v.addf(index(join(p, "daysOfWeek"), j), "%q is not one of %s", d, joinCodes(DaysOfWeek()))
			}
		}
		if t.StartSet {
			v.timeOfDay(join(p, start), t.Start, false)
		} else if t.Start != 0 {
			v.add(join(p, start), "has a value but StartSet is false")
		}
		if t.EndSet {
			v.timeOfDay(join(p, end), t.End, true)
		} else if t.End != 0 {
			v.add(join(p, end), "has a value but EndSet is false")
		}
	}
}

func (v *validator) notAvailable(path string, ns []NotAvailable) {
	for i, n := range ns {
		p := index(path, i)
		if strings.TrimSpace(n.Description) == "" {
			v.add(join(p, "description"), "required")
		}
		v.period(join(p, "during"), n.During)
	}
}

func joinCodes[T ~string](codes []T) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// Validate checks the rules of FHIR R4 and openslot for an Appointment and
// returns nil or a *ValidationError listing every problem:
//   - status is required and one of AppointmentStatuses;
//   - participant 1..*, each with a valid status, a valid Required code when
//     set, and a type or an actor (app-1); several Patient participants are
//     allowed (group appointments);
//   - start and end are both present or both absent (app-2), absent only when
//     the status is proposed, cancelled or waitlist (app-3), and start is
//     before end;
//   - cancelationReason only when cancelled or noshow (app-4, as R5 reads it);
//   - minutesDuration and priority are not negative;
//   - heldUntil only when pending;
//   - every reference is well formed and of an allowed type.
func (a *Appointment) Validate() error {
	var v validator
	v.identifiers("identifier", a.Identifier)
	switch {
	case a.Status == "":
		v.add("status", "required")
	case !a.Status.Valid():
		v.addf("status", "%q is not one of %s", a.Status, joinCodes(AppointmentStatuses()))
	}
	if a.CancelationReason != nil && a.Status != AppointmentCancelled && a.Status != AppointmentNoShow {
		v.addf("cancelationReason", "only allowed when status is cancelled or noshow, not %q (app-4)", a.Status)
	}
	v.refs("reasonReference", a.ReasonReference, "Condition", "Procedure", "Observation", "ImmunizationRecommendation")
	if a.Priority != nil && *a.Priority < 0 {
		v.add("priority", "must not be negative")
	}
	v.refs("supportingInformation", a.SupportingInfo)
	hasStart, hasEnd := !a.Start.IsZero(), !a.End.IsZero()
	switch {
	case hasStart && !hasEnd:
		v.add("end", "required when start is set (app-2)")
	case hasEnd && !hasStart:
		v.add("start", "required when end is set (app-2)")
	case !hasStart && !hasEnd && a.Status.Valid() &&
		a.Status != AppointmentProposed && a.Status != AppointmentCancelled && a.Status != AppointmentWaitlist:
		v.addf("start", "required when status is %s (app-3)", a.Status)
	case hasStart && hasEnd && !a.Start.Before(a.End):
		v.add("end", "must be after start")
	}
	if a.MinutesDuration < 0 {
		v.add("minutesDuration", "must not be negative")
	}
	v.refs("slot", a.Slot, "Slot")
	v.refs("basedOn", a.BasedOn, "ServiceRequest")
	if len(a.Participant) == 0 {
		v.add("participant", "at least one participant is required")
	}
	for i, p := range a.Participant {
		path := index("participant", i)
		if len(p.Type) == 0 && p.Actor == nil {
			v.add(path, "needs a type or an actor (app-1)")
		}
		v.optRef(join(path, "actor"), p.Actor, actorTypes...)
		if p.Required != "" && !p.Required.Valid() {
			v.addf(join(path, "required"), "%q is not one of %s", p.Required, joinCodes(ParticipantRequiredCodes()))
		}
		switch {
		case p.Status == "":
			v.add(join(path, "status"), "required")
		case !p.Status.Valid():
			v.addf(join(path, "status"), "%q is not one of %s", p.Status, joinCodes(ParticipationStatuses()))
		}
		v.optPeriod(join(path, "period"), p.Period)
	}
	for i, p := range a.RequestedPeriod {
		v.period(index("requestedPeriod", i), p)
	}
	if !a.HeldUntil.IsZero() && a.Status != AppointmentPending {
		v.addf("heldUntil", "only allowed when status is pending, not %q", a.Status)
	}
	v.extensions("extension", a.Extension)
	return v.err()
}

// Validate checks an AppointmentResponse: appointment is required and refers
// to an Appointment, participantStatus is required and valid, participantType
// or actor is present (apr-1), start is before end when both are set.
func (r *AppointmentResponse) Validate() error {
	var v validator
	v.identifiers("identifier", r.Identifier)
	if r.Appointment.Reference == "" && r.Appointment.Identifier == nil && r.Appointment.Display == "" {
		v.add("appointment", "required")
	} else {
		v.ref("appointment", r.Appointment, "Appointment")
	}
	v.period("", Period{Start: r.Start, End: r.End})
	if len(r.ParticipantType) == 0 && r.Actor == nil {
		v.add("actor", "a participantType or an actor is required (apr-1)")
	}
	v.optRef("actor", r.Actor, actorTypes...)
	switch {
	case r.ParticipantStatus == "":
		v.add("participantStatus", "required")
	case !r.ParticipantStatus.Valid():
		v.addf("participantStatus", "%q is not one of %s", r.ParticipantStatus, joinCodes(ParticipationStatuses()))
	}
	v.extensions("extension", r.Extension)
	return v.err()
}

// Validate checks a Slot: schedule, status, start and end are required, the
// status is valid, start is before end, and heldUntil is only set on a
// busy-tentative slot.
func (s *Slot) Validate() error {
	var v validator
	v.identifiers("identifier", s.Identifier)
	if s.Schedule.Reference == "" && s.Schedule.Identifier == nil && s.Schedule.Display == "" {
		v.add("schedule", "required")
	} else {
		v.ref("schedule", s.Schedule, "Schedule")
	}
	switch {
	case s.Status == "":
		v.add("status", "required")
	case !s.Status.Valid():
		v.addf("status", "%q is not one of %s", s.Status, joinCodes(SlotStatuses()))
	}
	if s.Start.IsZero() {
		v.add("start", "required")
	}
	if s.End.IsZero() {
		v.add("end", "required")
	}
	v.period("", Period{Start: s.Start, End: s.End})
	if !s.HeldUntil.IsZero() && s.Status != SlotBusyTentative {
		v.addf("heldUntil", "only allowed when status is busy-tentative, not %q", s.Status)
	}
	v.extensions("extension", s.Extension)
	return v.err()
}

// Validate checks a Schedule: actor 1..* with well-formed references, the
// planning horizon, and the shape of its Availability and policies (day
// codes, dates, wall-clock times within 00:00..24:00, non-negative
// durations and limits, an IANA time zone that time.LoadLocation knows,
// not "Local"). It does not parse RRULE text; package availability does.
func (s *Schedule) Validate() error {
	var v validator
	v.identifiers("identifier", s.Identifier)
	if len(s.Actor) == 0 {
		v.add("actor", "at least one actor is required")
	}
	v.refs("actor", s.Actor, actorTypes...)
	v.optPeriod("planningHorizon", s.PlanningHorizon)
	v.availability("availability", s.Availability)
	v.policy("policy", s.Policy)
	for i, sp := range s.ServicePolicies {
		p := index("servicePolicies", i)
		if len(sp.Service.Coding) == 0 && sp.Service.Text == "" {
			v.add(join(p, "service"), "needs a coding or a text")
		}
		v.policy(join(p, "policy"), sp.Policy)
	}
	v.extensions("extension", s.Extension)
	return v.err()
}

func (v *validator) availability(path string, a Availability) {
	if a.TimeZone != "" {
		// "Local" is the machine's zone, not an IANA name.
		if _, err := time.LoadLocation(a.TimeZone); err != nil || a.TimeZone == "Local" {
			v.addf(join(path, "timeZone"), "%q is not a known IANA time zone", a.TimeZone)
		}
	}
	for i, r := range a.Rules {
		p := index(join(path, "rules"), i)
		v.date(join(p, "startDate"), r.StartDate)
		for j, d := range r.RDates {
			v.date(index(join(p, "rDates"), j), d)
		}
		for j, d := range r.ExDates {
			v.date(index(join(p, "exDates"), j), d)
		}
		v.timeOfDay(join(p, "start"), r.Start, false)
		v.timeOfDay(join(p, "end"), r.End, true)
		if r.Duration < 0 {
			v.add(join(p, "duration"), "must not be negative")
		}
		if strings.HasPrefix(strings.ToUpper(r.RRule), "RRULE:") {
			v.add(join(p, "rrule"), `must not carry the "RRULE:" prefix`)
		}
	}
	v.availableTimes(join(path, "availableTimes"), "availableStartTime", "availableEndTime", a.AvailableTimes)
	v.notAvailable(join(path, "notAvailable"), a.NotAvailable)
	seen := make(map[Date]int, len(a.Overrides))
	for i, o := range a.Overrides {
		p := index(join(path, "overrides"), i)
		v.date(join(p, "date"), o.Date)
		if j, dup := seen[o.Date]; dup {
			v.addf(join(p, "date"), "%s is already overridden by overrides[%d]", o.Date, j)
		} else {
			seen[o.Date] = i
		}
		for j, w := range o.Windows {
			wp := index(join(p, "windows"), j)
			v.timeOfDay(join(wp, "start"), w.Start, false)
			v.timeOfDay(join(wp, "end"), w.End, true)
		}
	}
	for i, b := range a.Blocks {
		p := index(join(path, "blocks"), i)
		if b.Period.IsZero() {
			v.add(join(p, "period"), "needs a start or an end")
		}
		v.period(join(p, "period"), b.Period)
	}
}

func (v *validator) policy(path string, p SlotPolicy) {
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"duration", p.Duration}, {"gridInterval", p.GridInterval}, {"gridOffset", p.GridOffset},
		{"bufferBefore", p.BufferBefore}, {"bufferAfter", p.BufferAfter}, {"minNotice", p.MinNotice},
		{"horizon", p.Horizon},
	} {
		if d.d < 0 {
			v.addf(join(path, d.name), "must not be negative (%s)", d.d)
		}
	}
	for _, n := range []struct {
		name string
		n    int
	}{{"capacity", p.Capacity}, {"maxPerDay", p.MaxPerDay}, {"maxPerWeek", p.MaxPerWeek}} {
		if n.n < 0 {
			v.addf(join(path, n.name), "must not be negative (%d)", n.n)
		}
	}
}

// Validate checks an Organization: a name or an identifier (org-1),
// identifiers, telecom and addresses (never of use home: org-2, org-3),
// partOf and extensions.
func (o *Organization) Validate() error {
	var v validator
	v.identifiers("identifier", o.Identifier)
	if o.Name == "" && len(o.Identifier) == 0 {
		v.add("name", "a name or an identifier is required (org-1)")
	}
	v.telecom("telecom", o.Telecom)
	for i, cp := range o.Telecom {
		if cp.Use == "home" {
			v.add(join(index("telecom", i), "use"), "an organization's telecom is never of use home (org-3)")
		}
	}
	v.addresses("address", o.Address)
	for i, a := range o.Address {
		if a.Use == "home" {
			v.add(join(index("address", i), "use"), "an organization's address is never of use home (org-2)")
		}
	}
	v.optRef("partOf", o.PartOf, "Organization")
	v.extensions("extension", o.Extension)
	return v.err()
}

// Validate checks a Location: status and mode codes, telecom, address,
// references and hours of operation.
func (l *Location) Validate() error {
	var v validator
	v.identifiers("identifier", l.Identifier)
	v.code("status", l.Status, "active", "suspended", "inactive")
	v.code("mode", l.Mode, "instance", "kind")
	v.telecom("telecom", l.Telecom)
	if l.Address != nil {
		v.address("address", *l.Address)
	}
	v.optRef("managingOrganization", l.ManagingOrganization, "Organization")
	v.optRef("partOf", l.PartOf, "Location")
	v.availableTimes("hoursOfOperation", "openingTime", "closingTime", l.HoursOfOperation)
	v.extensions("extension", l.Extension)
	return v.err()
}

// Validate checks a HealthcareService: references, telecom, available times
// and not-available periods.
func (h *HealthcareService) Validate() error {
	var v validator
	v.identifiers("identifier", h.Identifier)
	v.optRef("providedBy", h.ProvidedBy, "Organization")
	v.refs("location", h.Location, "Location")
	v.telecom("telecom", h.Telecom)
	v.availableTimes("availableTime", "availableStartTime", "availableEndTime", h.AvailableTime)
	v.notAvailable("notAvailable", h.NotAvailable)
	v.extensions("extension", h.Extension)
	return v.err()
}

// Validate checks a Practitioner: names, telecom, addresses, gender and
// birth date.
func (p *Practitioner) Validate() error {
	var v validator
	v.identifiers("identifier", p.Identifier)
	v.names("name", p.Name)
	v.telecom("telecom", p.Telecom)
	v.addresses("address", p.Address)
	v.gender("gender", p.Gender)
	v.fhirDate("birthDate", p.BirthDate)
	v.extensions("extension", p.Extension)
	return v.err()
}

// Validate checks a PractitionerRole: period, references, telecom, available
// times and not-available periods.
func (r *PractitionerRole) Validate() error {
	var v validator
	v.identifiers("identifier", r.Identifier)
	v.optPeriod("period", r.Period)
	v.optRef("practitioner", r.Practitioner, "Practitioner")
	v.optRef("organization", r.Organization, "Organization")
	v.refs("location", r.Location, "Location")
	v.refs("healthcareService", r.HealthcareService, "HealthcareService")
	v.telecom("telecom", r.Telecom)
	v.availableTimes("availableTime", "availableStartTime", "availableEndTime", r.AvailableTime)
	v.notAvailable("notAvailable", r.NotAvailable)
	v.extensions("extension", r.Extension)
	return v.err()
}

// Validate checks a Patient: names, telecom, addresses, gender and birth
// date.
func (p *Patient) Validate() error {
	var v validator
	v.identifiers("identifier", p.Identifier)
	v.names("name", p.Name)
	v.telecom("telecom", p.Telecom)
	v.addresses("address", p.Address)
	v.gender("gender", p.Gender)
	v.fhirDate("birthDate", p.BirthDate)
	v.extensions("extension", p.Extension)
	return v.err()
}

// Validate checks a Device: status code, device names (name and type
// required, type from device-nametype) and references.
func (d *Device) Validate() error {
	var v validator
	v.identifiers("identifier", d.Identifier)
	v.code("status", d.Status, "active", "inactive", "entered-in-error", "unknown")
	for i, n := range d.DeviceName {
		p := index("deviceName", i)
		if n.Name == "" {
			v.add(join(p, "name"), "required")
		}
		if n.Type == "" {
			v.add(join(p, "type"), "required")
		}
		v.code(join(p, "type"), n.Type, "udi-label-name", "user-friendly-name", "patient-reported-name",
			"manufacturer-name", "model-name", "other")
	}
	v.optRef("owner", d.Owner, "Organization")
	v.optRef("location", d.Location, "Location")
	v.extensions("extension", d.Extension)
	return v.err()
}
