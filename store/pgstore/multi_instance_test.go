package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// delivery is one event a dispatcher handed to the subscriber.
type delivery struct {
	cursor   int64
	instance int
}

// deliveryLog collects the deliveries of every instance's dispatcher.
type deliveryLog struct {
	mu   sync.Mutex
	list []delivery
}

func (l *deliveryLog) add(d delivery) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, d)
	return len(l.list)
}

func (l *deliveryLog) snapshot() []delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list)
}

// covers reports whether every cursor 1..last was delivered.
func (l *deliveryLog) covers(last int64) bool {
	seen := map[int64]bool{}
	for _, d := range l.snapshot() {
		seen[d.cursor] = true
	}
	for c := int64(1); c <= last; c++ {
		if !seen[c] {
			return false
		}
	}
	return true
}

// Three instances of an application, each a Scheduler on a pool of its own
// over one schema, book, hold, reschedule and cancel over the same
// overlapping times, while each also runs the hold sweeper and a
// Dispatcher serving one shared subscriber. The dispatcher that holds the
// subscriber's lease dies in the middle of an event, after its handler ran
// and before it acknowledged: its store is closed (as if its process had
// died; a Dispatcher that is only cancelled still acknowledges what its
// handler finished) and its context cancelled. Afterwards SQL proves that no
// schedule exceeds its capacity, that busy time matches the appointments,
// that no hold outlived its expiry after a final sweep, and that every
// event is in the log exactly once (checkShared); and the subscriber got
// every event at least once, the interrupted one again from another
// instance once the lease ran out.
//
// The dispatchers' leases run on a clock of their own that stands still
// until the lease holder dies and then jumps past the lease: a lease then
// changes hands exactly once, where the test says, however slowly the
// machine runs (on real time, a stalled holder loses its lease early).
func TestMultiInstance(t *testing.T) {
	t.Parallel()
	const (
		instances = 3
		workers   = 3 // per instance
		ops       = 30
		killAt    = 10 // the delivery during which the lease holder dies
		leaseTTL  = time.Second
	)
	ctx := context.Background()
	schema := pgtest.Schema(t)
	clk := newVClock(time.Now())
	leaseClock := &stillClock{t: multiDay}
	var (
		scheds      [instances]*openslot.Scheduler
		stores      [instances]store.Store // the Schedulers'
		dstores     [instances]store.Store // the Dispatchers'
		stopDeliver [instances]context.CancelFunc
		deliveries  deliveryLog
		killed      = -1 // set by the dispatcher goroutines, read after they end
		killedAt    int64
	)
	for i := range instances {
		pool := pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 6})
		scheds[i] = newMultiScheduler(pool, clk)
		stores[i] = scheds[i].Store()
		dstores[i] = pgstore.New(pool, nil)
	}
	createMultiSchedules(t, scheds[0])
	stats := pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 2, NoMigrate: true}) // for SQL checks

	bg, stopAll := context.WithCancel(ctx)
	defer stopAll()
	var background sync.WaitGroup
	for i := range instances {
		background.Go(func() {
			if err := scheds[i].RunSweeper(bg, multiSweep); !errors.Is(err, context.Canceled) {
				t.Errorf("instance %d: sweeper: %v", i, err)
			}
		})
		d := openslot.NewDispatcher(dstores[i], &openslot.DispatcherOptions{
			PollInterval: 20 * time.Millisecond, BatchSize: 10, LeaseTTL: leaseTTL, Holder: fmt.Sprint("instance-", i),
			Now: leaseClock.Now})
		dctx, cancel := context.WithCancel(bg)
		stopDeliver[i] = cancel
		err := d.Subscribe("audit", func(ctx context.Context, e store.EventRecord) error {
			if n := deliveries.add(delivery{e.Cursor, i}); n == killAt {
				// The instance dies with this event handled but not
				// acknowledged: its acknowledgement fails on the closed
				// store, and it never renews its lease again.
				killed, killedAt = i, e.Cursor
				_ = dstores[i].Close()
				stopDeliver[i]()
				leaseClock.Skip(2 * leaseTTL) // its lease runs out
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		background.Go(func() {
			if err := d.Run(dctx); !errors.Is(err, context.Canceled) {
				t.Errorf("instance %d: dispatcher: %v", i, err)
			}
		})
	}

	var (
		mu      sync.Mutex
		changes []change
		work    sync.WaitGroup
	)
	for i := range instances {
		for w := range workers {
			work.Go(func() {
				done := churn(ctx, t, scheds[i], uint64(i*workers+w), ops)
				mu.Lock()
				changes = append(changes, done...)
				mu.Unlock()
			})
		}
	}
	work.Wait()
	// Whether a churn hold lapses before its worker books or releases it
	// depends on timing. So that the sweepers certainly expire holds while
	// every instance runs, each instance now holds a time the churn never
	// uses (afternoons) and leaves it to lapse.
	for i := range instances {
		start := multiDay.Add(14*time.Hour + time.Duration(i)*30*time.Minute)
		patient := scheduling.Ref("Patient", fmt.Sprint("late-", i))
		a, err := scheds[i].Hold(ctx, openslot.BookRequest{Schedules: []string{"m1"}, Appointment: scheduling.Appointment{
			Start: start, End: start.Add(30 * time.Minute), Participant: []scheduling.Participant{{Actor: &patient}}}})
		if err != nil {
			t.Fatalf("instance %d: hold at %s: %v", i, start.Format(time.Kitchen), err)
		}
		changes = append(changes, change{a.ID, a.Version})
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, expired := runStats(t, stats, 0); expired >= instances {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s the sweepers had not expired the %d afternoon holds (TTL %v, sweep every %v)", instances, multiHoldTTL, multiSweep)
		}
	}
	duringRun := lastCursor(t, stores[0])

	// The final sweep: a day later every hold has lapsed.
	clk.Skip(24 * time.Hour)
	swept := clk.Now()
	if _, err := scheds[1].ExpireHolds(ctx); err != nil {
		t.Fatalf("final sweep: %v", err)
	}
	last := lastCursor(t, stores[0])
	const deliverWithin = 3 * time.Minute
	deadline := time.Now().Add(deliverWithin)
	for !deliveries.covers(last) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stopAll()
	background.Wait()

	checkShared(t, stats, swept, changes)
	booked, expired := runStats(t, stats, duringRun)
	t.Logf("%d successful changes, %d events (%d during the run), %d booked at the end, %d holds expired during the run",
		len(changes), last, duringRun, booked, expired)
	if booked == 0 || expired == 0 {
		t.Errorf("the run must book and let holds lapse while it runs; booked %d, expired %d", booked, expired)
	}

	got := deliveries.snapshot()
	if killed < 0 {
		t.Fatalf("only %d deliveries: the lease holder was never interrupted (want an interruption at delivery %d)", len(got), killAt)
	}
	if !deliveries.covers(last) {
		t.Fatalf("the subscriber still misses events of 1..%d after %v (%d deliveries): lost, or not delivered in time", last, deliverWithin, len(got))
	}
	again, byOthers := 0, 0
	for _, d := range got[killAt:] {
		if d.instance == killed {
			t.Fatalf("instance %d delivered event %d after it was cancelled", killed, d.cursor)
		}
		byOthers++
		if d.cursor == killedAt {
			again++
		}
	}
	if again == 0 {
		t.Errorf("event %d, handled by instance %d as it died and never acknowledged, was not delivered again", killedAt, killed)
	}
	// Apart from such redeliveries the subscriber sees the log in order.
	var firsts []int64
	seen := map[int64]bool{}
	for _, d := range got {
		if !seen[d.cursor] {
			seen[d.cursor] = true
			firsts = append(firsts, d.cursor)
		}
	}
	if !slices.IsSorted(firsts) {
		t.Errorf("first deliveries are not in log order: %v", firsts)
	}
	t.Logf("%d deliveries of %d events; instance %d died at event %d; %d deliveries by the others after it", len(got), last, killed, killedAt, byOthers)
}

// stillClock is a clock that only moves when told to.
type stillClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stillClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *stillClock) Skip(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
