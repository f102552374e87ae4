package pgstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// The environment of a helper process started by TestMultiProcess.
const (
	envHelper = "OPENSLOT_PGSTORE_HELPER" // the worker's number; unset outside a helper
	envSchema = "OPENSLOT_PGSTORE_SCHEMA" // the shared schema
	envEpoch  = "OPENSLOT_PGSTORE_EPOCH"  // the shared clock's epoch, Unix nanoseconds
)

// Lines a helper writes on its standard output.
const (
	helperReady  = "openslot-helper: ready"
	helperChange = "openslot-helper: change "
)

// Three operating-system processes (this test binary run again as
// TestHelperProcess) share one schema, each with its own pool, Scheduler
// and hold sweeper, and book, hold, reschedule and cancel over the same
// overlapping times, released at once when all three are connected.
// Afterwards the same SQL checks as TestMultiInstance run (checkShared).
func TestMultiProcess(t *testing.T) {
	t.Parallel()
	const processes = 3
	ctx := context.Background()
	schema := pgtest.Schema(t)
	pool := pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 4})
	epoch := time.Now()
	clk := newVClock(epoch)
	createMultiSchedules(t, newMultiScheduler(pool, clk))

	type child struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		lines  chan string
		output strings.Builder // everything it printed, for failures
	}
	children := make([]*child, processes)
	var readers sync.WaitGroup
	for i := range children {
		c := &child{lines: make(chan string, 1024)}
		c.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		c.cmd.Env = append(os.Environ(), envHelper+"="+strconv.Itoa(i), envSchema+"="+schema,
			envEpoch+"="+strconv.FormatInt(epoch.UnixNano(), 10))
		c.cmd.Stderr = &lockedWriter{b: &c.output}
		var err error
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		stdout, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatalf("start helper %d: %v", i, err)
		}
		readers.Go(func() {
			defer close(c.lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				c.lines <- sc.Text()
			}
		})
		children[i] = c
	}
	// Release them together once every one is connected.
	for i, c := range children {
		if err := awaitReady(c.lines, 60*time.Second); err != nil {
			for _, c := range children {
				_ = c.cmd.Process.Kill()
			}
			t.Fatalf("helper %d: %v", i, err)
		}
	}
	for _, c := range children {
		if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
		_ = c.stdin.Close()
	}
	var changes []change
	for i, c := range children {
		var out []string
		for line := range c.lines {
			out = append(out, line)
			if rest, ok := strings.CutPrefix(line, helperChange); ok {
				id, v, _ := strings.Cut(rest, " ")
				version, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("helper %d printed %q", i, line)
				}
				changes = append(changes, change{id, version})
			}
		}
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("helper %d failed: %v\nstdout:\n%s\nstderr:\n%s", i, err, strings.Join(out, "\n"), c.output.String())
		}
	}
	readers.Wait()
	if t.Failed() {
		t.FailNow()
	}

	clk.Skip(24 * time.Hour)
	swept := clk.Now()
	if _, err := newMultiScheduler(pool, clk).ExpireHolds(ctx); err != nil {
		t.Fatalf("final sweep: %v", err)
	}
	checkShared(t, pool, swept, changes)
	booked, expired := runStats(t, pool, 0)
	t.Logf("%d processes: %d successful changes, %d booked at the end, %d holds expired", processes, len(changes), booked, expired)
	if len(changes) == 0 || booked == 0 {
		t.Errorf("the processes must book something; %d changes, %d booked", len(changes), booked)
	}
}

// awaitReady reads a helper's lines until it says it is ready.
func awaitReady(lines <-chan string, timeout time.Duration) error {
	deadline := time.After(timeout)
	var seen []string
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return fmt.Errorf("exited before it was ready; it printed %q", seen)
			}
			if line == helperReady {
				return nil
			}
			seen = append(seen, line)
		case <-deadline:
			return fmt.Errorf("not ready after %s", timeout)
		}
	}
}

// lockedWriter lets exec copy a child's stderr while the test reads it.
type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestHelperProcess is one of TestMultiProcess's processes; run on its own
// (without OPENSLOT_PGSTORE_HELPER) it does nothing. It connects to the
// shared schema, says it is ready, waits for "go" on its standard input,
// then runs the hold sweeper and three goroutines of churn, and prints
// every change that succeeded.
func TestHelperProcess(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(envHelper))
	if err != nil {
		return // not started by TestMultiProcess
	}
	ns, err := strconv.ParseInt(os.Getenv(envEpoch), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", envEpoch, err)
	}
	pool := pgtest.New(t, pgtest.Options{Schema: os.Getenv(envSchema), NoMigrate: true, MaxConns: 6})
	s := newMultiScheduler(pool, newVClock(time.Unix(0, ns)))
	ctx := context.Background()
	if err := pool.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Println(helperReady)
	if line, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil || line != "go\n" {
		t.Fatalf("waiting for go: read %q, %v", line, err)
	}

	sweep, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.RunSweeper(sweep, multiSweep); !errors.Is(err, context.Canceled) {
			t.Errorf("sweeper: %v", err)
		}
	})
	var mu sync.Mutex
	var changes []change
	var work sync.WaitGroup
	for w := range 3 {
		work.Go(func() {
			done := churn(ctx, t, s, uint64(100+n*3+w), 30)
			mu.Lock()
			changes = append(changes, done...)
			mu.Unlock()
		})
	}
	work.Wait()
	stop()
	wg.Wait()
	for _, c := range changes {
		fmt.Printf("%s%s %d\n", helperChange, c.ID, c.Version)
	}
}
