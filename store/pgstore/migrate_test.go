package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

var wantTables = []string{"busy", "consumers", "events", "idempotency", "leases", "resources", "schema_migrations"}

// schemaState lists the tables of the pool's schema and the recorded
// migrations.
func schemaState(t *testing.T, pool *pgxpool.Pool) (tables []string, versions []int32) {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if tables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	rows, err = pool.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	if versions, err = pgx.CollectRows(rows, pgx.RowTo[int32]); err != nil {
		t.Fatal(err)
	}
	return tables, versions
}

func wantVersions() []int32 {
	var v []int32
	for i := range pgstore.SchemaVersion {
		v = append(v, int32(i+1))
	}
	return v
}

func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t, pgtest.Options{NoMigrate: true})
	ctx := context.Background()
	for i := range 3 {
		if err := pgstore.Migrate(ctx, pool); err != nil {
			t.Fatalf("Migrate call %d: %v", i+1, err)
		}
	}
	tables, versions := schemaState(t, pool)
	if !slices.Equal(tables, wantTables) {
		t.Errorf("tables %v; want %v", tables, wantTables)
	}
	if !slices.Equal(versions, wantVersions()) {
		t.Errorf("schema_migrations %v; want %v", versions, wantVersions())
	}
}

func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t, pgtest.Options{NoMigrate: true})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 5)
	start := make(chan struct{})
	for i := range errs {
		wg.Go(func() {
			<-start
			errs[i] = pgstore.Migrate(ctx, pool)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate in goroutine %d: %v", i, err)
		}
	}
	tables, versions := schemaState(t, pool)
	if !slices.Equal(tables, wantTables) {
		t.Errorf("tables %v; want one set: %v", tables, wantTables)
	}
	if !slices.Equal(versions, wantVersions()) {
		t.Errorf("schema_migrations %v; want each version once: %v", versions, wantVersions())
	}
}

func TestMigrateCancelled(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t, pgtest.Options{NoMigrate: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := pgstore.Migrate(ctx, pool); !errors.Is(err, context.Canceled) {
		t.Fatalf("Migrate with a cancelled context: %v; want context.Canceled", err)
	}
	tables, err := pool.Query(context.Background(), `SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for tables.Next() {
		n++
	}
	if n != 0 {
		t.Errorf("a cancelled Migrate left %d tables", n)
	}
}
