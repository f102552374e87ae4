package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
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

// statementCounter is a pgx tracer that counts round trips: every
// statement (BEGIN and COMMIT included) and every batch.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (c *statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// benchSlots is how many 15-minute slots a bench schedule offers a day
// (08:00-20:00).
const benchSlots = 48

// benchSlot is the k-th slot of a bench schedule, counting from the first
// day on.
func benchSlot(k int64) (time.Time, time.Time) {
	day := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).AddDate(0, 0, int(k/benchSlots))
	start := day.Add(time.Duration(k%benchSlots) * 15 * time.Minute)
	return start, start.Add(15 * time.Minute)
}

// BenchmarkSchedulerBook measures Scheduler.Book on PostgreSQL (durable
// commits, as BenchmarkAnchorInsert) and reports bookings/s; run both in
// one invocation to compare them:
//
//		OPENSLOT_TEST_DATABASE_URL=... go test -run '^$' -bench 'AnchorInsert|SchedulerBook' ./store/pgstore/
//
//	  - uncontended/callers=N: N concurrent callers, each booking the next
//	    free slot of its own practitioner's schedule. stmts/booking counts
//	    the round trips of one booking (BEGIN and COMMIT included).
//	    callers=8/no-prefetch books without store.Prefetcher (4 round trips
//	    instead of 2), to show what prefetching gains in the same run.
//	    callers=8/store-only runs a booking's store transaction with no
//	    Scheduler (the same lock, reads and writes; no availability check,
//	    no state machine): what the store and the database cost alone.
//	  - contended/callers=32: 32 callers book a capacity-1 schedule four
//	    slots at a time, each a random one of the four lowest slots not yet
//	    booked, so most attempts find the slot taken. It reports bookings/s,
//	    conflicts/s and their counts; ns/op is per attempt.
func BenchmarkSchedulerBook(b *testing.B) {
	var stmts statementCounter
	pool := pgtest.New(b, pgtest.Options{MaxConns: 40, Durable: true, Configure: func(cfg *pgxpool.Config) {
		cfg.ConnConfig.Tracer = &stmts
	}})
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	s := openslot.New(pgstore.New(pool, nil), &openslot.Options{Now: func() time.Time { return now }})
	const schedules = 33 // 32 uncontended callers and one contended schedule
	for i := range schedules {
		id := fmt.Sprint("b", i)
		err := s.Create(ctx, &scheduling.Schedule{
			Meta:  scheduling.Meta{ID: id},
			Actor: []scheduling.Reference{scheduling.Ref("Practitioner", id)},
			Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
				RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2026, Month: time.March, Day: 1},
				Start: scheduling.Clock(8, 0, 0), End: scheduling.Clock(20, 0, 0)}}},
			Policy: scheduling.SlotPolicy{Duration: 15 * time.Minute},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// The same Scheduler over a store whose transactions hide
	// store.Prefetcher: a booking as it was before prefetching, 4 round
	// trips, for comparison in the same run.
	s4 := openslot.New(noPrefetch{pgstore.New(pool, nil)}, &openslot.Options{Now: func() time.Time { return now }})
	patient := scheduling.Ref("Patient", "p")
	sched := s
	book := func(schedule string, k int64) error {
		start, end := benchSlot(k)
		_, err := sched.Book(ctx, openslot.BookRequest{Schedules: []string{schedule}, Appointment: scheduling.Appointment{
			Start: start, End: end, Participant: []scheduling.Participant{{Actor: &patient}}}})
		return err
	}
	// parallel runs body on clients goroutines, numbered from 0, that share
	// b.N iterations (next reports whether to do one more).
	parallel := func(b *testing.B, clients int, body func(caller int, next func() bool)) {
		if clients == 1 {
			n := 0
			body(0, func() bool { n++; return n <= b.N })
			return
		}
		// RunParallel starts parallelism × GOMAXPROCS goroutines.
		b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		var callers atomic.Int64
		b.RunParallel(func(pb *testing.PB) { body(int(callers.Add(1)-1), pb.Next) })
	}

	// storeOnly makes a booking's store transaction with no Scheduler: the
	// same lock, prefetched reads and writes, no availability check, no
	// state machine. It is the floor under the Scheduler's rate that the
	// store and the database set.
	st := pgstore.New(pool, nil)
	storeOnly := func(schedule string, k int64) error {
		start, end := benchSlot(k)
		return st.Update(ctx, func(tx store.Tx) error {
			// The busy time the Scheduler's check reads: the slot itself, as
			// the bench schedules have no buffers.
			tx.(store.Prefetcher).Prefetch(store.Prefetch{Resources: []store.Key{{Type: "Schedule", ID: schedule}},
				Busy: []store.BusyRange{{ScheduleIDs: []string{schedule}, From: start, To: end}}})
			if err := tx.LockSchedules(ctx, schedule); err != nil {
				return err
			}
			if _, err := store.Get[scheduling.Schedule](ctx, tx, schedule); err != nil {
				return err
			}
			if _, err := tx.Busy(ctx, []string{schedule}, start, end); err != nil {
				return err
			}
			a := scheduling.Appointment{Meta: scheduling.Meta{ID: openslot.RandomID()}, Status: scheduling.AppointmentBooked,
				Start: start, End: end, Participant: []scheduling.Participant{{Actor: &patient}}}
			sl := &scheduling.Slot{Meta: scheduling.Meta{ID: openslot.RandomID()}, Schedule: scheduling.Ref("Schedule", schedule),
				Status: scheduling.SlotBusy, Start: start, End: end}
			a.Slot = []scheduling.Reference{scheduling.Ref("Slot", sl.ID)}
			if err := tx.Create(ctx, &a); err != nil {
				return err
			}
			if err := tx.Create(ctx, sl); err != nil {
				return err
			}
			err := tx.AddBusy(ctx, store.Busy{ScheduleID: schedule, Start: start, End: end, Count: 1, AppointmentID: a.ID,
				Booking: true, Exclusive: true})
			if err != nil {
				return err
			}
			return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: a.ID, At: now,
				From: scheduling.AppointmentProposed, To: scheduling.AppointmentBooked, Appointment: a.Clone()})
		})
	}

	var nextSlot [schedules]atomic.Int64 // per schedule, across runs
	for _, run := range []struct {
		name    string
		clients int
		s       *openslot.Scheduler
	}{{"callers=1", 1, s}, {"callers=8", 8, s}, {"callers=8/no-prefetch", 8, s4}, {"callers=8/store-only", 8, nil},
		{"callers=32", 32, s}} {
		clients := run.clients
		b.Run("uncontended/"+run.name, func(b *testing.B) {
			op := book
			if run.s == nil {
				op = storeOnly
			} else {
				sched = run.s
				defer func() { sched = s }()
			}
			before := stmts.n.Load()
			parallel(b, clients, func(caller int, next func() bool) {
				id := caller % (schedules - 1)
				for next() {
					if err := op(fmt.Sprint("b", id), nextSlot[id].Add(1)-1); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
			b.ReportMetric(float64(stmts.n.Load()-before)/float64(b.N), "stmts/booking")
		})
	}

	b.Run("contended/callers=32", func(b *testing.B) {
		const window = 4
		hot := schedules - 1
		var booked, conflicts atomic.Int64
		base := nextSlot[hot].Load() // slots of earlier runs are taken
		parallel(b, 32, func(caller int, next func() bool) {
			rng := rand.New(rand.NewPCG(uint64(caller), 1))
			for next() {
				// Slots below base+booked are all taken, by the window rule:
				// the next window opens when the current one is full.
				w := booked.Load() / window * window
				err := book(fmt.Sprint("b", hot), base+w+rng.Int64N(window))
				switch {
				case err == nil:
					booked.Add(1)
				case errors.Is(err, openslot.ErrConflict):
					conflicts.Add(1)
				default:
					b.Error(err)
					return
				}
			}
		})
		nextSlot[hot].Add(booked.Load() + window) // never reuse a partly booked window
		sec := b.Elapsed().Seconds()
		b.ReportMetric(float64(booked.Load())/sec, "bookings/s")
		b.ReportMetric(float64(conflicts.Load())/sec, "conflicts/s")
		b.ReportMetric(float64(booked.Load()), "bookings")
		b.ReportMetric(float64(conflicts.Load()), "conflicts")
	})
}

// noPrefetch is a store whose transactions do not offer store.Prefetcher.
type noPrefetch struct{ store.Store }

type plainTx struct{ store.Tx }

func (s noPrefetch) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(plainTx{tx}) })
}

// The round trips the benchmark's stmts/booking counts: BEGIN waits for the
// first statement, writes wait for the next statement or the COMMIT, the
// events go with the COMMIT, and a transaction that runs no statement sends
// nothing. A booking is 4, or 2 with its reads prefetched (as the Scheduler
// makes it).
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	var stmts statementCounter
	pool := pgtest.New(t, pgtest.Options{MaxConns: 2, Configure: func(cfg *pgxpool.Config) { cfg.ConnConfig.Tracer = &stmts }})
	s := pgstore.New(pool, nil)
	ctx := context.Background()
	event := scheduling.Event{Type: scheduling.EventBooked, AppointmentID: "a1"}
	// booking makes a booking as the Scheduler does, its reads announced
	// with Prefetch or not, with a 15-minute busy entry from second at on.
	booking := func(prefetch bool, at int64) error {
		from, to := time.Unix(0, 0), time.Unix(7200, 0)
		return s.Update(ctx, func(tx store.Tx) error {
			if prefetch {
				tx.(store.Prefetcher).Prefetch(store.Prefetch{Resources: []store.Key{{Type: "Schedule", ID: "s1"}},
					Busy: []store.BusyRange{{ScheduleIDs: []string{"s1"}, From: from, To: to}}})
			}
			if err := tx.LockSchedules(ctx, "s1"); err != nil {
				return err
			}
			if _, err := tx.Get(ctx, "Schedule", "s1"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("get schedule: %w", err)
			}
			if _, err := tx.Busy(ctx, []string{"s1"}, from, to); err != nil {
				return err
			}
			for _, r := range []scheduling.Resource{&scheduling.Appointment{}, &scheduling.Slot{}} {
				if err := tx.Create(ctx, r); err != nil {
					return err
				}
			}
			if err := tx.AddBusy(ctx, store.Busy{ScheduleID: "s1", Start: time.Unix(at, 0), End: time.Unix(at+900, 0), Exclusive: true}); err != nil {
				return err
			}
			return tx.AppendEvent(ctx, event)
		})
	}
	cases := []struct {
		name string
		run  func() error
		want int64
	}{
		{"empty update", func() error { return s.Update(ctx, func(store.Tx) error { return nil }) }, 0},
		{"events only: BEGIN, events and COMMIT together", func() error {
			return s.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, event) })
		}, 1},
		{"lock, read, event: BEGIN with the lock, the read, events with COMMIT", func() error {
			return s.Update(ctx, func(tx store.Tx) error {
				if err := tx.LockSchedules(ctx, "s1"); err != nil {
					return err
				}
				if _, err := tx.Busy(ctx, []string{"s1"}, time.Time{}, time.Time{}); err != nil {
					return err
				}
				return tx.AppendEvent(ctx, event)
			})
		}, 3},
		{"booking: BEGIN with the lock, the schedule, the busy time, then the writes with the events and COMMIT",
			func() error { return booking(false, 0) }, 4},
		{"booking with its reads prefetched: BEGIN with the lock and the reads, then the writes with the events and COMMIT",
			func() error { return booking(true, 1800) }, 2},
		{"writes only: all of them with BEGIN and COMMIT", func() error {
			return s.Update(ctx, func(tx store.Tx) error {
				p := &scheduling.Patient{}
				if err := tx.Create(ctx, p); err != nil {
					return err
				}
				if err := tx.Put(ctx, p); err != nil {
					return err
				}
				if err := tx.SetIdempotent(ctx, "k", "v"); err != nil {
					return err
				}
				if err := tx.SetCursor(ctx, "c", 1); err != nil {
					return err
				}
				if err := tx.Delete(ctx, "Patient", p.ID, p.Version); err != nil {
					return err
				}
				return tx.RemoveBusy(ctx, "a1")
			})
		}, 1},
		{"a refused write: its batch, then ROLLBACK", func() error {
			err := s.Update(ctx, func(tx store.Tx) error { return tx.SetIdempotent(ctx, "k", "again") })
			if !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("SetIdempotent of a taken key: %v; want ErrConflict", err)
			}
			return nil
		}, 2},
		{"view: BEGIN with the read, ROLLBACK", func() error {
			return s.View(ctx, func(tx store.ReadTx) error { _, err := tx.Cursor(ctx, "c"); return err })
		}, 2},
	}
	for _, c := range cases {
		before := stmts.n.Load()
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := stmts.n.Load() - before; got != c.want {
			t.Errorf("%s: %d round trips; want %d", c.name, got, c.want)
		}
	}
	evs, err := s.Events(ctx, 0, 10)
	if err != nil || len(evs) != 4 {
		t.Fatalf("the four transactions with an event must have committed it: %d events, %v", len(evs), err)
	}
}
