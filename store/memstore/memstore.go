package memstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Options configures a Store. The zero value (or a nil *Options) is ready
// to use.
type Options struct {
	// Now is the clock that stamps LastUpdated and EventRecord.Recorded.
	// Nil means time.Now.
	Now func() time.Time
}

// Store is an in-memory store.Store. It is safe for concurrent use; the
// zero value is not usable, call New.
type Store struct {
	now func() time.Time

	// wlock is the single writer lock: an Update holds it from before fn
	// runs until its commit is applied. It is a channel so that waiting for
	// it honours the context.
	wlock chan struct{}
	// mu guards st between readers (View) and the short moment in
	// which a committing writer applies its changes. A writer reads st
	// without mu: only writers change st, and they hold wlock.
	mu sync.RWMutex
	st state
	// evmu guards st.events between Events and the commit that appends to
	// it (which holds mu as well). Events takes only evmu, so that a View's
	// function may call it: a second read lock of mu would wait for a
	// committer waiting for the View.
	evmu sync.RWMutex

	closed atomic.Bool
}

// state is everything committed.
type state struct {
	tables     map[string]*table // by resource type
	busy       map[string]*scheduleBusy
	busyByID   map[string]store.Busy
	busyByAppt map[string][]string // appointment id -> busy ids (a few each)
	events     eventLog
	idem       map[string]string
	cursors    map[string]int64
	leases     map[string]lease
}

type lease struct {
	holder string
	until  time.Time
}

// New returns an empty Store. opts may be nil.
func New(opts *Options) *Store {
	s := &Store{now: time.Now, wlock: make(chan struct{}, 1)}
	if opts != nil && opts.Now != nil {
		s.now = opts.Now
	}
	s.st = state{
		tables:     make(map[string]*table),
		busy:       make(map[string]*scheduleBusy),
		busyByID:   make(map[string]store.Busy),
		busyByAppt: make(map[string][]string),
		idem:       make(map[string]string),
		cursors:    make(map[string]int64),
		leases:     make(map[string]lease),
	}
	for _, typ := range scheduling.ResourceTypes() {
		s.st.tables[typ] = newTable()
	}
	return s
}

var _ store.Store = (*Store)(nil)

// Update runs fn in a read-write transaction. Transactions run one at a
// time: Update waits (honouring ctx) for the writer lock, runs fn against a
// private overlay on the committed state, and applies the overlay in one
// step when fn returns nil and ctx is still live. A failed or abandoned
// transaction leaves nothing behind.
//
// fn must not call Update of the same store: it would wait for the lock
// this transaction holds. (A View inside fn works, and sees only what is
// committed.)
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	select {
	case s.wlock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wlock }()
	if s.closed.Load() {
		return fmt.Errorf("memstore update: %w", store.ErrClosed)
	}
	w := &writer{reader: reader{s: s, ov: &overlay{now: normTime(s.now())}}}
	defer func() { w.done = true }()
	if err := fn(w); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.done = true
	s.mu.Lock()
	s.evmu.Lock()
	s.st.apply(w.ov)
	s.evmu.Unlock()
	s.mu.Unlock()
	return nil
}

// View runs fn in a read-only transaction over the committed state, which
// no commit changes until fn returns. Views run in parallel with each other
// and with the body of an Update; a committing Update waits for running
// views, so keep fn short. fn must not call Update or View of the same
// store: a commit waiting between the two would deadlock them.
func (s *Store) View(ctx context.Context, fn func(tx store.ReadTx) error) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := &reader{s: s}
	defer func() { r.done = true }()
	return fn(r)
}

// Events returns up to limit committed events after cursor after. Cursors
// are assigned when a transaction commits, so they have no gaps and a
// reader never sees one before a smaller one. A limit of 0 means
// store.DefaultLimit; a limit above store.MaxLimit is capped.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.EventRecord, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	s.evmu.RLock()
	defer s.evmu.RUnlock()
	n := s.st.events.len()
	start := min(max(after, 0), n)
	end := min(start+int64(limit), n)
	out := make([]store.EventRecord, 0, end-start)
	for i := start; i < end; i++ {
		e := *s.st.events.at(i)
		e.Appointment = e.Appointment.Clone()
		out = append(out, e)
	}
	return out, nil
}

// Capabilities reports that the store takes leases and refuses
// overlapping exclusive busy entries.
func (s *Store) Capabilities() store.Capabilities {
	return store.Capabilities{RefusesOverlap: true, Leases: true}
}

// Close marks the store closed: later calls fail with store.ErrClosed.
// Transactions already running finish normally.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

func (s *Store) usable(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("memstore: %w", store.ErrClosed)
	}
	return ctx.Err()
}

// pageLimit reads a limit the way store.Query.PageLimit does, refusing a
// negative one.
func pageLimit(limit int) (int, error) {
	if limit < 0 {
		return 0, fmt.Errorf("limit %d is negative: %w", limit, store.ErrInvalidQuery)
	}
	return store.Query{Limit: limit}.PageLimit(), nil
}

// apply commits an overlay. The caller holds wlock, mu and evmu.
func (st *state) apply(ov *overlay) {
	for _, w := range ov.writes {
		st.tables[w.typ].set(w.id, w.rec)
	}
	for id := range ov.busyDel {
		st.removeBusy(id)
	}
	for _, b := range ov.busyAdd {
		st.addBusy(b)
	}
	for _, e := range ov.events {
		st.events.append(store.EventRecord{
			Cursor:   st.events.len() + 1,
			Recorded: ov.now,
			Event:    e,
		})
	}
	for k, v := range ov.idem {
		st.idem[k] = v
	}
	for k, v := range ov.cursors {
		st.cursors[k] = v
	}
	for k, v := range ov.leases {
		st.leases[k] = v
	}
}

// eventLog is the committed events in cursor order: event i (from 0) has
// cursor i+1. It is kept in fixed-size chunks, so that appending never
// copies the events already recorded (a record holds a whole Appointment).
type eventLog struct {
	chunks [][]store.EventRecord
	n      int64
}

// eventChunk is how many events one chunk of the log holds.
const eventChunk = 512

func (l *eventLog) len() int64 { return l.n }

// at returns event i (from 0); 0 <= i < l.len().
func (l *eventLog) at(i int64) *store.EventRecord { return &l.chunks[i/eventChunk][i%eventChunk] }

func (l *eventLog) append(e store.EventRecord) {
	if l.n%eventChunk == 0 {
		l.chunks = append(l.chunks, make([]store.EventRecord, 0, eventChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, e)
	l.n++
}
