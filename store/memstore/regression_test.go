package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// Events called from a View's function (the package doc forbids only
// Update and View there) returns even while an Update is waiting to
// commit: the waiting committer must not make Events wait for the View
// that is waiting for Events.
func TestEventsInsideViewWhileCommitting(t *testing.T) {
	ctx := t.Context()
	s := memstore.New(nil)
	committed := make(chan error, 1)
	got := make(chan error, 1)
	err := s.View(ctx, func(store.ReadTx) error {
		ran := make(chan struct{})
		go func() {
			committed <- s.Update(context.Background(), func(tx store.Tx) error {
				defer close(ran)
				return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: "a1"})
			})
		}()
		<-ran
		time.Sleep(50 * time.Millisecond) // the Update now waits for this View to end
		go func() {
			_, err := s.Events(ctx, 0, 0)
			got <- err
		}()
		select {
		case err := <-got:
			return err
		case <-time.After(5 * time.Second):
			t.Error("Events inside a View did not return while an Update waited to commit")
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 0, 0)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Events after the commit = %v, %v; want the one event", evs, err)
	}
}
