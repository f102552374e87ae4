package openslot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

var vienna = mustZone("Europe/Vienna")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at returns 2026-03-02 (a Monday) plus day days, at h:m in Vienna.
func at(day, h, m int) time.Time { return time.Date(2026, 3, 2+day, h, m, 0, 0, vienna) }

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	s   *openslot.Scheduler
	clk *clock
}

// newFixture returns a Scheduler over memstore with the clock at Monday
// 2026-03-02 08:00 Vienna.
func newFixture(t *testing.T, opts *openslot.Options) *fixture {
	t.Helper()
	clk := &clock{t: at(0, 8, 0)}
	var o openslot.Options
	if opts != nil {
		o = *opts
	}
	o.Now = clk.Now
	st := memstore.New(&memstore.Options{Now: clk.Now})
	t.Cleanup(func() { st.Close() })
	return &fixture{t: t, ctx: context.Background(), st: st, s: openslot.New(st, &o), clk: clk}
}

// weekdays is Monday to Friday 09:00-17:00 in Vienna.
func weekdays() scheduling.Availability {
	return scheduling.Availability{
		TimeZone: "Europe/Vienna",
		Rules: []scheduling.AvailabilityRule{{
			RRule:     "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
			StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 5},
			Start:     scheduling.Clock(9, 0, 0),
			End:       scheduling.Clock(17, 0, 0),
		}},
	}
}

// schedule creates a schedule for actor ("Practitioner/a") with 30-minute
// slots and the given policy changes.
func (f *fixture) schedule(id, actor string, policy func(*scheduling.SlotPolicy)) *scheduling.Schedule {
	f.t.Helper()
	typ, aid := splitRef(actor)
	sc := &scheduling.Schedule{
		Meta:         scheduling.Meta{ID: id},
		Actor:        []scheduling.Reference{scheduling.Ref(typ, aid)},
		Availability: weekdays(),
		Policy:       scheduling.SlotPolicy{Duration: 30 * time.Minute},
	}
	if policy != nil {
		policy(&sc.Policy)
	}
	if err := f.s.Create(f.ctx, sc); err != nil {
		f.t.Fatalf("create schedule %s: %v", id, err)
	}
	return sc
}

func splitRef(s string) (string, string) {
	r := scheduling.Reference{Reference: s}
	return r.Split()
}

// appt builds an appointment for patient with the given actors.
func appt(patient string, start, end time.Time, actors ...string) scheduling.Appointment {
	p := scheduling.Ref("Patient", patient)
	a := scheduling.Appointment{Start: start, End: end, Participant: []scheduling.Participant{{Actor: &p, Status: scheduling.ParticipationAccepted}}}
	for _, ac := range actors {
		typ, id := splitRef(ac)
		r := scheduling.Ref(typ, id)
		a.Participant = append(a.Participant, scheduling.Participant{Actor: &r, Status: scheduling.ParticipationNeedsAction})
	}
	return a
}

func (f *fixture) book(req openslot.BookRequest) *scheduling.Appointment {
	f.t.Helper()
	a, err := f.s.Book(f.ctx, req)
	if err != nil {
		f.t.Fatalf("book: %v", err)
	}
	return a
}

func (f *fixture) hold(req openslot.BookRequest) *scheduling.Appointment {
	f.t.Helper()
	a, err := f.s.Hold(f.ctx, req)
	if err != nil {
		f.t.Fatalf("hold: %v", err)
	}
	return a
}

func (f *fixture) get(id string) *scheduling.Appointment {
	f.t.Helper()
	a, err := f.s.Appointment(f.ctx, id)
	if err != nil {
		f.t.Fatalf("get appointment %s: %v", id, err)
	}
	return a
}

func (f *fixture) events() []store.EventRecord {
	f.t.Helper()
	evs, err := f.s.Events(f.ctx, 0, 1000)
	if err != nil {
		f.t.Fatalf("events: %v", err)
	}
	return evs
}

func (f *fixture) eventTypes() []scheduling.EventType {
	var out []scheduling.EventType
	for _, e := range f.events() {
		out = append(out, e.Type)
	}
	return out
}

// busy returns every busy entry of a schedule in March 2026.
func (f *fixture) busy(schedule string) []store.Busy {
	f.t.Helper()
	var out []store.Busy
	err := f.st.View(f.ctx, func(tx store.ReadTx) error {
		var err error
		out, err = tx.Busy(f.ctx, []string{schedule}, at(-1, 0, 0), at(40, 0, 0))
		return err
	})
	if err != nil {
		f.t.Fatalf("busy: %v", err)
	}
	return out
}

func (f *fixture) slot(ref scheduling.Reference) *scheduling.Slot {
	f.t.Helper()
	_, id := ref.Split()
	r, err := f.s.Get(f.ctx, "Slot", id)
	if err != nil {
		f.t.Fatalf("get slot %s: %v", id, err)
	}
	return r.(*scheduling.Slot)
}
