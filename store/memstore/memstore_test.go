package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New(nil) })
}

func TestClosed(t *testing.T) {
	ctx := t.Context()
	s := memstore.New(nil)
	var leaked store.Tx
	if err := s.Update(ctx, func(tx store.Tx) error { leaked = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := leaked.Create(ctx, &scheduling.Patient{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Create on a transaction that has ended = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
	if err := s.View(ctx, func(store.ReadTx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Events(ctx, 0, 1); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Events after Close = %v, want ErrClosed", err)
	}
}

func TestClock(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2031, 1, 2, 3, 4, 5, 678901234, time.FixedZone("X", 7200))
	s := memstore.New(&memstore.Options{Now: func() time.Time { return now }})
	p := &scheduling.Patient{}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Create(ctx, p); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: "a"})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2031, 1, 2, 1, 4, 5, 678901000, time.UTC)
	if p.LastUpdated != want {
		t.Errorf("LastUpdated = %v, want %v (the clock, in UTC, to the microsecond)", p.LastUpdated, want)
	}
	evs, err := s.Events(ctx, 0, 0)
	if err != nil || len(evs) != 1 || evs[0].Recorded != want {
		t.Errorf("Events = %v, %v; want one recorded at %v", evs, err, want)
	}
}

func TestWaitingForTheWriterHonoursContext(t *testing.T) {
	s := memstore.New(nil)
	release := make(chan struct{})
	holding := make(chan struct{})
	go func() {
		_ = s.Update(context.Background(), func(store.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := s.Update(ctx, func(store.Tx) error { return nil })
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Update waiting for the writer lock = %v, want the context's error", err)
	}
	// Views do not wait for the writer's function.
	if err := s.View(t.Context(), func(store.ReadTx) error { return nil }); err != nil {
		t.Error(err)
	}
}

func TestBadInput(t *testing.T) {
	ctx := t.Context()
	s := memstore.New(nil)
	err := s.Update(ctx, func(tx store.Tx) error {
		var nilPatient *scheduling.Patient
		for _, r := range []scheduling.Resource{nil, nilPatient} {
			if err := tx.Create(ctx, r); !errors.Is(err, scheduling.ErrInvalid) {
				t.Errorf("Create(%#v) = %v, want ErrInvalid", r, err)
			}
			if err := tx.Put(ctx, r); !errors.Is(err, scheduling.ErrInvalid) {
				t.Errorf("Put(%#v) = %v, want ErrInvalid", r, err)
			}
		}
		if _, err := tx.Get(ctx, "Spaceship", "1"); !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("Get of an unknown type = %v, want ErrInvalidQuery", err)
		}
		start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
		for _, b := range []store.Busy{
			{Start: start, End: start.Add(time.Hour)},
			{ScheduleID: "s", Start: start, End: start},
			{ScheduleID: "s", End: start},
			{ScheduleID: "s", Start: start, End: start.Add(time.Hour), Count: -1},
		} {
			if err := tx.AddBusy(ctx, b); !errors.Is(err, scheduling.ErrInvalid) {
				t.Errorf("AddBusy(%+v) = %v, want ErrInvalid", b, err)
			}
		}
		if err := tx.RemoveBusyEntry(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RemoveBusyEntry of a missing entry = %v, want ErrNotFound", err)
		}
		if _, err := tx.TryLease(ctx, "l", "h", start, 0); !errors.Is(err, scheduling.ErrInvalid) {
			t.Errorf("TryLease with ttl 0 = %v, want ErrInvalid", err)
		}
		if err := tx.SetIdempotent(ctx, "", "x"); !errors.Is(err, scheduling.ErrInvalid) {
			t.Errorf("SetIdempotent with an empty key = %v, want ErrInvalid", err)
		}
		if err := tx.SetCursor(ctx, "", 1); !errors.Is(err, scheduling.ErrInvalid) {
			t.Errorf("SetCursor with an empty consumer = %v, want ErrInvalid", err)
		}
		if _, err := tx.ExpiredHolds(ctx, start, -1); !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("ExpiredHolds with a negative limit = %v, want ErrInvalidQuery", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Events(ctx, 0, -1); !errors.Is(err, store.ErrInvalidQuery) {
		t.Errorf("Events with a negative limit = %v, want ErrInvalidQuery", err)
	}
}
