package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// bookPath is where the CRM posts its Book Appointment request.
const bookPath = "/connect/health/appointment-management/appointment"

// server books the CRM's requests through one Scheduler, mapped onto the
// model as docs/vendor-mapping.md describes: a Facility is a Location, an
// asset a Device, a work type a HealthcareService whose id is the
// workTypeId, and each practitioner's or device's hours at a facility are
// the Schedule whose actors are the two of them (see demoResources).
type server struct {
	sched *openslot.Scheduler
	log   *slog.Logger
}

// newServer returns the CRM booking endpoint as an http.Handler. A nil log
// discards.
func newServer(sched *openslot.Scheduler, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &server{sched: sched, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc(bookPath, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeProblem(w, newProblem(http.StatusMethodNotAllowed, "%s %s: use POST", r.Method, r.URL.Path))
			return
		}
		s.book(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, newProblem(http.StatusNotFound, "no endpoint %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// book handles one Book Appointment request: decode, validate, resolve the
// participants, the work type and the schedules, then book every schedule
// in one Scheduler.Book, so a multi-resource appointment gets all its
// resources or none.
func (s *server) book(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req bookAppointmentRequest
	if p := decodeJSON(w, r, &req); p != nil {
		writeProblem(w, p)
		return
	}
	b, p := req.validate()
	if p != nil {
		writeProblem(w, p)
		return
	}
	plan, err := s.resolve(ctx, b)
	if err != nil {
		s.fail(w, r, b, nil, err)
		return
	}
	appt, err := b.appointment()
	if err != nil {
		s.fail(w, r, b, nil, err)
		return
	}
	booked, err := s.sched.Book(ctx, openslot.BookRequest{
		Appointment: appt,
		Schedules:   plan.schedules,
		Service:     plan.service,
	})
	if err != nil {
		s.fail(w, r, b, plan, err)
		return
	}
	writeJSON(w, http.StatusCreated, bookAppointmentResponse{ID: booked.ID, IsSuccess: true,
		Status: statusScheduled, ErrorMessages: []string{}})
}

// plan is what a valid request resolves to in the store.
type plan struct {
	// schedules are the schedule ids to book, one per resource, and owner
	// names the participant each belongs to.
	schedules []string
	owner     map[string]member
	// service selects the schedules' service policy: the work type's
	// service type, or nil to use the first of the request's serviceTypes.
	service *scheduling.CodeableConcept
}

// resolve checks that every participant and the work type exist (404
// naming each one missing), that the work type is offered at the facility,
// and finds each resource's schedule at the facility (422 when there is
// none).
func (s *server) resolve(ctx context.Context, b *booking) (*plan, error) {
	var missing []string
	for _, m := range append([]member{b.patient, b.facility}, b.resources()...) {
		_, err := s.sched.Get(ctx, m.typ, m.id)
		switch {
		case errors.Is(err, openslot.ErrNotFound):
			missing = append(missing, fmt.Sprintf("participants[%d].reference: %s not found", m.index, m))
		case err != nil:
			return nil, err
		}
	}
	var workType *scheduling.HealthcareService
	if b.workTypeID != "" {
		r, err := s.sched.Get(ctx, "HealthcareService", b.workTypeID)
		switch {
		case errors.Is(err, openslot.ErrNotFound):
			missing = append(missing, fmt.Sprintf("workTypeId: work type %s not found", b.workTypeID))
		case err != nil:
			return nil, err
		default:
			hs, ok := r.(*scheduling.HealthcareService)
			if !ok {
				return nil, fmt.Errorf("work type %s: store returned %T", b.workTypeID, r)
			}
			workType = hs
		}
	}
	if len(missing) > 0 {
		return nil, &problem{status: http.StatusNotFound, messages: missing}
	}

	out := &plan{owner: make(map[string]member)}
	var unbookable []string
	if workType != nil {
		switch facility := b.facility.ref(); {
		case workType.Active != nil && !*workType.Active:
			unbookable = append(unbookable, fmt.Sprintf("workTypeId: work type %s is not active", b.workTypeID))
		case len(workType.Location) > 0 && !slices.ContainsFunc(workType.Location, func(l scheduling.Reference) bool {
			return l.Reference == facility.Reference
		}):
			unbookable = append(unbookable, fmt.Sprintf("workTypeId: work type %s is not offered at %s", b.workTypeID, b.facility))
		}
		if len(workType.Type) > 0 {
			out.service = &workType.Type[0]
		}
	}
	for _, m := range b.resources() {
		id, err := s.scheduleAt(ctx, m, b.facility)
		if err != nil {
			return nil, err
		}
		if id == "" {
			unbookable = append(unbookable, fmt.Sprintf("participants[%d].reference: %s has no schedule at %s", m.index, m, b.facility))
			continue
		}
		out.schedules = append(out.schedules, id)
		out.owner[id] = m
	}
	if len(unbookable) > 0 {
		return nil, &problem{status: http.StatusUnprocessableEntity, messages: unbookable}
	}
	return out, nil
}

// scheduleAt returns the id of the active schedule of resource m at the
// facility, or "" when it has none.
func (s *server) scheduleAt(ctx context.Context, m, facility member) (string, error) {
	page, err := s.sched.Search(ctx, store.Query{
		ResourceType: "Schedule",
		Terms: [][]string{
			{store.RefTerm("actor", m.typ, m.id)},
			{store.RefTerm("actor", facility.typ, facility.id)},
			{store.Term("active", "true")},
		},
		Limit: 1,
	})
	if err != nil || len(page.Resources) == 0 {
		return "", err
	}
	return page.Resources[0].Metadata().ID, nil
}

// appointment builds the appointment to book, field by field as
// docs/vendor-mapping.md maps the CRM's request.
func (b *booking) appointment() (scheduling.Appointment, error) {
	concept := func(code string) scheduling.CodeableConcept { return scheduling.Concept(b.sourceSystem, code, "") }
	concepts := func(cs []string) []scheduling.CodeableConcept {
		var out []scheduling.CodeableConcept
		for _, c := range cs {
			out = append(out, concept(c))
		}
		return out
	}
	a := scheduling.Appointment{
		Start:           b.start,
		End:             b.end,
		Comment:         b.comment,
		Description:     b.description,
		SourceSystem:    b.sourceSystem,
		ServiceCategory: concepts(b.categories),
		ServiceType:     concepts(b.serviceTypes),
		Specialty:       concepts(b.specialties),
	}
	if b.workTypeID != "" {
		wt := scheduling.Concept("", b.workTypeID, "")
		a.WorkType = &wt
	}
	ch := scheduling.Concept("", b.channelID, "")
	a.Channel = &ch
	if len(b.apptTypes) > 0 {
		// R4 has one appointmentType: every entry becomes one of its codings.
		at := scheduling.CodeableConcept{}
		for _, c := range b.apptTypes {
			at.Coding = append(at.Coding, scheduling.Coding{System: b.sourceSystem, Code: c})
		}
		a.AppointmentType = &at
	}
	for _, m := range append([]member{b.patient, b.facility}, b.resources()...) {
		ref := m.ref()
		a.Participant = append(a.Participant, scheduling.Participant{Actor: &ref, Required: m.required,
			Status: scheduling.ParticipationAccepted})
	}
	if b.timeZone != "" {
		ext, err := extension(scheduling.ExtTimeZone, map[string]any{"valueCode": b.timeZone})
		if err != nil {
			return a, err
		}
		a.Extension = append(a.Extension, ext)
	}
	for _, sl := range b.slots {
		ref := scheduling.ExternalSlot(b.sourceSystem, sl.id)
		a.Slot = append(a.Slot, ref)
		ext, err := extension(scheduling.ExtSlotActor, map[string]any{"extension": []map[string]any{
			{"url": "slot", "valueReference": map[string]any{"type": "Slot",
				"identifier": map[string]string{"system": b.sourceSystem, "value": sl.id}}},
			{"url": "actor", "valueReference": map[string]string{"reference": sl.actor.ref().Reference}},
		}})
		if err != nil {
			return a, err
		}
		a.Extension = append(a.Extension, ext)
	}
	return a, nil
}

// extension returns a FHIR extension with url and the given members.
func extension(url string, members map[string]any) (scheduling.Extension, error) {
	members["url"] = url
	data, err := json.Marshal(members)
	return scheduling.Extension{URL: url, JSON: data}, err
}

// fail answers a request the Scheduler or the store refused. A time a
// resource cannot give is a 409 naming the participant; invalid input a
// 400; anything else is logged and answered with a 500 that reveals
// nothing.
func (s *server) fail(w http.ResponseWriter, r *http.Request, b *booking, pl *plan, err error) {
	var p *problem
	var se *openslot.SlotError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &se):
		who := "startDate"
		if pl != nil {
			if m, ok := pl.owner[se.ScheduleID]; ok {
				who = fmt.Sprintf("participants[%d].reference: %s", m.index, m)
			}
		}
		reason := "is not available"
		if errors.Is(err, openslot.ErrConflict) {
			reason = "is already booked"
		}
		p = newProblem(http.StatusConflict, "%s %s from %s to %s: %v", who, reason,
			b.start.Format("2006-01-02T15:04:05Z07:00"), b.end.Format("2006-01-02T15:04:05Z07:00"), se.Err)
	case errors.Is(err, openslot.ErrConflict), errors.Is(err, openslot.ErrUnavailable):
		p = newProblem(http.StatusConflict, "%v", err)
	case errors.Is(err, scheduling.ErrInvalid):
		p = newProblem(http.StatusBadRequest, "%v", err)
	default:
		// The error's kind, not its text, which can quote the request.
		s.log.ErrorContext(r.Context(), "crmbooking: request failed", "error", openslot.ErrorKind(err))
		p = newProblem(http.StatusInternalServerError, "internal error")
	}
	writeProblem(w, p)
}
