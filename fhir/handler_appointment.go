package fhir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// slotTime is what the slots an Appointment references say about it.
type slotTime struct {
	schedules  []string
	start, end time.Time
	service    *scheduling.CodeableConcept
}

// resolveSlots reads the slots an Appointment references: computed slots
// (offer ids) and stored slots give their schedule and time and are taken
// out of a.Slot (the Scheduler makes the appointment's own slots); slots of
// other systems (by identifier) and the appointment's own (own) stay.
// Slots of different times are refused.
func (h *handler) resolveSlots(ctx context.Context, a *scheduling.Appointment, own []scheduling.Reference) (slotTime, error) {
	var st slotTime
	keep := a.Slot[:0:0]
	for i, ref := range a.Slot {
		typ, id := ref.Split()
		if typ != "Slot" || slices.ContainsFunc(own, func(o scheduling.Reference) bool { return sameLiteral(o, ref) }) {
			keep = append(keep, ref)
			continue
		}
		var sid string
		var start, end time.Time
		var svc *scheduling.CodeableConcept
		r, err := h.s.Get(ctx, "Slot", id)
		switch {
		case err == nil:
			sl := r.(*scheduling.Slot)
			_, sid = sl.Schedule.Split()
			start, end = sl.Start, sl.End
		case errors.Is(err, store.ErrNotFound):
			o, ok, err := h.decodeOffer(ctx, id, offerSlot)
			if err != nil {
				return st, err
			}
			if !ok {
				return st, badRequest("Appointment.slot[%d]: Slot/%s is not known here", i, id)
			}
			scheds, err := h.loadSchedules(ctx, o.schedules)
			if errors.Is(err, store.ErrNotFound) {
				return st, badRequest("Appointment.slot[%d]: the schedule of Slot/%s no longer exists", i, id)
			}
			if err != nil {
				return st, err
			}
			sid, start, end, svc = o.schedules[0], o.start, o.end, o.service(scheds)
		default:
			return st, err
		}
		if !st.start.IsZero() && (!st.start.Equal(start) || !st.end.Equal(end)) {
			return st, badRequest("Appointment.slot: the slots are at different times")
		}
		st.start, st.end = start, end
		if svc != nil && st.service == nil {
			st.service = svc
		}
		st.schedules = append(st.schedules, sid)
	}
	a.Slot = keep
	if len(a.Slot) == 0 {
		a.Slot = nil
	}
	if !st.start.IsZero() {
		switch {
		case a.Start.IsZero() && a.End.IsZero():
			a.Start, a.End = st.start, st.end
		case !a.Start.Equal(st.start) || !a.End.Equal(st.end):
			return st, badRequest("Appointment start and end must be the time of its slot (%s to %s)",
				st.start.UTC().Format(time.RFC3339), st.end.UTC().Format(time.RFC3339))
		}
	}
	return st, nil
}

// createAppointment stores a new Appointment by its status: proposed is
// created, booked is booked, pending is held, waitlist is put on the
// waiting list. The schedules are those of its slots, else those of its
// participants. key is the caller's idempotency key, patient the
// compartment it is confined to ("" when not confined).
func (h *handler) createAppointment(ctx context.Context, a *scheduling.Appointment, key, patient string) (*scheduling.Appointment, error) {
	st, err := h.resolveSlots(ctx, a, nil)
	if err != nil {
		return nil, err
	}
	req := openslot.BookRequest{Appointment: *a, Schedules: st.schedules, IdempotencyKey: key, Service: st.service}
	switch a.Status {
	case "", scheduling.AppointmentProposed:
		if err := h.s.Create(ctx, a); err != nil {
			return nil, err
		}
		return a, nil
	case scheduling.AppointmentBooked:
		return h.bookFor(ctx, req, patient)
	case scheduling.AppointmentPending:
		return h.hold(ctx, req, patient)
	case scheduling.AppointmentWaitlist:
		return h.s.Waitlist(ctx, openslot.WaitlistRequest{Appointment: *a, Schedules: st.schedules, Requested: a.RequestedPeriod})
	}
	return nil, &httpError{status: http.StatusUnprocessableEntity, code: issueBusinessRule,
		msg: fmt.Sprintf("an Appointment is created as proposed, pending, booked or waitlist; %s is reached by updating a stored one", a.Status)}
}

// updateAppointment applies a PUT of a stored Appointment in one Scheduler
// transaction: a new status goes through the Scheduler's transition for it
// (cancel, confirm, book, hold, check-in, arrive, no-show, fulfil,
// entered-in-error), and a booked appointment with a new time or slot is
// rescheduled, with the changes of other fields made in the same
// transaction (the request's Edit); a PUT that changes only other fields is
// a Scheduler.Update. A new status that keeps the time (all but a hold or a
// booking of an appointment that is not held) with a new start or end is
// refused: the time would silently stay. Either way the PUT makes one new version and one
// event, or changes nothing. Field changes are checked before anything is
// written, and again by the Scheduler in the transaction. expect is the
// If-Match version (0 when absent).
func (h *handler) updateAppointment(ctx context.Context, old, upd *scheduling.Appointment, expect int64) (*scheduling.Appointment, error) {
	st, err := h.resolveSlots(ctx, upd, old.Slot)
	if err != nil {
		return nil, err
	}
	moved := !upd.Start.Equal(old.Start) || !upd.End.Equal(old.End)
	fields := withLifecycle(upd, old, old)
	if err := scheduling.CheckUpdate(*old, fields); err != nil {
		return nil, fmt.Errorf("appointment %s: %w", old.ID, err)
	}
	// edit gives the appointment as the change leaves it the other fields of
	// the PUT. It leaves alone one that already says what the PUT says.
	edit := func(a *scheduling.Appointment) {
		e := withLifecycle(&fields, a, old)
		if sameFields(e, *a) {
			return
		}
		e.Meta = a.Meta
		*a = e
	}
	id := old.ID
	switch {
	case upd.Status == old.Status && old.Status == scheduling.AppointmentBooked && moved:
		return h.s.Reschedule(ctx, id, openslot.RescheduleRequest{Start: upd.Start, End: upd.End, IfVersion: expect, Edit: edit})
	case upd.Status == old.Status:
		u := upd.Clone()
		u.Version = expect
		if err := h.s.Update(ctx, &u); err != nil {
			return nil, err
		}
		return &u, nil
	}
	if moved && !setsTime(old.Status, upd.Status) {
		return nil, &httpError{status: http.StatusUnprocessableEntity, code: issueBusinessRule,
			msg: fmt.Sprintf("appointment %s: a PUT that sets status %s cannot also move it (start and end stay %s to %s); "+
				"move a booked appointment in a PUT of its own", old.ID, upd.Status,
				old.Start.UTC().Format(time.RFC3339), old.End.UTC().Format(time.RFC3339))}
	}
	return h.transition(ctx, old, upd, st, expect, edit)
}

// setsTime reports whether a PUT from status from to status to takes its
// start and end from the request: a hold, or a booking of an appointment
// that is not a hold (confirming a hold keeps the hold's time).
func setsTime(from, to scheduling.AppointmentStatus) bool {
	return to == scheduling.AppointmentPending || (to == scheduling.AppointmentBooked && from != scheduling.AppointmentPending)
}

// transition applies the status change of a PUT, with edit making the
// PUT's changes of other fields in the same transaction. The If-Match
// version (expect, 0 when absent) is checked in the same transaction as the
// change, whichever Scheduler method makes it (StatusChange.IfVersion,
// BookRequest.IfVersion).
func (h *handler) transition(ctx context.Context, old, upd *scheduling.Appointment, st slotTime, expect int64,
	edit func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
	id := old.ID
	change := func(a scheduling.Action) (*scheduling.Appointment, error) {
		return h.s.Transition(ctx, id, openslot.StatusChange{Action: a, Reason: upd.CancelationReason, IfVersion: expect,
			Edit: edit})
	}
	switch upd.Status {
	case scheduling.AppointmentCancelled:
		return change(scheduling.ActionCancel)
	case scheduling.AppointmentEnteredInError:
		return change(scheduling.ActionEnterInError)
	case scheduling.AppointmentCheckedIn:
		return change(scheduling.ActionCheckIn)
	case scheduling.AppointmentArrived:
		return change(scheduling.ActionArrive)
	case scheduling.AppointmentNoShow:
		return change(scheduling.ActionNoShow)
	case scheduling.AppointmentFulfilled:
		return change(scheduling.ActionFulfil)
	case scheduling.AppointmentBooked:
		if old.Status == scheduling.AppointmentPending {
			return change(scheduling.ActionConfirm)
		}
		return h.s.Book(ctx, openslot.BookRequest{AppointmentID: id, Schedules: st.schedules, Service: st.service,
			Appointment: scheduling.Appointment{Start: upd.Start, End: upd.End}, IfVersion: expect, Edit: edit})
	case scheduling.AppointmentPending:
		return h.s.Hold(ctx, openslot.BookRequest{AppointmentID: id, Schedules: st.schedules, Service: st.service,
			Appointment: scheduling.Appointment{Start: upd.Start, End: upd.End}, IfVersion: expect, Edit: edit})
	}
	return nil, fmt.Errorf("%w: appointment %s: status %s cannot be set by an update from %s", scheduling.ErrInvalidTransition,
		id, upd.Status, old.Status)
}

// withLifecycle returns upd with the fields that only transitions change
// (status, time, slots, hold) taken from state, and the status of each
// participant taken from state where upd left it as it was in old.
func withLifecycle(upd, state, old *scheduling.Appointment) scheduling.Appointment {
	out := upd.Clone()
	out.Status, out.Start, out.End, out.HeldUntil = state.Status, state.Start, state.End, state.HeldUntil
	out.Slot = state.Clone().Slot
	if state.Status != scheduling.AppointmentCancelled && state.Status != scheduling.AppointmentNoShow {
		out.CancelationReason = nil
	} else if out.CancelationReason == nil && state.CancelationReason != nil {
		c := state.CancelationReason.Clone()
		out.CancelationReason = &c
	}
	for i, p := range out.Participant {
		if p.Actor == nil {
			continue
		}
		var was, now *scheduling.Participant
		for j := range old.Participant {
			if old.Participant[j].Actor != nil && sameLiteral(*old.Participant[j].Actor, *p.Actor) {
				was = &old.Participant[j]
			}
		}
		for j := range state.Participant {
			if state.Participant[j].Actor != nil && sameLiteral(*state.Participant[j].Actor, *p.Actor) {
				now = &state.Participant[j]
			}
		}
		if now != nil && (was == nil || was.Status == p.Status || p.Actor.IsType("Patient")) {
			out.Participant[i].Status = now.Status
		}
	}
	return out
}

// sameFields reports whether two appointments say the same in FHIR, apart
// from their meta.
func sameFields(a, b scheduling.Appointment) bool {
	norm := func(x scheduling.Appointment) []byte {
		x.Meta = scheduling.Meta{}
		x.Created = x.Created.UTC()
		for i := range x.RequestedPeriod {
			x.RequestedPeriod[i] = scheduling.Period{Start: x.RequestedPeriod[i].Start.UTC(), End: x.RequestedPeriod[i].End.UTC()}
		}
		for i, p := range x.Participant {
			if p.Period != nil {
				x.Participant[i].Period = &scheduling.Period{Start: p.Period.Start.UTC(), End: p.Period.End.UTC()}
			}
		}
		x.Start, x.End, x.HeldUntil = x.Start.UTC(), x.End.UTC(), x.HeldUntil.UTC()
		data, err := Marshal(FromAppointment(x))
		if err != nil {
			return nil
		}
		return data
	}
	da, db := norm(a.Clone()), norm(b.Clone())
	return da != nil && bytes.Equal(da, db)
}
