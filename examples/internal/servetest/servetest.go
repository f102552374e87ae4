package servetest

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/examples/internal/serve"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// Start runs p as its main does, with args and a getenv that knows only
// env, and returns the address it serves on, a function that stops it and
// returns Run's error, and its output (read it after stop). The program is
// stopped at the end of the test if it still runs.
func Start(t testing.TB, p serve.Program, args []string, env map[string]string) (addr string, stop func() error, out *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = new(bytes.Buffer)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, args, func(k string) string { return env[k] }, out, ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("%s ended before serving: %v", p.Name, err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("%s did not start serving within 30s", p.Name)
	}
	stopped := false
	var err error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return addr, stop, out
}

// RefusesBadArguments checks that p refuses an unknown flag, an extra
// argument and an address it cannot listen on, and reports an unreachable
// database instead of waiting for it.
func RefusesBadArguments(t *testing.T, p serve.Program) {
	t.Helper()
	ctx := context.Background()
	getenv := func(string) string { return "" }
	for _, args := range [][]string{{"-bogus"}, {"extra"}, {"-addr", "256.0.0.1:99999"}} {
		if err := p.Run(ctx, args, getenv, io.Discard, nil); err == nil {
			t.Errorf("%s %q: no error", p.Name, args)
		}
	}
	bad := func(string) string { return "postgres://nobody@127.0.0.1:1/none?connect_timeout=2" }
	if err := p.Run(ctx, nil, bad, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "postgres") {
		t.Errorf("%s with an unreachable database: %v", p.Name, err)
	}
}

// PostgresEnv returns an environment whose serve.DatabaseEnv points at a
// schema of the test's own on the test database (see pgtest), so that
// programs started with it share that schema, and nothing else. Without a
// test database it skips the test (or fails it under CI=true), as pgtest
// does.
func PostgresEnv(t *testing.T) map[string]string {
	t.Helper()
	pool := pgtest.Pool(t)
	var schema string
	if err := pool.QueryRow(context.Background(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx passes unknown parameters to the server
	u.RawQuery = q.Encode()
	return map[string]string{serve.DatabaseEnv: u.String()}
}
