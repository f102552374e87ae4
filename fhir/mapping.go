package fhir

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"strconv"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// conv collects the problems of one mapping to the model, so that every
// problem is reported at once.
type conv struct {
	issues []OperationOutcomeIssue
}

func (c *conv) fail(path, format string, args ...any) {
	c.issues = append(c.issues, newIssue(IssueValue, path, format, args...))
}

func (c *conv) err() error {
	if len(c.issues) == 0 {
		return nil
	}
	return newOutcomeError(c.issues)
}

func (c *conv) time(path, s string) time.Time {
	t, err := parseInstant(path, s)
	if err != nil {
		c.fail(path, "%q is not a FHIR dateTime", s)
	}
	return t
}

func mapSlice[A, B any](in []A, f func(int, A) B) []B {
	if len(in) == 0 {
		return nil
	}
	out := make([]B, len(in))
	for i, a := range in {
		out[i] = f(i, a)
	}
	return out
}

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// --- data types -------------------------------------------------------------

func toCoding(c Coding) scheduling.Coding {
	return scheduling.Coding{System: c.System, Version: c.Version, Code: c.Code, Display: c.Display}
}

func fromCoding(c scheduling.Coding) Coding {
	return Coding{System: c.System, Version: c.Version, Code: c.Code, Display: c.Display}
}

func toConcept(c CodeableConcept) scheduling.CodeableConcept {
	return scheduling.CodeableConcept{Coding: mapSlice(c.Coding, func(_ int, x Coding) scheduling.Coding { return toCoding(x) }), Text: c.Text}
}

func fromConcept(c scheduling.CodeableConcept) CodeableConcept {
	return CodeableConcept{Coding: mapSlice(c.Coding, func(_ int, x scheduling.Coding) Coding { return fromCoding(x) }), Text: c.Text}
}

func toConcepts(cs []CodeableConcept) []scheduling.CodeableConcept {
	return mapSlice(cs, func(_ int, c CodeableConcept) scheduling.CodeableConcept { return toConcept(c) })
}

func fromConcepts(cs []scheduling.CodeableConcept) []CodeableConcept {
	return mapSlice(cs, func(_ int, c scheduling.CodeableConcept) CodeableConcept { return fromConcept(c) })
}

func toConceptPtr(c *CodeableConcept) *scheduling.CodeableConcept {
	if c == nil {
		return nil
	}
	m := toConcept(*c)
	return &m
}

func fromConceptPtr(c *scheduling.CodeableConcept) *CodeableConcept {
	if c == nil {
		return nil
	}
	f := fromConcept(*c)
	return &f
}

// period maps a Period; an end written as a partial date maps to the end
// of the range it covers (see partialEnd).
func (c *conv) period(path string, p Period) scheduling.Period {
	end := c.time(path+".end", p.End)
	if !end.IsZero() {
		end = partialEnd(p.End, end)
	}
	return scheduling.Period{Start: c.time(path+".start", p.Start), End: end}
}

func (c *conv) periodPtr(path string, p *Period) *scheduling.Period {
	if p == nil {
		return nil
	}
	m := c.period(path, *p)
	return &m
}

func fromPeriod(p scheduling.Period) Period {
	return Period{Start: formatInstant(p.Start), End: formatInstant(p.End)}
}

func fromPeriodPtr(p *scheduling.Period) *Period {
	if p == nil {
		return nil
	}
	f := fromPeriod(*p)
	return &f
}

func (c *conv) identifier(path string, id Identifier) scheduling.Identifier {
	return scheduling.Identifier{Use: id.Use, Type: toConceptPtr(id.Type), System: id.System, Value: id.Value,
		Period: c.periodPtr(path+".period", id.Period), Assigner: c.referencePtr(path+".assigner", id.Assigner)}
}

func fromIdentifier(id scheduling.Identifier) Identifier {
	return Identifier{Use: id.Use, Type: fromConceptPtr(id.Type), System: id.System, Value: id.Value,
		Period: fromPeriodPtr(id.Period), Assigner: fromReferencePtr(id.Assigner)}
}

func (c *conv) identifiers(path string, ids []Identifier) []scheduling.Identifier {
	return mapSlice(ids, func(i int, id Identifier) scheduling.Identifier { return c.identifier(idx(path, i), id) })
}

func fromIdentifiers(ids []scheduling.Identifier) []Identifier {
	return mapSlice(ids, func(_ int, id scheduling.Identifier) Identifier { return fromIdentifier(id) })
}

func (c *conv) reference(path string, r Reference) scheduling.Reference {
	m := scheduling.Reference{Reference: r.Reference, Type: r.Type, Display: r.Display}
	if r.Identifier != nil {
		id := c.identifier(path+".identifier", *r.Identifier)
		m.Identifier = &id
	}
	return m
}

func (c *conv) referencePtr(path string, r *Reference) *scheduling.Reference {
	if r == nil {
		return nil
	}
	m := c.reference(path, *r)
	return &m
}

func (c *conv) references(path string, rs []Reference) []scheduling.Reference {
	return mapSlice(rs, func(i int, r Reference) scheduling.Reference { return c.reference(idx(path, i), r) })
}

func fromReference(r scheduling.Reference) Reference {
	f := Reference{Reference: r.Reference, Type: r.Type, Display: r.Display}
	if r.Identifier != nil {
		id := fromIdentifier(*r.Identifier)
		f.Identifier = &id
	}
	return f
}

func fromReferencePtr(r *scheduling.Reference) *Reference {
	if r == nil {
		return nil
	}
	f := fromReference(*r)
	return &f
}

func fromReferences(rs []scheduling.Reference) []Reference {
	return mapSlice(rs, func(_ int, r scheduling.Reference) Reference { return fromReference(r) })
}

func (c *conv) telecom(path string, ts []ContactPoint) []scheduling.ContactPoint {
	return mapSlice(ts, func(i int, t ContactPoint) scheduling.ContactPoint {
		m := scheduling.ContactPoint{System: t.System, Value: t.Value, Use: t.Use,
			Period: c.periodPtr(idx(path, i)+".period", t.Period)}
		if t.Rank != nil {
			m.Rank = *t.Rank
		}
		return m
	})
}

func fromTelecom(ts []scheduling.ContactPoint) []ContactPoint {
	return mapSlice(ts, func(_ int, t scheduling.ContactPoint) ContactPoint {
		f := ContactPoint{System: t.System, Value: t.Value, Use: t.Use, Period: fromPeriodPtr(t.Period)}
		if t.Rank != 0 {
			f.Rank = &t.Rank
		}
		return f
	})
}

func (c *conv) address(path string, a Address) scheduling.Address {
	return scheduling.Address{Use: a.Use, Type: a.Type, Text: a.Text, Line: a.Line, City: a.City,
		District: a.District, State: a.State, PostalCode: a.PostalCode, Country: a.Country,
		Period: c.periodPtr(path+".period", a.Period)}
}

func fromAddress(a scheduling.Address) Address {
	return Address{Use: a.Use, Type: a.Type, Text: a.Text, Line: a.Line, City: a.City,
		District: a.District, State: a.State, PostalCode: a.PostalCode, Country: a.Country,
		Period: fromPeriodPtr(a.Period)}
}

func (c *conv) addresses(path string, as []Address) []scheduling.Address {
	return mapSlice(as, func(i int, a Address) scheduling.Address { return c.address(idx(path, i), a) })
}

func fromAddresses(as []scheduling.Address) []Address {
	return mapSlice(as, func(_ int, a scheduling.Address) Address { return fromAddress(a) })
}

func (c *conv) names(path string, ns []HumanName) []scheduling.HumanName {
	return mapSlice(ns, func(i int, n HumanName) scheduling.HumanName {
		return scheduling.HumanName{Use: n.Use, Text: n.Text, Family: n.Family, Given: n.Given,
			Prefix: n.Prefix, Suffix: n.Suffix, Period: c.periodPtr(idx(path, i)+".period", n.Period)}
	})
}

func fromNames(ns []scheduling.HumanName) []HumanName {
	return mapSlice(ns, func(_ int, n scheduling.HumanName) HumanName {
		return HumanName{Use: n.Use, Text: n.Text, Family: n.Family, Given: n.Given,
			Prefix: n.Prefix, Suffix: n.Suffix, Period: fromPeriodPtr(n.Period)}
	})
}

// timeOfDay maps an R4 time. The model holds whole seconds: a fraction
// ("08:00:00.000", allowed by R4) is dropped, and the mapping keeps the
// original for the way back (see mapper).
func (c *conv) timeOfDay(path, s string) scheduling.TimeOfDay {
	if s == "" {
		return 0
	}
	whole := s
	if len(s) > 9 && s[8] == '.' && allDigits(s[9:]) {
		whole = s[:8]
	}
	t, err := scheduling.ParseTimeOfDay(whole)
	if err != nil {
		c.fail(path, "%q is not a FHIR time (HH:MM:SS)", s)
	}
	return t
}

// fmtTimeOfDay formats t as an R4 time. R4 has no 24:00; the model's
// end-of-day 24:00 is written as 00:00:00, which the model reads the same
// way for an end time (an end at or before the start ends the next day).
func fmtTimeOfDay(t scheduling.TimeOfDay) string {
	if t >= 24*3600 {
		t -= 24 * 3600
	}
	return t.String()
}

func (c *conv) days(path string, ds []string) []scheduling.DayOfWeek {
	return mapSlice(ds, func(i int, d string) scheduling.DayOfWeek {
		day, err := scheduling.ParseDayOfWeek(d)
		if err != nil {
			c.fail(idx(path, i), "%q is not a day of the week (mon..sun)", d)
		}
		return day
	})
}

func fromDays(ds []scheduling.DayOfWeek) []string {
	return mapSlice(ds, func(_ int, d scheduling.DayOfWeek) string { return string(d) })
}

func (c *conv) availableTimes(path string, ats []AvailableTime) []scheduling.AvailableTime {
	return mapSlice(ats, func(i int, a AvailableTime) scheduling.AvailableTime {
		p := idx(path, i)
		return scheduling.AvailableTime{DaysOfWeek: c.days(p+".daysOfWeek", a.DaysOfWeek),
			AllDay: a.AllDay != nil && *a.AllDay,
			Start:  c.timeOfDay(p+".availableStartTime", a.AvailableStartTime), StartSet: a.AvailableStartTime != "",
			End: c.timeOfDay(p+".availableEndTime", a.AvailableEndTime), EndSet: a.AvailableEndTime != ""}
	})
}

func fromAvailableTimes(ats []scheduling.AvailableTime) []AvailableTime {
	return mapSlice(ats, func(_ int, a scheduling.AvailableTime) AvailableTime {
		f := AvailableTime{DaysOfWeek: fromDays(a.DaysOfWeek)}
		if a.AllDay {
			f.AllDay = &a.AllDay
		}
		if a.StartSet {
			f.AvailableStartTime = fmtTimeOfDay(a.Start)
		}
		if a.EndSet {
			f.AvailableEndTime = fmtTimeOfDay(a.End)
		}
		return f
	})
}

func (c *conv) notAvailable(path string, nas []NotAvailable) []scheduling.NotAvailable {
	return mapSlice(nas, func(i int, n NotAvailable) scheduling.NotAvailable {
		m := scheduling.NotAvailable{Description: n.Description}
		if n.During != nil {
			m.During = c.period(idx(path, i)+".during", *n.During)
		}
		return m
	})
}

func fromNotAvailable(nas []scheduling.NotAvailable) []NotAvailable {
	return mapSlice(nas, func(_ int, n scheduling.NotAvailable) NotAvailable {
		f := NotAvailable{Description: n.Description}
		if !n.During.IsZero() {
			p := fromPeriod(n.During)
			f.During = &p
		}
		return f
	})
}

// --- resource frame: id, meta, extensions, unmapped elements --------------

func (c *conv) meta(path, id string, m *Meta) (scheduling.Meta, json.RawMessage) {
	out := scheduling.Meta{ID: id}
	if m == nil {
		return out, nil
	}
	if m.VersionID != "" {
		if v, err := strconv.ParseInt(m.VersionID, 10, 64); err == nil && v > 0 {
			out.Version = v
		}
	}
	out.LastUpdated = c.time(path+".meta.lastUpdated", m.LastUpdated)
	if sameJSON(reflect.ValueOf(m), reflect.ValueOf(fromMeta(out, nil))) {
		return out, nil
	}
	return out, mustMarshalValue(reflect.ValueOf(m))
}

// fromMeta builds Resource.meta from the model's version and last-updated
// time and the original meta kept in Unmapped["meta"] (tags, profiles,
// security labels, source). The kept versionId and lastUpdated strings are
// used when they still say what the model says.
func fromMeta(m scheduling.Meta, kept json.RawMessage) *Meta {
	var f Meta
	if len(kept) > 0 && decodeInto(kept, reflect.ValueOf(&f).Elem(), "meta") != nil {
		f = Meta{}
	}
	if v, err := strconv.ParseInt(f.VersionID, 10, 64); err != nil && f.VersionID != "" && m.Version == 0 {
		// a non-numeric versionId the model cannot hold: keep it
	} else if err != nil || v != m.Version {
		f.VersionID = ""
		if m.Version > 0 {
			f.VersionID = strconv.FormatInt(m.Version, 10)
		}
	}
	if t, _, err := parseDateTime(f.LastUpdated); f.LastUpdated == "" || err != nil || !t.Equal(m.LastUpdated) {
		f.LastUpdated = formatInstant(m.LastUpdated)
	}
	if reflect.ValueOf(f).IsZero() {
		return nil
	}
	return &f
}

func mustMarshalValue(v reflect.Value) []byte {
	e := encoder{}
	if ok, err := e.value(v); !ok || err != nil {
		return nil
	}
	return e.buf
}

// splitExtensions separates the extensions openslot understands (by URL)
// from the others, which the model keeps as JSON.
func splitExtensions(exts []Extension, understood ...string) (known map[string][]Extension, other []scheduling.Extension) {
	known = map[string][]Extension{}
	for _, e := range exts {
		isKnown := false
		for _, u := range understood {
			if e.URL == u {
				known[u] = append(known[u], e)
				isKnown = true
			}
		}
		if !isKnown {
			raw := mustMarshalValue(reflect.ValueOf(e))
			other = append(other, scheduling.Extension{URL: e.URL, JSON: raw})
		}
	}
	return known, other
}

// otherExtensions decodes the model's kept extensions. Malformed ones are
// dropped: they could not be encoded as FHIR.
func otherExtensions(exts []scheduling.Extension) []Extension {
	var out []Extension
	for _, e := range exts {
		var f Extension
		if decodeInto(e.JSON, reflect.ValueOf(&f).Elem(), "extension") != nil {
			continue
		}
		if f.URL == "" {
			f.URL = e.URL
		}
		out = append(out, f)
	}
	return out
}

// decodeInto parses data and copies it into v without validating it
// against R4; path names v in errors.
func decodeInto(data []byte, v reflect.Value, path string) error {
	doc, err := parseJSON(data)
	if err != nil {
		return err
	}
	f := filler{doc: doc, path: []byte(path)}
	return f.fill(v, &doc.root)
}

var jsonNull = json.RawMessage("null")

// mapper ties a FHIR resource type F to its model type M with plain
// (possibly lossy) conversions, and adds what makes the mapping lossless:
// ToModel keeps in Unmapped, under the member name, the original JSON of
// every element the model holds but would write back differently (an
// extension on a coding, fractional zeros of an instant, a partial date,
// the order of extensions), and JSON null for an element the model would
// write but the input lacked. FromModel writes a kept original only while
// the model still holds the same value; once a caller changes the value,
// the model's value wins.
type mapper[F Resource, M any] struct {
	to       func(*conv, F) M
	from     func(M) F
	unmapped func(*M) *scheduling.Elements
}

func (mp mapper[F, M]) toModel(f F) (M, error) {
	var c conv
	m := mp.to(&c, f)
	if err := c.err(); err != nil {
		return m, err
	}
	// what the model writes back for the members F types: Unmapped only
	// adds meta and untyped members, so it is left out
	mb := m
	*mp.unmapped(&mb) = nil
	back := reflect.ValueOf(mp.from(mb)).Elem()
	orig := reflect.ValueOf(f).Elem()
	u := mp.unmapped(&m)
	for _, fi := range infoOf(orig.Type()).fields {
		if fi.name == "meta" || fi.name == "id" {
			continue
		}
		o := orig.FieldByIndex(fi.index)
		if sameJSON(o, back.FieldByIndex(fi.index)) {
			continue
		}
		raw := jsonNull
		if !encodesEmpty(o) {
			if raw = mustMarshalValue(o); raw == nil {
				continue
			}
		}
		if *u == nil {
			*u = scheduling.Elements{}
		}
		(*u)[fi.name] = raw
	}
	return m, nil
}

func (mp mapper[F, M]) fromModel(m M) F {
	f := mp.from(m)
	si := infoOf(reflect.TypeFor[F]().Elem())
	// the kept originals of typed members, decoded (zero for JSON null)
	type shadow struct {
		index []int
		value reflect.Value
	}
	var shadows []shadow
	for k, raw := range *mp.unmapped(&m) {
		j, ok := si.byName[k]
		if !ok || k == "meta" || k == "id" {
			continue
		}
		fi := si.fields[j]
		v := reflect.New(reflect.TypeFor[F]().Elem().FieldByIndex(fi.index).Type).Elem()
		if !bytes.Equal(raw, jsonNull) && decodeInto(raw, v, k) != nil {
			return f
		}
		shadows = append(shadows, shadow{fi.index, v})
	}
	if len(shadows) == 0 {
		return f
	}
	// a kept original applies while it still maps to what the model holds
	cur := reflect.ValueOf(f).Elem()
	cand := reflect.New(cur.Type())
	cand.Elem().Set(cur)
	for _, s := range shadows {
		cand.Elem().FieldByIndex(s.index).Set(s.value)
	}
	var c conv
	mc := mp.to(&c, cand.Interface().(F))
	if c.err() != nil {
		return f
	}
	*mp.unmapped(&mc) = nil
	back := reflect.ValueOf(mp.from(mc)).Elem()
	out := reflect.New(cur.Type())
	out.Elem().Set(cur)
	for _, s := range shadows {
		if sameJSON(back.FieldByIndex(s.index), cur.FieldByIndex(s.index)) {
			out.Elem().FieldByIndex(s.index).Set(s.value)
		}
	}
	return out.Interface().(F)
}

// unmappedOf returns the Unmapped elements that go back into Other: every
// key except those the FHIR type models (which are kept originals, see
// mapper) and "meta".
func unmappedOf(u scheduling.Elements, typed map[string]int) Elements {
	var out Elements
	for k, v := range u {
		if _, ok := typed[k]; ok || k == "meta" {
			continue
		}
		if out == nil {
			out = Elements{}
		}
		out[k] = v
	}
	return out
}

func otherOf[F any](u scheduling.Elements) Elements {
	return unmappedOf(u, infoOf(reflect.TypeFor[F]()).byName)
}

// unmappedFrom copies Other into a fresh Unmapped and adds the kept meta.
func unmappedFrom(other Elements, meta json.RawMessage) scheduling.Elements {
	var u scheduling.Elements
	if len(other) > 0 || meta != nil {
		u = maps.Clone(other)
		if u == nil {
			u = scheduling.Elements{}
		}
		if meta != nil {
			u["meta"] = meta
		}
	}
	return u
}

func ptrIf[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func boolPtr(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}

func errType(want string, r Resource) error {
	return newOutcomeError([]OperationOutcomeIssue{newIssue(IssueNotSupported, r.ResourceType(),
		"cannot map a %s to the model as a %s", r.ResourceType(), want)})
}
