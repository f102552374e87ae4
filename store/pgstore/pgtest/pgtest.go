package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/store/pgstore"
)

// EnvURL is the environment variable that holds the test database's
// connection string.
const EnvURL = "OPENSLOT_TEST_DATABASE_URL"

// Missing is the message a test skips (or, under CI=true, fails) with when
// EnvURL is not set.
const Missing = EnvURL + " is not set: the PostgreSQL tests need a database they may create schemas in. " +
	"Run them with " + EnvURL + "='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go test ./..."

// URL returns the test database's connection string from EnvURL. When it
// is not set, URL skips tb, or fails it when the environment variable CI is
// "true".
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal(Missing)
		} else {
			tb.Skip(Missing)
		}
	}
	return u
}

// Options tunes a pool. The zero value is what Pool uses.
type Options struct {
	// MaxConns caps the pool's connections; 0 means 16.
	MaxConns int32
	// NoMigrate leaves the schema empty instead of running pgstore.Migrate.
	NoMigrate bool
	// Durable keeps synchronous_commit on. Test pools turn it off: a commit
	// then returns before its WAL reaches the disk, which changes nothing a
	// test can observe (visibility and locks are the same) but makes the
	// suites several times faster. Benchmarks of write throughput set it.
	Durable bool
	// Schema, when set, makes the pool use this existing schema (made by
	// Schema, possibly in another process) instead of a new one. The pool
	// does not drop it: whoever made it does.
	Schema string
	// Configure, when set, is called with the pool's configuration before
	// the pool connects: to add a pgx tracer, for example.
	Configure func(*pgxpool.Config)
}

// Pool returns a pool whose connections use a new schema of their own
// (search_path = the schema, then public), migrated to the current
// pgstore.SchemaVersion. The pool is closed and the schema dropped when tb
// and its subtests end.
func Pool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return New(tb, Options{})
}

// New is Pool with options.
func New(tb testing.TB, opts Options) *pgxpool.Pool {
	tb.Helper()
	url := URL(tb)
	schema := opts.Schema
	if schema == "" {
		schema = Schema(tb)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema + ", public"
	if !opts.Durable {
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	}
	cfg.MaxConns = 16
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.Configure != nil {
		opts.Configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	tb.Cleanup(pool.Close) // runs before the schema is dropped
	if !opts.NoMigrate {
		if err := pgstore.Migrate(ctx, pool); err != nil {
			tb.Fatalf("pgtest: %v", err)
		}
	}
	return pool
}

// Schema creates an empty schema with a random name (openslot_test_...)
// and returns the name; it is dropped, with everything in it, when tb and
// its subtests end. Open pools on it with New and Options.Schema; the
// first of them to run pgstore.Migrate creates the tables.
func Schema(tb testing.TB) string {
	tb.Helper()
	url := URL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ensureExtension(ctx, url); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	schema := "openslot_test_" + strings.ToLower(rand.Text())
	if err := admin(ctx, url, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := admin(ctx, url, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// admin runs one statement on a connection of its own.
func admin(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

var (
	extOnce sync.Once
	extErr  error
)

// ensureExtension installs btree_gist in schema public once per process
// (under an advisory lock, as test binaries run in parallel). Installed by a
// migration instead, it would land in the test schema and go when the
// schema is dropped, taking the other schemas' constraints with it.
func ensureExtension(ctx context.Context, url string) error {
	extOnce.Do(func() {
		extErr = admin(ctx, url, `DO $$ BEGIN
			PERFORM pg_advisory_xact_lock(hashtextextended('openslot.pgtest.extension', 0));
			CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;
		END $$`)
		if extErr != nil {
			extErr = fmt.Errorf("install btree_gist in schema public: %w", extErr)
		}
	})
	return extErr
}
