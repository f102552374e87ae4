package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// stallStore stalls a process's writes (its lease renewals and
// acknowledgements) while the test holds mu: as if the process were paused.
// A write under way when the stall begins finishes first.
type stallStore struct {
	store.Store
	mu sync.RWMutex
}

func (s *stallStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.Store.Update(ctx, fn)
}

// appendEventsOf records n events in one transaction and returns their
// appointment ids.
func appendEventsOf(t *testing.T, st store.Store, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	if err := st.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if err := tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventUpdated, AppointmentID: fmt.Sprint(prefix, i)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// logCursors makes the schema of pool record every write of a consumer's
// cursor, in commit order per consumer (acknowledgements of one subscriber
// are serialised by its lease row).
func logCursors(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `
		CREATE TABLE review_cursor_log (n bigserial PRIMARY KEY, name text NOT NULL, cursor bigint NOT NULL);
		CREATE FUNCTION review_log_cursor() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO review_cursor_log (name, cursor) VALUES (NEW.name, NEW.cursor); RETURN NEW; END $$;
		CREATE TRIGGER review_cursor AFTER INSERT OR UPDATE ON consumers
			FOR EACH ROW EXECUTE FUNCTION review_log_cursor();`); err != nil {
		t.Fatal(err)
	}
}

// cursorLog returns the cursors written for consumer, in order.
func cursorLog(t *testing.T, pool *pgxpool.Pool, consumer string) []int64 {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT cursor FROM review_cursor_log WHERE name = $1 ORDER BY n`, consumer)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func storedCursorOf(t *testing.T, st store.Store, consumer string) int64 {
	t.Helper()
	var c int64
	if err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		c, err = tx.Cursor(context.Background(), consumer)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// A dispatcher that stalls in the middle of an event loses its lease to
// another instance, which redelivers that event and goes on. When the
// stalled one wakes up, its handler's context is cancelled (or, if the
// handler finishes first, its acknowledgement is refused): it neither moves
// the cursor back nor delivers past the event it was in.
func TestDispatchStaleHolderNeitherAcksNorGoesOn(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"handler-cancelled", "handler-finishes"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			schema := pgtest.Schema(t)
			poolA := pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 4})
			poolB := pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 4})
			logCursors(t, poolA)
			stA := &stallStore{Store: pgstore.New(poolA, nil)}
			stB := pgstore.New(poolB, nil)
			appendEventsOf(t, stB, "a", 5)
			clk := &stillClock{t: multiDay}
			const ttl = 300 * time.Millisecond // A renews every 100ms of real time while a handler runs

			da := openslot.NewDispatcher(stA, &openslot.DispatcherOptions{Holder: "A", LeaseTTL: ttl, Now: clk.Now})
			db := openslot.NewDispatcher(stB, &openslot.DispatcherOptions{Holder: "B", LeaseTTL: ttl, Now: clk.Now})
			var mu sync.Mutex
			var gotA, gotB []int64
			entered := make(chan struct{})
			release := make(chan struct{})
			cancelled := make(chan bool, 1)
			if err := da.Subscribe("audit", func(hctx context.Context, e store.EventRecord) error {
				mu.Lock()
				gotA = append(gotA, e.Cursor)
				mu.Unlock()
				if e.Cursor != 2 {
					return nil
				}
				close(entered)
				if mode == "handler-cancelled" {
					select {
					case <-hctx.Done():
						cancelled <- true
					case <-time.After(30 * time.Second):
						cancelled <- false
					}
				} else {
					<-release
				}
				return nil // it finished the event all the same
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.Subscribe("audit", func(_ context.Context, e store.EventRecord) error {
				mu.Lock()
				gotB = append(gotB, e.Cursor)
				mu.Unlock()
				return nil
			}); err != nil {
				t.Fatal(err)
			}

			type result struct {
				n   int
				err error
			}
			doneA := make(chan result, 1)
			go func() { n, err := da.RunOnce(ctx); doneA <- result{n, err} }()
			<-entered
			stA.mu.Lock() // A stalls in the middle of event 2
			clk.Skip(2 * ttl)
			n, err := db.RunOnce(ctx)
			if err != nil || n != 4 {
				stA.mu.Unlock()
				t.Fatalf("B's RunOnce after A's lease ran out = %d, %v; want events 2..5", n, err)
			}
			if mode == "handler-finishes" {
				close(release)
			}
			stA.mu.Unlock() // A wakes up
			var ra result
			select {
			case ra = <-doneA:
			case <-time.After(30 * time.Second):
				t.Fatal("A's RunOnce did not return after it lost its lease")
			}
			if mode == "handler-cancelled" && !<-cancelled {
				t.Error("A's handler context was not cancelled after A lost its lease")
			}
			// Event 2 counts when A's handler accepted it before A found out
			// (its acknowledgement was refused); either way it is B's now.
			if ra.err != nil || ra.n < 1 || ra.n > 2 {
				t.Errorf("A's RunOnce = %d, %v; want event 1 (and perhaps 2) and no error", ra.n, ra.err)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(gotA, []int64{1, 2}) || !slices.Equal(gotB, []int64{2, 3, 4, 5}) {
				t.Errorf("A delivered %v and B %v; want A 1, 2 and B 2..5", gotA, gotB)
			}
			if c := storedCursorOf(t, stB, "dispatcher:audit"); c != 5 {
				t.Errorf("stored cursor %d, want 5", c)
			}
			if log := cursorLog(t, poolA, "dispatcher:audit"); !slices.Equal(log, []int64{1, 2, 3, 4, 5}) {
				t.Errorf("cursor writes %v, want 1..5 (A: 1; B: 2..5)", log)
			}
		})
	}
}

// Three instances of an application, each a Dispatcher on a pool of its
// own over one schema, serve two subscribers while writers append events,
// all released by one barrier. Leases change hands (the lease clock jumps
// past the lease now and then) and handlers fail now and then. Every event
// reaches every subscriber, first deliveries come in log order, and each
// subscriber's cursor only ever moves forward, to events a handler
// accepted.
func TestDispatchInstancesWithHandovers(t *testing.T) {
	t.Parallel()
	const (
		instances = 3
		writers   = 4
		txs       = 30 // per writer, 1-2 events each
		ttl       = time.Second
	)
	subs := []string{"crm", "audit"}
	ctx := context.Background()
	schema := pgtest.Schema(t)
	clk := &stillClock{t: multiDay}
	var stores [instances]store.Store
	var pools [instances]*pgxpool.Pool
	for i := range instances {
		pools[i] = pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 6})
		stores[i] = pgstore.New(pools[i], nil)
	}
	logCursors(t, pools[0])
	writer := pgstore.New(pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: writers, NoMigrate: true}), nil)

	type attempt struct {
		cursor   int64
		instance int
		ok       bool
	}
	var (
		mu       sync.Mutex
		attempts = map[string][]attempt{}
		inFlight = map[string]int{}
		total    atomic.Int64
	)
	start := make(chan struct{})
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var running sync.WaitGroup
	for i := range instances {
		d := openslot.NewDispatcher(stores[i], &openslot.DispatcherOptions{PollInterval: time.Millisecond, BatchSize: 7,
			LeaseTTL: ttl, Holder: fmt.Sprint("instance-", i), Now: clk.Now})
		for si, name := range subs {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(si)))
			var rmu sync.Mutex
			if err := d.Subscribe(name, func(_ context.Context, e store.EventRecord) error {
				rmu.Lock()
				fail := rng.IntN(20) == 0
				rmu.Unlock()
				mu.Lock()
				inFlight[name]++
				attempts[name] = append(attempts[name], attempt{e.Cursor, i, !fail})
				mu.Unlock()
				defer func() { mu.Lock(); inFlight[name]--; mu.Unlock() }()
				if total.Add(1)%40 == 0 {
					clk.Skip(2 * ttl) // every lease runs out: whoever asks next takes it
				}
				if fail {
					return errors.New("receiver down")
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		running.Go(func() {
			<-start
			if err := d.Run(runCtx); !errors.Is(err, context.Canceled) {
				t.Errorf("instance %d: Run = %v", i, err)
			}
		})
	}
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			<-start
			for j := range txs {
				appendEventsOf(t, writer, fmt.Sprintf("w%d-%03d-", w, j), 1+(w+j)%2)
			}
		})
	}
	close(start)
	writing.Wait()
	last, err := lastEvent(writer)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, name := range subs {
		for storedCursorOf(t, writer, "dispatcher:"+name) < last {
			if time.Now().After(deadline) {
				stop()
				running.Wait()
				t.Fatalf("subscriber %s: cursor %d after 2m, want %d", name, storedCursorOf(t, writer, "dispatcher:"+name), last)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	stop()
	stopped := make(chan struct{})
	go func() { running.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of its context ending")
	}

	mu.Lock()
	defer mu.Unlock()
	handovers := 0
	for _, name := range subs {
		accepted := map[int64]bool{}
		var firsts []int64
		seen := map[int64]bool{}
		for k, a := range attempts[name] {
			if a.ok {
				accepted[a.cursor] = true
			}
			if !seen[a.cursor] {
				seen[a.cursor] = true
				firsts = append(firsts, a.cursor)
			}
			if k > 0 && attempts[name][k-1].instance != a.instance {
				handovers++
			}
		}
		for c := int64(1); c <= last; c++ {
			if !accepted[c] {
				t.Errorf("subscriber %s: event %d was never accepted by a handler", name, c)
			}
		}
		if !slices.IsSorted(firsts) {
			t.Errorf("subscriber %s: first deliveries out of log order: %v", name, firsts)
		}
		log := cursorLog(t, pools[0], "dispatcher:"+name)
		for k, c := range log {
			if k > 0 && c <= log[k-1] {
				t.Errorf("subscriber %s: cursor written %d after %d: %v", name, c, log[k-1], log)
				break
			}
			if !accepted[c] {
				t.Errorf("subscriber %s: cursor %d acknowledged though no handler accepted it", name, c)
			}
		}
		if inFlight[name] != 0 {
			t.Errorf("subscriber %s: %d handlers still running after Run returned", name, inFlight[name])
		}
	}
	t.Logf("%d events, %d handler calls, %d changes of instance", last, total.Load(), handovers)
	if handovers == 0 {
		t.Error("no lease ever changed hands: the test proves little")
	}
}

// lastEvent returns the largest cursor in st's log.
func lastEvent(st store.Store) (int64, error) {
	var last int64
	for {
		evs, err := st.Events(context.Background(), last, 100)
		if err != nil || len(evs) == 0 {
			return last, err
		}
		last = evs[len(evs)-1].Cursor
	}
}
