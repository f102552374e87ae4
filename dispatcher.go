package openslot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Handler receives one event. Returning an error stops delivery to its
// subscriber at that event; the dispatcher offers the same event again on
// its next round. Delivery is at least once: a handler must tolerate seeing
// an event twice (after a crash, or when a lease changes hands), for
// example by remembering EventRecord.Cursor.
type Handler func(ctx context.Context, e store.EventRecord) error

// DispatcherOptions configures a Dispatcher. The zero value (and a nil
// *DispatcherOptions) gives the defaults.
type DispatcherOptions struct {
	// PollInterval is how long Run waits between rounds; zero means 1s.
	PollInterval time.Duration
	// BatchSize is how many events a round reads at a time; zero means 100.
	BatchSize int
	// LeaseTTL is how long a subscriber's lease lasts when the store has
	// Leases; zero means 30s. A lease is renewed with every acknowledged
	// event and every LeaseTTL/3 while a handler runs, so it only lapses
	// when its holder stops. A handler whose lease is lost anyway (its
	// process stalled) sees its context cancelled.
	LeaseTTL time.Duration
	// Holder names this dispatcher in leases; empty means a random id. Give
	// each process its own.
	Holder string
	// Now is the clock for leases; nil means time.Now.
	Now func() time.Time
	// Logger receives delivery failures (subscriber, cursor, event type and
	// error kind only); nil discards.
	Logger *slog.Logger
}

// Dispatcher delivers the event log to subscribers: at least once, in log
// order (hence in order per appointment), resuming after a restart from
// each subscriber's cursor, which is stored in the store
// (Tx.SetCursor, consumer "dispatcher:"+name). When the store has Leases,
// a subscriber is served by one dispatcher at a time (lease
// "dispatcher:"+name), so every instance of an application may run one.
type Dispatcher struct {
	st   store.Store
	opts DispatcherOptions
	log  *slog.Logger

	mu   sync.Mutex
	subs []subscription
}

type subscription struct {
	name string
	fn   Handler
	// busy is held while a round (of Run or RunOnce) delivers to the
	// subscriber: rounds of one Dispatcher share its lease holder, so the
	// lease cannot keep them apart.
	busy *sync.Mutex
}

// NewDispatcher returns a Dispatcher over st's event log. opts may be nil.
func NewDispatcher(st store.Store, opts *DispatcherOptions) *Dispatcher {
	var o DispatcherOptions
	if opts != nil {
		o = *opts
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.Holder == "" {
		o.Holder = RandomID()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{st: st, opts: o, log: o.Logger}
}

// Subscribe adds a subscriber. The name identifies its cursor in the store:
// keep it stable across restarts. A new name starts at the beginning of the
// log. Subscribe fails on an empty or duplicate name.
func (d *Dispatcher) Subscribe(name string, fn Handler) error {
	if name == "" || fn == nil {
		return fmt.Errorf("%w: subscribe: a name and a handler are required", scheduling.ErrInvalid)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.subs {
		if s.name == name {
			return fmt.Errorf("%w: subscribe: %q is already subscribed", scheduling.ErrInvalid, name)
		}
	}
	d.subs = append(d.subs, subscription{name, fn, new(sync.Mutex)})
	return nil
}

// errLeaseLost stops delivery when another dispatcher took the lease.
var errLeaseLost = errors.New("lease lost")

// ackTimeout bounds recording a delivered event's cursor after the caller's
// context has ended.
const ackTimeout = 10 * time.Second

// RunOnce delivers every event recorded so far to every subscriber and
// returns how many deliveries succeeded. A subscriber whose handler fails
// stops at that event; the others go on. A subscriber that another round of
// this Dispatcher is serving (Run's, or another RunOnce's) is skipped, as
// one whose lease another dispatcher holds: a subscriber gets one event at
// a time. The errors of all subscribers are joined.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	total := 0
	var errs []error
	for _, s := range d.subscriptions() {
		n, err := d.deliverAlone(ctx, s)
		total += n
		if err != nil {
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("subscriber %s: %w", s.name, err))
		}
	}
	return total, errors.Join(errs...)
}

// Run delivers to every subscriber, as RunOnce does, every PollInterval
// until ctx ends, then waits for the deliveries under way and returns ctx's
// error. Each subscriber has rounds of its own, so one whose handler is
// slow or failing holds back only itself; handlers of different subscribers
// may run at the same time. Handler failures are logged and retried on the
// subscriber's next round. A handler that panics makes Run panic with the
// same value, as when Run called handlers itself; the other deliveries
// under way go on until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.opts.PollInterval)
	defer t.Stop()
	var wg sync.WaitGroup
	panicked := make(chan any, 1)
	for {
		for _, s := range d.subscriptions() {
			if !s.busy.TryLock() {
				continue // its last round is still running
			}
			wg.Go(func() {
				defer s.busy.Unlock()
				defer func() {
					if p := recover(); p != nil {
						select {
						case panicked <- p:
						default: // Run is panicking with another already
						}
					}
				}()
				if _, err := d.deliver(ctx, s); err != nil && ctx.Err() == nil {
					d.log.LogAttrs(ctx, slog.LevelWarn, "openslot: event delivery failed",
						slog.String("subscriber", s.name), slog.String("error", ErrorKind(err)))
				}
			})
		}
		select {
		case p := <-panicked:
			panic(p)
		case <-ctx.Done():
			wg.Wait()
			select {
			case p := <-panicked:
				panic(p)
			default:
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (d *Dispatcher) subscriptions() []subscription {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.subs)
}

// deliverAlone delivers to s unless another round of d is doing so.
func (d *Dispatcher) deliverAlone(ctx context.Context, s subscription) (int, error) {
	if !s.busy.TryLock() {
		return 0, nil
	}
	defer s.busy.Unlock()
	return d.deliver(ctx, s)
}

func (d *Dispatcher) deliver(ctx context.Context, s subscription) (int, error) {
	consumer := "dispatcher:" + s.name
	leases := d.st.Capabilities().Leases
	if leases {
		var held bool
		err := retryUpdate(ctx, d.st, DefaultMaxRetries, d.log, "lease", func(tx store.Tx) error {
			var err error
			held, err = tx.TryLease(ctx, consumer, d.opts.Holder, d.opts.Now(), d.opts.LeaseTTL)
			return err
		})
		if err != nil || !held {
			return 0, err // another dispatcher serves this subscriber
		}
	}
	var cursor int64
	if err := d.st.View(ctx, func(tx store.ReadTx) error {
		var err error
		cursor, err = tx.Cursor(ctx, consumer)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for {
		events, err := d.st.Events(ctx, cursor, d.opts.BatchSize)
		if err != nil || len(events) == 0 {
			return n, err
		}
		for _, e := range events {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			err := d.handle(ctx, s.fn, consumer, leases, e)
			if errors.Is(err, errLeaseLost) {
				return n, nil // another dispatcher took over; it redelivers e
			}
			if err != nil {
				d.log.LogAttrs(ctx, slog.LevelWarn, "openslot: subscriber failed", slog.String("subscriber", s.name),
					slog.Int64("cursor", e.Cursor), slog.String("event", string(e.Type)),
					slog.String("appointment", e.AppointmentID), slog.String("error", ErrorKind(err)))
				return n, fmt.Errorf("event %d: %w", e.Cursor, err)
			}
			// The handler succeeded: record that even if ctx ends now, or a
			// graceful shutdown would deliver e again after a restart.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
			err = retryUpdate(actx, d.st, DefaultMaxRetries, d.log, "ack", func(tx store.Tx) error {
				if leases {
					held, err := tx.TryLease(actx, consumer, d.opts.Holder, d.opts.Now(), d.opts.LeaseTTL)
					if err != nil {
						return err
					}
					if !held {
						return errLeaseLost
					}
				}
				cur, err := tx.Cursor(actx, consumer)
				if err != nil || cur >= e.Cursor {
					return err // never move a cursor back
				}
				return tx.SetCursor(actx, consumer, e.Cursor)
			})
			cancel()
			if errors.Is(err, errLeaseLost) {
				return n + 1, nil
			}
			if err != nil {
				return n, err
			}
			n++
			cursor = e.Cursor
		}
	}
}

// handle runs fn on e. With leases it renews the subscriber's lease every
// LeaseTTL/3 while fn runs, so a slow delivery never lets another
// dispatcher take the subscriber over mid-event; if the lease is lost all
// the same, fn's context is cancelled and handle returns errLeaseLost.
// Renewal goes on until fn returns even once ctx has ended: a handler that
// finishes its event during a graceful shutdown keeps the lease, and its
// event is acknowledged.
func (d *Dispatcher) handle(ctx context.Context, fn Handler, consumer string, leases bool, e store.EventRecord) error {
	if !leases {
		return fn(ctx, e)
	}
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rctx, stopRenewing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRenewing() // fn may panic
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(max(d.opts.LeaseTTL/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
			}
			var held bool
			err := retryUpdate(rctx, d.st, DefaultMaxRetries, d.log, "lease", func(tx store.Tx) error {
				var err error
				held, err = tx.TryLease(rctx, consumer, d.opts.Holder, d.opts.Now(), d.opts.LeaseTTL)
				return err
			})
			if err == nil && !held {
				cancel(errLeaseLost)
				return
			}
		}
	}()
	err := fn(hctx, e)
	stopRenewing()
	<-renewed
	if errors.Is(context.Cause(hctx), errLeaseLost) {
		return errLeaseLost
	}
	return err
}
