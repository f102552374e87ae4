package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

func TestMetadata(t *testing.T) {
	f := newFixture(t, true)
	r := f.do("GET", "/metadata", "").want(t, http.StatusOK)
	if r.str("resourceType") != "CapabilityStatement" || r.str("fhirVersion") != "4.0.1" || r.str("kind") != "instance" {
		t.Fatalf("not an R4 instance CapabilityStatement:\n%s", r.body)
	}
	if r.header.Get("Content-Type") != ContentType {
		t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
	}
	body := string(r.body)
	for _, want := range []string{`"type":"Appointment"`, `"name":"find"`, `"name":"hold"`, `"name":"book"`,
		`"name":"findHSP"`, `"Appointment:actor"`, `"SMART-on-FHIR"`, `"name":"part-status"`} {
		if !strings.Contains(body, want) {
			t.Errorf("CapabilityStatement lacks %s", want)
		}
	}
}

// TestMetadataListsWhatIsServed holds the CapabilityStatement to what the
// handler does: every operation with its canonical URL (and each one
// answers at its path), the R4 search parameters standards.md requires per
// resource (and each listed parameter is accepted by a strict search), the
// interactions, and SMART security only when an Authorizer is set.
func TestMetadataListsWhatIsServed(t *testing.T) {
	f := newFixture(t, true)
	r, err := Decode(f.do("GET", "/metadata", "").want(t, http.StatusOK).body)
	if err != nil {
		t.Fatal(err)
	}
	cs := r.(*CapabilityStatement)
	if cs.FHIRVersion != "4.0.1" || len(cs.Rest) != 1 || cs.Rest[0].Mode != "server" {
		t.Fatalf("fhirVersion %q, %d rest entries", cs.FHIRVersion, len(cs.Rest))
	}
	rest := cs.Rest[0]
	for _, want := range []string{"_count", "_include", "_sort", "366 days"} {
		if !strings.Contains(rest.Documentation, want) {
			t.Errorf("rest.documentation does not mention %s: %q", want, rest.Documentation)
		}
	}
	byType := map[string]CapabilityResource{}
	for _, cr := range rest.Resource {
		byType[cr.Type] = cr
	}
	if len(byType) != len(scheduling.ResourceTypes()) {
		t.Errorf("%d resource types listed, %d served", len(byType), len(scheduling.ResourceTypes()))
	}

	operations := []struct{ typ, name, definition, path string }{
		{"Appointment", "find", "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-find", "/Appointment/$find"},
		{"Appointment", "hold", "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-hold", "/Appointment/$hold"},
		{"Appointment", "book", "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-book", "/Appointment/$book"},
		{"Slot", "hold", "http://hl7.at/fhir/TC-FHIR-AG-Scheduling-R5/R5/OperationDefinition/slot-hold", "/Slot/$hold"},
		{"HealthcareService", "findHSP", "http://hl7.at/fhir/TC-FHIR-AG-Scheduling-R5/R5/OperationDefinition/healthcareService-provider-find",
			"/HealthcareService/$findHSP"},
	}
	listedOps := 0
	for _, cr := range rest.Resource {
		listedOps += len(cr.Operation)
	}
	if listedOps != len(operations) || len(rest.Operation) != 0 {
		t.Errorf("%d type operations and %d system operations listed, want %d and 0", listedOps, len(rest.Operation), len(operations))
	}
	for _, op := range operations {
		i := slices.IndexFunc(byType[op.typ].Operation, func(o CapabilityOperation) bool { return o.Name == op.name })
		if i < 0 {
			t.Errorf("%s $%s is not listed", op.typ, op.name)
			continue
		}
		if got := byType[op.typ].Operation[i]; got.Definition != op.definition || got.Documentation == "" {
			t.Errorf("%s $%s: definition %q, documentation %q", op.typ, op.name, got.Definition, got.Documentation)
		}
		// served: an empty request is refused for its content, not its path
		res := f.as(tokAdmin, "POST", op.path, params())
		if res.status != http.StatusBadRequest || res.str("issue.0.code") == IssueNotSupported {
			t.Errorf("POST %s with no parameters: %d %s, want 400 for the missing input", op.path, res.status, res.body)
		}
	}

	// the search parameters of reference/standards.md §1, per type
	required := map[string][]string{
		"Appointment": {"actor", "appointment-type", "based-on", "date", "identifier", "location", "part-status", "patient",
			"practitioner", "reason-code", "service-category", "service-type", "slot", "specialty", "status"},
		"Slot":                {"appointment-type", "identifier", "schedule", "service-category", "service-type", "specialty", "start", "status"},
		"Schedule":            {"active", "actor", "date", "identifier", "service-category", "service-type", "specialty"},
		"AppointmentResponse": {"actor", "appointment", "identifier", "location", "part-status", "patient", "practitioner"},
		"HealthcareService":   {"active", "identifier", "location", "name", "organization", "service-category", "service-type", "specialty"},
		"PractitionerRole":    {"active", "location", "organization", "practitioner", "role", "service", "specialty"},
	}
	probe := map[string]string{"token": "x", "reference": "x", "string": "x", "date": "2026-03-02"}
	for _, typ := range scheduling.ResourceTypes() {
		cr, ok := byType[typ]
		if !ok {
			t.Errorf("%s is served but not listed", typ)
			continue
		}
		var codes []string
		for _, in := range cr.Interaction {
			codes = append(codes, in.Code)
		}
		if !slices.Equal(codes, []string{"read", "vread", "search-type", "create", "update"}) || cr.ReadHistory == nil || *cr.ReadHistory {
			t.Errorf("%s: interactions %v, readHistory %v", typ, codes, cr.ReadHistory)
		}
		listed := map[string]CapabilitySearchParam{}
		for _, sp := range cr.SearchParam {
			listed[sp.Name] = sp
		}
		for _, name := range append(required[typ], "_id", "_lastUpdated") {
			if _, ok := listed[name]; !ok {
				t.Errorf("%s search parameter %s is not listed", typ, name)
			}
		}
		for name, sp := range listed {
			if !strings.HasPrefix(sp.Definition, "http://hl7.org/fhir/SearchParameter/") || probe[sp.Type] == "" {
				t.Errorf("%s %s: definition %q, type %q", typ, name, sp.Definition, sp.Type)
				continue
			}
			if sp.Type == "reference" && !slices.Contains(cr.SearchInclude, typ+":"+name) {
				t.Errorf("%s %s: reference parameter without _include %s:%s", typ, name, typ, name)
			}
			v := probe[sp.Type]
			if typ == "Slot" && name == "schedule" {
				v = "sched-dr-a" // a Slot search by schedule computes free slots: it needs a real one
			}
			if res := f.as(tokAdmin, "GET", "/"+typ+"?"+name+"="+v, "", "Prefer: handling=strict"); res.status != http.StatusOK {
				t.Errorf("%s?%s=%s is listed but refused: %d %s", typ, name, v, res.status, res.body)
			}
		}
	}
	for _, bad := range []struct{ method, path string }{{"DELETE", "/Patient/pat-a"}, {"GET", "/Patient/pat-a/_history"}} {
		if res := f.as(tokAdmin, bad.method, bad.path, ""); res.status < 400 {
			t.Errorf("%s %s is not listed but answered %d", bad.method, bad.path, res.status)
		}
	}

	var sec struct {
		Service []struct {
			Coding []struct{ System, Code string }
		}
		Description string
	}
	if err := json.Unmarshal(rest.Other["security"], &sec); err != nil || len(sec.Service) != 1 || len(sec.Service[0].Coding) != 1 ||
		sec.Service[0].Coding[0] != (struct{ System, Code string }{"http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR"}) ||
		sec.Description == "" {
		t.Errorf("rest.security is not SMART on FHIR: %s (%v)", rest.Other["security"], err)
	}
	open := newFixture(t, false).do("GET", "/metadata", "").want(t, http.StatusOK)
	if open.at("rest.0.security") != nil {
		t.Errorf("a handler without an Authorizer claims security: %s", open.body)
	}
}

func TestCreateReadUpdate(t *testing.T) {
	f := newFixture(t, false)
	r := f.do("POST", "/Patient", `{"resourceType":"Patient","name":[{"family":"Gamma","given":["Gina"]}],"gender":"female"}`).
		want(t, http.StatusCreated)
	id := r.str("id")
	if id == "" || r.str("meta.versionId") != "1" {
		t.Fatalf("created Patient has no id or version:\n%s", r.body)
	}
	if loc := r.header.Get("Location"); loc != "http://fhir.test/Patient/"+id+"/_history/1" {
		t.Fatalf("Location %q", loc)
	}
	if r.header.Get("ETag") != `W/"1"` {
		t.Fatalf("ETag %q", r.header.Get("ETag"))
	}

	got := f.do("GET", "/Patient/"+id, "").want(t, http.StatusOK)
	if got.str("name.0.family") != "Gamma" || got.header.Get("ETag") != `W/"1"` || got.header.Get("Last-Modified") == "" {
		t.Fatalf("read:\n%s %v", got.body, got.header)
	}
	f.do("GET", "/Patient/"+id, "", `If-None-Match: W/"1"`).want(t, http.StatusNotModified)

	upd := `{"resourceType":"Patient","id":"` + id + `","name":[{"family":"Gamma-Lee"}]}`
	f.do("PUT", "/Patient/"+id, upd, `If-Match: W/"1"`).want(t, http.StatusOK)
	stale := f.do("PUT", "/Patient/"+id, upd, `If-Match: W/"1"`).want(t, http.StatusPreconditionFailed)
	if !strings.Contains(stale.str("issue.0.diagnostics"), "version 1") {
		t.Fatalf("412 without a helpful message:\n%s", stale.body)
	}
	min := f.do("PUT", "/Patient/"+id, upd, "Prefer: return=minimal").want(t, http.StatusOK)
	if len(min.body) != 0 || min.header.Get("ETag") != `W/"3"` {
		t.Fatalf("return=minimal: %q %v", min.body, min.header)
	}
	oo := f.do("PUT", "/Patient/"+id, upd, "Prefer: return=OperationOutcome").want(t, http.StatusOK)
	if oo.str("resourceType") != "OperationOutcome" {
		t.Fatalf("return=OperationOutcome:\n%s", oo.body)
	}

	// update as create
	c := f.do("PUT", "/Practitioner/dr-new", `{"resourceType":"Practitioner","id":"dr-new","name":[{"family":"Neu"}]}`).
		want(t, http.StatusCreated)
	if c.str("id") != "dr-new" {
		t.Fatalf("update as create kept no id:\n%s", c.body)
	}
	f.do("PUT", "/Practitioner/dr-other", `{"resourceType":"Practitioner","id":"dr-other"}`, `If-Match: W/"4"`).
		want(t, http.StatusPreconditionFailed)
}

func TestErrors(t *testing.T) {
	f := newFixture(t, false)
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
	}{
		{"unknown type", "GET", "/Banana/1", "", nil, http.StatusNotFound},
		{"unknown id", "GET", "/Patient/nope", "", nil, http.StatusNotFound},
		{"unknown path", "GET", "/Patient/1/_history/1", "", nil, http.StatusNotFound},
		{"method", "DELETE", "/Patient/pat-a", "", nil, http.StatusMethodNotAllowed},
		{"malformed JSON", "POST", "/Patient", `{"resourceType":"Patient",`, nil, http.StatusBadRequest},
		{"invalid resource", "POST", "/Appointment", `{"resourceType":"Appointment","status":"bogus","participant":[{"status":"accepted","actor":{"reference":"Patient/pat-a"}}]}`, nil, http.StatusBadRequest},
		{"type mismatch", "POST", "/Patient", `{"resourceType":"Practitioner"}`, nil, http.StatusBadRequest},
		{"id mismatch", "PUT", "/Patient/pat-a", `{"resourceType":"Patient","id":"pat-b"}`, nil, http.StatusBadRequest},
		{"no body", "POST", "/Patient", "", nil, http.StatusBadRequest},
		{"too large", "POST", "/Patient", `{"resourceType":"Patient","name":[{"text":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}]}`, nil, http.StatusRequestEntityTooLarge},
		{"xml accept", "GET", "/Patient/pat-a", "", []string{"Accept: application/fhir+xml"}, http.StatusNotAcceptable},
		{"xml format", "GET", "/Patient/pat-a?_format=xml", "", nil, http.StatusNotAcceptable},
		{"xml body", "POST", "/Patient", `<Patient/>`, []string{"Content-Type: application/fhir+xml"}, http.StatusUnsupportedMediaType},
		{"bad If-Match", "PUT", "/Patient/pat-a", `{"resourceType":"Patient","id":"pat-a"}`, []string{"If-Match: yesterday"}, http.StatusBadRequest},
		{"bad search", "GET", "/Appointment?date=tomorrow", "", nil, http.StatusBadRequest},
		{"strict unknown param", "GET", "/Patient?shoe-size=44", "", []string{"Prefer: handling=strict"}, http.StatusBadRequest},
		{"bad include", "GET", "/Appointment?_include=Patient:link", "", nil, http.StatusBadRequest},
		{"response update", "PUT", "/AppointmentResponse/x", `{"resourceType":"AppointmentResponse","id":"x","appointment":{"reference":"Appointment/a"},"participantStatus":"accepted","actor":{"reference":"Patient/pat-a"}}`, nil, http.StatusNotFound},
		{"created as fulfilled", "POST", "/Appointment", `{"resourceType":"Appointment","status":"fulfilled","start":"2026-03-03T08:00:00Z","end":"2026-03-03T08:30:00Z","participant":[{"status":"accepted","actor":{"reference":"Patient/pat-a"}}]}`, nil, http.StatusUnprocessableEntity},
		{"find without dates", "POST", "/Appointment/$find", params(pRef("practitioner", "Practitioner/dr-a")), nil, http.StatusBadRequest},
		{"hold unknown", "POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/o.zzz")), nil, http.StatusNotFound},
		{"findHSP without service", "POST", "/HealthcareService/$findHSP", params(pString("postal-code", "1010")), nil, http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.do(c.method, c.path, c.body, c.headers...).want(t, c.status)
		})
	}
}

func TestTimeoutAndClassify(t *testing.T) {
	f := newFixture(t, false)
	f.h = NewHandler(f.sched, &HandlerOptions{Timeout: time.Nanosecond, Now: func() time.Time { return *f.clock }})
	f.do("POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd))).
		want(t, http.StatusServiceUnavailable)

	secret := errors.New("pq: password authentication failed for user root at 10.0.0.7")
	cases := []struct {
		err    error
		status int
	}{
		{secret, http.StatusInternalServerError},
		{fmt.Errorf("x: %w", store.ErrNotFound), http.StatusNotFound},
		{fmt.Errorf("x: %w", store.ErrConflict), http.StatusConflict},
		{fmt.Errorf("x: %w", scheduling.ErrInvalidTransition), http.StatusUnprocessableEntity},
		{fmt.Errorf("x: %w", scheduling.ErrHoldExpired), http.StatusUnprocessableEntity},
		{fmt.Errorf("x: %w", scheduling.ErrPatientImmutable), http.StatusUnprocessableEntity},
		{fmt.Errorf("x: %w", scheduling.ErrInvalid), http.StatusBadRequest},
		{fmt.Errorf("x: %w", openslot.ErrUnavailable), http.StatusUnprocessableEntity},
		{&openslot.SlotError{ScheduleID: "s", Err: availability.ErrFull}, http.StatusConflict},
		{&openslot.SlotError{ScheduleID: "s", Err: availability.ErrTooSoon}, http.StatusUnprocessableEntity},
		{fmt.Errorf("x: %w", ErrUnauthorized), http.StatusUnauthorized},
		{fmt.Errorf("x: %w", ErrForbidden), http.StatusForbidden},
		{context.DeadlineExceeded, http.StatusServiceUnavailable},
		{fmt.Errorf("reading the body: %w", os.ErrDeadlineExceeded), http.StatusServiceUnavailable},
	}
	for _, c := range cases {
		status, oo := classify(c.err)
		if status != c.status || len(oo.Issue) != 1 {
			t.Errorf("%v: %d, want %d", c.err, status, c.status)
		}
		if status == http.StatusInternalServerError && strings.Contains(oo.Issue[0].Diagnostics, "password") {
			t.Errorf("a server error leaked its cause: %s", oo.Issue[0].Diagnostics)
		}
	}
}
