package fhir

import (
	"net/http"
	"strings"
	"testing"
)

// follow sends GET to the Location header of an answer, which names the
// fixture's base.
func follow(t *testing.T, f *fixture, tok string, r response) response {
	t.Helper()
	loc := r.header.Get("Location")
	path, ok := strings.CutPrefix(loc, "http://fhir.test")
	if !ok || !strings.Contains(path, "/_history/") {
		t.Fatalf("Location %q is not a version URL of the fixture's base", loc)
	}
	return f.as(tok, "GET", path, "")
}

// TestVRead: the Location of a create or update-as-create answers with the
// version it names, exactly like a read while that version is current; an
// older version is refused as not kept, a later one as unknown, a vid that
// is not a version number with 400.
func TestVRead(t *testing.T) {
	f := newFixture(t, true)
	created := f.as(tokAdmin, "POST", "/Patient", `{"resourceType":"Patient","name":[{"family":"Gamma"}]}`).
		want(t, http.StatusCreated)
	id := created.str("id")
	v1 := follow(t, f, tokAdmin, created).want(t, http.StatusOK)
	read := f.as(tokAdmin, "GET", "/Patient/"+id, "").want(t, http.StatusOK)
	if string(v1.body) != string(read.body) || v1.header.Get("ETag") != `W/"1"` ||
		v1.header.Get("Last-Modified") != read.header.Get("Last-Modified") || v1.header.Get("Content-Type") != ContentType {
		t.Fatalf("vread of the current version is not the read:\n%s %v\n%s %v", v1.body, v1.header, read.body, read.header)
	}
	f.as(tokAdmin, "GET", "/Patient/"+id+"/_history/1", "", `If-None-Match: W/"1"`).want(t, http.StatusNotModified)

	// each kind of create answers a Location that can be followed
	appt := f.as(tokAdmin, "POST", "/Appointment", apptBody("booked", "08:00", "Patient/pat-a", "Practitioner/dr-a")).
		want(t, http.StatusCreated)
	if got := follow(t, f, tokAdmin, appt).want(t, http.StatusOK); got.str("id") != appt.str("id") || got.str("status") != "booked" {
		t.Fatalf("vread of a created Appointment:\n%s", got.body)
	}
	putCreated := f.as(tokAdmin, "PUT", "/Practitioner/dr-new", `{"resourceType":"Practitioner","id":"dr-new"}`).
		want(t, http.StatusCreated)
	follow(t, f, tokAdmin, putCreated).want(t, http.StatusOK)

	f.as(tokAdmin, "PUT", "/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","name":[{"family":"Gamma-Lee"}]}`).
		want(t, http.StatusOK)
	v2 := f.as(tokAdmin, "GET", "/Patient/"+id+"/_history/2", "").want(t, http.StatusOK)
	if v2.str("name.0.family") != "Gamma-Lee" || v2.header.Get("ETag") != `W/"2"` {
		t.Fatalf("vread of version 2:\n%s %v", v2.body, v2.header)
	}
	old := f.as(tokAdmin, "GET", "/Patient/"+id+"/_history/1", "").want(t, http.StatusNotFound)
	if d := old.str("issue.0.diagnostics"); !strings.Contains(d, "only the current version") || old.str("issue.0.code") != IssueNotFound {
		t.Fatalf("an older version is not refused as not kept:\n%s", old.body)
	}
	if later := f.as(tokAdmin, "GET", "/Patient/"+id+"/_history/3", "").want(t, http.StatusNotFound); strings.Contains(string(later.body), "current") {
		t.Fatalf("a version not made yet is refused as an old one:\n%s", later.body)
	}
	f.as(tokAdmin, "GET", "/Patient/"+id+"/_history/99999999999999999999", "").want(t, http.StatusNotFound)
	for _, vid := range []string{"0", "-1", "+2", "02", "1.0", "abc", "W%2F%222%22"} {
		if r := f.as(tokAdmin, "GET", "/Patient/"+id+"/_history/"+vid, "").want(t, http.StatusBadRequest); r.str("issue.0.code") != IssueInvalid {
			t.Errorf("vid %s: %s", vid, r.body)
		}
	}

	// unknown ids and types answer as read does; no token is 401 as for read
	unknownRead := f.as(tokAdmin, "GET", "/Patient/nope", "").want(t, http.StatusNotFound)
	if r := f.as(tokAdmin, "GET", "/Patient/nope/_history/1", "").want(t, http.StatusNotFound); string(r.body) != string(unknownRead.body) {
		t.Fatalf("unknown id: vread %s, read %s", r.body, unknownRead.body)
	}
	f.as(tokAdmin, "GET", "/Banana/1/_history/1", "").want(t, http.StatusNotFound)
	f.do("GET", "/Patient/"+id+"/_history/2", "").want(t, http.StatusUnauthorized)
	f.as(tokReader, "GET", "/Patient/"+id+"/_history/2", "").want(t, http.StatusOK)
	// instance history stays unserved
	f.as(tokAdmin, "GET", "/Patient/"+id+"/_history", "").want(t, http.StatusNotFound)
}

// TestVReadConfined: a caller confined to a patient compartment learns by
// vread exactly what it learns by read: for another patient's resource,
// whatever the version, the answer of an unknown id.
func TestVReadConfined(t *testing.T) {
	f := newFixture(t, true)
	f.as(tokAdmin, "PUT", "/Patient/pat-b", `{"resourceType":"Patient","id":"pat-b","name":[{"family":"Beta-Two"}]}`).
		want(t, http.StatusOK) // version 2
	idB := idOf(f.as(tokPatientB, "POST", "/Appointment/$book", params(pRef("appointment-reference",
		"Appointment/"+offerFor(t, f, tokPatientB, "pat-b", "dr-b", 0)))).want(t, http.StatusOK))
	vB := strings.Trim(strings.TrimPrefix(f.as(tokPatientB, "GET", "/Appointment/"+idB, "").want(t, http.StatusOK).header.Get("ETag"), "W/"), `"`)
	f.as(tokPatientB, "GET", "/Appointment/"+idB+"/_history/"+vB, "").want(t, http.StatusOK)
	f.as(tokPatientB, "GET", "/Patient/pat-b/_history/2", "").want(t, http.StatusOK)

	const unknown = "doesnotexist0"
	norm := func(r response, id string) string { return strings.ReplaceAll(string(r.body), id, "ID") }
	for _, c := range []struct{ typ, id string }{{"Patient", "pat-b"}, {"Appointment", idB}} {
		read := f.as(tokPatientA, "GET", "/"+c.typ+"/"+c.id, "").want(t, http.StatusNotFound)
		unk := f.as(tokPatientA, "GET", "/"+c.typ+"/"+unknown, "").want(t, http.StatusNotFound)
		for _, vid := range []string{"1", "2", "3"} {
			got := f.as(tokPatientA, "GET", "/"+c.typ+"/"+c.id+"/_history/"+vid, "").want(t, http.StatusNotFound)
			if string(got.body) != string(read.body) || norm(got, c.id) != norm(unk, unknown) {
				t.Errorf("%s/%s version %s: A learns more by vread than by read:\n%s\n%s", c.typ, c.id, vid, got.body, read.body)
			}
		}
	}
}

// TestMethodNotAllowed: every 405 carries an Allow header with the methods
// the path takes, and each of those methods is routed (answers something
// other than 405); an operation that takes only POST answers GET with 405.
func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t, false)
	cases := []struct{ method, path, allow string }{
		{"DELETE", "/Patient/pat-a", "GET, HEAD, PUT"},
		{"PATCH", "/Patient/pat-a", "GET, HEAD, PUT"},
		{"DELETE", "/Patient", "GET, HEAD, POST"},
		{"PUT", "/Patient", "GET, HEAD, POST"},
		{"DELETE", "/Patient/_search", "POST"},
		{"DELETE", "/Patient/pat-a/_history/1", "GET, HEAD"},
		{"PUT", "/Patient/pat-a/_history/1", "GET, HEAD"},
		{"POST", "/Patient/pat-a/_history/1", "GET, HEAD"},
		{"DELETE", "/metadata", "GET, HEAD"},
		{"POST", "/metadata", "GET, HEAD"},
		{"GET", "/Appointment/$hold", "POST"},
		{"HEAD", "/Appointment/$hold", "POST"},
		{"PUT", "/Appointment/$hold", "POST"},
		{"DELETE", "/Appointment/$hold", "POST"},
		{"GET", "/Appointment/$book", "POST"},
		{"GET", "/Slot/$hold", "POST"},
		{"PUT", "/Appointment/$find", "GET, HEAD, POST"},
		{"DELETE", "/HealthcareService/$findHSP", "GET, HEAD, POST"},
	}
	for _, c := range cases {
		r := f.do(c.method, c.path, "").want(t, http.StatusMethodNotAllowed)
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		for _, m := range strings.Split(c.allow, ", ") {
			if res := f.do(m, c.path, ""); res.status == http.StatusMethodNotAllowed {
				t.Errorf("%s %s is in Allow but answers 405", m, c.path)
			}
		}
	}
	// a type that is not served is not a resource that refuses a method
	for _, p := range []string{"/Banana", "/Banana/1", "/Banana/1/_history/1"} {
		if r := f.do("DELETE", p, "").want(t, http.StatusNotFound); r.header.Get("Allow") != "" {
			t.Errorf("DELETE %s: Allow %q on a 404", p, r.header.Get("Allow"))
		}
	}
}
