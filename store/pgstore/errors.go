package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/openslot/openslot/store"
)

// SQLSTATE codes that a retry of the whole transaction can cure: they all
// become store.ErrConflict.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
	codeExclusionViolation   = "23P01"
)

// mapErr turns an error of the driver into the error a store returns: the
// context's own error when the context ended (as it is, not wrapped), an
// error wrapping store.ErrConflict (and the *pgconn.PgError) for conflicts a
// retry can cure, and otherwise err itself, wrapped once with what failed.
func mapErr(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if e := ctx.Err(); e != nil {
		return e
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeSerializationFailure, codeDeadlockDetected, codeUniqueViolation, codeExclusionViolation:
			return fmt.Errorf("%s: %w: %w", what, store.ErrConflict, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ctxErr returns the context's error when it ended, else err.
func ctxErr(ctx context.Context, err error) error {
	if e := ctx.Err(); e != nil {
		return e
	}
	return err
}

// commitError is Update's error for a final round trip (the held-back
// writes, the events and COMMIT) that failed. When the server answered it
// with an error, or nothing of it was sent, the transaction did not
// commit: the error is mapped as mapErr maps it (a refused write or a
// conflict wraps store.ErrConflict). Otherwise the connection failed, or
// the round trip ran out of commitTimeout, after the COMMIT may have
// reached the server: the transaction may have committed, and the error
// says so: it wraps store.ErrCommitUnknown, and neither store.ErrConflict
// (the Scheduler would retry, and book twice) nor a context error (which
// means rolled back).
func commitError(err error) error {
	var (
		pgErr *pgconn.PgError
		pre   pgx.ErrPreprocessingBatch
	)
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound), // refused by the server
		errors.As(err, &pgErr) && !fatal(pgErr),
		errors.As(err, &pre), pgconn.SafeToRetry(err): // nothing was sent
		return mapErr(context.Background(), "pgstore: commit", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("pgstore: commit: %v: %w: the transaction may have committed", err, store.ErrCommitUnknown)
	}
	return fmt.Errorf("pgstore: commit: %w: %w: the transaction may have committed", err, store.ErrCommitUnknown)
}

// fatal reports whether the server ended the session with err: it may
// have done so after the COMMIT, so such an error leaves the outcome
// unknown.
func fatal(err *pgconn.PgError) bool {
	sev := err.SeverityUnlocalized
	if sev == "" {
		sev = err.Severity
	}
	return sev == "FATAL" || sev == "PANIC"
}
