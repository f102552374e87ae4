package openslot_test

// A randomized, seeded model test: random sequences of the Scheduler's
// operations, valid and invalid, on a few schedules of different shapes,
// with the invariants of doc.go checked by independent reads of the store
// after every step (and once at the end of a concurrent run).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// modelSchedule is one schedule of the model: its actor, zone and policy.
type modelSchedule struct {
	id, actor, zone string
	policy          scheduling.SlotPolicy
	daily           bool // open 00:00-24:00 every day, not 09:00-17:00 on weekdays
}

var modelSchedules = []modelSchedule{
	{id: "s1", actor: "Practitioner/a", zone: "Europe/Vienna",
		policy: scheduling.SlotPolicy{Duration: 30 * time.Minute}},
	{id: "s2", actor: "Practitioner/b", zone: "Europe/Vienna",
		policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, Capacity: 2, MinNotice: 30 * time.Minute}},
	{id: "s3", actor: "Practitioner/c", zone: "America/New_York",
		policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, GridInterval: 15 * time.Minute,
			BufferBefore: 15 * time.Minute, BufferAfter: 15 * time.Minute}},
	{id: "s4", actor: "Location/r1", zone: "Europe/London",
		policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, MaxPerDay: 2}},
	// A zone whose clocks move by half an hour (DST ends 2026-04-05).
	{id: "s5", actor: "Device/d1", zone: "Australia/Lord_Howe", daily: true,
		policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, GridInterval: 15 * time.Minute, Capacity: 2,
			BufferBefore: 10 * time.Minute, BufferAfter: 10 * time.Minute, MaxPerDay: 6}},
}

// modelGroups are the schedule sets the model books on and searches.
var modelGroups = [][][]string{
	{{"s1"}}, {{"s2"}}, {{"s3"}}, {{"s4"}},
	{{"s1"}, {"s4"}}, {{"s1", "s2"}}, {{"s3"}, {"s1"}}, {{"s1", "s3"}, {"s4"}},
	{{"s5"}}, {{"s5"}, {"s2"}},
}

// model is one run: a Scheduler over memstore, a clock, and what the run
// has made so far.
type model struct {
	t   testing.TB
	ctx context.Context
	st  store.Store
	s   *openslot.Scheduler
	clk *clock

	mu       sync.Mutex
	appts    []string // ids of the appointments made
	respIDs  []string // ids of the responses recorded
	inactive map[string]bool
	n        int // counter for fresh names
}

// newModel starts the clock on Monday 2026-03-02 07:00 UTC, or with late
// on Friday 2026-04-03 (Lord Howe leaves DST on the Sunday after).
func newModel(t testing.TB, late bool) *model {
	clk := &clock{t: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)} // 08:00 in Vienna
	if late {
		clk.t = time.Date(2026, 4, 3, 7, 0, 0, 0, time.UTC)
	}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	t.Cleanup(func() { st.Close() })
	m := &model{t: t, ctx: context.Background(), st: st, clk: clk, inactive: map[string]bool{},
		s: openslot.New(st, &openslot.Options{Now: clk.Now})}
	for _, ms := range modelSchedules {
		typ, id := splitRef(ms.actor)
		rule := scheduling.AvailabilityRule{RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
			StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 5},
			Start:     scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}
		if ms.daily {
			rule.RRule, rule.Start, rule.End = "FREQ=DAILY", scheduling.Clock(0, 0, 0), scheduling.Clock(24, 0, 0)
		}
		sc := &scheduling.Schedule{
			Meta:         scheduling.Meta{ID: ms.id},
			Actor:        []scheduling.Reference{scheduling.Ref(typ, id)},
			Availability: scheduling.Availability{TimeZone: ms.zone, Rules: []scheduling.AvailabilityRule{rule}},
			Policy:       ms.policy,
		}
		if err := m.s.Create(m.ctx, sc); err != nil {
			t.Fatalf("create schedule %s: %v", ms.id, err)
		}
	}
	return m
}

func scheduleOf(id string) modelSchedule {
	for _, ms := range modelSchedules {
		if ms.id == id {
			return ms
		}
	}
	panic("unknown schedule " + id)
}

// op is one step: a description and what it did.
type op struct {
	desc string
	// want, when set, is the error class the step must fail with;
	// mustSucceed says it must not fail.
	want        error
	alt         error // accepted instead of want
	mustSucceed bool
	// expect, when set, is the status a successful step must leave.
	expect scheduling.AppointmentStatus
	a      *scheduling.Appointment
	err    error
	// found is set by a Find-then-Book step.
	found bool
}

var modelSentinels = []error{openslot.ErrConflict, openslot.ErrUnavailable, openslot.ErrNotFound,
	scheduling.ErrInvalid, scheduling.ErrInvalidTransition, scheduling.ErrHoldExpired, scheduling.ErrPatientImmutable}

func documented(err error) bool {
	return slices.ContainsFunc(modelSentinels, func(s error) bool { return errors.Is(err, s) })
}

// pickAppt returns a known appointment id, or now and then one that does
// not exist.
func (m *model) pickAppt(r *rand.Rand) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.appts) == 0 || r.IntN(12) == 0 {
		return "missing-" + fmt.Sprint(r.IntN(3))
	}
	if r.IntN(2) == 0 { // the recent ones, which are more often live
		return m.appts[max(0, len(m.appts)-1-r.IntN(4))]
	}
	return m.appts[r.IntN(len(m.appts))]
}

func (m *model) remember(a *scheduling.Appointment) {
	if a == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.appts, a.ID) {
		m.appts = append(m.appts, a.ID)
	}
}

func (m *model) fresh(prefix string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	return fmt.Sprintf("%s%d", prefix, m.n)
}

// pickGroup returns a random group of schedule sets and the flat list of
// one schedule of each set.
func pickGroup(r *rand.Rand) ([][]string, []string) {
	g := modelGroups[r.IntN(len(modelGroups))]
	flat := make([]string, len(g))
	for i, set := range g {
		flat[i] = set[r.IntN(len(set))]
	}
	return g, flat
}

// randTime returns a time on a 15-minute raster (now and then off it) in
// the first week, in UTC hours that cover all zones' windows, and a length
// that is usually a valid one.
func randTime(r *rand.Rand, now time.Time) (time.Time, time.Time) {
	day := now.Truncate(24 * time.Hour).Add(time.Duration(r.IntN(3)) * 24 * time.Hour)
	hour := 9 + r.IntN(7) // open on every schedule but s3 (New York)
	if r.IntN(3) == 0 {
		hour = 7 + r.IntN(15)
	}
	start := day.Add(time.Duration(hour)*time.Hour + time.Duration(r.IntN(2))*30*time.Minute)
	if r.IntN(4) == 0 {
		start = start.Add(15 * time.Minute)
	}
	if r.IntN(15) == 0 {
		start = start.Add(7 * time.Minute)
	}
	lengths := []time.Duration{30, 30, 30, 30, 30, 45, 60, 15, 0, -30}
	return start, start.Add(lengths[r.IntN(len(lengths))] * time.Minute)
}

// newAppt builds an appointment for a random patient (now and then none)
// with the actors of the schedules as participants.
func newAppt(r *rand.Rand, scheds []string, start, end time.Time) scheduling.Appointment {
	a := scheduling.Appointment{Start: start, End: end}
	if r.IntN(10) != 0 {
		p := scheduling.Ref("Patient", fmt.Sprintf("p%d", 1+r.IntN(4)))
		a.Participant = append(a.Participant, scheduling.Participant{Actor: &p, Status: scheduling.ParticipationAccepted})
	}
	for _, id := range scheds {
		typ, aid := splitRef(scheduleOf(id).actor)
		ref := scheduling.Ref(typ, aid)
		a.Participant = append(a.Participant, scheduling.Participant{Actor: &ref})
	}
	return a
}

func randKey(r *rand.Rand) string {
	if r.IntN(3) != 0 {
		return ""
	}
	return fmt.Sprintf("k%d", r.IntN(6))
}

// find searches one group from now (or a little later) and returns an
// offer, or ok false when none was found.
func (m *model) find(r *rand.Rand, group [][]string) (openslot.Offer, bool, error) {
	from := time.Time{}
	if r.IntN(2) == 0 {
		from = m.clk.Now().Add(time.Duration(r.IntN(72)) * time.Hour)
	}
	offers, err := m.s.Find(m.ctx, openslot.FindRequest{Resources: group, From: from, Limit: 8})
	if err != nil || len(offers) == 0 {
		return openslot.Offer{}, false, err
	}
	return offers[r.IntN(len(offers))], true, nil
}

// stored returns the stored appointment id, nil when there is none.
func (m *model) stored(id string) *scheduling.Appointment {
	a, err := m.s.Appointment(m.ctx, id)
	if err != nil {
		return nil
	}
	return a
}

// actTable is the state table of docs/state-machine.md for the actions of
// act: the statuses each is allowed from, and where it leads.
var actTable = map[scheduling.Action]struct {
	from []scheduling.AppointmentStatus
	to   scheduling.AppointmentStatus
}{
	scheduling.ActionCancel: {[]scheduling.AppointmentStatus{scheduling.AppointmentProposed, scheduling.AppointmentPending,
		scheduling.AppointmentBooked, scheduling.AppointmentArrived, scheduling.AppointmentCheckedIn,
		scheduling.AppointmentWaitlist}, scheduling.AppointmentCancelled},
	scheduling.ActionCheckIn: {[]scheduling.AppointmentStatus{scheduling.AppointmentBooked, scheduling.AppointmentArrived},
		scheduling.AppointmentCheckedIn},
	scheduling.ActionArrive: {[]scheduling.AppointmentStatus{scheduling.AppointmentBooked}, scheduling.AppointmentArrived},
	scheduling.ActionNoShow: {[]scheduling.AppointmentStatus{scheduling.AppointmentBooked}, scheduling.AppointmentNoShow},
	scheduling.ActionFulfil: {[]scheduling.AppointmentStatus{scheduling.AppointmentBooked, scheduling.AppointmentArrived,
		scheduling.AppointmentCheckedIn}, scheduling.AppointmentFulfilled},
	scheduling.ActionEnterInError: {[]scheduling.AppointmentStatus{scheduling.AppointmentProposed, scheduling.AppointmentPending,
		scheduling.AppointmentBooked, scheduling.AppointmentArrived, scheduling.AppointmentFulfilled,
		scheduling.AppointmentCancelled, scheduling.AppointmentNoShow, scheduling.AppointmentCheckedIn,
		scheduling.AppointmentWaitlist}, scheduling.AppointmentEnteredInError},
}

// step runs one random operation. With predict, the expected outcome is
// derived from the stored state before the step (sequential runs only).
func (m *model) step(r *rand.Rand, predict bool) op {
	ctx := m.ctx
	now := m.clk.Now()
	switch k := r.IntN(24); {
	case k < 3: // hold or book a new appointment at a random time
		_, scheds := pickGroup(r)
		start, end := randTime(r, now)
		req := openslot.BookRequest{Appointment: newAppt(r, scheds, start, end), Schedules: scheds,
			IdempotencyKey: randKey(r)}
		if r.IntN(3) == 0 {
			req.Schedules = nil
		}
		var o op
		if r.IntN(10) == 0 {
			req.IfVersion = 1
			o.want = scheduling.ErrInvalid
		}
		if r.IntN(15) == 0 {
			req.Schedules = []string{"nope"}
			if o.want == nil {
				// A bad time is refused before the schedules are read.
				o.want, o.alt = openslot.ErrNotFound, scheduling.ErrInvalid
			}
		}
		if k == 0 {
			o.desc = fmt.Sprintf("hold %v %v-%v key %q", req.Schedules, start, end, req.IdempotencyKey)
			o.a, o.err = m.s.Hold(ctx, req)
		} else {
			o.desc = fmt.Sprintf("book %v %v-%v key %q", req.Schedules, start, end, req.IdempotencyKey)
			o.a, o.err = m.s.Book(ctx, req)
		}
		if req.IdempotencyKey != "" && o.want == openslot.ErrNotFound {
			o.want = nil // a replayed key answers before the schedules are read
		}
		return o
	case k < 6: // Find, then Hold or Book the offer at once
		group, _ := pickGroup(r)
		offer, ok, err := m.find(r, group)
		if err != nil {
			return op{desc: fmt.Sprintf("find %v", group), err: err}
		}
		if !ok {
			return op{desc: fmt.Sprintf("find %v: nothing", group)}
		}
		req := openslot.BookRequest{Appointment: newAppt(r, offer.Schedules, offer.Start, offer.End), Schedules: offer.Schedules}
		o := op{found: true, mustSucceed: true}
		if k == 3 {
			o.desc = fmt.Sprintf("find %v then hold %v %v-%v", group, offer.Schedules, offer.Start, offer.End)
			o.a, o.err = m.s.Hold(ctx, req)
			o.expect = scheduling.AppointmentPending
		} else {
			o.desc = fmt.Sprintf("find %v then book %v %v-%v", group, offer.Schedules, offer.Start, offer.End)
			o.a, o.err = m.s.Book(ctx, req)
			o.expect = scheduling.AppointmentBooked
		}
		return o
	case k < 8: // book or hold a stored appointment (a hold, a proposal, a waitlist offer)
		id := m.pickAppt(r)
		req := openslot.BookRequest{AppointmentID: id, IdempotencyKey: randKey(r)}
		var o op
		before := m.stored(id)
		if r.IntN(6) == 0 && before != nil {
			req.IfVersion = before.Version + 1
			if req.IdempotencyKey == "" { // a replayed key answers before the version is read
				o.want = openslot.ErrConflict
			}
		}
		if before == nil && req.IdempotencyKey == "" {
			o.want = openslot.ErrNotFound
		}
		if predict && o.want == nil && req.IdempotencyKey == "" && before != nil && k == 6 &&
			before.Status == scheduling.AppointmentPending && !before.HoldExpired(now) && m.activeAll(before) {
			// A live hold keeps the time it was granted.
			o.mustSucceed, o.expect = true, scheduling.AppointmentBooked
		}
		if predict && o.want == nil && req.IdempotencyKey == "" && before != nil && before.HoldExpired(now) && k == 6 {
			o.want = scheduling.ErrHoldExpired
		}
		if k == 6 {
			o.desc = fmt.Sprintf("book stored %s key %q ifVersion %d", id, req.IdempotencyKey, req.IfVersion)
			o.a, o.err = m.s.Book(ctx, req)
		} else {
			o.desc = fmt.Sprintf("hold stored %s key %q ifVersion %d", id, req.IdempotencyKey, req.IfVersion)
			o.a, o.err = m.s.Hold(ctx, req)
		}
		return o
	case k < 9: // confirm
		id := m.pickAppt(r)
		o := op{desc: "confirm " + id}
		if predict {
			before := m.stored(id)
			switch {
			case before == nil:
				o.want = openslot.ErrNotFound
			case before.Status != scheduling.AppointmentPending:
				o.want = scheduling.ErrInvalidTransition
			case before.HoldExpired(now):
				o.want = scheduling.ErrHoldExpired
			case m.activeAll(before):
				o.mustSucceed, o.expect = true, scheduling.AppointmentBooked
			}
		}
		o.a, o.err = m.s.Confirm(ctx, id)
		return o
	case k < 11: // respond
		id := m.pickAppt(r)
		resp := scheduling.AppointmentResponse{Appointment: scheduling.Ref("Appointment", id),
			ParticipantStatus: []scheduling.ParticipationStatus{scheduling.ParticipationAccepted,
				scheduling.ParticipationAccepted, scheduling.ParticipationDeclined, scheduling.ParticipationTentative}[r.IntN(4)]}
		var actor scheduling.Reference
		switch r.IntN(6) {
		case 0:
			actor = scheduling.Ref("Patient", fmt.Sprintf("p%d", 1+r.IntN(4)))
		case 1:
			actor = scheduling.Ref("Practitioner", "nobody")
		default:
			typ, aid := splitRef(modelSchedules[r.IntN(len(modelSchedules))].actor)
			actor = scheduling.Ref(typ, aid)
		}
		resp.Actor = &actor
		var o op
		m.mu.Lock()
		if len(m.respIDs) > 0 && r.IntN(8) == 0 {
			resp.ID = m.respIDs[r.IntN(len(m.respIDs))]
			o.want = openslot.ErrConflict
		}
		m.mu.Unlock()
		o.desc = fmt.Sprintf("respond %s %s %s id %q", id, actor.Reference, resp.ParticipantStatus, resp.ID)
		o.a, o.err = m.s.Respond(ctx, resp)
		return o
	case k < 13: // reschedule
		id := m.pickAppt(r)
		var start, end time.Time
		if before := m.stored(id); before != nil && r.IntN(2) == 0 {
			// Somewhere found on its own schedules, or near its own time.
			if ids := m.schedulesOf(before); len(ids) > 0 && r.IntN(2) == 0 {
				group := make([][]string, len(ids))
				for i, s := range ids {
					group[i] = []string{s}
				}
				if offer, ok, _ := m.find(r, group); ok {
					start, end = offer.Start, offer.End
				}
			}
			if start.IsZero() {
				d := time.Duration(r.IntN(5)-2) * 15 * time.Minute
				start, end = before.Start.Add(d), before.End.Add(d)
			}
		} else {
			start, end = randTime(r, now)
		}
		req := openslot.RescheduleRequest{Start: start, End: end, IdempotencyKey: randKey(r)}
		o := op{desc: fmt.Sprintf("reschedule %s to %v-%v key %q", id, start, end, req.IdempotencyKey)}
		if predict && req.IdempotencyKey == "" {
			before := m.stored(id)
			switch {
			case before == nil:
				o.want = openslot.ErrNotFound
			case before.Status != scheduling.AppointmentBooked:
				o.want = scheduling.ErrInvalidTransition
			}
		}
		o.a, o.err = m.s.Reschedule(ctx, id, req)
		return o
	case k < 18: // cancel, check-in, arrive, no-show, fulfil, enter-in-error, release-hold
		id := m.pickAppt(r)
		actions := []scheduling.Action{scheduling.ActionCancel, scheduling.ActionCheckIn, scheduling.ActionArrive,
			scheduling.ActionNoShow, scheduling.ActionFulfil, scheduling.ActionEnterInError, scheduling.ActionCancel}
		action := actions[r.IntN(len(actions))]
		o := op{desc: fmt.Sprintf("%s %s", action, id)}
		before := m.stored(id)
		if predict {
			rule := actTable[action]
			switch {
			case before == nil:
				o.want = openslot.ErrNotFound
			case slices.Contains(rule.from, before.Status) && action == scheduling.ActionEnterInError && before.Start.IsZero():
				// The result is validated: an appointment without a time
				// may only be proposed, cancelled or waitlisted (app-3).
				o.want = scheduling.ErrInvalid
			case slices.Contains(rule.from, before.Status):
				o.mustSucceed, o.expect = true, rule.to
			default:
				o.want = scheduling.ErrInvalidTransition
			}
		}
		switch {
		case r.IntN(8) == 0 && action == scheduling.ActionCancel:
			o.desc = "release-hold " + id
			if predict && before != nil && (before.Status != scheduling.AppointmentPending || before.HeldUntil.IsZero()) {
				o.want, o.mustSucceed, o.expect = scheduling.ErrInvalidTransition, false, ""
			}
			o.a, o.err = m.s.ReleaseHold(ctx, id)
		case r.IntN(4) == 0:
			// Transition with IfVersion and an edit, now and then a stale
			// version or an edit of the time.
			c := openslot.StatusChange{Action: action}
			if before != nil {
				c.IfVersion = before.Version
				if r.IntN(4) == 0 {
					// The version is checked before the state machine.
					c.IfVersion++
					o.want, o.mustSucceed, o.expect = openslot.ErrConflict, false, ""
				}
			}
			bad := r.IntN(5) == 0
			c.Edit = func(a *scheduling.Appointment) {
				a.Comment = "edited"
				if bad {
					a.Start = a.Start.Add(time.Minute)
				}
			}
			if bad && o.want == nil {
				o.want, o.mustSucceed, o.expect = scheduling.ErrInvalid, false, ""
			}
			o.desc = fmt.Sprintf("transition %s %s ifVersion %d bad edit %v", action, id, c.IfVersion, bad)
			o.a, o.err = m.s.Transition(ctx, id, c)
		default:
			switch action {
			case scheduling.ActionCancel:
				o.a, o.err = m.s.Cancel(ctx, id, &scheduling.CodeableConcept{Text: "model"})
			case scheduling.ActionCheckIn:
				o.a, o.err = m.s.CheckIn(ctx, id)
			case scheduling.ActionArrive:
				o.a, o.err = m.s.Arrive(ctx, id)
			case scheduling.ActionNoShow:
				o.a, o.err = m.s.NoShow(ctx, id)
			case scheduling.ActionFulfil:
				o.a, o.err = m.s.Fulfil(ctx, id)
			case scheduling.ActionEnterInError:
				o.a, o.err = m.s.EnterInError(ctx, id)
			}
		}
		return o
	case k < 19: // waitlist
		_, scheds := pickGroup(r)
		start, _ := randTime(r, now)
		req := openslot.WaitlistRequest{Appointment: newAppt(r, scheds, time.Time{}, time.Time{}),
			Requested: []scheduling.Period{{Start: start.Add(-2 * time.Hour), End: start.Add(time.Duration(2+r.IntN(30)) * time.Hour)}}}
		if r.IntN(2) == 0 {
			req.Schedules = scheds
		}
		o := op{desc: fmt.Sprintf("waitlist %v %v", scheds, req.Requested)}
		if r.IntN(10) == 0 {
			req.Requested = nil
			o.want = scheduling.ErrInvalid
		}
		o.a, o.err = m.s.Waitlist(ctx, req)
		return o
	case k < 20: // expire holds
		n, err := m.s.ExpireHolds(ctx)
		return op{desc: fmt.Sprintf("expire holds: %d", n), err: err}
	case k < 22: // clock
		d := time.Duration(1+r.IntN(20)) * time.Minute
		if r.IntN(10) == 0 {
			d = time.Duration(1+r.IntN(10)) * time.Hour
		}
		m.clk.Advance(d)
		return op{desc: fmt.Sprintf("clock +%v", d)}
	case k < 23: // update fields of an appointment outside its life cycle
		id := m.pickAppt(r)
		before := m.stored(id)
		if before == nil {
			_, err := m.s.Cancel(ctx, id, nil)
			return op{desc: "cancel missing " + id, err: err, want: openslot.ErrNotFound}
		}
		u := before.Clone()
		u.Comment = m.fresh("comment ")
		o := op{desc: "update comment of " + id}
		switch r.IntN(8) {
		case 0:
			u.Version = 0
		case 1:
			if u.Version > 1 {
				u.Version--
				o.want = openslot.ErrConflict
			}
		case 2:
			u.Status = scheduling.AppointmentFulfilled
			if before.Status != u.Status {
				// Validation runs first: a cancellation reason kept from a
				// cancelled appointment is invalid on a fulfilled one.
				o.want, o.alt = scheduling.ErrInvalidTransition, scheduling.ErrInvalid
			}
		case 3:
			if i := u.PatientIndex(); i >= 0 {
				p := scheduling.Ref("Patient", "someone-else")
				u.Participant[i].Actor = &p
				o.want = scheduling.ErrPatientImmutable
			}
		case 4:
			u.End = u.End.Add(15 * time.Minute)
			// An appointment without a time (waitlisted) fails validation
			// first: an end without a start (app-2).
			o.want, o.alt = scheduling.ErrInvalidTransition, scheduling.ErrInvalid
		}
		if o.want == nil && predict {
			o.mustSucceed, o.expect = true, before.Status
		}
		o.desc += fmt.Sprintf(" (version %d, want %v)", u.Version, o.want)
		o.err = m.s.Update(ctx, &u)
		if o.err == nil {
			o.a = &u
		}
		return o
	default: // update a schedule: its comment, now and then whether it is active
		ms := modelSchedules[r.IntN(len(modelSchedules))]
		res, err := m.s.Get(ctx, "Schedule", ms.id)
		if err != nil {
			return op{desc: "get schedule " + ms.id, err: err}
		}
		sc := res.(*scheduling.Schedule)
		sc.Comment = m.fresh("schedule comment ")
		if sc.IsActive() && r.IntN(8) == 0 || !sc.IsActive() && r.IntN(2) == 0 {
			active := !sc.IsActive()
			sc.Active = &active
		}
		err = m.s.Update(ctx, sc)
		if err == nil {
			m.mu.Lock()
			m.inactive[ms.id] = !sc.IsActive()
			m.mu.Unlock()
		}
		return op{desc: fmt.Sprintf("update schedule %s (active %v)", ms.id, sc.IsActive()), err: err, mustSucceed: true}
	}
}

// activeAll reports whether every schedule a occupies is active.
func (m *model) activeAll(a *scheduling.Appointment) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range m.schedulesOfLocked(a) {
		if m.inactive[id] {
			return false
		}
	}
	return true
}

func (m *model) schedulesOf(a *scheduling.Appointment) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.schedulesOfLocked(a)
}

// schedulesOfLocked returns the schedules of a's stored slots.
func (m *model) schedulesOfLocked(a *scheduling.Appointment) []string {
	var ids []string
	for _, ref := range a.Slot {
		typ, id := ref.Split()
		if typ != "Slot" {
			continue
		}
		r, err := m.s.Get(m.ctx, "Slot", id)
		if err != nil {
			continue
		}
		if st, sid := r.(*scheduling.Slot).Schedule.Split(); st == "Schedule" {
			ids = append(ids, sid)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// snapshot is what a failed step must leave as it was.
type snapshot struct {
	versions map[string]int64
	busy     []store.Busy
	events   int
}

// state is every stored record the invariants look at, read in one
// snapshot.
type state struct {
	appts     map[string]*scheduling.Appointment
	slots     map[string]*scheduling.Slot
	schedules map[string]*scheduling.Schedule
	responses int
	busy      []store.Busy
	events    []store.EventRecord
}

func (m *model) read() *state {
	m.t.Helper()
	s := &state{appts: map[string]*scheduling.Appointment{}, slots: map[string]*scheduling.Slot{},
		schedules: map[string]*scheduling.Schedule{}}
	err := m.st.View(m.ctx, func(tx store.ReadTx) error {
		for _, typ := range []string{"Appointment", "Slot", "Schedule", "AppointmentResponse"} {
			q := store.Query{ResourceType: typ, Limit: store.MaxLimit}
			for {
				p, err := tx.Search(m.ctx, q)
				if err != nil {
					return err
				}
				for _, r := range p.Resources {
					switch v := r.(type) {
					case *scheduling.Appointment:
						s.appts[v.ID] = v
					case *scheduling.Slot:
						s.slots[v.ID] = v
					case *scheduling.Schedule:
						s.schedules[v.ID] = v
					case *scheduling.AppointmentResponse:
						s.responses++
					}
				}
				if p.Next == "" {
					break
				}
				q.After = p.Next
			}
		}
		ids := make([]string, 0, len(modelSchedules))
		for _, ms := range modelSchedules {
			ids = append(ids, ms.id)
		}
		var err error
		s.busy, err = tx.Busy(m.ctx, ids, time.Time{}, time.Time{})
		return err
	})
	if err != nil {
		m.t.Fatalf("read the store: %v", err)
	}
	for after := int64(0); ; {
		evs, err := m.st.Events(m.ctx, after, 1000)
		if err != nil {
			m.t.Fatalf("events: %v", err)
		}
		if len(evs) == 0 {
			break
		}
		s.events = append(s.events, evs...)
		after = evs[len(evs)-1].Cursor
	}
	sort.Slice(s.busy, func(i, j int) bool { return s.busy[i].ID < s.busy[j].ID })
	return s
}

func (s *state) snapshot() snapshot {
	v := map[string]int64{}
	for id, a := range s.appts {
		v["Appointment/"+id] = a.Version
	}
	for id, sl := range s.slots {
		v["Slot/"+id] = sl.Version
	}
	for id, sc := range s.schedules {
		v["Schedule/"+id] = sc.Version
	}
	v["AppointmentResponse"] = int64(s.responses)
	return snapshot{versions: v, busy: s.busy, events: len(s.events)}
}

// check returns every broken invariant of (1) capacity, buffers and limits,
// (2) busy entries and slots in step with the appointments, and (3) the
// event log in step with the appointments.
func (s *state) check(now time.Time) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }

	// (1) For every schedule, at every instant, the live entries use no more
	// than its capacity; buffers are kept between live entries; and live
	// bookings per local day stay within the limit.
	bySchedule := map[string][]store.Busy{}
	for _, b := range s.busy {
		if b.Live(now) {
			bySchedule[b.ScheduleID] = append(bySchedule[b.ScheduleID], b)
		}
	}
	for _, ms := range modelSchedules {
		live := bySchedule[ms.id]
		capacity := max(ms.policy.Capacity, 1)
		type edge struct {
			t time.Time
			d int
		}
		var edges []edge
		for _, b := range live {
			edges = append(edges, edge{b.Start, max(b.Count, 1)}, edge{b.End, -max(b.Count, 1)})
		}
		sort.Slice(edges, func(i, j int) bool {
			if !edges[i].t.Equal(edges[j].t) {
				return edges[i].t.Before(edges[j].t)
			}
			return edges[i].d < edges[j].d // ends before starts at one instant
		})
		used := 0
		for _, e := range edges {
			used += e.d
			if used > capacity {
				fail("schedule %s: %d units used at %v, capacity %d", ms.id, used, e.t, capacity)
				break
			}
		}
		if gap := min(ms.policy.BufferBefore, ms.policy.BufferAfter); gap > 0 && capacity == 1 {
			for i, a := range live {
				for _, b := range live[i+1:] {
					if a.Start.Before(b.End.Add(gap)) && b.Start.Before(a.End.Add(gap)) {
						fail("schedule %s: entries %s %v-%v and %s %v-%v are closer than the buffer %v",
							ms.id, a.AppointmentID, a.Start, a.End, b.AppointmentID, b.Start, b.End, gap)
					}
				}
			}
		}
		if ms.policy.MaxPerDay > 0 {
			loc := mustZone(ms.zone)
			perDay := map[string]int{}
			for _, b := range live {
				if b.Booking {
					perDay[b.Start.In(loc).Format(time.DateOnly)]++
				}
			}
			for d, n := range perDay {
				if n > ms.policy.MaxPerDay {
					fail("schedule %s: %d bookings on %s, limit %d", ms.id, n, d, ms.policy.MaxPerDay)
				}
			}
		}
	}

	// (2) An appointment whose status occupies time has exactly one busy
	// entry on each schedule of its stored slots, for its time; every other
	// has none, and every busy entry belongs to an appointment.
	entries := map[string][]store.Busy{}
	for _, b := range s.busy {
		if b.AppointmentID == "" || s.appts[b.AppointmentID] == nil {
			fail("busy entry %s on %s %v-%v belongs to no appointment (%q)", b.ID, b.ScheduleID, b.Start, b.End, b.AppointmentID)
			continue
		}
		entries[b.AppointmentID] = append(entries[b.AppointmentID], b)
	}
	owner := map[string]string{} // slot id -> appointment
	for _, a := range s.appts {
		var scheds []string
		for _, ref := range a.Slot {
			typ, id := ref.Split()
			if typ != "Slot" {
				continue
			}
			sl := s.slots[id]
			if sl == nil {
				fail("appointment %s: slot %s is not stored", a.ID, id)
				continue
			}
			if o, ok := owner[id]; ok {
				fail("slot %s belongs to appointments %s and %s", id, o, a.ID)
			}
			owner[id] = a.ID
			_, sid := sl.Schedule.Split()
			scheds = append(scheds, sid)
			wantStatus := scheduling.SlotFree
			switch {
			case a.Status == scheduling.AppointmentPending:
				wantStatus = scheduling.SlotBusyTentative
			case a.Status.OccupiesSlots():
				wantStatus = scheduling.SlotBusy
			}
			if sl.Status != wantStatus {
				fail("appointment %s (%s): slot %s is %s, want %s", a.ID, a.Status, id, sl.Status, wantStatus)
			}
			if wantStatus == scheduling.SlotBusyTentative && !sl.HeldUntil.Equal(a.HeldUntil) {
				fail("appointment %s: slot %s held until %v, the appointment until %v", a.ID, id, sl.HeldUntil, a.HeldUntil)
			}
			if a.Status.OccupiesSlots() && (!sl.Start.Equal(a.Start) || !sl.End.Equal(a.End)) {
				fail("appointment %s %v-%v: slot %s is %v-%v", a.ID, a.Start, a.End, id, sl.Start, sl.End)
			}
		}
		slices.Sort(scheds)
		es := entries[a.ID]
		if !a.Status.OccupiesSlots() {
			if len(es) > 0 {
				fail("appointment %s (%s) occupies nothing but has busy entries %+v", a.ID, a.Status, es)
			}
			continue
		}
		var got []string
		for _, e := range es {
			got = append(got, e.ScheduleID)
			if !e.Start.Equal(a.Start) || !e.End.Equal(a.End) || !e.HeldUntil.Equal(a.HeldUntil) || !e.Booking {
				fail("appointment %s (%s %v-%v held until %v): busy entry %+v", a.ID, a.Status, a.Start, a.End, a.HeldUntil, e)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, scheds) || len(scheds) == 0 {
			fail("appointment %s (%s): busy entries on %v, slots on %v", a.ID, a.Status, got, scheds)
		}
	}
	for id, sl := range s.slots {
		if _, ok := owner[id]; !ok && sl.Status != scheduling.SlotFree {
			fail("slot %s (%s %v-%v) belongs to no appointment but is %s", id, sl.Schedule.Reference, sl.Start, sl.End, sl.Status)
		}
	}

	// (3) The log is gap-free; each appointment's events chain from status
	// to status, one per version, and the last matches what is stored.
	byAppt := map[string][]store.EventRecord{}
	for i, e := range s.events {
		if e.Cursor != int64(i+1) {
			fail("event %d has cursor %d", i, e.Cursor)
		}
		byAppt[e.AppointmentID] = append(byAppt[e.AppointmentID], e)
	}
	for id, evs := range byAppt {
		a := s.appts[id]
		if a == nil {
			fail("events for appointment %s, which is not stored", id)
			continue
		}
		for i := 1; i < len(evs); i++ {
			if evs[i].From != evs[i-1].To {
				fail("appointment %s: event %d (%s) from %s, the one before led to %s", id, i, evs[i].Type, evs[i].From, evs[i-1].To)
			}
			if evs[i].Appointment.Version != evs[i-1].Appointment.Version+1 {
				fail("appointment %s: event %d (%s) at version %d after version %d", id, i, evs[i].Type,
					evs[i].Appointment.Version, evs[i-1].Appointment.Version)
			}
		}
		last := evs[len(evs)-1]
		if last.To != a.Status || last.Appointment.Status != a.Status || last.Appointment.Version != a.Version {
			fail("appointment %s is %s v%d, its last event %s leads to %s (copy %s v%d)", id, a.Status, a.Version,
				last.Type, last.To, last.Appointment.Status, last.Appointment.Version)
		} else if !reflect.DeepEqual(last.Appointment, *a) {
			fail("appointment %s: the last event's copy differs from the stored appointment:\n%+v\n%+v", id, last.Appointment, *a)
		}
		if int64(len(evs)) != a.Version {
			fail("appointment %s at version %d has %d events", id, a.Version, len(evs))
		}
	}
	for id, a := range s.appts {
		if len(byAppt[id]) == 0 {
			fail("appointment %s (%s v%d) has no event", id, a.Status, a.Version)
		}
	}
	return bad
}

func (m *model) checkOp(i int, o op, before snapshot, after *state) {
	m.t.Helper()
	if o.err != nil {
		if !documented(o.err) {
			m.t.Fatalf("step %d %s: error %v matches no documented sentinel", i, o.desc, o.err)
		}
		if o.want != nil && !errors.Is(o.err, o.want) && (o.alt == nil || !errors.Is(o.err, o.alt)) {
			m.t.Fatalf("step %d %s: error %v, want %v", i, o.desc, o.err, o.want)
		}
		if o.mustSucceed {
			m.t.Fatalf("step %d %s: failed: %v", i, o.desc, o.err)
		}
		if got := after.snapshot(); !reflect.DeepEqual(got, before) {
			m.t.Fatalf("step %d %s failed (%v) but changed the store:\nbefore %+v\nafter  %+v", i, o.desc, o.err, before, got)
		}
		return
	}
	if o.want != nil {
		m.t.Fatalf("step %d %s: succeeded, want %v", i, o.desc, o.want)
	}
	if o.a == nil {
		return
	}
	m.remember(o.a)
	stored := after.appts[o.a.ID]
	if stored == nil {
		m.t.Fatalf("step %d %s: returned appointment %s is not stored", i, o.desc, o.a.ID)
	}
	if stored.Version != o.a.Version || stored.Status != o.a.Status {
		m.t.Fatalf("step %d %s: returned %s v%d, stored %s v%d", i, o.desc, o.a.Status, o.a.Version, stored.Status, stored.Version)
	}
	if o.expect != "" && o.a.Status != o.expect {
		m.t.Fatalf("step %d %s: status %s, want %s", i, o.desc, o.a.Status, o.expect)
	}
}

// rememberResponses reads back the ids of stored responses (they get
// random ids) for the "id taken" case of respond.
func (m *model) rememberResponses() {
	p, err := m.s.Search(m.ctx, store.Query{ResourceType: "AppointmentResponse", Limit: 20})
	if err != nil {
		m.t.Fatalf("search responses: %v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.respIDs = m.respIDs[:0]
	for _, r := range p.Resources {
		m.respIDs = append(m.respIDs, r.Metadata().ID)
	}
}

// TestModelSequential runs seeded random operation sequences and checks the
// invariants after every step.
func TestModelSequential(t *testing.T) {
	seeds, steps := modelRuns([]uint64{1, 2, 3, 4, 5, 6}, 300)
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			m := newModel(t, seed%2 == 0)
			r := rand.New(rand.NewPCG(seed, 0x0badcafe))
			prev := m.read()
			var log []string
			stats := map[string]int{}
			defer func() {
				var lines []string
				for k, n := range stats {
					lines = append(lines, fmt.Sprintf("%5d %s", n, k))
				}
				slices.Sort(lines)
				t.Logf("steps by kind:\n%s", strings.Join(lines, "\n"))
			}()
			for i := range steps {
				before := prev.snapshot()
				o := m.step(r, true)
				log = append(log, fmt.Sprintf("%d: %s -> %v", i, o.desc, o.err))
				kind := strings.Fields(o.desc)[0]
				switch {
				case strings.Contains(o.desc, " then "):
					kind = "find-then-" + strings.Fields(strings.SplitN(o.desc, " then ", 2)[1])[0]
				case strings.HasSuffix(o.desc, "nothing"):
					kind = "find-nothing"
				case strings.Contains(o.desc, " stored "):
					kind += "-stored"
				}
				if o.err != nil {
					kind += " failed: " + openslot.ErrorKind(o.err)
				}
				stats[kind]++
				after := m.read()
				if t.Failed() {
					return
				}
				func() {
					defer func() {
						if t.Failed() {
							t.Logf("steps:\n%s", strings.Join(tail(log, 40), "\n"))
						}
					}()
					m.checkOp(i, o, before, after)
					if bad := after.check(m.clk.Now()); len(bad) > 0 {
						t.Fatalf("after step %d %s:\n%s", i, o.desc, strings.Join(bad, "\n"))
					}
				}()
				if o.err == nil && strings.HasPrefix(o.desc, "respond") {
					m.rememberResponses()
				}
				prev = after
			}
		})
	}
}

// modelRuns returns the seeds and the steps per seed: the fixed ones, or
// OPENSLOT_MODEL_SEEDS more seeds of OPENSLOT_MODEL_STEPS steps each for a
// longer hunt.
func modelRuns(seeds []uint64, steps int) ([]uint64, int) {
	if n, err := strconv.Atoi(os.Getenv("OPENSLOT_MODEL_SEEDS")); err == nil && n > 0 {
		seeds = nil
		for i := range n {
			seeds = append(seeds, uint64(1000+i))
		}
	}
	if n, err := strconv.Atoi(os.Getenv("OPENSLOT_MODEL_STEPS")); err == nil && n > 0 {
		steps = n
	}
	return seeds, steps
}

func tail(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestModelConcurrent runs random operations from several goroutines at
// once and checks the invariants at the end; every error must still be a
// documented one.
func TestModelConcurrent(t *testing.T) {
	seeds, steps := modelRuns([]uint64{11, 12, 13}, 150)
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			m := newModel(t, seed%2 == 0)
			const workers = 6
			start := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan string, workers*steps)
			for w := range workers {
				r := rand.New(rand.NewPCG(seed, uint64(w)))
				wg.Go(func() {
					<-start
					for range steps {
						o := m.step(r, false)
						if o.err != nil && !documented(o.err) {
							errs <- fmt.Sprintf("%s: error %v matches no documented sentinel", o.desc, o.err)
						}
						if o.err == nil {
							m.remember(o.a)
						}
					}
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			if bad := m.read().check(m.clk.Now()); len(bad) > 0 {
				t.Fatalf("after the concurrent run:\n%s", strings.Join(bad, "\n"))
			}
		})
	}
}
