package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/openslot/openslot/scheduling"
)

// This file holds the wire format of the clinic API: request and response
// bodies, their validation, and the JSON error envelope. Nothing here talks
// to the Scheduler.

// Code systems the clinic API writes into the model. Appointment types use
// the HL7 v2 table 0276 that FHIR R4 binds Appointment.appointmentType to;
// payment modes have no standard code system, so the practice names its own.
const (
	appointmentTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0276"
	paymentModeSystem     = "https://clinic.example/fhir/CodeSystem/payment-mode"
	// mobileSystem is the ContactPoint system of the patient's mobile number.
	mobileSystem = "phone"
)

// appointmentTypes maps the API's appointment_type values to v2-0276 codes.
var appointmentTypes = map[string]string{
	"routine":   "ROUTINE",
	"followup":  "FOLLOWUP",
	"walkin":    "WALKIN",
	"checkup":   "CHECKUP",
	"emergency": "EMERGENCY",
}

// paymentModes are the payment_mode values the practice accepts.
var paymentModes = map[string]string{
	"cash":      "Cash",
	"card":      "Card",
	"upi":       "UPI",
	"insurance": "Insurance",
	"online":    "Online prepaid",
}

// Limits on free text and ranges, so one request cannot ask for unbounded
// work.
const (
	maxBody         = 64 << 10
	maxNotes        = 1000
	maxName         = 100
	maxSearchDays   = 366
	jsonContentType = "application/json"
)

// fhirID is the shape of a FHIR logical id; every id in a path or body must
// have it.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// mobilePattern accepts an optional leading + and 7 to 15 digits, with
// spaces or hyphens between groups.
var mobilePattern = regexp.MustCompile(`^\+?[0-9][0-9 \-]{5,18}[0-9]$`)

// apiError is an error the API reports to the caller as
//
//	{"error": {"code": "invalid_request", "message": "...", "field": "start_date"}}
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

// The error codes of the API.
const (
	codeInvalid           = "invalid_request"
	codeNotFound          = "not_found"
	codeSlotTaken         = "slot_taken"
	codeSlotUnavailable   = "slot_unavailable"
	codeConflict          = "conflict"
	codeInvalidTransition = "invalid_transition"
	codeMethodNotAllowed  = "method_not_allowed"
	codeUnsupportedMedia  = "unsupported_media_type"
	codeTooLarge          = "request_too_large"
	codeInternal          = "internal_error"
)

func badRequest(field, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalid, Message: msg, Field: field}
}

func notFound(field, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: fmt.Sprintf(format, args...), Field: field}
}

// writeJSON writes v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// writeAPIError writes e in the error envelope.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, struct {
		Error *apiError `json:"error"`
	}{e})
}

// decodeJSON reads one JSON object from the request body into dst, refusing
// unknown members, a second value, a body over maxBody and a content type
// other than JSON. Its errors are *apiError naming the member at fault.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedMedia,
				Message: fmt.Sprintf("Content-Type %q: send application/json", ct)}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("body", "must hold exactly one JSON object")
	}
	return nil
}

// jsonError turns a decoding error into an *apiError naming the member.
func jsonError(err error) *apiError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("body", "a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body", "JSON ends too early")
	case errors.As(err, &syntax):
		return badRequest("body", "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("body", "must be a JSON object, not %s", typ.Value)
		}
		return badRequest(typ.Field, "must be a %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &tooLarge):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: fmt.Sprintf("body: larger than %d bytes", tooLarge.Limit)}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if f, uerr := strconv.Unquote(name); uerr == nil {
			name = f
		}
		return badRequest(name, "unknown field")
	}
	return badRequest("body", "%v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "struct", "map", "ptr":
		return "object"
	case "slice", "array":
		return "array"
	case "bool":
		return "boolean"
	case "string":
		return "string"
	}
	return "number"
}

// checkID validates a logical id given in field.
func checkID(field, id string) error {
	switch {
	case id == "":
		return badRequest(field, "required")
	case !fhirID.MatchString(id):
		return badRequest(field, "%q is not a valid id (1 to 64 letters, digits, '-' or '.')", id)
	}
	return nil
}

// parseInstant reads an RFC 3339 date-time with a zone offset.
func parseInstant(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, badRequest(field, "required")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badRequest(field, "%q is not an RFC 3339 date-time such as 2026-03-03T10:00:00+05:30", s)
	}
	return t, nil
}

// parseDay reads a YYYY-MM-DD date.
func parseDay(field, s string) (scheduling.Date, error) {
	if s == "" {
		return scheduling.Date{}, badRequest(field, "required")
	}
	d, err := scheduling.ParseDate(s)
	if err != nil {
		return d, badRequest(field, "%q is not a date in the form YYYY-MM-DD", s)
	}
	return d, nil
}

// patientRequest is the body of POST /dr/v1/patient, and the "patient"
// member of a booking for someone not yet in the directory.
type patientRequest struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	Mobile      string `json:"mobile"`
	Email       string `json:"email,omitempty"`
	Gender      string `json:"gender,omitempty"`
	DateOfBirth string `json:"date_of_birth,omitempty"`
}

// patient validates p and returns it as a scheduling.Patient. prefix is put
// before field names ("patient." inside a booking); today bounds the birth
// date. A name holds no control characters (FHIR strings may not, and
// PostgreSQL cannot store a NUL in the name's search terms).
func (p patientRequest) patient(prefix string, today scheduling.Date) (*scheduling.Patient, error) {
	first, last := strings.TrimSpace(p.FirstName), strings.TrimSpace(p.LastName)
	switch {
	case first == "":
		return nil, badRequest(prefix+"first_name", "required")
	case len(first) > maxName:
		return nil, badRequest(prefix+"first_name", "longer than %d bytes", maxName)
	case len(last) > maxName:
		return nil, badRequest(prefix+"last_name", "longer than %d bytes", maxName)
	case strings.ContainsFunc(first, unicode.IsControl):
		return nil, badRequest(prefix+"first_name", "contains a control character")
	case strings.ContainsFunc(last, unicode.IsControl):
		return nil, badRequest(prefix+"last_name", "contains a control character")
	case p.Mobile == "":
		return nil, badRequest(prefix+"mobile", "required")
	case !mobilePattern.MatchString(p.Mobile):
		return nil, badRequest(prefix+"mobile", "%q is not a phone number (digits, optional leading +)", p.Mobile)
	}
	pat := &scheduling.Patient{
		Name: []scheduling.HumanName{{Use: "official", Text: strings.TrimSpace(first + " " + last),
			Family: last, Given: []string{first}}},
		Telecom: []scheduling.ContactPoint{{System: mobileSystem, Value: p.Mobile, Use: "mobile"}},
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			return nil, badRequest(prefix+"email", "%q is not an email address", p.Email)
		}
		pat.Telecom = append(pat.Telecom, scheduling.ContactPoint{System: "email", Value: p.Email})
	}
	switch p.Gender {
	case "", "male", "female", "other", "unknown":
		pat.Gender = p.Gender
	default:
		return nil, badRequest(prefix+"gender", "%q is not one of male, female, other, unknown", p.Gender)
	}
	if p.DateOfBirth != "" {
		d, err := parseDay(prefix+"date_of_birth", p.DateOfBirth)
		if err != nil {
			return nil, err
		}
		if today.Before(d) {
			return nil, badRequest(prefix+"date_of_birth", "%s is in the future", d)
		}
		pat.BirthDate = d.String()
	}
	return pat, nil
}

// patientResponse is a directory entry as the API returns it.
type patientResponse struct {
	PatientID   string `json:"patient_id"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	Email       string `json:"email,omitempty"`
	Gender      string `json:"gender,omitempty"`
	DateOfBirth string `json:"date_of_birth,omitempty"`
}

func newPatientResponse(p *scheduling.Patient) patientResponse {
	out := patientResponse{PatientID: p.ID, Gender: p.Gender, DateOfBirth: p.BirthDate}
	if len(p.Name) > 0 {
		n := p.Name[0]
		out.LastName = n.Family
		out.FirstName = strings.Join(n.Given, " ")
		if out.FirstName == "" {
			out.FirstName = n.Text
		}
	}
	for _, t := range p.Telecom {
		switch {
		case t.System == mobileSystem && out.Mobile == "":
			out.Mobile = t.Value
		case t.System == "email" && out.Email == "":
			out.Email = t.Value
		}
	}
	return out
}

// slotsResponse answers a slot search: the free slots of one doctor at one
// clinic, day by day in the clinic's time zone.
type slotsResponse struct {
	DoctorID  string    `json:"doctor_id"`
	ClinicID  string    `json:"clinic_id"`
	TimeZone  string    `json:"time_zone"`
	StartDate string    `json:"start_date"`
	EndDate   string    `json:"end_date"`
	Days      []slotDay `json:"days"`
}

type slotDay struct {
	Date  string     `json:"date"`
	Slots []slotJSON `json:"slots"`
}

type slotJSON struct {
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
}

// bookRequest is the body of POST /dr/v1/business/doctor/appointments/slots/book.
// The patient is named by patient_id (in the directory) or given in full as
// patient (then added to the directory).
type bookRequest struct {
	DoctorID        string          `json:"doctor_id"`
	ClinicID        string          `json:"clinic_id"`
	PatientID       string          `json:"patient_id,omitempty"`
	Patient         *patientRequest `json:"patient,omitempty"`
	StartTime       string          `json:"start_time"`
	EndTime         string          `json:"end_time,omitempty"`
	AppointmentType string          `json:"appointment_type"`
	PaymentMode     string          `json:"payment_mode"`
	Notes           string          `json:"notes,omitempty"`
}

// booking is a validated bookRequest.
type booking struct {
	doctorID, clinicID string
	patientID          string              // set when the patient is in the directory
	newPatient         *scheduling.Patient // set when the patient is to be added
	start, end         time.Time           // end is zero when the slot length applies
	appointmentType    scheduling.CodeableConcept
	paymentMode        scheduling.CodeableConcept
	notes              string
}

// validate checks every member of b, in the order of the body.
func (b bookRequest) validate(today scheduling.Date) (*booking, error) {
	if err := checkID("doctor_id", b.DoctorID); err != nil {
		return nil, err
	}
	if err := checkID("clinic_id", b.ClinicID); err != nil {
		return nil, err
	}
	out := &booking{doctorID: b.DoctorID, clinicID: b.ClinicID}
	switch {
	case b.PatientID != "" && b.Patient != nil:
		return nil, badRequest("patient_id", "give patient_id or patient, not both")
	case b.PatientID == "" && b.Patient == nil:
		return nil, badRequest("patient_id", "required (or give the patient's details as patient)")
	case b.Patient != nil:
		p, err := b.Patient.patient("patient.", today)
		if err != nil {
			return nil, err
		}
		out.newPatient = p
	default:
		if err := checkID("patient_id", b.PatientID); err != nil {
			return nil, err
		}
		out.patientID = b.PatientID
	}
	var err error
	if out.start, out.end, err = parseTimes(b.StartTime, b.EndTime); err != nil {
		return nil, err
	}
	if out.appointmentType, err = appointmentType(b.AppointmentType); err != nil {
		return nil, err
	}
	if out.paymentMode, err = paymentMode(b.PaymentMode); err != nil {
		return nil, err
	}
	if out.notes, err = notes(b.Notes); err != nil {
		return nil, err
	}
	return out, nil
}

// parseTimes reads start_time and an optional end_time after it.
func parseTimes(startS, endS string) (start, end time.Time, err error) {
	if start, err = parseInstant("start_time", startS); err != nil {
		return start, end, err
	}
	if endS == "" {
		return start, end, nil
	}
	if end, err = parseInstant("end_time", endS); err != nil {
		return start, end, err
	}
	if !end.After(start) {
		return start, end, badRequest("end_time", "must be after start_time")
	}
	return start, end, nil
}

func appointmentType(s string) (scheduling.CodeableConcept, error) {
	if s == "" {
		return scheduling.CodeableConcept{}, badRequest("appointment_type", "required (one of %s)", keys(appointmentTypes))
	}
	code, ok := appointmentTypes[s]
	if !ok {
		return scheduling.CodeableConcept{}, badRequest("appointment_type", "%q is not one of %s", s, keys(appointmentTypes))
	}
	return scheduling.Concept(appointmentTypeSystem, code, ""), nil
}

func paymentMode(s string) (scheduling.CodeableConcept, error) {
	if s == "" {
		return scheduling.CodeableConcept{}, badRequest("payment_mode", "required (one of %s)", keys(paymentModes))
	}
	display, ok := paymentModes[s]
	if !ok {
		return scheduling.CodeableConcept{}, badRequest("payment_mode", "%q is not one of %s", s, keys(paymentModes))
	}
	return scheduling.Concept(paymentModeSystem, s, display), nil
}

func notes(s string) (string, error) {
	if len(s) > maxNotes {
		return "", badRequest("notes", "longer than %d bytes", maxNotes)
	}
	return s, nil
}

// keys lists the keys of m in a fixed order, for messages.
func keys(m map[string]string) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

// updateRequest is the body of PUT /dr/v1/business/doctor/appointments/slots/book:
// either a new time (start_time, optional end_time) or new details
// (appointment_type, payment_mode, notes), never both, so that each request
// is one atomic change.
type updateRequest struct {
	AppointmentID   string  `json:"appointment_id"`
	StartTime       string  `json:"start_time,omitempty"`
	EndTime         string  `json:"end_time,omitempty"`
	AppointmentType string  `json:"appointment_type,omitempty"`
	PaymentMode     string  `json:"payment_mode,omitempty"`
	Notes           *string `json:"notes,omitempty"`
}

// appointmentRef is the body of check-in and cancel.
type appointmentRef struct {
	AppointmentID string `json:"appointment_id"`
	// Reason is why the appointment is cancelled (cancel only).
	Reason string `json:"reason,omitempty"`
}

// appointmentResponse is an appointment as the API returns it; times are in
// the clinic's zone.
type appointmentResponse struct {
	AppointmentID   string           `json:"appointment_id"`
	Status          string           `json:"status"`
	DoctorID        string           `json:"doctor_id"`
	ClinicID        string           `json:"clinic_id"`
	PatientID       string           `json:"patient_id"`
	Patient         *patientResponse `json:"patient,omitempty"`
	StartTime       time.Time        `json:"start_time"`
	EndTime         time.Time        `json:"end_time"`
	AppointmentType string           `json:"appointment_type,omitempty"`
	PaymentMode     string           `json:"payment_mode,omitempty"`
	Notes           string           `json:"notes,omitempty"`
	CancelReason    string           `json:"cancel_reason,omitempty"`
	Version         int64            `json:"version"`
}

// newAppointmentResponse renders a in loc.
func newAppointmentResponse(a *scheduling.Appointment, loc *time.Location) appointmentResponse {
	out := appointmentResponse{
		AppointmentID: a.ID,
		Status:        string(a.Status),
		StartTime:     a.Start.In(loc),
		EndTime:       a.End.In(loc),
		Notes:         a.Comment,
		Version:       a.Version,
	}
	for _, p := range a.Participant {
		if p.Actor == nil {
			continue
		}
		switch typ, id := p.Actor.Split(); typ {
		case "Practitioner":
			out.DoctorID = id
		case "Location":
			out.ClinicID = id
		case "Patient":
			out.PatientID = id
		}
	}
	if a.AppointmentType != nil {
		for name, code := range appointmentTypes {
			if a.AppointmentType.HasCode(appointmentTypeSystem, code) {
				out.AppointmentType = name
			}
		}
	}
	if a.PaymentMode != nil {
		for name := range paymentModes {
			if a.PaymentMode.HasCode(paymentModeSystem, name) {
				out.PaymentMode = name
			}
		}
	}
	if a.CancelationReason != nil {
		out.CancelReason = a.CancelationReason.Text
	}
	return out
}
