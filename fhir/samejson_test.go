package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// checkSameJSON fails when sameJSON(a, b) disagrees with comparing what
// the encoder writes for a and b.
func checkSameJSON(t *testing.T, what string, a, b reflect.Value) {
	t.Helper()
	want := bytes.Equal(mustMarshalValue(a), mustMarshalValue(b))
	if got := sameJSON(a, b); got != want {
		t.Errorf("%s: sameJSON = %v, encodings equal = %v\n%s\n%s", what, got, want, mustMarshalValue(a), mustMarshalValue(b))
	}
	if got, want := encodesEmpty(a), mustMarshalValue(a) == nil; got != want {
		t.Errorf("%s: encodesEmpty = %v, encoder wrote nothing = %v", what, got, want)
	}
}

func TestSameJSONEdgeCases(t *testing.T) {
	yes := true
	for _, c := range []struct {
		name string
		a, b any
	}{
		{"empty items are left out", []Coding{{}, {Code: "a"}, {Other: Elements{"code": json.RawMessage(`"x"`)}}}, []Coding{{Code: "a"}}},
		{"order of items", []Coding{{Code: "a"}, {Code: "b"}}, []Coding{{Code: "b"}, {Code: "a"}}},
		{"more items", []string{"a", ""}, []string{"a", "b"}},
		{"pointer to empty", &Period{}, (*Period)(nil)},
		{"pointer to empty extension", &Period{Extension: []Extension{{}}}, (*Period)(nil)},
		{"pointer to content", &Period{Start: "2025"}, (*Period)(nil)},
		{"bool pointers", &yes, (*bool)(nil)},
		{"other compacted", Coding{Other: Elements{"_code": json.RawMessage(`{ "id" : "1" }`)}}, Coding{Other: Elements{"_code": json.RawMessage(`{"id":"1"}`)}}},
		{"other differs", Coding{Other: Elements{"_code": json.RawMessage(`{"id":"1"}`)}}, Coding{Other: Elements{"_code": json.RawMessage(`{"id":"2"}`)}}},
		{"other extra member", Coding{Other: Elements{"_code": json.RawMessage(`1`)}}, Coding{}},
		{"other shadowing a typed member is not written", Coding{Other: Elements{"code": json.RawMessage(`"x"`)}}, Coding{}},
		{"numbers as written", Duration{Value: "1.0"}, Duration{Value: "1"}},
		{"resources", BundleEntry{Resource: &Slot{ID: "a"}}, BundleEntry{Resource: &Slot{ID: "a"}}},
		{"resource types", BundleEntry{Resource: &Slot{ID: "a"}}, BundleEntry{Resource: &Patient{ID: "a"}}},
		{"nil resource", BundleEntry{Resource: (*Slot)(nil)}, BundleEntry{}},
	} {
		a, b := reflect.ValueOf(c.a), reflect.ValueOf(c.b)
		checkSameJSON(t, c.name, a, b)
		checkSameJSON(t, c.name+" (swapped)", b, a)
	}
}

// TestSameJSONOnExamples compares every member of every pair of example
// resources of one type, and each with its model round trip.
func TestSameJSONOnExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/examples/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("examples: %v", err)
	}
	byType := map[string][]reflect.Value{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r := mustDecode(t, data)
		byType[r.ResourceType()] = append(byType[r.ResourceType()], reflect.ValueOf(r).Elem())
		if _, isBundle := r.(*Bundle); !isBundle {
			back := roundTripModel(t, r)
			byType[r.ResourceType()] = append(byType[r.ResourceType()], reflect.ValueOf(back).Elem())
		}
	}
	for rt, vs := range byType {
		for _, a := range vs {
			for _, b := range vs {
				checkSameJSON(t, rt, a, b)
				for _, f := range infoOf(a.Type()).fields {
					checkSameJSON(t, rt+"."+f.name, a.FieldByIndex(f.index), b.FieldByIndex(f.index))
				}
			}
		}
	}
}
