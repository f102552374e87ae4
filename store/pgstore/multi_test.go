package pgstore_test

// Shared parts of the tests of several instances (goroutines with a pool
// each, or separate processes) on one schema: the clinic they book in, the
// churn of bookings, holds, reschedules and cancellations each instance
// runs, and the SQL checks that the shared database kept every promise.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
)

// multiCapacities are the schedules every instance books on: two of
// capacity 1 (guarded by the exclusion constraint as well) and one of
// capacity 2 (guarded by the Scheduler alone).
var multiCapacities = map[string]int{"m1": 1, "m2": 2, "m3": 1}

// multiDay is the day the instances book on; the schedules are open
// 09:00-17:00 UTC in 30-minute slots.
var multiDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

const (
	// multiHoldTTL is short, so that holds lapse while the instances run
	// and the sweepers (and bookings that meet them) have work.
	multiHoldTTL = 100 * time.Millisecond
	// multiSweep is how often each instance's sweeper runs.
	multiSweep = 25 * time.Millisecond
)

// vclock is a clock shared by every instance, also across processes: the
// virtual instant base+skip plus the wall-clock time since epoch. It runs
// at real speed (holds lapse in real time) from 07:00 on multiDay; skip
// moves it on for the final sweep.
type vclock struct {
	base, epoch time.Time
	mu          sync.Mutex
	skip        time.Duration
}

func newVClock(epoch time.Time) *vclock {
	return &vclock{base: multiDay.Add(7 * time.Hour), epoch: epoch}
}

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(c.skip + time.Since(c.epoch)).UTC()
}

func (c *vclock) Skip(d time.Duration) { c.mu.Lock(); c.skip += d; c.mu.Unlock() }

// newMultiScheduler is one instance's Scheduler on its own pool.
func newMultiScheduler(pool *pgxpool.Pool, clk *vclock) *openslot.Scheduler {
	return openslot.New(pgstore.New(pool, nil), &openslot.Options{Now: clk.Now, HoldTTL: multiHoldTTL, MaxRetries: 50})
}

// createMultiSchedules creates the schedules of multiCapacities.
func createMultiSchedules(t testing.TB, s *openslot.Scheduler) {
	t.Helper()
	for _, id := range slices.Sorted(maps.Keys(multiCapacities)) {
		sc := &scheduling.Schedule{
			Meta:  scheduling.Meta{ID: id},
			Actor: []scheduling.Reference{scheduling.Ref("Practitioner", id)},
			Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
				RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2026, Month: time.March, Day: 1},
				Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}}},
			Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, Capacity: multiCapacities[id]},
		}
		if err := s.Create(context.Background(), sc); err != nil {
			t.Fatalf("create schedule %s: %v", id, err)
		}
	}
}

// change is a successful call as its caller saw it: the appointment and
// the version the change gave it. The log must hold exactly one event for
// each.
type change struct {
	ID      string
	Version int64
}

// churn runs ops random operations on s over the same few overlapping
// times of the same schedules as every other instance: book, hold, book a
// hold of its own, reschedule and cancel. Losing a race (ErrConflict), a
// hold that lapsed first (ErrHoldExpired) and an appointment another
// instance's sweeper cancelled (ErrInvalidTransition) are expected; any
// other error fails t. It returns the changes that succeeded.
func churn(ctx context.Context, t testing.TB, s *openslot.Scheduler, seed uint64, ops int) []change {
	rng := rand.New(rand.NewPCG(seed, 7))
	ids := slices.Sorted(maps.Keys(multiCapacities))
	var done []change
	var booked, held []string
	pick := func(list *[]string) string {
		i := rng.IntN(len(*list))
		id := (*list)[i]
		*list = slices.Delete(*list, i, i+1)
		return id
	}
	for range ops {
		sc := ids[rng.IntN(len(ids))]
		start := multiDay.Add(9*time.Hour + time.Duration(rng.IntN(6))*30*time.Minute)
		end := start.Add(time.Duration(1+rng.IntN(2)) * 30 * time.Minute)
		patient := scheduling.Ref("Patient", fmt.Sprintf("p%d", rng.IntN(1000)))
		req := openslot.BookRequest{Schedules: []string{sc}, Appointment: scheduling.Appointment{Start: start, End: end,
			Participant: []scheduling.Participant{{Actor: &patient}}}}
		var a *scheduling.Appointment
		var err error
		switch op := rng.IntN(10); {
		case op < 3:
			a, err = s.Book(ctx, req)
		case op < 5:
			a, err = s.Hold(ctx, req)
		case op < 6 && len(held) > 0:
			a, err = s.Book(ctx, openslot.BookRequest{AppointmentID: pick(&held)})
		case op < 8 && len(booked) > 0:
			id := booked[rng.IntN(len(booked))]
			a, err = s.Reschedule(ctx, id, openslot.RescheduleRequest{Start: start, End: end})
		case len(booked) > 0:
			a, err = s.Cancel(ctx, pick(&booked), nil)
		case len(held) > 0:
			a, err = s.ReleaseHold(ctx, pick(&held))
		default:
			continue
		}
		switch {
		case err == nil:
			done = append(done, change{a.ID, a.Version})
			switch a.Status {
			case scheduling.AppointmentBooked:
				if !slices.Contains(booked, a.ID) {
					booked = append(booked, a.ID)
				}
			case scheduling.AppointmentPending:
				held = append(held, a.ID)
			}
		case errors.Is(err, openslot.ErrConflict), errors.Is(err, scheduling.ErrHoldExpired),
			errors.Is(err, scheduling.ErrInvalidTransition):
		default:
			t.Errorf("churn: unexpected error: %v", err)
			return done
		}
	}
	return done
}

// checkShared proves with SQL on the shared schema, after the instances
// stopped and a final sweep ran at instant swept (later than every hold's
// expiry), that:
//
//   - no schedule exceeds its capacity: at the start of every live busy
//     entry, the live entries of its schedule that contain that instant
//     use at most the schedule's capacity (the peak of a set of intervals
//     is at one of their starts);
//   - busy time matches appointments: every busy row belongs to an
//     appointment that is booked (or pending as a hold, with the same
//     held_until) at the row's time, and every booked appointment has one;
//   - no hold outlives its expiry: no appointment is still pending with a
//     held_until at or before swept, and no busy row has one;
//   - every event is in the log exactly once: cursors are 1..n without
//     gaps or nulls, each appointment has exactly one event per version
//     (1 to its stored version) and its last event leads to its stored
//     status, and every change a caller saw succeed is among them.
func checkShared(t testing.TB, pool *pgxpool.Pool, swept time.Time, changes []change) {
	t.Helper()
	ctx := context.Background()
	// Events numbers every committed event before it reads.
	if _, err := pgstore.New(pool, nil).Events(ctx, 0, 1); err != nil {
		t.Fatalf("events: %v", err)
	}
	queries := []struct {
		rule    string
		atSwept bool // $1 is swept
		sql     string
	}{
		{"no schedule exceeds its capacity", true, `
			WITH live AS (SELECT * FROM busy WHERE held_until IS NULL OR held_until > $1),
			caps AS (SELECT id, greatest(coalesce((body->'Policy'->>'Capacity')::int, 0), 1) AS capacity
			         FROM resources WHERE type = 'Schedule')
			SELECT format('schedule %s at %s: %s units used of %s', l.schedule_id, l.start_at, sum(greatest(o.count, 1)), c.capacity)
			FROM live l JOIN live o ON o.schedule_id = l.schedule_id AND o.span @> l.start_at
			JOIN caps c ON c.id = l.schedule_id
			GROUP BY l.id, l.schedule_id, l.start_at, c.capacity
			HAVING sum(greatest(o.count, 1)) > c.capacity`},
		{"every busy row belongs to an appointment that occupies its time", false, `
			SELECT format('busy %s of appointment %s: appointment is %s', b.id, b.appointment_id, coalesce(a.body->>'Status', 'missing'))
			FROM busy b LEFT JOIN resources a ON a.type = 'Appointment' AND a.id = b.appointment_id
			WHERE a.id IS NULL OR a.body->>'Status' NOT IN ('booked', 'pending')
			   OR (a.body->>'Start')::timestamptz <> b.start_at OR (a.body->>'End')::timestamptz <> b.end_at
			   OR a.hold_until IS DISTINCT FROM b.held_until`},
		{"every booked appointment has its busy time", false, `
			SELECT format('appointment %s is booked without busy time', a.id)
			FROM resources a WHERE a.type = 'Appointment' AND a.body->>'Status' = 'booked'
			  AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.appointment_id = a.id)`},
		{"no hold outlives its expiry (appointments)", true, `
			SELECT format('appointment %s is %s with held_until %s after the final sweep', id, body->>'Status', hold_until)
			FROM resources WHERE type = 'Appointment' AND (hold_until <= $1 OR body->>'Status' = 'pending' AND hold_until IS NULL)`},
		{"no hold outlives its expiry (busy time)", true, `
			SELECT format('busy %s of appointment %s held until %s', id, appointment_id, held_until)
			FROM busy WHERE held_until <= $1`},
		{"event cursors are 1..n", false, `
			SELECT format('%s events, cursors %s..%s, %s without a cursor', count(*), min(cursor), max(cursor), count(*) - count(cursor))
			FROM events HAVING count(*) <> count(cursor) OR count(*) <> coalesce(max(cursor), 0) OR min(cursor) <> 1`},
		{"one event per appointment version", false, `
			SELECT format('appointment %s version %s has %s events', appointment_id, body->'Appointment'->>'Version', count(*))
			FROM events GROUP BY appointment_id, body->'Appointment'->>'Version' HAVING count(*) <> 1`},
		{"every appointment version has its event", false, `
			SELECT format('appointment %s at version %s (%s) has %s events for versions %s..%s, last to %s',
			              a.id, a.version, a.body->>'Status', count(e.seq), min((e.body->'Appointment'->>'Version')::bigint),
			              max((e.body->'Appointment'->>'Version')::bigint),
			              (array_agg(e.body->>'To' ORDER BY e.cursor DESC))[1])
			FROM resources a LEFT JOIN events e ON e.appointment_id = a.id
			WHERE a.type = 'Appointment'
			GROUP BY a.id, a.version, a.body->>'Status'
			HAVING count(e.seq) <> a.version OR min((e.body->'Appointment'->>'Version')::bigint) <> 1
			    OR max((e.body->'Appointment'->>'Version')::bigint) <> a.version
			    OR (array_agg(e.body->>'To' ORDER BY e.cursor DESC))[1] <> a.body->>'Status'`},
	}
	for _, q := range queries {
		var args []any
		if q.atSwept {
			args = append(args, swept)
		}
		rows, err := pool.Query(ctx, q.sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", q.rule, err)
		}
		var broken []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatalf("%s: %v", q.rule, err)
			}
			broken = append(broken, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q.rule, err)
		}
		if len(broken) > 0 {
			t.Errorf("rule %q broken %d times, e.g. %s", q.rule, len(broken), broken[:min(len(broken), 5)])
		}
	}
	ids, versions := make([]string, len(changes)), make([]int64, len(changes))
	for i, c := range changes {
		ids[i], versions[i] = c.ID, c.Version
	}
	var missing []string
	rows, err := pool.Query(ctx, `
		SELECT format('%s version %s', c.id, c.v) FROM unnest($1::text[], $2::bigint[]) AS c(id, v)
		WHERE (SELECT count(*) FROM events e WHERE e.appointment_id = c.id
		       AND (e.body->'Appointment'->>'Version')::bigint = c.v) <> 1`, ids, versions)
	if err != nil {
		t.Fatalf("changes in the log: %v", err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		missing = append(missing, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d successful changes do not have exactly one event, e.g. %v", len(missing), len(changes), missing[:min(len(missing), 5)])
	}
}

// runStats counts, for a test's log, how the run went: appointments
// booked at the end, and hold-expired events (from sweepers or bookings
// that met a lapsed hold) recorded up to cursor upTo (0: all).
func runStats(t testing.TB, pool *pgxpool.Pool, upTo int64) (booked, expired int) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM resources WHERE type = 'Appointment' AND body->>'Status' = 'booked'),
		       (SELECT count(*) FROM events WHERE type = $1 AND ($2 = 0 OR cursor <= $2))`,
		string(scheduling.EventHoldExpired), upTo).Scan(&booked, &expired)
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	return booked, expired
}

// lastCursor returns the largest event cursor after numbering every
// committed event.
func lastCursor(t testing.TB, st store.Store) int64 {
	t.Helper()
	var last int64
	for {
		evs, err := st.Events(context.Background(), last, store.MaxLimit)
		if err != nil {
			t.Fatalf("events after %d: %v", last, err)
		}
		if len(evs) == 0 {
			return last
		}
		last = evs[len(evs)-1].Cursor
	}
}
