package fhir

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// gone turns the failure of a hold or booking because the time is no
// longer free into the answer IHE asks for: an OperationOutcome with a
// fatal not-found issue (409 when taken, 422 when no longer offered).
func gone(err error) error {
	var se *openslot.SlotError
	if errors.As(err, &se) || errors.Is(err, openslot.ErrUnavailable) {
		status := http.StatusUnprocessableEntity
		if errors.Is(err, openslot.ErrConflict) {
			status = http.StatusConflict
		}
		return &httpError{status: status, code: IssueNotFound, severity: SeverityFatal,
			msg: "the appointment is no longer available: " + err.Error(), err: err}
	}
	return err
}

// storedAppointment returns the stored appointment id for the caller to
// hold or book, nil when there is none (an offer id, or an unknown one).
// One outside the caller's compartment is nil too, so that the request
// goes on exactly as for an unknown id; one in it that names another
// patient too is refused (checkWrite).
func (h *handler) storedAppointment(ctx context.Context, id, patient string) (*scheduling.Appointment, error) {
	r, err := h.s.Get(ctx, "Appointment", id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !inCompartment(patient, r) {
		return nil, nil
	}
	if err := checkWrite(patient, r, true); err != nil {
		return nil, err
	}
	return r.(*scheduling.Appointment), nil
}

// offerRequest returns the BookRequest of an appointment offer id, for the
// caller; the offer of another patient is unknown to a confined caller.
func (h *handler) offerRequest(ctx context.Context, id, patient, key string) (openslot.BookRequest, error) {
	o, ok, err := h.decodeOffer(ctx, id, offerAppointment)
	if err != nil {
		return openslot.BookRequest{}, err
	}
	if !ok {
		return openslot.BookRequest{}, notFound("Appointment", id)
	}
	if patient != "" {
		if len(o.patients) > 0 && (len(o.patients) != 1 || o.patients[0] != patient) {
			return openslot.BookRequest{}, notFound("Appointment", id)
		}
		o.patients = []string{patient}
	}
	scheds, err := h.loadSchedules(ctx, o.schedules)
	if errors.Is(err, store.ErrNotFound) {
		return openslot.BookRequest{}, notFound("Appointment", id)
	}
	if err != nil {
		return openslot.BookRequest{}, err
	}
	a, err := h.proposalFrom(ctx, o, scheds)
	if err != nil {
		return openslot.BookRequest{}, err
	}
	a.ID, a.Slot = "", nil
	return openslot.BookRequest{Appointment: *a, Schedules: o.schedules, Service: o.service(scheds), IdempotencyKey: key}, nil
}

// holdAppointment answers Appointment/$hold (IHE ITI-116): the appointment
// named by appointment-reference (its one parameter: a proposed
// Appointment of $find, or a stored proposed or waitlisted one) becomes a pending hold until its
// held-until extension says. The answer is a searchset Bundle with the
// held Appointment; a time no longer free gets an OperationOutcome with a
// fatal not-found issue.
func (h *handler) holdAppointment(w http.ResponseWriter, r *http.Request) error {
	g, err := h.authorize(r, Access{Interaction: "operation", ResourceType: "Appointment", Operation: "$hold",
		Needs: []Need{{ResourceType: "Appointment", Mode: ModeCreate}}})
	if err != nil {
		return err
	}
	params, err := opParams(r, "")
	if err != nil {
		return err
	}
	for _, pp := range params.Parameter {
		if pp.Name != "appointment-reference" {
			return badRequest("$hold has no parameter %q", pp.Name)
		}
	}
	pp, err := single(params, "appointment-reference")
	if err != nil {
		return err
	}
	if pp == nil {
		return &httpError{status: http.StatusBadRequest, code: IssueRequired, msg: "$hold needs appointment-reference"}
	}
	ref, err := paramRef(*pp, "Appointment")
	if err != nil {
		return err
	}
	_, id := ref.Split()
	ctx := r.Context()
	key, err := h.requestKey(r, g, params)
	if err != nil {
		return err
	}
	stored, err := h.storedAppointment(ctx, id, g.Patient)
	if err != nil {
		return err
	}
	var held *scheduling.Appointment
	if stored != nil {
		held, err = h.hold(ctx, openslot.BookRequest{AppointmentID: stored.ID, IdempotencyKey: key}, g.Patient)
	} else {
		req, rerr := h.offerRequest(ctx, id, g.Patient, key)
		if rerr != nil {
			return rerr
		}
		held, err = h.hold(ctx, req, g.Patient)
	}
	if err != nil {
		return gone(err)
	}
	return h.writeResource(w, http.StatusOK, h.single(r, FromAppointment(*held)), nil)
}

// single wraps one resource in a searchset Bundle.
func (h *handler) single(r *http.Request, res Resource) *Bundle {
	return NewSearchset(1, "").AddMatch(h.base(r), res)
}

// book answers Appointment/$book: IHE ITI-117 (appointment-reference or
// appointment-resource, patient-resource, comment; the answer is a
// searchset Bundle) and HL7 Austria (a proposed Appointment as the
// parameter "appointment" or as the whole body; the answer is Parameters
// with appointment and outcome).
//
//   - new: a reference to a hold, a proposal of $find or a stored proposed
//     appointment books it; a resource without a stored id is booked on the
//     schedules of its slots (a held slot's hold is booked) or of its
//     participants.
//   - modify: a resource of a booked appointment with changes; a new start
//     and end (or slot) reschedules it.
//   - cancel: a resource with status cancelled cancels the hold or booking.
func (h *handler) book(w http.ResponseWriter, r *http.Request) error {
	g, err := h.authorize(r, Access{Interaction: "operation", ResourceType: "Appointment", Operation: "$book",
		Needs: []Need{{ResourceType: "Appointment", Mode: ModeCreate}, {ResourceType: "Appointment", Mode: ModeUpdate}}})
	if err != nil {
		return err
	}
	params, err := opParams(r, "appointment")
	if err != nil {
		return err
	}
	austria := params.Get("appointment") != nil
	ctx := r.Context()
	var comment string
	var patientRef *scheduling.Reference
	named := 0 // appointment parameters
	for _, pp := range params.Parameter {
		switch pp.Name {
		case "appointment", "appointment-resource", "appointment-reference":
			named++
		case "comment":
			comment, _ = pp.Text()
		case "patient-resource":
			p, ok := pp.Resource.(*Patient)
			if !ok || p.ID == "" {
				return badRequest("patient-resource must be a Patient with the id of a stored Patient (create the Patient first)")
			}
			if patientRef != nil {
				return badRequest("$book takes one patient-resource")
			}
			ref := scheduling.Ref("Patient", p.ID)
			patientRef = &ref
		default:
			return badRequest("$book has no parameter %q", pp.Name)
		}
	}
	if named > 1 {
		return badRequest("$book takes one appointment: appointment-reference, appointment-resource or appointment")
	}
	if _, err := single(params, "comment"); err != nil {
		return err
	}
	key, err := h.requestKey(r, g, params)
	if err != nil {
		return err
	}
	var booked *scheduling.Appointment
	switch {
	case params.Get("appointment-reference") != nil:
		ref, err := paramRef(*params.Get("appointment-reference"), "Appointment")
		if err != nil {
			return err
		}
		_, id := ref.Split()
		booked, err = h.bookReference(ctx, id, g.Patient, key, comment, patientRef)
		if err != nil {
			return err
		}
	default:
		pp := params.Get("appointment-resource")
		if pp == nil {
			pp = params.Get("appointment")
		}
		if pp == nil || pp.Resource == nil {
			return &httpError{status: http.StatusBadRequest, code: IssueRequired,
				msg: "$book needs appointment-reference, appointment-resource or appointment"}
		}
		fa, ok := pp.Resource.(*Appointment)
		if !ok {
			return badRequest("%s must be an Appointment, not a %s", pp.Name, pp.Resource.ResourceType())
		}
		m, err := ToAppointment(fa)
		if err != nil {
			return err
		}
		if comment != "" {
			m.Comment = comment
		}
		if patientRef != nil && m.PatientIndex() < 0 {
			m.Participant = append(m.Participant, scheduling.Participant{Actor: patientRef,
				Status: scheduling.ParticipationNeedsAction})
		}
		booked, err = h.bookResource(ctx, &m, g.Patient, key)
		if err != nil {
			return err
		}
	}
	res := FromAppointment(*booked)
	if austria {
		out := &Parameters{}
		out.Add(ParametersParameter{Name: "appointment", Resource: res})
		out.Add(ParametersParameter{Name: "outcome", Resource: NewOperationOutcome(SeverityInformation, "informational",
			fmt.Sprintf("appointment %s is %s", booked.ID, booked.Status))})
		return h.writeResource(w, http.StatusOK, out, nil)
	}
	return h.writeResource(w, http.StatusOK, h.single(r, res), nil)
}

// bookReference books the appointment an id names: a stored hold or
// proposal, or an offer of $find. The comment and the patient of
// patient-resource (nil when not given) sent with the reference go into the
// booking: the comment replaces the appointment's, the patient is added
// when it has none.
func (h *handler) bookReference(ctx context.Context, id, patient, key, comment string,
	patientRef *scheduling.Reference) (*scheduling.Appointment, error) {
	with := func(a *scheduling.Appointment) {
		if comment != "" {
			a.Comment = comment
		}
		if patientRef != nil && a.PatientIndex() < 0 {
			ref := patientRef.Clone()
			a.Participant = append(a.Participant, scheduling.Participant{Actor: &ref,
				Required: scheduling.ParticipantRequiredRequired, Status: scheduling.ParticipationAccepted})
		}
	}
	stored, err := h.storedAppointment(ctx, id, patient)
	if err != nil {
		return nil, err
	}
	if stored != nil {
		if stored.Status == scheduling.AppointmentBooked {
			return stored, nil
		}
		a, err := h.bookFor(ctx, openslot.BookRequest{AppointmentID: stored.ID, IdempotencyKey: key, Edit: with}, patient)
		return a, gone(err)
	}
	req, err := h.offerRequest(ctx, id, patient, key)
	if err != nil {
		return nil, err
	}
	with(&req.Appointment)
	a, err := h.bookFor(ctx, req, patient)
	return a, gone(err)
}

// bookResource books, modifies or cancels by an Appointment resource.
func (h *handler) bookResource(ctx context.Context, m *scheduling.Appointment, patient, key string) (*scheduling.Appointment, error) {
	if err := checkWrite(patient, m, false); err != nil {
		return nil, err
	}
	if m.ID != "" {
		stored, err := h.storedAppointment(ctx, m.ID, patient)
		if err != nil {
			return nil, err
		}
		if stored != nil {
			if m.Status == scheduling.AppointmentProposed || m.Status == "" {
				m.Status = scheduling.AppointmentBooked
			}
			if sameFields(*m, *stored) {
				// nothing to change (a retried modify or cancel): no new
				// version, no event
				return stored, nil
			}
			a, err := h.updateAppointment(ctx, stored, m, 0)
			return a, gone(err)
		}
		if _, ok, err := h.decodeOffer(ctx, m.ID, offerAppointment); err != nil {
			return nil, err
		} else if ok {
			req, err := h.offerRequest(ctx, m.ID, patient, key)
			if err != nil {
				return nil, err
			}
			// the client's resource, on the offer's schedules
			a := m.Clone()
			a.ID = ""
			if _, err := h.resolveSlots(ctx, &a, nil); err != nil {
				return nil, err
			}
			if a.Start.IsZero() {
				a.Start, a.End = req.Appointment.Start, req.Appointment.End
			}
			if a.PatientIndex() < 0 {
				a.Participant = req.Appointment.Participant
			}
			req.Appointment = a
			booked, err := h.bookFor(ctx, req, patient)
			return booked, gone(err)
		}
		m.ID = ""
	}
	if m.Status == scheduling.AppointmentCancelled {
		return nil, badRequest("a cancel by $book names the stored appointment by its id")
	}
	// a slot held by Slot/$hold: book that hold
	if hold, err := h.holdOfSlots(ctx, m.Slot, patient); err != nil {
		return nil, err
	} else if hold != nil {
		// book the hold itself: the time stays held throughout, and a hold
		// placed without a patient is given the client's
		next := m.Clone()
		next.ID, next.Status = hold.ID, scheduling.AppointmentBooked
		next.Slot = hold.Slot
		next.Start, next.End = hold.Start, hold.End
		next.Participant = mergeParticipants(hold.Participant, m.Participant)
		a, err := h.updateAppointment(ctx, hold, &next, 0)
		return a, gone(err)
	}
	m.Status = scheduling.AppointmentBooked
	a, err := h.createAppointment(ctx, m, key, patient)
	return a, gone(err)
}

// mergeParticipants returns the participants of a hold with those a
// proposed Appointment adds: the hold's own (the actors whose schedules it
// occupies, and its patient) stay, as the client sent them when it names
// them too; actors only the client names are added.
func mergeParticipants(held, proposed []scheduling.Participant) []scheduling.Participant {
	out := make([]scheduling.Participant, 0, len(held)+len(proposed))
	named := func(p scheduling.Participant, in []scheduling.Participant) int {
		for i, q := range in {
			if p.Actor != nil && q.Actor != nil && sameLiteral(*p.Actor, *q.Actor) {
				return i
			}
		}
		return -1
	}
	for _, p := range held {
		if i := named(p, proposed); i >= 0 {
			p = proposed[i].Clone()
		}
		out = append(out, p.Clone())
	}
	for _, q := range proposed {
		if q.Actor == nil || named(q, held) < 0 {
			out = append(out, q.Clone())
		}
	}
	return out
}

// holdOfSlots returns the live hold that occupies one of the slots
// referenced, nil when there is none. A stored slot is the hold's own; a
// computed slot (the id a Slot search gave the time, which Slot/$hold
// takes) stands for the stored slots of its schedule at exactly its time,
// where a hold placed through it is. A caller confined to a patient finds
// only holds of that patient: a hold placed by staff without a patient is
// not theirs to take (their own Slot/$hold always names their patient).
// The hold of another patient on a stored slot answers as an unknown slot;
// on a computed one, as a time without a hold of the caller's. A computed
// slot whose time several holds the caller may take occupy names none of
// them, and is refused.
func (h *handler) holdOfSlots(ctx context.Context, refs []scheduling.Reference, patient string) (*scheduling.Appointment, error) {
	for _, ref := range refs {
		typ, id := ref.Split()
		if typ != "Slot" {
			continue
		}
		ids, computed, err := h.storedSlotsOf(ctx, id)
		if err != nil {
			return nil, err
		}
		var found *scheduling.Appointment
		for _, sid := range ids {
			p, err := h.s.Search(ctx, store.Query{ResourceType: "Appointment", Terms: [][]string{
				{store.RefTerm("slot", "Slot", sid)}, {store.Term("status", string(scheduling.AppointmentPending))}}, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(p.Resources) == 0 {
				continue
			}
			a := p.Resources[0].(*scheduling.Appointment)
			switch {
			case !inCompartment(patient, a) && !computed:
				return nil, notFound("Slot", id)
			case !inCompartment(patient, a):
				continue
			case found != nil && found.ID != a.ID:
				return nil, &httpError{status: http.StatusConflict, code: IssueConflict,
					msg: fmt.Sprintf("several holds occupy the time of Slot/%s: name the Slot a hold answered with", id)}
			}
			found = a
		}
		if found != nil {
			// the caller's hold, which it may change only when it names no
			// other patient
			if err := checkWrite(patient, found, true); err != nil {
				return nil, err
			}
			return found, nil
		}
	}
	return nil, nil
}

// storedSlotsOf returns the ids of the stored slots a slot id stands for:
// the id itself, or for a computed slot (computed true) those of its
// schedule at exactly its time.
func (h *handler) storedSlotsOf(ctx context.Context, id string) (ids []string, computed bool, err error) {
	o, ok, err := h.decodeOffer(ctx, id, offerSlot)
	if err != nil || !ok {
		return []string{id}, false, err
	}
	found, err := h.searchAll(ctx, store.Query{ResourceType: "Slot", From: o.start, To: o.end,
		Terms: [][]string{{store.RefTerm("schedule", "Schedule", o.schedules[0])}}})
	if err != nil {
		return nil, true, err
	}
	for _, r := range found {
		if sl := r.(*scheduling.Slot); sl.Start.Equal(o.start) && sl.End.Equal(o.end) {
			ids = append(ids, sl.ID)
		}
	}
	return ids, true, nil
}

// holdSlot answers Slot/$hold (HL7 Austria): slot-reference (or
// slot-identifier) with slot-status busy-tentative holds the slot, free
// releases a hold. A hold is a pending Appointment of the slot's schedule
// (its actors, and the patient of patient-reference or of the caller) that
// lapses at held-until. The answer is Parameters: slot, held-until,
// outcome.
func (h *handler) holdSlot(w http.ResponseWriter, r *http.Request) error {
	g, err := h.authorize(r, Access{Interaction: "operation", ResourceType: "Slot", Operation: "$hold",
		Needs: []Need{{ResourceType: "Slot", Mode: ModeRead}, {ResourceType: "Appointment", Mode: ModeCreate}}})
	if err != nil {
		return err
	}
	params, err := opParams(r, "")
	if err != nil {
		return err
	}
	ctx := r.Context()
	status := scheduling.SlotBusyTentative
	var slotID string
	var patientID string
	for _, name := range []string{"slot-reference", "slot-status", "patient-reference"} {
		if _, err := single(params, name); err != nil {
			return err
		}
	}
	// slot-reference and every slot-identifier must name the same slot
	slotIs := func(id string) error {
		if slotID != "" && id != slotID {
			return badRequest("slot-reference and slot-identifier must name one Slot; they name Slot/%s and Slot/%s", slotID, id)
		}
		slotID = id
		return nil
	}
	for _, pp := range params.Parameter {
		switch pp.Name {
		case "slot-reference":
			ref, err := paramRef(pp, "Slot")
			if err != nil {
				return err
			}
			_, id := ref.Split()
			if err := slotIs(id); err != nil {
				return err
			}
		case "slot-identifier":
			id, err := h.slotByIdentifier(ctx, pp)
			if err != nil {
				return err
			}
			if err := slotIs(id); err != nil {
				return err
			}
		case "slot-status":
			s, _ := pp.Text()
			switch scheduling.SlotStatus(s) {
			case scheduling.SlotBusyTentative, scheduling.SlotFree:
				status = scheduling.SlotStatus(s)
			default:
				return badRequest("slot-status must be busy-tentative (hold) or free (release), not %q", s)
			}
		case "patient-reference":
			ref, err := paramRef(pp, "Patient")
			if err != nil {
				return err
			}
			_, patientID = ref.Split()
		default:
			return badRequest("Slot/$hold has no parameter %q", pp.Name)
		}
	}
	if slotID == "" {
		return &httpError{status: http.StatusBadRequest, code: IssueRequired, msg: "Slot/$hold needs slot-reference or slot-identifier"}
	}
	if g.Patient != "" {
		if patientID != "" && patientID != g.Patient {
			return fmt.Errorf("%w: you may hold slots for the patient you act for only", ErrForbidden)
		}
		patientID = g.Patient
	}
	var sl *scheduling.Slot
	if status == scheduling.SlotFree {
		sl, err = h.releaseSlot(ctx, slotID, g.Patient)
	} else {
		var key string
		if key, err = h.requestKey(r, g, params); err != nil {
			return err
		}
		sl, err = h.holdSlotFor(ctx, slotID, patientID, key, g.Patient)
	}
	if err != nil {
		return err
	}
	out := &Parameters{}
	out.Add(ParametersParameter{Name: "slot", Resource: FromSlot(*sl)})
	msg := "slot " + sl.ID + " is free again"
	switch {
	case status == scheduling.SlotBusyTentative && sl.HeldUntil.IsZero():
		// a retry whose hold has since been booked or ended
		msg = "slot " + sl.ID + " is " + string(sl.Status) + ": the hold made with this Idempotency-Key has ended"
	case status == scheduling.SlotBusyTentative:
		// HL7 Austria defines held-until as a dateTime
		out.Add(ParametersParameter{Name: "held-until", ChoiceValue: ChoiceValue{ValueDateTime: formatInstant(sl.HeldUntil.UTC())}})
		msg = "slot " + sl.ID + " is held until " + formatInstant(sl.HeldUntil.UTC())
	}
	out.Add(ParametersParameter{Name: "outcome", Resource: NewOperationOutcome(SeverityInformation, "informational", msg)})
	return h.writeResource(w, http.StatusOK, out, nil)
}

func (h *handler) slotByIdentifier(ctx context.Context, pp ParametersParameter) (string, error) {
	var system, value string
	switch {
	case pp.ValueIdentifier != nil:
		system, value = pp.ValueIdentifier.System, pp.ValueIdentifier.Value
	default:
		s, ok := pp.Text()
		if !ok || s == "" {
			return "", badRequest("slot-identifier: an Identifier is required")
		}
		if sys, v, found := strings.Cut(s, "|"); found {
			system, value = sys, v
		} else {
			value = s
		}
	}
	p, err := h.s.Search(ctx, store.Query{ResourceType: "Slot", Terms: [][]string{{store.TokenTerm("identifier", system, value)}}, Limit: 2})
	if err != nil {
		return "", err
	}
	switch len(p.Resources) {
	case 0:
		return "", &httpError{status: http.StatusNotFound, code: IssueNotFound, msg: "no Slot has identifier " + value}
	case 1:
		return p.Resources[0].Metadata().ID, nil
	}
	return "", &httpError{status: http.StatusConflict, code: IssueConflict, msg: "several Slots have identifier " + value}
}

// holdSlotFor holds a free slot (stored or computed) for patientID (none
// when empty) and returns the held slot the Scheduler stored. key is the
// caller's idempotency key, compartment the patient it is confined to (""
// when not confined).
func (h *handler) holdSlotFor(ctx context.Context, slotID, patientID, key, compartment string) (*scheduling.Slot, error) {
	// A retry gets the first request's hold, even though its slot is no
	// longer free.
	if prev, err := h.s.Replay(ctx, scheduling.ActionHold, key); err != nil || prev != nil {
		if _, err := replayed(prev, err, key, compartment); err != nil {
			return nil, err
		}
		return h.heldSlot(ctx, prev)
	}
	ref := scheduling.Ref("Slot", slotID)
	a := scheduling.Appointment{Slot: []scheduling.Reference{ref}}
	st, err := h.resolveSlots(ctx, &a, nil)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) && he.status == http.StatusBadRequest {
			return nil, notFound("Slot", slotID)
		}
		return nil, err
	}
	if r, err := h.s.Get(ctx, "Slot", slotID); err == nil && r.(*scheduling.Slot).Status != scheduling.SlotFree {
		return nil, &httpError{status: http.StatusConflict, code: IssueConflict,
			msg: fmt.Sprintf("Slot/%s is %s, not free", slotID, r.(*scheduling.Slot).Status)}
	}
	sc, err := h.schedule(ctx, st.schedules[0])
	if err != nil {
		return nil, err
	}
	if patientID != "" {
		p := scheduling.Ref("Patient", patientID)
		a.Participant = append(a.Participant, scheduling.Participant{Actor: &p, Status: scheduling.ParticipationNeedsAction})
	}
	for _, act := range sc.Actor {
		if act.IsType("Patient") {
			continue
		}
		c := act.Clone()
		a.Participant = append(a.Participant, scheduling.Participant{Actor: &c, Status: scheduling.ParticipationNeedsAction})
	}
	held, err := h.hold(ctx, openslot.BookRequest{Appointment: a, Schedules: st.schedules, Service: st.service, IdempotencyKey: key}, compartment)
	if err != nil {
		return nil, gone(err)
	}
	return h.heldSlot(ctx, held)
}

// heldSlot returns the stored slot a hold occupies.
func (h *handler) heldSlot(ctx context.Context, held *scheduling.Appointment) (*scheduling.Slot, error) {
	for _, s := range held.Slot {
		if typ, id := s.Split(); typ == "Slot" {
			r, err := h.s.Get(ctx, "Slot", id)
			if err == nil {
				return r.(*scheduling.Slot), nil
			}
		}
	}
	return nil, fmt.Errorf("hold %s has no stored slot", held.ID)
}

// releaseSlot gives up the hold on a slot: a stored one, or a computed one
// the hold was placed through (see holdOfSlots). The answer is the slot
// released: the stored slot, or the computed one read again.
func (h *handler) releaseSlot(ctx context.Context, slotID, patient string) (*scheduling.Slot, error) {
	hold, err := h.holdOfSlots(ctx, []scheduling.Reference{scheduling.Ref("Slot", slotID)}, patient)
	if err != nil {
		return nil, err
	}
	if hold == nil || (patient != "" && !inCompartment(patient, hold)) {
		_, err := h.lookup(ctx, "Slot", slotID)
		if status, _ := classify(err); err != nil && status != http.StatusNotFound {
			return nil, err
		}
		if err != nil || hold != nil {
			return nil, notFound("Slot", slotID)
		}
		return nil, &httpError{status: http.StatusUnprocessableEntity, code: issueBusinessRule,
			msg: fmt.Sprintf("Slot/%s is not held", slotID)}
	}
	if _, err := h.s.ReleaseHold(ctx, hold.ID); err != nil {
		return nil, err
	}
	r, err := h.lookup(ctx, "Slot", slotID)
	if err != nil {
		return nil, err
	}
	return r.(*scheduling.Slot), nil
}
