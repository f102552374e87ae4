package store

import "errors"

// Sentinel errors every store returns, wrapped with the resource or key that
// failed. Callers check them with errors.Is. A malformed record (a busy
// entry without a schedule or with End not after Start, an empty key or
// consumer name, a non-positive lease ttl) is refused with an error wrapping
// scheduling.ErrInvalid.
var (
	// ErrNotFound: the resource, record or key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the transaction lost a race. A stale version on update, a
	// create of an id that exists, an idempotency key taken by a concurrent
	// transaction, a serialisation failure, a deadlock, or a busy entry the
	// store itself refused as a double booking. The Scheduler retries a
	// transaction that fails with ErrConflict, within a bound.
	ErrConflict = errors.New("conflict")
	// ErrNotImplemented: an optional capability the store does not offer.
	ErrNotImplemented = errors.New("not implemented")
	// ErrInvalidQuery: a query the store cannot answer as asked (an unknown
	// resource type, a malformed cursor, a negative limit).
	ErrInvalidQuery = errors.New("invalid query")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrCommitUnknown: the connection to the database failed (or the
	// commit ran out of time) after the commit may have reached it, so the
	// transaction may or may not have committed. It is never ErrConflict
	// and never a context error, which both mean nothing was kept; the
	// Scheduler does not retry it. Read the state again, or repeat the
	// request with the same idempotency key, which returns its first result
	// if it did commit. Stores without a network (memstore) never return it.
	ErrCommitUnknown = errors.New("commit outcome unknown")
)
