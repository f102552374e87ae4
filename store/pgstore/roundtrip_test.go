package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// filler sets every exported field reachable from a value to something
// that is not its zero value, so that a round trip proves every field is
// kept, including fields added to the model later.
type filler struct{ n int }

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
	metaType = reflect.TypeFor[scheduling.Meta]()
)

func (f *filler) fill(v reflect.Value, depth int) {
	f.n++
	switch {
	case v.Type() == timeType:
		// Nanoseconds and a zone: the store must keep microseconds and
		// hand the instant back in UTC.
		zone := time.FixedZone("X", 5*3600+30*60)
		v.Set(reflect.ValueOf(time.Date(2025, 3, 30, 1, 2, 3, 456789123+f.n, zone).Add(time.Duration(f.n) * time.Minute)))
		return
	case v.Type() == rawType:
		v.SetBytes(fmt.Appendf(nil, `{"url":"https://example.org/x%d","valueString":"a<b & \"c\" é %d"}`, f.n, f.n))
		return
	case v.Type() == metaType:
		return // the store sets it
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d-ü<&>", f.n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.n%11 + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.n%11 + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.n) + 0.5)
	case reflect.Pointer:
		if depth > 3 {
			return // Reference -> Identifier -> Reference -> ...
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if depth > 3 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			f.fill(k, depth+1)
			k.SetString(fmt.Sprintf("k%d", i)) // keys are strings in the model
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth)
			}
		}
	default:
		panic("filler: unhandled kind " + v.Kind().String() + " of " + v.Type().String())
	}
}

// populated returns a value of the resource type with every field set.
func populated(typ string) scheduling.Resource {
	r := scheduling.NewResource(typ)
	(&filler{}).fill(reflect.ValueOf(r).Elem(), 0)
	return r
}

// utcMicro returns what a store gives back for a value: every instant
// truncated to the microsecond, in UTC.
func utcMicro(v any) {
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch {
		case v.Type() == timeType:
			if t := v.Interface().(time.Time); !t.IsZero() {
				v.Set(reflect.ValueOf(t.Truncate(time.Microsecond).UTC()))
			}
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v))
}

// exact compares instants by their fields, so that a location other than
// UTC or a lost microsecond is a difference.
var exact = cmp.Comparer(func(a, b time.Time) bool {
	return a.Equal(b) && a.Location() == b.Location() && a.Nanosecond() == b.Nanosecond()
})

func TestRoundTripEveryResourceType(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	for _, typ := range scheduling.ResourceTypes() {
		t.Run(typ, func(t *testing.T) {
			in := populated(typ)
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, in) }); err != nil {
				t.Fatalf("create: %v", err)
			}
			m := in.Metadata()
			if m.ID == "" || m.Version != 1 || m.LastUpdated.IsZero() || m.LastUpdated.Location() != time.UTC {
				t.Fatalf("create set metadata %+v; want an id, version 1 and a UTC LastUpdated", *m)
			}
			want := populated(typ)
			*want.Metadata() = *m
			utcMicro(want)
			var got scheduling.Resource
			if err := s.View(ctx, func(tx store.ReadTx) (err error) {
				got, err = tx.Get(ctx, typ, m.ID)
				return err
			}); err != nil {
				t.Fatalf("get: %v", err)
			}
			if diff := cmp.Diff(want, got, exact); diff != "" {
				t.Errorf("%s came back different (-want +got):\n%s", typ, diff)
			}
			// Put keeps every field too.
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(ctx, got) }); err != nil {
				t.Fatalf("put: %v", err)
			}
			*want.Metadata() = *got.Metadata()
			var again scheduling.Resource
			if err := s.View(ctx, func(tx store.ReadTx) (err error) {
				again, err = tx.Get(ctx, typ, m.ID)
				return err
			}); err != nil {
				t.Fatalf("get after put: %v", err)
			}
			if diff := cmp.Diff(want, again, exact); diff != "" {
				t.Errorf("%s came back different after Put (-want +got):\n%s", typ, diff)
			}
		})
	}
}

func TestRoundTripEvent(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	var in scheduling.Event
	(&filler{}).fill(reflect.ValueOf(&in).Elem(), 0)
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, in) }); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("got %d events; want 1", len(evs))
	}
	var want scheduling.Event
	(&filler{}).fill(reflect.ValueOf(&want).Elem(), 0)
	utcMicro(&want)
	if diff := cmp.Diff(want, evs[0].Event, exact); diff != "" {
		t.Errorf("event came back different (-want +got):\n%s", diff)
	}
	if evs[0].Cursor != 1 || evs[0].Recorded.Location() != time.UTC {
		t.Errorf("event record cursor %d recorded %v; want cursor 1 and a UTC time", evs[0].Cursor, evs[0].Recorded)
	}
}

// A nil json.RawMessage travels as JSON null and must come back nil, and an
// empty one (which encoding/json cannot encode) is stored as nil.
func TestRoundTripNilRawJSON(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	in := &scheduling.Patient{
		Extension: []scheduling.Extension{{URL: "a"}, {URL: "b", JSON: json.RawMessage{}}},
		Unmapped:  scheduling.Elements{"x": nil, "y": json.RawMessage(`[1, 2]`)},
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, in) }); err != nil {
		t.Fatal(err)
	}
	got, err := getIn(ctx, s, "Patient", in.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := got.(*scheduling.Patient)
	if p.Extension[0].JSON != nil || p.Extension[1].JSON != nil || p.Unmapped["x"] != nil {
		t.Errorf("nil or empty raw JSON came back as %q, %q, %q; want nil", p.Extension[0].JSON, p.Extension[1].JSON, p.Unmapped["x"])
	}
	if string(p.Unmapped["y"]) != `[1,2]` {
		t.Errorf("raw JSON came back as %q; want it compacted to [1,2]", p.Unmapped["y"])
	}
}

func getIn(ctx context.Context, s store.Store, typ, id string) (r scheduling.Resource, err error) {
	err = s.View(ctx, func(tx store.ReadTx) error {
		r, err = tx.Get(ctx, typ, id)
		return err
	})
	return r, err
}
