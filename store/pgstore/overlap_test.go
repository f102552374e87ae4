package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

var t0 = time.Date(2030, 6, 3, 9, 0, 0, 0, time.UTC)

func slot(id, schedule string, fromMin, toMin int, exclusive bool) store.Busy {
	return store.Busy{ID: id, ScheduleID: schedule, Start: t0.Add(time.Duration(fromMin) * time.Minute),
		End: t0.Add(time.Duration(toMin) * time.Minute), Booking: true, Exclusive: exclusive}
}

func busyIDs(t *testing.T, s store.Store, schedule string) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	if err := s.View(ctx, func(tx store.ReadTx) error {
		bs, err := tx.Busy(ctx, []string{schedule}, time.Time{}, time.Time{})
		for _, b := range bs {
			ids = append(ids, b.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// The exclusion constraint refuses an overlapping exclusive entry even
// when the caller skipped LockSchedules. AddBusy is deferred, so the
// refusal surfaces at the transaction's next statement or its commit, and
// nothing of the transaction is kept.
func TestOverlapRefusedWithoutLock(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	s := pgstore.New(pool, nil)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddBusy(ctx, slot("a", "s1", 0, 30, true)) }); err != nil {
		t.Fatal(err)
	}
	// Refused at commit: the entries added before it are not kept either.
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.AddBusy(ctx, slot("c", "s1", 30, 60, true), slot("d", "s1", 20, 50, false), slot("e", "s2", 0, 30, true)); err != nil {
			return err
		}
		return tx.AddBusy(ctx, slot("b", "s1", 20, 50, true))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a transaction with an overlapping exclusive entry: %v; want ErrConflict", err)
	}
	if got, other := busyIDs(t, s, "s1"), busyIDs(t, s, "s2"); len(got) != 1 || len(other) != 0 {
		t.Errorf("after the refused transaction schedule s1 has %v and s2 %v; want a and nothing", got, other)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.AddBusy(ctx, slot("c", "s1", 30, 60, true), slot("d", "s1", 20, 50, false), slot("e", "s2", 0, 30, true))
	}); err != nil {
		t.Fatalf("adjacent, non-exclusive and other-schedule entries: %v", err)
	}
	if got := busyIDs(t, s, "s1"); len(got) != 3 {
		t.Errorf("schedule s1 has entries %v; want a, c and d", got)
	}

	// Refused at the next statement: the read fails with the refusal, and
	// so does every later call.
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.AddBusy(ctx, slot("f", "s1", 60, 90, true), slot("g", "s1", 10, 15, true)); err != nil {
			return err
		}
		_, err := tx.Busy(ctx, []string{"s1"}, time.Time{}, time.Time{})
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "[g]") {
			t.Errorf("a read after a batch with an overlapping entry: %v; want ErrConflict naming g", err)
		}
		if err := tx.SetCursor(ctx, "c", 1); err == nil {
			t.Error("a call after the refusal succeeded")
		}
		return nil
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("Update after a refused entry whose function returned nil: %v; want ErrConflict", err)
	}
	if got := busyIDs(t, s, "s1"); len(got) != 3 {
		t.Errorf("after a refused batch schedule s1 has entries %v; want a, c and d only", got)
	}

	// Two entries of one batch that overlap each other are refused too.
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.AddBusy(ctx, slot("h", "s3", 0, 30, true), slot("i", "s3", 15, 45, true))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a batch overlapping itself: %v; want ErrConflict", err)
	}

	// The constraint is in the database: SQL that bypasses the store is
	// refused as well.
	_, err = pool.Exec(ctx, `INSERT INTO busy (id, schedule_id, start_at, end_at, count, appointment_id, booking, exclusive)
		VALUES ('raw', 's1', $1, $2, 1, '', true, true)`, t0.Add(5*time.Minute), t0.Add(10*time.Minute))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23P01" {
		t.Errorf("raw overlapping insert: %v; want exclusion_violation 23P01", err)
	}
}

// Two transactions that add overlapping entries at once, neither locking
// the schedule: the second waits for the first and is refused when the
// first commits (ON CONFLICT DO NOTHING waits on the uncommitted row). The
// first reads its busy time after AddBusy, which sends the deferred INSERT;
// the test lets it commit only once pg_stat_activity shows the second
// waiting for a lock, so the wait is observed, not assumed after a pause.
func TestOverlapConcurrentWithoutLock(t *testing.T) {
	t.Parallel()
	schema := pgtest.Schema(t)
	app := "openslot-overlap-" + schema // names this test's connections
	pool := pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 3, Configure: func(cfg *pgxpool.Config) {
		cfg.ConnConfig.RuntimeParams["application_name"] = app
	}})
	s := pgstore.New(pool, nil)
	ctx := context.Background()
	added := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Update(ctx, func(tx store.Tx) error {
			if err := tx.AddBusy(ctx, slot("a", "s1", 0, 30, true)); err != nil {
				return err
			}
			bs, err := tx.Busy(ctx, []string{"s1"}, time.Time{}, time.Time{})
			close(added)
			if err != nil || len(bs) != 1 {
				return fmt.Errorf("the first transaction reads %v, %v; want its own entry", bs, err)
			}
			<-release
			return nil
		})
	}()
	<-added
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free() // also when the test fails before it releases
	second := make(chan error, 1)
	go func() {
		second <- s.Update(ctx, func(tx store.Tx) error { return tx.AddBusy(ctx, slot("b", "s1", 10, 40, true)) })
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO busy%'`, app).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting == 1 {
			break
		}
		select {
		case err := <-second:
			t.Fatalf("the second transaction finished (%v) while the first still held its uncommitted entry", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the second transaction's INSERT never waited for the first's uncommitted entry")
		}
		time.Sleep(5 * time.Millisecond)
	}
	free()
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := <-second; !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second: %v; want ErrConflict", err)
	}
	if got := busyIDs(t, s, "s1"); len(got) != 1 || got[0] != "a" {
		t.Errorf("schedule s1 has %v; want only a", got)
	}
}
