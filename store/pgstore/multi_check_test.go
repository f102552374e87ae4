package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// errorRecorder stands in for the *testing.T of checkShared and keeps what
// it reports.
type errorRecorder struct {
	testing.TB
	errs []string
}

func (r *errorRecorder) Helper() {}
func (r *errorRecorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

// checkShared must not pass vacuously: each way of breaking a promise,
// done by hand in SQL after a clean run, is reported under its rule, and
// the clean run itself reports nothing.
func TestCheckSharedCatchesBreaks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, rule string
		hold       bool // leave a hold unswept
		sql        string
		extra      []change
	}{
		{name: "clean"},
		{name: "capacity", rule: "no schedule exceeds its capacity",
			sql: `INSERT INTO busy (id, schedule_id, start_at, end_at, count, appointment_id, held_until, booking, exclusive)
			      SELECT 'copy', schedule_id, start_at, end_at, count, appointment_id, held_until, booking, false
			      FROM busy WHERE schedule_id = 'm1'`},
		{name: "busy lost", rule: "every booked appointment has its busy time", sql: `DELETE FROM busy WHERE schedule_id = 'm1'`},
		{name: "busy time moved", rule: "every busy row belongs to an appointment that occupies its time",
			sql: `UPDATE busy SET start_at = start_at - interval '1 hour' WHERE schedule_id = 'm1'`},
		{name: "hold not swept", rule: "no hold outlives its expiry (appointments)", hold: true},
		{name: "hold busy left", rule: "no hold outlives its expiry (busy time)",
			sql: `UPDATE busy SET held_until = '2026-03-02T00:00:00Z' WHERE schedule_id = 'm1'`},
		{name: "event twice", rule: "one event per appointment version",
			sql: `INSERT INTO events (recorded, type, appointment_id, body) SELECT recorded, type, appointment_id, body FROM events WHERE cursor = 1`},
		{name: "event lost", rule: "every appointment version has its event", sql: `DELETE FROM events WHERE cursor = 2`},
		{name: "cursor gap", rule: "event cursors are 1..n", sql: `UPDATE events SET cursor = cursor + 10 WHERE cursor = 3`},
		{name: "change not logged", rule: "successful changes do not have exactly one event", extra: []change{{"nobody", 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pool, changes, swept := checkedRun(t, c.hold)
			if c.sql != "" {
				if _, err := pool.Exec(context.Background(), c.sql); err != nil {
					t.Fatalf("break: %v", err)
				}
			}
			r := &errorRecorder{TB: t}
			checkShared(r, pool, swept, append(changes, c.extra...))
			if c.rule == "" {
				if len(r.errs) > 0 {
					t.Fatalf("a clean run is reported broken: %q", r.errs)
				}
				return
			}
			if !strings.Contains(strings.Join(r.errs, "\n"), c.rule) {
				t.Fatalf("breaking %q was not reported under that rule; reports: %q", c.rule, r.errs)
			}
		})
	}
}

// checkedRun books on m1 and m2, reschedules, cancels and holds, then
// sweeps a day later unless hold is set (which leaves a live-looking hold
// past the sweep instant).
func checkedRun(t *testing.T, hold bool) (*pgxpool.Pool, []change, time.Time) {
	ctx := context.Background()
	pool := pgtest.New(t, pgtest.Options{MaxConns: 2})
	clk := newVClock(time.Now())
	s := newMultiScheduler(pool, clk)
	createMultiSchedules(t, s)
	p := scheduling.Ref("Patient", "p")
	at := func(sc string, h int) openslot.BookRequest {
		start := multiDay.Add(time.Duration(h) * time.Hour)
		return openslot.BookRequest{Schedules: []string{sc}, Appointment: scheduling.Appointment{
			Start: start, End: start.Add(30 * time.Minute), Participant: []scheduling.Participant{{Actor: &p}}}}
	}
	var changes []change
	record := func(a *scheduling.Appointment, err error) *scheduling.Appointment {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, change{a.ID, a.Version})
		return a
	}
	record(s.Book(ctx, at("m1", 9)))
	b := record(s.Book(ctx, at("m2", 9)))
	record(s.Reschedule(ctx, b.ID, openslot.RescheduleRequest{Start: multiDay.Add(10 * time.Hour), End: multiDay.Add(10*time.Hour + 30*time.Minute)}))
	c := record(s.Book(ctx, at("m3", 11)))
	record(s.Cancel(ctx, c.ID, nil))
	record(s.Hold(ctx, at("m3", 12)))
	swept := clk.Now().Add(time.Hour)
	if !hold {
		clk.Skip(time.Hour)
		swept = clk.Now()
		if n, err := s.ExpireHolds(ctx); err != nil || n != 1 {
			t.Fatalf("sweep expired %d holds (%v); want 1", n, err)
		}
	}
	lastCursor(t, pgstore.New(pool, nil)) // number the events, so that a break can name them
	return pool, changes, swept
}
