package openslot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// countUpdates counts the transactions run through it.
type countUpdates struct {
	store.Store
	n atomic.Int64
}

func (s *countUpdates) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	s.n.Add(1)
	return s.Store.Update(ctx, fn)
}

// noPanic runs fn and turns a panic into an error, so that a missing check
// fails the test instead of ending the run.
func noPanic(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}

// A typed nil resource is refused by Create and Update like an untyped nil:
// an error wrapping scheduling.ErrInvalid that names the type, no panic, no
// transaction.
func TestCreateAndUpdateRefuseNilResources(t *testing.T) {
	f := newFixture(t, nil)
	st := &countUpdates{Store: f.st}
	s := openslot.New(st, &openslot.Options{Now: f.clk.Now})
	for _, tc := range []struct {
		r    scheduling.Resource
		name string // in the error, "" for an untyped nil
	}{
		{nil, ""},
		{(*scheduling.Schedule)(nil), "Schedule"},
		{(*scheduling.Slot)(nil), "Slot"},
		{(*scheduling.Appointment)(nil), "Appointment"},
		{(*scheduling.AppointmentResponse)(nil), "AppointmentResponse"},
		{(*scheduling.Patient)(nil), "Patient"},
	} {
		for op, call := range map[string]func(context.Context, scheduling.Resource) error{
			"Create": s.Create, "Update": s.Update,
		} {
			err := noPanic(func() error { return call(f.ctx, tc.r) })
			if !errors.Is(err, scheduling.ErrInvalid) || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("%s(%#v) = %v; want ErrInvalid naming %q", op, tc.r, err, tc.name)
			}
		}
	}
	if n := st.n.Load(); n != 0 {
		t.Errorf("nil resources ran %d transactions, want none", n)
	}
	if evs := f.events(); len(evs) != 0 {
		t.Errorf("nil resources recorded %d events", len(evs))
	}
}

// Create of an id that is stored, and Respond with the id of a stored
// response, fail at once with ErrConflict naming the resource: a retry
// cannot cure a taken id. The error also matches store.ErrConflict, which
// callers seeding data check.
func TestCreateOfStoredIDIsAConflictWithoutRetries(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	if err := f.s.Create(f.ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}}); err != nil {
		t.Fatal(err)
	}
	proposal := appt("p1", at(0, 14, 0), at(0, 14, 30))
	proposal.ID = "ap1"
	if err := f.s.Create(f.ctx, &proposal); err != nil {
		t.Fatal(err)
	}
	dr := scheduling.Ref("Practitioner", "a")
	h := f.hold(openslot.BookRequest{Appointment: appt("p2", at(0, 9, 0), at(0, 9, 30), "Practitioner/a")})
	if _, err := f.s.Respond(f.ctx, scheduling.AppointmentResponse{Meta: scheduling.Meta{ID: "r1"},
		Appointment: scheduling.Ref("Appointment", h.ID), Actor: &dr,
		ParticipantStatus: scheduling.ParticipationAccepted}); err != nil {
		t.Fatal(err)
	}
	booked := f.get(h.ID)
	before := len(f.events())

	st := &countUpdates{Store: f.st}
	s := openslot.New(st, &openslot.Options{Now: f.clk.Now})
	again := appt("p3", at(0, 15, 0), at(0, 15, 30))
	again.ID = "ap1"
	for _, tc := range []struct {
		name, want string
		call       func() error
	}{
		{"patient", "Patient p1", func() error {
			return s.Create(f.ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}})
		}},
		{"schedule", "Schedule dr-a", func() error {
			return s.Create(f.ctx, &scheduling.Schedule{Meta: scheduling.Meta{ID: "dr-a"},
				Actor: []scheduling.Reference{dr}, Availability: weekdays(),
				Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute}})
		}},
		{"appointment", "Appointment ap1", func() error { return s.Create(f.ctx, &again) }},
		{"response", "AppointmentResponse r1", func() error {
			_, err := s.Respond(f.ctx, scheduling.AppointmentResponse{Meta: scheduling.Meta{ID: "r1"},
				Appointment: scheduling.Ref("Appointment", h.ID), Actor: &dr,
				ParticipantStatus: scheduling.ParticipationDeclined})
			return err
		}},
	} {
		st.n.Store(0)
		err := tc.call()
		if !errors.Is(err, openslot.ErrConflict) || !errors.Is(err, store.ErrConflict) ||
			!strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with a stored id: %v; want ErrConflict (and store.ErrConflict) naming %q",
				tc.name, err, tc.want)
		}
		if n := st.n.Load(); n != 1 {
			t.Errorf("%s with a stored id ran %d transactions, want 1", tc.name, n)
		}
	}
	if a := f.get(h.ID); a.Status != scheduling.AppointmentBooked || a.Version != booked.Version {
		t.Errorf("appointment %s after the refused response: %s version %d, want booked version %d",
			h.ID, a.Status, a.Version, booked.Version)
	}
	if a := f.get("ap1"); !a.Start.Equal(proposal.Start) {
		t.Errorf("proposal ap1 starts at %v after the refused create, want %v", a.Start, proposal.Start)
	}
	if n := len(f.events()) - before; n != 0 {
		t.Errorf("refused requests recorded %d events", n)
	}
}

// snapshotRace makes the first two transactions behave as two concurrent
// ones in a database with snapshot reads and writes sent at commit: neither
// sees the other's Patient, and the Create of the loser is refused with
// store.ErrConflict only when it commits.
type snapshotRace struct {
	store.Store
	n atomic.Int64
}

func (s *snapshotRace) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.n.Add(1) > 2 {
		return s.Store.Update(ctx, fn)
	}
	return s.Store.Update(ctx, func(tx store.Tx) error {
		w := &blindTx{Tx: tx}
		if err := fn(w); err != nil {
			return err
		}
		for _, r := range w.created {
			if err := tx.Create(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// blindTx sees no Patient and defers its Creates to the commit.
type blindTx struct {
	store.Tx
	created []scheduling.Resource
}

func (t *blindTx) Get(ctx context.Context, typ, id string) (scheduling.Resource, error) {
	if typ == "Patient" {
		return nil, fmt.Errorf("%s/%s: %w", typ, id, store.ErrNotFound)
	}
	return t.Tx.Get(ctx, typ, id)
}

func (t *blindTx) Create(_ context.Context, r scheduling.Resource) error {
	t.created = append(t.created, r)
	return nil
}

// Two concurrent creates of one id, the loser refused by the store at
// commit: one succeeds, the other fails with ErrConflict after one retry.
func TestConcurrentCreatesOfOneIDHaveOneWinner(t *testing.T) {
	f := newFixture(t, nil)
	st := &snapshotRace{Store: f.st}
	s := openslot.New(st, &openslot.Options{Now: f.clk.Now})
	start := make(chan struct{})
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			<-start
			p := &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"},
				Name: []scheduling.HumanName{{Family: fmt.Sprint("caller-", i)}}}
			errs[i] = s.Create(f.ctx, p)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, openslot.ErrConflict) || !strings.Contains(err.Error(), "p1"):
			t.Errorf("caller %d: %v; want success or ErrConflict naming p1", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d creates of p1 succeeded (%v), want 1", won, errs)
	}
	if n := st.n.Load(); n != 3 {
		t.Errorf("the race ran %d transactions, want 3 (the loser retried once)", n)
	}
}
