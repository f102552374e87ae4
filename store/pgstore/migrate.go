package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered file of migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order. File names
// are NNNN_name.sql with versions 1, 2, 3, ... and no gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("pgstore: read embedded migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("pgstore: migration file %s is not named NNNN_name.sql", name)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("pgstore: read migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %s: want version %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this package's migrations bring a
// database to.
const SchemaVersion = 2

// Migrate brings the schema that pool's connections use (the first schema
// of their search_path) to SchemaVersion. It applies, in one transaction,
// every embedded migration that the schema_migrations table does not list
// yet, and records each. It holds a transaction-scoped advisory lock keyed by
// the schema name while it works, so several processes that start at once
// and all call Migrate apply each migration exactly once; the others wait,
// then find nothing to do. When it has migrations to apply it also holds a
// lock for the whole database, so that Migrates of several schemas (several
// installations in one database) do not both create btree_gist. Calling
// Migrate on an up-to-date schema changes nothing. A schema migrated by a
// newer release (versions above SchemaVersion) is left as it is.
//
// A Store needs the schema at SchemaVersion: version 2 adds the function
// openslot_refuse, through which a write sent with the COMMIT refuses to
// commit.
//
// The first migration runs CREATE EXTENSION IF NOT EXISTS btree_gist, which
// needs a role that may create extensions (btree_gist is a trusted
// extension: the database owner may) unless it is installed already.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("pgstore: migrate: begin: %w", ctxErr(ctx, err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('openslot.migrate:' || current_schema(), 0))`); err != nil {
		return fmt.Errorf("pgstore: migrate: lock (is a schema on the search_path?): %w", ctxErr(ctx, err))
	}
	// The lock is held: every statement from here on sees what a migration
	// that ran before us committed.
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrate: create schema_migrations: %w", ctxErr(ctx, err))
	}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: read schema_migrations: %w", ctxErr(ctx, err))
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("pgstore: migrate: read schema_migrations: %w", ctxErr(ctx, err))
	}
	locked := false
	for _, m := range ms {
		if slices.Contains(applied, int32(m.version)) {
			continue
		}
		if !locked {
			// Migrations may change what the database shares between
			// schemas (migration 1 creates btree_gist, one per database):
			// Migrates of other schemas wait, so that they find it made
			// instead of failing to make it a second time.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('openslot.migrate', 0))`); err != nil {
				return fmt.Errorf("pgstore: migrate: lock the database: %w", ctxErr(ctx, err))
			}
			locked = true
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("pgstore: migrate: apply %s: %w", m.name, ctxErr(ctx, err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return fmt.Errorf("pgstore: migrate: record %s: %w", m.name, ctxErr(ctx, err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: migrate: commit: %w", ctxErr(ctx, err))
	}
	return nil
}
