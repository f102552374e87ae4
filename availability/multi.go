package availability

import (
	"context"
	"fmt"
	"iter"
	"time"
)

// Member is one resource of a multi-resource search: its compiled schedule
// and its busy time.
type Member struct {
	Schedule *Schedule
	Busy     BusySource
}

// Choice says how AnyOf picks a member when several are free.
type Choice int

const (
	// PreferenceOrder picks the first free member in the order given.
	PreferenceOrder Choice = iota
	// LeastBooked picks the free member with the fewest Booking busy entries
	// starting on the slot's local date (in that member's zone); ties go to
	// the earlier member.
	LeastBooked
)

// MultiSlot is a slot that several resources can take together.
type MultiSlot struct {
	Start, End time.Time
	// Members are the indexes of the chosen members: all of them for
	// AllOf, the one chosen for AnyOf.
	Members []int
}

// MultiSearch is a running multi-resource search. Use All once, then Err.
type MultiSearch struct {
	run  func(yield func(MultiSlot) bool) error
	err  error
	used bool
}

// All returns an iterator over the slots in time order, like Search.All.
func (m *MultiSearch) All() iter.Seq[MultiSlot] {
	return func(yield func(MultiSlot) bool) {
		if m.err != nil {
			return
		}
		if m.used {
			m.err = fmt.Errorf("%w: MultiSearch.All iterated twice", ErrInvalidQuery)
			return
		}
		m.used = true
		m.err = m.run(yield)
	}
}

// Err returns the error that ended the search, if any.
func (m *MultiSearch) Err() error { return m.err }

func memberQuery(q Query, m Member) Query {
	q.Busy = m.Busy
	return q
}

func checkMembers(members []Member) error {
	if len(members) == 0 {
		return fmt.Errorf("%w: no members", ErrInvalidQuery)
	}
	for i, m := range members {
		if m.Schedule == nil {
			return fmt.Errorf("%w: members[%d].schedule is nil", ErrInvalidQuery, i)
		}
	}
	return nil
}

// AllOf searches for slots where every member is free at once (a
// practitioner and a room and a device). The first member leads: its slot
// policy gives the duration and the grid, and its slots are the candidates.
// Every other member must have the whole slot inside its own open
// availability, with its own buffers free of its own busy time, and must
// pass its own notice, horizon, capacity and limits; its grid and duration
// do not apply. q.Busy is ignored; each member brings its own.
func AllOf(ctx context.Context, q Query, members ...Member) *MultiSearch {
	m := &MultiSearch{}
	if err := checkMembers(members); err != nil {
		m.err = err
		return m
	}
	lead := members[0].Schedule.Search(ctx, memberQuery(q, members[0]))
	if lead.err != nil {
		m.err = lead.err
		return m
	}
	others := make([]*cursor, len(members)-1)
	for i, mb := range members[1:] {
		others[i] = newCursor(ctx, mb.Schedule, &q, mb.Busy)
	}
	loc := members[0].Schedule.zone.loc
	m.run = func(yield func(MultiSlot) bool) error {
		var err error
		runErr := lead.run(func(sl Slot) bool {
			s, e := sl.Start.Unix(), sl.End.Unix()
			for _, c := range others {
				var free bool
				if free, err = c.free(s, e); err != nil || !free {
					return err == nil
				}
			}
			idx := make([]int, len(members))
			for i := range idx {
				idx[i] = i
			}
			return yield(MultiSlot{Start: time.Unix(s, 0).In(loc), End: time.Unix(e, 0).In(loc), Members: idx})
		})
		lead.c.release()
		for _, c := range others {
			c.release()
		}
		if err != nil {
			return err
		}
		return runErr
	}
	return m
}

// CheckAllOf reports whether [start, end) may be booked for all members
// together, with the rules of AllOf: the first member is checked as by
// Check, the others without grid and duration. It returns nil or the first
// failure, wrapped with the member's index.
func CheckAllOf(ctx context.Context, q Query, start, end time.Time, members ...Member) error {
	if err := checkMembers(members); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for i, mb := range members {
		c := newCursor(ctx, mb.Schedule, &q, mb.Busy)
		err := c.check(start, end, i == 0)
		c.release()
		if err != nil {
			return fmt.Errorf("members[%d]: %w", i, err)
		}
	}
	return nil
}

// free reports whether [s, e) is bookable on a non-leading member. Calls
// must come with non-decreasing s.
func (c *cursor) free(s, e int64) (bool, error) {
	day := c.z.localDay(s)
	lastWin := max(day, c.z.localDay(e-1))
	if day < minDay || lastWin >= maxDay || !c.sch.active {
		return false, nil
	}
	if day < c.a || day >= c.b || lastWin > c.lastWin || s-c.pol.bb < c.busyFrom || e+c.pol.ba > c.busyTo {
		const chunk = 7
		b := min(day+chunk, maxDay)
		if err := c.load(day, b, max(lastWin, b), fromDayStart, max(c.z.dayStart(b)+c.pol.dur, e)); err != nil {
			return false, err
		}
	}
	if s < c.earliest || s > c.latest {
		return false, nil
	}
	i := searchOpen(c.open, s)
	if i == len(c.open) || c.open[i].s > s || c.open[i].e < e {
		return false, nil
	}
	_, f := c.admit(s, e, day)
	return f == ok, nil
}

// searchOpen returns the index of the first interval ending after s.
func searchOpen(open []interval, s int64) int {
	lo, hi := 0, len(open)
	for lo < hi {
		h := (lo + hi) / 2
		if open[h].e <= s {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

type candidate struct {
	s, e, day int64
}

// AnyOf searches for slots that any one member can take (any practitioner
// of a role). Candidates are every member's own slots, merged in time order
// (by start, then end); when several members have the same slot, choice
// picks one. Each member uses its own policy, grid, buffers and limits.
// q.Busy is ignored; each member brings its own.
func AnyOf(ctx context.Context, q Query, choice Choice, members ...Member) *MultiSearch {
	m := &MultiSearch{}
	if err := checkMembers(members); err != nil {
		m.err = err
		return m
	}
	if choice != PreferenceOrder && choice != LeastBooked {
		m.err = fmt.Errorf("%w: unknown choice %d", ErrInvalidQuery, choice)
		return m
	}
	searches := make([]*Search, len(members))
	for i, mb := range members {
		searches[i] = mb.Schedule.Search(ctx, memberQuery(q, mb))
		if searches[i].err != nil {
			m.err = fmt.Errorf("members[%d]: %w", i, searches[i].err)
			return m
		}
		if choice == LeastBooked {
			searches[i].c.needCounts = true
		}
	}
	m.run = func(yield func(MultiSlot) bool) error {
		// Deferred first, so it runs after the iterators below have stopped.
		defer func() {
			for _, sr := range searches {
				sr.c.release()
			}
		}()
		nexts := make([]func() (candidate, bool), len(members))
		errs := make([]error, len(members))
		heads := make([]candidate, len(members))
		live := make([]bool, len(members))
		for i, sr := range searches {
			next, stop := iter.Pull(func(y func(candidate) bool) {
				errs[i] = sr.run(func(sl Slot) bool {
					s := sl.Start.Unix()
					return y(candidate{s, sl.End.Unix(), sr.c.z.localDay(s)})
				})
			})
			defer stop()
			nexts[i] = next
			heads[i], live[i] = next()
		}
		for {
			for i := range errs {
				if errs[i] != nil {
					return fmt.Errorf("members[%d]: %w", i, errs[i])
				}
			}
			best := -1
			for i := range heads {
				if live[i] && (best < 0 || heads[i].s < heads[best].s ||
					heads[i].s == heads[best].s && heads[i].e < heads[best].e) {
					best = i
				}
			}
			if best < 0 {
				return nil
			}
			h := heads[best]
			pick, pickCount := -1, int32(0)
			for i := range heads {
				if !live[i] || heads[i].s != h.s || heads[i].e != h.e {
					continue
				}
				n := int32(0)
				if choice == LeastBooked {
					c := searches[i].c
					n = c.counts[heads[i].day-c.countBase]
				}
				if pick < 0 || n < pickCount {
					pick, pickCount = i, n
				}
			}
			loc := members[pick].Schedule.zone.loc
			if !yield(MultiSlot{Start: time.Unix(h.s, 0).In(loc), End: time.Unix(h.e, 0).In(loc), Members: []int{pick}}) {
				return nil
			}
			for i := range heads {
				if live[i] && heads[i].s == h.s && heads[i].e == h.e {
					heads[i], live[i] = nexts[i]()
				}
			}
		}
	}
	return m
}
