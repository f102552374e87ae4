package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/openslot/openslot/store/pgstore/pgtest"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden with the program's output")

// TestOutput runs the quickstart and compares its output with the golden
// file, so that what the README shows is what the program prints. Run
// `go test ./examples/quickstart -update` after an intended change.
func TestOutput(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, ""); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "output.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update if the change is intended)\n--- got\n%s\n--- want\n%s", golden, buf.Bytes(), want)
	}
}

// TestOutputPostgres runs the quickstart on PostgreSQL (-postgres) and
// compares its output with the same golden file: the store changes
// nothing the program prints. The schema it made is gone afterwards. It
// needs OPENSLOT_TEST_DATABASE_URL (see package pgtest).
func TestOutputPostgres(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	var buf bytes.Buffer
	if err := run(ctx, &buf, url); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "output.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("output on PostgreSQL differs from testdata/output.golden\n--- got\n%s\n--- want\n%s", buf.Bytes(), want)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'openslot\_quickstart\_%'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d openslot_quickstart_ schemas are left in the database; the program must drop its own", left)
	}
}
