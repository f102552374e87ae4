package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// overlay is what a transaction wrote, applied to the committed state only
// when it commits. Maps are made on first use.
type overlay struct {
	now time.Time // the transaction's clock (UTC, microseconds)
	// writes holds every resource written, one entry per type and id, in
	// the order of first write. A booking writes a handful, found by a
	// scan; once there are more than scanLimit, where finds them.
	writes  []written
	where   map[resKey]int      // index into writes
	busyAdd []store.Busy        // new entries, in the order added
	busyAt  map[string]int      // index into busyAdd by id, past scanLimit entries
	busyDel map[string]struct{} // committed entries removed
	events  []scheduling.Event
	idem    map[string]string
	cursors map[string]int64
	leases  map[string]lease
}

// written is a resource a transaction wrote: its new record, or nil when
// it deleted it.
type written struct {
	typ, id string
	rec     *record
}

type resKey struct{ typ, id string }

// scanLimit is how many writes an overlay scans before it indexes them.
const scanLimit = 16

// record returns what the transaction wrote for typ/id: the record (nil
// for a deletion) and true, or false when it did not write it. A nil
// overlay (a View) wrote nothing.
func (ov *overlay) record(typ, id string) (*record, bool) {
	if ov == nil {
		return nil, false
	}
	if ov.where != nil {
		if i, ok := ov.where[resKey{typ, id}]; ok {
			return ov.writes[i].rec, true
		}
		return nil, false
	}
	for i := range ov.writes {
		if w := &ov.writes[i]; w.id == id && w.typ == typ {
			return w.rec, true
		}
	}
	return nil, false
}

func (ov *overlay) setRecord(typ, id string, rec *record) {
	if ov.where != nil {
		if i, ok := ov.where[resKey{typ, id}]; ok {
			ov.writes[i].rec = rec
			return
		}
	} else {
		for i := range ov.writes {
			if w := &ov.writes[i]; w.id == id && w.typ == typ {
				w.rec = rec
				return
			}
		}
	}
	if ov.writes == nil {
		ov.writes = make([]written, 0, 4)
	}
	ov.writes = append(ov.writes, written{typ: typ, id: id, rec: rec})
	switch n := len(ov.writes); {
	case ov.where != nil:
		ov.where[resKey{typ, id}] = n - 1
	case n > scanLimit:
		ov.where = make(map[resKey]int, 2*n)
		for i, w := range ov.writes {
			ov.where[resKey{w.typ, w.id}] = i
		}
	}
}

// reader implements store.ReadTx over the committed state seen through an
// overlay (nil in a View).
type reader struct {
	s    *Store
	ov   *overlay
	done bool
}

// writer implements store.Tx.
type writer struct{ reader }

var (
	_ store.ReadTx = (*reader)(nil)
	_ store.Tx     = (*writer)(nil)
)

func (r *reader) check(ctx context.Context) error {
	if r.done {
		return fmt.Errorf("memstore: transaction has ended: %w", store.ErrClosed)
	}
	return ctx.Err()
}

func (r *reader) table(op, typ string) (*table, error) {
	t := r.s.st.tables[typ]
	if t == nil {
		return nil, fmt.Errorf("%s: unknown resource type %q: %w", op, typ, store.ErrInvalidQuery)
	}
	return t, nil
}

// lookup returns the current record of typ/id, or nil.
func (r *reader) lookup(t *table, typ, id string) *record {
	if rec, ok := r.ov.record(typ, id); ok {
		return rec
	}
	return t.byID[id]
}

// Get returns a copy of the resource typ/id.
func (r *reader) Get(ctx context.Context, typ, id string) (scheduling.Resource, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	t, err := r.table("get", typ)
	if err != nil {
		return nil, err
	}
	rec := r.lookup(t, typ, id)
	if rec == nil {
		return nil, fmt.Errorf("%s/%s: %w", typ, id, store.ErrNotFound)
	}
	return scheduling.CloneResource(rec.res), nil
}

// Search returns one page of matches of q.
func (r *reader) Search(ctx context.Context, q store.Query) (store.Page, error) {
	if err := r.check(ctx); err != nil {
		return store.Page{}, err
	}
	t, err := r.table("search", q.ResourceType)
	if err != nil {
		return store.Page{}, err
	}
	// Compared as the instants are kept: truncated to the microsecond.
	q.From, q.To = normTime(q.From), normTime(q.To)
	q.UpdatedFrom, q.UpdatedTo = normTime(q.UpdatedFrom), normTime(q.UpdatedTo)
	return page(search(t, r.ov, q.ResourceType, &q), &q)
}

// Busy returns the busy entries of the schedules overlapping [from, to); a
// zero bound is open. The bounds are compared as the entries are kept:
// truncated to the microsecond.
func (r *reader) Busy(ctx context.Context, scheduleIDs []string, from, to time.Time) ([]store.Busy, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	from, to = normTime(from), normTime(to)
	var out []store.Busy
	for i, sid := range scheduleIDs {
		if slices.Contains(scheduleIDs[:i], sid) {
			continue
		}
		if sb := r.s.st.busy[sid]; sb != nil {
			cands := sb.candidates(from, to)
			out = slices.Grow(out, len(cands))
			for _, b := range cands {
				if !overlaps(b, from, to) {
					continue
				}
				if r.ov != nil {
					if _, gone := r.ov.busyDel[b.ID]; gone {
						continue
					}
				}
				out = append(out, b)
			}
		}
		if r.ov != nil {
			for _, b := range r.ov.busyAdd {
				if b.ScheduleID == sid && overlaps(b, from, to) {
					out = append(out, b)
				}
			}
		}
	}
	return out, nil
}

// ExpiredHolds returns pending appointments whose HeldUntil is set and not
// after now, by HeldUntil then id. A limit of 0 means store.DefaultLimit.
func (r *reader) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]*scheduling.Appointment, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, fmt.Errorf("expired holds: %w", err)
	}
	const typ = "Appointment"
	q := store.Query{ResourceType: typ, Terms: [][]string{{store.Term("status", string(scheduling.AppointmentPending))}}}
	var holds []*scheduling.Appointment
	for _, rec := range search(r.s.st.tables[typ], r.ov, typ, &q) {
		a := rec.res.(*scheduling.Appointment)
		if !a.HeldUntil.IsZero() && !a.HeldUntil.After(now) {
			holds = append(holds, a)
		}
	}
	slices.SortFunc(holds, func(a, b *scheduling.Appointment) int {
		if c := a.HeldUntil.Compare(b.HeldUntil); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	holds = holds[:min(limit, len(holds))]
	for i, a := range holds {
		c := a.Clone()
		holds[i] = &c
	}
	return holds, nil
}

// Idempotent returns the result recorded under key.
func (r *reader) Idempotent(ctx context.Context, key string) (string, error) {
	if err := r.check(ctx); err != nil {
		return "", err
	}
	if r.ov != nil {
		if v, ok := r.ov.idem[key]; ok {
			return v, nil
		}
	}
	if v, ok := r.s.st.idem[key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("idempotency key %q: %w", key, store.ErrNotFound)
}

// Cursor returns the consumer's acknowledged position, 0 when none.
func (r *reader) Cursor(ctx context.Context, consumer string) (int64, error) {
	if err := r.check(ctx); err != nil {
		return 0, err
	}
	if r.ov != nil {
		if v, ok := r.ov.cursors[consumer]; ok {
			return v, nil
		}
	}
	return r.s.st.cursors[consumer], nil
}

// Create stores a copy of res as version 1.
func (w *writer) Create(ctx context.Context, res scheduling.Resource) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	c, err := store.CopyResource(res)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	typ, m := c.ResourceType(), c.Metadata()
	t, err := w.table("create", typ)
	if err != nil {
		return err
	}
	if m.ID == "" {
		m.ID = newID()
	}
	if w.lookup(t, typ, m.ID) != nil {
		return fmt.Errorf("create %s/%s: id exists: %w", typ, m.ID, store.ErrConflict)
	}
	m.Version, m.LastUpdated = 1, w.ov.now
	normalize(c)
	w.ov.setRecord(typ, m.ID, newRecord(c))
	*res.Metadata() = *m
	return nil
}

// Put replaces a resource whose stored version equals res's.
func (w *writer) Put(ctx context.Context, res scheduling.Resource) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	c, err := store.CopyResource(res)
	if err != nil {
		return fmt.Errorf("put: %w", err)
	}
	typ, m := c.ResourceType(), c.Metadata()
	t, err := w.table("put", typ)
	if err != nil {
		return err
	}
	old := w.lookup(t, typ, m.ID)
	if old == nil {
		return fmt.Errorf("put %s/%s: %w", typ, m.ID, store.ErrNotFound)
	}
	if v := old.res.Metadata().Version; v != m.Version {
		return fmt.Errorf("put %s/%s: version %d is stale, stored is %d: %w", typ, m.ID, m.Version, v, store.ErrConflict)
	}
	m.Version, m.LastUpdated = m.Version+1, w.ov.now
	normalize(c)
	w.ov.setRecord(typ, m.ID, newRecord(c))
	*res.Metadata() = *m
	return nil
}

// Delete removes typ/id if its version is version (any when 0).
func (w *writer) Delete(ctx context.Context, typ, id string, version int64) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	t, err := w.table("delete", typ)
	if err != nil {
		return err
	}
	old := w.lookup(t, typ, id)
	if old == nil {
		return fmt.Errorf("delete %s/%s: %w", typ, id, store.ErrNotFound)
	}
	if v := old.res.Metadata().Version; version != 0 && v != version {
		return fmt.Errorf("delete %s/%s: version %d is stale, stored is %d: %w", typ, id, version, v, store.ErrConflict)
	}
	w.ov.setRecord(typ, id, nil)
	return nil
}

// LockSchedules returns at once: an Update already holds the store's single
// writer lock, which serialises it against every other Update, whatever
// schedules they touch.
func (w *writer) LockSchedules(ctx context.Context, scheduleIDs ...string) error {
	return w.check(ctx)
}

// AddBusy records busy entries: all of them or, on error, none. An entry
// needs a schedule and an End after its Start; an exclusive entry that
// overlaps another exclusive entry of its schedule fails with
// store.ErrConflict.
func (w *writer) AddBusy(ctx context.Context, entries ...store.Busy) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	n0 := len(w.ov.busyAdd)
	for _, b := range entries {
		if err := w.addBusy(b); err != nil {
			w.ov.truncateBusy(n0)
			return err
		}
	}
	return nil
}

// addBusy checks one entry and adds it to the overlay.
func (w *writer) addBusy(b store.Busy) error {
	b.Start, b.End, b.HeldUntil = normTime(b.Start), normTime(b.End), normTime(b.HeldUntil)
	if b.ID == "" {
		b.ID = newID()
	}
	switch {
	case b.ScheduleID == "":
		return fmt.Errorf("busy %s: no schedule: %w", b.ID, scheduling.ErrInvalid)
	case b.Start.IsZero() || !b.End.After(b.Start):
		return fmt.Errorf("busy %s on schedule %s: end %s is not after start %s: %w",
			b.ID, b.ScheduleID, b.End.Format(time.RFC3339Nano), b.Start.Format(time.RFC3339Nano), scheduling.ErrInvalid)
	case b.Count < 0:
		return fmt.Errorf("busy %s on schedule %s: count %d is negative: %w", b.ID, b.ScheduleID, b.Count, scheduling.ErrInvalid)
	case w.busyExists(b.ID):
		return fmt.Errorf("busy %s: id exists: %w", b.ID, store.ErrConflict)
	}
	if b.Exclusive {
		if other, ok := w.exclusiveOverlap(b); ok {
			return fmt.Errorf("busy %s on schedule %s: overlaps exclusive entry %s: %w", b.ID, b.ScheduleID, other, store.ErrConflict)
		}
	}
	w.ov.addBusy(b)
	return nil
}

// added returns the index in busyAdd of the entry id, or -1.
func (ov *overlay) added(id string) int {
	if ov.busyAt != nil {
		if i, ok := ov.busyAt[id]; ok {
			return i
		}
		return -1
	}
	return slices.IndexFunc(ov.busyAdd, func(b store.Busy) bool { return b.ID == id })
}

func (ov *overlay) addBusy(b store.Busy) {
	ov.busyAdd = append(ov.busyAdd, b)
	switch n := len(ov.busyAdd); {
	case ov.busyAt != nil:
		ov.busyAt[b.ID] = n - 1
	case n > scanLimit:
		ov.reindexBusy()
	}
}

// truncateBusy drops the entries added from index n on.
func (ov *overlay) truncateBusy(n int) {
	for _, b := range ov.busyAdd[n:] {
		delete(ov.busyAt, b.ID)
	}
	ov.busyAdd = slices.Delete(ov.busyAdd, n, len(ov.busyAdd))
}

// dropBusy removes the added entries for which drop is true.
func (ov *overlay) dropBusy(drop func(store.Busy) bool) {
	n := len(ov.busyAdd)
	ov.busyAdd = slices.DeleteFunc(ov.busyAdd, drop)
	if ov.busyAt != nil && len(ov.busyAdd) != n {
		ov.reindexBusy()
	}
}

func (ov *overlay) reindexBusy() {
	ov.busyAt = make(map[string]int, 2*len(ov.busyAdd))
	for i, b := range ov.busyAdd {
		ov.busyAt[b.ID] = i
	}
}

func (w *writer) busyExists(id string) bool {
	if w.ov.added(id) >= 0 {
		return true
	}
	_, committed := w.s.st.busyByID[id]
	_, gone := w.ov.busyDel[id]
	return committed && !gone
}

// exclusiveOverlap finds an exclusive entry of b's schedule, committed or
// added in this transaction (earlier in the same AddBusy included), that
// overlaps b.
func (w *writer) exclusiveOverlap(b store.Busy) (string, bool) {
	live, err := w.Busy(context.Background(), []string{b.ScheduleID}, b.Start, b.End)
	if err != nil {
		return "", false
	}
	for _, o := range live {
		if o.Exclusive && o.ScheduleID == b.ScheduleID && overlaps(o, b.Start, b.End) {
			return o.ID, true
		}
	}
	return "", false
}

// RemoveBusy removes every busy entry of the appointment; none is fine. An
// empty id names no appointment: entries without one are not removed.
func (w *writer) RemoveBusy(ctx context.Context, appointmentID string) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	if appointmentID == "" {
		return nil
	}
	for _, id := range w.s.st.busyByAppt[appointmentID] {
		w.delBusy(id)
	}
	w.ov.dropBusy(func(b store.Busy) bool { return b.AppointmentID == appointmentID })
	return nil
}

// RemoveBusyEntry removes one busy entry, or fails with store.ErrNotFound.
func (w *writer) RemoveBusyEntry(ctx context.Context, id string) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	if w.ov.added(id) >= 0 {
		w.ov.dropBusy(func(b store.Busy) bool { return b.ID == id })
		return nil
	}
	if !w.busyExists(id) {
		return fmt.Errorf("busy %s: %w", id, store.ErrNotFound)
	}
	w.delBusy(id)
	return nil
}

func (w *writer) delBusy(id string) {
	if w.ov.busyDel == nil {
		w.ov.busyDel = make(map[string]struct{})
	}
	w.ov.busyDel[id] = struct{}{}
}

// AppendEvent records a copy of e, readable through Store.Events once the
// transaction commits.
func (w *writer) AppendEvent(ctx context.Context, e scheduling.Event) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	e.Appointment = e.Appointment.Clone()
	normEvent(&e)
	w.ov.events = append(w.ov.events, e)
	return nil
}

// SetIdempotent records result under key, or fails with store.ErrConflict
// when the key exists.
func (w *writer) SetIdempotent(ctx context.Context, key, result string) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("idempotency key is empty: %w", scheduling.ErrInvalid)
	}
	if _, err := w.Idempotent(ctx, key); err == nil {
		return fmt.Errorf("idempotency key %q: exists: %w", key, store.ErrConflict)
	}
	if w.ov.idem == nil {
		w.ov.idem = make(map[string]string)
	}
	w.ov.idem[key] = result
	return nil
}

// SetCursor records the consumer's acknowledged position.
func (w *writer) SetCursor(ctx context.Context, consumer string, cursor int64) error {
	if err := w.check(ctx); err != nil {
		return err
	}
	if consumer == "" || cursor < 0 {
		return fmt.Errorf("cursor %d of consumer %q: need a name and a cursor >= 0: %w", cursor, consumer, scheduling.ErrInvalid)
	}
	if w.ov.cursors == nil {
		w.ov.cursors = make(map[string]int64)
	}
	w.ov.cursors[consumer] = cursor
	return nil
}

// TryLease gives the lease to holder until now+ttl when nobody else holds
// it at now (a lease is held while now is before its end).
func (w *writer) TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if err := w.check(ctx); err != nil {
		return false, err
	}
	if name == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("lease %q for %q: need a name, a holder and a positive ttl (got %s): %w", name, holder, ttl, scheduling.ErrInvalid)
	}
	now = normTime(now)
	cur, ok := w.ov.leases[name]
	if !ok {
		cur, ok = w.s.st.leases[name]
	}
	if ok && cur.holder != holder && now.Before(cur.until) {
		return false, nil
	}
	if w.ov.leases == nil {
		w.ov.leases = make(map[string]lease)
	}
	w.ov.leases[name] = lease{holder: holder, until: normTime(now.Add(ttl))}
	return true, nil
}
