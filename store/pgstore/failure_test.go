package pgstore_test

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// Failure paths of a transaction: a connection that breaks, a network
// that stops answering, a context that ends, at chosen points of the
// round trips. The points are held by a pgx tracer (batchHook, called
// before a batch is written) and a net.Conn wrapper (stallConn); the
// tests wait on pg_stat_activity, never on bare sleeps.

// batchHook is a pgx tracer that calls a hook before the next batch (or
// statement sent alone) that holds a given statement is written, on the
// goroutine that sends it.
type batchHook struct {
	mu    sync.Mutex
	match func(sql string) bool
	hook  func(conn *pgx.Conn)
}

// arm makes the next batch with a statement that match accepts call hook.
func (h *batchHook) arm(match func(sql string) bool, hook func(conn *pgx.Conn)) {
	h.mu.Lock()
	h.match, h.hook = match, hook
	h.mu.Unlock()
}

func (h *batchHook) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	h.mu.Lock()
	var hook func(*pgx.Conn)
	if h.hook != nil && h.match(data.SQL) {
		hook, h.hook = h.hook, nil
	}
	h.mu.Unlock()
	if hook != nil {
		hook(conn)
	}
	return ctx
}

func (h *batchHook) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (h *batchHook) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	h.mu.Lock()
	var hook func(*pgx.Conn)
	if h.hook != nil {
		for _, q := range data.Batch.QueuedQueries {
			if h.match(q.SQL) {
				hook, h.hook = h.hook, nil
				break
			}
		}
	}
	h.mu.Unlock()
	if hook != nil {
		hook(conn)
	}
	return ctx
}

func (h *batchHook) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (h *batchHook) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Statements the hooks wait for.
var (
	isCommit = func(sql string) bool { return sql == "COMMIT" }
	isLock   = func(sql string) bool { return strings.Contains(sql, "pg_advisory_xact_lock") }
	isGet    = func(sql string) bool {
		return strings.Contains(sql, "SELECT version, last_updated, body FROM resources")
	}
)

// stallConn is a net.Conn whose reads can be stalled, as when the network
// stops carrying the server's answers: a stalled read waits until the
// stall is released, then fails. It honours read deadlines (pgx sets one
// when a context ends), unless told to hold past them.
type stallConn struct {
	net.Conn
	mu       sync.Mutex
	release  chan struct{} // reads are stalled while it is open
	hold     bool          // a stalled read ignores its deadline until released
	deadline time.Time
	poke     chan struct{} // closed when the deadline changes
}

var errDropped = errors.New("test: the network dropped the answer")

// stall stalls reads from now until release is closed.
func (c *stallConn) stall(hold bool) (release chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.release, c.hold = make(chan struct{}), hold
	return c.release
}

// deadlinePassed reports whether a read deadline is set and has passed.
func (c *stallConn) deadlinePassed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.deadline.IsZero() && !time.Now().Before(c.deadline)
}

func (c *stallConn) setDeadline(t time.Time) {
	c.mu.Lock()
	c.deadline = t
	if c.poke != nil {
		close(c.poke)
		c.poke = nil
	}
	c.mu.Unlock()
}

func (c *stallConn) SetDeadline(t time.Time) error {
	c.setDeadline(t)
	return c.Conn.SetDeadline(t)
}

func (c *stallConn) SetReadDeadline(t time.Time) error {
	c.setDeadline(t)
	return c.Conn.SetReadDeadline(t)
}

func (c *stallConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		release, hold, deadline := c.release, c.hold, c.deadline
		if c.poke == nil {
			c.poke = make(chan struct{})
		}
		poke := c.poke
		c.mu.Unlock()
		if release == nil {
			return c.Conn.Read(p)
		}
		var timeout <-chan time.Time
		if !hold && !deadline.IsZero() {
			tm := time.NewTimer(time.Until(deadline))
			defer tm.Stop()
			timeout = tm.C
		}
		select {
		case <-release:
			if c.deadlinePassed() {
				return 0, os.ErrDeadlineExceeded
			}
			return 0, errDropped
		case <-timeout:
			return 0, os.ErrDeadlineExceeded
		case <-poke: // the deadline changed: wait again
		}
	}
}

// failPool is a one-connection pool on a schema of its own whose batches
// can be held and whose connections' reads can be stalled, with a second
// pool (admin) on the same schema to watch, lock and kill.
type failPool struct {
	*pgxpool.Pool
	hooks *batchHook
	admin *pgxpool.Pool
	mu    sync.Mutex
	conns map[uint32]*stallConn // by backend pid
}

func newFailPool(t *testing.T) *failPool {
	t.Helper()
	f := &failPool{hooks: &batchHook{}, conns: map[uint32]*stallConn{}}
	var dialed sync.Map // local address -> *stallConn, until AfterConnect learns the pid
	schema := pgtest.Schema(t)
	f.Pool = pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 1, Configure: func(cfg *pgxpool.Config) {
		cfg.ConnConfig.Tracer = f.hooks
		cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			sc := &stallConn{Conn: c}
			dialed.Store(c.LocalAddr().String(), sc)
			return sc, nil
		}
		cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
			if sc, ok := dialed.LoadAndDelete(conn.PgConn().Conn().LocalAddr().String()); ok {
				f.mu.Lock()
				f.conns[conn.PgConn().PID()] = sc.(*stallConn)
				f.mu.Unlock()
			}
			return nil
		}
	}})
	f.admin = pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 4})
	return f
}

// netConn is the stallConn under conn.
func (f *failPool) netConn(t *testing.T, conn *pgx.Conn) *stallConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	sc := f.conns[conn.PgConn().PID()]
	if sc == nil {
		t.Errorf("no stallConn for backend %d", conn.PgConn().PID())
	}
	return sc
}

// kill terminates the backend pid and waits until it is gone.
func (f *failPool) kill(t *testing.T, pid uint32) {
	var ok bool
	if err := f.admin.QueryRow(context.Background(), `SELECT pg_terminate_backend($1, 10000)`, int32(pid)).Scan(&ok); err != nil || !ok {
		t.Errorf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
	}
	f.waitFor(t, "backend gone", `SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $1`, int32(pid))
}

// waitFor polls a boolean query of the admin pool until it is true.
func (f *failPool) waitFor(t *testing.T, what, sql string, args ...any) {
	poll(t, what, func() bool {
		var ok bool
		if err := f.admin.QueryRow(context.Background(), sql, args...).Scan(&ok); err != nil {
			t.Errorf("waiting for %s: %v", what, err)
			return true
		}
		return ok
	})
}

// waitLockWait waits until backend pid waits for a lock.
func (f *failPool) waitLockWait(t *testing.T, pid uint32) {
	f.waitFor(t, "a lock wait", `SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, int32(pid))
}

// poll waits up to 10 s for cond.
func poll(t *testing.T, what string, cond func() bool) {
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("still waiting for %s after 10 s", what)
			return
		}
	}
}

// patientVersion is the stored version of Patient/id, 0 when there is none.
func (f *failPool) patientVersion(t *testing.T, id string) int64 {
	t.Helper()
	var v int64
	err := f.admin.QueryRow(context.Background(), `SELECT version FROM resources WHERE type = 'Patient' AND id = $1`, id).Scan(&v)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	return v
}

// nothingKept checks that no trace of the booking of id is stored.
func (f *failPool) nothingKept(t *testing.T, id string) {
	t.Helper()
	var n int
	err := f.admin.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM resources WHERE id = $1) + (SELECT count(*) FROM busy WHERE id = 'b-' || $1) +
		(SELECT count(*) FROM events WHERE appointment_id = $1) + (SELECT count(*) FROM idempotency WHERE key = 'k-' || $1)`, id).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows of the failed booking %s were kept", n, id)
	}
}

// lockSchedule holds s1's schedule lock in a transaction of the admin
// pool until the returned func is called.
func (f *failPool) lockSchedule(t *testing.T) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := f.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('openslot.schedule:' || current_schema() || ':s1', 0))`); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback(ctx) }
}

// lockRow holds the row of Patient/id in a transaction of the admin pool.
func (f *failPool) lockRow(t *testing.T, id string) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := f.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT FROM resources WHERE type = 'Patient' AND id = $1 FOR UPDATE`, id); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback(ctx) }
}

// booking is a booking's transaction in the Scheduler's order: the
// idempotency key, the lock with a prefetch of the schedule and its busy
// time, the reads, then the appointment (a Patient here), its busy
// entry, an event and the key. Every Update of it costs three round
// trips: the key (with BEGIN), the lock with its reads, the writes with
// COMMIT.
func booking(ctx context.Context, id string) func(tx store.Tx) error {
	return func(tx store.Tx) error {
		if _, err := tx.Idempotent(ctx, "k-"+id); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		tx.(store.Prefetcher).Prefetch(store.Prefetch{Resources: []store.Key{{Type: "Schedule", ID: "s1"}},
			Busy: []store.BusyRange{{ScheduleIDs: []string{"s1"}, From: t0, To: t0.Add(time.Hour)}}})
		if err := tx.LockSchedules(ctx, "s1"); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, "Schedule", "s1"); err != nil {
			return err
		}
		if _, err := tx.Busy(ctx, []string{"s1"}, t0, t0.Add(time.Hour)); err != nil {
			return err
		}
		if err := tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: id}}); err != nil {
			return err
		}
		if err := tx.AddBusy(ctx, store.Busy{ID: "b-" + id, ScheduleID: "s1", Start: t0, End: t0.Add(time.Minute)}); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: id}); err != nil {
			return err
		}
		return tx.SetIdempotent(ctx, "k-"+id, id)
	}
}

// warm runs a booking so that the pool's connection has prepared every
// statement: the next batches then go out as they are, with no prepare
// round trip before them.
func warm(t *testing.T, s store.Store, id string) {
	t.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, booking(ctx, id)); err != nil {
		t.Fatalf("warm-up booking %s: %v", id, err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Delete(ctx, "Patient", id, 0)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestFailurePoints breaks a booking's connection, or ends its context,
// at each point of its round trips. Update must fail, keep nothing of the
// booking, leave the broken connection out of the pool, and leave no
// goroutine behind; the next booking must work.
func TestFailurePoints(t *testing.T) {
	f := newFailPool(t)
	s := pgstore.New(f.Pool, nil)
	bg := context.Background()
	if err := s.Update(bg, func(tx store.Tx) error {
		return tx.Create(bg, &scheduling.Schedule{Meta: scheduling.Meta{ID: "s1"}})
	}); err != nil {
		t.Fatal(err)
	}
	warm(t, s, "warm")

	type point struct {
		name string
		// run runs the booking of id (or its Update), breaking it.
		run func(t *testing.T, id string) error
		// want checks the error of Update.
		want func(err error) bool
		// fresh: the connection must be a new one afterwards.
		fresh bool
	}
	failed := func(err error) bool { return err != nil }
	canceled := func(err error) bool { return errors.Is(err, context.Canceled) }
	killAt := func(match func(string) bool) func(t *testing.T, id string) error {
		return func(t *testing.T, id string) error {
			f.hooks.arm(match, func(conn *pgx.Conn) { f.kill(t, conn.PgConn().PID()) })
			return s.Update(bg, booking(bg, id))
		}
	}
	cancelAt := func(match func(string) bool) func(t *testing.T, id string) error {
		return func(t *testing.T, id string) error {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			f.hooks.arm(match, func(*pgx.Conn) { cancel() })
			return s.Update(ctx, booking(ctx, id))
		}
	}
	points := []point{
		{name: "killed before BEGIN", run: killAt(func(sql string) bool { return strings.HasPrefix(sql, "BEGIN") }), want: failed, fresh: true},
		{name: "killed after BEGIN, before the lock", run: killAt(isLock), want: failed, fresh: true},
		{name: "killed after the lock, before COMMIT is sent", run: killAt(isCommit), want: failed, fresh: true},
		{name: "killed after COMMIT is sent, waiting before it", run: func(t *testing.T, id string) error {
			// The final batch waits for a row lock: kill it there.
			if err := s.Update(bg, func(tx store.Tx) error {
				return tx.Create(bg, &scheduling.Patient{Meta: scheduling.Meta{ID: "row-" + id}})
			}); err != nil {
				t.Fatal(err)
			}
			unlock := f.lockRow(t, "row-"+id)
			defer unlock()
			f.hooks.arm(isCommit, func(conn *pgx.Conn) {
				pid := conn.PgConn().PID()
				go func() { f.waitLockWait(t, pid); f.kill(t, pid) }()
			})
			err := s.Update(bg, func(tx store.Tx) error {
				if err := booking(bg, id)(tx); err != nil {
					return err
				}
				return tx.Put(bg, &scheduling.Patient{Meta: scheduling.Meta{ID: "row-" + id, Version: 1}})
			})
			if v := f.patientVersion(t, "row-"+id); v != 1 {
				t.Errorf("the Put of the killed transaction was kept: version %d", v)
			}
			return err
		}, want: failed, fresh: true},
		{name: "cancelled before BEGIN", run: cancelAt(func(sql string) bool { return strings.HasPrefix(sql, "BEGIN") }), want: canceled},
		{name: "cancelled after BEGIN, before the lock", run: cancelAt(isLock), want: canceled},
		{name: "cancelled in the lock wait", run: func(t *testing.T, id string) error {
			unlock := f.lockSchedule(t)
			defer unlock()
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			f.hooks.arm(isLock, func(conn *pgx.Conn) {
				pid := conn.PgConn().PID()
				go func() { f.waitLockWait(t, pid); cancel() }()
			})
			return s.Update(ctx, booking(ctx, id))
		}, want: canceled, fresh: true},
		{name: "deadline in the lock wait", run: func(t *testing.T, id string) error {
			unlock := f.lockSchedule(t)
			defer unlock()
			ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
			defer cancel()
			return s.Update(ctx, booking(ctx, id))
		}, want: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, fresh: true},
		{name: "network stalled in the lock batch, then cancelled", run: func(t *testing.T, id string) error {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			var release chan struct{}
			f.hooks.arm(isLock, func(conn *pgx.Conn) {
				release = f.netConn(t, conn).stall(false)
				pid := conn.PgConn().PID()
				go func() {
					// The server has run the whole batch; its answer does
					// not arrive.
					f.waitFor(t, "the lock batch run", `SELECT count(*) > 0 FROM pg_stat_activity
						WHERE pid = $1 AND state = 'idle in transaction' AND query LIKE '%FROM busy%'`, int32(pid))
					cancel()
				}()
			})
			err := s.Update(ctx, booking(ctx, id))
			if release != nil {
				close(release) // the network is back: pgx closes the connection
			}
			return err
		}, want: canceled, fresh: true},
	}
	for i, p := range points {
		t.Run(p.name, func(t *testing.T) {
			goroutines := runtime.NumGoroutine()
			id := "p" + string(rune('a'+i))
			var pid uint32
			if err := f.AcquireFunc(bg, func(c *pgxpool.Conn) error { pid = c.Conn().PgConn().PID(); return nil }); err != nil {
				t.Fatal(err)
			}
			err := p.run(t, id)
			if !p.want(err) {
				t.Errorf("Update returned %v", err)
			}
			if errors.Is(err, store.ErrConflict) {
				t.Errorf("Update's error %v wraps ErrConflict: the Scheduler would retry", err)
			}
			poll(t, "the connection back in the pool", func() bool { return f.Stat().AcquiredConns() == 0 })
			f.nothingKept(t, id)
			var now uint32
			if err := f.AcquireFunc(bg, func(c *pgxpool.Conn) error { now = c.Conn().PgConn().PID(); return nil }); err != nil {
				t.Fatal(err)
			}
			if p.fresh && now == pid {
				t.Errorf("the connection of backend %d went back to the pool after it broke", pid)
			}
			warm(t, s, "after-"+id)
			poll(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= goroutines })
		})
	}
}

// TestRollbackHonoursContext: when fn returns because its context ended,
// Update returns without waiting for a server that no longer answers.
// The rollback went out under context.WithoutCancel and no time bound,
// so on a network that stopped answering, Update (and View) waited for the
// ROLLBACK for as long as TCP took to give up, whatever the caller's
// context said.
func TestRollbackHonoursContext(t *testing.T) {
	f := newFailPool(t)
	s := pgstore.New(f.Pool, nil)
	bg := context.Background()
	goroutines := runtime.NumGoroutine()
	for _, view := range []bool{false, true} {
		ctx, cancel := context.WithCancel(bg)
		conns := make(chan *stallConn, 1)
		f.hooks.arm(isGet, func(conn *pgx.Conn) { conns <- f.netConn(t, conn) })
		stalled := make(chan chan struct{}, 1)
		fn := func(tx store.ReadTx) error {
			if _, err := tx.Get(ctx, "Patient", "x"); !errors.Is(err, store.ErrNotFound) {
				return err
			}
			// The network stops answering, and the caller gives up.
			stalled <- (<-conns).stall(false)
			cancel()
			_, err := tx.Get(ctx, "Patient", "y")
			return err
		}
		done := make(chan error, 1)
		go func() {
			if view {
				done <- s.View(ctx, fn)
			} else {
				done <- s.Update(ctx, func(tx store.Tx) error { return fn(tx) })
			}
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("view %v: %v; want context.Canceled", view, err)
			}
			close(<-stalled)
		case <-time.After(10 * time.Second):
			t.Errorf("view %v: still running 10 s after its context was cancelled, waiting for a server that does not answer", view)
			close(<-stalled)
			<-done
		}
		poll(t, "the connection back in the pool", func() bool { return f.Stat().AcquiredConns() == 0 })
	}
	poll(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= goroutines })
	if err := s.Update(bg, func(tx store.Tx) error {
		return tx.Create(bg, &scheduling.Patient{Meta: scheduling.Meta{ID: "after"}})
	}); err != nil {
		t.Fatalf("an Update after: %v", err)
	}
}

// TestCommitOutcomeUnknown: when the connection fails after COMMIT went
// out, the transaction may have committed. Update must not say that it
// was rolled back: no context error (the store contract's "a cancelled
// context leaves nothing behind"), no ErrConflict (the Scheduler would
// retry and book twice). Before the fix, a final round trip that ran
// past commitTimeout returned a bare context.DeadlineExceeded for a
// transaction that had committed.
func TestCommitOutcomeUnknown(t *testing.T) {
	f := newFailPool(t)
	s := pgstore.New(f.Pool, nil)
	bg := context.Background()
	if err := s.Update(bg, func(tx store.Tx) error {
		return tx.Create(bg, &scheduling.Schedule{Meta: scheduling.Meta{ID: "s1"}})
	}); err != nil {
		t.Fatal(err)
	}
	for _, timeout := range []bool{false, true} {
		id := "dropped"
		if timeout {
			id = "timed-out"
		}
		warm(t, s, "warm-"+id)
		f.hooks.arm(isCommit, func(conn *pgx.Conn) {
			// The batch goes out and commits; its answer never comes back
			// (until the commit's own deadline has passed, with timeout).
			sc := f.netConn(t, conn)
			release := sc.stall(true)
			go func() {
				f.waitFor(t, "the commit", `SELECT count(*) > 0 FROM resources WHERE id = $1`, id)
				if timeout {
					poll(t, "the commit's deadline", sc.deadlinePassed)
				}
				close(release)
			}()
		})
		restore := func() {}
		if timeout {
			restore = pgstore.SetCommitTimeout(100 * time.Millisecond)
		}
		err := s.Update(bg, booking(bg, id))
		restore()
		if f.patientVersion(t, id) != 1 {
			t.Fatalf("%s: the booking did not commit", id)
		}
		switch {
		case err == nil:
			t.Errorf("%s: Update returned nil without the commit's answer", id)
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			t.Errorf("%s: Update returned a context error for a transaction that committed: %v", id, err)
		case errors.Is(err, store.ErrConflict):
			t.Errorf("%s: Update's error wraps ErrConflict, which the Scheduler retries: %v", id, err)
		case !errors.Is(err, store.ErrCommitUnknown):
			t.Errorf("%s: Update's error does not say that the outcome is unknown: %v", id, err)
		}
		poll(t, "the connection back in the pool", func() bool { return f.Stat().AcquiredConns() == 0 })
	}
	// A commit that the server refuses is no unknown outcome.
	err := s.Update(bg, func(tx store.Tx) error {
		return tx.Create(bg, &scheduling.Patient{Meta: scheduling.Meta{ID: "dropped"}})
	})
	if !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrCommitUnknown) {
		t.Errorf("a refused create: %v; want ErrConflict, outcome known", err)
	}
}

// TestKeysWithNUL: PostgreSQL text cannot hold a NUL, which a Go string
// can. Reads by a key with a NUL find nothing and writes of a record
// that cannot exist answer as for a missing one, as the store contract
// says, instead of failing the transaction with SQLSTATE 22021; names
// that are only keys (consumers, leases) are kept as idempotency keys
// are, with U+FFFD for each NUL.
func TestKeysWithNUL(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	const id = "x\x00"
	cases := []struct {
		name string
		fn   func(tx store.Tx) error
		want error // of the call or of Update; nil: both succeed
	}{
		{"Put", func(tx store.Tx) error {
			return tx.Put(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: id, Version: 1}})
		}, store.ErrNotFound},
		{"Delete", func(tx store.Tx) error { return tx.Delete(ctx, "Patient", id, 0) }, store.ErrNotFound},
		{"RemoveBusyEntry", func(tx store.Tx) error {
			if err := tx.RemoveBusyEntry(ctx, id); !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return nil // the Scheduler goes on after its ErrNotFound
		}, nil},
		{"RemoveBusy", func(tx store.Tx) error { return tx.RemoveBusy(ctx, id) }, nil},
		{"Busy", func(tx store.Tx) error {
			bs, err := tx.Busy(ctx, []string{id, "s1"}, time.Time{}, time.Time{})
			if err == nil && len(bs) != 0 {
				t.Errorf("Busy of a schedule id with a NUL: %v", bs)
			}
			return err
		}, nil},
		{"Busy prefetched", func(tx store.Tx) error {
			tx.(store.Prefetcher).Prefetch(store.Prefetch{Busy: []store.BusyRange{{ScheduleIDs: []string{id, "s1"}, From: t0, To: t0.Add(time.Hour)}}})
			if err := tx.LockSchedules(ctx, "s1", id); err != nil {
				return err
			}
			bs, err := tx.Busy(ctx, []string{id}, t0, t0.Add(time.Hour))
			if err == nil && len(bs) != 0 {
				t.Errorf("Busy of a schedule id with a NUL: %v", bs)
			}
			return err
		}, nil},
		{"LockSchedules", func(tx store.Tx) error { return tx.LockSchedules(ctx, id) }, nil},
		{"AppendEvent", func(tx store.Tx) error {
			return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: id})
		}, nil},
		{"SetCursor and Cursor", func(tx store.Tx) error {
			if c, err := tx.Cursor(ctx, id); err != nil || c != 0 {
				t.Errorf("Cursor of a new consumer: %d, %v", c, err)
			}
			if err := tx.SetCursor(ctx, id, 7); err != nil {
				return err
			}
			c, err := tx.Cursor(ctx, id)
			if err == nil && c != 7 {
				t.Errorf("Cursor after SetCursor 7: %d", c)
			}
			if c, err := tx.Cursor(ctx, "x"); err != nil || c != 0 {
				t.Errorf("Cursor of the name cut at the NUL: %d, %v", c, err)
			}
			return err
		}, nil},
		{"TryLease", func(tx store.Tx) error {
			ok, err := tx.TryLease(ctx, id, "h\x00", t0, time.Minute)
			if err == nil && !ok {
				t.Error("TryLease of a free lease: false")
			}
			if err != nil {
				return err
			}
			if ok, err = tx.TryLease(ctx, id, "h\x00", t0.Add(time.Second), time.Minute); err == nil && !ok {
				t.Error("TryLease by its holder: false")
			}
			if err != nil {
				return err
			}
			if ok, err = tx.TryLease(ctx, id, "h", t0.Add(time.Second), time.Minute); err == nil && ok {
				t.Error("TryLease by another holder (the name cut at the NUL) of a held lease: true")
			}
			return err
		}, nil},
	}
	for _, c := range cases {
		var inner error
		err := s.Update(ctx, func(tx store.Tx) error {
			inner = c.fn(tx)
			return inner
		})
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, c.want) || inner != nil && !errors.Is(inner, c.want) {
			t.Errorf("%s: call %v, Update %v; want %v", c.name, inner, err, c.want)
		}
	}
}

// TestRetryAfterUnknownCommit: a booking whose commit's answer is lost
// committed, but the caller only learns that its outcome is unknown. The
// Scheduler must not retry it on its own (the error is no ErrConflict),
// and the caller's retry with the same idempotency key returns the first
// booking instead of making a second one, on a schedule with room for
// two: one appointment, one event.
func TestRetryAfterUnknownCommit(t *testing.T) {
	f := newFailPool(t)
	ctx := context.Background()
	now := time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC)
	s := openslot.New(pgstore.New(f.Pool, nil), &openslot.Options{Now: func() time.Time { return now }})
	sc := &scheduling.Schedule{
		Meta:  scheduling.Meta{ID: "s1"},
		Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "d1")},
		Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2030, Month: time.June, Day: 1},
			Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}}},
		Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, Capacity: 2},
	}
	if err := s.Create(ctx, sc); err != nil {
		t.Fatal(err)
	}
	patient := scheduling.Ref("Patient", "p")
	book := func(key string, start time.Time) (*scheduling.Appointment, error) {
		return s.Book(ctx, openslot.BookRequest{Schedules: []string{"s1"}, IdempotencyKey: key, Appointment: scheduling.Appointment{
			Start: start, End: start.Add(30 * time.Minute), Participant: []scheduling.Participant{{Actor: &patient}}}})
	}
	start := time.Date(2030, 6, 3, 10, 0, 0, 0, time.UTC)
	if _, err := book("warm-up", start.Add(time.Hour)); err != nil { // prepares the statements
		t.Fatal(err)
	}
	appointments := func() (n int) {
		t.Helper()
		if err := f.admin.QueryRow(ctx, `SELECT count(*) FROM resources WHERE type = 'Appointment' AND at = $1`, start).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.hooks.arm(isCommit, func(conn *pgx.Conn) {
		release := f.netConn(t, conn).stall(true)
		go func() {
			poll(t, "the booking's commit", func() bool { return appointments() == 1 })
			close(release)
		}()
	})
	_, err := book("req-1", start)
	if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, openslot.ErrConflict) || !errors.Is(err, store.ErrCommitUnknown) {
		t.Fatalf("a booking whose commit's answer was lost: %v; want an unknown outcome", err)
	}
	a, err := book("req-1", start)
	if err != nil {
		t.Fatalf("the retry with the same key: %v", err)
	}
	var events int
	if err := f.admin.QueryRow(ctx, `SELECT count(*) FROM events WHERE appointment_id = $1`, a.ID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if n := appointments(); n != 1 || events != 1 {
		t.Errorf("after the retry: %d appointments at the time, %d events of %s; want 1 and 1", n, events, a.ID)
	}
}

// TestNothingStaleAfterFailure: a transaction that read its own
// uncommitted change of a schedule (into the Store's decode cache and its
// prefetch) and then failed leaves the next transactions of the Store
// reading what is committed, prefetched or not.
func TestNothingStaleAfterFailure(t *testing.T) {
	f := newFailPool(t)
	s := pgstore.New(f.Pool, nil)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Create(ctx, &scheduling.Schedule{Meta: scheduling.Meta{ID: "s1"}, Comment: "committed"})
	}); err != nil {
		t.Fatal(err)
	}
	read := func(tx store.Tx, prefetch bool) (*scheduling.Schedule, error) {
		if prefetch {
			tx.(store.Prefetcher).Prefetch(store.Prefetch{Resources: []store.Key{{Type: "Schedule", ID: "s1"}}})
		}
		if err := tx.LockSchedules(ctx, "s1"); err != nil {
			return nil, err
		}
		return store.Get[scheduling.Schedule](ctx, tx, "s1")
	}
	fail := []struct {
		name string
		run  func(fn func(tx store.Tx) error) error
	}{
		{"fn fails", func(fn func(tx store.Tx) error) error {
			return s.Update(ctx, func(tx store.Tx) error {
				if err := fn(tx); err != nil {
					return err
				}
				return errors.New("fn gives up")
			})
		}},
		{"connection killed before COMMIT", func(fn func(tx store.Tx) error) error {
			f.hooks.arm(isCommit, func(conn *pgx.Conn) { f.kill(t, conn.PgConn().PID()) })
			return s.Update(ctx, fn)
		}},
	}
	for _, fc := range fail {
		for _, prefetch := range []bool{false, true} {
			err := fc.run(func(tx store.Tx) error {
				sc, err := read(tx, prefetch)
				if err != nil {
					return err
				}
				sc.Comment = "rolled back"
				if err := tx.Put(ctx, sc); err != nil {
					return err
				}
				if sc, err = read(tx, prefetch); err != nil { // its own write, decoded and kept
					return err
				}
				if sc.Comment != "rolled back" {
					t.Errorf("%s: the transaction does not read its own write: %q", fc.name, sc.Comment)
				}
				return nil
			})
			if err == nil {
				t.Fatalf("%s: Update succeeded", fc.name)
			}
			for _, again := range []bool{false, true} {
				if err := s.Update(ctx, func(tx store.Tx) error {
					sc, err := read(tx, again)
					if err == nil && (sc.Comment != "committed" || sc.Version != 1) {
						t.Errorf("%s (prefetch %v), then a read (prefetch %v): %q version %d; want the committed version 1",
							fc.name, prefetch, again, sc.Comment, sc.Version)
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
