package pgstore

import (
	"context"
	"errors"
	"fmt"

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
