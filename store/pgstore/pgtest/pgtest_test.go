package pgtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// recorder stands in for a *testing.T to watch URL skip or fail.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = args[0].(string) }
func (r *recorder) Fatal(args ...any) { r.failed = args[0].(string) }

func TestURLWithoutDatabase(t *testing.T) {
	t.Setenv(pgtest.EnvURL, "")

	t.Setenv("CI", "")
	r := &recorder{TB: t}
	pgtest.URL(r)
	if r.skipped != pgtest.Missing || r.failed != "" {
		t.Errorf("outside CI: skipped %q, failed %q; want a skip with pgtest.Missing", r.skipped, r.failed)
	}
	if !strings.Contains(pgtest.Missing, pgtest.EnvURL+"=") {
		t.Errorf("the message %q does not say how to run the tests", pgtest.Missing)
	}

	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	pgtest.URL(r)
	if r.failed != pgtest.Missing || r.skipped != "" {
		t.Errorf("under CI=true: skipped %q, failed %q; want a failure with pgtest.Missing", r.skipped, r.failed)
	}
}

// Each pool gets a schema of its own, migrated, and the schema is gone
// when the test ends.
func TestPoolIsolatedAndDropped(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	var schemas []string
	for i := range 2 {
		t.Run("pool", func(t *testing.T) {
			pool := pgtest.Pool(t)
			var schema string
			var tables int
			if err := pool.QueryRow(ctx, `SELECT current_schema(), (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema())`).
				Scan(&schema, &tables); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(schema, "openslot_test_") || tables == 0 {
				t.Fatalf("pool %d uses schema %q with %d tables; want a migrated openslot_test_ schema", i, schema, tables)
			}
			schemas = append(schemas, schema)
			var syncCommit string
			if err := pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&syncCommit); err != nil || syncCommit != "off" {
				t.Errorf("synchronous_commit is %q (%v); want off in a test pool", syncCommit, err)
			}
		})
	}
	if len(schemas) != 2 || schemas[0] == schemas[1] {
		t.Fatalf("two pools used schemas %v; want two different ones", schemas)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = ANY($1)`, schemas).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of the schemas %v were not dropped", left, schemas)
	}
}

// Pools opened on one schema share its tables (what several instances of
// an application see), and only the test that made the schema drops it.
func TestPoolsShareSchema(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.Schema(t)
	a := pgtest.New(t, pgtest.Options{Schema: schema})
	t.Run("second pool", func(t *testing.T) {
		b := pgtest.New(t, pgtest.Options{Schema: schema, NoMigrate: true, MaxConns: 2})
		if _, err := b.Exec(ctx, `INSERT INTO leases (name, holder, until) VALUES ('x', 'b', now())`); err != nil {
			t.Fatalf("the second pool cannot write the migrated schema %s: %v", schema, err)
		}
	})
	var holder, current string
	if err := a.QueryRow(ctx, `SELECT holder, current_schema() FROM leases WHERE name = 'x'`).Scan(&holder, &current); err != nil {
		t.Fatalf("the first pool does not see the second pool's row once that pool is closed: %v", err)
	}
	if holder != "b" || current != schema {
		t.Errorf("read holder %q in schema %q; want %q in %q", holder, current, "b", schema)
	}
}
