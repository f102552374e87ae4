package openslot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// appendEvents records n events (appointments ev-1..ev-n) in st's log.
func appendEvents(t *testing.T, st store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		e := scheduling.Event{Type: scheduling.EventUpdated, AppointmentID: fmt.Sprint("ev-", i+1)}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// A subscriber whose receiver is down (its handler runs for a long time)
// holds back only itself: notify's package doc promises that the others go
// on. Run must not make every subscriber of the Dispatcher wait for the
// slow one.
func TestDispatchSlowSubscriberHoldsBackOnlyItself(t *testing.T) {
	st := memstore.New(nil)
	defer st.Close()
	appendEvents(t, st, 3)
	d := openslot.NewDispatcher(st, &openslot.DispatcherOptions{PollInterval: time.Millisecond, Holder: "a"})
	release := make(chan struct{})
	var slowIn, slowBusy atomic.Bool
	if err := d.Subscribe("slow", func(ctx context.Context, _ store.EventRecord) error {
		slowBusy.Store(true)
		defer slowBusy.Store(false)
		slowIn.Store(true)
		select { // a receiver that is down: retried for a long time
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var fast []int64
	if err := d.Subscribe("fast", func(_ context.Context, e store.EventRecord) error {
		mu.Lock()
		fast = append(fast, e.Cursor)
		mu.Unlock()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		close(release)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if slowBusy.Load() {
			t.Error("Run returned while a handler still ran")
		}
	})
	defer stop()
	if !waitUntil(10*time.Second, slowIn.Load) {
		t.Fatal("the slow subscriber never got its first event")
	}
	// Events recorded while the slow handler is stuck reach the other
	// subscriber too.
	appendEvents(t, st, 2)
	got := func() []int64 { mu.Lock(); defer mu.Unlock(); return slices.Clone(fast) }
	if !waitUntil(10*time.Second, func() bool { return len(got()) >= 5 }) {
		t.Fatalf("while one subscriber's handler was stuck the other got %v, want cursors 1..5", got())
	}
	stop()
	if !slices.Equal(got(), []int64{1, 2, 3, 4, 5}) {
		t.Errorf("the fast subscriber got %v, want 1..5 in order", got())
	}
}

// Two rounds of one Dispatcher at once (Run, and a RunOnce called to flush,
// or RunOnce from two goroutines) have the same holder, so the lease does
// not keep them apart: a subscriber must still get one event at a time, in
// order, never the same event from both rounds at once.
func TestDispatchConcurrentRoundsServeASubscriberOnce(t *testing.T) {
	st := memstore.New(nil)
	defer st.Close()
	appendEvents(t, st, 3)
	d := openslot.NewDispatcher(st, &openslot.DispatcherOptions{Holder: "a"})
	entered := make(chan struct{})
	release := make(chan struct{})
	var inFlight, overlaps atomic.Int32
	var mu sync.Mutex
	var seen []int64
	var first sync.Once
	if err := d.Subscribe("mail", func(_ context.Context, e store.EventRecord) error {
		if inFlight.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer inFlight.Add(-1)
		mu.Lock()
		seen = append(seen, e.Cursor)
		mu.Unlock()
		block := false
		first.Do(func() { block = true })
		if block { // the first round's first delivery waits for the second round
			close(entered)
			<-release
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	firstDone := make(chan error, 1)
	go func() { _, err := d.RunOnce(ctx); firstDone <- err }()
	<-entered
	_, err := d.RunOnce(ctx) // the second round, while the first is in a handler
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("the handler ran %d times while another delivery to the same subscriber ran", n)
	}
	if !slices.Equal(seen, []int64{1, 2, 3}) {
		t.Errorf("the subscriber saw %v, want 1, 2, 3 once each, in order", seen)
	}
}

// A handler that finishes its event after a graceful shutdown began (its
// context ended) still holds the lease: the dispatcher renews it until the
// handler returns, so no other instance delivers alongside, and the event
// is acknowledged as TestDispatcherAcknowledgesAfterShutdown expects,
// however long the handler takes to finish.
func TestDispatchRenewsLeaseWhileHandlerFinishesAfterShutdown(t *testing.T) {
	f := newFixture(t, nil)
	appendEvents(t, f.st, 2)
	const ttl = 60 * time.Millisecond // renewed every ttl/3 of real time
	st := &leaseWatch{Store: f.st, holder: "a", renewed: make(chan time.Time, 64)}
	ctx, shutdown := context.WithCancel(f.ctx)
	defer shutdown()
	inHandler := make(chan struct{})
	release := make(chan struct{})
	var seenA []int64
	da := openslot.NewDispatcher(st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "a", LeaseTTL: ttl})
	da.Subscribe("mail", func(_ context.Context, e store.EventRecord) error {
		seenA = append(seenA, e.Cursor)
		shutdown()
		close(inHandler)
		<-release // it finishes what it started, e.g. a write it must not cut short
		return nil
	})
	var b int
	db := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "b", LeaseTTL: ttl})
	db.Subscribe("mail", func(context.Context, store.EventRecord) error { b++; return nil })

	done := make(chan error, 1)
	go func() { _, err := da.RunOnce(ctx); done <- err }()
	finish := sync.OnceValue(func() error { close(release); return <-done })
	defer finish()
	<-inHandler
	for round := range 4 { // two lease lifetimes after the shutdown began
		now := f.clk.Now().Add(ttl / 2)
		f.clk.Set(now)
		if err := awaitRenewal(st.renewed, now, 10*time.Second); err != nil {
			t.Fatalf("round %d after shutdown began: %v", round+1, err)
		}
		if _, err := db.RunOnce(f.ctx); err != nil {
			t.Fatal(err)
		}
		if b != 0 {
			t.Fatalf("round %d: b delivered %d events while a's handler was finishing", round+1, b)
		}
	}
	if err := finish(); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunOnce = %v, want context.Canceled", err)
	}
	var cur int64
	if err := f.st.View(f.ctx, func(tx store.ReadTx) error {
		var err error
		cur, err = tx.Cursor(f.ctx, "dispatcher:mail")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seenA, []int64{1}) || cur != 1 {
		t.Errorf("a delivered %v, stored cursor %d; want [1] acknowledged as 1", seenA, cur)
	}
}

// A handler that panics, in a RunOnce whose caller recovers, leaves the
// subscriber free for the next round: nothing stays locked or renewing.
func TestDispatchRecoveredPanicFreesSubscriber(t *testing.T) {
	f := newFixture(t, nil)
	appendEvents(t, f.st, 2)
	d := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "a"})
	panicked := false
	var seen []int64
	d.Subscribe("mail", func(_ context.Context, e store.EventRecord) error {
		if !panicked {
			panicked = true
			panic("handler bug")
		}
		seen = append(seen, e.Cursor)
		return nil
	})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the handler's panic did not reach RunOnce's caller")
			}
		}()
		d.RunOnce(f.ctx)
	}()
	if n, err := d.RunOnce(f.ctx); err != nil || n != 2 || !slices.Equal(seen, []int64{1, 2}) {
		t.Fatalf("RunOnce after a recovered panic = %d, %v, delivered %v; want 1, 2", n, err, seen)
	}
}

// A handler that panics under Run makes Run panic with the same value in
// its caller's goroutine, where a recover around Run catches it, as when
// Run called the handlers itself.
func TestDispatchRunPanicsWithTheHandlersPanic(t *testing.T) {
	f := newFixture(t, nil)
	appendEvents(t, f.st, 1)
	d := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "a",
		PollInterval: time.Millisecond})
	if err := d.Subscribe("mail", func(context.Context, store.EventRecord) error { panic("handler bug") }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	got := func() (p any) {
		defer func() { p = recover() }()
		_ = d.Run(ctx)
		return nil
	}()
	if got != "handler bug" {
		t.Fatalf("Run panicked with %v, want the handler's panic", got)
	}
	if ctx.Err() != nil {
		t.Fatal("Run returned only when its context ended")
	}
}
