package pgstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// Open connects, migrates and owns its pool: what one Store wrote, a
// second Open of the same schema reads, and Close ends the store.
func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", pgtest.Schema(t)) // pgx passes unknown parameters to the server
	u.RawQuery = q.Encode()

	s, err := pgstore.Open(ctx, u.String(), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
	if err := s.View(ctx, func(store.ReadTx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close: %v; want ErrClosed", err)
	}

	again, err := pgstore.Open(ctx, u.String(), nil) // the schema is migrated already
	if err != nil {
		t.Fatalf("Open of a migrated schema: %v", err)
	}
	defer again.Close()
	if err := again.View(ctx, func(tx store.ReadTx) error {
		_, err := tx.Get(ctx, "Patient", "p1")
		return err
	}); err != nil {
		t.Errorf("patient written through the first Open: %v", err)
	}

	if _, err := pgstore.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", nil); err == nil ||
		!strings.Contains(err.Error(), "pgstore") {
		t.Errorf("Open of an unreachable database: %v; want an error that names pgstore", err)
	}
}
