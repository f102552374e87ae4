package openslot

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Find defaults.
const (
	// DefaultFindLimit is how many offers Find returns when
	// FindRequest.Limit is zero.
	DefaultFindLimit = 100
	// DefaultFindWindow is how far after From a search looks when
	// FindRequest.To is zero.
	DefaultFindWindow = 366 * 24 * time.Hour
)

// FindRequest asks for free time.
type FindRequest struct {
	// Resources are groups of schedule ids. An offer needs every group (AND);
	// within a group any one schedule will do (OR), chosen by Choice. For
	// "Dr A and room 1" use {{"a"}, {"room1"}}; for "any of Dr A, Dr B" use
	// {{"a", "b"}}. Inactive schedules are skipped.
	Resources [][]string
	// From is the earliest start; zero means now. To is the latest end; zero
	// means DefaultFindWindow after From.
	From, To time.Time
	// Service selects the schedules' service policy, scoped rules and blocks.
	Service *scheduling.CodeableConcept
	// Limit bounds the offers Find returns; zero means DefaultFindLimit.
	// FindSeq ignores it: stop the iteration instead.
	Limit int
	// Choice picks the schedule of a group when several are free:
	// availability.PreferenceOrder (the first in the group's order) or
	// availability.LeastBooked.
	Choice availability.Choice
}

// Offer is free time: a start, an end, and the schedule chosen in each
// group of the request, in the order of the groups. Book it with a
// BookRequest naming those schedules.
type Offer struct {
	Start, End time.Time
	Schedules  []string
}

// Find returns up to req.Limit offers in time order. Live holds and
// bookings are busy, lapsed holds are free. Every schedule of an offer has
// the time free by its own rules (grid and slot length included), as Book
// checks them. An offer is advice, not a reservation: Book and Hold check
// again.
func (s *Scheduler) Find(ctx context.Context, req FindRequest) ([]Offer, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = DefaultFindLimit
	}
	seq, errf := s.FindSeq(ctx, req)
	var out []Offer
	for o := range seq {
		out = append(out, o)
		if len(out) >= limit {
			break
		}
	}
	if err := errf(); err != nil {
		return nil, err
	}
	return out, nil
}

// FindSeq streams offers in time order until the caller stops or the window
// ends; call the returned function afterwards for the error that ended it,
// if any. Busy time is read in chunks as the search advances, each chunk in
// its own short read transaction, so a long iteration holds no store
// resources between chunks.
func (s *Scheduler) FindSeq(ctx context.Context, req FindRequest) (iter.Seq[Offer], func() error) {
	var err error
	seq := func(yield func(Offer) bool) {
		err = s.find(ctx, req, yield)
	}
	return seq, func() error { return err }
}

func (s *Scheduler) find(ctx context.Context, req FindRequest, yield func(Offer) bool) error {
	if len(req.Resources) == 0 {
		return fmt.Errorf("%w: find: no schedules given", scheduling.ErrInvalid)
	}
	now := s.now()
	q := availability.Query{From: req.From, To: req.To, Now: now, Service: req.Service}
	if q.From.IsZero() {
		q.From = now
	}
	if q.To.IsZero() {
		q.To = q.From.Add(DefaultFindWindow)
	}
	if !q.From.Before(q.To) {
		return fmt.Errorf("%w: find: from must be before to", scheduling.ErrInvalid)
	}
	members := make([][]availability.Member, len(req.Resources))
	ids := make([][]string, len(req.Resources))
	err := s.st.View(ctx, func(tx store.ReadTx) error {
		for g, group := range req.Resources {
			if len(group) == 0 {
				return fmt.Errorf("%w: find: resources[%d] is empty", scheduling.ErrInvalid, g)
			}
			for _, id := range group {
				sc, comp, err := s.schedule(ctx, tx, id)
				if err != nil {
					return err
				}
				if !sc.IsActive() {
					continue
				}
				members[g] = append(members[g], availability.Member{Schedule: comp, Busy: &viewBusy{st: s.st, schedule: id, now: now}})
				ids[g] = append(ids[g], id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range members {
		if len(m) == 0 {
			return nil // a group with no active schedule: nothing is free
		}
	}

	if len(members) == 1 {
		ms := availability.AnyOf(ctx, q, req.Choice, members[0]...)
		for m := range ms.All() {
			if !yield(Offer{Start: m.Start, End: m.End, Schedules: []string{ids[0][m.Members[0]]}}) {
				return nil
			}
		}
		return ms.Err()
	}
	singles := true
	for _, m := range members {
		singles = singles && len(m) == 1
	}
	if singles {
		all := make([]availability.Member, len(members))
		chosen := make([]string, len(members))
		for g := range members {
			all[g], chosen[g] = members[g][0], ids[g][0]
		}
		ms := availability.AllOf(ctx, q, all...)
		for m := range ms.All() {
			// AllOf holds the other schedules to the first one's grid and
			// slot length; Book checks every schedule on its own.
			ok, err := ownGrids(ctx, q.Service, all[1:], m.Start, m.End)
			if err != nil {
				return err
			}
			if ok && !yield(Offer{Start: m.Start, End: m.End, Schedules: append([]string(nil), chosen...)}) {
				return nil
			}
		}
		return ms.Err()
	}
	return joinGroups(ctx, q, req.Choice, members, ids, yield)
}

// ownGrids reports whether [start, end) lies on the grid and has a slot
// length of every member's own policy for svc, as Book's check of each
// schedule requires. Busy time, notice and horizon are not looked at here:
// AllOf has judged them.
func ownGrids(ctx context.Context, svc *scheduling.CodeableConcept, members []availability.Member, start, end time.Time) (bool, error) {
	for _, m := range members {
		err := m.Schedule.Check(ctx, availability.Query{Service: svc}, start, end)
		if err == nil {
			continue
		}
		if _, ok := slotError("", start, end, err).(*SlotError); ok {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// joinGroups streams the times at which every group has a free member:
// each group is searched with AnyOf and the streams are merged on equal
// start and end.
func joinGroups(ctx context.Context, q availability.Query, choice availability.Choice,
	members [][]availability.Member, ids [][]string, yield func(Offer) bool) error {
	type head struct {
		next func() (availability.MultiSlot, bool)
		stop func()
		cur  availability.MultiSlot
		ms   *availability.MultiSearch
	}
	heads := make([]*head, len(members))
	defer func() {
		for _, h := range heads {
			if h != nil {
				h.stop()
			}
		}
	}()
	for g := range members {
		ms := availability.AnyOf(ctx, q, choice, members[g]...)
		next, stop := iter.Pull(ms.All())
		heads[g] = &head{next: next, stop: stop, ms: ms}
	}
	errOf := func() error {
		for _, h := range heads {
			if err := h.ms.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	for _, h := range heads {
		var ok bool
		if h.cur, ok = h.next(); !ok {
			h.stop()
			return errOf()
		}
	}
	for {
		// The latest start (and, among equal starts, the latest end) is the
		// earliest time all groups could share.
		lead := heads[0].cur
		for _, h := range heads[1:] {
			if h.cur.Start.After(lead.Start) || (h.cur.Start.Equal(lead.Start) && h.cur.End.After(lead.End)) {
				lead = h.cur
			}
		}
		same := true
		for _, h := range heads {
			if h.cur.Start.Equal(lead.Start) && h.cur.End.Equal(lead.End) {
				continue
			}
			same = false
			var ok bool
			if h.cur, ok = h.next(); !ok {
				h.stop()
				return errOf()
			}
		}
		if !same {
			continue
		}
		o := Offer{Start: lead.Start, End: lead.End, Schedules: make([]string, len(heads))}
		for g, h := range heads {
			o.Schedules[g] = ids[g][h.cur.Members[0]]
		}
		if !yield(o) {
			return nil
		}
		for _, h := range heads {
			var ok bool
			if h.cur, ok = h.next(); !ok {
				h.stop()
				return errOf()
			}
		}
	}
}

// viewBusy is the live busy time of one schedule, each chunk read in its
// own read transaction.
type viewBusy struct {
	st       store.Store
	schedule string
	now      time.Time
}

// Busy implements availability.BusySource.
func (v *viewBusy) Busy(ctx context.Context, from, to time.Time) ([]availability.Busy, error) {
	var out []availability.Busy
	err := v.st.View(ctx, func(tx store.ReadTx) error {
		r := busyReader{tx: tx, schedule: v.schedule, now: v.now}
		var err error
		out, err = r.Busy(ctx, from, to)
		return err
	})
	return out, err
}
