// Package servetest starts the HTTP example programs of package serve in
// their tests.
package servetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/openslot/openslot/examples/internal/serve"
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
