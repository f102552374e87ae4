package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

var eventCases = []testCase{
	{"OrderAndLimit", testEventsOrderAndLimit},
	{"RolledBackNeverAppear", testEventsRolledBack},
	{"ConcurrentAppendersNoGaps", testEventsConcurrent},
}

// event returns an event for appointment id with a full snapshot.
func event(id string, typ scheduling.EventType, when time.Time) scheduling.Event {
	a := fixture("Appointment", 3).(*scheduling.Appointment)
	a.ID = id
	a.Version = 2
	a.LastUpdated = when
	return scheduling.Event{
		Type: typ, AppointmentID: id, At: when,
		From: scheduling.AppointmentPending, To: scheduling.AppointmentBooked,
		OldStart: at(-2, 0), OldEnd: at(-1, 30),
		Appointment: *a,
	}
}

func eventIDs(evs []store.EventRecord) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%d:%s", e.Cursor, e.AppointmentID)
	}
	return out
}

func appendEvents(t tb, s store.Store, ids ...string) {
	t.Helper()
	update(t, s, "AppendEvent", func(ctx context.Context, tx store.Tx) error {
		for _, id := range ids {
			if err := tx.AppendEvent(ctx, event(id, scheduling.EventBooked, at(0, 0))); err != nil {
				return err
			}
		}
		return nil
	})
}

func testEventsOrderAndLimit(t tb, s store.Store) {
	ctx := t.Context()
	evs, err := s.Events(ctx, 0, 10)
	ok(t, err, "Events of an empty log")
	if len(evs) != 0 {
		broke(t, "a new store has an empty event log", "%v", eventIDs(evs))
	}
	appendEvents(t, s, "e1", "e2")
	appendEvents(t, s, "e3")
	appendEvents(t, s, "e4", "e5", "e6")
	all, err := s.Events(ctx, 0, 100)
	ok(t, err, "Events")
	var got []string
	for i, e := range all {
		got = append(got, e.AppointmentID)
		if i > 0 && e.Cursor <= all[i-1].Cursor {
			broke(t, "Events returns events in increasing cursor order", "%v", eventIDs(all))
		}
		if e.Recorded.IsZero() || e.Recorded.Location() != time.UTC {
			broke(t, "EventRecord.Recorded is when the transaction ran, in UTC", "%s for %s", fmtTime(e.Recorded), e.AppointmentID)
		}
	}
	if d := diff([]string{"e1", "e2", "e3", "e4", "e5", "e6"}, got); d != "" {
		brokeNow(t, "Events returns every committed event in the order appended", "(-want +got):\n%s", d)
	}
	want := event("e1", scheduling.EventBooked, at(0, 0))
	if d := diff(want, all[0].Event); d != "" {
		broke(t, "Events returns the event as appended", "(-want +got):\n%s", d)
	}
	for _, c := range []struct {
		after int64
		limit int
		want  []string
	}{
		{0, 2, []string{"e1", "e2"}},
		{all[1].Cursor, 2, []string{"e3", "e4"}},
		{all[2].Cursor, 100, []string{"e4", "e5", "e6"}},
		{all[5].Cursor, 100, nil},
	} {
		evs, err := s.Events(ctx, c.after, c.limit)
		ok(t, err, "Events")
		var got []string
		for _, e := range evs {
			got = append(got, e.AppointmentID)
		}
		if d := diff(c.want, got); d != "" {
			broke(t, "Events returns up to limit events after the cursor", "after %d limit %d (-want +got):\n%s", c.after, c.limit, d)
		}
	}
}

func testEventsRolledBack(t tb, s store.Store) {
	ctx := t.Context()
	appendEvents(t, s, "e1")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.AppendEvent(ctx, event("ghost", scheduling.EventBooked, at(0, 0))); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		broke(t, "Update must return the error of its function", "%v", err)
	}
	appendEvents(t, s, "e2")
	evs, err := s.Events(ctx, 0, 100)
	ok(t, err, "Events")
	var got []string
	for _, e := range evs {
		got = append(got, e.AppointmentID)
	}
	if d := diff([]string{"e1", "e2"}, got); d != "" {
		broke(t, "events of a rolled-back transaction never appear", "(-want +got):\n%s", d)
	}
}

// testEventsConcurrent has several writers append while a reader follows
// the log from its last cursor. Since a reader must never see cursor c+1
// before c is visible, what the reader collected must equal the whole log
// at the end: nothing skipped, nothing twice, cursors only growing.
func testEventsConcurrent(t tb, s store.Store) {
	ctx := t.Context()
	const writers, txs = 4, 15
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range txs {
				err := s.Update(ctx, func(tx store.Tx) error {
					for j := range 1 + i%2 {
						if err := tx.AppendEvent(ctx, event(fmt.Sprintf("w%d-%d-%d", w, i, j), scheduling.EventBooked, at(0, 0))); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Errorf("store rule: AppendEvent in a transaction must commit; got %v", err)
					return
				}
			}
		}()
	}
	writing := make(chan struct{})
	go func() { wg.Wait(); close(writing) }()

	var seen []store.EventRecord
	var last int64
	follow := func() {
		evs, err := s.Events(ctx, last, 7)
		ok(t, err, "Events")
		for _, e := range evs {
			if e.Cursor <= last {
				broke(t, "Events returns only events after the cursor, in increasing order", "cursor %d after %d", e.Cursor, last)
			}
			last = e.Cursor
			seen = append(seen, e)
		}
	}
	for done := false; !done; {
		select {
		case <-writing:
			done = true
		default:
		}
		follow()
	}
	for range 1000 {
		before := len(seen)
		follow()
		if len(seen) == before {
			break
		}
	}
	all, err := s.Events(ctx, 0, store.MaxLimit)
	ok(t, err, "Events")
	want := writers * (txs + txs/2)
	if len(all) != want {
		broke(t, "every committed event appears in the log", "%d of %d", len(all), want)
	}
	if d := diff(eventIDs(all), eventIDs(seen)); d != "" {
		broke(t, "a reader never sees cursor c+1 before c: following the log from the last cursor seen must miss nothing",
			"(-log +followed):\n%s", d)
	}
	if !slices.IsSortedFunc(all, func(a, b store.EventRecord) int { return int(a.Cursor - b.Cursor) }) {
		broke(t, "Events returns events in increasing cursor order", "%v", eventIDs(all))
	}
}
