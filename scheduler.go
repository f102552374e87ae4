package openslot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync"
	"time"

	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Scheduler runs openslot's use cases over a store: it finds free time,
// places holds and bookings without ever exceeding a schedule's capacity,
// moves appointments through their life cycle, and records an event for
// every change in the same transaction. It is safe for concurrent use, and
// several Schedulers (in one process or many) may share one store.
type Scheduler struct {
	st         store.Store
	now        func() time.Time
	holdTTL    time.Duration
	maxRetries int
	log        *slog.Logger
	newID      func() string

	compiled sync.Map // schedule id -> *compiledSchedule
}

// compiledSchedule caches availability.Compile for one schedule version.
// A schedule deleted and created again starts at version 1 again, so the
// write time is part of the key.
type compiledSchedule struct {
	version int64
	updated time.Time
	sched   *availability.Schedule
}

// New returns a Scheduler over st. A nil opts gives the defaults of Options.
func New(st store.Store, opts *Options) *Scheduler {
	o := opts.withDefaults()
	return &Scheduler{st: st, now: o.Now, holdTTL: o.HoldTTL, maxRetries: o.MaxRetries, log: o.Logger, newID: o.NewID}
}

// Store returns the store the Scheduler works on.
func (s *Scheduler) Store() store.Store { return s.st }

// Now returns the Scheduler's clock reading (Options.Now), so that code
// built on it (an HTTP handler, a report) judges time as the Scheduler does.
func (s *Scheduler) Now() time.Time { return s.now() }

// update runs fn in a store transaction and runs it again, up to the retry
// bound, while it fails with store.ErrConflict (a race another transaction
// won). Errors that are the Scheduler's own verdict (ErrConflict for a slot
// taken, a stale expected version) are returned at once. After the last
// retry the error wraps both ErrConflict and store.ErrConflict.
func (s *Scheduler) update(ctx context.Context, op string, fn func(tx store.Tx) error) error {
	return retryUpdate(ctx, s.st, s.maxRetries, s.log, op, fn)
}

func retryUpdate(ctx context.Context, st store.Store, maxRetries int, log *slog.Logger, op string,
	fn func(tx store.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := st.Update(ctx, fn)
		if err == nil || !errors.Is(err, store.ErrConflict) || errors.Is(err, ErrConflict) {
			return err
		}
		if attempt >= maxRetries {
			return fmt.Errorf("%s: %w: gave up after %d attempts: %w", op, ErrConflict, attempt+1, err)
		}
		log.LogAttrs(ctx, slog.LevelDebug, "openslot: retrying after a conflict",
			slog.String("op", op), slog.Int("attempt", attempt+1))
		// Jittered exponential backoff: up to 50µs, 100µs, ... capped at 5ms.
		d := min(50*time.Microsecond<<min(attempt, 10), 5*time.Millisecond)
		t := time.NewTimer(rand.N(d) + time.Microsecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// schedule reads a schedule in tx and returns it compiled, from the cache
// when its version has been compiled before.
func (s *Scheduler) schedule(ctx context.Context, tx store.ReadTx, id string) (*scheduling.Schedule, *availability.Schedule, error) {
	sc, err := store.Get[scheduling.Schedule](ctx, tx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("schedule %s: %w", id, err)
	}
	c, err := s.compile(sc)
	return sc, c, err
}

func (s *Scheduler) compile(sc *scheduling.Schedule) (*availability.Schedule, error) {
	if v, ok := s.compiled.Load(sc.ID); ok {
		if c := v.(*compiledSchedule); c.version == sc.Version && c.updated.Equal(sc.LastUpdated) {
			return c.sched, nil
		}
	}
	c, err := availability.Compile(sc)
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", sc.ID, err)
	}
	if sc.Version > 0 {
		s.compiled.Store(sc.ID, &compiledSchedule{version: sc.Version, updated: sc.LastUpdated, sched: c})
	}
	return c, nil
}

// Get returns the stored resource of the given type and id, or an error
// wrapping ErrNotFound.
func (s *Scheduler) Get(ctx context.Context, resourceType, id string) (scheduling.Resource, error) {
	var r scheduling.Resource
	err := s.st.View(ctx, func(tx store.ReadTx) error {
		var err error
		r, err = tx.Get(ctx, resourceType, id)
		return err
	})
	return r, err
}

// Appointment returns the stored appointment id, or an error wrapping
// ErrNotFound.
func (s *Scheduler) Appointment(ctx context.Context, id string) (*scheduling.Appointment, error) {
	var a *scheduling.Appointment
	err := s.st.View(ctx, func(tx store.ReadTx) error {
		var err error
		a, err = store.Get[scheduling.Appointment](ctx, tx, id)
		return err
	})
	return a, err
}

// Search returns one page of stored resources matching q (see store.Query).
func (s *Scheduler) Search(ctx context.Context, q store.Query) (store.Page, error) {
	var p store.Page
	err := s.st.View(ctx, func(tx store.ReadTx) error {
		var err error
		p, err = tx.Search(ctx, q)
		return err
	})
	return p, err
}

// Events returns up to limit events recorded after cursor after, oldest
// first; after 0 reads from the start. Use a Dispatcher for delivery to
// subscribers.
func (s *Scheduler) Events(ctx context.Context, after int64, limit int) ([]store.EventRecord, error) {
	return s.st.Events(ctx, after, limit)
}

// validator is implemented by the resources of package scheduling.
type validator interface{ Validate() error }

// Create stores a new resource after validating it. An empty id is given
// one by Options.NewID; r's Meta is set to the stored version. A nil r,
// also a typed nil such as (*scheduling.Schedule)(nil), fails with
// scheduling.ErrInvalid. An id that is already stored fails at once, not
// retried, with an error naming the resource that wraps ErrConflict and
// store.ErrConflict; so does the loser of two concurrent creates of one id.
// Neither writes anything.
//
// Schedules must also compile (valid RRULE text and time zone). A Slot
// with a busy, busy-unavailable or busy-tentative status makes its time
// busy on its schedule (for example an imported busy interval). That time
// is recorded as given, not checked against the schedule's availability or
// capacity, and written under the schedule's lock
// (store.Tx.LockSchedules), as a booking is: a booking of the same time
// either sees it or has committed before it is written. An Appointment can
// only be created as a proposal (status proposed or empty; it occupies
// nothing): bookings, holds and waitlist entries are made with Book, Hold
// and Waitlist, answers with Respond.
func (s *Scheduler) Create(ctx context.Context, r scheduling.Resource) error {
	if err := checkResource("create", r); err != nil {
		return err
	}
	switch v := r.(type) {
	case *scheduling.Appointment:
		if v.Status == "" {
			v.Status = scheduling.AppointmentProposed
		}
		if v.Status != scheduling.AppointmentProposed || !v.HeldUntil.IsZero() {
			return fmt.Errorf("%w: create: an appointment is created as proposed; use Book, Hold or Waitlist for status %s",
				scheduling.ErrInvalid, v.Status)
		}
		if v.Created.IsZero() {
			v.Created = s.now()
		}
	case *scheduling.AppointmentResponse:
		return fmt.Errorf("%w: create: record an AppointmentResponse with Respond", scheduling.ErrInvalid)
	case *scheduling.Schedule:
		if err := v.Validate(); err != nil {
			return fmt.Errorf("schedule %s: %w", v.ID, err)
		}
		if _, err := availability.Compile(v); err != nil {
			return fmt.Errorf("schedule %s: %w: %w", v.ID, scheduling.ErrInvalid, err)
		}
	}
	if vr, ok := r.(validator); ok {
		if err := vr.Validate(); err != nil {
			return fmt.Errorf("%s %s: %w", r.ResourceType(), r.Metadata().ID, err)
		}
	}
	m := r.Metadata()
	if m.ID == "" {
		m.ID = s.newID()
	}
	var busyOn string // the schedule a busy slot makes busy
	if sl, ok := r.(*scheduling.Slot); ok {
		var err error
		if busyOn, err = slotBusySchedule(sl); err != nil {
			return err
		}
	}
	err := s.update(ctx, "create", func(tx store.Tx) error {
		m.Version = 0
		if busyOn != "" {
			if err := tx.LockSchedules(ctx, busyOn); err != nil {
				return err
			}
		}
		if err := checkNew(ctx, tx, r.ResourceType(), m.ID); err != nil {
			return err
		}
		if sl, ok := r.(*scheduling.Slot); ok {
			if err := s.checkFreeSlot(ctx, tx, sl.ID); err != nil {
				return err
			}
			if err := tx.Create(ctx, r); err != nil {
				return err
			}
			return addSlotBusy(ctx, tx, sl)
		}
		return tx.Create(ctx, r)
	})
	if err == nil {
		s.log.LogAttrs(ctx, slog.LevelDebug, "openslot: created", slog.String("type", r.ResourceType()),
			slog.String("id", m.ID))
	}
	return err
}

// Update replaces a stored resource after validating it. When r's version
// is not zero it must equal the stored version (FHIR If-Match), or Update
// fails with ErrConflict; zero replaces whatever is stored. On success r's
// Meta is set to the new version.
//
// An Appointment update may change only fields outside its life cycle
// (comment, description, reasons, codes, non-patient participants, ...): a
// change of status, time, slots or hold is refused with
// scheduling.ErrInvalidTransition (use the action methods), a change of
// the patient participant with scheduling.ErrPatientImmutable. While the
// appointment occupies time (scheduling.AppointmentStatus.OccupiesSlots),
// its first ServiceType, the service its time was checked for (see
// BookRequest.Service), cannot change either: scheduling.ErrInvalid. It
// records an "updated" event. A Slot that an appointment occupies cannot be
// updated; other slots keep their busy time in step with their status and
// schedule (see Create), under the lock of the schedules whose busy time
// changes: the one the stored slot makes busy and the one r makes busy. A
// nil r, also a typed nil such as (*scheduling.Schedule)(nil), fails with
// scheduling.ErrInvalid and writes nothing.
func (s *Scheduler) Update(ctx context.Context, r scheduling.Resource) error {
	if err := checkResource("update", r); err != nil {
		return err
	}
	m := r.Metadata()
	if m.ID == "" {
		return fmt.Errorf("%w: update %s: id is required", scheduling.ErrInvalid, r.ResourceType())
	}
	if sc, ok := r.(*scheduling.Schedule); ok {
		if err := sc.Validate(); err != nil {
			return fmt.Errorf("schedule %s: %w", sc.ID, err)
		}
		if _, err := availability.Compile(sc); err != nil {
			return fmt.Errorf("schedule %s: %w: %w", sc.ID, scheduling.ErrInvalid, err)
		}
	} else if vr, ok := r.(validator); ok {
		if err := vr.Validate(); err != nil {
			return fmt.Errorf("%s %s: %w", r.ResourceType(), m.ID, err)
		}
	}
	if _, ok := r.(*scheduling.AppointmentResponse); ok {
		return fmt.Errorf("%w: update: record an AppointmentResponse with Respond", scheduling.ErrInvalid)
	}
	var busyOn string // the schedule the slot will make busy
	if sl, ok := r.(*scheduling.Slot); ok {
		var err error
		if busyOn, err = slotBusySchedule(sl); err != nil {
			return err
		}
	}
	expect := m.Version
	var result scheduling.Meta
	err := s.update(ctx, "update", func(tx store.Tx) error {
		old, err := tx.Get(ctx, r.ResourceType(), m.ID)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.ResourceType(), m.ID, err)
		}
		stored := old.Metadata().Version
		if expect != 0 && expect != stored {
			return fmt.Errorf("%s %s: %w: version %d expected, %d stored", r.ResourceType(), m.ID, ErrConflict,
				expect, stored)
		}
		switch v := r.(type) {
		case *scheduling.Appointment:
			tr, err := scheduling.Update(*old.(*scheduling.Appointment), *v, s.now())
			if err != nil {
				return fmt.Errorf("appointment %s: %w", v.ID, err)
			}
			if err := checkService(old.(*scheduling.Appointment), &tr.Appointment); err != nil {
				return fmt.Errorf("appointment %s: %w", v.ID, err)
			}
			next := tr.Appointment
			next.Version = stored
			if err := tx.Put(ctx, &next); err != nil {
				return err
			}
			result = next.Meta
			tr.Event.Appointment.Meta = next.Meta // the rest is already a deep copy of next
			return tx.AppendEvent(ctx, tr.Event)
		case *scheduling.Slot:
			// The stored slot's busy time goes and r's comes, each under
			// its schedule's lock. A stored schedule reference that is not
			// a Schedule's made nothing busy.
			lock := make([]string, 0, 2)
			if busyOn != "" {
				lock = append(lock, busyOn)
			}
			if was, _ := slotBusySchedule(old.(*scheduling.Slot)); was != "" {
				lock = append(lock, was)
			}
			if err := tx.LockSchedules(ctx, sortedUnique(lock)...); err != nil {
				return err
			}
			if err := s.checkFreeSlot(ctx, tx, v.ID); err != nil {
				return err
			}
			if err := tx.RemoveBusyEntry(ctx, slotBusyID(v.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := addSlotBusy(ctx, tx, v); err != nil {
				return err
			}
		}
		c := scheduling.NewResource(r.ResourceType())
		if c == nil {
			return fmt.Errorf("%w: update: unknown resource type %q", scheduling.ErrInvalid, r.ResourceType())
		}
		copyResource(c, r)
		c.Metadata().Version = stored
		if err := tx.Put(ctx, c); err != nil {
			return err
		}
		result = *c.Metadata()
		return nil
	})
	if err != nil {
		return err
	}
	*m = result
	s.log.LogAttrs(ctx, slog.LevelDebug, "openslot: updated", slog.String("type", r.ResourceType()),
		slog.String("id", m.ID), slog.Int64("version", m.Version))
	return nil
}

// checkResource refuses a nil resource: an untyped nil, or a typed nil
// pointer such as (*scheduling.Schedule)(nil), whose methods would
// dereference it.
func checkResource(op string, r scheduling.Resource) error {
	if r == nil {
		return fmt.Errorf("%w: %s: no resource", scheduling.ErrInvalid, op)
	}
	if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && v.IsNil() {
		// %T, not ResourceType: a method of another implementation may
		// dereference its receiver.
		return fmt.Errorf("%w: %s: nil %T", scheduling.ErrInvalid, op, r)
	}
	return nil
}

// checkNew fails when a resource of the type and id is already stored. The
// error wraps ErrConflict, which retryUpdate returns at once: a retry cannot
// cure a taken id. It wraps store.ErrConflict too, the class of the store's
// own refusal that callers may check. When a concurrent transaction
// creates the id after this check, the store refuses the Create
// (store.ErrConflict), and the retry ends here.
func checkNew(ctx context.Context, tx store.ReadTx, typ, id string) error {
	_, err := tx.Get(ctx, typ, id)
	switch {
	case err == nil:
		return fmt.Errorf("%s %s: %w: the id is already stored", typ, id, errIDTaken)
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}

// errIDTaken reads "conflict" and matches both ErrConflict and
// store.ErrConflict.
var errIDTaken error = idTaken{}

type idTaken struct{}

func (idTaken) Error() string   { return ErrConflict.Error() }
func (idTaken) Unwrap() []error { return []error{ErrConflict, store.ErrConflict} }

// copyResource deep-copies src into dst (both of the same type).
func copyResource(dst, src scheduling.Resource) {
	switch d := dst.(type) {
	case *scheduling.Organization:
		*d = src.(*scheduling.Organization).Clone()
	case *scheduling.Location:
		*d = src.(*scheduling.Location).Clone()
	case *scheduling.HealthcareService:
		*d = src.(*scheduling.HealthcareService).Clone()
	case *scheduling.Practitioner:
		*d = src.(*scheduling.Practitioner).Clone()
	case *scheduling.PractitionerRole:
		*d = src.(*scheduling.PractitionerRole).Clone()
	case *scheduling.Patient:
		*d = src.(*scheduling.Patient).Clone()
	case *scheduling.Device:
		*d = src.(*scheduling.Device).Clone()
	case *scheduling.Schedule:
		*d = src.(*scheduling.Schedule).Clone()
	case *scheduling.Slot:
		*d = src.(*scheduling.Slot).Clone()
	}
}

// checkFreeSlot refuses changes to a slot that an appointment occupies: its
// status follows the appointment.
func (s *Scheduler) checkFreeSlot(ctx context.Context, tx store.ReadTx, slotID string) error {
	if slotID == "" {
		return nil
	}
	p, err := tx.Search(ctx, store.Query{ResourceType: "Appointment", Terms: [][]string{{store.RefTerm("slot", "Slot", slotID)}}, Limit: 1})
	if err != nil {
		return err
	}
	if len(p.Resources) > 0 {
		return fmt.Errorf("%w: slot %s belongs to appointment %s: change it through the appointment",
			scheduling.ErrInvalid, slotID, p.Resources[0].Metadata().ID)
	}
	return nil
}

// slotBusyID is the id of the busy entry a stored busy slot owns.
func slotBusyID(slotID string) string { return "slot-" + slotID }

// slotBusySchedule returns the id of the schedule whose time a stored slot
// that is not an appointment's makes busy: its schedule when its status is
// busy, busy-unavailable or busy-tentative, "" for any other status. A busy
// slot whose schedule reference is not a Schedule's fails with
// scheduling.ErrInvalid.
func slotBusySchedule(sl *scheduling.Slot) (string, error) {
	switch sl.Status {
	case scheduling.SlotBusy, scheduling.SlotBusyUnavailable, scheduling.SlotBusyTentative:
	default:
		return "", nil
	}
	typ, id := sl.Schedule.Split()
	if typ != "Schedule" || id == "" {
		return "", fmt.Errorf("%w: slot %s: schedule must reference a Schedule", scheduling.ErrInvalid, sl.ID)
	}
	return id, nil
}

// addSlotBusy records the busy time of a stored slot that is not an
// appointment's. The caller holds the lock of its schedule.
func addSlotBusy(ctx context.Context, tx store.Tx, sl *scheduling.Slot) error {
	id, err := slotBusySchedule(sl)
	if err != nil || id == "" {
		return err
	}
	b := store.Busy{ID: slotBusyID(sl.ID), ScheduleID: id, Start: sl.Start, End: sl.End}
	if sl.Status == scheduling.SlotBusyTentative {
		b.HeldUntil = sl.HeldUntil
	}
	return tx.AddBusy(ctx, b)
}
