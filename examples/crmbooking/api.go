package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/openslot/openslot/scheduling"
)

// This file holds the wire format of the CRM's Book Appointment request
// (seed 001), its rules, and its response. Nothing here talks to the
// Scheduler.

// Limits of the API.
const (
	maxBody    = 64 << 10
	maxComment = 256 // the CRM's own limit on comment
	maxText    = 1000
	maxCodes   = 20
	maxSlots   = 20
)

// fhirID is the shape of a FHIR logical id.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// bookAppointmentRequest is the body of
// POST /connect/health/appointment-management/appointment.
type bookAppointmentRequest struct {
	StartDate         string            `json:"startDate"`
	EndDate           string            `json:"endDate"`
	WorkTypeID        string            `json:"workTypeId"`
	ChannelID         string            `json:"channelId"`
	Comment           string            `json:"comment"`
	Description       string            `json:"description"`
	TimeZone          string            `json:"timeZone"`
	SourceSystem      string            `json:"sourceSystem"`
	AppointmentTypes  []string          `json:"appointmentTypes"`
	ServiceCategories []string          `json:"serviceCategories"`
	ServiceTypes      []string          `json:"serviceTypes"`
	Specialties       []string          `json:"specialties"`
	Slots             []slotInput       `json:"slots"`
	Participants      []participantJSON `json:"participants"`
}

// slotInput is a slot of an external system the appointment fills;
// Reference names the participant (practitioner or device) whose slot it
// is, as "<id>" or "Practitioner/<id>".
type slotInput struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
}

// participantJSON is one participant: "Patient/<id>", "Facility/<id>",
// "Practitioner/<id>" or "Device/<id>" (an asset; "Asset/<id>" works too).
type participantJSON struct {
	Reference           string `json:"reference"`
	IsReferenceRequired *bool  `json:"isReferenceRequired"`
}

// bookAppointmentResponse mirrors the CRM's Book Appointment output.
type bookAppointmentResponse struct {
	ID            string   `json:"id"`
	IsSuccess     bool     `json:"isSuccess"`
	Status        string   `json:"status"`
	ErrorMessages []string `json:"errorMessages"`
}

// The statuses of a response.
const (
	statusScheduled = "Scheduled"
	statusRejected  = "Rejected"
)

// problem is a refused request: an HTTP status and every message that
// explains it, each naming the field at fault.
type problem struct {
	status   int
	messages []string
}

func (p *problem) Error() string { return strings.Join(p.messages, "; ") }

func newProblem(status int, format string, args ...any) *problem {
	return &problem{status: status, messages: []string{fmt.Sprintf(format, args...)}}
}

// writeJSON writes v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// writeProblem answers a refused request in the CRM's response shape.
func writeProblem(w http.ResponseWriter, p *problem) {
	writeJSON(w, p.status, bookAppointmentResponse{Status: statusRejected, ErrorMessages: p.messages})
}

// decodeJSON reads one JSON object from the body into dst, refusing unknown
// members, a second value, a body over maxBody and a content type other
// than JSON.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) *problem {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return newProblem(http.StatusUnsupportedMediaType, "Content-Type %q: send application/json", ct)
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return newProblem(http.StatusBadRequest, "body: must hold exactly one JSON object")
	}
	return nil
}

func jsonProblem(err error) *problem {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	bad := func(format string, args ...any) *problem {
		return newProblem(http.StatusBadRequest, format, args...)
	}
	switch {
	case errors.Is(err, io.EOF):
		return bad("body: a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bad("body: JSON ends too early")
	case errors.As(err, &syntax):
		return bad("body: malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return bad("body: must be a JSON object, not %s", typ.Value)
		}
		return bad("%s: must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &tooLarge):
		return newProblem(http.StatusRequestEntityTooLarge, "body: larger than %d bytes", tooLarge.Limit)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if f, uerr := strconv.Unquote(name); uerr == nil {
			name = f
		}
		return bad("%s: unknown field", name)
	}
	return bad("body: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "struct", "map", "ptr":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	}
	return "a number"
}

// participantKinds maps the CRM's participant types to the model's.
var participantKinds = map[string]string{
	"Patient":      "Patient",
	"Facility":     "Location",
	"Practitioner": "Practitioner",
	"Device":       "Device",
	"Asset":        "Device",
}

// member is a validated participant.
type member struct {
	index    int    // in participants[]
	crmType  string // as the request spelled it
	typ      string // the model's resource type
	id       string
	required scheduling.ParticipantRequired
}

func (m member) ref() scheduling.Reference { return scheduling.Ref(m.typ, m.id) }

// String is the participant as the request named it: "Facility/f1".
func (m member) String() string { return m.crmType + "/" + m.id }

// externalSlot is a validated slot of an external system.
type externalSlot struct {
	id    string
	actor member
}

// booking is a validated request.
type booking struct {
	start, end   time.Time
	timeZone     string
	workTypeID   string
	channelID    string
	comment      string
	description  string
	sourceSystem string
	apptTypes    []string
	categories   []string
	serviceTypes []string
	specialties  []string
	patient      member
	facility     member
	practitioner *member
	device       *member
	slots        []externalSlot
}

// resources are the practitioner and the device, whichever are present:
// one for a single-resource appointment, both for a multi-resource one.
func (b *booking) resources() []member {
	var out []member
	for _, m := range []*member{b.practitioner, b.device} {
		if m != nil {
			out = append(out, *m)
		}
	}
	return out
}

// validate applies every rule of the Book Appointment request and returns
// all problems at once, each naming its field:
//   - startDate and endDate are required date-times, end after start; a
//     date-time without a UTC offset is read in timeZone, and refused
//     without one or when the clocks skip it (see wallClock);
//   - timeZone, when given, is an IANA zone name;
//   - channelId is required; comment is at most 256 characters; channelId,
//     sourceSystem, codes and slot ids hold no control characters;
//   - participants: exactly one Patient and one Facility; a Practitioner or
//     a Device (asset) for a single-resource appointment, one of each for a
//     multi-resource one; every reference is "Type/id";
//   - the service is named by workTypeId or at least one of
//     appointmentTypes, serviceCategories, serviceTypes; without workTypeId,
//     sourceSystem is required (the codes are that system's);
//   - slots (of an external system) require sourceSystem; each has an id and
//     a reference that matches the practitioner or device participant.
func (req bookAppointmentRequest) validate() (*booking, *problem) {
	var msgs []string
	bad := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	b := &booking{
		workTypeID:   req.WorkTypeID,
		channelID:    req.ChannelID,
		comment:      req.Comment,
		description:  req.Description,
		sourceSystem: strings.TrimSpace(req.SourceSystem),
		timeZone:     req.TimeZone,
	}

	var loc *time.Location
	if req.TimeZone != "" {
		l, err := time.LoadLocation(req.TimeZone)
		if err != nil || req.TimeZone == "Local" {
			bad("timeZone: %q is not an IANA time zone such as America/New_York", req.TimeZone)
		} else {
			loc = l
		}
	}
	var startOK, endOK bool
	b.start, startOK = parseDateTime("startDate", req.StartDate, loc, req.TimeZone != "", bad)
	b.end, endOK = parseDateTime("endDate", req.EndDate, loc, req.TimeZone != "", bad)
	if startOK && endOK && !b.end.After(b.start) {
		bad("endDate: must be after startDate")
	}

	if req.WorkTypeID != "" && !fhirID.MatchString(req.WorkTypeID) {
		bad("workTypeId: %q is not a valid id", req.WorkTypeID)
	}
	switch {
	case req.ChannelID == "":
		bad("channelId: required")
	case len(req.ChannelID) > 64:
		bad("channelId: longer than 64 characters")
	case hasControl(req.ChannelID):
		bad("channelId: contains a control character")
	}
	if n := len([]rune(req.Comment)); n > maxComment {
		bad("comment: %d characters, at most %d", n, maxComment)
	}
	if len(req.Description) > maxText {
		bad("description: longer than %d bytes", maxText)
	}
	switch {
	case len(b.sourceSystem) > 200:
		bad("sourceSystem: longer than 200 bytes")
	case hasControl(b.sourceSystem):
		bad("sourceSystem: contains a control character")
	}

	b.apptTypes = codes("appointmentTypes", req.AppointmentTypes, bad)
	b.categories = codes("serviceCategories", req.ServiceCategories, bad)
	b.serviceTypes = codes("serviceTypes", req.ServiceTypes, bad)
	b.specialties = codes("specialties", req.Specialties, bad)
	hasCodes := len(req.AppointmentTypes)+len(req.ServiceCategories)+len(req.ServiceTypes) > 0
	switch {
	case req.WorkTypeID == "" && !hasCodes:
		bad("workTypeId: required when none of appointmentTypes, serviceCategories, serviceTypes is given")
	case req.WorkTypeID == "" && b.sourceSystem == "":
		bad("sourceSystem: required when the service is given by appointmentTypes, serviceCategories or serviceTypes without workTypeId")
	}

	b.participants(req.Participants, bad)
	b.externalSlots(req.Slots, bad)

	if len(msgs) > 0 {
		return nil, &problem{status: http.StatusBadRequest, messages: msgs}
	}
	return b, nil
}

// participants checks the participant list and fills b's members.
func (b *booking) participants(ps []participantJSON, bad func(string, ...any)) {
	if len(ps) == 0 {
		bad("participants: required (a Patient, a Facility, and a Practitioner or a Device)")
		return
	}
	byType := make(map[string][]member)
	for i, p := range ps {
		field := fmt.Sprintf("participants[%d].reference", i)
		crmType, id, ok := strings.Cut(p.Reference, "/")
		typ, known := participantKinds[crmType]
		switch {
		case p.Reference == "":
			bad("%s: required", field)
			continue
		case !ok || !known:
			bad("%s: %q is not Patient/<id>, Facility/<id>, Practitioner/<id> or Device/<id>", field, p.Reference)
			continue
		case !fhirID.MatchString(id):
			bad("%s: %q is not a valid id", field, id)
			continue
		}
		m := member{index: i, crmType: crmType, typ: typ, id: id}
		if p.IsReferenceRequired != nil {
			m.required = scheduling.ParticipantRequiredOptional
			if *p.IsReferenceRequired {
				m.required = scheduling.ParticipantRequiredRequired
			}
		}
		byType[typ] = append(byType[typ], m)
	}
	one := func(typ, name string, mandatory bool) *member {
		switch ms := byType[typ]; {
		case len(ms) == 1:
			return &ms[0]
		case len(ms) > 1:
			bad("participants: at most one %s, found %d", name, len(ms))
		case mandatory:
			bad("participants: a %s is required", name)
		}
		return nil
	}
	if p := one("Patient", "Patient", true); p != nil {
		b.patient = *p
	}
	if f := one("Location", "Facility", true); f != nil {
		b.facility = *f
	}
	b.practitioner = one("Practitioner", "Practitioner", false)
	b.device = one("Device", "Device", false)
	if len(byType["Practitioner"]) == 0 && len(byType["Device"]) == 0 {
		bad("participants: a Practitioner or a Device is required (both for a multi-resource appointment)")
	}
}

// externalSlots checks the slots of an external system.
func (b *booking) externalSlots(slots []slotInput, bad func(string, ...any)) {
	if len(slots) == 0 {
		return
	}
	if b.sourceSystem == "" {
		bad("sourceSystem: required when slots of an external system are given")
	}
	if len(slots) > maxSlots {
		bad("slots: at most %d", maxSlots)
		return
	}
	seen := make(map[string]bool)
	for i, s := range slots {
		field := fmt.Sprintf("slots[%d]", i)
		switch {
		case strings.TrimSpace(s.ID) == "":
			bad("%s.id: required", field)
		case len(s.ID) > 200:
			bad("%s.id: longer than 200 bytes", field)
		case hasControl(s.ID):
			bad("%s.id: contains a control character", field)
		case seen[s.ID]:
			bad("%s.id: %q is given twice", field, s.ID)
		}
		seen[s.ID] = true
		if s.Reference == "" {
			bad("%s.reference: required (the practitioner or device participant whose slot it is)", field)
			continue
		}
		var owner *member
		for _, m := range []*member{b.practitioner, b.device} {
			if m != nil && (s.Reference == m.id || s.Reference == m.String() || s.Reference == m.typ+"/"+m.id) {
				owner = m
			}
		}
		if owner == nil {
			bad("%s.reference: %q matches no Practitioner or Device participant", field, s.Reference)
			continue
		}
		b.slots = append(b.slots, externalSlot{id: s.ID, actor: *owner})
	}
}

// parseDateTime reads an RFC 3339 date-time; one without a UTC offset is
// read in loc (see wallClock) when the request gave a time zone.
func parseDateTime(field, s string, loc *time.Location, zoneGiven bool, bad func(string, ...any)) (time.Time, bool) {
	if s == "" {
		bad("%s: required", field)
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC); err == nil {
		switch {
		case loc != nil:
			local, ok := wallClock(t, loc)
			if !ok {
				bad("%s: %q does not exist in %s (the clocks skip it)", field, s, loc)
			}
			return local, ok
		case !zoneGiven:
			bad("%s: %q has no UTC offset: add one (2013-12-10T09:00:00Z) or give timeZone", field, s)
		}
		return time.Time{}, false // a bad timeZone is reported on its own
	}
	bad("%s: %q is not a date-time such as 2013-12-10T09:00:00Z", field, s)
	return time.Time{}, false
}

// wallClock returns the instant at which the clocks of loc show the date
// and time of w (read as UTC), with the DST policy of package availability
// for a time they show twice: its first occurrence. A time they skip (a
// spring-forward gap) does not exist: ok is false. time.Date leaves both
// cases to chance, and its choice differs by zone.
func wallClock(w time.Time, loc *time.Location) (t time.Time, ok bool) {
	// Every offset the time may have is in force within a day of it.
	for _, probe := range []time.Time{w.Add(-24 * time.Hour), w, w.Add(24 * time.Hour)} {
		_, offset := probe.In(loc).Zone()
		at := w.Add(-time.Duration(offset) * time.Second)
		if _, actual := at.In(loc).Zone(); actual == offset && (!ok || at.Before(t)) {
			t, ok = at, true
		}
	}
	return t.In(loc), ok
}

// codes checks a list of bare codes.
func codes(field string, cs []string, bad func(string, ...any)) []string {
	if len(cs) > maxCodes {
		bad("%s: at most %d codes", field, maxCodes)
		return nil
	}
	for i, c := range cs {
		switch {
		case strings.TrimSpace(c) == "":
			bad("%s[%d]: empty code", field, i)
		case len(c) > 200:
			bad("%s[%d]: longer than 200 bytes", field, i)
		case hasControl(c):
			bad("%s[%d]: contains a control character", field, i)
		}
	}
	return cs
}

// hasControl reports whether s holds a control character, which no code
// or identifier has (FHIR strings may not hold them, and PostgreSQL cannot
// store a NUL in the search terms codes become).
func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }
