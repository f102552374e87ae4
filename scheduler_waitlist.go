package openslot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// ExtWaitlistSchedule is the extension (valueReference to a Schedule) that
// records, on a waitlisted appointment, a schedule whose freed time it waits
// for (WaitlistRequest.Schedules). It repeats, one per schedule.
const ExtWaitlistSchedule = scheduling.ExtBase + "waitlist-schedule"

// WaitlistRequest puts an appointment on the waiting list.
type WaitlistRequest struct {
	// Appointment is the appointment wanted: participants, codes, ... Its id,
	// status and requested periods are set by the Scheduler. Its Created,
	// the time of the call when zero, is its place in the queue (see
	// Waitlist): a caller that takes entries from clients it does not trust
	// to date them should leave it zero.
	Appointment scheduling.Appointment
	// Schedules are the schedules whose freed time it waits for, all of them
	// at once. Empty means every active schedule whose actor is a
	// non-patient participant.
	Schedules []string
	// Requested are the periods the patient would accept (at least one).
	Requested []scheduling.Period
}

// Waitlist stores a waitlisted appointment (a "waitlisted" event). When
// booked time on one of its schedules is freed later (by a cancel, a lapsed
// hold, a reschedule or entered-in-error), and that time lies inside one of
// its requested periods and is free on all its schedules, the first such
// appointment in queue order is offered it: it becomes proposed with that
// time and a "proposed" event is recorded in the same transaction. An offer
// reserves nothing and does not expire; Book (BookRequest.AppointmentID)
// takes it if it is still free.
//
// An offer that ends untaken passes its time on: when the offered
// appointment is declined (Respond: a required participant declines), or
// cancelled (Cancel, Transition) or entered in error while still proposed,
// its time is offered, in the same transaction and under the same rules, to
// the next waitlisted appointment, as if the time had been freed again on
// the schedules it was first freed on: the first in queue order whose
// requested periods contain it and whose schedules are all still free then
// becomes proposed, with one "proposed" event. When there is none (or the
// time has been booked meanwhile), nothing more happens. An offer that is
// taken (booked or held, at its time or another) passes nothing on, nor
// does accepting it; a held offer's time is offered again only if the hold
// ends, like any freed time. Only offers made by the Scheduler pass their
// time on: a proposal made with Create carries no freed time.
//
// Queue order is Appointment.Created, earliest first, then id. Created is
// taken from the request (the time of the call when zero) and Update may
// change it, so the queue is only as fair as the callers that set it.
func (s *Scheduler) Waitlist(ctx context.Context, req WaitlistRequest) (*scheduling.Appointment, error) {
	if len(req.Requested) == 0 {
		return nil, fmt.Errorf("%w: waitlist: at least one requested period is required", scheduling.ErrInvalid)
	}
	for i, p := range req.Requested {
		if !p.Start.IsZero() && !p.End.IsZero() && !p.Start.Before(p.End) {
			return nil, fmt.Errorf("%w: waitlist: requested[%d]: start must be before end", scheduling.ErrInvalid, i)
		}
	}
	id := s.newID()
	var out *scheduling.Appointment
	err := s.update(ctx, "waitlist", func(tx store.Tx) error {
		now := s.now()
		a := req.Appointment.Clone()
		a.Meta = scheduling.Meta{ID: id}
		a.Status = scheduling.AppointmentProposed
		a.HeldUntil = time.Time{}
		if a.Created.IsZero() {
			a.Created = now
		}
		needsAction(&a)
		a.Extension = slices.DeleteFunc(a.Extension, func(e scheduling.Extension) bool { return e.URL == ExtWaitlistSchedule })
		for _, sid := range sortedUnique(req.Schedules) {
			if _, err := store.Get[scheduling.Schedule](ctx, tx, sid); err != nil {
				return fmt.Errorf("schedule %s: %w", sid, err)
			}
			a.Extension = append(a.Extension, waitlistExtension(sid))
		}
		tr, err := scheduling.Apply(a, scheduling.Change{Action: scheduling.ActionWaitlist, At: now, RequestedPeriod: req.Requested})
		if err != nil {
			return fmt.Errorf("appointment %s: %w", id, err)
		}
		next := tr.Appointment
		if err := tx.Create(ctx, &next); err != nil {
			return err
		}
		tr.Event.Appointment.Meta = next.Meta // the rest is already a deep copy of next
		out = &next
		return tx.AppendEvent(ctx, tr.Event)
	})
	return s.done(ctx, "waitlist", id, out, err)
}

func waitlistExtension(scheduleID string) scheduling.Extension {
	type ref struct {
		Reference string `json:"reference"`
	}
	b, _ := json.Marshal(struct {
		URL            string `json:"url"`
		ValueReference ref    `json:"valueReference"`
	}{ExtWaitlistSchedule, ref{"Schedule/" + scheduleID}}) // plain strings: Marshal cannot fail
	return scheduling.Extension{URL: ExtWaitlistSchedule, JSON: b}
}

// waitlistSchedules returns the schedule ids a waitlisted appointment's
// extensions name, sorted.
func waitlistSchedules(a *scheduling.Appointment) []string {
	var ids []string
	for _, e := range a.Extension {
		if e.URL != ExtWaitlistSchedule {
			continue
		}
		var raw struct {
			ValueReference struct {
				Reference string `json:"reference"`
			} `json:"valueReference"`
		}
		if json.Unmarshal(e.JSON, &raw) != nil {
			continue
		}
		ref := scheduling.Reference{Reference: raw.ValueReference.Reference}
		if typ, id := ref.Split(); typ == "Schedule" {
			ids = append(ids, id)
		}
	}
	return sortedUnique(ids)
}

// offer offers time [start, end) freed on the given schedules to the
// waiting list: the first waitlisted appointment in queue order (Created,
// then id; see Waitlist) whose requested periods contain it and whose
// schedules are all free then becomes proposed with that time, and the
// schedules freed are recorded with it (recordOffer) for passOn. At most
// one appointment is offered.
func (s *Scheduler) offer(ctx context.Context, tx store.Tx, freed []string, start, end, now time.Time) error {
	if start.IsZero() || end.IsZero() {
		return nil
	}
	// An entry that names its schedules (WaitlistRequest.Schedules) need not
	// have their actors among its participants, and the names are not
	// searchable: every waitlisted appointment is read, once.
	var waiting, cands []*scheduling.Appointment
	read := false
	for _, sid := range freed {
		sc, err := store.Get[scheduling.Schedule](ctx, tx, sid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !read {
			waiting, err = store.SearchAll[scheduling.Appointment](ctx, tx, store.Query{
				Terms: [][]string{{store.Term("status", string(scheduling.AppointmentWaitlist))}},
				Limit: store.MaxLimit,
			}, 0)
			if err != nil {
				return err
			}
			read = true
		}
		for _, a := range waiting {
			if waitsFor(a, sc) && !slices.ContainsFunc(cands, func(c *scheduling.Appointment) bool { return c.ID == a.ID }) {
				cands = append(cands, a)
			}
		}
	}
	slices.SortFunc(cands, byCreated)
	for _, a := range cands {
		if !slices.ContainsFunc(a.RequestedPeriod, func(p scheduling.Period) bool {
			return (p.Start.IsZero() || !start.Before(p.Start)) && (p.End.IsZero() || !end.After(p.End))
		}) {
			continue
		}
		ids, err := s.schedulesOf(ctx, tx, a)
		if err != nil {
			return err
		}
		ok, err := s.freeOn(ctx, tx, ids, a, start, end, now)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		tr, err := scheduling.Apply(*a, scheduling.Change{Action: scheduling.ActionPropose, At: now, Start: start, End: end})
		if err != nil {
			continue // the entry cannot take this time (for example an invalid result); try the next
		}
		if _, err := s.apply(ctx, tx, a, tr, false); err != nil {
			return err
		}
		return recordOffer(ctx, tx, a.ID, freed)
	}
	return nil
}

// offerKey is the key (store.Tx.SetIdempotent) under which offer records
// the schedules whose freed time it offered to waitlisted appointment id.
// The record marks the appointment as a waitlist offer (a proposal made
// with Create has none) and keeps what passOn gives the next entry.
func offerKey(id string) string { return "offer:" + id }

// recordOffer records that waitlisted appointment id was offered time
// freed on the schedules freed. An appointment is offered at most once (it
// never returns to the waiting list); a record that exists is kept.
func recordOffer(ctx context.Context, tx store.Tx, id string, freed []string) error {
	_, err := tx.Idempotent(ctx, offerKey(id))
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	b, err := json.Marshal(sortedUnique(freed))
	if err != nil {
		return err
	}
	return tx.SetIdempotent(ctx, offerKey(id), string(b))
}

// passOn offers the time of a waitlist offer that ended untaken (a, still
// proposed, is being declined, cancelled or entered in error in tx) to the
// waiting list, as the time was offered to a: freed on the same schedules,
// under the rules of offer. A proposal that is not a waitlist offer passes
// nothing on.
func (s *Scheduler) passOn(ctx context.Context, tx store.Tx, a *scheduling.Appointment, now time.Time) error {
	rec, err := tx.Idempotent(ctx, offerKey(a.ID))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var freed []string
	if json.Unmarshal([]byte(rec), &freed) != nil || len(freed) == 0 {
		// Not written by recordOffer: the schedules a itself names.
		if freed, err = s.schedulesOf(ctx, tx, a); err != nil {
			return err
		}
	}
	return s.offer(ctx, tx, sortedUnique(freed), a.Start, a.End, now)
}

// waitsFor reports whether the waitlisted appointment a waits for time
// freed on sc: sc is one of the schedules a names, or, when it names none,
// an actor of sc is one of its participants.
func waitsFor(a *scheduling.Appointment, sc *scheduling.Schedule) bool {
	if ws := waitlistSchedules(a); len(ws) > 0 {
		return slices.Contains(ws, sc.ID)
	}
	return slices.ContainsFunc(a.Participant, func(p scheduling.Participant) bool {
		if p.Actor == nil {
			return false
		}
		typ, id := p.Actor.Split()
		return typ != "" && slices.ContainsFunc(sc.Actor, func(r scheduling.Reference) bool {
			rt, rid := r.Split()
			return rt == typ && rid == id
		})
	})
}

// freeOn reports whether every schedule would accept a for [start, end)
// now. Schedules that cannot be read or compiled count as not free.
func (s *Scheduler) freeOn(ctx context.Context, tx store.ReadTx, ids []string, a *scheduling.Appointment, start, end, now time.Time) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	svc := serviceOf(a)
	for _, id := range ids {
		sc, comp, err := s.schedule(ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, availability.ErrInvalidRule) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !sc.IsActive() {
			return false, nil
		}
		r := &busyReader{tx: tx, schedule: id, exclude: a.ID, now: now, start: start, end: end}
		err = comp.Check(ctx, availability.Query{Now: now, Service: svc, Busy: r}, start, end)
		if err != nil {
			if _, ok := slotError(id, start, end, err).(*SlotError); ok {
				return false, nil
			}
			return false, err
		}
	}
	return true, nil
}
