package storetest

import (
	"context"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

var aliasingCases = []testCase{
	{"ResourcesInAndOut", testAliasingResources},
	{"BusyAndEvents", testAliasingBusyAndEvents},
}

// scribble changes every kind of element of a in place: scalars, slices,
// pointers, nested references and raw JSON.
func scribble(a *scheduling.Appointment) {
	a.Comment = "scribbled"
	a.Start = a.Start.Add(time.Hour)
	if len(a.Participant) > 0 {
		a.Participant[0].Actor.Reference = "Patient/scribbled"
		a.Participant[0].Status = scheduling.ParticipationDeclined
	}
	if len(a.Identifier) > 0 {
		a.Identifier[0].Value = "scribbled"
		if a.Identifier[0].Period != nil {
			a.Identifier[0].Period.Start = time.Time{}
		}
	}
	if a.Priority != nil {
		*a.Priority = 99
	}
	if a.AppointmentType != nil && len(a.AppointmentType.Coding) > 0 {
		a.AppointmentType.Coding[0].Code = "scribbled"
	}
	if len(a.Extension) > 0 && len(a.Extension[0].JSON) > 1 {
		j := a.Extension[0].JSON // {"url":"...","valueInteger":N}: change N in place
		j[len(j)-2] = '7'
	}
	for k := range a.Unmapped {
		a.Unmapped[k] = []byte(`"scribbled"`)
	}
}

func testAliasingResources(t tb, s store.Store) {
	orig := fixture("Appointment", 1).(*scheduling.Appointment)
	orig.ID = "a1"
	want := orig.Clone()
	mine := orig.Clone()
	check := func(rule string) {
		t.Helper()
		got := get(t, s, "Appointment", "a1")
		if got == nil {
			brokeNow(t, "a committed Create must be readable with Get", "ErrNotFound for Appointment/a1")
		}
		want.Meta = *got.Metadata()
		if d := diff(&want, got); d != "" {
			broke(t, rule, "stored value changed (-want +got):\n%s", d)
		}
	}

	create(t, s, &mine)
	scribble(&mine)
	check("values passed to Create are copied: changing one afterwards changes nothing stored")

	update(t, s, "Create and Get in one transaction", func(ctx context.Context, tx store.Tx) error {
		other := orig.Clone()
		other.ID = "a2"
		if err := tx.Create(ctx, &other); err != nil {
			return err
		}
		scribble(&other)
		r, err := tx.Get(ctx, "Appointment", "a2")
		if err != nil {
			return err
		}
		if r.(*scheduling.Appointment).Comment == "scribbled" || r.(*scheduling.Appointment).Participant[0].Actor.Reference == "Patient/scribbled" {
			broke(t, "values passed to Create are copied, also for reads in the same transaction", "the change seen by Get")
		}
		scribble(r.(*scheduling.Appointment))
		r2, err := tx.Get(ctx, "Appointment", "a2")
		if err != nil {
			return err
		}
		if r2.(*scheduling.Appointment).Comment == "scribbled" {
			broke(t, "values returned by Get are copies, also in the transaction that wrote them", "the change seen by the next Get")
		}
		return nil
	})

	got := get(t, s, "Appointment", "a1").(*scheduling.Appointment)
	scribble(got)
	check("values returned by Get are copies: changing one changes nothing stored")

	var fromSearch scheduling.Resource
	view(t, s, "Search", func(ctx context.Context, tx store.ReadTx) error {
		p, err := tx.Search(ctx, store.Query{ResourceType: "Appointment", IDs: []string{"a1"}})
		if err == nil && len(p.Resources) == 1 {
			fromSearch = p.Resources[0]
		}
		return err
	})
	if fromSearch == nil {
		brokeNow(t, "Search by IDs must find a stored resource", "nothing for a1")
	}
	scribble(fromSearch.(*scheduling.Appointment))
	check("values returned by Search are copies: changing one changes nothing stored")

	put := get(t, s, "Appointment", "a1").(*scheduling.Appointment)
	put.Description = "put"
	update(t, s, "Put", func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, put) })
	want.Description = "put"
	scribble(put)
	check("values passed to Put are copied: changing one afterwards changes nothing stored")

	hold := appointment("hold", scheduling.AppointmentPending, at(1, 0), at(0, 30))
	create(t, s, hold)
	var holds []*scheduling.Appointment
	view(t, s, "ExpiredHolds", func(ctx context.Context, tx store.ReadTx) error {
		var err error
		holds, err = tx.ExpiredHolds(ctx, at(2, 0), 10)
		return err
	})
	for _, h := range holds {
		scribble(h)
	}
	if got := get(t, s, "Appointment", "hold").(*scheduling.Appointment); got.Comment == "scribbled" || got.Participant[0].Actor.Reference == "Patient/scribbled" {
		broke(t, "values returned by ExpiredHolds are copies: changing one changes nothing stored", "the change stored")
	}
}

func testAliasingBusyAndEvents(t tb, s store.Store) {
	entries := []store.Busy{
		{ID: "b1", ScheduleID: "sched-1", Start: at(1, 0), End: at(2, 0), AppointmentID: "a1", Booking: true},
		{ID: "b2", ScheduleID: "sched-1", Start: at(3, 0), End: at(4, 0), AppointmentID: "a2"},
	}
	ev := event("a1", scheduling.EventBooked, at(0, 0))
	update(t, s, "AddBusy and AppendEvent", func(ctx context.Context, tx store.Tx) error {
		if err := tx.AddBusy(ctx, entries...); err != nil {
			return err
		}
		entries[0].End = at(9, 0)
		entries[1].ScheduleID = "scribbled"
		if err := tx.AppendEvent(ctx, ev); err != nil {
			return err
		}
		scribble(&ev.Appointment)
		return nil
	})
	readBusy := func() []store.Busy {
		var b []store.Busy
		view(t, s, "Busy", func(ctx context.Context, tx store.ReadTx) error {
			var err error
			b, err = tx.Busy(ctx, []string{"sched-1"}, at(0, 0), at(5, 0))
			return err
		})
		return b
	}
	b := readBusy()
	if len(b) != 2 {
		brokeNow(t, "values passed to AddBusy are copied: changing one afterwards changes nothing stored", "%d entries on sched-1", len(b))
	}
	for i := range b {
		if b[i].ID == "b1" && !b[i].End.Equal(at(2, 0)) {
			broke(t, "values passed to AddBusy are copied: changing one afterwards changes nothing stored", "b1 ends %s", fmtTime(b[i].End))
		}
		b[i].End = at(20, 0)
		b[i].ID = "scribbled"
	}
	for _, e := range readBusy() {
		if e.ID == "scribbled" || e.End.Equal(at(20, 0)) {
			broke(t, "Busy returns copies: changing the result changes nothing stored", "%+v", e)
		}
	}

	evs, err := s.Events(t.Context(), 0, 10)
	ok(t, err, "Events")
	if len(evs) != 1 {
		brokeNow(t, "a committed event must be readable with Events", "%d events", len(evs))
	}
	want := event("a1", scheduling.EventBooked, at(0, 0)).Appointment
	if d := diff(want, evs[0].Appointment); d != "" {
		broke(t, "events passed to AppendEvent are copied: changing one afterwards changes nothing stored", "(-want +got):\n%s", d)
	}
	scribble(&evs[0].Appointment)
	evs[0].AppointmentID = "scribbled"
	again, err := s.Events(t.Context(), 0, 10)
	ok(t, err, "Events")
	if len(again) != 1 || again[0].AppointmentID != "a1" {
		broke(t, "Events returns copies: changing the result changes nothing stored", "%v", eventIDs(again))
	} else if d := diff(want, again[0].Appointment); d != "" {
		broke(t, "Events returns copies: changing the result changes nothing stored", "(-want +got):\n%s", d)
	}
}
