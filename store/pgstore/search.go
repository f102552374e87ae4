package pgstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// sortKey is the expression results are ordered by, with id: the indexed
// instant, or minus infinity for a resource that has none (so those come
// first, by id, as in every store).
const sortKey = `coalesce(at, '-infinity'::timestamptz)`

// position is a place in the (instant, id) order of a search: the instant
// in Unix microseconds (math.MinInt64 for none) and the id.
type position struct {
	key int64
	id  string
}

// Cursors are "p1:<key>:<id>" in unpadded URL-safe base64: the position of
// the last resource of a page. A walk continues strictly after it, so
// resources inserted or deleted meanwhile never make it repeat or skip one
// that stayed.
const cursorPrefix = "p1:"

func encodeCursor(p position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(p.key, 10) + ":" + p.id))
}

func decodeCursor(s string) (position, error) {
	bad := fmt.Errorf("cursor %q is not one this store made: %w", s, store.ErrInvalidQuery)
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return position{}, bad
	}
	rest, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return position{}, bad
	}
	k, id, ok := strings.Cut(rest, ":")
	key, err := strconv.ParseInt(k, 10, 64)
	if !ok || err != nil || id == "" || strconv.FormatInt(key, 10) != k {
		return position{}, bad
	}
	if key != math.MinInt64 && (key < minMicros || key > maxMicros) {
		return position{}, bad
	}
	return position{key, id}, nil
}

// The instants a stored resource can have, in Unix microseconds (years 0
// to 9999, what its JSON encoding allows); a cursor outside them was not
// made by this store.
var (
	minMicros = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxMicros = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() - 1
)

func keyOf(at pgtype.Timestamptz) int64 {
	if !at.Valid || at.InfinityModifier != pgtype.Finite {
		return math.MinInt64
	}
	return at.Time.UnixMicro()
}

func keyParam(key int64) pgtype.Timestamptz {
	if key == math.MinInt64 {
		return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
	}
	return pgtype.Timestamptz{Time: time.UnixMicro(key).UTC(), Valid: true}
}

// Search returns one page of matches of q. Terms are matched on the text[]
// column through its GIN index: each inner slice becomes terms && $n.
func (t *txn) Search(ctx context.Context, q store.Query) (store.Page, error) {
	if err := t.check(ctx); err != nil {
		return store.Page{}, err
	}
	if err := checkType("search", q.ResourceType); err != nil {
		return store.Page{}, err
	}
	if q.Limit < 0 {
		return store.Page{}, fmt.Errorf("%s search: limit %d is negative: %w", q.ResourceType, q.Limit, store.ErrInvalidQuery)
	}
	var after *position
	if q.After != "" {
		p, err := decodeCursor(q.After)
		if err != nil {
			return store.Page{}, fmt.Errorf("%s search: %w", q.ResourceType, err)
		}
		after = &p
	}

	args := []any{q.ResourceType}
	where := []string{"type = $1"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if len(q.IDs) > 0 {
		// No stored id holds a NUL (text cannot): such an id matches
		// nothing, as in Get, rather than the id with U+FFFD in its place.
		ids := slices.DeleteFunc(slices.Clone(q.IDs), func(id string) bool { return strings.IndexByte(id, 0) >= 0 })
		add("id = ANY($?::text[])", ids)
	}
	for _, any := range q.Terms {
		if any == nil {
			any = []string{}
		}
		add("terms && $?::text[]", pgTexts(any))
	}
	if !q.From.IsZero() {
		add("at >= $?", normTime(q.From))
	}
	if !q.To.IsZero() {
		add("at < $?", normTime(q.To))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		where = append(where, "at IS NOT NULL")
	}
	if !q.UpdatedFrom.IsZero() {
		add("last_updated >= $?", normTime(q.UpdatedFrom))
	}
	if !q.UpdatedTo.IsZero() {
		add("last_updated < $?", normTime(q.UpdatedTo))
	}
	what := q.ResourceType + " search"

	page := store.Page{Total: -1}
	if q.Total {
		if err := t.queryRow(ctx, "SELECT count(*) FROM resources WHERE "+strings.Join(where, " AND "), args...).
			Scan(&page.Total); err != nil {
			return store.Page{}, t.fail(ctx, what, err)
		}
	}

	dir, cmp := "ASC", ">"
	if q.Descending {
		dir, cmp = "DESC", "<"
	}
	if after != nil {
		args = append(args, keyParam(after.key), after.id)
		n := len(args)
		where = append(where, fmt.Sprintf("(%s, id) %s ($%d, $%d)", sortKey, cmp, n-1, n))
	}
	limit := q.PageLimit()
	args = append(args, limit+1)
	sql := fmt.Sprintf("SELECT id, version, last_updated, %s, body FROM resources WHERE %s ORDER BY %s %s, id %s LIMIT $%d",
		sortKey, strings.Join(where, " AND "), sortKey, dir, dir, len(args))
	rows, err := t.query(ctx, sql, args...)
	if err != nil {
		return store.Page{}, t.fail(ctx, what, err)
	}
	var pos []position
	res, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (scheduling.Resource, error) {
		var (
			id      string
			version int64
			updated time.Time
			at      pgtype.Timestamptz
			body    []byte
		)
		if err := r.Scan(&id, &version, &updated, &at, &body); err != nil {
			return nil, err
		}
		pos = append(pos, position{keyOf(at), id})
		return decodeResource(q.ResourceType, id, version, updated, body)
	})
	if err != nil {
		return store.Page{}, t.fail(ctx, what, err)
	}
	if len(res) > limit {
		res = res[:limit]
		page.Next = encodeCursor(pos[limit-1])
	}
	page.Resources = res
	return page, nil
}
