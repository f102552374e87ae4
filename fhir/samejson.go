package fhir

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// encodesEmpty reports whether the encoder writes nothing for v (an empty
// string, a nil pointer, a slice or struct with no content), so that the
// member holding v is left out.
func encodesEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return v.Len() == 0
	case reflect.Pointer:
		return v.IsNil() || encodesEmpty(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return true
		}
		r, ok := v.Interface().(Resource)
		return !ok || reflect.ValueOf(r).IsNil()
	case reflect.Slice:
		for i := range v.Len() {
			if !encodesEmpty(v.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		si := infoOf(v.Type())
		for _, f := range si.fields {
			if !encodesEmpty(v.FieldByIndex(f.index)) {
				return false
			}
		}
		if si.other != nil {
			for k := range v.FieldByIndex(si.other).Interface().(Elements) {
				if _, typed := si.byName[k]; !typed {
					return false
				}
			}
		}
		return true
	}
	return false
}

// sameJSON reports whether a and b, of one type, encode to the same JSON,
// without encoding them: the mapping uses it to find the members the model
// would write back differently.
func sameJSON(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int:
		return a.Int() == b.Int()
	case reflect.Pointer:
		// a pointer encodes as what it points to
		switch {
		case a.IsNil() && b.IsNil():
			return true
		case a.IsNil():
			return encodesEmpty(b)
		case b.IsNil():
			return encodesEmpty(a)
		}
		return sameJSON(a.Elem(), b.Elem())
	case reflect.Interface:
		ae, be := encodesEmpty(a), encodesEmpty(b)
		if ae || be {
			return ae == be
		}
		return a.Elem().Type() == b.Elem().Type() && sameJSON(a.Elem(), b.Elem())
	case reflect.Slice:
		// items that encode empty are left out; when no item is, the
		// slices are the same if their items are
		if a.Len() == b.Len() {
			same := true
			for i := 0; same && i < a.Len(); i++ {
				same = sameJSON(a.Index(i), b.Index(i))
			}
			if same {
				return true
			}
		}
		i, j := 0, 0
		for {
			for i < a.Len() && encodesEmpty(a.Index(i)) {
				i++
			}
			for j < b.Len() && encodesEmpty(b.Index(j)) {
				j++
			}
			if i == a.Len() || j == b.Len() {
				return i == a.Len() && j == b.Len()
			}
			if !sameJSON(a.Index(i), b.Index(j)) {
				return false
			}
			i, j = i+1, j+1
		}
	case reflect.Struct:
		si := infoOf(a.Type())
		for _, f := range si.fields {
			if !sameJSON(a.FieldByIndex(f.index), b.FieldByIndex(f.index)) {
				return false
			}
		}
		if si.other == nil {
			return true
		}
		return sameOther(a.FieldByIndex(si.other).Interface().(Elements),
			b.FieldByIndex(si.other).Interface().(Elements), si.byName)
	}
	// kinds the encoder refuses: compare what it makes of them
	return bytes.Equal(mustMarshalValue(a), mustMarshalValue(b))
}

// sameOther reports whether the encoder writes the same members for the
// Other elements a and b: the same untyped names with the same compacted
// JSON.
func sameOther(a, b Elements, typed map[string]int) bool {
	n := 0
	for k, av := range a {
		if _, ok := typed[k]; ok {
			continue
		}
		n++
		bv, ok := b[k]
		if !ok {
			return false
		}
		if !bytes.Equal(av, bv) {
			var ca, cb bytes.Buffer
			if json.Compact(&ca, av) != nil || json.Compact(&cb, bv) != nil || !bytes.Equal(ca.Bytes(), cb.Bytes()) {
				return false
			}
		}
	}
	for k := range b {
		if _, ok := typed[k]; !ok {
			n--
		}
	}
	return n == 0
}
