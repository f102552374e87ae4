package openslot

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Cancel cancels an appointment (proposed, pending, waitlisted, booked,
// arrived or checked in) with an optional reason: its slots become free,
// its busy time is released, and a waitlisted appointment that fits the
// freed time is offered it. A cancelled waitlist offer (proposed) passes
// its time on to the next waitlisted appointment (see Waitlist).
func (s *Scheduler) Cancel(ctx context.Context, id string, reason *scheduling.CodeableConcept) (*scheduling.Appointment, error) {
	return s.act(ctx, "cancel", id, StatusChange{Action: scheduling.ActionCancel, Reason: reason})
}

// ReleaseHold gives up a hold before it lapses (HL7 Austria Slot $hold
// with status free): the pending appointment is cancelled and its time
// freed. An appointment that is not a hold fails with
// scheduling.ErrInvalidTransition.
func (s *Scheduler) ReleaseHold(ctx context.Context, id string) (*scheduling.Appointment, error) {
	return s.act(ctx, "release-hold", id, StatusChange{Action: scheduling.ActionCancel})
}

// CheckIn records that the patient checked in: booked or arrived ->
// checked-in.
func (s *Scheduler) CheckIn(ctx context.Context, id string) (*scheduling.Appointment, error) {
	return s.act(ctx, "check-in", id, StatusChange{Action: scheduling.ActionCheckIn})
}

// Arrive records that the patient arrived: booked -> arrived.
func (s *Scheduler) Arrive(ctx context.Context, id string) (*scheduling.Appointment, error) {
	return s.act(ctx, "arrive", id, StatusChange{Action: scheduling.ActionArrive})
}

// NoShow records that the patient did not come: booked -> noshow. The time
// stays busy.
func (s *Scheduler) NoShow(ctx context.Context, id string) (*scheduling.Appointment, error) {
	return s.act(ctx, "no-show", id, StatusChange{Action: scheduling.ActionNoShow})
}

// Fulfil records that the appointment took place: booked, arrived or
// checked-in -> fulfilled.
func (s *Scheduler) Fulfil(ctx context.Context, id string) (*scheduling.Appointment, error) {
	return s.act(ctx, "fulfil", id, StatusChange{Action: scheduling.ActionFulfil})
}

// EnterInError marks an appointment as entered in error, from any other
// status; the time it occupied is freed and offered to the waiting list,
// and a waitlist offer (proposed) passes its time on (see Waitlist).
func (s *Scheduler) EnterInError(ctx context.Context, id string) (*scheduling.Appointment, error) {
	return s.act(ctx, "enter-in-error", id, StatusChange{Action: scheduling.ActionEnterInError})
}

// StatusChange asks Transition for a change of a stored appointment's
// status.
type StatusChange struct {
	// Action is one of scheduling.ActionConfirm, ActionCancel,
	// ActionCheckIn, ActionArrive, ActionNoShow, ActionFulfil and
	// ActionEnterInError.
	Action scheduling.Action
	// Reason is the cancellation reason of ActionCancel.
	Reason *scheduling.CodeableConcept
	// IfVersion, when not zero, is the version of the appointment the caller
	// saw (FHIR If-Match); a different stored version fails with
	// ErrConflict, checked in the same transaction as the change.
	IfVersion int64
	// Edit, when set, changes other fields of the appointment in the same
	// transaction as the status change: one write, one new version, one
	// event. It is called with the appointment as the change left it, right
	// before it is written, and may change what Scheduler.Update may change
	// (description, comment, reasons, codes, participants other than the
	// patient, ...). The stored appointment, the result and the event carry
	// the edit.
	//
	// An edit of the id, meta, status, start, end, slots or heldUntil fails
	// the change with an error wrapping scheduling.ErrInvalid; so does an
	// edit of the first ServiceType (the service the time was checked for,
	// see BookRequest.Service) when the change leaves the appointment
	// occupying time (scheduling.AppointmentStatus.OccupiesSlots): its
	// capacity, limits and busy time were judged for that service. An edit
	// of the patient, or one that leaves the appointment invalid, fails
	// with the error of scheduling.CheckUpdate
	// (scheduling.ErrPatientImmutable, scheduling.ErrInvalid). Nothing is
	// written then.
	//
	// Edit may be called more than once, as a transaction that loses a race
	// runs again, and must change nothing but the appointment it is given.
	// BookRequest and RescheduleRequest take the same Edit; it is not called
	// when an idempotency key returns an earlier result.
	Edit func(a *scheduling.Appointment)
}

// Transition applies a status change, like Confirm, Cancel, CheckIn,
// Arrive, NoShow, Fulfil and EnterInError do, and in addition honours
// StatusChange.IfVersion and StatusChange.Edit. Other actions (hold, book,
// reschedule, respond, waitlist) have their own methods and fail here with
// scheduling.ErrInvalid.
func (s *Scheduler) Transition(ctx context.Context, id string, c StatusChange) (*scheduling.Appointment, error) {
	switch c.Action {
	case scheduling.ActionConfirm:
		return s.confirm(ctx, id, c.IfVersion, c.Edit)
	case scheduling.ActionCancel, scheduling.ActionCheckIn, scheduling.ActionArrive, scheduling.ActionNoShow,
		scheduling.ActionFulfil, scheduling.ActionEnterInError:
		return s.act(ctx, string(c.Action), id, c)
	}
	return nil, fmt.Errorf("%w: transition of appointment %s: action %q has its own method", scheduling.ErrInvalid, id, c.Action)
}

// checkVersion refuses a stored appointment whose version is not the one
// the caller expects (0 expects any).
func checkVersion(a *scheduling.Appointment, want int64) error {
	if want != 0 && want != a.Version {
		return fmt.Errorf("appointment %s: %w: version %d expected, %d stored", a.ID, ErrConflict, want, a.Version)
	}
	return nil
}

// act applies a change that makes an appointment occupy no new time.
func (s *Scheduler) act(ctx context.Context, op, id string, sc StatusChange) (*scheduling.Appointment, error) {
	var out *scheduling.Appointment
	err := s.update(ctx, op, func(tx store.Tx) error {
		c := scheduling.Change{Action: sc.Action, Reason: sc.Reason, At: s.now()}
		a, err := store.Get[scheduling.Appointment](ctx, tx, id)
		if err != nil {
			return fmt.Errorf("appointment %s: %w", id, err)
		}
		if err := checkVersion(a, sc.IfVersion); err != nil {
			return err
		}
		if op == "release-hold" && (a.Status != scheduling.AppointmentPending || a.HeldUntil.IsZero()) {
			return fmt.Errorf("%w: release-hold from %s: appointment %s is not a hold", scheduling.ErrInvalidTransition,
				a.Status, id)
		}
		tr, err := scheduling.Apply(*a, c)
		if err != nil {
			return fmt.Errorf("appointment %s: %w", id, err)
		}
		if err := applyEdit(sc.Edit, &tr); err != nil {
			return err
		}
		out, err = s.apply(ctx, tx, a, tr, true)
		return err
	})
	return s.done(ctx, op, id, out, err)
}

// applyEdit runs edit, when set, on the appointment of tr (the state a
// change leaves, not yet written) and makes tr's event carry the result. It
// refuses an edit of a field of the life cycle or of the patient, and an
// invalid result (see StatusChange.Edit); tr is left unusable then.
func applyEdit(edit func(*scheduling.Appointment), tr *scheduling.Transition) error {
	if edit == nil {
		return nil
	}
	a := &tr.Appointment
	before := a.Clone()
	edit(a)
	var changed []string
	switch {
	case a.ID != before.ID:
		changed = append(changed, "id")
	case a.Version != before.Version || !a.LastUpdated.Equal(before.LastUpdated):
		changed = append(changed, "meta")
	}
	if a.Status != before.Status {
		changed = append(changed, "status")
	}
	if !a.Start.Equal(before.Start) {
		changed = append(changed, "start")
	}
	if !a.End.Equal(before.End) {
		changed = append(changed, "end")
	}
	if !a.HeldUntil.Equal(before.HeldUntil) {
		changed = append(changed, "heldUntil")
	}
	if !slices.EqualFunc(a.Slot, before.Slot, func(x, y scheduling.Reference) bool { return reflect.DeepEqual(x, y) }) {
		changed = append(changed, "slot")
	}
	if len(changed) > 0 {
		return fmt.Errorf("%w: appointment %s: edit: %s cannot be changed by an edit", scheduling.ErrInvalid,
			before.ID, strings.Join(changed, ", "))
	}
	if err := checkService(&before, a); err != nil {
		return fmt.Errorf("appointment %s: edit: %w", before.ID, err)
	}
	// CheckUpdate also validates the edited appointment.
	if err := scheduling.CheckUpdate(before, *a); err != nil {
		return fmt.Errorf("appointment %s: edit: %w", before.ID, err)
	}
	tr.Event.Appointment = a.Clone()
	return nil
}

// checkService refuses a change of the service (the first ServiceType) of
// an appointment that occupies time in state old and in state next: the
// time was checked, and its busy entries written, for the service old
// names.
func checkService(old, next *scheduling.Appointment) error {
	if !old.Status.OccupiesSlots() || !next.Status.OccupiesSlots() {
		return nil
	}
	was, now := serviceOf(old), serviceOf(next)
	if was == nil && now == nil || was != nil && now != nil && sameConcept(*was, *now) {
		return nil
	}
	return fmt.Errorf("%w: serviceType[0] cannot change from %s to %s while the appointment occupies time: "+
		"its time was checked for %s; cancel it and book the other service", scheduling.ErrInvalid,
		describeConcept(was), describeConcept(now), describeConcept(was))
}

// apply writes a transition that occupies no new time: the appointment,
// its slots' statuses, the release of its busy time when it stops
// occupying any, and the event. With offer, freed time is offered to the
// waiting list, and a waitlist offer that ends untaken passes its time on
// (passOn).
func (s *Scheduler) apply(ctx context.Context, tx store.Tx, a *scheduling.Appointment, tr scheduling.Transition, offer bool) (*scheduling.Appointment, error) {
	next := tr.Appointment
	if err := tx.Put(ctx, &next); err != nil {
		return nil, err
	}
	own, _, err := s.slotsOf(ctx, tx, a)
	if err != nil {
		return nil, err
	}
	var freed []string
	if a.Status.OccupiesSlots() && !next.Status.OccupiesSlots() {
		for _, sl := range own {
			if typ, id := sl.Schedule.Split(); typ == "Schedule" && sl.Status != scheduling.SlotFree {
				freed = append(freed, id)
			}
		}
		if err := tx.RemoveBusy(ctx, a.ID); err != nil {
			return nil, err
		}
	}
	if err := putSlots(ctx, tx, own, slotStatuses(tr.Slots), next.HeldUntil); err != nil {
		return nil, err
	}
	tr.Event.Appointment.Meta = next.Meta // the rest is already a deep copy of next
	if err := tx.AppendEvent(ctx, tr.Event); err != nil {
		return nil, err
	}
	switch {
	case !offer:
	case len(freed) > 0:
		if err := s.offer(ctx, tx, sortedUnique(freed), a.Start, a.End, tr.Event.At); err != nil {
			return nil, err
		}
	case a.Status == scheduling.AppointmentProposed && next.Status != scheduling.AppointmentProposed:
		// A proposal that ends untaken (declined, cancelled, entered in
		// error): a waitlist offer passes its time on (see Waitlist).
		if err := s.passOn(ctx, tx, a, tr.Event.At); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

// Respond records a participant's answer (FHIR AppointmentResponse) and
// applies it: the participant's status changes; a required participant
// declining cancels the appointment; a pending appointment whose required
// participants have all accepted becomes booked, checked again like a new
// booking; a declined waitlist offer passes its time on to the next
// waitlisted appointment (see Waitlist). The response is stored with the
// appointment in one transaction.
// A response id that is already stored fails at once, not retried, with an
// error naming the response that wraps ErrConflict and store.ErrConflict,
// and changes nothing.
func (s *Scheduler) Respond(ctx context.Context, resp scheduling.AppointmentResponse) (*scheduling.Appointment, error) {
	typ, id := resp.Appointment.Split()
	if typ != "Appointment" {
		return nil, fmt.Errorf("%w: respond: appointment must reference an Appointment", scheduling.ErrInvalid)
	}
	rid := resp.ID
	if rid == "" {
		rid = s.newID()
	}
	var out *scheduling.Appointment
	err := s.update(ctx, "respond", func(tx store.Tx) error {
		if err := checkNew(ctx, tx, "AppointmentResponse", rid); err != nil {
			return err
		}
		now := s.now()
		a, err := store.Get[scheduling.Appointment](ctx, tx, id)
		if err != nil {
			return fmt.Errorf("appointment %s: %w", id, err)
		}
		c := scheduling.Change{Action: scheduling.ActionRespond, At: now, Response: &resp}
		tr, err := scheduling.Apply(*a, c)
		if err != nil {
			return fmt.Errorf("appointment %s: %w", id, err)
		}
		if tr.Appointment.Status == scheduling.AppointmentBooked && a.Status != scheduling.AppointmentBooked {
			var ids []string
			if ids, err = s.schedulesOf(ctx, tx, a); err != nil {
				return err
			}
			out, err = s.occupy(ctx, tx, a, ids, a.Start, a.End, c, nil)
		} else {
			out, err = s.apply(ctx, tx, a, tr, true)
		}
		if err != nil {
			return err
		}
		r := resp.Clone()
		r.Meta = scheduling.Meta{ID: rid}
		return tx.Create(ctx, &r)
	})
	return s.done(ctx, "respond", id, out, err)
}

// expireInTx ends the lapsed hold id inside tx; a hold that is no longer a
// lapsed hold is left alone.
func (s *Scheduler) expireInTx(ctx context.Context, tx store.Tx, id string, now time.Time, offer bool) error {
	a, err := store.Get[scheduling.Appointment](ctx, tx, id)
	if err != nil {
		return fmt.Errorf("lapsed hold %s: %w", id, err)
	}
	if !a.HoldExpired(now) {
		return nil
	}
	tr, err := scheduling.Apply(*a, scheduling.Change{Action: scheduling.ActionExpireHold, At: now})
	if err != nil {
		return fmt.Errorf("appointment %s: %w", id, err)
	}
	_, err = s.apply(ctx, tx, a, tr, offer)
	return err
}

// ExpireHolds makes one pass over the lapsed holds: each becomes a
// cancelled appointment with a "hold-expired" event and its time is freed.
// It returns how many it expired. Correctness never depends on it: every
// check already ignores lapsed holds, and a booking that meets one expires
// it itself. It only keeps the stored statuses and events current.
func (s *Scheduler) ExpireHolds(ctx context.Context) (int, error) {
	n := 0
	for {
		now := s.now()
		var holds []*scheduling.Appointment
		err := s.st.View(ctx, func(tx store.ReadTx) error {
			var err error
			holds, err = tx.ExpiredHolds(ctx, now, 100)
			return err
		})
		if err != nil || len(holds) == 0 {
			return n, err
		}
		progress := 0
		for _, h := range holds {
			expired := false
			err := s.update(ctx, "expire-hold", func(tx store.Tx) error {
				a, err := store.Get[scheduling.Appointment](ctx, tx, h.ID)
				if err != nil || !a.HoldExpired(now) {
					expired = false
					return err
				}
				expired = true
				return s.expireInTx(ctx, tx, h.ID, now, true)
			})
			if err != nil {
				return n + progress, err
			}
			if expired {
				progress++
				s.log.LogAttrs(ctx, slog.LevelDebug, "openslot: expire-hold", slog.String("appointment", h.ID),
					slog.Time("heldUntil", h.HeldUntil))
			}
		}
		n += progress
		if progress == 0 {
			return n, nil
		}
	}
}

// RunSweeper runs ExpireHolds every interval until ctx ends, then returns
// ctx's error. Failed passes are logged and retried at the next tick.
func (s *Scheduler) RunSweeper(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("%w: sweeper interval must be positive", scheduling.ErrInvalid)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.ExpireHolds(ctx); err != nil && ctx.Err() == nil {
			s.done(ctx, "sweep", "", nil, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
