package storetest

import (
	"context"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

var timeCases = []testCase{
	{"MicrosecondsAndUTC", testTimeMicrosecondsAndUTC},
}

// keptInstant reports whether got is want kept to at least the
// microsecond (truncated, rounded, or exact) and in UTC.
func keptInstant(got, want time.Time) bool {
	if got.Location() != time.UTC {
		return false
	}
	return got.Equal(want) || got.Equal(want.Truncate(time.Microsecond)) || got.Equal(want.Round(time.Microsecond))
}

func testTimeMicrosecondsAndUTC(t tb, s store.Store) {
	zone := time.FixedZone("UTC-5", -5*3600)
	in := time.Date(2030, time.March, 4, 4, 0, 0, 123456789, zone) // 09:00:00.123456789 UTC
	rule := "stores keep instants to at least the microsecond and return them in UTC"
	check := func(what string, got time.Time) {
		t.Helper()
		if !keptInstant(got, in) {
			broke(t, rule, "%s = %s (%s), stored %s", what, got.Format(time.RFC3339Nano), got.Location(), in.Format(time.RFC3339Nano))
		}
	}

	a := appointment("a1", scheduling.AppointmentPending, in, in)
	a.End = in.Add(time.Hour)
	a.Participant[0].Period = &scheduling.Period{Start: in}
	a.RequestedPeriod = []scheduling.Period{{Start: in, End: in.Add(time.Hour)}}
	create(t, s, a)
	if a.LastUpdated.Location() != time.UTC {
		broke(t, rule, "LastUpdated set by Create in %s", a.LastUpdated.Location())
	}
	got := get(t, s, "Appointment", "a1").(*scheduling.Appointment)
	check("Appointment.Start", got.Start)
	check("Appointment.HeldUntil", got.HeldUntil)
	check("Appointment.Participant[0].Period.Start", got.Participant[0].Period.Start)
	check("Appointment.RequestedPeriod[0].Start", got.RequestedPeriod[0].Start)
	if got.LastUpdated.Location() != time.UTC || !got.LastUpdated.Equal(a.LastUpdated) {
		broke(t, rule, "LastUpdated %s, set on the value as %s", got.LastUpdated.Format(time.RFC3339Nano), a.LastUpdated.Format(time.RFC3339Nano))
	}
	if !got.Created.IsZero() {
		broke(t, "a zero instant stays zero", "Created = %s", fmtTime(got.Created))
	}

	micro := in.Truncate(time.Microsecond)
	if ids := searchIDs(t, s, store.Query{ResourceType: "Appointment", From: micro, To: micro.Add(time.Microsecond)}); len(ids) != 1 {
		broke(t, rule+" (a search for the microsecond of the instant finds it)", "%v", ids)
	}
	var page store.Page
	view(t, s, "Search", func(ctx context.Context, tx store.ReadTx) error {
		var err error
		page, err = tx.Search(ctx, store.Query{ResourceType: "Appointment"})
		return err
	})
	if len(page.Resources) == 1 {
		check("Appointment.Start from Search", page.Resources[0].(*scheduling.Appointment).Start)
	}

	update(t, s, "AddBusy and AppendEvent", func(ctx context.Context, tx store.Tx) error {
		if err := tx.AddBusy(ctx, store.Busy{ID: "b1", ScheduleID: "sched-1", Start: in, End: in.Add(time.Hour), HeldUntil: in}); err != nil {
			return err
		}
		e := event("a1", scheduling.EventHeld, in)
		e.OldStart, e.Appointment.Start = in, in
		return tx.AppendEvent(ctx, e)
	})
	view(t, s, "Busy", func(ctx context.Context, tx store.ReadTx) error {
		b, err := tx.Busy(ctx, []string{"sched-1"}, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		if len(b) != 1 {
			broke(t, "Busy with open bounds returns every entry of the schedule", "%d entries", len(b))
			return nil
		}
		check("Busy.Start", b[0].Start)
		check("Busy.HeldUntil", b[0].HeldUntil)
		return nil
	})
	evs, err := s.Events(t.Context(), 0, 10)
	ok(t, err, "Events")
	if len(evs) == 1 {
		check("Event.At", evs[0].At)
		check("Event.OldStart", evs[0].OldStart)
		check("Event.Appointment.Start", evs[0].Appointment.Start)
		if evs[0].Recorded.Location() != time.UTC {
			broke(t, rule, "Recorded in %s", evs[0].Recorded.Location())
		}
	} else {
		broke(t, "a committed event must be readable with Events", "%d events", len(evs))
	}
}
