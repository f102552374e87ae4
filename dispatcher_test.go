package openslot_test

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
)

// bookN books n half-hour appointments on dr-a from 09:00 Monday.
func (f *fixture) bookN(n int) []string {
	var ids []string
	for i := range n {
		start := at(0, 9, 0).Add(time.Duration(i) * 30 * time.Minute)
		ids = append(ids, f.book(openslot.BookRequest{Appointment: appt("p", start, start.Add(30*time.Minute)), Schedules: []string{"dr-a"}}).ID)
	}
	return ids
}

func TestDispatcherDeliversInOrderAndResumes(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	ids := f.bookN(3)
	if _, err := f.s.Cancel(f.ctx, ids[0], nil); err != nil {
		t.Fatal(err)
	}
	var got []int64
	var gotIDs []string
	handler := func(_ context.Context, e store.EventRecord) error {
		got = append(got, e.Cursor)
		gotIDs = append(gotIDs, e.AppointmentID)
		return nil
	}
	d := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, BatchSize: 2, Holder: "host-1"})
	if err := d.Subscribe("mail", handler); err != nil {
		t.Fatal(err)
	}
	if err := d.Subscribe("mail", handler); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("duplicate subscriber: %v, want ErrInvalid", err)
	}
	n, err := d.RunOnce(f.ctx)
	if err != nil || n != 4 {
		t.Fatalf("RunOnce = %d, %v; want 4 deliveries", n, err)
	}
	if !slices.Equal(got, []int64{1, 2, 3, 4}) || !slices.Equal(gotIDs, append(slices.Clone(ids), ids[0])) {
		t.Fatalf("delivered cursors %v for %v, want 1..4 in log order", got, gotIDs)
	}
	// A new dispatcher of the same host (a restart) resumes from the stored
	// cursor.
	got = nil
	d2 := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "host-1"})
	d2.Subscribe("mail", handler)
	if n, err := d2.RunOnce(f.ctx); err != nil || n != 0 || len(got) != 0 {
		t.Fatalf("after a restart RunOnce delivered %d (%v), want 0", n, got)
	}
	if _, err := f.s.CheckIn(f.ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if n, err := d2.RunOnce(f.ctx); err != nil || n != 1 || !slices.Equal(got, []int64{5}) {
		t.Fatalf("new event: delivered %v (%v)", got, err)
	}
	var cur int64
	f.st.View(f.ctx, func(tx store.ReadTx) error { cur, err = tx.Cursor(f.ctx, "dispatcher:mail"); return err })
	if cur != 5 {
		t.Errorf("stored cursor = %d, want 5", cur)
	}
}

func TestDispatcherRetriesAFailedEvent(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.bookN(3)
	fail := true
	var seen []int64
	d := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now})
	d.Subscribe("crm", func(_ context.Context, e store.EventRecord) error {
		seen = append(seen, e.Cursor)
		if e.Cursor == 2 && fail {
			return errors.New("crm down")
		}
		return nil
	})
	var others []int64
	d.Subscribe("audit", func(_ context.Context, e store.EventRecord) error { others = append(others, e.Cursor); return nil })
	n, err := d.RunOnce(f.ctx)
	if err == nil || n != 4 {
		t.Fatalf("RunOnce with a failing subscriber = %d, %v; want 1 + 3 deliveries and an error", n, err)
	}
	if !slices.Equal(others, []int64{1, 2, 3}) {
		t.Errorf("the healthy subscriber got %v, want all three", others)
	}
	fail = false
	if _, err := d.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int64{1, 2, 2, 3}) {
		t.Errorf("the failing subscriber saw %v, want 1, 2, then 2 again and 3", seen)
	}
}

func TestDispatcherLeaseServesOneInstance(t *testing.T) {
	f := newFixture(t, nil)
	if !f.st.Capabilities().Leases {
		t.Skip("the store does not declare Leases")
	}
	f.schedule("dr-a", "Practitioner/a", nil)
	f.bookN(2)
	var a, b int
	da := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "a", LeaseTTL: time.Minute})
	db := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "b", LeaseTTL: time.Minute})
	da.Subscribe("mail", func(context.Context, store.EventRecord) error { a++; return nil })
	db.Subscribe("mail", func(context.Context, store.EventRecord) error { b++; return nil })
	if _, err := da.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.book(openslot.BookRequest{Appointment: appt("p", at(0, 15, 0), at(0, 15, 30)), Schedules: []string{"dr-a"}})
	if _, err := db.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	if a != 2 || b != 0 {
		t.Fatalf("while a holds the lease: a delivered %d, b %d; want 2 and 0", a, b)
	}
	f.clk.Set(f.clk.Now().Add(2 * time.Minute)) // a stopped: its lease lapses
	if _, err := db.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	if b != 1 {
		t.Fatalf("after a's lease lapsed b delivered %d, want 1 (only the new event)", b)
	}
}

func TestRunLoopsStopWithContext(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(f.ctx)
	d := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{PollInterval: time.Millisecond})
	done := make(chan error, 2)
	go func() { done <- d.Run(ctx) }()
	go func() { done <- f.s.RunSweeper(ctx, time.Millisecond) }()
	time.Sleep(5 * time.Millisecond)
	cancel()
	for range 2 {
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run loop ended with %v, want context.Canceled", err)
		}
	}
	if err := f.s.RunSweeper(f.ctx, 0); !errors.Is(err, scheduling.ErrInvalid) {
		t.Errorf("RunSweeper(0) = %v, want ErrInvalid", err)
	}
}

// leaseWatch wraps a store and reports, on renewed, the clock time of every
// committed TryLease that holder won.
type leaseWatch struct {
	store.Store
	holder  string
	renewed chan time.Time
}

func (w *leaseWatch) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	var won []time.Time
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		won = won[:0]
		return fn(leaseWatchTx{tx, w.holder, &won})
	})
	if err == nil {
		for _, now := range won {
			select {
			case w.renewed <- now:
			default: // the test drains stale reports; later renewals follow
			}
		}
	}
	return err
}

type leaseWatchTx struct {
	store.Tx
	holder string
	won    *[]time.Time
}

func (tx leaseWatchTx) TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	held, err := tx.Tx.TryLease(ctx, name, holder, now, ttl)
	if err == nil && held && holder == tx.holder {
		*tx.won = append(*tx.won, now)
	}
	return held, err
}

// A handler slower than the lease keeps its lease: the dispatcher renews it
// while the handler runs, so a second instance never delivers alongside.
// Leases expire on the fixture's virtual clock, so a stalled test process
// cannot let a's lease lapse; renewal itself is still timed in real time.
func TestDispatcherRenewsLeaseDuringSlowHandler(t *testing.T) {
	f := newFixture(t, nil)
	if !f.st.Capabilities().Leases {
		t.Skip("the store does not declare Leases")
	}
	f.schedule("dr-a", "Practitioner/a", nil)
	f.bookN(1)
	const ttl = 60 * time.Millisecond // renewed every ttl/3 of real time
	st := &leaseWatch{Store: f.st, holder: "a", renewed: make(chan time.Time, 64)}
	inHandler := make(chan struct{})
	release := make(chan struct{})
	da := openslot.NewDispatcher(st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "a", LeaseTTL: ttl})
	da.Subscribe("mail", func(context.Context, store.EventRecord) error {
		close(inHandler)
		<-release
		return nil
	})
	var b int
	db := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "b", LeaseTTL: ttl})
	db.Subscribe("mail", func(context.Context, store.EventRecord) error { b++; return nil })

	done := make(chan error, 1)
	go func() { _, err := da.RunOnce(f.ctx); done <- err }()
	// finish ends a's handler and returns RunOnce's error; deferred too so
	// that a failing round does not leave a's handler blocked.
	finish := sync.OnceValue(func() error { close(release); return <-done })
	defer finish()
	<-inHandler
	for round := range 5 { // 2.5 lease lifetimes while a's handler runs
		now := f.clk.Now().Add(ttl / 2)
		f.clk.Set(now)
		if err := awaitRenewal(st.renewed, now, 10*time.Second); err != nil {
			t.Fatalf("round %d: %v", round+1, err)
		}
		if _, err := db.RunOnce(f.ctx); err != nil {
			t.Fatal(err)
		}
		if b != 0 {
			t.Fatalf("round %d: b delivered %d events while a's slow handler held the lease, want 0", round+1, b)
		}
	}
	if err := finish(); err != nil {
		t.Fatal(err)
	}
}

// awaitRenewal waits up to timeout for a lease renewal made at clock time
// now, skipping reports of earlier renewals.
func awaitRenewal(renewed <-chan time.Time, now time.Time, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case at := <-renewed:
			if at.Equal(now) {
				return nil
			}
		case <-deadline:
			return fmt.Errorf("no lease renewal by a at clock %s within %s: the dispatcher does not renew its lease while a handler runs", now.Format(time.RFC3339Nano), timeout)
		}
	}
}

// An event whose handler succeeded is acknowledged even when the caller's
// context ends at that moment (a graceful shutdown), so it is not delivered
// again after a restart.
func TestDispatcherAcknowledgesAfterShutdown(t *testing.T) {
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.bookN(2)
	ctx, cancel := context.WithCancel(f.ctx)
	var seen []int64
	d := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Holder: "a"})
	d.Subscribe("mail", func(_ context.Context, e store.EventRecord) error {
		seen = append(seen, e.Cursor)
		cancel() // shutdown begins while the first delivery completes
		return nil
	})
	if _, err := d.RunOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunOnce after shutdown = %v, want context.Canceled", err)
	}
	var cur int64
	if err := f.st.View(f.ctx, func(tx store.ReadTx) error {
		var err error
		cur, err = tx.Cursor(f.ctx, "dispatcher:mail")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int64{1}) || cur != 1 {
		t.Fatalf("delivered %v, stored cursor %d; want [1] acknowledged as 1", seen, cur)
	}
}
