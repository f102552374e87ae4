package openslot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// lockChecking is a store whose transactions fail a write of busy time
// (AddBusy, RemoveBusyEntry) on a schedule they have not locked with
// LockSchedules: the store contract promises a transaction that locked a
// schedule that its busy time stays as it read it, which holds only when
// every writer of busy time takes the lock too.
type lockChecking struct {
	store.Store
	schedules []string // where RemoveBusyEntry looks an entry up
}

func (s *lockChecking) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		return fn(&lockCheckingTx{Tx: tx, schedules: s.schedules})
	})
}

type lockCheckingTx struct {
	store.Tx
	schedules []string
	locked    []string
}

var errUnlocked = errors.New("busy time written without the schedule's lock")

func (t *lockCheckingTx) LockSchedules(ctx context.Context, ids ...string) error {
	t.locked = append(t.locked, ids...)
	return t.Tx.LockSchedules(ctx, ids...)
}

func (t *lockCheckingTx) AddBusy(ctx context.Context, entries ...store.Busy) error {
	for _, e := range entries {
		if !slices.Contains(t.locked, e.ScheduleID) {
			return fmt.Errorf("add busy entry %s of schedule %s: %w", e.ID, e.ScheduleID, errUnlocked)
		}
	}
	return t.Tx.AddBusy(ctx, entries...)
}

func (t *lockCheckingTx) RemoveBusyEntry(ctx context.Context, id string) error {
	entries, err := t.Tx.Busy(ctx, t.schedules, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.ID == id && !slices.Contains(t.locked, e.ScheduleID) {
			return fmt.Errorf("remove busy entry %s of schedule %s: %w", id, e.ScheduleID, errUnlocked)
		}
	}
	return t.Tx.RemoveBusyEntry(ctx, id)
}

// Create and Update of a busy slot write busy time, and must hold the lock
// of the schedule whose time they write, as a booking does: on a store
// whose locks are real (PostgreSQL) a booking of the same time could
// otherwise check busy time that changes before it commits. Both schedules
// of a slot that moves are locked, and so is the schedule of a busy slot
// that becomes free.
func TestBusySlotsLockTheirSchedules(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.schedule("dr-b", "Practitioner/b", nil)
	s := openslot.New(&lockChecking{Store: f.st, schedules: []string{"dr-a", "dr-b"}}, &openslot.Options{Now: f.clk.Now})

	// The check itself passes a booking, which locks.
	if _, err := s.Book(f.ctx, openslot.BookRequest{Appointment: appt("p", at(0, 9, 0), at(0, 9, 30)),
		Schedules: []string{"dr-a"}}); err != nil {
		t.Fatalf("book: %v", err)
	}

	sl := &scheduling.Slot{Schedule: scheduling.Ref("Schedule", "dr-a"), Status: scheduling.SlotBusyUnavailable,
		Start: at(0, 11, 0), End: at(0, 12, 0)}
	if err := s.Create(f.ctx, sl); err != nil {
		t.Fatalf("create of a busy slot: %v", err)
	}
	if n := countBusy(f.busy("dr-a"), at(0, 11, 0)); n != 1 {
		t.Fatalf("dr-a has %d busy entries at 11:00 after the create, want 1", n)
	}

	sl.Schedule = scheduling.Ref("Schedule", "dr-b")
	if err := s.Update(f.ctx, sl); err != nil {
		t.Fatalf("update moving a busy slot to another schedule: %v", err)
	}
	if a, b := countBusy(f.busy("dr-a"), at(0, 11, 0)), countBusy(f.busy("dr-b"), at(0, 11, 0)); a != 0 || b != 1 {
		t.Fatalf("after the move dr-a has %d and dr-b %d busy entries at 11:00, want 0 and 1", a, b)
	}

	sl.Status = scheduling.SlotFree
	if err := s.Update(f.ctx, sl); err != nil {
		t.Fatalf("update freeing a busy slot: %v", err)
	}
	if n := countBusy(f.busy("dr-b"), at(0, 11, 0)); n != 0 {
		t.Fatalf("dr-b has %d busy entries at 11:00 after the slot was freed, want 0", n)
	}

	// A free slot writes no busy time and needs no lock.
	free := &scheduling.Slot{Schedule: scheduling.Ref("Schedule", "dr-a"), Status: scheduling.SlotFree,
		Start: at(0, 13, 0), End: at(0, 14, 0)}
	if err := s.Create(f.ctx, free); err != nil {
		t.Fatalf("create of a free slot: %v", err)
	}
}

// countBusy counts the entries that cover instant at.
func countBusy(entries []store.Busy, at time.Time) int {
	n := 0
	for _, e := range entries {
		if !at.Before(e.Start) && at.Before(e.End) {
			n++
		}
	}
	return n
}

var (
	// consult is a service whose policy cuts 45-minute slots, which the
	// schedule's own 30-minute grid does not offer.
	consult  = scheduling.CodeableConcept{Coding: []scheduling.Coding{{System: "http://example.org/svc", Code: "consult"}}}
	followUp = scheduling.CodeableConcept{Coding: []scheduling.Coding{{System: "http://example.org/svc", Code: "follow-up"}}}
)

// consultSchedule creates dr-a with the consult service's 45-minute policy.
func consultSchedule(f *fixture) {
	f.t.Helper()
	sc := &scheduling.Schedule{
		Meta:            scheduling.Meta{ID: "dr-a"},
		Actor:           []scheduling.Reference{scheduling.Ref("Practitioner", "a")},
		Availability:    weekdays(),
		Policy:          scheduling.SlotPolicy{Duration: 30 * time.Minute},
		ServicePolicies: []scheduling.ServicePolicy{{Service: consult, Policy: scheduling.SlotPolicy{Duration: 45 * time.Minute}}},
	}
	if err := f.s.Create(f.ctx, sc); err != nil {
		f.t.Fatal(err)
	}
}

// BookRequest.Service selects the service policy of the check when a
// stored proposal is booked, as it does for a new booking, and becomes the
// appointment's first ServiceType.
func TestBookStoredProposalHonoursService(t *testing.T) {
	f := newFixture(t, nil)
	consultSchedule(f)
	proposal := appt("p", at(0, 9, 0), at(0, 9, 45))
	proposal.ServiceType = []scheduling.CodeableConcept{followUp}
	if err := f.s.Create(f.ctx, &proposal); err != nil {
		t.Fatal(err)
	}
	// Without the service the 45 minutes are not a slot of dr-a.
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: proposal.ID, Schedules: []string{"dr-a"}}); !errors.Is(err, openslot.ErrUnavailable) {
		t.Fatalf("book of a 45-minute proposal for no service: %v, want ErrUnavailable", err)
	}
	b, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: proposal.ID, Schedules: []string{"dr-a"}, Service: &consult})
	if err != nil {
		t.Fatalf("book of the proposal for the consult service: %v", err)
	}
	want := []scheduling.CodeableConcept{consult, followUp}
	if !sameConcepts(b.ServiceType, want) || !sameConcepts(f.get(b.ID).ServiceType, want) {
		t.Errorf("service types %v, stored %v; want consult first, then follow-up", b.ServiceType, f.get(b.ID).ServiceType)
	}
	if sl := f.slot(b.Slot[0]); !sameConcepts(sl.ServiceType, want) {
		t.Errorf("slot service types %v, want consult first", sl.ServiceType)
	}
}

// A hold keeps the service it was granted: booking it for another service
// is refused and changes nothing; for its own service it books.
func TestBookHoldForAnotherServiceIsInvalid(t *testing.T) {
	f := newFixture(t, nil)
	consultSchedule(f)
	h := f.hold(openslot.BookRequest{Appointment: appt("p", at(0, 9, 0), at(0, 9, 45)), Schedules: []string{"dr-a"},
		Service: &consult})
	before := len(f.events())
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: h.ID, Service: &followUp}); !errors.Is(err, scheduling.ErrInvalid) {
		t.Fatalf("book of a consult hold for follow-up: %v, want ErrInvalid", err)
	}
	if got := f.get(h.ID); got.Status != scheduling.AppointmentPending || got.Version != h.Version || len(f.events()) != before {
		t.Fatalf("the refused book changed the hold: status %s version %d (was %d), %d events (were %d)",
			got.Status, got.Version, h.Version, len(f.events()), before)
	}
	b, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: h.ID, Service: &consult})
	if err != nil || b.Status != scheduling.AppointmentBooked {
		t.Fatalf("book of the hold for its own service: %v", err)
	}
}

// A Service that the new appointment lists, but not first, still selects
// the policy: it is moved first.
func TestBookServiceListedSecondSelectsThePolicy(t *testing.T) {
	f := newFixture(t, nil)
	consultSchedule(f)
	a := appt("p", at(0, 9, 0), at(0, 9, 45))
	a.ServiceType = []scheduling.CodeableConcept{followUp, consult}
	b, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: a, Schedules: []string{"dr-a"}, Service: &consult})
	if err != nil {
		t.Fatalf("book of 45 minutes for the consult service listed second: %v", err)
	}
	if want := []scheduling.CodeableConcept{consult, followUp}; !sameConcepts(b.ServiceType, want) {
		t.Errorf("service types %v, want consult first, then follow-up", b.ServiceType)
	}
	if !sameConcepts(a.ServiceType, []scheduling.CodeableConcept{followUp, consult}) {
		t.Errorf("the request's service types changed to %v", a.ServiceType)
	}
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: appt("q", at(0, 11, 0), at(0, 11, 45)),
		Schedules: []string{"dr-a"}}); !errors.Is(err, availability.ErrOutsideAvailability) {
		t.Errorf("book of 45 minutes for no service: %v, want ErrOutsideAvailability", err)
	}
}

func sameConcepts(a, b []scheduling.CodeableConcept) bool {
	return slices.EqualFunc(a, b, func(x, y scheduling.CodeableConcept) bool {
		return slices.Equal(x.Coding, y.Coding) && x.Text == y.Text
	})
}
