package store

import (
	"context"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// Store is a storage backend for openslot. Implementations must be safe for
// concurrent use by many goroutines, and when several processes share one
// database, by all of them together.
type Store interface {
	// Update runs fn in a read-write transaction. Either every write fn makes
	// commits, or none does: when fn returns an error, or the context ends,
	// or the commit fails, nothing is kept and Update returns the error
	// (commit failures that a retry can cure wrap ErrConflict).
	//
	// Deferred refusals: a store may send writes later than the call (with
	// its next statement, or at commit). Such a store refuses a write that
	// must fail (Create of an existing id, Put or Delete with a stale
	// version, AddBusy refused under RefusesOverlap, SetIdempotent of a taken
	// key) not at the call, which returns nil, but at a later call of the
	// same transaction or from Update: with an error wrapping the same
	// sentinel (ErrConflict, or ErrNotFound for a Put or Delete of a missing
	// record), and with nothing of the transaction kept. Reads inside the
	// transaction still see its own writes: a store that defers writes sends
	// them before any read that could observe them.
	//
	// Isolation: writes of fn are invisible to every other transaction until
	// Update returns nil. Records fn read and then wrote are protected by
	// their version (a concurrent change makes the write fail with
	// ErrConflict). Busy time of the schedules fn locked with LockSchedules is
	// stable until the transaction ends.
	//
	// fn may be called more than once only by the caller's own retry; a store
	// never retries fn itself.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction over a consistent snapshot.
	View(ctx context.Context, fn func(tx ReadTx) error) error
	// Events returns up to limit events recorded after cursor after, in
	// cursor order. Cursor 0 reads from the start; limit 0 means
	// DefaultLimit and a negative limit is ErrInvalidQuery. An event is returned only
	// once its transaction has committed, and never before an event with a
	// smaller cursor that may still commit: a reader that saw cursor c never
	// later finds a new event with a cursor <= c.
	Events(ctx context.Context, after int64, limit int) ([]EventRecord, error)
	// Capabilities declares which optional behaviours the store offers.
	Capabilities() Capabilities
	// Close releases the store's resources. Stores that do not own their
	// resources (for example a pool passed in) leave them open.
	Close() error
}

// Capabilities declares optional behaviour. The conformance suite tests
// what is declared and skips, saying so, what is not.
type Capabilities struct {
	// RefusesOverlap: the store itself refuses (ErrConflict) a busy entry
	// that overlaps another on a schedule with capacity 1, even when the
	// caller did not lock the schedule: a database constraint as a second
	// line behind the Scheduler.
	RefusesOverlap bool
	// Leases: TryLease is implemented, so background work (hold sweeping,
	// event delivery) can run on one of several processes at a time.
	Leases bool
}

// ReadTx is what a transaction can read.
type ReadTx interface {
	// Get returns a copy of the stored resource of the given type and id, or
	// ErrNotFound. The copy shares nothing with the store.
	Get(ctx context.Context, resourceType, id string) (scheduling.Resource, error)
	// Search returns one page of resources matching q, in the order q asks.
	Search(ctx context.Context, q Query) (Page, error)
	// Busy returns every busy entry of the given schedules that overlaps
	// [from, to), in no particular order; a zero from or to is open. Expired
	// holds are returned too:
	// readers decide with their own clock what is live.
	Busy(ctx context.Context, scheduleIDs []string, from, to time.Time) ([]Busy, error)
	// ExpiredHolds returns up to limit appointments whose status is pending
	// and whose HeldUntil is not zero and not after now, oldest first (limit
	// as for Events).
	ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]*scheduling.Appointment, error)
	// Idempotent returns the result recorded under key, or ErrNotFound.
	Idempotent(ctx context.Context, key string) (string, error)
	// Cursor returns the last position a named event consumer acknowledged,
	// or 0 when it has none.
	Cursor(ctx context.Context, consumer string) (int64, error)
}

// Tx is what a read-write transaction can do.
type Tx interface {
	ReadTx
	// Create stores a new resource. An empty ID is assigned by the store; an
	// ID that exists fails with ErrConflict, at the call or later (see
	// Store.Update). On success the store sets r.Metadata() to Version 1 and
	// LastUpdated to the commit clock (UTC, microseconds) on the value passed
	// in; it keeps its own copy.
	Create(ctx context.Context, r scheduling.Resource) error
	// Put replaces a stored resource. r.Metadata().Version must equal the
	// stored version, or Put fails with ErrConflict (ErrNotFound when there is
	// none), at the call or later (see Store.Update). On success the version
	// is incremented and LastUpdated set, on r and in the store.
	Put(ctx context.Context, r scheduling.Resource) error
	// Delete removes a resource if its stored version equals version (any
	// version when version is 0); otherwise it fails with ErrConflict
	// (ErrNotFound when there is none), at the call or later (see
	// Store.Update). A later Create of the same id starts again at version 1.
	Delete(ctx context.Context, resourceType, id string, version int64) error
	// LockSchedules serialises this transaction against every other that
	// locks any of the same schedules, until it ends. The Scheduler locks
	// the schedules it books on before it reads their busy time, so the check
	// and the write cannot interleave with another booking. Stores lock in a
	// deterministic order so that two transactions never deadlock on it.
	LockSchedules(ctx context.Context, scheduleIDs ...string) error
	// AddBusy records busy entries, all or none. A store that declares
	// RefusesOverlap fails with ErrConflict (at the call or later, see
	// Store.Update) when an entry with Exclusive set overlaps
	// another Exclusive entry of the same schedule, whether or not that one is
	// a lapsed hold (a store has no clock to judge by): callers remove lapsed
	// holds in the same transaction first, as the Scheduler does. Entries with
	// an empty ID get one.
	AddBusy(ctx context.Context, entries ...Busy) error
	// RemoveBusy removes every busy entry owned by the appointment; none is
	// not an error.
	RemoveBusy(ctx context.Context, appointmentID string) error
	// RemoveBusyEntry removes one busy entry by ID; ErrNotFound when there is
	// none, always at the call (callers go on after it).
	RemoveBusyEntry(ctx context.Context, id string) error
	// AppendEvent records an event in the log; it becomes readable through
	// Store.Events when the transaction commits. The store assigns the
	// cursor.
	AppendEvent(ctx context.Context, e scheduling.Event) error
	// SetIdempotent records result under key; a key that exists fails with
	// ErrConflict, at the call or later (see Store.Update).
	SetIdempotent(ctx context.Context, key, result string) error
	// SetCursor records the last acknowledged position of a named consumer.
	SetCursor(ctx context.Context, consumer string, cursor int64) error
	// TryLease takes or renews the named lease for holder until now+ttl, and
	// reports whether holder has it, at the call. A lease is held while now < until; an
	// expired lease goes to whoever asks first. Stores without Leases return
	// ErrNotImplemented.
	TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
}

// Busy is time a schedule cannot give to anyone else: a booked appointment,
// a live hold, a stored busy slot or an external busy interval.
type Busy struct {
	// ID identifies the entry; assigned by the store when empty.
	ID string
	// ScheduleID is the schedule whose time is used.
	ScheduleID string
	// Start and End bound the time used, without buffers.
	Start, End time.Time
	// Count is how many capacity units the entry uses; 0 means 1.
	Count int
	// AppointmentID is the appointment that owns the entry, if any.
	AppointmentID string
	// HeldUntil, when not zero, makes the entry a hold that is free from
	// that instant on.
	HeldUntil time.Time
	// Booking marks an appointment or hold: it counts toward per-day and
	// per-week limits.
	Booking bool
	// Exclusive marks an entry on a capacity-1 schedule; a store that
	// declares RefusesOverlap refuses two overlapping exclusive entries of one
	// schedule.
	Exclusive bool
}

// Live reports whether b blocks time at instant now: every entry but a hold
// whose HeldUntil has passed.
func (b Busy) Live(now time.Time) bool { return b.HeldUntil.IsZero() || now.Before(b.HeldUntil) }

// EventRecord is an event as the log holds it.
type EventRecord struct {
	// Cursor is the event's position in the log; it only grows.
	Cursor int64
	// Recorded is when the transaction that recorded it ran (UTC).
	Recorded time.Time
	scheduling.Event
}
