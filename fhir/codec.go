package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/openslot/openslot/scheduling"
)

// Resource is a FHIR resource of one of the types this package handles.
// Every resource type of the package (*Appointment, *Bundle, ...) implements
// it with a pointer receiver.
type Resource interface {
	// ResourceType returns the FHIR resource type name, e.g. "Appointment".
	ResourceType() string
}

var resourceFactories = map[string]func() Resource{
	"Organization":        func() Resource { return new(Organization) },
	"Location":            func() Resource { return new(Location) },
	"HealthcareService":   func() Resource { return new(HealthcareService) },
	"Practitioner":        func() Resource { return new(Practitioner) },
	"PractitionerRole":    func() Resource { return new(PractitionerRole) },
	"Patient":             func() Resource { return new(Patient) },
	"Device":              func() Resource { return new(Device) },
	"Schedule":            func() Resource { return new(Schedule) },
	"Slot":                func() Resource { return new(Slot) },
	"Appointment":         func() Resource { return new(Appointment) },
	"AppointmentResponse": func() Resource { return new(AppointmentResponse) },
	"Bundle":              func() Resource { return new(Bundle) },
	"OperationOutcome":    func() Resource { return new(OperationOutcome) },
	"Parameters":          func() Resource { return new(Parameters) },
	"MessageHeader":       func() Resource { return new(MessageHeader) },
	"CapabilityStatement": func() Resource { return new(CapabilityStatement) },
}

// ResourceTypes lists the resource types Decode accepts, sorted.
func ResourceTypes() []string {
	names := make([]string, 0, len(resourceFactories))
	for n := range resourceFactories {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Decode parses FHIR R4 JSON into the resource type its resourceType names
// and validates it (see Validate). On failure the error is an *OutcomeError
// listing every problem found, with errors.Is(err, ErrInvalid) for bad JSON,
// unknown elements and validation failures, and errors.Is(err,
// ErrUnsupported) for a resource type the package does not handle.
func Decode(data []byte) (Resource, error) {
	doc, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	w := check(doc)
	if !w.sound() {
		return nil, newOutcomeError(w.issues)
	}
	// the structure is sound: copy into Go types and check what the
	// structure cannot say, reporting everything together
	r := resourceFactories[doc.member(&doc.root, "resourceType").text]()
	if err := fillResource(doc, &doc.root, r); err != nil {
		var oe *OutcomeError
		if errors.As(err, &oe) {
			return nil, newOutcomeError(merge(w.issues, oe.Outcome.Issue))
		}
		return nil, err
	}
	if iss := merge(w.issues, invariants(r)); len(iss) > 0 {
		return nil, newOutcomeError(iss)
	}
	return r, nil
}

// Unmarshal is Decode for a known type: it decodes data into a new T and
// fails with ErrInvalid when data holds a resource of another type.
func Unmarshal[T any, PT interface {
	*T
	Resource
}](data []byte) (PT, error) {
	r, err := Decode(data)
	if err != nil {
		return nil, err
	}
	t, ok := r.(PT)
	if !ok {
		want := PT(new(T)).ResourceType()
		return nil, newOutcomeError([]OperationOutcomeIssue{newIssue(IssueStructure, r.ResourceType(), "expected a %s, got a %s", want, r.ResourceType())})
	}
	return t, nil
}

var (
	elementsType = reflect.TypeFor[scheduling.Elements]()
	numberType   = reflect.TypeFor[json.Number]()
)

type fieldInfo struct {
	name  string
	index []int
}

type structInfo struct {
	fields []fieldInfo
	byName map[string]int
	other  []int // index of the Other field
}

var structInfos sync.Map // reflect.Type -> *structInfo

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]int{}}
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous || !f.IsExported() {
			continue
		}
		if f.Type == elementsType && f.Name == "Other" {
			si.other = f.Index
			continue
		}
		name, _, _ := bytes.Cut([]byte(f.Tag.Get("json")), []byte(","))
		if len(name) == 0 || string(name) == "-" {
			continue
		}
		si.byName[string(name)] = len(si.fields)
		si.fields = append(si.fields, fieldInfo{name: string(name), index: f.Index})
	}
	structInfos.Store(t, si)
	return si
}

// fillResource copies the object n of doc into the resource r (see filler).
func fillResource(doc *jdoc, n *jnode, r Resource) error {
	f := filler{doc: doc, path: append(make([]byte, 0, 128), r.ResourceType()...)}
	return f.fill(reflect.ValueOf(r).Elem(), n)
}

// filler copies a JSON tree into Go values. Elements a struct has no field
// for go to its Other field as JSON. The tree should have passed the walker;
// a value of the wrong JSON type still gets an error, never a panic.
// Strings are copied, so the result shares no memory with the tree.
type filler struct {
	doc  *jdoc
	path []byte // the FHIRPath of the value being filled
}

func (f *filler) fail(code, format string, args ...any) error {
	return newOutcomeError([]OperationOutcomeIssue{newIssue(code, string(f.path), format, args...)})
}

func (f *filler) fill(v reflect.Value, n *jnode) error {
	switch v.Kind() {
	case reflect.Struct:
		if n.kind != jObject {
			return f.fail(IssueStructure, "a JSON object is needed here")
		}
		si := infoOf(v.Type())
		kids := f.doc.children(n)
		for i := range kids {
			k := &kids[i]
			if k.key == "resourceType" {
				continue
			}
			mark := len(f.path)
			f.path = append(append(f.path, '.'), k.key...)
			if j, ok := si.byName[k.key]; ok {
				if err := f.fill(v.FieldByIndex(si.fields[j].index), k); err != nil {
					return err
				}
			} else {
				if si.other == nil {
					return f.fail(IssueStructure, "element not supported here")
				}
				raw, err := json.Marshal(f.doc.toAny(k))
				if err != nil {
					return fmt.Errorf("%w: %s: %v", ErrInvalid, f.path, err)
				}
				o := v.FieldByIndex(si.other)
				if o.IsNil() {
					o.Set(reflect.MakeMap(elementsType))
				}
				o.Interface().(Elements)[strings.Clone(k.key)] = raw
			}
			f.path = f.path[:mark]
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := f.fill(p.Elem(), n); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Slice:
		if n.kind != jArray {
			return f.fail(IssueStructure, "a JSON array is needed here")
		}
		items := f.doc.children(n)
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i := range items {
			mark := len(f.path)
			f.path = append(strconv.AppendInt(append(f.path, '['), int64(i), 10), ']')
			if err := f.fill(s.Index(i), &items[i]); err != nil {
				return err
			}
			f.path = f.path[:mark]
		}
		v.Set(s)
	case reflect.Interface:
		var newResource func() Resource
		if rt := f.doc.member(n, "resourceType"); rt != nil && rt.kind == jString {
			newResource = resourceFactories[rt.text]
		}
		if newResource == nil {
			return f.fail(IssueStructure, "a resource of a supported type is needed here")
		}
		r := newResource()
		if err := f.fill(reflect.ValueOf(r).Elem(), n); err != nil {
			return err
		}
		v.Set(reflect.ValueOf(r))
	case reflect.String:
		if n.kind == jString || n.kind == jNumber {
			v.SetString(strings.Clone(n.text))
		}
	case reflect.Bool:
		if n.kind != jBool {
			return f.fail(IssueStructure, "a boolean must be true or false")
		}
		v.SetBool(n.truth)
	case reflect.Int:
		if n.kind != jNumber {
			return f.fail(IssueStructure, "a JSON number is needed here")
		}
		i, err := strconv.ParseInt(n.text, 10, 64)
		if err != nil || int64(int32(i)) != i {
			return f.fail(IssueValue, "integer out of range")
		}
		v.SetInt(i)
	default:
		return fmt.Errorf("%w: %s: unsupported Go kind %s", ErrInvalid, f.path, v.Kind())
	}
	return nil
}

// Marshal encodes r as FHIR R4 JSON: resourceType first, then the elements
// in the order of the Go type, then the elements kept in Other. Empty
// strings, nil pointers, empty slices and objects left without content are
// omitted, so the output never holds null, [] or {}. Marshal does not
// validate; call Validate for that.
func Marshal(r Resource) ([]byte, error) {
	if r == nil || reflect.ValueOf(r).IsNil() {
		return nil, fmt.Errorf("%w: nil resource", ErrInvalid)
	}
	e := encoder{buf: make([]byte, 0, 1024)}
	if err := e.resource(r); err != nil {
		return nil, err
	}
	return e.buf, nil
}

type encoder struct {
	buf []byte
}

func (e *encoder) resource(r Resource) error {
	e.buf = append(e.buf, `{"resourceType":`...)
	e.str(r.ResourceType())
	_, err := e.members(reflect.ValueOf(r).Elem(), true)
	e.buf = append(e.buf, '}')
	return err
}

// members writes the members of struct v (with a leading comma when comma
// is set) and reports whether it wrote any.
func (e *encoder) members(v reflect.Value, comma bool) (bool, error) {
	si := infoOf(v.Type())
	wrote := false
	for _, f := range si.fields {
		mark := len(e.buf)
		if comma || wrote {
			e.buf = append(e.buf, ',')
		}
		e.str(f.name)
		e.buf = append(e.buf, ':')
		ok, err := e.value(v.FieldByIndex(f.index))
		if err != nil {
			return false, fmt.Errorf("%s: %w", f.name, err)
		}
		if !ok {
			e.buf = e.buf[:mark]
			continue
		}
		wrote = true
	}
	if si.other != nil {
		other := v.FieldByIndex(si.other).Interface().(scheduling.Elements)
		keys := make([]string, 0, len(other))
		for k := range other {
			if _, typed := si.byName[k]; !typed {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if comma || wrote {
				e.buf = append(e.buf, ',')
			}
			e.str(k)
			e.buf = append(e.buf, ':')
			var b bytes.Buffer
			if err := json.Compact(&b, other[k]); err != nil {
				return false, fmt.Errorf("%w: element %s holds malformed JSON: %v", ErrInvalid, k, err)
			}
			e.buf = append(e.buf, b.Bytes()...)
			wrote = true
		}
	}
	return wrote, nil
}

// value writes v and reports whether it wrote something (false for an
// absent or empty value, whose key the caller then drops).
func (e *encoder) value(v reflect.Value) (bool, error) {
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 {
			return false, nil
		}
		if v.Type() == numberType {
			e.buf = append(e.buf, v.String()...)
			return true, nil
		}
		e.str(v.String())
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Pointer:
		if v.IsNil() {
			return false, nil
		}
		return e.value(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return false, nil
		}
		r, ok := v.Interface().(Resource)
		if !ok || reflect.ValueOf(r).IsNil() {
			return false, nil
		}
		return true, e.resource(r)
	case reflect.Slice:
		mark := len(e.buf)
		e.buf = append(e.buf, '[')
		n := 0
		for i := range v.Len() {
			m := len(e.buf)
			if n > 0 {
				e.buf = append(e.buf, ',')
			}
			ok, err := e.value(v.Index(i))
			if err != nil {
				return false, fmt.Errorf("[%d]: %w", i, err)
			}
			if !ok {
				e.buf = e.buf[:m]
				continue
			}
			n++
		}
		if n == 0 {
			e.buf = e.buf[:mark]
			return false, nil
		}
		e.buf = append(e.buf, ']')
	case reflect.Struct:
		mark := len(e.buf)
		e.buf = append(e.buf, '{')
		ok, err := e.members(v, false)
		if err != nil || !ok {
			e.buf = e.buf[:mark]
			return false, err
		}
		e.buf = append(e.buf, '}')
	default:
		return false, fmt.Errorf("%w: unsupported Go kind %s", ErrInvalid, v.Kind())
	}
	return true, nil
}

const hexDigits = "0123456789abcdef"

// str appends s as a JSON string.
func (e *encoder) str(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				e.buf = append(e.buf, s[start:i]...)
				e.buf = append(e.buf, `\ufffd`...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		e.buf = append(e.buf, s[start:i]...)
		switch c {
		case '"', '\\':
			e.buf = append(e.buf, '\\', c)
		case '\n':
			e.buf = append(e.buf, `\n`...)
		case '\r':
			e.buf = append(e.buf, `\r`...)
		case '\t':
			e.buf = append(e.buf, `\t`...)
		default:
			e.buf = append(e.buf, `\u00`...)
			e.buf = append(e.buf, hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}
