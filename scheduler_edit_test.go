package openslot_test

import (
	"context"
	"errors"
	"testing"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// editCase is a change that takes an Edit: setup makes the appointment it
// changes (and returns its id), run makes the change with edit.
type editCase struct {
	name   string
	setup  func(f *fixture) string
	run    func(f *fixture, id string, edit func(*scheduling.Appointment)) (*scheduling.Appointment, error)
	status scheduling.AppointmentStatus
	event  scheduling.EventType
}

func editCases() []editCase {
	booked := func(f *fixture) string {
		return f.book(openslot.BookRequest{Appointment: appt("p1", at(1, 9, 0), at(1, 9, 30), "Practitioner/a")}).ID
	}
	held := func(f *fixture) string {
		return f.hold(openslot.BookRequest{Appointment: appt("p1", at(1, 9, 0), at(1, 9, 30), "Practitioner/a")}).ID
	}
	// transition runs Transition with c and the case's edit.
	transition := func(c openslot.StatusChange) func(*fixture, string, func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
		return func(f *fixture, id string, edit func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
			change := c
			change.Edit = edit
			return f.s.Transition(f.ctx, id, change)
		}
	}
	return []editCase{
		{
			name:   "cancel",
			setup:  booked,
			run:    transition(openslot.StatusChange{Action: scheduling.ActionCancel, Reason: &scheduling.CodeableConcept{Text: "patient ill"}}),
			status: scheduling.AppointmentCancelled,
			event:  scheduling.EventCancelled,
		},
		{
			name:   "check in",
			setup:  booked,
			run:    transition(openslot.StatusChange{Action: scheduling.ActionCheckIn}),
			status: scheduling.AppointmentCheckedIn,
			event:  scheduling.EventCheckedIn,
		},
		{
			name:   "confirm",
			setup:  held,
			run:    transition(openslot.StatusChange{Action: scheduling.ActionConfirm}),
			status: scheduling.AppointmentBooked,
			event:  scheduling.EventConfirmed,
		},
		{
			name:  "book a hold",
			setup: held,
			run: func(f *fixture, id string, edit func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
				return f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: id, Edit: edit})
			},
			status: scheduling.AppointmentBooked,
			event:  scheduling.EventBooked,
		},
		{
			name: "hold a proposal",
			setup: func(f *fixture) string {
				a := appt("p1", at(1, 9, 0), at(1, 9, 30), "Practitioner/a")
				if err := f.s.Create(f.ctx, &a); err != nil {
					f.t.Fatalf("create proposal: %v", err)
				}
				return a.ID
			},
			run: func(f *fixture, id string, edit func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
				return f.s.Hold(f.ctx, openslot.BookRequest{AppointmentID: id, Schedules: []string{"dr-a"},
					Appointment: scheduling.Appointment{Start: at(1, 10, 0), End: at(1, 10, 30)}, Edit: edit})
			},
			status: scheduling.AppointmentPending,
			event:  scheduling.EventHeld,
		},
		{
			name:  "reschedule",
			setup: booked,
			run: func(f *fixture, id string, edit func(*scheduling.Appointment)) (*scheduling.Appointment, error) {
				return f.s.Reschedule(f.ctx, id, openslot.RescheduleRequest{Start: at(1, 11, 0), End: at(1, 11, 30), Edit: edit})
			},
			status: scheduling.AppointmentBooked,
			event:  scheduling.EventRescheduled,
		},
	}
}

// TestEditIsPartOfTheChange: a change with an Edit is one write: the
// result, the stored appointment and the change's one event carry both.
func TestEditIsPartOfTheChange(t *testing.T) {
	for _, tc := range editCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.schedule("dr-a", "Practitioner/a", nil)
			id := tc.setup(f)
			before, nEvents := f.get(id), len(f.events())
			calls := 0
			got, err := tc.run(f, id, func(a *scheduling.Appointment) {
				calls++
				if a.Status != tc.status || a.Version != before.Version {
					t.Errorf("edit sees %s v%d, want the change's %s on v%d", a.Status, a.Version, tc.status, before.Version)
				}
				a.Comment = "bring x-rays"
				a.Description = "follow-up"
			})
			if err != nil {
				t.Fatal(err)
			}
			if calls != 1 {
				t.Errorf("edit called %d times, want 1", calls)
			}
			stored := f.get(id)
			for what, a := range map[string]*scheduling.Appointment{"result": got, "stored": stored} {
				if a.Status != tc.status || a.Comment != "bring x-rays" || a.Description != "follow-up" {
					t.Errorf("%s: %s %q %q, want %s with the edit", what, a.Status, a.Comment, a.Description, tc.status)
				}
				if a.Version != before.Version+1 {
					t.Errorf("%s: version %d, want %d: one write", what, a.Version, before.Version+1)
				}
			}
			evs := f.events()
			if len(evs) != nEvents+1 {
				t.Fatalf("%d events, want %d: one event for the change", len(evs), nEvents+1)
			}
			last := evs[len(evs)-1]
			if last.Type != tc.event || last.Appointment.Comment != "bring x-rays" || last.Appointment.Description != "follow-up" ||
				last.Appointment.Version != stored.Version {
				t.Errorf("event %s with %q %q v%d, want %s with the edit, v%d", last.Type, last.Appointment.Comment,
					last.Appointment.Description, last.Appointment.Version, tc.event, stored.Version)
			}
		})
	}
}

// TestEditOfTheLifeCycleOrPatientChangesNothing: an Edit may not change
// what the change itself sets, nor the patient; the change fails and
// nothing is written.
func TestEditOfTheLifeCycleOrPatientChangesNothing(t *testing.T) {
	edits := []struct {
		name string
		edit func(a *scheduling.Appointment)
		want error
	}{
		{"status", func(a *scheduling.Appointment) { a.Status = scheduling.AppointmentFulfilled }, scheduling.ErrInvalid},
		{"start", func(a *scheduling.Appointment) { a.Start = a.Start.Add(-a.End.Sub(a.Start)) }, scheduling.ErrInvalid},
		{"slot", func(a *scheduling.Appointment) { a.Slot = append(a.Slot, scheduling.Ref("Slot", "elsewhere")) }, scheduling.ErrInvalid},
		{"meta", func(a *scheduling.Appointment) { a.Version++ }, scheduling.ErrInvalid},
		{"patient", func(a *scheduling.Appointment) {
			p := scheduling.Ref("Patient", "p2")
			a.Participant[0].Actor = &p
		}, scheduling.ErrPatientImmutable},
		{"invalid", func(a *scheduling.Appointment) { a.MinutesDuration = -1 }, scheduling.ErrInvalid},
	}
	for _, tc := range editCases() {
		for _, e := range edits {
			t.Run(tc.name+"/"+e.name, func(t *testing.T) {
				f := newFixture(t, nil)
				f.schedule("dr-a", "Practitioner/a", nil)
				id := tc.setup(f)
				before, evs, busy := f.get(id), f.events(), f.busy("dr-a")
				_, err := tc.run(f, id, e.edit)
				if !errors.Is(err, e.want) {
					t.Fatalf("%v, want %v", err, e.want)
				}
				after := f.get(id)
				if after.Version != before.Version || after.Status != before.Status || !after.Start.Equal(before.Start) {
					t.Errorf("stored %s v%d at %v, want %s v%d at %v as before", after.Status, after.Version, after.Start,
						before.Status, before.Version, before.Start)
				}
				if got := f.events(); len(got) != len(evs) {
					t.Errorf("%d events, want %d as before", len(got), len(evs))
				}
				if got := f.busy("dr-a"); len(got) != len(busy) {
					t.Errorf("%d busy entries, want %d as before", len(got), len(busy))
				}
			})
		}
	}
}

// TestEditOfANewBooking: BookRequest.Edit also edits an appointment the
// booking creates; a refused edit books nothing.
func TestEditOfANewBooking(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	req := openslot.BookRequest{Appointment: appt("p1", at(1, 9, 0), at(1, 9, 30), "Practitioner/a"),
		Edit: func(a *scheduling.Appointment) { a.Start = a.Start.Add(1) }}
	if _, err := f.s.Book(f.ctx, req); !errors.Is(err, scheduling.ErrInvalid) {
		t.Fatalf("edit of the start: %v, want ErrInvalid", err)
	}
	if n, b := len(f.events()), len(f.busy("dr-a")); n != 0 || b != 0 {
		t.Fatalf("a refused booking left %d events and %d busy entries", n, b)
	}
	req.Edit = func(a *scheduling.Appointment) { a.Comment = "first visit" }
	a := f.book(req)
	if a.Version != 1 || a.Comment != "first visit" || f.get(a.ID).Comment != "first visit" {
		t.Fatalf("booked v%d %q, want v1 with the comment", a.Version, a.Comment)
	}
	if evs := f.events(); len(evs) != 1 || evs[0].Appointment.Comment != "first visit" {
		t.Fatalf("events %+v, want one booked event with the comment", evs)
	}
}

// conflictOnce is a store whose first Update runs fn and then fails with
// store.ErrConflict, keeping nothing: a transaction that lost a race.
type conflictOnce struct {
	store.Store
	failed bool
}

var errRollback = errors.New("rolled back")

func (s *conflictOnce) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.failed {
		return s.Store.Update(ctx, fn)
	}
	s.failed = true
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = store.ErrConflict
	}
	return err
}

// TestEditRunsAgainOnARetry: an Edit is called once per attempt; the retry
// that commits writes it once.
func TestEditRunsAgainOnARetry(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	a := f.book(openslot.BookRequest{Appointment: appt("p1", at(1, 9, 0), at(1, 9, 30), "Practitioner/a")})
	s := openslot.New(&conflictOnce{Store: f.st}, &openslot.Options{Now: f.clk.Now})
	calls := 0
	got, err := s.Transition(f.ctx, a.ID, openslot.StatusChange{Action: scheduling.ActionCancel, IfVersion: a.Version,
		Edit: func(a *scheduling.Appointment) {
			calls++
			a.Comment += "called by phone"
		}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || got.Comment != "called by phone" || got.Version != a.Version+1 {
		t.Fatalf("edit called %d times, result %q v%d; want 2 calls and one write of the comment (v%d)",
			calls, got.Comment, got.Version, a.Version+1)
	}
	if types := f.eventTypes(); len(types) != 2 || types[1] != scheduling.EventCancelled {
		t.Fatalf("events %v, want booked, cancelled", types)
	}
}
