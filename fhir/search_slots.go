package fhir

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// maxSlotWindow bounds the date range of a Slot search that computes free
// slots.
const maxSlotWindow = 366 * 24 * time.Hour

// computedSlotSearch reports whether a Slot search also returns the free
// slots the engine computes: it names a schedule, asks for no status or
// for free, and does not select by id, identifier or _lastUpdated (which
// computed slots do not have).
func computedSlotSearch(spec *searchSpec) bool {
	if len(spec.params["schedule"]) == 0 || len(spec.params["_id"]) > 0 || len(spec.params["identifier"]) > 0 ||
		len(spec.params["_lastUpdated"]) > 0 {
		return false
	}
	for _, g := range spec.query.Terms {
		if strings.HasPrefix(g[0], "status=") && !slices.Contains(g, "status=free") {
			return false
		}
	}
	return true
}

// slotItem is one Slot of a merged search, stored or computed.
type slotItem struct {
	slot     *scheduling.Slot
	schedule string
	computed bool
	svc      int // service index for a computed slot's id
}

// searchSlots answers a Slot search for schedules with the stored slots
// and the free slots of the engine in the date range asked (from now and
// DefaultSlotWindow long when no range is given). Pages are cut from the
// merged list, which is ordered by start.
func (h *handler) searchSlots(ctx context.Context, spec *searchSpec) (searchResult, error) {
	from, to := spec.query.From, spec.query.To
	if from.IsZero() {
		from = h.opts.Now()
	}
	if to.IsZero() {
		to = from.Add(DefaultSlotWindow)
	}
	if to.Sub(from) > maxSlotWindow {
		return searchResult{}, badRequest("a Slot search for a schedule covers at most %d days: narrow start", int(maxSlotWindow.Hours()/24))
	}
	offset := 0
	if c := spec.query.After; c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "c"))
		if err != nil || n < 0 || !strings.HasPrefix(c, "c") {
			return searchResult{}, badRequest("_cursor %q is not a cursor of this search", c)
		}
		offset = n
	}

	// stored slots
	q := spec.query
	q.After, q.Total, q.Limit = "", false, store.MaxLimit
	var items []slotItem
	stored, err := h.searchAllSlots(ctx, q)
	if err != nil {
		return searchResult{}, err
	}
	for _, sl := range stored {
		if passes(spec.filters, sl) {
			_, sid := sl.Schedule.Split()
			items = append(items, slotItem{slot: sl, schedule: sid})
		}
	}

	// computed free slots: none when the range ends before it starts (a
	// search of the past, or an empty range)
	schedIDs := scheduleIDs(spec.query.Terms)
	if !from.Before(to) {
		schedIDs = nil
	}
	var service *scheduling.CodeableConcept
	if v := spec.params["service-type"]; len(v) > 0 {
		first := strings.Split(v[0], ",")[0]
		system, code, ok := strings.Cut(first, "|")
		if !ok {
			system, code = "", first
		}
		c := scheduling.Concept(system, code, "")
		service = &c
	}
	for _, sid := range schedIDs {
		sc, err := h.schedule(ctx, sid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return searchResult{}, err
		}
		si, idx := serviceRef([]*scheduling.Schedule{sc}, service)
		seq, errf := h.s.FindSeq(ctx, openslot.FindRequest{Resources: [][]string{{sid}}, From: from,
			To: to.Add(24 * time.Hour), Service: service})
		for o := range seq {
			if !o.Start.Before(to) {
				break
			}
			sl := computedSlotOf(sc, o.Start, o.End, service)
			terms, _ := store.Indexed(sl)
			if !matchTerms(spec.query.Terms, terms) || !passes(spec.filters, sl) {
				continue
			}
			it := slotItem{slot: sl, schedule: sid, computed: true, svc: -1}
			if si == 0 {
				it.svc = idx
			}
			items = append(items, it)
		}
		if err := errf(); err != nil {
			return searchResult{}, err
		}
	}

	// merge: by start, computed before stored, then by schedule and id;
	// a stored free slot with the same time as a computed one is the same
	// free time and is left out.
	slices.SortFunc(items, func(a, b slotItem) int {
		return cmp.Or(a.slot.Start.Compare(b.slot.Start), cmp.Compare(a.schedule, b.schedule),
			boolOrder(b.computed, a.computed), a.slot.End.Compare(b.slot.End), cmp.Compare(a.slot.ID, b.slot.ID))
	})
	items = slices.CompactFunc(items, func(a, b slotItem) bool {
		return a.computed && !b.computed && b.slot.Status == scheduling.SlotFree && a.schedule == b.schedule &&
			a.slot.Start.Equal(b.slot.Start) && a.slot.End.Equal(b.slot.End)
	})
	if spec.query.Descending {
		slices.Reverse(items)
	}
	res := searchResult{total: len(items)}
	if spec.noTotal {
		res.total = -1
	}
	if offset >= len(items) || spec.count == 0 {
		return res, nil
	}
	end := min(offset+spec.count, len(items))
	for _, it := range items[offset:end] {
		if it.computed {
			id, err := h.offerID(ctx, offer{kind: offerSlot, start: it.slot.Start, end: it.slot.End,
				schedules: []string{it.schedule}, serviceSchedule: boolIndex(it.svc >= 0), serviceIndex: max(it.svc, 0)})
			if err != nil {
				return searchResult{}, err
			}
			it.slot.ID = id
		}
		res.matches = append(res.matches, it.slot)
	}
	if end < len(items) {
		res.next = "c" + strconv.Itoa(end)
	}
	return res, nil
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// boolIndex is 0 when ok (the offer's only schedule holds the service) and
// -1 otherwise.
func boolIndex(ok bool) int {
	if ok {
		return 0
	}
	return -1
}

// scheduleIDs returns the schedule ids of the first schedule= term group.
func scheduleIDs(groups [][]string) []string {
	for _, g := range groups {
		var ids []string
		for _, t := range g {
			id, ok := strings.CutPrefix(t, "schedule=Schedule/")
			if !ok {
				ids = nil
				break
			}
			ids = append(ids, id)
		}
		if len(ids) > 0 {
			return ids
		}
	}
	return nil
}

func (h *handler) searchAllSlots(ctx context.Context, q store.Query) ([]*scheduling.Slot, error) {
	var out []*scheduling.Slot
	err := h.s.Store().View(ctx, func(tx store.ReadTx) error {
		var err error
		out, err = store.SearchAll[scheduling.Slot](ctx, tx, q, maxFilteredCount)
		return err
	})
	return out, err
}

// schedule reads a stored schedule.
func (h *handler) schedule(ctx context.Context, id string) (*scheduling.Schedule, error) {
	r, err := h.s.Get(ctx, "Schedule", id)
	if err != nil {
		return nil, err
	}
	sc, ok := r.(*scheduling.Schedule)
	if !ok {
		return nil, fmt.Errorf("schedule %s: the store returned a %T", id, r)
	}
	return sc, nil
}

// computedSlotOf builds the free Slot the engine offers on a schedule
// (without its id).
func computedSlotOf(sc *scheduling.Schedule, start, end time.Time, service *scheduling.CodeableConcept) *scheduling.Slot {
	sl := &scheduling.Slot{
		Schedule:        scheduling.Ref("Schedule", sc.ID),
		Status:          scheduling.SlotFree,
		Start:           start.UTC(),
		End:             end.UTC(),
		ServiceCategory: cloneConceptList(sc.ServiceCategory),
		ServiceType:     cloneConceptList(sc.ServiceType),
		Specialty:       cloneConceptList(sc.Specialty),
	}
	if service != nil {
		sl.ServiceType = []scheduling.CodeableConcept{service.Clone()}
	}
	return sl
}

func cloneConceptList(cs []scheduling.CodeableConcept) []scheduling.CodeableConcept {
	if len(cs) == 0 {
		return nil
	}
	out := make([]scheduling.CodeableConcept, len(cs))
	for i, c := range cs {
		out[i] = c.Clone()
	}
	return out
}

// loadSchedules reads the schedules of an offer; a missing one makes the
// offer unknown.
func (h *handler) loadSchedules(ctx context.Context, ids []string) ([]*scheduling.Schedule, error) {
	out := make([]*scheduling.Schedule, len(ids))
	for i, id := range ids {
		sc, err := h.schedule(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = sc
	}
	return out, nil
}

// computedSlot returns the Slot a slot offer stands for: free when the
// engine still offers exactly that time, busy otherwise.
func (h *handler) computedSlot(ctx context.Context, o offer) (*scheduling.Slot, error) {
	scheds, err := h.loadSchedules(ctx, o.schedules)
	if err != nil {
		return nil, err
	}
	svc := o.service(scheds)
	sl := computedSlotOf(scheds[0], o.start, o.end, svc)
	if sl.ID, err = h.offerID(ctx, o); err != nil {
		return nil, err
	}
	free, err := h.offered(ctx, o.schedules, o.start, o.end, svc)
	if err != nil {
		return nil, err
	}
	if !free {
		sl.Status = scheduling.SlotBusy
	}
	return sl, nil
}

// offered reports whether the engine offers exactly [start, end) on all
// the schedules together.
func (h *handler) offered(ctx context.Context, schedules []string, start, end time.Time, svc *scheduling.CodeableConcept) (bool, error) {
	groups := make([][]string, len(schedules))
	for i, s := range schedules {
		groups[i] = []string{s}
	}
	offers, err := h.s.Find(ctx, openslot.FindRequest{Resources: groups, From: start, To: end, Service: svc, Limit: 8})
	if err != nil {
		return false, err
	}
	for _, o := range offers {
		if o.Start.Equal(start) && o.End.Equal(end) {
			return true, nil
		}
	}
	return false, nil
}
