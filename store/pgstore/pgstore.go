package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Options configures a Store. A nil *Options, or the zero value, is ready
// to use.
type Options struct {
	// Now is the clock that stamps LastUpdated and EventRecord.Recorded. Nil
	// means time.Now. Every write of one transaction gets the same instant,
	// read when the transaction starts.
	Now func() time.Time
}

// Store is a store.Store on PostgreSQL. It is safe for concurrent use, and
// any number of Stores, in any number of processes, may share one schema.
// Create it with New after Migrate.
type Store struct {
	pool     *pgxpool.Pool
	ownsPool bool // made by Open: Close closes it
	now      func() time.Time
	closed   atomic.Bool
	decoded  decodeCache
}

var _ store.Store = (*Store)(nil)

// New returns a Store that runs its transactions on pool. The schema the
// pool's connections use must have been brought up to date with Migrate.
// The Store does not own the pool: Close leaves it open. opts may be nil.
func New(pool *pgxpool.Pool, opts *Options) *Store {
	s := &Store{pool: pool, now: time.Now}
	if opts != nil && opts.Now != nil {
		s.now = opts.Now
	}
	return s
}

// Open connects to the database at url (a PostgreSQL connection string or
// URL, as pgxpool.ParseConfig takes it) with a pool of its own, migrates
// its schema (see Migrate) and returns a Store that owns the pool: Close
// closes it. It is the short way for a program with one database; one that
// tunes its pool or shares it uses pgxpool, Migrate and New.
func Open(ctx context.Context, url string, opts *Options) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := New(pool, opts)
	s.ownsPool = true
	return s, nil
}

// Capabilities reports that the database itself refuses overlapping
// exclusive busy entries (an exclusion constraint) and that TryLease works.
func (s *Store) Capabilities() store.Capabilities {
	return store.Capabilities{RefusesOverlap: true, Leases: true}
}

// Close marks the store closed: later calls fail with store.ErrClosed. It
// closes the pool only when Open made it; a pool passed to New belongs to
// the caller.
func (s *Store) Close() error {
	if !s.closed.Swap(true) && s.ownsPool {
		s.pool.Close()
	}
	return nil
}

func (s *Store) usable(ctx context.Context, what string) error {
	if s.closed.Load() {
		return fmt.Errorf("pgstore: %s: %w", what, store.ErrClosed)
	}
	return ctx.Err()
}

// Update runs fn in a READ COMMITTED transaction. Every statement reads
// what is committed when it starts, so busy time read after LockSchedules
// includes everything the previous holder of the lock wrote; writes of
// records are compare-and-set on their version. Writes wait for the next
// statement of fn that needs an answer, and what is left of them goes out
// with the events and the COMMIT, in one round trip. When fn fails, the
// context ends, any statement failed (PostgreSQL aborts the transaction
// then), a deferred write was refused or the commit fails, the transaction
// is rolled back and Update returns the error: conflicts a retry can cure
// (a taken id or idempotency key, a stale version, a refused busy entry,
// serialisation failures, deadlocks) wrap store.ErrConflict; a Put or
// Delete of a missing record wraps store.ErrNotFound.
//
// Once the final round trip is sent, the caller's context no longer
// counts: the commit runs to its end (bounded by 30 seconds). When the
// connection fails during it, or the bound runs out, the client cannot
// know whether the COMMIT ran: Update then returns an error that wraps
// store.ErrCommitUnknown, and neither store.ErrConflict nor a context
// error. A caller that retries such a transaction must make it
// idempotent (the Scheduler's idempotency keys do).
//
// The Tx belongs to one goroutine: fn must not use it from several at
// once. Each running Update, View and Events holds one connection of the
// pool, so a View or Events called inside fn needs a second one.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	if err := s.usable(ctx, "update"); err != nil {
		return err
	}
	t, err := s.begin(ctx, "pgstore: begin update", "BEGIN ISOLATION LEVEL READ COMMITTED")
	if err != nil {
		return err
	}
	defer t.end(ctx)
	if err := fn(t); err != nil {
		return err
	}
	if t.failed != nil {
		return fmt.Errorf("pgstore: transaction not committed: %w", t.failed)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// From here the outcome must be definite: a context that ended while
	// COMMIT was in flight would leave the caller with an error for a
	// transaction that may have committed. The commit runs to its end on a
	// context of its own, bounded by commitTimeout.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	last := append(t.eventsInsert(), pendingStmt{what: "commit", sql: "COMMIT"})
	if err := t.finish(cctx, last...); err != nil {
		return commitError(err)
	}
	return nil
}

// commitTimeout bounds the final round trip of Update (pending writes,
// events and COMMIT), which does not follow the caller's context. A round
// trip that runs out of it has an unknown outcome (see commitError).
var commitTimeout = 30 * time.Second

// View runs fn in a REPEATABLE READ, READ ONLY transaction: every read of
// fn sees the same snapshot, taken at its first statement.
func (s *Store) View(ctx context.Context, fn func(tx store.ReadTx) error) error {
	if err := s.usable(ctx, "view"); err != nil {
		return err
	}
	t, err := s.begin(ctx, "pgstore: begin view", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	if err != nil {
		return err
	}
	defer t.end(ctx)
	if err := fn(t); err != nil {
		return err
	}
	if t.failed != nil {
		return fmt.Errorf("pgstore: view failed: %w", t.failed)
	}
	return nil
}

// begin takes a connection for a transaction whose BEGIN goes out with its
// first statement.
func (s *Store) begin(ctx context.Context, what, begin string) (*txn, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, mapErr(ctx, what, err)
	}
	t := &txn{conn: conn, now: normTime(s.now()), decoded: &s.decoded}
	t.queue(what, begin)
	return t, nil
}

// end rolls back whatever the transaction left open (nothing after a
// commit) and gives the connection back. The rollback runs under ctx:
// when ctx has ended it is not sent at all, so that a caller who gave up
// is not kept waiting for a server that may not answer. A connection left
// inside a transaction (the rollback not sent, or failed) is closed by the
// pool instead of reused, which ends the transaction on the server.
func (t *txn) end(ctx context.Context) {
	t.done = true
	if t.sent && ctx.Err() == nil {
		_, _ = t.conn.Exec(ctx, "ROLLBACK")
	}
	t.conn.Release()
}

// Events returns up to limit committed events with a cursor above after,
// in cursor order. A limit of 0 means store.DefaultLimit; a limit above
// store.MaxLimit is capped; a negative one is refused.
//
// Cursors are not assigned by the writers (a sequence value taken before
// commit can become visible after a larger one). Each event is inserted
// without a cursor; Events first numbers, in one statement and under a
// transaction-scoped advisory lock that only Events takes, every committed
// event that has none, continuing from the largest cursor. An event's row is
// visible only once its transaction committed, and numbering runs one at a
// time, so a cursor is only ever handed out above every cursor already
// visible: a reader that saw c never later finds a new event at or below c.
// Cursors have no gaps. Every event committed before Events is called is
// numbered by the time it reads.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.EventRecord, error) {
	if err := s.usable(ctx, "events"); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, fmt.Errorf("pgstore: events after %d: limit %d is negative: %w", after, limit, store.ErrInvalidQuery)
	}
	limit = store.Query{Limit: limit}.PageLimit()
	var out []store.EventRecord
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('openslot.events:' || current_schema(), 0))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			WITH base AS (SELECT coalesce(max(cursor), 0) AS m FROM events),
			pending AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM events WHERE cursor IS NULL)
			UPDATE events e SET cursor = base.m + pending.n FROM base, pending WHERE e.seq = pending.seq`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT cursor, recorded, body FROM events WHERE cursor > $1 ORDER BY cursor LIMIT $2`, after, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.EventRecord, error) {
			var rec store.EventRecord
			var body []byte
			if err := row.Scan(&rec.Cursor, &rec.Recorded, &body); err != nil {
				return rec, err
			}
			if err := json.Unmarshal(body, &rec.Event); err != nil {
				return rec, fmt.Errorf("decode event %d: %w", rec.Cursor, err)
			}
			finishRead(&rec.Event)
			rec.Recorded = rec.Recorded.UTC()
			return rec, nil
		})
		return err
	})
	if err != nil {
		return nil, mapErr(ctx, fmt.Sprintf("pgstore: events after %d", after), err)
	}
	return out, nil
}

// eventRow is an event waiting in a transaction for its commit.
type eventRow struct {
	typ, appointmentID string
	body               []byte
}

// encodeEvent copies e with its instants normalised and encodes it.
func encodeEvent(e scheduling.Event) (eventRow, error) {
	e.Appointment = e.Appointment.Clone()
	prepareWrite(&e)
	body, err := encode(e)
	if err != nil {
		return eventRow{}, fmt.Errorf("event %s of appointment %s: %w: %w", e.Type, e.AppointmentID, scheduling.ErrInvalid, err)
	}
	// The columns are copies for people reading the table (the body is
	// what is read back): text cannot hold a NUL (see pgText).
	return eventRow{typ: pgText(string(e.Type)), appointmentID: pgText(e.AppointmentID), body: body}, nil
}
