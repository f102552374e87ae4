package storetest

import (
	"context"
	"time"

	"github.com/openslot/openslot/store"
)

var busyCases = []testCase{
	{"HalfOpenOverlap", testBusyHalfOpenOverlap},
	{"RoundTripAndRemove", testBusyRoundTripAndRemove},
	{"OwnWritesVisible", testBusyOwnWrites},
	{"SubMicrosecondEdges", testBusySubMicrosecondEdges},
	{"RemoveBusyOfNoAppointment", testRemoveBusyOfNoAppointment},
}

func busyIDs(t tb, s store.Store, schedules []string, from, to time.Time) []string {
	t.Helper()
	var out []string
	view(t, s, "Busy", func(ctx context.Context, tx store.ReadTx) error {
		b, err := tx.Busy(ctx, schedules, from, to)
		for _, e := range b {
			out = append(out, e.ID)
		}
		return err
	})
	return sorted(out)
}

func testBusyHalfOpenOverlap(t tb, s store.Store) {
	us := time.Microsecond
	update(t, s, "AddBusy", func(ctx context.Context, tx store.Tx) error {
		return tx.AddBusy(ctx,
			store.Busy{ID: "ten", ScheduleID: "s1", Start: at(10, 0), End: at(11, 0)},
			store.Busy{ID: "noon", ScheduleID: "s1", Start: at(12, 0), End: at(12, 30)},
			store.Busy{ID: "long", ScheduleID: "s1", Start: at(-48, 0), End: at(48, 0)},
			store.Busy{ID: "other", ScheduleID: "s2", Start: at(10, 0), End: at(11, 0)},
		)
	})
	for _, c := range []struct {
		from, to time.Time
		want     []string
	}{
		{at(11, 0), at(12, 0), []string{"long"}},
		{at(9, 0), at(10, 0), []string{"long"}},
		{at(11, 0).Add(-us), at(11, 0), []string{"long", "ten"}},
		{at(9, 0), at(10, 0).Add(us), []string{"long", "ten"}},
		{at(10, 15), at(10, 30), []string{"long", "ten"}},
		{at(9, 0), at(13, 0), []string{"long", "noon", "ten"}},
		{at(12, 30), at(13, 0), []string{"long"}},
		{at(48, 0), at(50, 0), nil},
		{at(47, 59), at(50, 0), []string{"long"}},
	} {
		if d := diff(sorted(c.want), busyIDs(t, s, []string{"s1"}, c.from, c.to)); d != "" {
			broke(t, "Busy returns the entries overlapping [from, to): Start < to and End > from",
				"s1 in [%s, %s) (-want +got):\n%s", fmtTime(c.from), fmtTime(c.to), d)
		}
	}
	if d := diff([]string{"long", "other", "ten"}, busyIDs(t, s, []string{"s1", "s2"}, at(10, 0), at(11, 0))); d != "" {
		broke(t, "Busy returns the entries of every schedule asked for, and only those", "(-want +got):\n%s", d)
	}
	if got := busyIDs(t, s, []string{"s3"}, at(0, 0), at(24, 0)); len(got) != 0 {
		broke(t, "Busy of a schedule without entries is empty", "%v", got)
	}
}

func testBusyRoundTripAndRemove(t tb, s store.Store) {
	in := []store.Busy{
		{ID: "b1", ScheduleID: "s1", Start: at(1, 0), End: at(2, 0), Count: 2, AppointmentID: "a1", HeldUntil: at(-1, 0), Booking: true, Exclusive: false},
		{ID: "b2", ScheduleID: "s2", Start: at(1, 0), End: at(2, 0), AppointmentID: "a1", Booking: true, Exclusive: true},
		{ScheduleID: "s1", Start: at(3, 0), End: at(4, 0), AppointmentID: "a2"},
		{ID: "ext", ScheduleID: "s1", Start: at(5, 0), End: at(6, 0)},
	}
	update(t, s, "AddBusy", func(ctx context.Context, tx store.Tx) error { return tx.AddBusy(ctx, in...) })
	var got []store.Busy
	view(t, s, "Busy", func(ctx context.Context, tx store.ReadTx) error {
		var err error
		got, err = tx.Busy(ctx, []string{"s1", "s2"}, at(0, 0), at(24, 0))
		return err
	})
	byAppt := map[string]int{}
	for _, g := range got {
		switch g.ID {
		case "b1", "b2", "ext":
			for _, w := range in {
				if w.ID == g.ID {
					if d := diff(w, g); d != "" {
						broke(t, "Busy returns entries as added, expired holds included", "(-added +got):\n%s", d)
					}
				}
			}
		case "":
			broke(t, "AddBusy assigns an ID to an entry without one", "an entry with an empty ID")
		default:
			if g.AppointmentID != "a2" {
				broke(t, "Busy returns entries as added", "unexpected entry %+v", g)
			}
		}
		byAppt[g.AppointmentID]++
	}
	if len(got) != len(in) {
		broke(t, "Busy returns every overlapping entry", "%d of %d", len(got), len(in))
	}
	update(t, s, "RemoveBusy", func(ctx context.Context, tx store.Tx) error { return tx.RemoveBusy(ctx, "a1") })
	if d := diff(2, len(busyIDs(t, s, []string{"s1", "s2"}, time.Time{}, time.Time{}))); d != "" {
		broke(t, "RemoveBusy removes every entry of the appointment, on every schedule, and nothing else", "%s", d)
	}
	update(t, s, "RemoveBusyEntry", func(ctx context.Context, tx store.Tx) error { return tx.RemoveBusyEntry(ctx, "ext") })
	left := busyIDs(t, s, []string{"s1", "s2"}, time.Time{}, time.Time{})
	if len(left) != 1 || left[0] == "ext" {
		broke(t, "RemoveBusyEntry removes the one entry", "%v left", left)
	}
	refused(t, s, store.ErrConflict, "AddBusy with the ID of an existing entry", func(ctx context.Context, tx store.Tx) error {
		return tx.AddBusy(ctx, store.Busy{ID: left[0], ScheduleID: "s1", Start: at(7, 0), End: at(8, 0)})
	})
	if got := busyIDs(t, s, []string{"s1"}, at(7, 0), at(8, 0)); len(got) != 0 {
		broke(t, "a failed AddBusy must change nothing", "%v in [07:00, 08:00)", got)
	}
}

func testBusyOwnWrites(t tb, s store.Store) {
	update(t, s, "AddBusy", func(ctx context.Context, tx store.Tx) error {
		return tx.AddBusy(ctx, store.Busy{ID: "old", ScheduleID: "s1", Start: at(1, 0), End: at(2, 0), AppointmentID: "a1"},
			store.Busy{ID: "old2", ScheduleID: "s1", Start: at(4, 0), End: at(5, 0)})
	})
	update(t, s, "busy reads of a transaction's own writes", func(ctx context.Context, tx store.Tx) error {
		if err := tx.RemoveBusy(ctx, "a1"); err != nil {
			return err
		}
		if err := tx.RemoveBusyEntry(ctx, "old2"); err != nil {
			return err
		}
		if err := tx.AddBusy(ctx, store.Busy{ID: "new", ScheduleID: "s1", Start: at(1, 0), End: at(2, 0), AppointmentID: "a1"}); err != nil {
			return err
		}
		b, err := tx.Busy(ctx, []string{"s1"}, at(0, 0), at(6, 0))
		if err != nil {
			return err
		}
		if len(b) != 1 || b[0].ID != "new" {
			broke(t, "Busy inside a transaction sees its own AddBusy and RemoveBusy", "%+v", b)
		}
		return nil
	})
	if d := diff([]string{"new"}, busyIDs(t, s, []string{"s1"}, time.Time{}, time.Time{})); d != "" {
		broke(t, "AddBusy and RemoveBusy commit together", "(-want +got):\n%s", d)
	}
	// Removing an entry added in the same transaction leaves nothing.
	ctx := t.Context()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.AddBusy(ctx, store.Busy{ID: "temp", ScheduleID: "s1", Start: at(8, 0), End: at(9, 0), AppointmentID: "a9"}); err != nil {
			return err
		}
		return tx.RemoveBusy(ctx, "a9")
	})
	ok(t, err, "AddBusy then RemoveBusy in one transaction")
	if got := busyIDs(t, s, []string{"s1"}, at(8, 0), at(9, 0)); len(got) != 0 {
		broke(t, "RemoveBusy removes entries added earlier in the same transaction", "%v", got)
	}
}

// testBusySubMicrosecondEdges adds an entry whose instants have
// nanoseconds: whatever precision the store keeps, the entry must not
// overlap a window that ends at its start or begins at its end.
func testBusySubMicrosecondEdges(t tb, s store.Store) {
	start := at(10, 0).Add(123456789 * time.Nanosecond)
	end := start.Add(time.Hour)
	rule := "Busy returns the entries overlapping [from, to): an entry added as [Start, End) overlaps no window ending at its Start or starting at its End, whatever the precision of the instants"
	check := func(ctx context.Context, tx store.ReadTx, where string) {
		t.Helper()
		for _, c := range []struct {
			from, to time.Time
			want     []string
		}{
			{start.Add(-time.Hour), start, nil},
			{end, end.Add(time.Hour), nil},
			{start, end, []string{"ns"}},
		} {
			b, err := tx.Busy(ctx, []string{"s1"}, c.from, c.to)
			ok(t, err, "Busy")
			var got []string
			for _, e := range b {
				got = append(got, e.ID)
			}
			if d := diff(c.want, got); d != "" {
				broke(t, rule, "%s, [%s, %s) (-want +got):\n%s", where, fmtTime(c.from), fmtTime(c.to), d)
			}
		}
	}
	update(t, s, "AddBusy", func(ctx context.Context, tx store.Tx) error {
		if err := tx.AddBusy(ctx, store.Busy{ID: "ns", ScheduleID: "s1", Start: start, End: end}); err != nil {
			return err
		}
		check(ctx, tx, "in the transaction that added it")
		return nil
	})
	view(t, s, "Busy", func(ctx context.Context, tx store.ReadTx) error {
		check(ctx, tx, "after commit")
		return nil
	})
}

// testRemoveBusyOfNoAppointment calls RemoveBusy with an empty appointment
// id: entries without an appointment belong to none, so it removes
// nothing, neither committed entries nor those of its own transaction.
func testRemoveBusyOfNoAppointment(t tb, s store.Store) {
	update(t, s, "AddBusy", func(ctx context.Context, tx store.Tx) error {
		return tx.AddBusy(ctx, store.Busy{ID: "ext-old", ScheduleID: "s1", Start: at(1, 0), End: at(2, 0)})
	})
	rule := "RemoveBusy removes the entries owned by the appointment: with an empty appointment id it removes none"
	update(t, s, "AddBusy then RemoveBusy of no appointment", func(ctx context.Context, tx store.Tx) error {
		if err := tx.AddBusy(ctx, store.Busy{ID: "ext-new", ScheduleID: "s1", Start: at(3, 0), End: at(4, 0)}); err != nil {
			return err
		}
		if err := tx.RemoveBusy(ctx, ""); err != nil {
			return err
		}
		b, err := tx.Busy(ctx, []string{"s1"}, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		var got []string
		for _, e := range b {
			got = append(got, e.ID)
		}
		if d := diff([]string{"ext-new", "ext-old"}, sorted(got)); d != "" {
			broke(t, rule, "in the transaction (-want +got):\n%s", d)
		}
		return nil
	})
	if d := diff([]string{"ext-new", "ext-old"}, busyIDs(t, s, []string{"s1"}, time.Time{}, time.Time{})); d != "" {
		broke(t, rule, "after commit (-want +got):\n%s", d)
	}
}
