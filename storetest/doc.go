// Package storetest is the conformance suite for implementations of
// package store. A store proves itself with one call from a test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := mystore.Open(t.Context(), dsn)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Run calls the function once per case, so each case starts from a fresh,
// empty store, and closes the store when the case ends. Run it with the
// race detector: several cases use many goroutines at once.
//
// # What it checks
//
// Every rule of package store's contract, each case in its own subtest
// (Run's subtests are named Group/Case, so -run selects them):
//
//   - CRUD: Create assigns ids and version 1; Get returns what was stored,
//     for all eleven resource types; Create of an existing id, Put with a
//     stale version and Delete with a stale version fail with
//     store.ErrConflict; every Put adds one to the version; a transaction
//     reads its own writes.
//   - Search: every term store.Indexed gives any resource type finds exactly
//     the resources that have it; AND of ORs; IDs; From/To and
//     UpdatedFrom/UpdatedTo as half-open ranges; order by (instant, id),
//     Descending; Limit, DefaultLimit, MaxLimit and Total; a cursor walk
//     that returns every resource once while other transactions insert
//     before and after its position; ErrInvalidQuery for an unknown type, a
//     negative limit and a malformed cursor.
//   - Atomicity: a transaction whose function fails, or whose context is
//     cancelled, leaves no resource, Put, Delete, busy change, event,
//     idempotency key, consumer cursor or lease behind, and the event log
//     continues from the last committed event.
//   - Isolation: uncommitted writes are invisible to View and to other
//     Updates; LockSchedules serialises transactions on a schedule (checked
//     with a counter of who is inside) without deadlock in any lock order;
//     locked check-then-write never double-books; read-then-Put loses no
//     update.
//   - Aliasing: changing a value after Create, Put, AddBusy or AppendEvent,
//     or one returned by Get, Search, Busy, ExpiredHolds or Events, changes
//     nothing stored.
//   - Time: instants keep at least the microsecond and come back in UTC,
//     nested ones included.
//   - Busy: overlap is half-open at both edges, also for instants finer
//     than the microsecond, long entries are found, entries round-trip,
//     RemoveBusy and RemoveBusyEntry remove what they say (RemoveBusy of an
//     empty appointment id nothing), inside the transaction too.
//   - Events: cursor order, after and limit; events of rolled-back
//     transactions never appear; a reader following the log while several
//     writers append never skips an event (no cursor becomes visible before
//     a smaller one).
//   - Idempotency keys, consumer cursors and ExpiredHolds.
//   - Leases and RefusesOverlap, when the store declares them in
//     Capabilities; otherwise those cases are skipped with a message naming
//     the capability.
//
// A failure names the rule that was broken, for example
//
//	store rule: Put with a stale version must fail with ErrConflict; got <nil>
//
// # What the suite assumes
//
// The store accepts ids made of letters, digits and '-' that the suite
// chooses, times between the years 2029 and 2031, and a few thousand
// resources per case. Resources without an indexed instant may sort before
// or after the others in a search, but together and by id.
package storetest
