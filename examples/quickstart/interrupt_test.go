package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// helperEnv makes the test binary run main() instead of the tests (see
// TestHelperMain).
const helperEnv = "OPENSLOT_QUICKSTART_HELPER"

// TestHelperMain is the quickstart's main() when the test binary is started
// again by TestInterruptDropsSchema; on its own it does nothing.
func TestHelperMain(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	os.Args = append([]string{"quickstart"}, strings.Fields(os.Getenv(helperEnv+"_ARGS"))...)
	main()
}

// quickstartSchemas lists the schemas the quickstart makes
// (openslot_quickstart_<random>).
func quickstartSchemas(t *testing.T, url string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'openslot\_quickstart\_%'`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// TestInterruptDropsSchema: doc.go promises that the -postgres run drops
// the schema it made "when it ends". Interrupted with Ctrl-C (SIGINT) in
// the middle of the demo, it must still drop it.
func TestInterruptDropsSchema(t *testing.T) {
	url := pgtest.URL(t)
	if testing.Short() {
		t.Skip("starts the quickstart as a process: skipped in -short mode")
	}
	before := quickstartSchemas(t, url)
	t.Cleanup(func() { // never leave a schema behind, whatever happened
		ctx := context.Background()
		for name := range quickstartSchemas(t, url) {
			if !before[name] {
				if conn, err := pgx.Connect(ctx, url); err == nil {
					_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
					conn.Close(ctx)
				}
			}
		}
	})
	for attempt := 0; attempt < 5; attempt++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$")
		cmd.Env = append(os.Environ(), helperEnv+"=1", helperEnv+"_ARGS=-postgres "+url)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The first line comes after the clinic was stored in the schema
		// and before the bookings: interrupt there.
		r := bufio.NewReader(stdout)
		first, _ := r.ReadString('\n')
		if !strings.HasPrefix(first, "Next free slots") {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("first line %q; stderr:\n%s", first, stderr.String())
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(r)
		err = cmd.Wait()
		if err == nil && strings.Contains(string(rest), "checked-in") {
			continue // the demo ended before the signal arrived: try again
		}
		for name := range quickstartSchemas(t, url) {
			if !before[name] {
				t.Errorf("interrupted (%v), the quickstart left schema %s in the database; stderr:\n%s", err, name, stderr.String())
			}
		}
		return
	}
	t.Skip("the demo ended before the interrupt in every attempt")
}
