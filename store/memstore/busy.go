package memstore

import (
	"slices"
	"sort"
	"time"

	"github.com/openslot/openslot/store"
)

// scheduleBusy keeps one schedule's busy entries sorted by start, so that
// an overlap query reads only the entries that can overlap: those starting
// before the window's end and no earlier than the window's start minus the
// longest entry.
type scheduleBusy struct {
	entries []store.Busy // sorted by Start, then ID
	longest time.Duration
}

// position returns where b belongs in entries (sorted by start, then id)
// and whether an entry with b's start and id is there.
func (sb *scheduleBusy) position(b *store.Busy) (int, bool) {
	i := sort.Search(len(sb.entries), func(i int) bool {
		e := &sb.entries[i]
		if c := e.Start.Compare(b.Start); c != 0 {
			return c > 0
		}
		return e.ID >= b.ID
	})
	return i, i < len(sb.entries) && sb.entries[i].ID == b.ID && sb.entries[i].Start.Equal(b.Start)
}

func (sb *scheduleBusy) insert(b store.Busy) {
	i, _ := sb.position(&b)
	sb.entries = slices.Insert(sb.entries, i, b)
	sb.longest = max(sb.longest, b.End.Sub(b.Start))
}

func (sb *scheduleBusy) remove(b store.Busy) {
	if i, ok := sb.position(&b); ok {
		sb.entries = slices.Delete(sb.entries, i, i+1)
	}
}

// candidates returns the entries that may overlap [from, to) (a zero bound
// is open): those starting before to and no earlier than from minus the
// longest entry. Callers still check each with overlaps.
func (sb *scheduleBusy) candidates(from, to time.Time) []store.Busy {
	lo, hi := 0, len(sb.entries)
	if !from.IsZero() {
		lo = sb.firstStartingAt(from.Add(-sb.longest), 0)
	}
	if !to.IsZero() {
		hi = sb.firstStartingAt(to, lo)
	}
	return sb.entries[lo:hi]
}

// firstStartingAt returns the index of the first entry from lo on that
// starts at or after t (entries are read in place: a store.Busy is too big
// to copy per comparison).
func (sb *scheduleBusy) firstStartingAt(t time.Time, lo int) int {
	return lo + sort.Search(len(sb.entries)-lo, func(i int) bool { return !sb.entries[lo+i].Start.Before(t) })
}

// overlaps reports whether b overlaps [from, to); a zero bound is open.
func overlaps(b store.Busy, from, to time.Time) bool {
	return (to.IsZero() || b.Start.Before(to)) && (from.IsZero() || b.End.After(from))
}

func (st *state) addBusy(b store.Busy) {
	sb := st.busy[b.ScheduleID]
	if sb == nil {
		sb = &scheduleBusy{}
		st.busy[b.ScheduleID] = sb
	}
	sb.insert(b)
	st.busyByID[b.ID] = b
	if b.AppointmentID != "" {
		st.busyByAppt[b.AppointmentID] = append(st.busyByAppt[b.AppointmentID], b.ID)
	}
}

func (st *state) removeBusy(id string) {
	b, ok := st.busyByID[id]
	if !ok {
		return
	}
	delete(st.busyByID, id)
	if sb := st.busy[b.ScheduleID]; sb != nil {
		sb.remove(b)
		if len(sb.entries) == 0 {
			delete(st.busy, b.ScheduleID)
		}
	}
	if ids := st.busyByAppt[b.AppointmentID]; ids != nil {
		ids = slices.DeleteFunc(ids, func(x string) bool { return x == id })
		if len(ids) == 0 {
			delete(st.busyByAppt, b.AppointmentID)
		} else {
			st.busyByAppt[b.AppointmentID] = ids
		}
	}
}
