package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/openslot/openslot/store"
)

// Prefetch (store.Prefetcher). A booking reads its schedules and their
// busy time right after it locks them; announced with Prefetch, those
// reads go out in the lock's own batch, after the lock statement, so each
// sees every commit made before the lock was granted, exactly as if it
// had been sent on its own afterwards. A booking thus costs two round
// trips: the lock with its reads, then the writes with the COMMIT.

// cachedRow is a prefetched resource row; a nil body means there is none.
type cachedRow struct {
	version int64
	updated time.Time
	body    []byte
}

// prefetchedBusy is a prefetched Busy read and its entries.
type prefetchedBusy struct {
	r       store.BusyRange
	entries []store.Busy
}

var _ store.Prefetcher = (*txn)(nil)

// Prefetch records p for the next LockSchedules. Bounds are normalised as
// Busy normalises them; open ranges are left out (Busy never serves an
// open read from a prefetch).
func (t *txn) Prefetch(p store.Prefetch) {
	if t.done || t.failed != nil {
		return
	}
	q := store.Prefetch{Resources: slices.Clone(p.Resources)}
	for _, r := range p.Busy {
		r.From, r.To = normTime(r.From), normTime(r.To)
		r.ScheduleIDs = withoutNUL(r.ScheduleIDs) // as Busy reads them
		if len(r.ScheduleIDs) > 0 && !r.From.IsZero() && !r.To.IsZero() && r.From.Before(r.To) {
			r.ScheduleIDs = slices.Clone(r.ScheduleIDs)
			q.Busy = append(q.Busy, r)
		}
	}
	t.prefetch = &q
}

// lockAndPrefetch sends the pending statements, the lock of scheduleIDs
// and the prefetched reads in one batch, and keeps what the reads return.
func (t *txn) lockAndPrefetch(ctx context.Context, scheduleIDs []string) error {
	pf := t.prefetch
	t.prefetch = nil
	b := &pgx.Batch{}
	pending := t.pending
	t.pending = nil
	t.sent = true
	for _, p := range pending {
		b.Queue(p.sql, p.args...)
	}
	lock, lockArgs := lockStatement(scheduleIDs)
	b.Queue(lock, lockArgs...)
	// One lookup per resource, the statement Get sends: a join over an
	// array of keys plans worse and costs more than a few cached
	// primary-key lookups in one batch.
	for _, k := range pf.Resources {
		b.Queue(getSQL, k.Type, pgText(k.ID))
	}
	for _, r := range pf.Busy {
		b.Queue(busySQL, busyArgs(r.ScheduleIDs, r.From, r.To)...)
	}
	br := t.conn.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	what := fmt.Sprintf("lock schedules %v", scheduleIDs)
	for _, p := range pending {
		if _, err := br.Exec(); err != nil {
			return t.fail(ctx, what, p.explain(err)) // as LockSchedules without a prefetch
		}
	}
	if _, err := br.Exec(); err != nil {
		return t.fail(ctx, what, err)
	}
	if t.cached == nil && len(pf.Resources) > 0 {
		t.cached = make(map[store.Key]cachedRow, len(pf.Resources))
	}
	for _, k := range pf.Resources {
		var row cachedRow
		err := br.QueryRow().Scan(&row.version, &row.updated, &row.body)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return t.fail(ctx, fmt.Sprintf("prefetch %s/%s", k.Type, k.ID), err)
		}
		t.cached[k] = row // the zero row (nil body) when there is none
	}
	for _, r := range pf.Busy {
		rows, _ := br.Query()
		entries, err := collectBusy(rows)
		if err != nil {
			return t.fail(ctx, fmt.Sprintf("prefetch busy of %v", r.ScheduleIDs), err)
		}
		t.busyCache = append(t.busyCache, prefetchedBusy{r: r, entries: entries})
	}
	if err := br.Close(); err != nil {
		return t.fail(ctx, what, err)
	}
	return nil
}

// cachedBusy answers a Busy read of [from, to) (normalised) from a
// prefetched read that covers it.
func (t *txn) cachedBusy(scheduleIDs []string, from, to time.Time) ([]store.Busy, bool) {
	for _, pb := range t.busyCache {
		if !pb.r.Covers(scheduleIDs, from, to) {
			continue
		}
		out := make([]store.Busy, 0, len(pb.entries))
		for _, e := range pb.entries {
			if slices.Contains(scheduleIDs, e.ScheduleID) && e.Start.Before(to) && e.End.After(from) {
				out = append(out, e)
			}
		}
		return out, true
	}
	return nil, false
}

// forget drops a prefetched resource the transaction writes.
func (t *txn) forget(typ, id string) {
	if t.cached != nil {
		delete(t.cached, store.Key{Type: typ, ID: id})
	}
}
