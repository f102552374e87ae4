package pgstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// BenchmarkAnchorInsert measures single-statement INSERTs (each its own
// transaction) at 1, 8 and 32 concurrent callers, as a reference for the
// Scheduler-level benchmarks:
//
//   - busy: into the busy table, guarded by the gist exclusion constraint,
//     rows that never overlap;
//   - plain: the same rows into a copy of the table with only a primary key
//     (the baseline: what the constraint costs);
//   - refused: every caller inserts the same exclusive span of one schedule
//     with ON CONFLICT DO NOTHING, so all but the first are refused (what
//     contended double-booking attempts cost).
//
// Run it with
//
//	OPENSLOT_TEST_DATABASE_URL=... go test -run '^$' -bench AnchorInsert ./store/pgstore/
func BenchmarkAnchorInsert(b *testing.B) {
	pool := pgtest.New(b, pgtest.Options{MaxConns: 40, Durable: true})
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE plain (LIKE busy INCLUDING DEFAULTS INCLUDING GENERATED, PRIMARY KEY (id))`); err != nil {
		b.Fatal(err)
	}
	const insert = `INSERT INTO %s (id, schedule_id, start_at, end_at, count, appointment_id, booking, exclusive)
		VALUES ($1, $2, $3, $4, 1, '', true, true) ON CONFLICT DO NOTHING`
	var next atomic.Int64
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	distinct := func(table string) func(*pgxpool.Pool) error {
		sql := fmt.Sprintf(insert, table)
		return func(pool *pgxpool.Pool) error {
			n := next.Add(1)
			start := t0.Add(time.Duration(n) * 15 * time.Minute) // never overlaps another row
			_, err := pool.Exec(ctx, sql, strconv.FormatInt(n, 10), "s"+strconv.FormatInt(n%16, 10), start, start.Add(15*time.Minute))
			return err
		}
	}
	same := func(pool *pgxpool.Pool) error {
		n := next.Add(1)
		_, err := pool.Exec(ctx, fmt.Sprintf(insert, "busy"), strconv.FormatInt(n, 10), "contended", t0, t0.Add(time.Hour))
		return err
	}
	for _, bc := range []struct {
		name string
		op   func(*pgxpool.Pool) error
	}{{"busy", distinct("busy")}, {"plain", distinct("plain")}, {"refused", same}} {
		for _, clients := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/clients=%d", bc.name, clients), func(b *testing.B) {
				if clients == 1 {
					for b.Loop() {
						if err := bc.op(pool); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					// RunParallel starts parallelism × GOMAXPROCS goroutines.
					b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := bc.op(pool); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
			})
		}
	}
}
