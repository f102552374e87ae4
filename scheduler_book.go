package openslot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// BookRequest asks for a hold or a booking.
type BookRequest struct {
	// Appointment is the appointment to create: participants, codes,
	// comment, payment mode, ... and Start and End. Its id, status, slots of
	// this store and hold are set by the Scheduler; Slot may carry references
	// to slots of other systems (scheduling.ExternalSlot).
	//
	// Participants without a status get needs-action; booking (not holding)
	// turns needs-action into accepted.
	//
	// When AppointmentID is set, only Start and End are read, and only to
	// give a stored proposed or waitlisted appointment its time.
	Appointment scheduling.Appointment
	// Schedules are the ids of the schedules the appointment occupies, all
	// of them at once. Empty means every active schedule whose actor is a
	// non-patient participant of the appointment.
	Schedules []string
	// AppointmentID books or holds a stored appointment instead of a new
	// one: a live hold (pending), or a proposed or waitlisted appointment
	// such as a waitlist offer.
	AppointmentID string
	// IfVersion, when not zero, is the version of the stored appointment
	// (AppointmentID) the caller saw (FHIR If-Match); a different stored
	// version fails with ErrConflict, checked in the same transaction as the
	// hold or booking. Without AppointmentID it fails with
	// scheduling.ErrInvalid: a new appointment has no version yet.
	IfVersion int64
	// IdempotencyKey, when set, makes the request safe to retry: a request
	// with a key that succeeded before returns the appointment it made and
	// changes nothing. Keys are separate per operation (Book, Hold). With
	// AppointmentID, a key that made or changed another appointment fails
	// with ErrConflict.
	IdempotencyKey string
	// Service selects the schedules' service policy (duration, notice,
	// limits, ...). When set, it becomes the first of the appointment's
	// ServiceType (moved there when it is listed already, put there when it
	// is not): the first ServiceType is the service this check and every
	// later check of the appointment use. It cannot change while the
	// appointment occupies time, neither by Edit nor by Scheduler.Update
	// (scheduling.ErrInvalid): capacity, limits and busy time were judged
	// for it.
	//
	// With AppointmentID, a stored proposed or waitlisted appointment takes
	// Service as a new one does. A hold (pending) keeps the service it was
	// granted: a Service that is not its first ServiceType fails with
	// scheduling.ErrInvalid, as Schedules other than the held ones do.
	Service *scheduling.CodeableConcept
	// Edit, when set, changes fields of the held or booked appointment in
	// the same transaction (see StatusChange.Edit): with AppointmentID, the
	// fields of a stored appointment change with its hold or booking in one
	// write.
	Edit func(a *scheduling.Appointment)
}

// RescheduleRequest asks to move a booked appointment.
type RescheduleRequest struct {
	// Start and End are the new time.
	Start, End time.Time
	// IdempotencyKey, when set, makes the request safe to retry (see
	// BookRequest); a key that rescheduled another appointment fails with
	// ErrConflict.
	IdempotencyKey string
	// IfVersion, when not zero, is the version of the appointment the caller
	// saw (FHIR If-Match); a different stored version fails with
	// ErrConflict.
	IfVersion int64
	// Edit, when set, changes fields of the appointment in the same
	// transaction as the move (see StatusChange.Edit).
	Edit func(a *scheduling.Appointment)
}

// Hold places a hold: a pending appointment that occupies its time on every
// schedule until HeldUntil (now + Options.HoldTTL), after which it blocks
// no one. Book it (BookRequest.AppointmentID), Confirm it, or let it lapse;
// ReleaseHold gives it up. Holds are checked like bookings: availability,
// minimum notice, horizon, capacity and limits.
func (s *Scheduler) Hold(ctx context.Context, req BookRequest) (*scheduling.Appointment, error) {
	return s.place(ctx, "hold", scheduling.ActionHold, req)
}

// Book books an appointment on every schedule it occupies, all or nothing:
// a new one from req.Appointment, or a stored hold, proposal or waitlisted
// appointment (req.AppointmentID). Every schedule is locked, checked
// against its availability, minimum notice, horizon, capacity and booking
// limits with the busy time stored at that moment, and written in one
// transaction with one stored Slot per schedule and the "booked" event.
// A schedule without capacity left fails with a *SlotError matching
// ErrConflict; a time the schedule does not offer with one matching
// ErrUnavailable.
func (s *Scheduler) Book(ctx context.Context, req BookRequest) (*scheduling.Appointment, error) {
	return s.place(ctx, "book", scheduling.ActionBook, req)
}

func (s *Scheduler) place(ctx context.Context, op string, action scheduling.Action, req BookRequest) (*scheduling.Appointment, error) {
	var out *scheduling.Appointment
	if req.IfVersion != 0 && req.AppointmentID == "" {
		return nil, fmt.Errorf("%w: %s: IfVersion needs AppointmentID", scheduling.ErrInvalid, op)
	}
	id := req.AppointmentID
	if id == "" {
		id = s.newID()
	}
	// A new appointment is prepared once, before the transaction: a retry
	// starts again from a shallow copy of it, which nothing below changes
	// (scheduling.Apply works on its own deep copy).
	var fresh scheduling.Appointment
	if req.AppointmentID == "" {
		fresh = req.Appointment.Clone()
		fresh.Meta = scheduling.Meta{ID: id}
		fresh.Status = scheduling.AppointmentProposed
		fresh.HeldUntil = time.Time{}
		needsAction(&fresh)
		fresh.ServiceType = serviceFirst(fresh.ServiceType, req.Service)
	}
	err := s.update(ctx, op, func(tx store.Tx) error {
		out = nil
		now := s.now()
		if req.IdempotencyKey != "" {
			a, err := replay(ctx, tx, op, req.IdempotencyKey, req.AppointmentID)
			if a != nil || err != nil {
				out = a
				return err
			}
		}
		var a scheduling.Appointment
		start, end := req.Appointment.Start, req.Appointment.End
		if req.AppointmentID != "" {
			stored, err := store.Get[scheduling.Appointment](ctx, tx, id)
			if err != nil {
				return fmt.Errorf("appointment %s: %w", id, err)
			}
			if err := checkVersion(stored, req.IfVersion); err != nil {
				return err
			}
			a = *stored
			if start.IsZero() || (a.Status != scheduling.AppointmentProposed && a.Status != scheduling.AppointmentWaitlist) {
				start, end = a.Start, a.End
			}
			if req.Service != nil {
				switch a.Status {
				case scheduling.AppointmentProposed, scheduling.AppointmentWaitlist:
					a.ServiceType = serviceFirst(a.ServiceType, req.Service)
				case scheduling.AppointmentPending:
					// A Hold of a pending appointment is the state machine's to refuse.
					if svc := serviceOf(&a); action == scheduling.ActionBook && (svc == nil || !sameConcept(*svc, *req.Service)) {
						return fmt.Errorf("%w: appointment %s holds its time for service %s; it cannot be booked for %s",
							scheduling.ErrInvalid, a.ID, describeConcept(svc), describeConcept(req.Service))
					}
				}
			}
		} else {
			a = fresh
			if a.Created.IsZero() {
				a.Created = now
			}
		}
		ids := req.Schedules
		if len(ids) == 0 || a.Status == scheduling.AppointmentPending {
			// A hold occupies its schedules already: booking it keeps them
			// (other schedules would leave its slots behind, busy but free).
			held, err := s.schedulesOf(ctx, tx, &a)
			if err != nil {
				return err
			}
			if len(ids) > 0 && !slices.Equal(sortedUnique(ids), sortedUnique(held)) {
				return fmt.Errorf("%w: appointment %s holds schedules %v; it cannot be booked on %v",
					scheduling.ErrInvalid, a.ID, held, ids)
			}
			ids = held
		}
		c := scheduling.Change{Action: action, At: now}
		if action == scheduling.ActionHold {
			c.HeldUntil = now.Add(s.holdTTL)
		}
		next, err := s.occupy(ctx, tx, &a, ids, start, end, c, req.Edit)
		if err != nil {
			return s.retriedRequest(ctx, tx, op, req.IdempotencyKey, req.AppointmentID, &out, err)
		}
		if req.IdempotencyKey != "" {
			if err := tx.SetIdempotent(ctx, op+":"+req.IdempotencyKey, next.ID); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if errors.Is(err, errDone) {
		err = nil
	}
	return s.done(ctx, op, id, out, err)
}

// retriedRequest handles a failure of a request with an idempotency key.
// The key was looked up before the schedules were locked: a retry that
// arrived while the first request was still running waited for the lock and
// then found its own first attempt's time taken. Looked up again now, after
// the lock, the key shows that: the request succeeded, and out is set to its
// appointment, and errDone rolls this attempt back. Without a key, or when
// the key is still unknown, err stands; a key that some request for another
// appointment than want used gives that conflict (see replay).
func (s *Scheduler) retriedRequest(ctx context.Context, tx store.ReadTx, op, key, want string,
	out **scheduling.Appointment, err error) error {
	if key == "" {
		return err
	}
	a, lerr := replay(ctx, tx, op, key, want)
	switch {
	case errors.Is(lerr, ErrConflict):
		return lerr
	case lerr != nil || a == nil:
		return err
	}
	*out = a
	return errDone
}

// errDone ends a transaction that found its request already done: nothing
// of it is kept, and the caller gets the earlier result.
var errDone = errors.New("request already done")

// done logs the outcome of an operation on an appointment.
func (s *Scheduler) done(ctx context.Context, op, id string, a *scheduling.Appointment, err error) (*scheduling.Appointment, error) {
	if !s.log.Enabled(ctx, slog.LevelDebug) {
		// Skip building the message: the common case of a discarding logger.
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelDebug, "openslot: "+op+" refused", slog.String("appointment", id),
			slog.String("error", ErrorKind(err)))
		return nil, err
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "openslot: "+op, slog.String("appointment", a.ID),
		slog.String("status", string(a.Status)), slog.Time("start", a.Start), slog.Time("end", a.End))
	return a, nil
}

// needsAction gives every participant without a status "needs-action":
// nobody has answered yet.
func needsAction(a *scheduling.Appointment) {
	for i := range a.Participant {
		if a.Participant[i].Status == "" {
			a.Participant[i].Status = scheduling.ParticipationNeedsAction
		}
	}
}

// Replay returns the appointment that an earlier Hold
// (scheduling.ActionHold), Book (ActionBook) or Reschedule
// (ActionReschedule) made with the idempotency key, or nil when the key has
// not been used for that operation. It changes nothing: a handler that must
// answer a retried request before it reaches the Scheduler (because some
// pre-check of its own would refuse it) asks here first.
func (s *Scheduler) Replay(ctx context.Context, action scheduling.Action, key string) (*scheduling.Appointment, error) {
	switch action {
	case scheduling.ActionHold, scheduling.ActionBook, scheduling.ActionReschedule:
	default:
		return nil, fmt.Errorf("%w: replay: %q takes no idempotency key", scheduling.ErrInvalid, action)
	}
	if key == "" {
		return nil, nil
	}
	var out *scheduling.Appointment
	err := s.st.View(ctx, func(tx store.ReadTx) error {
		var err error
		out, err = idempotent(ctx, tx, string(action), key)
		return err
	})
	return out, err
}

// replay returns the appointment recorded under the key of op, nil when
// the key is new. want, when set, is the appointment the request is for: a
// key recorded for another appointment is not a retry of this request but
// a key reused, and fails with ErrConflict.
func replay(ctx context.Context, tx store.ReadTx, op, key, want string) (*scheduling.Appointment, error) {
	a, err := idempotent(ctx, tx, op, key)
	if err != nil || a == nil || want == "" || a.ID == want {
		return a, err
	}
	return nil, fmt.Errorf("appointment %s: %w: the idempotency key of this %s was used for appointment %s",
		want, ErrConflict, op, a.ID)
}

// idempotent returns the appointment recorded under the key of op, nil
// when the key is new.
func idempotent(ctx context.Context, tx store.ReadTx, op, key string) (*scheduling.Appointment, error) {
	id, err := tx.Idempotent(ctx, op+":"+key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a, err := store.Get[scheduling.Appointment](ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("idempotency key of %s: appointment %s: %w", op, id, err)
	}
	return a, nil
}

// Confirm approves a pending appointment (a hold or a request awaiting
// approval): pending -> booked. The time is checked again like a new
// booking (the appointment's own hold excluded), except for minimum notice
// and horizon, which a live hold met when it was placed; a lapsed hold
// fails with scheduling.ErrHoldExpired.
func (s *Scheduler) Confirm(ctx context.Context, id string) (*scheduling.Appointment, error) {
	return s.confirm(ctx, id, 0, nil)
}

func (s *Scheduler) confirm(ctx context.Context, id string, ifVersion int64, edit func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
	var out *scheduling.Appointment
	err := s.update(ctx, "confirm", func(tx store.Tx) error {
		a, err := store.Get[scheduling.Appointment](ctx, tx, id)
		if err != nil {
			return fmt.Errorf("appointment %s: %w", id, err)
		}
		if err := checkVersion(a, ifVersion); err != nil {
			return err
		}
		ids, err := s.schedulesOf(ctx, tx, a)
		if err != nil {
			return err
		}
		out, err = s.occupy(ctx, tx, a, ids, a.Start, a.End, scheduling.Change{Action: scheduling.ActionConfirm, At: s.now()}, edit)
		return err
	})
	return s.done(ctx, "confirm", id, out, err)
}

// Reschedule moves a booked appointment to a new time in one transaction:
// it keeps its id, frees its old slots, occupies new ones on the same
// schedules and records a "rescheduled" event carrying the old time. The
// new time is checked like a new booking with the appointment's own busy
// time excluded, so it may overlap its old time. Only booked appointments
// move (scheduling.ErrInvalidTransition otherwise).
func (s *Scheduler) Reschedule(ctx context.Context, id string, req RescheduleRequest) (*scheduling.Appointment, error) {
	var out *scheduling.Appointment
	err := s.update(ctx, "reschedule", func(tx store.Tx) error {
		out = nil
		now := s.now()
		if req.IdempotencyKey != "" {
			a, err := replay(ctx, tx, "reschedule", req.IdempotencyKey, id)
			if a != nil || err != nil {
				out = a
				return err
			}
		}
		a, err := store.Get[scheduling.Appointment](ctx, tx, id)
		if err != nil {
			return fmt.Errorf("appointment %s: %w", id, err)
		}
		if err := checkVersion(a, req.IfVersion); err != nil {
			return err
		}
		ids, err := s.schedulesOf(ctx, tx, a)
		if err != nil {
			return err
		}
		oldStart, oldEnd := a.Start, a.End
		next, err := s.occupy(ctx, tx, a, ids, req.Start, req.End,
			scheduling.Change{Action: scheduling.ActionReschedule, At: now}, req.Edit)
		if err != nil {
			return s.retriedRequest(ctx, tx, "reschedule", req.IdempotencyKey, id, &out, err)
		}
		if err := s.offer(ctx, tx, ids, oldStart, oldEnd, now); err != nil {
			return err
		}
		if req.IdempotencyKey != "" {
			if err := tx.SetIdempotent(ctx, "reschedule:"+req.IdempotencyKey, next.ID); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if errors.Is(err, errDone) {
		err = nil
	}
	return s.done(ctx, "reschedule", id, out, err)
}

// claim is a schedule a booking was checked against, and what its busy
// entry uses there.
type claim struct {
	id        string
	exclusive bool
	// units is the capacity the entry takes: 1 for a booking of a service
	// that shares time (capacity above 1), and the schedule's largest
	// capacity of any service for one that does not, so that a one-to-one
	// booking and a group session of another service never overlap, in
	// whichever order they are booked.
	units int
}

// maxCapacity is the largest capacity any service may use on a schedule.
func maxCapacity(sc *scheduling.Schedule, comp *availability.Schedule) int {
	m := comp.Policy(nil).Capacity
	for _, sp := range sc.ServicePolicies {
		m = max(m, comp.Policy(&sp.Service).Capacity)
	}
	return max(m, 1)
}

// occupy is the one write path of every change that makes an appointment
// occupy time (hold, book, confirm, a confirming response, reschedule): it
// locks the schedules, checks each of them with the busy time read after
// the lock (a's own entries excluded), expires lapsed holds in the way,
// applies the change (and edit, see StatusChange.Edit) and writes the
// appointment, its slots, its busy entries and the event. a is stored when
// its Version is not zero.
func (s *Scheduler) occupy(ctx context.Context, tx store.Tx, a *scheduling.Appointment, ids []string,
	start, end time.Time, c scheduling.Change, edit func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
	if !scheduling.Allowed(a.Status, c.Action) || a.HoldExpired(c.At) {
		// Refused by the state machine (or a lapsed hold): say so before
		// looking at the schedules.
		if _, err := scheduling.Apply(*a, c); err != nil {
			return nil, fmt.Errorf("appointment %s: %w", a.ID, err)
		}
	}
	if start.IsZero() || end.IsZero() || !start.Before(end) {
		return nil, fmt.Errorf("%w: appointment %s: start and end are required and start must be before end",
			scheduling.ErrInvalid, a.ID)
	}
	ids = sortedUnique(ids)
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: appointment %s: no schedule to occupy: name the schedules or add a participant with an active schedule",
			scheduling.ErrInvalid, a.ID)
	}
	svc := serviceOf(a)
	if pf, ok := tx.(store.Prefetcher); ok {
		pf.Prefetch(s.prefetch(a, ids, svc, start, end))
	}
	if err := tx.LockSchedules(ctx, ids...); err != nil {
		return nil, err
	}
	// A live hold was checked against notice and horizon when it was placed,
	// and keeps the time it was granted until it lapses: booking or
	// confirming it re-checks everything else (availability, capacity,
	// limits), not the clock.
	checkNow := c.At
	if a.Status == scheduling.AppointmentPending && !a.HeldUntil.IsZero() && !a.HoldExpired(c.At) {
		checkNow = time.Time{}
	}
	claims := make([]claim, 0, len(ids))
	var lapsed []string
	for _, id := range ids {
		sc, comp, err := s.schedule(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if !sc.IsActive() {
			return nil, unavailable(id, start, end, "schedule %s is not active", id)
		}
		r := &busyReader{tx: tx, schedule: id, exclude: a.ID, now: c.At, start: start, end: end}
		q := availability.Query{From: start, Now: checkNow, Service: svc, Busy: r}
		if err := comp.Check(ctx, q, start, end); err != nil {
			return nil, slotError(id, start, end, err)
		}
		cl := claim{id: id, exclusive: comp.Policy(svc).Capacity <= 1, units: 1}
		if cl.exclusive {
			cl.units = maxCapacity(sc, comp)
		}
		claims = append(claims, cl)
		for _, l := range r.lapsed {
			if !slices.Contains(lapsed, l) {
				lapsed = append(lapsed, l)
			}
		}
	}

	own, external, err := s.slotsOf(ctx, tx, a)
	if err != nil {
		return nil, err
	}
	// A pending appointment keeps its slots and time when it is booked; every
	// other change (a new booking, a proposal taken, a reschedule) gets new
	// slots, one per schedule.
	keep := a.Status == scheduling.AppointmentPending
	var fresh []*scheduling.Slot
	if !keep {
		refs := external
		for _, cl := range claims {
			sl := &scheduling.Slot{
				Meta:            scheduling.Meta{ID: s.newID()},
				Schedule:        scheduling.Ref("Schedule", cl.id),
				Start:           start,
				End:             end,
				ServiceType:     cloneConcepts(a.ServiceType),
				ServiceCategory: cloneConcepts(a.ServiceCategory),
				Specialty:       cloneConcepts(a.Specialty),
			}
			if a.AppointmentType != nil {
				t := a.AppointmentType.Clone()
				sl.AppointmentType = &t
			}
			fresh = append(fresh, sl)
			refs = append(refs, scheduling.Ref("Slot", sl.ID))
		}
		c.Start, c.End, c.Slots = start, end, refs
	}
	tr, err := scheduling.Apply(*a, c)
	if err != nil {
		return nil, fmt.Errorf("appointment %s: %w", a.ID, err)
	}
	if err := applyEdit(edit, &tr); err != nil {
		return nil, err
	}
	// Lapsed holds in the way end first, so that no store ever holds two
	// overlapping entries for one capacity unit. The time they free and
	// this change does not take is offered to the waiting list once it is
	// written, as the sweeper (ExpireHolds) would have offered it.
	var freed []freedTime
	for _, id := range lapsed {
		h, err := store.Get[scheduling.Appointment](ctx, tx, id)
		if err != nil {
			return nil, fmt.Errorf("lapsed hold %s: %w", id, err)
		}
		if !h.HoldExpired(c.At) {
			continue
		}
		held, err := s.schedulesOf(ctx, tx, h)
		if err != nil {
			return nil, err
		}
		if err := s.expireInTx(ctx, tx, id, c.At, false); err != nil {
			return nil, err
		}
		freed = append(freed, freedTime{schedules: held, start: h.Start, end: h.End})
	}
	next := tr.Appointment
	if a.Version == 0 {
		err = tx.Create(ctx, &next)
	} else {
		err = tx.Put(ctx, &next)
	}
	if err != nil {
		return nil, err
	}
	effects := slotStatuses(tr.Slots)
	for _, sl := range fresh {
		sl.Status, _ = effects.of(sl.ID)
		if sl.Status == scheduling.SlotBusyTentative {
			sl.HeldUntil = next.HeldUntil
		}
		if err := tx.Create(ctx, sl); err != nil {
			return nil, err
		}
	}
	if err := putSlots(ctx, tx, own, effects, next.HeldUntil); err != nil {
		return nil, err
	}
	if a.Version != 0 {
		if err := tx.RemoveBusy(ctx, a.ID); err != nil {
			return nil, err
		}
	}
	entries := make([]store.Busy, len(claims))
	for i, cl := range claims {
		entries[i] = store.Busy{ScheduleID: cl.id, Start: start, End: end, Count: cl.units, AppointmentID: next.ID,
			HeldUntil: next.HeldUntil, Booking: true, Exclusive: cl.exclusive}
	}
	if err := tx.AddBusy(ctx, entries...); err != nil {
		return nil, err
	}
	tr.Event.Appointment.Meta = next.Meta // the rest is already a deep copy of next
	if err := tx.AppendEvent(ctx, tr.Event); err != nil {
		return nil, err
	}
	for _, f := range freed {
		if err := s.offer(ctx, tx, f.schedules, f.start, f.end, c.At); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

// freedTime is the time an appointment stopped occupying on its schedules.
type freedTime struct {
	schedules  []string
	start, end time.Time
}

// prefetch names what occupy reads once the schedules are locked: the
// schedules, a's stored slots and, for each schedule compiled before, the
// busy time its availability check reads. A schedule changed since it was
// compiled may have its check read another range: the store then reads
// that on its own.
func (s *Scheduler) prefetch(a *scheduling.Appointment, ids []string, svc *scheduling.CodeableConcept,
	start, end time.Time) store.Prefetch {
	p := store.Prefetch{Resources: make([]store.Key, 0, len(ids)+len(a.Slot))}
	for _, id := range ids {
		p.Resources = append(p.Resources, store.Key{Type: "Schedule", ID: id})
		v, ok := s.compiled.Load(id)
		if !ok {
			continue
		}
		if from, to, ok := v.(*compiledSchedule).sched.BusyRange(availability.Query{Service: svc}, start, end); ok {
			p.Busy = append(p.Busy, store.BusyRange{ScheduleIDs: []string{id}, From: from, To: to})
		}
	}
	for _, ref := range a.Slot {
		if typ, id := ref.Split(); typ == "Slot" {
			p.Resources = append(p.Resources, store.Key{Type: typ, ID: id})
		}
	}
	return p
}

// slotError classifies an availability check failure of one schedule.
func slotError(id string, start, end time.Time, err error) error {
	for _, sentinel := range []error{availability.ErrFull, availability.ErrOutsideAvailability,
		availability.ErrTooSoon, availability.ErrTooFar, availability.ErrLimit} {
		if errors.Is(err, sentinel) {
			return &SlotError{ScheduleID: id, Start: start, End: end, Err: err}
		}
	}
	return fmt.Errorf("schedule %s: %w", id, err)
}

// busyReader is the busy time of one schedule read inside a transaction:
// live entries only, without those of the appointment being changed. It
// notes the lapsed holds that overlap [start, end).
type busyReader struct {
	tx              store.ReadTx
	schedule        string
	exclude         string
	now, start, end time.Time
	lapsed          []string
	one             [1]string // the schedule, as the slice the store asks for
}

// Busy implements availability.BusySource.
func (r *busyReader) Busy(ctx context.Context, from, to time.Time) ([]availability.Busy, error) {
	r.one[0] = r.schedule
	entries, err := r.tx.Busy(ctx, r.one[:], from, to)
	if err != nil {
		return nil, err
	}
	out := make([]availability.Busy, 0, len(entries))
	for _, e := range entries {
		if r.exclude != "" && e.AppointmentID == r.exclude {
			continue
		}
		if !e.Live(r.now) {
			if e.AppointmentID != "" && e.Start.Before(r.end) && r.start.Before(e.End) && !slices.Contains(r.lapsed, e.AppointmentID) {
				r.lapsed = append(r.lapsed, e.AppointmentID)
			}
			continue
		}
		out = append(out, availability.Busy{Start: e.Start, End: e.End, Count: e.Count, Booking: e.Booking})
	}
	return out, nil
}

// slotsOf splits a's slot references into the stored slots the Scheduler
// made for it and every other reference (slots of other systems).
func (s *Scheduler) slotsOf(ctx context.Context, tx store.ReadTx, a *scheduling.Appointment) ([]*scheduling.Slot, []scheduling.Reference, error) {
	var own []*scheduling.Slot
	var external []scheduling.Reference
	for _, ref := range a.Slot {
		typ, id := ref.Split()
		if typ != "Slot" {
			external = append(external, ref.Clone())
			continue
		}
		sl, err := store.Get[scheduling.Slot](ctx, tx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			external = append(external, ref.Clone())
			continue
		case err != nil:
			return nil, nil, err
		}
		if a.Version == 0 {
			return nil, nil, fmt.Errorf("%w: appointment: slot %s is a stored slot: book its time on its schedule instead",
				scheduling.ErrInvalid, id)
		}
		own = append(own, sl)
	}
	return own, external, nil
}

// slotStatuses is the status a transition gives each stored slot it
// touches.
type slotStatuses []scheduling.SlotEffect

// of returns the status the transition gives slot id, if it gives one (the
// last one given, as a map built in order would hold).
func (e slotStatuses) of(id string) (scheduling.SlotStatus, bool) {
	for i := len(e) - 1; i >= 0; i-- {
		if typ, sid := e[i].Slot.Split(); typ == "Slot" && sid == id {
			return e[i].Status, true
		}
	}
	return "", false
}

// putSlots writes the new status of the appointment's stored slots.
func putSlots(ctx context.Context, tx store.Tx, own []*scheduling.Slot, effects slotStatuses, heldUntil time.Time) error {
	for _, sl := range own {
		st, ok := effects.of(sl.ID)
		if !ok {
			continue
		}
		hu := time.Time{}
		if st == scheduling.SlotBusyTentative {
			hu = heldUntil
		}
		if st == sl.Status && hu.Equal(sl.HeldUntil) {
			continue
		}
		sl.Status, sl.HeldUntil = st, hu
		if err := tx.Put(ctx, sl); err != nil {
			return err
		}
	}
	return nil
}

// schedulesOf returns the schedules a stored or new appointment occupies:
// those of its stored slots, else those its waitlist entry names, else
// every active schedule whose actor is a non-patient participant.
func (s *Scheduler) schedulesOf(ctx context.Context, tx store.ReadTx, a *scheduling.Appointment) ([]string, error) {
	var ids []string
	if a.Version != 0 {
		own, _, err := s.slotsOf(ctx, tx, a)
		if err != nil {
			return nil, err
		}
		for _, sl := range own {
			if typ, id := sl.Schedule.Split(); typ == "Schedule" && sl.Status != scheduling.SlotFree {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			return sortedUnique(ids), nil
		}
	}
	if ids = waitlistSchedules(a); len(ids) > 0 {
		return ids, nil
	}
	var actors []string
	for _, p := range a.Participant {
		if p.Actor == nil || p.Actor.IsType("Patient") {
			continue
		}
		if typ, id := p.Actor.Split(); typ != "" {
			actors = append(actors, store.RefTerm("actor", typ, id))
		}
	}
	if len(actors) == 0 {
		return nil, nil
	}
	scheds, err := store.SearchAll[scheduling.Schedule](ctx, tx, store.Query{
		Terms: [][]string{actors, {store.Term("active", "true")}},
		Limit: store.MaxLimit,
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, sc := range scheds {
		ids = append(ids, sc.ID)
	}
	return sortedUnique(ids), nil
}

// sortedUnique returns ids sorted without repeats: ids itself when it
// already is (the common single schedule), else a sorted copy.
func sortedUnique(ids []string) []string {
	if slices.IsSorted(ids) && !hasRepeat(ids) {
		return ids
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// hasRepeat reports whether sorted ids holds one id twice.
func hasRepeat(sorted []string) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return true
		}
	}
	return false
}

// serviceOf is the service an appointment is checked for: its first
// service type.
func serviceOf(a *scheduling.Appointment) *scheduling.CodeableConcept {
	if len(a.ServiceType) == 0 {
		return nil
	}
	c := a.ServiceType[0]
	return &c
}

// serviceFirst returns types with svc first: the listed concept that is
// the same as svc moved to the front, or a copy of svc put there. A nil svc
// leaves types as they are. types itself is not changed.
func serviceFirst(types []scheduling.CodeableConcept, svc *scheduling.CodeableConcept) []scheduling.CodeableConcept {
	if svc == nil {
		return types
	}
	i := slices.IndexFunc(types, func(c scheduling.CodeableConcept) bool { return sameConcept(c, *svc) })
	switch {
	case i == 0:
		return types
	case i < 0:
		return append([]scheduling.CodeableConcept{svc.Clone()}, types...)
	}
	out := make([]scheduling.CodeableConcept, 0, len(types))
	out = append(out, types[i])
	out = append(out, types[:i]...)
	return append(out, types[i+1:]...)
}

// describeConcept names a service in an error message: its first code, else
// its text; "none" for nil.
func describeConcept(c *scheduling.CodeableConcept) string {
	switch {
	case c == nil:
		return "none"
	case len(c.Coding) > 0:
		return c.Coding[0].System + "|" + c.Coding[0].Code
	}
	return fmt.Sprintf("%q", c.Text)
}

func sameConcept(a, b scheduling.CodeableConcept) bool {
	return slices.EqualFunc(a.Coding, b.Coding, func(x, y scheduling.Coding) bool {
		return x.System == y.System && x.Code == y.Code
	}) && (len(a.Coding) > 0 || a.Text == b.Text)
}

func cloneConcepts(cs []scheduling.CodeableConcept) []scheduling.CodeableConcept {
	if cs == nil {
		return nil
	}
	out := make([]scheduling.CodeableConcept, len(cs))
	for i, c := range cs {
		out[i] = c.Clone()
	}
	return out
}

// byCreated orders appointments by Created, then id.
func byCreated(a, b *scheduling.Appointment) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
