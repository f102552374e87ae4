// Package store is openslot's storage SPI: the interfaces a database must
// offer for the Scheduler to keep its promises, and the vocabulary shared by
// every implementation. openslot ships two: store/memstore (in memory, the
// embedded default and the reference implementation) and store/pgstore
// (PostgreSQL). Any other database can be plugged in by implementing Store;
// package storetest proves an implementation with one call:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return mystore.New(...) })
//	}
//
// # What a store holds
//
//   - Resources: the eleven resource types of package scheduling, each with
//     a logical id, a version that grows by one on every write, and a
//     LastUpdated instant. Create, Put (compare-and-set on the version),
//     Delete, Get, Search.
//   - Busy time: entries that say "this schedule's time from Start to End is
//     used" (an appointment, a hold with its HeldUntil, a stored busy slot, an
//     external busy interval). The availability engine reads them; the
//     Scheduler writes them in the same transaction as the appointment.
//   - The event log: an append-only list of scheduling.Event with a growing
//     cursor, written in the same transaction as the change (an outbox), and
//     named consumer cursors for resumable delivery.
//   - Idempotency keys, so that a retried request never books twice.
//   - Leases (optional), so that background work runs on one process at a
//     time when several share the store.
//
// # The contract, in the words a store author needs
//
// Transactions. Update runs a function; everything it wrote commits
// together or not at all. A function that returns an error, a cancelled
// context and a failed commit all leave nothing behind. Nothing written is
// visible to anyone else before commit.
//
// Versions. Put succeeds only when the version on the value equals the
// stored one; otherwise ErrConflict. This is how FHIR If-Match works and how
// two concurrent changes to one appointment are told apart.
//
// Locks. LockSchedules makes transactions that touch the same schedule's
// busy time run one after the other from the lock to their end. The
// Scheduler locks before it reads busy time, checks availability, then
// writes: so the check cannot go stale before the write (the race that
// double-books elsewhere). A single global write lock satisfies this
// (memstore does that); a SQL store can lock rows of a schedule table in id
// order (pgstore does that).
//
// Conflicts. Anything a retry can cure is ErrConflict: a stale version, a
// duplicate id or idempotency key, a serialisation failure or deadlock, a
// busy entry refused by a database constraint. The Scheduler retries the
// whole transaction a bounded number of times. A write's conflict may
// surface at the call or later: a store that saves round trips by sending
// writes with its next statement or its COMMIT (pgstore does) lets Create,
// Put, Delete, AddBusy and SetIdempotent return nil and refuses them at a
// later call of the transaction or from Update, with the same sentinel
// (ErrNotFound for a Put or Delete of a missing record) and nothing of the
// transaction kept. Callers that need to go on after a refusal cannot, so
// the Scheduler checks first (an idempotency key is read before it is set;
// a race for it becomes a retry that then finds the key). Reads inside a
// transaction see its own writes either way. storetest accepts both forms.
//
// Round trips (optional). A store that talks to a server can implement
// Prefetcher on its transactions: before it locks, the Scheduler announces
// the schedules it will Get and the exact busy ranges it will read, and the
// store may send those reads with the lock and answer the later calls from
// them. A prefetched read must answer exactly as the same read sent after
// the lock would, and the transaction's own writes must show through it.
//
// Copies. Values passed in and handed out are never shared with what is
// stored: mutating a resource after Put, or one returned by Get, changes
// nothing stored.
//
// Time. Stores keep at least microsecond precision and return instants in
// UTC.
//
// Search. What a resource can be found by is decided once, by Indexed: a
// list of terms ("status=booked", "patient=Patient/7",
// "service-type=http://snomed.info/sct|394814009") and one instant (for
// date searches). A store matches a Query's terms exactly (AND of ORs),
// filters the instant and LastUpdated by half-open ranges, and pages in
// (instant, id) order with an opaque cursor. A store may keep the terms in
// an inverted index, an array column or anything else.
//
// Events. The cursor only grows, and a reader must never see cursor c+1
// before c is either visible or will never be: otherwise a consumer that
// saved its position would skip an event for ever. A store that assigns
// cursors before commit (a SQL sequence) must hold back events of
// transactions still in flight.
//
// Errors. Return the sentinels of this package wrapped with the resource
// or key that failed (fmt.Errorf("appointment %s: %w", id, store.ErrNotFound)),
// and context errors as they are. A context error, like ErrConflict, says
// that nothing was kept; when a store cannot know whether its commit ran
// (the connection failed after the commit was sent), it returns
// ErrCommitUnknown instead.
package store
