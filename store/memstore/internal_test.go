package memstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// indexOf returns the ids of the current records the table's index holds
// under term, sorted, and fails the test when one is there twice or the
// list's stale count is wrong.
func indexOf(t *testing.T, tb *table, term string) []string {
	t.Helper()
	p := tb.index[term]
	if p == nil {
		return nil
	}
	var ids []string
	stale := 0
	for _, rec := range p.recs {
		if !tb.current(rec) {
			stale++
			continue
		}
		if slices.Contains(ids, rec.id) {
			t.Errorf("index[%s] holds %s twice", term, rec.id)
		}
		ids = append(ids, rec.id)
	}
	if stale != p.stale {
		t.Errorf("index[%s] counts %d stale entries, holds %d", term, p.stale, stale)
	}
	slices.Sort(ids)
	return ids
}

// TestTableSetIndex replaces a record with one that drops, keeps and adds
// terms, then deletes it, and checks the inverted index after each step.
func TestTableSetIndex(t *testing.T) {
	tb := newTable()
	rec := func(terms ...string) *record { return &record{id: "a", terms: terms} }
	tb.set("b", &record{id: "b", terms: []string{"k=1"}})
	tb.set("a", rec("k=1", "s=booked", "x=1"))
	tb.set("a", rec("k=1", "s=cancelled", "y=2"))
	for term, want := range map[string][]string{
		"k=1": {"a", "b"}, "s=cancelled": {"a"}, "y=2": {"a"}, "s=booked": nil, "x=1": nil,
	} {
		if got := indexOf(t, tb, term); !slices.Equal(got, want) {
			t.Errorf("after replace: index[%s] = %v, want %v", term, got, want)
		}
	}
	if _, ok := tb.index["s=booked"]; ok {
		t.Error("after replace: the emptied term s=booked is still in the index")
	}
	tb.set("a", nil)
	if got := indexOf(t, tb, "k=1"); !slices.Equal(got, []string{"b"}) {
		t.Errorf("after delete: index[k=1] = %v, want [b]", got)
	}
	if len(tb.index) != 1 || tb.byID["a"] != nil {
		t.Errorf("after delete: index %v, byID[a] %v; want only k=1 and no a", tb.index, tb.byID["a"])
	}
}

// TestTableIndexCompacts rewrites records many times, as status changes
// do, and checks that a posting list stays within twice its current
// records plus compactAt, and still lists exactly the current ones.
func TestTableIndexCompacts(t *testing.T) {
	tb := newTable()
	const ids = 50
	status := func(round int) string { return fmt.Sprint("s=", round%3) }
	for round := range 200 {
		for i := range ids {
			id := fmt.Sprint(i)
			tb.set(id, &record{id: id, terms: []string{"all", status(round + i)}})
		}
		for term, p := range tb.index {
			if live := len(p.recs) - p.stale; len(p.recs) > 2*live+compactAt+1 {
				t.Fatalf("round %d: index[%s] holds %d entries for %d current records", round, term, len(p.recs), live)
			}
		}
	}
	if got := indexOf(t, tb, "all"); len(got) != ids {
		t.Errorf("index[all] lists %d current records, want %d", len(got), ids)
	}
	n := 0
	for s := range 3 {
		n += len(indexOf(t, tb, fmt.Sprint("s=", s)))
	}
	if n != ids {
		t.Errorf("the status terms list %d current records, want %d", n, ids)
	}
	for i := range ids {
		tb.set(fmt.Sprint(i), nil)
	}
	if len(tb.index) != 0 {
		t.Errorf("after deleting every record the index still has %d terms", len(tb.index))
	}
}

// TestEventLogChunks reads events across chunk boundaries of the log.
func TestEventLogChunks(t *testing.T) {
	ctx := context.Background()
	s := New(nil)
	const n = 2*eventChunk + 7
	for i := range n {
		err := s.Update(ctx, func(tx store.Tx) error {
			return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: fmt.Sprint(i)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, after := range []int64{0, eventChunk - 3, eventChunk, 2*eventChunk - 1, n - 2, n} {
		evs, err := s.Events(ctx, after, store.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(n-after, store.MaxLimit); int64(len(evs)) != want {
			t.Fatalf("Events(%d): %d events, want %d", after, len(evs), want)
		}
		for j, e := range evs {
			if c := after + int64(j) + 1; e.Cursor != c || e.AppointmentID != fmt.Sprint(c-1) {
				t.Fatalf("Events(%d)[%d] = cursor %d appointment %s, want cursor %d appointment %d", after, j,
					e.Cursor, e.AppointmentID, c, c-1)
			}
		}
	}
}

// TestOverlayIndexesManyWrites writes past scanLimit resources and busy
// entries in one transaction, so the overlay's maps take over from its
// scans, and checks that reads, removals and the commit see all of it.
func TestOverlayIndexesManyWrites(t *testing.T) {
	ctx := context.Background()
	s := New(nil)
	const n = 3 * scanLimit
	t0 := time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if err := tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: fmt.Sprintf("p%02d", i)}}); err != nil {
				return err
			}
			b := store.Busy{ID: fmt.Sprintf("b%02d", i), ScheduleID: "s", AppointmentID: fmt.Sprintf("a%d", i%2),
				Start: t0.Add(time.Duration(i) * time.Hour), End: t0.Add(time.Duration(i+1) * time.Hour)}
			if err := tx.AddBusy(ctx, b); err != nil {
				return err
			}
		}
		if err := tx.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p07"}}); err == nil {
			return fmt.Errorf("create of an id written in this transaction succeeded")
		}
		if err := tx.AddBusy(ctx, store.Busy{ID: "b03", ScheduleID: "s", Start: t0, End: t0.Add(time.Hour)}); err == nil {
			return fmt.Errorf("AddBusy of an id added in this transaction succeeded")
		}
		if err := tx.Delete(ctx, "Patient", "p40", 0); err != nil {
			return err
		}
		if err := tx.RemoveBusy(ctx, "a1"); err != nil {
			return err
		}
		if err := tx.RemoveBusyEntry(ctx, "b00"); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, "Patient", "p40"); err == nil {
			return fmt.Errorf("a patient deleted in this transaction is still there")
		}
		busy, err := tx.Busy(ctx, []string{"s"}, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		if len(busy) != n/2-1 {
			return fmt.Errorf("%d busy entries inside the transaction, want %d", len(busy), n/2-1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx store.ReadTx) error {
		p, err := tx.Search(ctx, store.Query{ResourceType: "Patient", Total: true})
		if err != nil {
			return err
		}
		if p.Total != n-1 {
			return fmt.Errorf("%d patients committed, want %d", p.Total, n-1)
		}
		busy, err := tx.Busy(ctx, []string{"s"}, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		for _, b := range busy {
			if b.AppointmentID != "a0" || b.ID == "b00" {
				return fmt.Errorf("busy entry %s of %s was removed but committed", b.ID, b.AppointmentID)
			}
		}
		if len(busy) != n/2-1 {
			return fmt.Errorf("%d busy entries committed, want %d", len(busy), n/2-1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
