// Package memstore is openslot's embedded store: everything in memory, safe
// for concurrent use, nothing to run. It is the default for tests, demos and
// single-process deployments that can lose their data on restart, and the
// reference implementation of package store that other stores are read
// against.
//
//	s := memstore.New(nil)
//	defer s.Close()
//	err := s.Update(ctx, func(tx store.Tx) error {
//		return tx.Create(ctx, &scheduling.Patient{Name: []scheduling.HumanName{{Family: "Doe"}}})
//	})
//
// # How it keeps the store contract
//
// Transactions. One Update runs at a time: it holds the store's single
// writer lock from before its function runs until its commit is applied.
// That lock is also how LockSchedules is kept: every Update is already
// serialised against every other, so LockSchedules only checks its
// context. Waiting for the lock honours the context.
//
// Writes go to an overlay private to the transaction (copy-on-write) and
// are applied to the committed state in one short step when the function
// returns nil and the context is live; otherwise the overlay is dropped.
// Reads inside the transaction see the overlay over the committed state.
//
// Reads. View and Events never wait for a writer's function, only for the
// moment a commit is applied; views run in parallel with each other. A
// committing writer waits for the views that are running, so keep view
// functions short. A function given to Update or View must not call
// Update or View of the same store (it could wait for itself); it may call
// Events.
//
// Copies. Every resource, busy entry and event is deep-copied on the way
// in and on the way out. Every instant is stored truncated to the
// microsecond and in UTC, as PostgreSQL stores it, and the bounds of a
// Busy read and of a Search are truncated the same way before they are
// compared, so that a program behaves the same on memstore and pgstore.
//
// Search. Each resource type has a map from id to record and an inverted
// index from search term (store.Indexed) to ids. A query reads the ids of
// its most selective term group (or its IDs), checks the rest on each
// record, and sorts the matches by (indexed instant, id). Resources without
// an indexed instant sort first (last when Descending). Cursors are
// opaque: the position of the page's last resource, so a walk never
// repeats or skips a resource that stays, whatever is inserted meanwhile.
// Page.Total counts every match of the query, whatever the cursor.
//
// Busy time. Each schedule's entries are kept sorted by start; an overlap
// query for [from, to) reads only the entries starting before to and no
// earlier than from minus the longest entry. A zero from or to is open.
//
// Events. Cursors are assigned when a transaction commits, so the log has
// no gaps and a reader never sees a cursor before a smaller one.
//
// Optional capabilities. memstore declares Leases (TryLease) and
// RefusesOverlap: AddBusy refuses with store.ErrConflict an Exclusive entry
// that overlaps another Exclusive entry of its schedule, committed or
// written earlier in the same transaction, expired holds included.
//
// Limits of 0 (Events, ExpiredHolds) mean store.DefaultLimit; negative ones
// fail with store.ErrInvalidQuery. Invalid records (a busy entry without a
// schedule or whose end is not after its start, an empty idempotency key
// or consumer name, a lease without a holder or with a ttl that is not
// positive) fail with scheduling.ErrInvalid.
package memstore
