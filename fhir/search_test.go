package fhir

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

func TestParseDateValue(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		in, prefix, lo, hi string
	}{
		{"2026", "eq", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"ge2026-03", "ge", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"},
		{"lt2026-03-02", "lt", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"},
		{"2026-03-02T09:00", "eq", "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z"},
		{"sa2026-03-02T09:00:00+01:00", "sa", "2026-03-02T08:00:00Z", "2026-03-02T08:00:01Z"},
		{"ap2026-03-02T09:00:00.5Z", "ap", "2026-03-02T09:00:00.5Z", "2026-03-02T09:00:00.6Z"},
	}
	for _, c := range cases {
		dr, err := parseDateValue(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if dr.prefix != c.prefix || !dr.lo.Equal(utc(c.lo)) || !dr.hi.Equal(utc(c.hi)) {
			t.Errorf("%s: %s [%s, %s), want %s [%s, %s)", c.in, dr.prefix, dr.lo, dr.hi, c.prefix, c.lo, c.hi)
		}
	}
	for _, bad := range []string{"", "xx2026", "2026-13", "tomorrow", "2026-03-02T25:00:00Z"} {
		if _, err := parseDateValue(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseSearch(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	parse := func(typ, q string) *searchSpec {
		t.Helper()
		v, err := url.ParseQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := parseSearch(typ, v, now, false)
		if err != nil {
			t.Fatalf("%s?%s: %v", typ, q, err)
		}
		return sp
	}
	sp := parse("Appointment", "patient=pat-a&status=booked,arrived&practitioner=Practitioner/dr-a&service-type=http://snomed.info/sct|394814009&date=ge2026-03-02&date=lt2026-03-09&_count=5&_include=Appointment:actor:Practitioner")
	want := [][]string{
		{"patient=Patient/pat-a"},
		{"practitioner=Practitioner/dr-a"},
		{"service-type=http://snomed.info/sct|394814009"},
		{"status=booked", "status=arrived"},
	}
	got := slices.Clone(sp.query.Terms)
	slices.SortFunc(got, func(a, b []string) int { return compareStrings(a[0], b[0]) })
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("terms %v, want %v", got, want)
	}
	if !sp.query.From.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) || !sp.query.To.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("range [%s, %s)", sp.query.From, sp.query.To)
	}
	if sp.count != 5 || len(sp.includes) != 1 || sp.includes[0] != (include{param: "actor", target: "Practitioner"}) {
		t.Fatalf("count %d includes %v", sp.count, sp.includes)
	}

	sp = parse("Appointment", "practitioner=dr-a&actor:Device=xray&actor:identifier=urn:x|7")
	if !slices.ContainsFunc(sp.query.Terms, func(g []string) bool {
		return slices.Equal(g, []string{"practitioner=Practitioner/dr-a", "practitioner=PractitionerRole/dr-a"})
	}) {
		t.Fatalf("bare id of a two-target parameter: %v", sp.query.Terms)
	}
	if !slices.ContainsFunc(sp.query.Terms, func(g []string) bool { return g[0] == "actor:identifier=urn:x|7" }) ||
		!slices.ContainsFunc(sp.query.Terms, func(g []string) bool { return g[0] == "actor=Device/xray" }) {
		t.Fatalf("modifiers: %v", sp.query.Terms)
	}

	// ne and eb filter
	sp = parse("Appointment", "date=ne2026-03-02&date=eb2026-03-10")
	a := func(start, end string) *scheduling.Appointment {
		s, _ := time.Parse(time.RFC3339, start)
		e, _ := time.Parse(time.RFC3339, end)
		return &scheduling.Appointment{Start: s, End: e}
	}
	if passes(sp.filters, a("2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z")) {
		t.Error("ne let the day through")
	}
	if !passes(sp.filters, a("2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z")) {
		t.Error("ne refused another day")
	}
	if passes(sp.filters, a("2026-03-09T23:50:00Z", "2026-03-10T00:20:00Z")) {
		t.Error("eb let through an appointment that ends after the date")
	}

	// ap widens by a tenth of the distance from now, at least a day
	sp = parse("Slot", "start=ap2026-03-31")
	if !sp.query.From.Equal(time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("ap from %s", sp.query.From)
	}

	// names, sort, lenient unknown parameters
	sp = parse("Patient", "name=Alpha&_sort=-_id&color=blue")
	if sp.query.Terms[0][0] != "name=alpha" || !sp.query.Descending || len(sp.warnings) != 1 {
		t.Fatalf("%+v", sp)
	}
	if sp := parse("Patient", "_count=0"); sp.count != 0 {
		t.Fatalf("_count=0 gave %d", sp.count)
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestParseSearchRefuses(t *testing.T) {
	now := time.Now()
	for _, q := range []string{
		"date=nope", "date:missing=true", "patient=Practitioner/1", "patient:Device=1", "status:not=booked",
		"service-type=http://snomed.info/sct|", "_count=-1", "_count=many", "_include=Appointment:status",
		"_include=Slot:schedule", "_include=Appointment:patient:Device", "_sort=status", "patient=", "patient:Patient=Patient/1",
		"name:contains=x",
	} {
		v, _ := url.ParseQuery(q)
		_, err := parseSearch("Appointment", v, now, false)
		if err == nil && q == "name:contains=x" {
			continue // not a parameter of Appointment: a warning
		}
		if err == nil {
			t.Errorf("%s: accepted", q)
			continue
		}
		if status, _ := classify(err); status != http.StatusBadRequest {
			t.Errorf("%s: status %d", q, status)
		}
	}
	v, _ := url.ParseQuery("color=blue")
	if _, err := parseSearch("Appointment", v, now, true); err == nil {
		t.Error("strict handling accepted an unknown parameter")
	}
}

func TestSearchPagingAndFilters(t *testing.T) {
	f := newFixture(t, false)
	for i := range 5 {
		f.do("POST", "/Patient", `{"resourceType":"Patient","name":[{"family":"Page"}],"identifier":[{"system":"urn:mrn","value":"`+string(rune('a'+i))+`"}]}`).
			want(t, http.StatusCreated)
	}
	r := f.do("GET", "/Patient?name=page&_count=2", "").want(t, http.StatusOK)
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if r.total() != 5 {
			t.Fatalf("total %d", r.total())
		}
		for _, e := range r.entries("match") {
			seen[e["id"].(string)] = true
		}
		next := ""
		for _, l := range r.at("link").([]any) {
			if l.(map[string]any)["relation"] == "next" {
				next = l.(map[string]any)["url"].(string)
			}
		}
		if next == "" {
			break
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		r = f.do("GET", next[len("http://fhir.test"):], "").want(t, http.StatusOK)
	}
	if len(seen) != 5 {
		t.Fatalf("paging saw %d patients", len(seen))
	}
	if r := f.do("GET", "/Patient?identifier=urn:mrn|c", "").want(t, http.StatusOK); r.total() != 1 {
		t.Fatalf("identifier: %d", r.total())
	}
	if r := f.do("GET", "/Patient?name=page&_count=0", "").want(t, http.StatusOK); r.total() != 5 || len(r.entries("")) != 0 {
		t.Fatalf("_count=0:\n%s", r.body)
	}
	if r := f.do("GET", "/Patient?_lastUpdated=ne"+fixtureNow.Format("2006-01-02")+"&_count=2", "").want(t, http.StatusOK); r.total() != 0 {
		t.Fatalf("_lastUpdated ne: %d", r.total())
	}
	// a POSTed form search answers the same
	req := "/Patient/_search"
	w := f.doForm(req, "name=page")
	if w.total() != 5 {
		t.Fatalf("_search: %d", w.total())
	}
	// unknown parameters are reported in the Bundle
	if r := f.do("GET", "/Patient?shoe-size=44", "").want(t, http.StatusOK); len(r.entries("outcome")) != 1 {
		t.Fatalf("no warning:\n%s", r.body)
	}
}

// doForm posts a form-encoded search.
func (f *fixture) doForm(path, form string) response {
	f.t.Helper()
	return f.do("POST", path, form, "Content-Type: application/x-www-form-urlencoded").want(f.t, http.StatusOK)
}

func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{
		"patient=Patient/1&date=ge2026-03-02&_count=5",
		"date=ap2026-03&date=ne2026-03-02T09:00:00Z",
		"actor:identifier=urn:x|1&_include=Appointment:actor:Practitioner&_sort=-date",
		"status=booked,arrived&service-type=http://snomed.info/sct|1",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		for _, typ := range []string{"Appointment", "Slot", "Patient"} {
			sp, err := parseSearch(typ, v, now, false)
			if err != nil {
				if status, _ := classify(err); status != http.StatusBadRequest {
					t.Fatalf("%s?%s: status %d for %v", typ, q, status, err)
				}
				continue
			}
			if sp.count < 0 || sp.count > 1000 {
				t.Fatalf("count %d", sp.count)
			}
			for _, g := range sp.query.Terms {
				if len(g) == 0 {
					t.Fatalf("%s?%s: an empty term group matches nothing", typ, q)
				}
			}
		}
	})
}

func FuzzOfferID(f *testing.F) {
	f.Add([]byte{offerSlot, 0x80, 0x80, 0x80, 0x01, 0x80, 0x0e, 1, 3, 'a', 'b', 'c', 0, 0})
	f.Add(offer{kind: offerAppointment, start: fixtureNow, end: fixtureNow.Add(time.Hour), schedules: []string{"0a1b", "dr-a"},
		patients: []string{"pat-a"}, serviceSchedule: 1, serviceIndex: 2}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := decodeOfferBytes(b)
		if err != nil {
			return
		}
		again, err := decodeOfferBytes(o.encode())
		if err != nil {
			t.Fatalf("re-encoded offer does not decode: %v", err)
		}
		if !again.start.Equal(o.start) || !again.end.Equal(o.end) || !slices.Equal(again.schedules, o.schedules) ||
			!slices.Equal(again.patients, o.patients) || again.serviceSchedule != o.serviceSchedule {
			t.Fatalf("offer changed through encode: %+v vs %+v", o, again)
		}
	})
}
