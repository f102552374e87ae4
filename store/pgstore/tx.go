package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// txn implements store.Tx (and, in a View, store.ReadTx) on one
// connection of the pool, in one transaction that it begins with its first
// statement (see pipeline.go).
type txn struct {
	conn    *pgxpool.Conn
	pending []pendingStmt // BEGIN, sent with the first statement
	sent    bool          // BEGIN has gone out: the server has a transaction to end
	now     time.Time     // the transaction's clock (UTC, microseconds)
	events  []eventRow    // appended events, inserted at commit
	// failed is the first error of a statement: PostgreSQL has aborted the
	// transaction, so every later call fails with it and nothing commits.
	failed error
	done   bool
	// prefetch is what the next LockSchedules reads along with its lock;
	// cached and busyCache hold what it read (see prefetch.go).
	prefetch  *store.Prefetch
	cached    map[store.Key]cachedRow
	busyCache []prefetchedBusy
	decoded   *decodeCache // the Store's
}

var _ store.Tx = (*txn)(nil)

// check refuses a call on an ended or failed transaction or an ended
// context.
func (t *txn) check(ctx context.Context) error {
	switch {
	case t.done:
		return fmt.Errorf("pgstore: transaction has ended: %w", store.ErrClosed)
	case t.failed != nil:
		return fmt.Errorf("pgstore: transaction aborted by an earlier error: %w", t.failed)
	}
	return ctx.Err()
}

// fail records a failed statement (the transaction is aborted from now on)
// and returns the error mapped for the caller.
func (t *txn) fail(ctx context.Context, what string, err error) error {
	err = mapErr(ctx, what, err)
	if t.failed == nil {
		t.failed = err
	}
	return err
}

func checkType(op, typ string) error {
	if scheduling.NewResource(typ) == nil {
		return fmt.Errorf("%s: unknown resource type %q: %w", op, typ, store.ErrInvalidQuery)
	}
	return nil
}

// nullTime is t for a timestamptz parameter, NULL when t is zero.
func nullTime(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// decodeResource builds a resource from its stored columns.
func decodeResource(typ, id string, version int64, updated time.Time, body []byte) (scheduling.Resource, error) {
	r := scheduling.NewResource(typ)
	if r == nil {
		return nil, fmt.Errorf("stored %s/%s: unknown resource type", typ, id)
	}
	if err := json.Unmarshal(body, r); err != nil {
		return nil, fmt.Errorf("decode stored %s/%s: %w", typ, id, err)
	}
	finishRead(r)
	*r.Metadata() = scheduling.Meta{ID: id, Version: version, LastUpdated: updated.UTC()}
	return r, nil
}

// row is what a write stores for a resource.
type row struct {
	typ, id   string
	expect    int64 // the version a put replaces
	at, hold  pgtype.Timestamptz
	terms     []string
	body      []byte
	resource  scheduling.Resource
	updatedAt time.Time
}

// prepare copies r, gives the copy its new metadata, normalises it and
// encodes it. For a create the copy gets version 1 (and an id when it has
// none); otherwise its version goes up by one and row.expect keeps the old.
func (t *txn) prepare(op string, r scheduling.Resource, create bool) (row, error) {
	c, err := store.CopyResource(r)
	if err != nil {
		return row{}, fmt.Errorf("%s: %w", op, err)
	}
	m := c.Metadata()
	expect := m.Version
	if create {
		if m.ID == "" {
			m.ID = newID()
		}
		m.Version = 1
	} else {
		m.Version++
	}
	m.LastUpdated = t.now
	prepareWrite(c)
	terms, at := store.Indexed(c)
	var hold time.Time
	if a, ok := c.(*scheduling.Appointment); ok && a.Status == scheduling.AppointmentPending {
		hold = a.HeldUntil
	}
	body, err := encode(c)
	if err != nil {
		return row{}, fmt.Errorf("%s %s/%s: cannot encode: %w: %w", op, c.ResourceType(), m.ID, scheduling.ErrInvalid, err)
	}
	if terms == nil {
		terms = []string{}
	}
	terms = pgTexts(terms)
	return row{typ: c.ResourceType(), id: m.ID, expect: expect, at: nullTime(normTime(at)), hold: nullTime(hold),
		terms: terms, body: body, resource: c, updatedAt: t.now}, nil
}

// Get returns a copy of the resource typ/id.
func (t *txn) Get(ctx context.Context, typ, id string) (scheduling.Resource, error) {
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	if err := checkType("get", typ); err != nil {
		return nil, err
	}
	if strings.IndexByte(id, 0) >= 0 {
		// No stored id holds a NUL: text cannot (see pgText).
		return nil, fmt.Errorf("%s/%s: %w", typ, id, store.ErrNotFound)
	}
	if c, ok := t.cached[store.Key{Type: typ, ID: id}]; ok {
		if c.body == nil {
			return nil, fmt.Errorf("%s/%s: %w", typ, id, store.ErrNotFound)
		}
		return t.decoded.decode(typ, id, c.version, c.updated, c.body)
	}
	var (
		version int64
		updated time.Time
		body    []byte
	)
	err := t.queryRow(ctx, getSQL, typ, id).
		Scan(&version, &updated, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%s/%s: %w", typ, id, store.ErrNotFound)
	}
	if err != nil {
		return nil, t.fail(ctx, fmt.Sprintf("get %s/%s", typ, id), err)
	}
	return t.decoded.decode(typ, id, version, updated, body)
}

// getSQL reads resource $1/$2.
const getSQL = `SELECT version, last_updated, body FROM resources WHERE type = $1 AND id = $2`

// Create stores a copy of r as version 1. The INSERT is deferred: it goes
// out with the next statement of the transaction (at the latest with the
// COMMIT), so an id that exists makes that statement, and the transaction,
// fail with store.ErrConflict. r gets its new metadata at once.
func (t *txn) Create(ctx context.Context, r scheduling.Resource) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	w, err := t.prepare("create", r, true)
	if err != nil {
		return err
	}
	t.forget(w.typ, w.id)
	what := fmt.Sprintf("create %s/%s", w.typ, w.id)
	t.queueWrite(what, `
		INSERT INTO resources (type, id, version, last_updated, at, hold_until, terms, body)
		VALUES ($1, $2, 1, $3, $4, $5, $6, $7)`,
		func(string) error { return fmt.Errorf("%s: id exists: %w", what, store.ErrConflict) },
		w.typ, w.id, w.updatedAt, w.at, w.hold, w.terms, w.body)
	*r.Metadata() = *w.resource.Metadata()
	return nil
}

// Put replaces a resource whose stored version equals r's: an UPDATE that
// matches on the version, so that a concurrent writer's commit makes it
// match nothing. It is deferred as Create is; r gets its new metadata at
// once.
func (t *txn) Put(ctx context.Context, r scheduling.Resource) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	w, err := t.prepare("put", r, false)
	if err != nil {
		return err
	}
	t.forget(w.typ, w.id)
	what := fmt.Sprintf("put %s/%s", w.typ, w.id)
	*r.Metadata() = *w.resource.Metadata()
	if hasNUL(w.id) {
		t.queueWrite(what, refuseMissingSQL, missOrStale(what, w.expect))
		return nil
	}
	t.queueWrite(what, `
		WITH w AS (
			UPDATE resources SET version = version + 1, last_updated = $4, at = $5, hold_until = $6, terms = $7, body = $8
			WHERE type = $1 AND id = $2 AND version = $3
			RETURNING 1)
		SELECT openslot_refuse(coalesce((SELECT version::text FROM resources WHERE type = $1 AND id = $2), ''))
		WHERE NOT EXISTS (SELECT FROM w)`,
		missOrStale(what, w.expect),
		w.typ, w.id, w.expect, w.updatedAt, w.at, w.hold, w.terms, w.body)
	return nil
}

// refuseMissingSQL refuses a Put or Delete of an id with a NUL, which no
// stored record has, as its statement refuses one of a missing record
// (the statement itself would fail on the NUL, SQLSTATE 22021).
const refuseMissingSQL = `SELECT openslot_refuse('')`

// missOrStale explains a versioned write that matched no row, from the
// stored version its statement found ("" for none). The statement reads
// that version from the snapshot it started with; when a concurrent commit
// changed the row while the write waited for it, the version read may be
// the one expected: the write is stale all the same.
func missOrStale(what string, expect int64) func(stored string) error {
	return func(stored string) error {
		if stored == "" {
			return fmt.Errorf("%s: %w", what, store.ErrNotFound)
		}
		return fmt.Errorf("%s: version %d is stale (stored: %s, or changed concurrently): %w", what, expect, stored, store.ErrConflict)
	}
}

// Delete removes typ/id if its version is version (any when 0). It is
// deferred as Create is.
func (t *txn) Delete(ctx context.Context, typ, id string, version int64) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if err := checkType("delete", typ); err != nil {
		return err
	}
	t.forget(typ, id)
	what := fmt.Sprintf("delete %s/%s", typ, id)
	if hasNUL(id) {
		t.queueWrite(what, refuseMissingSQL, missOrStale(what, version))
		return nil
	}
	t.queueWrite(what, `
		WITH w AS (
			DELETE FROM resources WHERE type = $1 AND id = $2 AND ($3::bigint = 0 OR version = $3)
			RETURNING 1)
		SELECT openslot_refuse(coalesce((SELECT version::text FROM resources WHERE type = $1 AND id = $2), ''))
		WHERE NOT EXISTS (SELECT FROM w)`,
		missOrStale(what, version), typ, id, version)
	return nil
}

// LockSchedules takes a transaction-scoped advisory lock per schedule, on a
// 64-bit hash of the schema and the schedule id, in ascending key order so
// that two transactions never wait on each other in a cycle. Two ids with
// the same hash only serialise more than needed. It returns once the locks
// are held.
func (t *txn) LockSchedules(ctx context.Context, scheduleIDs ...string) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if len(scheduleIDs) == 0 {
		return nil
	}
	if t.prefetch != nil {
		return t.lockAndPrefetch(ctx, scheduleIDs)
	}
	sql, args := lockStatement(scheduleIDs)
	if _, err := t.exec(ctx, sql, args...); err != nil {
		return t.fail(ctx, fmt.Sprintf("lock schedules %v", scheduleIDs), err)
	}
	return nil
}

// lockSchedulesSQL takes the advisory locks of the schedules $1.
const lockSchedulesSQL = `
	SELECT pg_advisory_xact_lock(k) FROM (
		SELECT DISTINCT hashtextextended('openslot.schedule:' || current_schema() || ':' || id, 0) AS k
		FROM unnest($1::text[]) AS id ORDER BY k) AS keys`

// lockScheduleSQL takes the advisory lock of the one schedule $1 (the usual
// case), under the key lockSchedulesSQL uses.
const lockScheduleSQL = `SELECT pg_advisory_xact_lock(hashtextextended('openslot.schedule:' || current_schema() || ':' || $1, 0))`

// lockStatement is the statement and arguments that lock the schedules ids.
// An id with a NUL locks the key of the id with U+FFFD in its place (see
// pgText): text cannot hold the NUL, and a key shared by two ids only
// serialises them more than needed.
func lockStatement(ids []string) (string, []any) {
	if len(ids) == 1 {
		return lockScheduleSQL, []any{pgText(ids[0])}
	}
	return lockSchedulesSQL, []any{pgTexts(ids)}
}

// Busy returns the busy entries of the schedules overlapping [from, to); a
// zero bound is open.
func (t *txn) Busy(ctx context.Context, scheduleIDs []string, from, to time.Time) ([]store.Busy, error) {
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	if scheduleIDs = withoutNUL(scheduleIDs); len(scheduleIDs) == 0 { // no schedule has those
		return nil, nil
	}
	from, to = normTime(from), normTime(to)
	if out, ok := t.cachedBusy(scheduleIDs, from, to); ok {
		return out, nil
	}
	rows, err := t.query(ctx, busySQL, busyArgs(scheduleIDs, from, to)...)
	if err != nil {
		return nil, t.fail(ctx, fmt.Sprintf("busy of %v", scheduleIDs), err)
	}
	out, err := collectBusy(rows)
	if err != nil {
		return nil, t.fail(ctx, fmt.Sprintf("busy of %v", scheduleIDs), err)
	}
	return out, nil
}

// busySQL reads the busy entries of schedules $1 overlapping [$2, $3)
// (NULL bounds are open). The range test finds candidates through the
// GiST index (a closed range $4-$5 with its bounds in order, so that it
// never drops a candidate); the column tests then decide exactly.
const busySQL = `
	SELECT id, schedule_id, start_at, end_at, count, appointment_id, held_until, booking, exclusive
	FROM busy
	WHERE schedule_id = ANY($1) AND span && tstzrange($4, $5, '[]')
	  AND ($3::timestamptz IS NULL OR start_at < $3) AND ($2::timestamptz IS NULL OR end_at > $2)`

// busyArgs are busySQL's arguments for a read of [from, to), normalised.
func busyArgs(scheduleIDs []string, from, to time.Time) []any {
	lo, hi := from, to
	if !lo.IsZero() && !hi.IsZero() && hi.Before(lo) {
		lo, hi = hi, lo
	}
	return []any{scheduleIDs, nullTime(from), nullTime(to), nullTime(lo), nullTime(hi)}
}

// collectBusy reads the rows of busySQL.
func collectBusy(rows pgx.Rows) ([]store.Busy, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Busy, error) {
		var b store.Busy
		var held pgtype.Timestamptz
		var count int32
		err := r.Scan(&b.ID, &b.ScheduleID, &b.Start, &b.End, &count, &b.AppointmentID, &held, &b.Booking, &b.Exclusive)
		b.Count = int(count)
		b.Start, b.End = b.Start.UTC(), b.End.UTC()
		if held.Valid {
			b.HeldUntil = held.Time.UTC()
		}
		return b, err
	})
}

// AddBusy records busy entries: all of them or, on error, none. Malformed
// entries are refused at once; the INSERT is deferred as Create's is. It
// inserts with ON CONFLICT DO NOTHING, so that a concurrent writer's
// uncommitted entry is waited for instead of deadlocked on (an INSERT that
// lets the exclusion constraint raise its violation deadlocks under
// contention); fewer rows inserted than asked means an entry was refused
// by the constraint or reused an id, and the statement then fails the
// transaction with store.ErrConflict.
func (t *txn) AddBusy(ctx context.Context, entries ...store.Busy) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	n := len(entries)
	checked := make([]store.Busy, n)
	for i, b := range entries {
		b.Start, b.End, b.HeldUntil = normTime(b.Start), normTime(b.End), normTime(b.HeldUntil)
		if b.ID == "" {
			b.ID = newID()
		}
		switch {
		case b.ScheduleID == "":
			return fmt.Errorf("busy %s: no schedule: %w", b.ID, scheduling.ErrInvalid)
		case b.Start.IsZero() || !b.End.After(b.Start):
			return fmt.Errorf("busy %s on schedule %s: end %s is not after start %s: %w",
				b.ID, b.ScheduleID, b.End.Format(time.RFC3339Nano), b.Start.Format(time.RFC3339Nano), scheduling.ErrInvalid)
		case b.Count < 0 || b.Count > 1<<31-1:
			return fmt.Errorf("busy %s on schedule %s: count %d is out of range: %w", b.ID, b.ScheduleID, b.Count, scheduling.ErrInvalid)
		case slices.ContainsFunc(checked[:i], func(o store.Busy) bool { return o.ID == b.ID }):
			return fmt.Errorf("busy %s: id given twice: %w", b.ID, store.ErrConflict)
		}
		checked[i] = b
	}
	t.busyCache = nil
	if n == 1 {
		t.queueAddBusy1(checked[0])
		return nil
	}
	var (
		ids, schedules, appts = make([]string, n), make([]string, n), make([]string, n)
		starts, ends, held    = make([]time.Time, n), make([]time.Time, n), make([]pgtype.Timestamptz, n)
		counts                = make([]int32, n)
		bookings, exclusives  = make([]bool, n), make([]bool, n)
	)
	for i, b := range checked {
		ids[i], schedules[i], appts[i] = b.ID, b.ScheduleID, b.AppointmentID
		starts[i], ends[i], held[i] = b.Start, b.End, nullTime(b.HeldUntil)
		counts[i], bookings[i], exclusives[i] = int32(b.Count), b.Booking, b.Exclusive
	}
	what := fmt.Sprintf("add busy %v on %v", ids, schedules)
	t.queueWrite(what, `
		WITH w AS (
			INSERT INTO busy (id, schedule_id, start_at, end_at, count, appointment_id, held_until, booking, exclusive)
			SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[],
			                     $6::text[], $7::timestamptz[], $8::bool[], $9::bool[])
			ON CONFLICT DO NOTHING
			RETURNING id)
		SELECT openslot_refuse(array_to_string(ARRAY(SELECT unnest($1::text[]) EXCEPT SELECT id FROM w), ' '))
		WHERE (SELECT count(*) FROM w) < cardinality($1::text[])`,
		func(refused string) error {
			return fmt.Errorf("%s: entries [%s] overlap an exclusive entry of their schedule or reuse an id: %w", what, refused, store.ErrConflict)
		},
		ids, schedules, starts, ends, counts, appts, held, bookings, exclusives)
	return nil
}

// queueAddBusy1 is AddBusy's statement for one checked entry (a booking's
// usual case): the same insert and refusal as for several, without the
// arrays, which cost the client their encoding and the server a function
// scan, a set operation and a sort to start.
func (t *txn) queueAddBusy1(b store.Busy) {
	what := fmt.Sprintf("add busy [%s] on [%s]", b.ID, b.ScheduleID)
	t.queueWrite(what, `
		WITH w AS (
			INSERT INTO busy (id, schedule_id, start_at, end_at, count, appointment_id, held_until, booking, exclusive)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT DO NOTHING
			RETURNING 1)
		SELECT openslot_refuse($1) WHERE NOT EXISTS (SELECT FROM w)`,
		func(refused string) error {
			return fmt.Errorf("%s: entries [%s] overlap an exclusive entry of their schedule or reuse an id: %w", what, refused, store.ErrConflict)
		},
		b.ID, b.ScheduleID, b.Start, b.End, int32(b.Count), b.AppointmentID, nullTime(b.HeldUntil), b.Booking, b.Exclusive)
}

// RemoveBusy removes every busy entry of the appointment; none is fine. The
// DELETE is deferred as Create's is.
func (t *txn) RemoveBusy(ctx context.Context, appointmentID string) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if appointmentID == "" || hasNUL(appointmentID) { // no entry has those
		return nil
	}
	t.busyCache = nil
	t.queueWrite("remove busy of appointment "+appointmentID, `DELETE FROM busy WHERE appointment_id = $1`, nil, appointmentID)
	return nil
}

// RemoveBusyEntry removes one busy entry, or fails with store.ErrNotFound.
// It runs at once (with any deferred writes before it): callers such as
// the Scheduler go on after its ErrNotFound, which a deferred statement
// could only report by failing the whole transaction.
func (t *txn) RemoveBusyEntry(ctx context.Context, id string) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if hasNUL(id) { // no entry has one
		return fmt.Errorf("busy %s: %w", id, store.ErrNotFound)
	}
	t.busyCache = nil
	tag, err := t.exec(ctx, `DELETE FROM busy WHERE id = $1`, id)
	if err != nil {
		return t.fail(ctx, "remove busy "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("busy %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// ExpiredHolds returns pending appointments whose HeldUntil is set and not
// after now, by HeldUntil then id. A limit of 0 means store.DefaultLimit.
func (t *txn) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]*scheduling.Appointment, error) {
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, fmt.Errorf("expired holds: limit %d is negative: %w", limit, store.ErrInvalidQuery)
	}
	limit = store.Query{Limit: limit}.PageLimit()
	rows, err := t.query(ctx, `
		SELECT id, version, last_updated, body FROM resources
		WHERE hold_until IS NOT NULL AND hold_until <= $1 AND type = 'Appointment'
		ORDER BY hold_until, id LIMIT $2`, normTime(now), limit)
	if err != nil {
		return nil, t.fail(ctx, "expired holds", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*scheduling.Appointment, error) {
		var (
			id      string
			version int64
			updated time.Time
			body    []byte
		)
		if err := r.Scan(&id, &version, &updated, &body); err != nil {
			return nil, err
		}
		res, err := decodeResource("Appointment", id, version, updated, body)
		if err != nil {
			return nil, err
		}
		return res.(*scheduling.Appointment), nil
	})
	if err != nil {
		return nil, t.fail(ctx, "expired holds", err)
	}
	return out, nil
}

// AppendEvent records a copy of e. It is inserted, without a cursor, just
// before the transaction commits: Events numbers it once it is committed.
func (t *txn) AppendEvent(ctx context.Context, e scheduling.Event) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	ev, err := encodeEvent(e)
	if err != nil {
		return err
	}
	t.events = append(t.events, ev)
	return nil
}

// eventsInsert is the statement that inserts the transaction's events in
// the order they were appended; it goes out with the COMMIT. Inserting them
// last means that when two transactions change one appointment (the second
// waits for the first's row lock, then sees its new version), the second's
// events get the larger seq.
func (t *txn) eventsInsert() []pendingStmt {
	n := len(t.events)
	switch n {
	case 0:
		return nil
	case 1: // the usual case, without the arrays
		e := t.events[0]
		return []pendingStmt{{what: "record 1 event", sql: `
			INSERT INTO events (recorded, type, appointment_id, body) VALUES ($1, $2, $3, $4::text::json)`,
			args: []any{t.now, e.typ, e.appointmentID, string(e.body)}}}
	}
	types, appts, bodies := make([]string, n), make([]string, n), make([]string, n)
	for i, e := range t.events {
		types[i], appts[i], bodies[i] = e.typ, e.appointmentID, string(e.body)
	}
	return []pendingStmt{{what: fmt.Sprintf("record %d events", n), sql: `
		INSERT INTO events (recorded, type, appointment_id, body)
		SELECT $1, e.type, e.appointment_id, e.body::json
		FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(type, appointment_id, body, i)
		ORDER BY e.i`, args: []any{t.now, types, appts, bodies}}}
}

// Idempotent returns the result recorded under key.
func (t *txn) Idempotent(ctx context.Context, key string) (string, error) {
	if err := t.check(ctx); err != nil {
		return "", err
	}
	var result string
	err := t.queryRow(ctx, `SELECT result FROM idempotency WHERE key = $1`, pgText(key)).Scan(&result)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("idempotency key %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", t.fail(ctx, fmt.Sprintf("idempotency key %q", key), err)
	}
	return result, nil
}

// SetIdempotent records result under key. The INSERT is deferred as
// Create's is: a key that exists (or that a concurrent transaction
// recorded first) fails the transaction with store.ErrConflict.
func (t *txn) SetIdempotent(ctx context.Context, key, result string) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("idempotency key is empty: %w", scheduling.ErrInvalid)
	}
	what := fmt.Sprintf("idempotency key %q", key)
	t.queueWrite(what, `
		WITH w AS (
			INSERT INTO idempotency (key, result, recorded) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING
			RETURNING 1)
		SELECT openslot_refuse('exists') WHERE NOT EXISTS (SELECT FROM w)`,
		func(string) error { return fmt.Errorf("%s: exists: %w", what, store.ErrConflict) },
		pgText(key), result, t.now)
	return nil
}

// Cursor returns the consumer's acknowledged position, 0 when none.
func (t *txn) Cursor(ctx context.Context, consumer string) (int64, error) {
	if err := t.check(ctx); err != nil {
		return 0, err
	}
	var c int64
	err := t.queryRow(ctx, `SELECT cursor FROM consumers WHERE name = $1`, pgText(consumer)).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, t.fail(ctx, fmt.Sprintf("cursor of consumer %q", consumer), err)
	}
	return c, nil
}

// SetCursor records the consumer's acknowledged position. The upsert is
// deferred as Create's is.
func (t *txn) SetCursor(ctx context.Context, consumer string, cursor int64) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if consumer == "" || cursor < 0 {
		return fmt.Errorf("cursor %d of consumer %q: need a name and a cursor >= 0: %w", cursor, consumer, scheduling.ErrInvalid)
	}
	t.queueWrite(fmt.Sprintf("set cursor of consumer %q", consumer), `
		INSERT INTO consumers (name, cursor, updated) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated = excluded.updated`,
		nil, pgText(consumer), cursor, t.now)
	return nil
}

// TryLease gives the lease to holder until now+ttl when nobody else holds
// it at now (a lease is held while now is before its end), with one upsert
// that only overwrites the row when it is holder's own or has run out.
func (t *txn) TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if err := t.check(ctx); err != nil {
		return false, err
	}
	if name == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("lease %q for %q: need a name, a holder and a positive ttl (got %s): %w", name, holder, ttl, scheduling.ErrInvalid)
	}
	now = normTime(now)
	var got string
	err := t.queryRow(ctx, `
		INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= $4
		RETURNING holder`, pgText(name), pgText(holder), normTime(now.Add(ttl)), now).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.fail(ctx, fmt.Sprintf("lease %q for %q", name, holder), err)
	}
	return got == pgText(holder), nil
}
