package pgstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/openslot/openslot/store"
)

func TestMapErr(t *testing.T) {
	pg := func(code string) error {
		return fmt.Errorf("driver: %w", &pgconn.PgError{Code: code, Message: "m"})
	}
	cases := []struct {
		name     string
		err      error
		conflict bool
	}{
		{"serialization failure", pg("40001"), true},
		{"deadlock", pg("40P01"), true},
		{"unique violation", pg("23505"), true},
		{"exclusion violation", pg("23P01"), true},
		{"check violation", pg("23514"), false},
		{"syntax error", pg("42601"), false},
		{"not a database error", errors.New("broken pipe"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mapErr(context.Background(), "put Patient/1", c.err)
			if errors.Is(got, store.ErrConflict) != c.conflict {
				t.Errorf("mapErr(%v) = %v; ErrConflict %v, want %v", c.err, got, !c.conflict, c.conflict)
			}
			if !errors.Is(got, c.err) {
				t.Errorf("mapErr(%v) = %v: lost the original error", c.err, got)
			}
			if want := "put Patient/1: "; len(got.Error()) < len(want) || got.Error()[:len(want)] != want {
				t.Errorf("mapErr message %q does not start with what failed", got)
			}
		})
	}
	if got := mapErr(context.Background(), "x", nil); got != nil {
		t.Errorf("mapErr(nil) = %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := mapErr(ctx, "x", pg("57014")); got != context.Canceled {
		t.Errorf("mapErr with an ended context = %v; want context.Canceled as it is", got)
	}
}
