package pgstore

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// normTime is how every instant is stored: truncated to the microsecond and
// in UTC, as a timestamptz keeps it (pgx truncates the same way). The zero
// time stays zero.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

// pgText is s as a text column can hold it. PostgreSQL text cannot contain
// the NUL character, which Go strings (and JSON strings, as \u0000) can,
// so each NUL becomes U+FFFD. Search terms, idempotency keys, consumer
// names and lease names and holders pass through it when they are written
// and when they are looked up, so a lookup matches what it matched before
// (and a NUL matches a U+FFFD in the same place). Bodies need nothing:
// they are json, which keeps \u0000. Ids are not mapped: a record with a
// NUL in its id cannot be stored, and a read by such an id finds nothing.
func pgText(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// hasNUL reports whether s holds a NUL, which no stored id, schedule id
// or appointment id can (see pgText): a read by such a key finds nothing.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// withoutNUL is ids without those that hold a NUL, ids itself when none
// does.
func withoutNUL(ids []string) []string {
	if !slices.ContainsFunc(ids, hasNUL) {
		return ids
	}
	return slices.DeleteFunc(slices.Clone(ids), hasNUL)
}

// pgTexts is pgText of each of ss, ss itself when none holds a NUL.
func pgTexts(ss []string) []string {
	for i, s := range ss {
		if strings.IndexByte(s, 0) >= 0 {
			out := make([]string, len(ss))
			copy(out, ss[:i])
			for j := i; j < len(ss); j++ {
				out[j] = pgText(ss[j])
			}
			return out
		}
	}
	return ss
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// prepareWrite readies a copy the store owns for encoding: every time.Time
// goes through normTime and every empty json.RawMessage becomes nil (which
// encodes as JSON null; an empty one does not encode at all).
func prepareWrite(v any) { walk(reflect.ValueOf(v), true) }

// finishRead undoes what a JSON round trip adds: a json.RawMessage that
// came back as the literal null was nil (or empty) when it was stored.
func finishRead(v any) { walk(reflect.ValueOf(v), false) }

// walk visits every time.Time and json.RawMessage reachable from v through
// exported struct fields, pointers, slices, arrays and map values.
func walk(v reflect.Value, write bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walk(v.Elem(), write)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if write {
				v.Set(reflect.ValueOf(normTime(v.Interface().(time.Time))))
			}
			return
		}
		t := v.Type()
		for i := range v.NumField() {
			if f := t.Field(i); f.IsExported() && visits(f.Type) {
				walk(v.Field(i), write)
			}
		}
	case reflect.Slice:
		if v.Type() == rawType {
			raw := v.Bytes()
			if (write && len(raw) == 0) || (!write && string(raw) == "null") {
				v.SetBytes(nil)
			}
			return
		}
		fallthrough
	case reflect.Array:
		if visits(v.Type().Elem()) {
			for i := range v.Len() {
				walk(v.Index(i), write)
			}
		}
	case reflect.Map:
		if !visits(v.Type().Elem()) {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			// Map values are not addressable: fix a copy and put it back.
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(iter.Value())
			walk(e, write)
			v.SetMapIndex(iter.Key(), e)
		}
	}
}

// visitTypes caches, per type, whether walk finds anything to do in it.
var visitTypes sync.Map // reflect.Type -> bool

func visits(t reflect.Type) bool {
	if v, ok := visitTypes.Load(t); ok {
		return v.(bool)
	}
	// A recursive type (Reference -> Identifier -> Reference) meets itself
	// before its answer is known: assume it does, which only costs a visit.
	visitTypes.Store(t, true)
	has := false
	switch {
	case t == timeType || t == rawType:
		has = true
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && visits(f.Type) {
				has = true
			}
		}
	case t.Kind() == reflect.Pointer, t.Kind() == reflect.Slice, t.Kind() == reflect.Array, t.Kind() == reflect.Map:
		has = visits(t.Elem())
	}
	visitTypes.Store(t, has)
	return has
}

// encode returns v as compact JSON without HTML escaping, so that the raw
// JSON a resource carries is stored as it came (less insignificant
// whitespace).
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// newID returns a random identifier of 26 characters (A-Z, 2-7), valid as
// a FHIR logical id.
func newID() string { return rand.Text() }
