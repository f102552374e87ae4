package memstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

var timeType = reflect.TypeFor[time.Time]()

// fillTimes sets every time.Time reachable from v through exported struct
// fields, pointers, slices and arrays to t, allocating nil pointers and
// giving empty slices one element, and returns how many it set. Recursive
// types (Reference -> Identifier -> Reference) are followed depth pointers
// or slices deep.
func fillTimes(v reflect.Value, t time.Time, depth int) int {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(t))
			return 1
		}
		n := 0
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				n += fillTimes(v.Field(i), t, depth)
			}
		}
		return n
	case reflect.Pointer:
		if depth == 0 {
			return 0
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return fillTimes(v.Elem(), t, depth-1)
	case reflect.Slice:
		if depth == 0 {
			return 0
		}
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		n := 0
		for i := range v.Len() {
			n += fillTimes(v.Index(i), t, depth-1)
		}
		return n
	case reflect.Array:
		n := 0
		for i := range v.Len() {
			n += fillTimes(v.Index(i), t, depth)
		}
		return n
	}
	return 0
}

// checkTimes reports every time.Time reachable from v that is not want in
// UTC.
func checkTimes(t *testing.T, v reflect.Value, path string, want time.Time) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			got := v.Interface().(time.Time)
			if !got.Equal(want) || got.Location() != time.UTC || got.Nanosecond() != want.Nanosecond() {
				t.Errorf("%s = %v, want %v (normalised)", path, got, want)
			}
			return
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				checkTimes(t, v.Field(i), path+"."+f.Name, want)
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			checkTimes(t, v.Elem(), path, want)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			checkTimes(t, v.Index(i), path+"[]", want)
		}
	}
}

// TestNormalizeReachesEveryInstant proves that the typed normalisation
// functions visit every instant of every stored type, so a field added to
// the model without a line in normalize fails here.
func TestNormalizeReachesEveryInstant(t *testing.T) {
	raw := time.Date(2031, 1, 2, 3, 4, 5, 678901234, time.FixedZone("X", 7200))
	want := time.Date(2031, 1, 2, 1, 4, 5, 678901000, time.UTC)
	const depth = 6
	for _, typ := range scheduling.ResourceTypes() {
		t.Run(typ, func(t *testing.T) {
			r := scheduling.NewResource(typ)
			if n := fillTimes(reflect.ValueOf(r).Elem(), raw, depth); n == 0 {
				t.Fatalf("%s has no instant to normalise", typ)
			}
			normalize(r)
			checkTimes(t, reflect.ValueOf(r).Elem(), typ, want)
		})
	}
	t.Run("Event", func(t *testing.T) {
		var e scheduling.Event
		if n := fillTimes(reflect.ValueOf(&e).Elem(), raw, depth); n < 4 {
			t.Fatalf("event: %d instants filled, want at least 4", n)
		}
		normEvent(&e)
		checkTimes(t, reflect.ValueOf(&e).Elem(), "Event", want)
	})
}
