package memstore

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// record is a stored resource with what its searches need. Records are
// immutable once built: a write replaces the record.
type record struct {
	id      string
	res     scheduling.Resource // the store's own copy, never handed out
	terms   []string            // store.Indexed, sorted
	at      time.Time           // indexed instant, zero when none
	key     int64               // at in Unix microseconds; math.MinInt64 when at is zero
	updated time.Time
}

func newRecord(r scheduling.Resource) *record {
	terms, at := store.Indexed(r)
	slices.Sort(terms)
	terms = slices.Compact(terms) // a record is filed once under each term
	at = normTime(at)
	return &record{
		id:      r.Metadata().ID,
		res:     r,
		terms:   terms,
		at:      at,
		key:     instantKey(at),
		updated: r.Metadata().LastUpdated,
	}
}

func instantKey(at time.Time) int64 {
	if at.IsZero() {
		return math.MinInt64
	}
	return at.UnixMicro()
}

func (r *record) hasTerm(term string) bool {
	_, ok := slices.BinarySearch(r.terms, term)
	return ok
}

// table holds the resources of one type with an inverted index from term
// to records.
type table struct {
	byID  map[string]*record
	index map[string]*posting
}

// posting is the records filed under one term: each record that has the
// term, appended when it was stored. A record stays in the list after it is
// replaced or deleted (it is stale: byID no longer holds it) until the list
// compacts, so that a write only appends, and a status change costs a few
// appends instead of updates of large sets.
type posting struct {
	recs  []*record
	stale int // entries of recs that are no longer current
}

// compactAt is how many stale entries a posting list holds at least before
// it compacts (it compacts once they are also more than half of it).
const compactAt = 32

func newTable() *table {
	return &table{byID: make(map[string]*record), index: make(map[string]*posting)}
}

// current reports whether rec is the stored record of its id.
func (t *table) current(rec *record) bool { return t.byID[rec.id] == rec }

// set stores rec under id, or removes id when rec is nil: the old record's
// entries in the index become stale, and rec is appended under each of its
// terms.
func (t *table) set(id string, rec *record) {
	old := t.byID[id]
	if rec == nil {
		delete(t.byID, id)
	} else {
		t.byID[id] = rec
	}
	if old != nil {
		for _, term := range old.terms {
			t.retire(term)
		}
	}
	if rec != nil {
		for _, term := range rec.terms {
			p := t.index[term]
			if p == nil {
				p = &posting{}
				t.index[term] = p
			}
			p.recs = append(p.recs, rec)
		}
	}
}

// retire counts one more stale entry under term, dropping the list when
// nothing current is left and compacting it when most of it is stale.
func (t *table) retire(term string) {
	p := t.index[term]
	p.stale++
	switch {
	case p.stale == len(p.recs):
		delete(t.index, term)
	case p.stale > compactAt && 2*p.stale > len(p.recs):
		live := p.recs[:0]
		for _, rec := range p.recs {
			if t.current(rec) {
				live = append(live, rec)
			}
		}
		clear(p.recs[len(live):]) // let the stale records go
		p.recs, p.stale = live, 0
	}
}

// size is how many current records the posting list of term holds.
func (t *table) size(term string) int {
	if p := t.index[term]; p != nil {
		return len(p.recs) - p.stale
	}
	return 0
}

// position is a place in the (instant, id) order of a search.
type position struct {
	key int64
	id  string
}

func (r *record) pos() position { return position{r.key, r.id} }

func comparePos(a, b position) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// Cursors are "m1:<key>:<id>" in unpadded URL-safe base64: the position of
// the last resource of a page. A walk continues strictly after it, so
// resources inserted or deleted meanwhile never make it repeat or skip one
// that stayed.
const cursorPrefix = "m1:"

func encodeCursor(p position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(p.key, 10) + ":" + p.id))
}

func decodeCursor(s string) (position, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return position{}, fmt.Errorf("cursor %q is not one this store made: %w", s, store.ErrInvalidQuery)
	}
	rest, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return position{}, fmt.Errorf("cursor %q is not one this store made: %w", s, store.ErrInvalidQuery)
	}
	k, id, ok := strings.Cut(rest, ":")
	key, err := strconv.ParseInt(k, 10, 64)
	if !ok || err != nil || id == "" {
		return position{}, fmt.Errorf("cursor %q is not one this store made: %w", s, store.ErrInvalidQuery)
	}
	return position{key, id}, nil
}

// matches reports whether rec satisfies every condition of q.
func matches(rec *record, q *store.Query) bool {
	if len(q.IDs) > 0 && !slices.Contains(q.IDs, rec.id) {
		return false
	}
	for _, any := range q.Terms {
		if !slices.ContainsFunc(any, rec.hasTerm) {
			return false
		}
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		if rec.at.IsZero() || (!q.From.IsZero() && rec.at.Before(q.From)) || (!q.To.IsZero() && !rec.at.Before(q.To)) {
			return false
		}
	}
	if !q.UpdatedFrom.IsZero() && rec.updated.Before(q.UpdatedFrom) {
		return false
	}
	if !q.UpdatedTo.IsZero() && !rec.updated.Before(q.UpdatedTo) {
		return false
	}
	return true
}

// search returns the records of t (of type typ) matching q, seen through
// the overlay ov (nil in a View), in no order. It reads as few committed
// records as it can: the listed ids, or the ids of the smallest term group
// of the inverted index, or else all of them.
func search(t *table, ov *overlay, typ string, q *store.Query) []*record {
	var out []*record
	consider := func(rec *record) {
		if _, shadowed := ov.record(typ, rec.id); !shadowed && matches(rec, q) {
			out = append(out, rec)
		}
	}
	switch {
	case len(q.IDs) > 0:
		for i, id := range q.IDs {
			if rec := t.byID[id]; rec != nil && !slices.Contains(q.IDs[:i], id) {
				consider(rec)
			}
		}
	case len(q.Terms) > 0:
		best, bestSize := 0, math.MaxInt
		for i, any := range q.Terms {
			size := 0
			for _, term := range any {
				size += t.size(term)
			}
			if size < bestSize {
				best, bestSize = i, size
			}
		}
		group := q.Terms[best]
		var seen map[string]struct{}
		if len(group) > 1 {
			seen = make(map[string]struct{}, bestSize)
		}
		for _, term := range group {
			p := t.index[term]
			if p == nil {
				continue
			}
			for _, rec := range p.recs {
				if !t.current(rec) {
					continue
				}
				if seen != nil {
					if _, dup := seen[rec.id]; dup {
						continue
					}
					seen[rec.id] = struct{}{}
				}
				consider(rec)
			}
		}
	default:
		for _, rec := range t.byID {
			consider(rec)
		}
	}
	if ov != nil {
		for _, w := range ov.writes {
			if w.typ == typ && w.rec != nil && matches(w.rec, q) {
				out = append(out, w.rec)
			}
		}
	}
	return out
}

// page orders the matches, applies the cursor and the limit, and copies
// the resources out.
func page(all []*record, q *store.Query) (store.Page, error) {
	if q.Limit < 0 {
		return store.Page{}, fmt.Errorf("%s search: limit %d is negative: %w", q.ResourceType, q.Limit, store.ErrInvalidQuery)
	}
	order := comparePos
	if q.Descending {
		order = func(a, b position) int { return comparePos(b, a) }
	}
	p := store.Page{Total: -1}
	if q.Total {
		p.Total = len(all)
	}
	rest := all
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return store.Page{}, fmt.Errorf("%s search: %w", q.ResourceType, err)
		}
		rest = make([]*record, 0, len(all))
		for _, rec := range all {
			if order(rec.pos(), after) > 0 {
				rest = append(rest, rec)
			}
		}
	}
	slices.SortFunc(rest, func(a, b *record) int { return order(a.pos(), b.pos()) })
	limit := q.PageLimit()
	if len(rest) > limit {
		rest = rest[:limit]
		p.Next = encodeCursor(rest[limit-1].pos())
	}
	p.Resources = make([]scheduling.Resource, len(rest))
	for i, rec := range rest {
		p.Resources[i] = scheduling.CloneResource(rec.res) // stored: never nil, always a model type
	}
	return p, nil
}
