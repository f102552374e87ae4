package fhir

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// fixtureNow is a Monday morning in Vienna.
var fixtureNow = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// Tokens of the fixture's static token table.
const (
	tokAdmin    = "admin-token"
	tokPatientA = "patient-a-token"
	tokPatientB = "patient-b-token"
	tokReader   = "reader-token"
)

type fixture struct {
	t     testing.TB
	sched *openslot.Scheduler
	h     http.Handler
	clock *time.Time
}

// newFixture returns a handler over a memstore with a small practice: one
// organization, one location, two practitioners with 30-minute schedules
// Monday to Friday 09:00-12:00 Europe/Vienna, and patients pat-a and
// pat-b. With secure, a SMARTAuthorizer over a static token table guards
// it.
func newFixture(t testing.TB, secure bool) *fixture {
	t.Helper()
	return newFixtureOn(t, secure, func(clock func() time.Time) store.Store { return memstore.New(&memstore.Options{Now: clock}) })
}

// newFixtureOn is newFixture over the store newStore returns.
func newFixtureOn(t testing.TB, secure bool, newStore func(clock func() time.Time) store.Store) *fixture {
	t.Helper()
	now := fixtureNow
	f := &fixture{t: t, clock: &now}
	clock := func() time.Time { return *f.clock }
	f.sched = openslot.New(newStore(clock), &openslot.Options{Now: clock, HoldTTL: 5 * time.Minute})
	opts := &HandlerOptions{Now: clock}
	if secure {
		opts.Authorizer = NewSMARTAuthorizer(StaticTokens{
			tokAdmin:    {Subject: "admin", Scopes: []string{"system/*.*"}},
			tokPatientA: {Subject: "a", Patient: "pat-a", Scopes: []string{"patient/*.*", "launch/patient"}},
			tokPatientB: {Subject: "b", Patient: "pat-b", Scopes: []string{"patient/*.cruds"}},
			tokReader:   {Subject: "reader", Scopes: []string{"user/*.read"}},
		}.Principal)
	}
	f.h = NewHandler(f.sched, opts)
	f.seed()
	return f
}

func (f *fixture) seed() {
	f.t.Helper()
	ctx := f.t.Context()
	active := true
	org := scheduling.Ref("Organization", "org-1")
	loc := scheduling.Ref("Location", "loc-1")
	svc := scheduling.Concept("http://snomed.info/sct", "394814009", "General practice")
	weekdays := scheduling.AvailabilityRule{RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
		StartDate: scheduling.Date{Year: 2026, Month: 1, Day: 5}, Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(12, 0, 0)}
	rs := []scheduling.Resource{
		&scheduling.Organization{Meta: scheduling.Meta{ID: "org-1"}, Active: &active, Name: "Praxis Mitte"},
		&scheduling.Location{Meta: scheduling.Meta{ID: "loc-1"}, Status: "active", Name: "Room 1", ManagingOrganization: &org,
			Address: &scheduling.Address{PostalCode: "1010", City: "Wien"}},
		&scheduling.HealthcareService{Meta: scheduling.Meta{ID: "gp"}, Active: &active, ProvidedBy: &org, Name: "General practice",
			Type: []scheduling.CodeableConcept{svc}, Location: []scheduling.Reference{loc}},
		&scheduling.Practitioner{Meta: scheduling.Meta{ID: "dr-a"}, Active: &active, Name: []scheduling.HumanName{{Family: "Adler"}}},
		&scheduling.Practitioner{Meta: scheduling.Meta{ID: "dr-b"}, Active: &active, Name: []scheduling.HumanName{{Family: "Berg"}}},
		&scheduling.PractitionerRole{Meta: scheduling.Meta{ID: "role-a"}, Active: &active, Practitioner: ptr(scheduling.Ref("Practitioner", "dr-a")),
			Organization: &org, HealthcareService: []scheduling.Reference{scheduling.Ref("HealthcareService", "gp")}},
		&scheduling.Patient{Meta: scheduling.Meta{ID: "pat-a"}, Active: &active, Name: []scheduling.HumanName{{Family: "Alpha"}}},
		&scheduling.Patient{Meta: scheduling.Meta{ID: "pat-b"}, Active: &active, Name: []scheduling.HumanName{{Family: "Beta"}}},
		&scheduling.Device{Meta: scheduling.Meta{ID: "xray"}, Status: "active", DeviceName: []scheduling.DeviceName{{Name: "X-ray", Type: "user-friendly-name"}}},
	}
	for _, dr := range []string{"dr-a", "dr-b"} {
		rs = append(rs, &scheduling.Schedule{Meta: scheduling.Meta{ID: "sched-" + dr},
			Actor:        []scheduling.Reference{scheduling.Ref("Practitioner", dr), loc},
			ServiceType:  []scheduling.CodeableConcept{svc},
			Availability: scheduling.Availability{TimeZone: "Europe/Vienna", Rules: []scheduling.AvailabilityRule{weekdays}},
			Policy:       scheduling.SlotPolicy{Duration: 30 * time.Minute}})
	}
	for _, r := range rs {
		if err := f.sched.Create(ctx, r); err != nil {
			f.t.Fatalf("seed %s: %v", r.ResourceType(), err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// do sends a request to the handler; headers are "Name: value" strings.
func (f *fixture) do(method, path, body string, headers ...string) response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://fhir.test"+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if len(res.body) > 0 {
		if err := json.Unmarshal(res.body, &res.json); err != nil {
			f.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, res.body)
		}
		// The shipped R4 schema predates the 4.0.1 technical correction and
		// refuses fhirVersion 4.0.1: CapabilityStatements are checked by
		// Decode (the package's own R4 validation) instead.
		if res.json["resourceType"] == "CapabilityStatement" {
			if _, err := Decode(res.body); err != nil {
				f.t.Fatalf("%s %s: CapabilityStatement is not valid: %v", method, path, err)
			}
		} else if err := schemaCheck(res.body); err != nil {
			f.t.Fatalf("%s %s: answer does not validate against the R4 schema: %v\n%s", method, path, err, res.body)
		}
	}
	return res
}

// as sends a request with a bearer token.
func (f *fixture) as(token, method, path, body string, headers ...string) response {
	f.t.Helper()
	return f.do(method, path, body, append(headers, "Authorization: Bearer "+token)...)
}

// want fails the test unless the answer has the status.
func (r response) want(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d:\n%s", r.status, status, r.body)
	}
	if status >= 400 && r.json["resourceType"] != "OperationOutcome" {
		t.Fatalf("a failure must be an OperationOutcome:\n%s", r.body)
	}
	return r
}

// str returns a string at a path of keys and indexes ("entry.0.resource.id").
func (r response) str(path string) string {
	v := r.at(path)
	s, _ := v.(string)
	return s
}

func (r response) at(path string) any {
	var v any = r.json
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// entries returns the resources of a Bundle's entries with a search mode
// ("" for all).
func (r response) entries(mode string) []map[string]any {
	var out []map[string]any
	es, _ := r.json["entry"].([]any)
	for _, e := range es {
		em := e.(map[string]any)
		if mode != "" {
			s, _ := em["search"].(map[string]any)
			if s == nil || s["mode"] != mode {
				continue
			}
		}
		if res, ok := em["resource"].(map[string]any); ok {
			out = append(out, res)
		}
	}
	return out
}

func (r response) total() int {
	n, _ := r.json["total"].(float64)
	return int(n)
}

// params returns a Parameters body.
func params(ps ...string) string {
	return `{"resourceType":"Parameters","parameter":[` + strings.Join(ps, ",") + `]}`
}

func pString(name, v string) string { return `{"name":"` + name + `","valueString":"` + v + `"}` }
func pRef(name, v string) string {
	return `{"name":"` + name + `","valueReference":{"reference":"` + v + `"}}`
}
func pDateTime(name, v string) string { return `{"name":"` + name + `","valueDateTime":"` + v + `"}` }
func pCode(name, v string) string     { return `{"name":"` + name + `","valueCode":"` + v + `"}` }
func pResource(name, res string) string {
	return `{"name":"` + name + `","resource":` + res + `}`
}
