package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Round trips. A booking is a handful of statements, and on a busy server
// a round trip costs more than a small statement. So a transaction sends
// nothing it does not have to wait for: BEGIN, and every write whose only
// result is success or refusal (Create, Put, Delete, AddBusy, RemoveBusy,
// SetIdempotent, SetCursor), wait in txn.pending and go out in one
// pgx.Batch with the next statement whose result the caller needs (a read,
// LockSchedules, which must hold its locks when it returns, TryLease,
// RemoveBusyEntry), or with the events and COMMIT at the end. Reads thus
// see the transaction's own writes, and a transaction that only writes
// costs one round trip. A transaction that never sends a statement costs
// none.
//
// A deferred write that must not happen (an id that exists, a stale
// version, a refused busy entry, a taken idempotency key) calls
// openslot_refuse (migration 0002), whose error aborts the transaction:
// PostgreSQL skips the rest of the batch, COMMIT included, up to its Sync,
// and Update rolls back and returns the write's error (store.ErrConflict,
// or store.ErrNotFound for a Put or Delete of a missing record). So a
// write's refusal surfaces at the next statement of the transaction rather
// than at the call, as the store contract allows.

// codeRefused is the SQLSTATE of openslot_refuse.
const codeRefused = "OS409"

// pendingStmt is a statement whose only result is success or an error,
// sent ahead of the next statement.
type pendingStmt struct {
	what string // for the error message
	sql  string
	args []any
	// refused, when set, explains a refusal by openslot_refuse, given its
	// DETAIL, or a unique violation (a Create's id that exists), given "".
	refused func(detail string) error
}

// queue defers a statement to the next round trip.
func (t *txn) queue(what, sql string, args ...any) {
	t.pending = append(t.pending, pendingStmt{what: what, sql: sql, args: args})
}

// queueWrite defers a write to the next round trip; refused explains its
// refusal by openslot_refuse (nil for a write that is never refused).
func (t *txn) queueWrite(what, sql string, refused func(detail string) error, args ...any) {
	t.pending = append(t.pending, pendingStmt{what: what, sql: sql, args: args, refused: refused})
}

// explain wraps the error of a pending statement: a refusal becomes the
// statement's own error, anything else is wrapped with what failed.
func (p pendingStmt) explain(err error) error {
	var pgErr *pgconn.PgError
	if p.refused != nil && errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeRefused:
			return p.refused(pgErr.Detail)
		case codeUniqueViolation:
			return p.refused("")
		}
	}
	return fmt.Errorf("%s: %w", p.what, err)
}

// send starts a batch of the pending statements followed by sql, and
// checks the pending ones. It returns nil results when nothing is pending:
// the caller then runs sql on its own.
func (t *txn) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	if len(t.pending) == 0 {
		return nil, nil
	}
	pending := t.pending
	t.pending = nil
	t.sent = true
	b := &pgx.Batch{}
	for _, p := range pending {
		b.Queue(p.sql, p.args...)
	}
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, b)
	for _, p := range pending {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, p.explain(err)
		}
	}
	return br, nil
}

// exec runs a statement after the pending ones, in the same round trip.
func (t *txn) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if br == nil {
		return t.conn.Exec(ctx, sql, args...)
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// query runs a query after the pending statements, in the same round trip.
func (t *txn) query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	if br == nil {
		return t.conn.Query(ctx, sql, args...)
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// queryRow runs a one-row query after the pending statements, in the same
// round trip.
func (t *txn) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	br, err := t.send(ctx, sql, args)
	switch {
	case err != nil:
		return errRow{err}
	case br == nil:
		return t.conn.QueryRow(ctx, sql, args...)
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// finish sends what is pending and the last statements (the events, then
// COMMIT or ROLLBACK) in one round trip. With nothing ever sent and
// nothing but BEGIN pending, there is no transaction on the server to end:
// it sends nothing.
func (t *txn) finish(ctx context.Context, last ...pendingStmt) error {
	if !t.sent && len(t.pending) == 1 && len(last) == 1 {
		t.pending = nil
		return nil
	}
	t.pending = append(t.pending, last[:len(last)-1]...)
	end := last[len(last)-1]
	if _, err := t.exec(ctx, end.sql, end.args...); err != nil {
		return err
	}
	t.sent = false // the transaction is over
	return nil
}

// batchRows are a query's rows from a batch; closing them closes the batch.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close()
}

// batchRow is a one-row query's result from a batch; scanning it closes the
// batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errRow is a row whose statement could not run.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
