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
// to ids.
type table struct {
	byID  map[string]*record
	index map[string]map[string]struct{}
}

func newTable() *table {
	return &table{byID: make(map[string]*record), index: make(map[string]map[string]struct{})}
}

// set stores rec under id, or removes id when rec is nil. Only the terms
// that differ between the old record and the new one touch the index (both
// term lists are sorted), so a status change re-indexes one or two terms.
func (t *table) set(id string, rec *record) {
	var oldTerms, newTerms []string
	if old := t.byID[id]; old != nil {
		oldTerms = old.terms
	}
	if rec == nil {
		delete(t.byID, id)
	} else {
		t.byID[id] = rec
		newTerms = rec.terms
	}
	i, j := 0, 0
	for i < len(oldTerms) || j < len(newTerms) {
		switch {
		case j == len(newTerms) || (i < len(oldTerms) && oldTerms[i] < newTerms[j]):
			t.unindex(oldTerms[i], id)
			i++
		case i == len(oldTerms) || newTerms[j] < oldTerms[i]:
			t.index1(newTerms[j], id)
			j++
		default: // the same term in both
			i++
			j++
		}
	}
}

func (t *table) index1(term, id string) {
	ids := t.index[term]
	if ids == nil {
		ids = make(map[string]struct{})
		t.index[term] = ids
	}
	ids[id] = struct{}{}
}

func (t *table) unindex(term, id string) {
	ids := t.index[term]
	delete(ids, id)
	if len(ids) == 0 {
		delete(t.index, term)
	}
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
	consider := func(id string) {
		if _, shadowed := ov.record(typ, id); shadowed {
			return
		}
		if rec := t.byID[id]; rec != nil && matches(rec, q) {
			out = append(out, rec)
		}
	}
	switch {
	case len(q.IDs) > 0:
		for i, id := range q.IDs {
			if !slices.Contains(q.IDs[:i], id) {
				consider(id)
			}
		}
	case len(q.Terms) > 0:
		best, bestSize := 0, math.MaxInt
		for i, any := range q.Terms {
			size := 0
			for _, term := range any {
				size += len(t.index[term])
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
			for id := range t.index[term] {
				if seen != nil {
					if _, dup := seen[id]; dup {
						continue
					}
					seen[id] = struct{}{}
				}
				consider(id)
			}
		}
	default:
		for id := range t.byID {
			consider(id)
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
