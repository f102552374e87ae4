package notify

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

func TestOffsetDueAcrossDST(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	be := mustZone(t, "Europe/Berlin")
	sy := mustZone(t, "Australia/Sydney")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		loc   *time.Location
		start string
		o     Offset
		want  string
	}{
		// New York: clocks go forward 2026-03-08 02:00, back 2026-11-01 02:00.
		{"NY day before spring forward is 23h", ny, "2026-03-08T13:00:00Z", DaysBefore(1), "2026-03-07T14:00:00Z"},
		{"NY 24h before spring forward", ny, "2026-03-08T13:00:00Z", Before(24 * time.Hour), "2026-03-07T13:00:00Z"},
		{"NY day before fall back is 25h", ny, "2026-11-01T14:00:00Z", DaysBefore(1), "2026-10-31T13:00:00Z"},
		{"NY 2h before 03:30 just after the gap", ny, "2026-03-08T07:30:00Z", Before(2 * time.Hour), "2026-03-08T05:30:00Z"},
		{"NY day before lands in the gap", ny, "2026-03-09T06:30:00Z", DaysBefore(1), "2026-03-08T07:00:00Z"},
		{"NY day before lands in the overlap", ny, "2026-11-02T06:30:00Z", DaysBefore(1), "2026-11-01T05:30:00Z"},
		{"NY ordinary week", ny, "2026-06-10T13:00:00Z", DaysBefore(7), "2026-06-03T13:00:00Z"},
		{"NY day and 2h", ny, "2026-03-08T13:00:00Z", Offset{Days: 1, Duration: 2 * time.Hour}, "2026-03-07T12:00:00Z"},
		// Berlin: forward 2026-03-29 02:00, back 2026-10-25 03:00.
		{"Berlin day before spring forward", be, "2026-03-29T08:00:00Z", DaysBefore(1), "2026-03-28T09:00:00Z"},
		{"Berlin day before fall back", be, "2026-10-25T09:00:00Z", DaysBefore(1), "2026-10-24T08:00:00Z"},
		{"Berlin 2h across the gap", be, "2026-03-29T01:30:00Z", Before(2 * time.Hour), "2026-03-28T23:30:00Z"},
		{"Berlin day before lands in the gap", be, "2026-03-30T00:30:00Z", DaysBefore(1), "2026-03-29T01:00:00Z"},
		{"Berlin day before lands in the overlap", be, "2026-10-26T01:30:00Z", DaysBefore(1), "2026-10-25T00:30:00Z"},
		// Sydney (southern hemisphere): forward 2026-10-04 02:00.
		{"Sydney day before spring forward", sy, "2026-10-03T22:00:00Z", DaysBefore(1), "2026-10-02T23:00:00Z"},
	}
	for _, tc := range tests {
		got := tc.o.Due(utc(tc.start), tc.loc)
		if !got.Equal(utc(tc.want)) {
			t.Errorf("%s: %s.Due(%s) = %s (%s), want %s", tc.name, tc.o, tc.start, got.UTC().Format(time.RFC3339),
				got.In(tc.loc).Format("2006-01-02 15:04 MST"), tc.want)
		}
	}
}

func TestOffsetString(t *testing.T) {
	for o, want := range map[Offset]string{
		DaysBefore(1):                   "P1D",
		Before(2 * time.Hour):           "PT2H",
		Before(90 * time.Minute):        "PT1H30M",
		Before(1500 * time.Millisecond): "PT1.5S",
		{Days: 2, Duration: time.Hour}:  "P2DT1H",
		{}:                              "PT0S",
	} {
		if got := o.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", o, got, want)
		}
	}
}

// clock is a fake clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func bookedAppointment(id string, start time.Time, zone string) *scheduling.Appointment {
	a := &scheduling.Appointment{Meta: scheduling.Meta{ID: id}, Status: scheduling.AppointmentBooked,
		Start: start, End: start.Add(30 * time.Minute),
		Participant: []scheduling.Participant{{Actor: &scheduling.Reference{Reference: "Patient/p1"},
			Status: scheduling.ParticipationAccepted}}}
	if zone != "" {
		raw, _ := json.Marshal(map[string]string{"url": scheduling.ExtTimeZone, "valueCode": zone})
		a.Extension = []scheduling.Extension{{URL: scheduling.ExtTimeZone, JSON: raw}}
	}
	return a
}

func put(t testing.TB, st store.Store, rs ...scheduling.Resource) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for _, r := range rs {
			if r.Metadata().Version == 0 {
				if err := tx.Create(context.Background(), r); err != nil {
					return err
				}
			} else if err := tx.Put(context.Background(), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func reminderEvents(t *testing.T, st store.Store) []store.EventRecord {
	t.Helper()
	evs, err := st.Events(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.EventRecord
	for _, e := range evs {
		if e.Type == EventReminder {
			out = append(out, e)
		}
	}
	return out
}

func TestRemindersAcrossDST(t *testing.T) {
	for _, tc := range []struct {
		zone      string
		start     string // local wall time of the appointment, the day after the change
		dayBefore string // when the 1-day reminder is due (UTC)
		hours     string // when the 2-hour reminder is due (UTC)
	}{
		{"America/New_York", "2026-03-08T09:00:00", "2026-03-07T14:00:00Z", "2026-03-08T11:00:00Z"},
		{"America/New_York", "2026-11-01T09:00:00", "2026-10-31T13:00:00Z", "2026-11-01T12:00:00Z"},
		{"Europe/Berlin", "2026-03-29T10:00:00", "2026-03-28T09:00:00Z", "2026-03-29T06:00:00Z"},
		{"Europe/Berlin", "2026-10-25T10:00:00", "2026-10-24T08:00:00Z", "2026-10-25T07:00:00Z"},
	} {
		t.Run(tc.zone+" "+tc.start, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			start, _ := time.ParseInLocation("2006-01-02T15:04:05", tc.start, loc)
			dayBefore, _ := time.Parse(time.RFC3339, tc.dayBefore)
			hours, _ := time.Parse(time.RFC3339, tc.hours)
			clk := &clock{t: dayBefore.Add(-time.Minute)}
			st := memstore.New(&memstore.Options{Now: clk.Now})
			put(t, st, bookedAppointment("a1", start, tc.zone))
			r, err := NewReminders(st, ReminderOptions{Offsets: []Offset{DaysBefore(1), Before(2 * time.Hour)}, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			step := func(at time.Time, want int) {
				t.Helper()
				clk.Set(at)
				n, err := r.RunOnce(ctx)
				if err != nil || n != want {
					t.Fatalf("RunOnce at %s = %d, %v; want %d", at.Format(time.RFC3339), n, err, want)
				}
			}
			step(dayBefore.Add(-time.Minute), 0) // a minute early: nothing
			step(dayBefore, 1)                   // the day before, same wall time
			step(dayBefore.Add(time.Hour), 0)    // recorded once only
			step(hours.Add(-time.Second), 0)
			step(hours, 1)
			step(start.Add(-time.Minute), 0)
			step(start.Add(time.Minute), 0) // started: nothing more

			evs := reminderEvents(t, st)
			if len(evs) != 2 {
				t.Fatalf("%d reminder events, want 2", len(evs))
			}
			if !evs[0].At.Equal(dayBefore) || !evs[1].At.Equal(hours) {
				t.Errorf("reminders due at %s and %s, want %s and %s", evs[0].At, evs[1].At, dayBefore, hours)
			}
			for _, e := range evs {
				if e.AppointmentID != "a1" || !e.Appointment.Start.Equal(start) || e.From != scheduling.AppointmentBooked {
					t.Errorf("reminder event %+v does not describe the booked appointment", e.Event)
				}
			}
		})
	}
}

func TestRemindersCancelledMovedAndMissed(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 10, 13, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(-30 * time.Hour)}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	moved := bookedAppointment("moved", start, "")
	cancelled := bookedAppointment("cancelled", start, "")
	missed := bookedAppointment("missed", start, "")
	put(t, st, moved, cancelled, missed)
	r, err := NewReminders(st, ReminderOptions{Offsets: []Offset{DaysBefore(1), Before(2 * time.Hour)}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}

	// The process is down until an hour before the start: for "missed" both
	// reminders are due, only the 2-hour one is sent. Before that, "moved"
	// and "cancelled" got their day-before reminders on time.
	clk.Set(start.Add(-24 * time.Hour))
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.Delete(ctx, "Appointment", "missed", 0) }); err != nil {
		t.Fatal(err)
	}
	if n, err := r.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("day-before pass = %d, %v; want 2", n, err)
	}
	missed.Meta = scheduling.Meta{ID: "missed"}
	put(t, st, missed)

	// "moved" moves a day later, "cancelled" is cancelled.
	moved.Start, moved.End = start.Add(24*time.Hour), start.Add(24*time.Hour+30*time.Minute)
	cancelled.Status = scheduling.AppointmentCancelled
	put(t, st, moved, cancelled)

	clk.Set(start.Add(-time.Hour))
	if n, err := r.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("pass an hour before = %d, %v; want 1 (only the 2-hour reminder of missed)", n, err)
	}
	// The moved appointment gets fresh reminders for its new time.
	clk.Set(moved.Start.Add(-24 * time.Hour))
	if n, err := r.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("pass a day before the new time = %d, %v; want 1", n, err)
	}

	var got []string
	for _, e := range reminderEvents(t, st) {
		got = append(got, e.AppointmentID+"@"+e.Appointment.Start.Sub(e.At).String())
	}
	want := []string{"cancelled@24h0m0s", "moved@24h0m0s", "missed@2h0m0s", "moved@24h0m0s"}
	if len(got) != len(want) {
		t.Fatalf("reminders %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reminders %v, want %v", got, want)
		}
	}
	// Keys name the appointment, its start and the offset.
	if err := st.View(ctx, func(tx store.ReadTx) error {
		for _, k := range []string{ReminderKey("moved", start, DaysBefore(1)), ReminderKey("moved", moved.Start, DaysBefore(1)),
			ReminderKey("missed", start, Before(2*time.Hour))} {
			if _, err := tx.Idempotent(ctx, k); err != nil {
				return errors.Join(errors.New(k), err)
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("idempotency key missing: %v", err)
	}
}

func TestRemindersZone(t *testing.T) {
	ctx := context.Background()
	ny := mustZone(t, "America/New_York")
	// 09:00 in New York on the day clocks go forward; the day before at
	// 09:00 is 14:00Z in New York, 09:00Z in UTC.
	start := time.Date(2026, 3, 8, 9, 0, 0, 0, ny)
	clk := &clock{t: time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	sched := &scheduling.Schedule{Meta: scheduling.Meta{ID: "s1"}, Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "d1")},
		Availability: scheduling.Availability{TimeZone: "America/New_York"}}
	slot := &scheduling.Slot{Meta: scheduling.Meta{ID: "sl1"}, Schedule: scheduling.Ref("Schedule", "s1"),
		Status: scheduling.SlotBusy, Start: start, End: start.Add(30 * time.Minute)}
	viaSchedule := bookedAppointment("via-schedule", start, "")
	viaSchedule.Slot = []scheduling.Reference{scheduling.Ref("Slot", "sl1")}
	viaExtension := bookedAppointment("via-extension", start, "America/New_York")
	fallback := bookedAppointment("fallback", start, "")
	put(t, st, sched, slot, viaSchedule, viaExtension, fallback)

	r, err := NewReminders(st, ReminderOptions{Offsets: []Offset{DaysBefore(1)}, Now: clk.Now, DefaultZone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Time{}
	for _, e := range reminderEvents(t, st) {
		got[e.AppointmentID] = e.At
	}
	wantNY := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	if !got["via-schedule"].Equal(wantNY) || !got["via-extension"].Equal(wantNY) {
		t.Errorf("reminders at %v, want New York's 09:00 (14:00Z) for via-schedule and via-extension", got)
	}
	// In UTC the day-before reminder of 13:00Z is due at 13:00Z the day
	// before, which has passed, and the appointment is within a day: sent.
	if !got["fallback"].Equal(time.Date(2026, 3, 7, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("fallback reminder at %v, want 13:00Z (the default zone, UTC)", got["fallback"])
	}
}

// Several processes running reminders on one store record each reminder
// once.
func TestRemindersConcurrentInstances(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 10, 13, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(-2 * time.Hour)}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	const appts = 20
	for i := range appts {
		put(t, st, bookedAppointment("a"+string(rune('a'+i)), start.Add(time.Duration(i)*time.Minute), ""))
	}
	var wg sync.WaitGroup
	for range 4 {
		r, err := NewReminders(st, ReminderOptions{Offsets: []Offset{Before(2 * time.Hour)}, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if _, err := r.RunOnce(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	evs := reminderEvents(t, st)
	if len(evs) != 1 {
		// Only the first appointment is due (the others start later).
		t.Fatalf("%d reminder events, want 1", len(evs))
	}
	clk.Set(start.Add(appts * time.Minute))
	for range 3 {
		wg.Go(func() {
			r, _ := NewReminders(st, ReminderOptions{Offsets: []Offset{Before(2 * time.Hour)}, Now: clk.Now})
			if _, err := r.RunOnce(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, e := range reminderEvents(t, st) {
		seen[e.AppointmentID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("appointment %s got %d reminders", id, n)
		}
	}
}

func TestNewRemindersRefusesBadOptions(t *testing.T) {
	st := memstore.New(nil)
	for _, opts := range []ReminderOptions{{}, {Offsets: []Offset{{}}}, {Offsets: []Offset{Before(-time.Hour)}},
		{Offsets: []Offset{DaysBefore(-1)}}} {
		if _, err := NewReminders(st, opts); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("NewReminders(%+v) = %v, want ErrInvalidOptions", opts, err)
		}
	}
	if _, err := NewReminders(nil, ReminderOptions{Offsets: []Offset{DaysBefore(1)}}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewReminders(nil store) = %v", err)
	}
}
