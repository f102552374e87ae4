package scheduling

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Action is a change requested of an appointment. Apply takes one with its
// parameters (Change) and returns the new appointment, the slot status
// changes and the event to record. docs/state-machine.md draws the machine.
type Action string

// The actions of the booking state machine, with the statuses each is
// allowed from and the status it leads to.
const (
	// ActionHold places a hold: proposed|waitlist -> pending, HeldUntil =
	// Change.HeldUntil (required, after Change.At); slots busy-tentative.
	ActionHold Action = "hold"
	// ActionBook books: proposed|pending|waitlist -> booked; HeldUntil
	// cleared; slots busy; needs-action participants become accepted.
	ActionBook Action = "book"
	// ActionConfirm approves a pending request: pending -> booked; slots busy;
	// needs-action participants become accepted. It fails with ErrHoldExpired
	// when the appointment is a hold whose HeldUntil is at or before
	// Change.At.
	ActionConfirm Action = "confirm"
	// ActionRespond records a participant's answer (Change.Response) from
	// proposed, pending, waitlist or booked. A required participant declining
	// cancels the appointment; a pending appointment whose required
	// participants have all accepted becomes booked; otherwise the status
	// stays.
	ActionRespond Action = "respond"
	// ActionReschedule moves a booked appointment to Change.Start/End and
	// Change.Slots: booked -> booked; old slots free, new slots busy; the
	// event carries the old start and end.
	ActionReschedule Action = "reschedule"
	// ActionCancel cancels: proposed|pending|waitlist|booked|arrived|checked-in
	// -> cancelled with Change.Reason as cancelationReason; the slots it
	// occupied become free.
	ActionCancel Action = "cancel"
	// ActionExpireHold ends a lapsed hold: pending with HeldUntil at or before
	// Change.At -> cancelled; slots free; event hold-expired.
	ActionExpireHold Action = "expire-hold"
	// ActionCheckIn checks the patient in: booked|arrived -> checked-in.
	ActionCheckIn Action = "check-in"
	// ActionArrive records the patient's arrival: booked -> arrived.
	ActionArrive Action = "arrive"
	// ActionNoShow records a no-show: booked -> noshow, with Change.Reason as
	// cancelationReason when given; slots stay busy.
	ActionNoShow Action = "no-show"
	// ActionFulfil completes the appointment: booked|arrived|checked-in ->
	// fulfilled.
	ActionFulfil Action = "fulfil"
	// ActionWaitlist puts a proposed appointment on the waiting list with
	// Change.RequestedPeriod: proposed -> waitlist.
	ActionWaitlist Action = "waitlist"
	// ActionPropose offers a waitlisted appointment a time (Change.Start/End
	// and Change.Slots when given): waitlist -> proposed.
	ActionPropose Action = "propose"
	// ActionEnterInError marks an appointment as a mistake: any status except
	// entered-in-error -> entered-in-error; the slots it occupied become free.
	ActionEnterInError Action = "enter-in-error"
)

// Actions lists every Action in the order of the state table.
func Actions() []Action {
	return []Action{ActionHold, ActionBook, ActionConfirm, ActionRespond, ActionReschedule, ActionCancel,
		ActionExpireHold, ActionCheckIn, ActionArrive, ActionNoShow, ActionFulfil, ActionWaitlist, ActionPropose,
		ActionEnterInError}
}

// Valid reports whether a is one of Actions.
func (a Action) Valid() bool { _, ok := rules[a]; return ok }

// Change is an Action with its parameters.
type Change struct {
	Action Action
	// At is when the change happens (required). It stamps the event and
	// decides whether a hold has expired.
	At time.Time
	// HeldUntil is when the hold lapses (ActionHold, required).
	HeldUntil time.Time
	// Start and End are the new time (ActionReschedule, required). For
	// ActionHold, ActionBook and ActionPropose on a proposed or waitlisted
	// appointment they set its time when given.
	Start, End time.Time
	// Slots are the new slots (ActionReschedule). Like Start and End, they
	// replace the slots of a proposed or waitlisted appointment on
	// ActionHold, ActionBook and ActionPropose when given.
	Slots []Reference
	// Reason is the cancelation reason (ActionCancel, optional; ActionNoShow,
	// optional).
	Reason *CodeableConcept
	// Response is the participant's answer (ActionRespond, required).
	Response *AppointmentResponse
	// RequestedPeriod replaces the appointment's requested periods
	// (ActionWaitlist, optional).
	RequestedPeriod []Period
}

// SlotEffect is the status a referenced slot should get because of a
// change. The status is what this appointment implies; a store that lets
// several appointments share a slot (capacity above one) must keep the slot
// busy while any other appointment still occupies it.
type SlotEffect struct {
	Slot   Reference
	Status SlotStatus
}

// EventType names what happened to an appointment.
type EventType string

// The event types. A consumer that only knows the three notifications of
// standards.md §4 maps booked and confirmed to booked; cancelled,
// hold-expired and no-show to cancelled; everything else to updated.
const (
	EventHeld           EventType = "held"
	EventHoldExpired    EventType = "hold-expired"
	EventBooked         EventType = "booked"
	EventConfirmed      EventType = "confirmed"
	EventResponded      EventType = "responded"
	EventRescheduled    EventType = "rescheduled"
	EventCancelled      EventType = "cancelled"
	EventCheckedIn      EventType = "checked-in"
	EventArrived        EventType = "arrived"
	EventNoShow         EventType = "no-show"
	EventFulfilled      EventType = "fulfilled"
	EventWaitlisted     EventType = "waitlisted"
	EventProposed       EventType = "proposed"
	EventEnteredInError EventType = "entered-in-error"
	// EventUpdated is a change of fields other than status, time, slots and
	// patient (see Update).
	EventUpdated EventType = "updated"
)

// Event is what a change records (in the outbox, in the same transaction).
type Event struct {
	Type          EventType
	AppointmentID string
	At            time.Time
	From, To      AppointmentStatus
	// OldStart and OldEnd are the time before a reschedule; zero otherwise.
	OldStart, OldEnd time.Time
	// Appointment is a deep copy of the appointment after the change.
	Appointment Appointment
}

// Transition is the outcome of Apply. It shares nothing with Apply's
// arguments, and Event.Appointment shares nothing with Appointment.
type Transition struct {
	// Appointment is the appointment after the change.
	Appointment Appointment
	// Slots has an entry for every slot reference whose status the change
	// sets, in the order of the appointment's slots (for a reschedule: the
	// freed old slots first, then the new ones).
	Slots []SlotEffect
	// Event is the event to record.
	Event Event
}

// rule is one row of the state table.
type rule struct {
	from  []AppointmentStatus
	to    AppointmentStatus // empty when the outcome depends on the change (respond)
	event EventType
}

var rules = map[Action]rule{
	ActionHold:       {[]AppointmentStatus{AppointmentProposed, AppointmentWaitlist}, AppointmentPending, EventHeld},
	ActionBook:       {[]AppointmentStatus{AppointmentProposed, AppointmentPending, AppointmentWaitlist}, AppointmentBooked, EventBooked},
	ActionConfirm:    {[]AppointmentStatus{AppointmentPending}, AppointmentBooked, EventConfirmed},
	ActionRespond:    {[]AppointmentStatus{AppointmentProposed, AppointmentPending, AppointmentWaitlist, AppointmentBooked}, "", EventResponded},
	ActionReschedule: {[]AppointmentStatus{AppointmentBooked}, AppointmentBooked, EventRescheduled},
	ActionCancel: {[]AppointmentStatus{AppointmentProposed, AppointmentPending, AppointmentWaitlist, AppointmentBooked,
		AppointmentArrived, AppointmentCheckedIn}, AppointmentCancelled, EventCancelled},
	ActionExpireHold: {[]AppointmentStatus{AppointmentPending}, AppointmentCancelled, EventHoldExpired},
	ActionCheckIn:    {[]AppointmentStatus{AppointmentBooked, AppointmentArrived}, AppointmentCheckedIn, EventCheckedIn},
	ActionArrive:     {[]AppointmentStatus{AppointmentBooked}, AppointmentArrived, EventArrived},
	ActionNoShow:     {[]AppointmentStatus{AppointmentBooked}, AppointmentNoShow, EventNoShow},
	ActionFulfil:     {[]AppointmentStatus{AppointmentBooked, AppointmentArrived, AppointmentCheckedIn}, AppointmentFulfilled, EventFulfilled},
	ActionWaitlist:   {[]AppointmentStatus{AppointmentProposed}, AppointmentWaitlist, EventWaitlisted},
	ActionPropose:    {[]AppointmentStatus{AppointmentWaitlist}, AppointmentProposed, EventProposed},
	ActionEnterInError: {slices.DeleteFunc(AppointmentStatuses(), func(s AppointmentStatus) bool {
		return s == AppointmentEnteredInError
	}), AppointmentEnteredInError, EventEnteredInError},
}

// Allowed reports whether action may be applied to an appointment in status
// from. Apply may still refuse it for reasons beyond the status: an expired
// hold (ErrHoldExpired) or missing or invalid change parameters (ErrInvalid).
func Allowed(from AppointmentStatus, action Action) bool {
	r, ok := rules[action]
	return ok && slices.Contains(r.from, from)
}

// AllowedFrom lists the statuses action may be applied to, in the order of
// AppointmentStatuses; nil for an unknown action.
func AllowedFrom(action Action) []AppointmentStatus {
	r, ok := rules[action]
	if !ok {
		return nil
	}
	var out []AppointmentStatus
	for _, s := range AppointmentStatuses() {
		if slices.Contains(r.from, s) {
			out = append(out, s)
		}
	}
	return out
}

// IsTerminal reports whether s ends the life cycle: fulfilled, cancelled,
// noshow or entered-in-error. Only ActionEnterInError leaves a terminal
// status (and not entered-in-error itself).
func (s AppointmentStatus) IsTerminal() bool {
	switch s {
	case AppointmentFulfilled, AppointmentCancelled, AppointmentNoShow, AppointmentEnteredInError:
		return true
	}
	return false
}

// OccupiesSlots reports whether an appointment in status s holds its time
// and slots: pending (a hold or a request awaiting approval), booked,
// arrived, checked-in, noshow and fulfilled. Proposed and waitlisted
// appointments are offers and occupy nothing; cancelled and
// entered-in-error ones have released their time.
func (s AppointmentStatus) OccupiesSlots() bool {
	switch s {
	case AppointmentPending, AppointmentBooked, AppointmentArrived, AppointmentCheckedIn, AppointmentNoShow,
		AppointmentFulfilled:
		return true
	}
	return false
}

// HoldExpired reports whether a is a pending hold whose HeldUntil is at or
// before at.
func (a *Appointment) HoldExpired(at time.Time) bool {
	return a.Status == AppointmentPending && !a.HeldUntil.IsZero() && !a.HeldUntil.After(at)
}

// Occupies reports whether a blocks its time at instant at: its status
// occupies slots and it is not an expired hold. Availability and conflict
// checks use it, so an expired hold never blocks anyone, swept or not.
func (a *Appointment) Occupies(at time.Time) bool {
	return a.Status.OccupiesSlots() && !a.HoldExpired(at)
}

// Apply computes the effect of change c on appointment a. It is pure: a and
// c are not modified and the result shares no memory with them. It returns
//   - ErrInvalid for an unknown action, a missing Change.At, missing or bad
//     parameters, or a result that would break a rule of Validate;
//   - ErrInvalidTransition when a's status does not allow the action, naming
//     the action, its target status, a's status and the statuses it is
//     allowed from;
//   - ErrHoldExpired for ActionBook, ActionConfirm and ActionRespond on a
//     hold whose HeldUntil is at or before c.At.
//
// HeldUntil is cleared whenever the appointment leaves pending. ActionBook
// and ActionConfirm set every participant whose status is needs-action or
// empty to accepted; ActionRespond changes only the responder's status,
// also when its answer confirms the booking. The patient
// participant is never replaced: only its status changes, through
// ActionRespond, ActionBook or ActionConfirm.
func Apply(a Appointment, c Change) (Transition, error) {
	r, ok := rules[c.Action]
	if !ok {
		return Transition{}, fmt.Errorf("%w: unknown action %q (want one of %s)", ErrInvalid, c.Action, joinCodes(Actions()))
	}
	from := a.Status
	if !from.Valid() {
		return Transition{}, fmt.Errorf("%w: %s: status %q is not one of %s", ErrInvalid, c.Action, from,
			joinCodes(AppointmentStatuses()))
	}
	if c.At.IsZero() {
		return Transition{}, fmt.Errorf("%w: %s: the change time At is required", ErrInvalid, c.Action)
	}
	if !slices.Contains(r.from, from) {
		return Transition{}, transitionError(c.Action, r, from)
	}
	if a.HoldExpired(c.At) && (c.Action == ActionBook || c.Action == ActionConfirm || c.Action == ActionRespond) {
		return Transition{}, fmt.Errorf("%w: %s from pending: held until %s, now %s", ErrHoldExpired, c.Action,
			a.HeldUntil.Format(time.RFC3339), c.At.Format(time.RFC3339))
	}

	next := a.Clone()
	to, event := r.to, r.event
	var effects []SlotEffect
	var oldStart, oldEnd time.Time

	switch c.Action {
	case ActionHold:
		if c.HeldUntil.IsZero() || !c.HeldUntil.After(c.At) {
			return Transition{}, fmt.Errorf("%w: hold: heldUntil must be after the change time %s", ErrInvalid,
				c.At.Format(time.RFC3339))
		}
		setTime(&next, c)
		next.HeldUntil = c.HeldUntil
		effects = slotEffects(next.Slot, SlotBusyTentative)
	case ActionBook:
		if from == AppointmentPending && (!c.Start.IsZero() || !c.End.IsZero() || c.Slots != nil) {
			return Transition{}, fmt.Errorf("%w: book from pending cannot change the time or slots of a hold; cancel it and hold again",
				ErrInvalid)
		}
		setTime(&next, c)
		acceptNeedsAction(&next)
		effects = slotEffects(next.Slot, SlotBusy)
	case ActionConfirm:
		acceptNeedsAction(&next)
		effects = slotEffects(next.Slot, SlotBusy)
	case ActionRespond:
		var err error
		if to, event, err = respond(&next, c.Response); err != nil {
			return Transition{}, err
		}
		switch {
		case to == AppointmentCancelled && from.OccupiesSlots():
			effects = slotEffects(next.Slot, SlotFree)
		case event == EventConfirmed:
			effects = slotEffects(next.Slot, SlotBusy)
		}
	case ActionReschedule:
		if c.Start.IsZero() || c.End.IsZero() {
			return Transition{}, fmt.Errorf("%w: reschedule: start and end are required", ErrInvalid)
		}
		oldStart, oldEnd = a.Start, a.End
		newSlots := cloneRefs(c.Slots)
		for _, s := range next.Slot {
			if !slices.ContainsFunc(newSlots, func(n Reference) bool { return sameRef(s, n) }) {
				effects = append(effects, SlotEffect{Slot: s.Clone(), Status: SlotFree})
			}
		}
		effects = append(effects, slotEffects(newSlots, SlotBusy)...)
		next.Start, next.End, next.Slot = c.Start, c.End, newSlots
	case ActionCancel, ActionEnterInError:
		if c.Action == ActionCancel {
			next.CancelationReason = cloneConcept(c.Reason)
		}
		if from.OccupiesSlots() {
			effects = slotEffects(next.Slot, SlotFree)
		}
	case ActionExpireHold:
		if !a.HoldExpired(c.At) {
			why := "it is not a hold (no heldUntil)"
			if !a.HeldUntil.IsZero() {
				why = "held until " + a.HeldUntil.Format(time.RFC3339)
			}
			return Transition{}, fmt.Errorf("%w: expire-hold from pending at %s: %s", ErrInvalidTransition,
				c.At.Format(time.RFC3339), why)
		}
		effects = slotEffects(next.Slot, SlotFree)
	case ActionNoShow:
		if c.Reason != nil {
			next.CancelationReason = cloneConcept(c.Reason)
		}
	case ActionWaitlist:
		if c.RequestedPeriod != nil {
			next.RequestedPeriod = slices.Clone(c.RequestedPeriod)
		}
	case ActionPropose:
		setTime(&next, c)
	case ActionCheckIn, ActionArrive, ActionFulfil:
		// Status only; the slots stay busy.
	}

	next.Status = to
	if to != AppointmentPending {
		next.HeldUntil = time.Time{}
	}
	if to != AppointmentCancelled && to != AppointmentNoShow {
		next.CancelationReason = nil // app-4: a reason only for cancelled and noshow
	}
	if err := next.Validate(); err != nil {
		return Transition{}, fmt.Errorf("%s from %s: %w", c.Action, from, err)
	}
	return Transition{
		Appointment: next,
		Slots:       effects,
		Event: Event{
			Type:          event,
			AppointmentID: a.ID,
			At:            c.At,
			From:          from,
			To:            to,
			OldStart:      oldStart,
			OldEnd:        oldEnd,
			Appointment:   next.Clone(),
		},
	}, nil
}

func transitionError(action Action, r rule, from AppointmentStatus) error {
	target := ""
	if r.to != "" {
		target = " to " + string(r.to)
	}
	return fmt.Errorf("%w: %s%s from %s (allowed from: %s)", ErrInvalidTransition, action, target, from,
		joinCodes(AllowedFrom(action)))
}

// setTime applies the optional Start, End and Slots of a change to a
// proposed or waitlisted appointment.
func setTime(a *Appointment, c Change) {
	if !c.Start.IsZero() || !c.End.IsZero() {
		a.Start, a.End = c.Start, c.End
	}
	if c.Slots != nil {
		a.Slot = cloneRefs(c.Slots)
	}
}

func slotEffects(slots []Reference, status SlotStatus) []SlotEffect {
	if len(slots) == 0 {
		return nil
	}
	out := make([]SlotEffect, len(slots))
	for i, s := range slots {
		out[i] = SlotEffect{Slot: s.Clone(), Status: status}
	}
	return out
}

func acceptNeedsAction(a *Appointment) {
	for i := range a.Participant {
		if s := a.Participant[i].Status; s == "" || s == ParticipationNeedsAction {
			a.Participant[i].Status = ParticipationAccepted
		}
	}
}

// respond applies an AppointmentResponse to a and returns the new status
// and event type.
func respond(a *Appointment, resp *AppointmentResponse) (AppointmentStatus, EventType, error) {
	from := a.Status
	if resp == nil {
		return "", "", fmt.Errorf("%w: respond: the response is required", ErrInvalid)
	}
	if err := resp.Validate(); err != nil {
		return "", "", fmt.Errorf("respond: response: %w", err)
	}
	if typ, id := resp.Appointment.Split(); a.ID != "" && typ == "Appointment" && id != a.ID {
		return "", "", fmt.Errorf("%w: respond: the response is for %s, not Appointment/%s", ErrInvalid,
			resp.Appointment.Reference, a.ID)
	}
	i := matchParticipant(a.Participant, resp)
	if i < 0 {
		return "", "", fmt.Errorf("%w: respond: no participant of the appointment matches the response's %s",
			ErrInvalid, describeResponder(resp))
	}
	p := &a.Participant[i]
	p.Status = resp.ParticipantStatus
	if !resp.Start.IsZero() || !resp.End.IsZero() {
		p.Period = &Period{Start: resp.Start, End: resp.End}
	}
	switch {
	case p.IsRequired() && p.Status == ParticipationDeclined:
		return AppointmentCancelled, EventCancelled, nil
	case from == AppointmentPending && allRequiredAccepted(a.Participant):
		return AppointmentBooked, EventConfirmed, nil
	}
	return from, EventResponded, nil
}

func allRequiredAccepted(ps []Participant) bool {
	for _, p := range ps {
		if p.IsRequired() && p.Status != ParticipationAccepted {
			return false
		}
	}
	return true
}

// matchParticipant finds the participant a response answers for: by actor
// when the response has one, otherwise the first participant sharing a
// coding of participantType.
func matchParticipant(ps []Participant, resp *AppointmentResponse) int {
	if resp.Actor != nil {
		return slices.IndexFunc(ps, func(p Participant) bool { return p.Actor != nil && sameRef(*p.Actor, *resp.Actor) })
	}
	return slices.IndexFunc(ps, func(p Participant) bool {
		for _, t := range resp.ParticipantType {
			for _, cd := range t.Coding {
				if slices.ContainsFunc(p.Type, func(pt CodeableConcept) bool { return pt.HasCode(cd.System, cd.Code) }) {
					return true
				}
			}
		}
		return false
	})
}

func describeResponder(resp *AppointmentResponse) string {
	if resp.Actor != nil {
		return "actor " + describeRef(*resp.Actor)
	}
	var codes []string
	for _, t := range resp.ParticipantType {
		for _, cd := range t.Coding {
			codes = append(codes, cd.Code)
		}
	}
	return "participantType " + strings.Join(codes, ", ")
}

func describeRef(r Reference) string {
	switch {
	case r.Reference != "":
		return r.Reference
	case r.Identifier != nil:
		return r.Identifier.System + "|" + r.Identifier.Value
	}
	return fmt.Sprintf("%q", r.Display)
}

// sameRef reports whether two references point at the same resource: the
// same type and id (relative or absolute, any version), the same literal
// reference, or, without literals, the same identifier system and value.
func sameRef(a, b Reference) bool {
	if a.Reference != "" && b.Reference != "" {
		at, aid := a.Split()
		bt, bid := b.Split()
		if at != "" && bt != "" {
			return at == bt && aid == bid
		}
		return a.Reference == b.Reference
	}
	if a.Reference == "" && b.Reference == "" && a.Identifier != nil && b.Identifier != nil {
		return a.Identifier.System == b.Identifier.System && a.Identifier.Value == b.Identifier.Value &&
			a.Identifier.Value != ""
	}
	return false
}

// CheckUpdate checks an update that does not go through Apply (a change of
// comment, description, reasons, codes, non-patient participants, ...) and
// returns nil when it is allowed. It returns
//   - ErrPatientImmutable when the patient participants differ: their number,
//     order, actors, required codes or statuses (a patient's answer goes
//     through ActionRespond). An appointment that has no patient yet (a hold
//     placed for a slot before the patient was known, say) may be given
//     one: a patient, once set, never changes;
//   - ErrInvalidTransition when the status, start, end, slots or heldUntil
//     differ: those change only through Apply;
//   - ErrInvalid when the id changes or the updated appointment is invalid.
func CheckUpdate(old, updated Appointment) error {
	if old.ID != updated.ID {
		return fmt.Errorf("%w: id cannot change (%q to %q)", ErrInvalid, old.ID, updated.ID)
	}
	op, up := patientParticipants(old.Participant), patientParticipants(updated.Participant)
	if len(op) == 0 {
		up = nil // the first patient is set, not changed
	}
	if len(op) != len(up) {
		return fmt.Errorf("%w: %d patient participant(s) would become %d", ErrPatientImmutable, len(op), len(up))
	}
	for i := range op {
		o, u := op[i], up[i]
		switch {
		case !unchangedRef(*o.Actor, *u.Actor):
			return fmt.Errorf("%w: patient %s would become %s", ErrPatientImmutable, describeRef(*o.Actor), describeRef(*u.Actor))
		case o.Required != u.Required:
			return fmt.Errorf("%w: required of patient %s would change from %q to %q", ErrPatientImmutable,
				describeRef(*o.Actor), o.Required, u.Required)
		case o.Status != u.Status:
			return fmt.Errorf("%w: status of patient %s would change from %q to %q (use ActionRespond)",
				ErrPatientImmutable, describeRef(*o.Actor), o.Status, u.Status)
		}
	}
	if old.Status != updated.Status {
		return fmt.Errorf("%w: status cannot change by update (%s to %s); apply an action", ErrInvalidTransition,
			old.Status, updated.Status)
	}
	var changed []string
	if !old.Start.Equal(updated.Start) {
		changed = append(changed, "start")
	}
	if !old.End.Equal(updated.End) {
		changed = append(changed, "end")
	}
	if !slices.EqualFunc(old.Slot, updated.Slot, unchangedRef) {
		changed = append(changed, "slot")
	}
	if !old.HeldUntil.Equal(updated.HeldUntil) {
		changed = append(changed, "heldUntil")
	}
	if len(changed) > 0 {
		return fmt.Errorf("%w: %s cannot change by update of a %s appointment; use %s", ErrInvalidTransition,
			strings.Join(changed, ", "), old.Status, ActionReschedule)
	}
	return updated.Validate()
}

// unchangedRef reports whether an update keeps reference a as b: the same
// resource by sameRef, or an identical reference (one sameRef cannot
// resolve, such as a display-only one).
func unchangedRef(a, b Reference) bool { return sameRef(a, b) || reflect.DeepEqual(a, b) }

func patientParticipants(ps []Participant) []Participant {
	var out []Participant
	for _, p := range ps {
		if p.Actor != nil && p.Actor.IsType("Patient") {
			out = append(out, p)
		}
	}
	return out
}

// Update checks an update with CheckUpdate and returns it as a Transition
// with an EventUpdated event at the given time and no slot effects.
func Update(old, updated Appointment, at time.Time) (Transition, error) {
	if at.IsZero() {
		return Transition{}, fmt.Errorf("%w: update: the change time is required", ErrInvalid)
	}
	if err := CheckUpdate(old, updated); err != nil {
		return Transition{}, err
	}
	next := updated.Clone()
	return Transition{
		Appointment: next,
		Event: Event{
			Type:          EventUpdated,
			AppointmentID: updated.ID,
			At:            at,
			From:          old.Status,
			To:            updated.Status,
			Appointment:   next.Clone(),
		},
	}, nil
}
