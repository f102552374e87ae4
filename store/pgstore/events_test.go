package pgstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// Many writers append events and sleep a random while before they commit,
// so that transactions commit in an order unrelated to the order they
// inserted in; one reader polls with its cursor the whole time. It must
// see every committed event exactly once, in growing cursor order, and each
// writer's events in the order that writer committed them.
func TestEventsNeverSkipped(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	writers, perWriter := 8, 25
	if testing.Short() {
		perWriter = 8
	}

	var done atomic.Bool
	seen := make(map[string]int64) // event id -> cursor
	var order []string
	readErr := make(chan error, 1)
	go func() {
		var after int64
		for {
			finished := done.Load() // read before polling: the last poll sees every commit
			evs, err := s.Events(ctx, after, 7)
			if err != nil {
				readErr <- err
				return
			}
			for _, e := range evs {
				if e.Cursor <= after {
					readErr <- fmt.Errorf("cursor %d after %d: cursors must grow", e.Cursor, after)
					return
				}
				after = e.Cursor
				if c, dup := seen[e.AppointmentID]; dup {
					readErr <- fmt.Errorf("event %s seen twice (cursors %d and %d)", e.AppointmentID, c, e.Cursor)
					return
				}
				seen[e.AppointmentID] = e.Cursor
				order = append(order, e.AppointmentID)
			}
			if finished && len(evs) == 0 {
				readErr <- nil
				return
			}
		}
	}()

	var wg sync.WaitGroup
	var rolledBack atomic.Int64
	var mu sync.Mutex
	committed, discarded := make(map[string]bool), make(map[string]bool)
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range perWriter {
				fail := rng.IntN(10) == 0 // some transactions roll back
				var ids []string
				err := s.Update(ctx, func(tx store.Tx) error {
					ids = ids[:0]
					for j := range 1 + rng.IntN(2) {
						e := scheduling.Event{Type: scheduling.EventUpdated, AppointmentID: fmt.Sprintf("w%d-%03d-%d", w, i, j)}
						if err := tx.AppendEvent(ctx, e); err != nil {
							return err
						}
						ids = append(ids, e.AppointmentID)
					}
					time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
					if fail {
						return errRollback
					}
					return nil
				})
				mu.Lock()
				for _, id := range ids {
					committed[id] = err == nil
					discarded[id] = err != nil
				}
				mu.Unlock()
				switch {
				case fail && err == errRollback:
					rolledBack.Add(1)
				case err != nil:
					t.Errorf("writer %d: %v", w, err)
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}

	// Every committed event was seen: compare with a full read.
	all, err := s.Events(ctx, 0, store.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(seen) {
		t.Fatalf("the polling reader saw %d events; the log holds %d", len(seen), len(all))
	}
	for i, e := range all {
		if e.Cursor != int64(i+1) {
			t.Fatalf("event %d has cursor %d; want cursors 1..n without gaps", i, e.Cursor)
		}
		if seen[e.AppointmentID] != e.Cursor {
			t.Fatalf("event %s: reader saw cursor %d, log says %d", e.AppointmentID, seen[e.AppointmentID], e.Cursor)
		}
		if !committed[e.AppointmentID] || discarded[e.AppointmentID] {
			t.Fatalf("event %s is in the log but its transaction did not commit", e.AppointmentID)
		}
	}
	n := 0
	for _, ok := range committed {
		if ok {
			n++
		}
	}
	if n != len(all) {
		t.Fatalf("%d events were committed; the log holds %d", n, len(all))
	}
	if rolledBack.Load() == 0 || len(all) == 0 {
		t.Fatalf("the test ran no rollbacks (%d) or no events (%d)", rolledBack.Load(), len(all))
	}
	// Each writer's events come in the order it committed them.
	last := make(map[string]string)
	for _, id := range order {
		w, rest, _ := strings.Cut(id, "-")
		if prev, ok := last[w]; ok && rest < prev {
			t.Fatalf("writer %s: event %s came after %s", w, rest, prev)
		}
		last[w] = rest
	}
	t.Logf("%d events from %d writers, %d transactions rolled back", len(all), writers, rolledBack.Load())
}

var errRollback = fmt.Errorf("test: roll back")

// An event committed before Events is called is returned by that call,
// even while other readers number events at the same time.
func TestEventsReadYourWrites(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Events(ctx, 0, 1); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	defer func() { close(stop); readers.Wait() }()
	var after int64
	for i := range 30 {
		id := strconv.Itoa(i)
		if err := s.Update(ctx, func(tx store.Tx) error {
			return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: id})
		}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].AppointmentID != id {
			t.Fatalf("after committing event %s, Events(%d) returned %v; want just that event", id, after, evs)
		}
		after = evs[0].Cursor
	}
}
