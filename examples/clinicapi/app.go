package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// server is the clinic API over one Scheduler, mapped onto the model as
// docs/vendor-mapping.md describes: the practice is an Organization, clinics
// are Locations, doctors are Practitioners with a PractitionerRole per
// clinic they work at, the patient directory is the Patients of the store,
// and a doctor's hours at a clinic are the Schedule whose actors are that
// role and the clinic (see demoResources).
type server struct {
	sched *openslot.Scheduler
	now   func() time.Time
	log   *slog.Logger
}

// newServer returns the clinic API as an http.Handler. now is the clock for
// the checks the API makes itself (a birth date in the future); pass the
// same clock as the Scheduler's Options.Now. A nil log discards.
func newServer(sched *openslot.Scheduler, now func() time.Time, log *slog.Logger) http.Handler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &server{sched: sched, now: now, log: log}
	mux := http.NewServeMux()
	mux.Handle("/dr/v1/patient", methods{http.MethodPost: s.addPatient})
	mux.Handle("/dr/v1/business/doctor/{doctor_id}/clinic/{clinic_id}/appointments/slots",
		methods{http.MethodGet: s.searchSlots})
	mux.Handle("/dr/v1/business/doctor/appointments/slots/book",
		methods{http.MethodPost: s.book, http.MethodPut: s.modify})
	mux.Handle("/dr/v1/business/appointments/check-in", methods{http.MethodPut: s.checkIn})
	mux.Handle("/dr/v1/business/appointments/cancel",
		methods{http.MethodPut: s.cancel, http.MethodPost: s.cancel})
	mux.Handle("/dr/v1/business/appointments/{appointment_id}", methods{http.MethodGet: s.getAppointment})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, notFound("", "no endpoint %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// methods routes one path by method and answers other methods with a JSON
// 405 that lists the allowed ones.
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	allowed := make([]string, 0, len(m))
	for k := range m {
		allowed = append(allowed, k)
	}
	slices.Sort(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeAPIError(w, &apiError{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed,
		Message: fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, " or "))})
}

// fail writes err as the API's error envelope. An *apiError is written as
// it is; the Scheduler's sentinels map to statuses: not found 404, a taken
// slot or a stale version 409, a time the schedule does not offer 409, an
// illegal status change 422, invalid input 400. Anything else is logged and
// answered with a 500 that reveals nothing.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, openslot.ErrNotFound):
		ae = notFound("", "%v", err)
	case errors.Is(err, openslot.ErrConflict):
		code := codeConflict
		var se *openslot.SlotError
		if errors.As(err, &se) {
			code = codeSlotTaken
		}
		ae = &apiError{Status: http.StatusConflict, Code: code, Message: err.Error()}
	case errors.Is(err, openslot.ErrUnavailable):
		ae = &apiError{Status: http.StatusConflict, Code: codeSlotUnavailable, Message: err.Error()}
	case errors.Is(err, scheduling.ErrInvalidTransition), errors.Is(err, scheduling.ErrHoldExpired):
		ae = &apiError{Status: http.StatusUnprocessableEntity, Code: codeInvalidTransition, Message: err.Error()}
	case errors.Is(err, scheduling.ErrInvalid), errors.Is(err, scheduling.ErrPatientImmutable):
		ae = &apiError{Status: http.StatusBadRequest, Code: codeInvalid, Message: err.Error()}
	default:
		// The route, not the path, and the error's kind, not its text: either
		// can hold what a patient typed.
		s.log.ErrorContext(r.Context(), "clinicapi: request failed", "method", r.Method, "route", r.Pattern,
			"error", openslot.ErrorKind(err))
		ae = &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "internal error"}
	}
	writeAPIError(w, ae)
}

// today is the current date in loc.
func (s *server) today(loc *time.Location) scheduling.Date { return scheduling.DateOf(s.now().In(loc)) }

// latestZone is the zone furthest ahead of UTC (UTC+14): its date is the
// latest date anywhere. A birth date after today there is in the future
// wherever the patient was born; a birth date checked against today in UTC
// would refuse a baby born this morning in Bengaluru.
var latestZone = time.FixedZone("UTC+14", 14*60*60)

// POST /dr/v1/patient adds a patient to the practice's directory.
func (s *server) addPatient(w http.ResponseWriter, r *http.Request) {
	var req patientRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := req.patient("", s.today(latestZone))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.sched.Create(r.Context(), p); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newPatientResponse(p))
}

// clinicSchedule is a doctor's schedule at a clinic, compiled.
type clinicSchedule struct {
	schedule *scheduling.Schedule
	compiled *availability.Schedule
}

func (c clinicSchedule) location() *time.Location { return c.compiled.Location() }

// findSchedule checks that the doctor and the clinic exist and returns the
// doctor's active schedule at the clinic. Unknown ids are 404s naming the
// field.
func (s *server) findSchedule(ctx context.Context, doctorID, clinicID string) (clinicSchedule, error) {
	if _, err := s.sched.Get(ctx, "Practitioner", doctorID); err != nil {
		if errors.Is(err, openslot.ErrNotFound) {
			return clinicSchedule{}, notFound("doctor_id", "doctor %s not found", doctorID)
		}
		return clinicSchedule{}, err
	}
	if _, err := s.sched.Get(ctx, "Location", clinicID); err != nil {
		if errors.Is(err, openslot.ErrNotFound) {
			return clinicSchedule{}, notFound("clinic_id", "clinic %s not found", clinicID)
		}
		return clinicSchedule{}, err
	}
	roles, err := s.sched.Search(ctx, store.Query{
		ResourceType: "PractitionerRole",
		Terms: [][]string{
			{store.RefTerm("practitioner", "Practitioner", doctorID)},
			{store.RefTerm("location", "Location", clinicID)},
			{store.Term("active", "true")},
		},
		Limit: store.MaxLimit,
	})
	if err != nil {
		return clinicSchedule{}, err
	}
	var actors []string
	for _, r := range roles.Resources {
		actors = append(actors, store.RefTerm("actor", "PractitionerRole", r.Metadata().ID))
	}
	if len(actors) == 0 {
		return clinicSchedule{}, notFound("clinic_id", "doctor %s does not practise at clinic %s", doctorID, clinicID)
	}
	page, err := s.sched.Search(ctx, store.Query{
		ResourceType: "Schedule",
		Terms: [][]string{
			actors,
			{store.RefTerm("actor", "Location", clinicID)},
			{store.Term("active", "true")},
		},
		Limit: 1,
	})
	if err != nil {
		return clinicSchedule{}, err
	}
	if len(page.Resources) == 0 {
		return clinicSchedule{}, notFound("clinic_id", "doctor %s has no hours at clinic %s", doctorID, clinicID)
	}
	sc, ok := page.Resources[0].(*scheduling.Schedule)
	if !ok {
		return clinicSchedule{}, fmt.Errorf("schedule search returned %T", page.Resources[0])
	}
	compiled, err := availability.Compile(sc)
	if err != nil {
		return clinicSchedule{}, fmt.Errorf("schedule %s: %w", sc.ID, err)
	}
	return clinicSchedule{schedule: sc, compiled: compiled}, nil
}

// GET /dr/v1/business/doctor/{doctor_id}/clinic/{clinic_id}/appointments/slots?start_date=&end_date=
// lists the doctor's free slots at the clinic from the start of start_date to
// the end of end_date, both read in the clinic's time zone.
func (s *server) searchSlots(w http.ResponseWriter, r *http.Request) {
	doctorID, clinicID := r.PathValue("doctor_id"), r.PathValue("clinic_id")
	q := r.URL.Query()
	from, to, err := searchRange(doctorID, clinicID, q.Get("start_date"), q.Get("end_date"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for k := range q {
		if k != "start_date" && k != "end_date" {
			s.fail(w, r, badRequest(k, "unknown query parameter"))
			return
		}
	}
	cs, err := s.findSchedule(r.Context(), doctorID, clinicID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc := cs.location()
	resp := slotsResponse{DoctorID: doctorID, ClinicID: clinicID, TimeZone: loc.String(),
		StartDate: from.String(), EndDate: to.String(), Days: []slotDay{}}
	for d := from; !to.Before(d); d = d.AddDays(1) {
		resp.Days = append(resp.Days, slotDay{Date: d.String(), Slots: []slotJSON{}})
	}
	// The schedule's horizon ends the stream long before a year of days
	// when the range reaches that far.
	offers, errf := s.sched.FindSeq(r.Context(), openslot.FindRequest{
		Resources: [][]string{{cs.schedule.ID}},
		From:      from.In(0, loc),
		To:        to.AddDays(1).In(0, loc),
	})
	for o := range offers {
		start := o.Start.In(loc)
		if i := daysBetween(from, scheduling.DateOf(start)); i >= 0 && i < len(resp.Days) {
			resp.Days[i].Slots = append(resp.Days[i].Slots, slotJSON{StartTime: start, EndTime: o.End.In(loc)})
		}
	}
	if err := errf(); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// searchRange validates the path ids and the date range of a slot search.
func searchRange(doctorID, clinicID, startS, endS string) (from, to scheduling.Date, err error) {
	if err = checkID("doctor_id", doctorID); err != nil {
		return from, to, err
	}
	if err = checkID("clinic_id", clinicID); err != nil {
		return from, to, err
	}
	if from, err = parseDay("start_date", startS); err != nil {
		return from, to, err
	}
	if to, err = parseDay("end_date", endS); err != nil {
		return from, to, err
	}
	switch n := daysBetween(from, to); {
	case n < 0:
		return from, to, badRequest("end_date", "%s is before start_date %s", to, from)
	case n >= maxSearchDays:
		return from, to, badRequest("end_date", "the range may span at most %d days", maxSearchDays)
	}
	return from, to, nil
}

// daysBetween counts calendar days from a to b.
func daysBetween(a, b scheduling.Date) int {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta).Round(24*time.Hour) / (24 * time.Hour))
}

// POST /dr/v1/business/doctor/appointments/slots/book books a slot. A
// patient not yet in the directory is added from the details in the request
// first, and removed again if the booking fails, so a refused booking leaves
// nothing behind.
func (s *server) book(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req bookRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := req.validate(s.today(latestZone))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cs, err := s.findSchedule(ctx, b.doctorID, b.clinicID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if b.end.IsZero() {
		b.end = b.start.Add(cs.compiled.Policy(nil).Duration)
	}
	var patient *scheduling.Patient
	if b.newPatient != nil {
		if err := s.sched.Create(ctx, b.newPatient); err != nil {
			s.fail(w, r, err)
			return
		}
		patient = b.newPatient
	} else {
		p, err := get[scheduling.Patient](ctx, s.sched, b.patientID)
		if err != nil {
			if errors.Is(err, openslot.ErrNotFound) {
				err = notFound("patient_id", "patient %s not found in the directory", b.patientID)
			}
			s.fail(w, r, err)
			return
		}
		patient = p
	}
	appt := scheduling.Appointment{
		AppointmentType: &b.appointmentType,
		PaymentMode:     &b.paymentMode,
		Comment:         b.notes,
		Start:           b.start,
		End:             b.end,
		Participant: []scheduling.Participant{
			participant("Patient", patient.ID),
			participant("Practitioner", b.doctorID),
			participant("Location", b.clinicID),
		},
	}
	booked, err := s.sched.Book(ctx, openslot.BookRequest{Appointment: appt, Schedules: []string{cs.schedule.ID}})
	if err != nil {
		if b.newPatient != nil {
			s.removePatient(ctx, b.newPatient)
		}
		s.fail(w, r, err)
		return
	}
	resp := newAppointmentResponse(booked, cs.location())
	pr := newPatientResponse(patient)
	resp.Patient = &pr
	w.Header().Set("Location", "/dr/v1/business/appointments/"+booked.ID)
	writeJSON(w, http.StatusCreated, resp)
}

// removePatient deletes a patient this request added when its booking
// failed. Nothing refers to it yet.
func (s *server) removePatient(ctx context.Context, p *scheduling.Patient) {
	ctx = context.WithoutCancel(ctx) // the client hanging up must not leave the patient behind
	err := s.sched.Store().Update(ctx, func(tx store.Tx) error {
		return tx.Delete(ctx, "Patient", p.ID, p.Version)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "clinicapi: removing the patient of a failed booking", "patient", p.ID,
			"error", openslot.ErrorKind(err))
	}
}

func participant(resourceType, id string) scheduling.Participant {
	ref := scheduling.Ref(resourceType, id)
	return scheduling.Participant{Actor: &ref, Required: scheduling.ParticipantRequiredRequired,
		Status: scheduling.ParticipationAccepted}
}

// get reads the resource of type T with the given id through the Scheduler.
func get[T any, PT interface {
	*T
	scheduling.Resource
}](ctx context.Context, sched *openslot.Scheduler, id string) (*T, error) {
	var zero PT = new(T)
	r, err := sched.Get(ctx, zero.ResourceType(), id)
	if err != nil {
		return nil, err
	}
	v, ok := r.(PT)
	if !ok {
		return nil, fmt.Errorf("%s %s: store returned %T", zero.ResourceType(), id, r)
	}
	return v, nil
}

// appointment reads an appointment; unknown ids are 404s.
func (s *server) appointment(ctx context.Context, id string) (*scheduling.Appointment, error) {
	if err := checkID("appointment_id", id); err != nil {
		return nil, err
	}
	a, err := s.sched.Appointment(ctx, id)
	return a, appointmentNotFound(err, id)
}

// appointmentNotFound turns the Scheduler's ErrNotFound for an appointment
// into a 404 naming appointment_id; other errors pass unchanged.
func appointmentNotFound(err error, id string) error {
	if errors.Is(err, openslot.ErrNotFound) {
		return notFound("appointment_id", "appointment %s not found", id)
	}
	return err
}

// render returns a as the API shows it: times in the clinic's zone, with
// the patient's directory entry.
func (s *server) render(ctx context.Context, a *scheduling.Appointment) (appointmentResponse, error) {
	loc := time.UTC
	resp := newAppointmentResponse(a, loc)
	if resp.DoctorID != "" && resp.ClinicID != "" {
		cs, err := s.findSchedule(ctx, resp.DoctorID, resp.ClinicID)
		var ae *apiError
		switch {
		case err == nil:
			loc = cs.location()
		case !errors.As(err, &ae): // a doctor who left still has past appointments: show them in UTC
			return resp, err
		}
	}
	resp = newAppointmentResponse(a, loc)
	if resp.PatientID != "" {
		p, err := get[scheduling.Patient](ctx, s.sched, resp.PatientID)
		switch {
		case err == nil:
			pr := newPatientResponse(p)
			resp.Patient = &pr
		case !errors.Is(err, openslot.ErrNotFound):
			return resp, err
		}
	}
	return resp, nil
}

// respond writes a as the body of a successful change.
func (s *server) respond(w http.ResponseWriter, r *http.Request, status int, a *scheduling.Appointment) {
	resp, err := s.render(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, resp)
}

// GET /dr/v1/business/appointments/{appointment_id} returns an appointment.
func (s *server) getAppointment(w http.ResponseWriter, r *http.Request) {
	a, err := s.appointment(r.Context(), r.PathValue("appointment_id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, a)
}

// PUT /dr/v1/business/appointments/check-in checks the patient in.
func (s *server) checkIn(w http.ResponseWriter, r *http.Request) {
	var req appointmentRef
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Reason != "" {
		s.fail(w, r, badRequest("reason", "only a cancellation has a reason"))
		return
	}
	if err := checkID("appointment_id", req.AppointmentID); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.sched.CheckIn(r.Context(), req.AppointmentID)
	if err != nil {
		s.fail(w, r, appointmentNotFound(err, req.AppointmentID))
		return
	}
	s.respond(w, r, http.StatusOK, a)
}

// PUT or POST /dr/v1/business/appointments/cancel cancels an appointment and
// frees its slot.
func (s *server) cancel(w http.ResponseWriter, r *http.Request) {
	var req appointmentRef
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Reason) > maxNotes {
		s.fail(w, r, badRequest("reason", "longer than %d bytes", maxNotes))
		return
	}
	if err := checkID("appointment_id", req.AppointmentID); err != nil {
		s.fail(w, r, err)
		return
	}
	var reason *scheduling.CodeableConcept
	if req.Reason != "" {
		reason = &scheduling.CodeableConcept{Text: req.Reason}
	}
	a, err := s.sched.Cancel(r.Context(), req.AppointmentID, reason)
	if err != nil {
		s.fail(w, r, appointmentNotFound(err, req.AppointmentID))
		return
	}
	s.respond(w, r, http.StatusOK, a)
}

// PUT /dr/v1/business/doctor/appointments/slots/book changes an appointment:
// with start_time it moves it to the new time in one atomic step that keeps
// its id (the vendor API deleted and re-created it); without, it changes its
// appointment type, payment mode or notes.
func (s *server) modify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req updateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.appointment(ctx, req.AppointmentID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	details := req.AppointmentType != "" || req.PaymentMode != "" || req.Notes != nil
	switch {
	case req.StartTime != "" && details:
		s.fail(w, r, badRequest("start_time", "give either a new time or new details, not both: each request is one atomic change"))
		return
	case req.StartTime != "":
		start, end, err := parseTimes(req.StartTime, req.EndTime)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if end.IsZero() {
			end = start.Add(a.End.Sub(a.Start)) // keep the appointment's length
		}
		moved, err := s.sched.Reschedule(ctx, a.ID, openslot.RescheduleRequest{Start: start, End: end, IfVersion: a.Version})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.respond(w, r, http.StatusOK, moved)
	case req.EndTime != "":
		s.fail(w, r, badRequest("end_time", "only with start_time"))
	case details:
		if req.AppointmentType != "" {
			at, err := appointmentType(req.AppointmentType)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			a.AppointmentType = &at
		}
		if req.PaymentMode != "" {
			pm, err := paymentMode(req.PaymentMode)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			a.PaymentMode = &pm
		}
		if req.Notes != nil {
			n, err := notes(*req.Notes)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			a.Comment = n
		}
		// a carries the version read above: a concurrent change in between
		// makes Update fail with ErrConflict instead of being overwritten.
		if err := s.sched.Update(ctx, a); err != nil {
			s.fail(w, r, err)
			return
		}
		s.respond(w, r, http.StatusOK, a)
	default:
		s.fail(w, r, badRequest("start_time", "required to reschedule (or give appointment_type, payment_mode or notes to edit)"))
	}
}
