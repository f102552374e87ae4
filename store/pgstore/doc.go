// Package pgstore is openslot's PostgreSQL store: a store.Store on
// github.com/jackc/pgx/v5 that any number of processes can share.
//
// # Usage
//
// Open a *pgxpool.Pool, bring the schema up to date once at start-up, and
// make a Store:
//
//	pool, err := pgxpool.New(ctx, "postgres://app@db/clinic")
//	...
//	if err := pgstore.Migrate(ctx, pool); err != nil { ... }
//	s := pgstore.New(pool, nil)
//
// The store does not own the pool: Close marks the store closed and leaves
// the pool to its owner. Open does all three for a program with one
// database and default pool settings, and its Store owns the pool:
//
//	s, err := pgstore.Open(ctx, "postgres://app@db/clinic", nil)
//
// The tables live in the first schema of the pool's
// search_path (set cfg.ConnConfig.RuntimeParams["search_path"] to keep
// several installations in one database). It needs PostgreSQL 12 or later
// (tested on 15) with the btree_gist extension, which ships with PostgreSQL;
// Migrate creates it when the role may.
//
// # Migrations
//
// The schema is versioned by numbered SQL files embedded in the binary
// (migrations/0001_init.sql, ...). Migrate applies the ones the table
// schema_migrations does not list, in one transaction, under an advisory
// lock keyed by the schema name: several instances that start at once all
// call Migrate, one applies, the others wait and find nothing to do. A
// Migrate that has migrations to apply also takes a lock for the whole
// database, so that installations in several schemas of one database that
// migrate at once do not all try to create btree_gist (one per database).
// Migrate never runs on its own; call it where your deployment runs
// migrations.
//
// # Schema
//
// Tables (docs/postgres.md has every column):
//
//   - resources: one row per resource (type, id, version, last_updated),
//     the resource as JSON (body), and what it is searched by: terms, a
//     text[] of store.Indexed terms with a GIN index; at, its indexed
//     instant; hold_until for pending holds (ExpiredHolds).
//   - busy: busy entries with a tstzrange span and the exclusion constraint
//     EXCLUDE USING gist (schedule_id WITH =, span WITH &&) WHERE (exclusive).
//   - events: the outbox, numbered by readers (below).
//   - idempotency, consumers, leases, schema_migrations.
//
// # Transactions
//
// Update runs in READ COMMITTED: each statement sees everything committed
// before it started, so busy time read after LockSchedules includes what
// the previous holder of the lock wrote (a REPEATABLE READ snapshot taken
// before the lock wait would not). Records are protected by versioned
// compare-and-set: Put is UPDATE ... WHERE version = $n, and matching no row
// is store.ErrConflict (or store.ErrNotFound when there is no row). LockSchedules takes
// pg_advisory_xact_lock on a 64-bit hash of the schema and each schedule id,
// in ascending order, so two bookings never deadlock on it.
//
// View runs in REPEATABLE READ READ ONLY: one snapshot for all its reads.
//
// Round trips: a transaction sends nothing it need not wait for. BEGIN and
// the writes (Create, Put, Delete, AddBusy, RemoveBusy, SetIdempotent,
// SetCursor) wait and go out in one pgx.Batch with the next call that needs
// an answer (a read, LockSchedules, TryLease, RemoveBusyEntry), or with the
// events and COMMIT at the end; reads so see the transaction's own writes.
// Reads announced with Prefetch (store.Prefetcher) go out in the batch of
// the next LockSchedules, after the lock, and later Get and Busy calls
// they cover are answered from them. A booking through the Scheduler is 2
// round trips: BEGIN with LockSchedules, the schedule and its busy time;
// then the appointment, slot, busy entry, events and COMMIT (4 without
// prefetching). A transaction that runs no statement costs none.
//
// A Store keeps the decoded form of each Schedule it read (up to 1024):
// a schedule whose stored JSON is byte for byte the one kept is copied
// rather than decoded again, which saves a booking its largest client cost.
//
// A deferred write that must not happen (an id that exists, a stale
// version, a refused busy entry, a taken idempotency key) fails its
// statement through the function openslot_refuse (migration 2), or a
// Create's INSERT through the unique violation of its key, which aborts
// the transaction: PostgreSQL skips the rest of the batch, COMMIT
// included. So such a write returns nil, and its store.ErrConflict (or
// store.ErrNotFound for a Put or Delete of a missing record) comes from the
// next call of the transaction or from Update, with nothing kept, as the
// store contract allows. The value a deferred Create or Put was given has
// its new metadata already.
//
// Serialisation failures and deadlocks (SQLSTATE 40001, 40P01), unique and
// exclusion violations (23505, 23P01) wrap store.ErrConflict, which the
// Scheduler retries. A statement that fails aborts the PostgreSQL
// transaction: later calls in it fail with the same error and it never
// commits. A context that ends rolls the transaction back and Update
// returns the context's error; when it ends between statements, the
// connection is closed rather than sent a ROLLBACK, which ends the
// transaction on the server all the same. Once the last round trip
// (writes, events, COMMIT) is sent, it runs to its end whatever the
// context does, for up to 30 seconds. If the connection fails during it,
// or the 30 seconds run out, the COMMIT may or may not have run and
// nothing the client can read tells which: Update returns an error that
// wraps store.ErrCommitUnknown, and neither store.ErrConflict nor a
// context error. Retrying such a transaction is safe only when it is
// idempotent, as a booking with an idempotency key is.
//
// # Double booking, twice over
//
// The Scheduler never double-books on its own (it locks, reads, checks,
// writes). The database refuses it as a second line: AddBusy inserts with
// INSERT ... ON CONFLICT DO NOTHING, so that an insert that meets another
// transaction's uncommitted overlapping row waits for it rather than
// deadlocking (an INSERT that lets the constraint raise its violation
// deadlocks under contention). Fewer rows inserted than asked fails the
// transaction with store.ErrConflict naming the refused entries.
// Capabilities reports RefusesOverlap.
//
// # Events
//
// A sequence value taken at insert is not a safe cursor: a transaction that
// commits later can hold a smaller number, and a reader that already moved
// past it would skip it for ever. So writers insert events without a cursor
// (ordered by a bigserial seq, just before commit), and Events, under a
// transaction-scoped advisory lock, first numbers every committed event that
// has no cursor yet, in seq order, continuing from the largest cursor, then
// reads cursor > after. A row is visible only after its transaction
// commits, and numbering runs one at a time, so cursors are handed out in an
// order consistent with commits: no gaps, never a new event below a cursor
// a reader has seen, and every event committed before a call to Events is
// returned by it. Two transactions on one appointment are serialised by its
// version, so its events keep their order.
//
// # Leases
//
// TryLease is one upsert: INSERT ... ON CONFLICT (name) DO UPDATE ... WHERE
// the row is the holder's own or has run out, RETURNING holder.
//
// # Values
//
// Instants are timestamptz: kept to the microsecond (finer digits are cut)
// and returned in UTC. Resources and events are stored as JSON (type json:
// jsonb would reorder the keys of the raw FHIR elements a resource keeps);
// raw JSON (scheduling.Extension.JSON, scheduling.Elements) comes back with
// insignificant whitespace removed, and a nil or empty one comes back nil.
//
// # Tests
//
// The tests of this package, and of any package that uses
// store/pgstore/pgtest, read the connection string from
// OPENSLOT_TEST_DATABASE_URL:
//
//	OPENSLOT_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go test ./...
//
// Without it they skip, saying so; under CI=true they fail instead. Each
// test gets a schema of its own (pgtest.Pool), dropped when it ends, so
// tests run in parallel and leave nothing behind. TestMultiInstance and
// TestMultiProcess run three Schedulers (goroutines with a pool each, and
// separate processes) on one schema and check with SQL that capacity,
// holds and the event log held; docs/postgres.md describes them.
package pgstore
