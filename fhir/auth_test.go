package fhir

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSMARTScopes(t *testing.T) {
	read := Access{Needs: []Need{{ResourceType: "Appointment", Mode: ModeRead}}}
	write := Access{Needs: []Need{{ResourceType: "Appointment", Mode: ModeUpdate}}}
	search := Access{Needs: []Need{{ResourceType: "Schedule", Mode: ModeSearch}}}
	cases := []struct {
		name    string
		p       Principal
		access  Access
		want    error
		patient string
	}{
		{"v1 patient read", Principal{Scopes: []string{"patient/Appointment.read"}, Patient: "p1"}, read, nil, "p1"},
		{"v1 patient read cannot write", Principal{Scopes: []string{"patient/Appointment.read"}, Patient: "p1"}, write, ErrForbidden, ""},
		{"v1 user write", Principal{Scopes: []string{"user/Appointment.write"}}, write, nil, ""},
		{"v1 user write cannot read", Principal{Scopes: []string{"user/Appointment.write"}}, read, ErrForbidden, ""},
		{"system wildcard", Principal{Scopes: []string{"system/*.*"}}, search, nil, ""},
		{"v2 rs", Principal{Scopes: []string{"user/Schedule.rs"}}, search, nil, ""},
		{"v2 r is not s", Principal{Scopes: []string{"user/Schedule.r"}}, search, ErrForbidden, ""},
		{"v2 cruds patient", Principal{Scopes: []string{"patient/*.cruds"}, Patient: "p2"}, write, nil, "p2"},
		{"user beats patient", Principal{Scopes: []string{"patient/*.*", "user/Appointment.read"}, Patient: "p3"}, read, nil, ""},
		{"patient scope without patient", Principal{Scopes: []string{"patient/*.read"}}, read, ErrForbidden, ""},
		{"granular scopes grant nothing", Principal{Scopes: []string{"user/Appointment.rs?status=booked"}}, read, ErrForbidden, ""},
		{"non-resource scopes", Principal{Scopes: []string{"openid", "launch", "user/Appointment.bogus"}}, read, ErrForbidden, ""},
		{"metadata is public", Principal{}, Access{Interaction: "capabilities"}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := NewSMARTAuthorizer(func(*http.Request) (Principal, error) { return c.p, nil })
			g, err := a.Authorize(httptest.NewRequest("GET", "/", nil), c.access)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if g.Patient != c.patient {
				t.Fatalf("compartment %q, want %q", g.Patient, c.patient)
			}
		})
	}
}

func TestStaticTokens(t *testing.T) {
	tokens := StaticTokens{"t1": {Subject: "s1"}}
	for _, h := range []string{"", "Basic dXNlcg==", "Bearer", "Bearer nope"} {
		r := httptest.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if _, err := tokens.Principal(r); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%q: err %v, want ErrUnauthorized", h, err)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "bearer t1")
	if p, err := tokens.Principal(r); err != nil || p.Subject != "s1" {
		t.Fatalf("%v %v", p, err)
	}
}

// TestCompartmentMatrix checks every route and operation with a token of
// patient A against the data of patient B: each is refused, or answers as
// if B's data did not exist.
func TestCompartmentMatrix(t *testing.T) {
	f := newFixture(t, true)
	admin := func(method, path, body string, status int) response {
		t.Helper()
		return f.as(tokAdmin, method, path, body).want(t, status)
	}
	// B's booking, A's booking, a proposal for both, a hold for B
	bookFor := func(patient, start, end, dr string) string {
		body := `{"resourceType":"Appointment","status":"booked","start":"` + start + `","end":"` + end + `",
		  "participant":[{"actor":{"reference":"Patient/` + patient + `"},"status":"accepted"},{"actor":{"reference":"Practitioner/` + dr + `"},"status":"accepted"}]}`
		return admin("POST", "/Appointment", body, http.StatusCreated).str("id")
	}
	apptB := bookFor("pat-b", "2026-03-03T08:00:00Z", "2026-03-03T08:30:00Z", "dr-a")
	apptA := bookFor("pat-a", "2026-03-03T09:00:00Z", "2026-03-03T09:30:00Z", "dr-a")
	group := admin("POST", "/Appointment", `{"resourceType":"Appointment","status":"proposed",
	  "participant":[{"actor":{"reference":"Patient/pat-a"},"status":"needs-action"},{"actor":{"reference":"Patient/pat-b"},"status":"needs-action"}]}`,
		http.StatusCreated).str("id")
	offerB := admin("POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd),
		pRef("practitioner", "Practitioner/dr-b"), pRef("patient-reference", "Patient/pat-b")), http.StatusOK).entries("match")[0]["id"].(string)
	slots := admin("GET", "/Slot?schedule=sched-dr-b&start=ge"+findStart+"&start=lt"+findEnd, "", http.StatusOK)
	heldSlotB := admin("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+slots.entries("match")[3]["id"].(string)),
		pRef("patient-reference", "Patient/pat-b")), http.StatusOK).str("parameter.0.resource.id")
	admin("POST", "/AppointmentResponse", `{"resourceType":"AppointmentResponse","appointment":{"reference":"Appointment/`+group+`"},
	  "actor":{"reference":"Patient/pat-b"},"participantStatus":"accepted"}`, http.StatusCreated)

	apptBBody := admin("GET", "/Appointment/"+apptB, "", http.StatusOK).body
	cancelB := strings.Replace(string(apptBBody), `"status":"booked"`, `"status":"cancelled"`, 1)
	patientB := string(admin("GET", "/Patient/pat-b", "", http.StatusOK).body)

	// nothing of B may appear in any answer to A
	noB := func(t *testing.T, r response) {
		t.Helper()
		body := string(r.body)
		if strings.Contains(body, `"id":"`+apptB+`"`) || strings.Contains(body, `"family":"Beta"`) ||
			(strings.Contains(body, `"resourceType":"Patient"`) && strings.Contains(body, `"id":"pat-b"`)) {
			t.Fatalf("patient B's data leaked to A:\n%s", body)
		}
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		check                    func(t *testing.T, r response)
	}{
		{"read B's appointment", "GET", "/Appointment/" + apptB, "", http.StatusNotFound, nil},
		{"read B", "GET", "/Patient/pat-b", "", http.StatusNotFound, nil},
		{"search B's appointments", "GET", "/Appointment?patient=Patient/pat-b", "", http.StatusOK, func(t *testing.T, r response) {
			// only the group appointment A takes part in
			if r.total() != 1 || r.entries("match")[0]["id"] != group {
				t.Fatalf("%s", r.body)
			}
		}},
		{"search all appointments", "GET", "/Appointment", "", http.StatusOK, func(t *testing.T, r response) {
			if r.total() != 2 { // A's booking and the group proposal
				t.Fatalf("total %d:\n%s", r.total(), r.body)
			}
		}},
		{"search by B's id", "GET", "/Appointment?_id=" + apptB, "", http.StatusOK, func(t *testing.T, r response) {
			if r.total() != 0 {
				t.Fatalf("total %d", r.total())
			}
		}},
		{"include patients", "GET", "/Appointment?_include=Appointment:patient&_include=Appointment:actor", "", http.StatusOK, func(t *testing.T, r response) {
			if len(r.entries("include")) == 0 {
				t.Fatalf("A's own patient is not included:\n%s", r.body)
			}
		}},
		{"search patients", "GET", "/Patient", "", http.StatusOK, func(t *testing.T, r response) {
			if r.total() != 1 || r.entries("match")[0]["id"] != "pat-a" {
				t.Fatalf("%s", r.body)
			}
		}},
		{"search B by name", "GET", "/Patient?name=beta", "", http.StatusOK, nil},
		{"search B by id", "GET", "/Patient?_id=pat-b", "", http.StatusOK, func(t *testing.T, r response) {
			if r.total() != 0 {
				t.Fatalf("total %d", r.total())
			}
		}},
		{"B's responses", "GET", "/AppointmentResponse?appointment=" + group, "", http.StatusOK, func(t *testing.T, r response) {
			if r.total() != 0 {
				t.Fatalf("total %d", r.total())
			}
		}},
		{"cancel B's appointment", "PUT", "/Appointment/" + apptB, cancelB, http.StatusNotFound, nil},
		{"update B", "PUT", "/Patient/pat-b", patientB, http.StatusNotFound, nil},
		{"book for B", "POST", "/Appointment", `{"resourceType":"Appointment","status":"booked","start":"2026-03-03T10:00:00Z","end":"2026-03-03T10:30:00Z",
		  "participant":[{"actor":{"reference":"Patient/pat-b"},"status":"accepted"},{"actor":{"reference":"Practitioner/dr-a"},"status":"accepted"}]}`,
			http.StatusForbidden, nil},
		{"answer for B", "POST", "/AppointmentResponse", `{"resourceType":"AppointmentResponse","appointment":{"reference":"Appointment/` + group + `"},
		  "actor":{"reference":"Patient/pat-b"},"participantStatus":"declined"}`, http.StatusForbidden, nil},
		{"write a schedule", "POST", "/Schedule", `{"resourceType":"Schedule","actor":[{"reference":"Practitioner/dr-a"}]}`, http.StatusForbidden, nil},
		{"find for B", "POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd),
			pRef("patient-reference", "Patient/pat-b")), http.StatusForbidden, nil},
		{"hold B's offer", "POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offerB)), http.StatusNotFound, nil},
		{"book B's offer", "POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offerB)), http.StatusNotFound, nil},
		{"book B's appointment", "POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+apptB)), http.StatusNotFound, nil},
		{"cancel B's appointment by $book", "POST", "/Appointment/$book", params(pResource("appointment-resource", cancelB)), http.StatusForbidden, nil},
		{"release B's slot", "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+heldSlotB), pCode("slot-status", "free")), http.StatusNotFound, nil},
		{"book B's held slot", "POST", "/Appointment/$book", params(pResource("appointment", `{"resourceType":"Appointment","status":"proposed",
		  "slot":[{"reference":"Slot/`+heldSlotB+`"}],"participant":[{"actor":{"reference":"Patient/pat-a"},"status":"needs-action"}]}`)), http.StatusNotFound, nil},
		{"hold a slot for B", "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+slots.entries("match")[4]["id"].(string)),
			pRef("patient-reference", "Patient/pat-b")), http.StatusForbidden, nil},
		{"read own appointment", "GET", "/Appointment/" + apptA, "", http.StatusOK, nil},
		{"read the group proposal", "GET", "/Appointment/" + group, "", http.StatusOK, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.as(tokPatientA, c.method, c.path, c.body).want(t, c.status)
			if c.name != "read the group proposal" {
				noB(t, r)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}

	t.Run("no token", func(t *testing.T) {
		r := f.do("GET", "/Appointment/"+apptA, "").want(t, http.StatusUnauthorized)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
		f.as("stolen", "GET", "/Appointment/"+apptA, "").want(t, http.StatusUnauthorized)
		f.do("GET", "/metadata", "").want(t, http.StatusOK)
	})
	t.Run("reader cannot write", func(t *testing.T) {
		f.as(tokReader, "GET", "/Appointment/"+apptB, "").want(t, http.StatusOK)
		f.as(tokReader, "PUT", "/Appointment/"+apptB, cancelB).want(t, http.StatusForbidden)
		f.as(tokReader, "POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offerB))).
			want(t, http.StatusForbidden)
	})
	t.Run("patient B sees own", func(t *testing.T) {
		f.as(tokPatientB, "GET", "/Appointment/"+apptB, "").want(t, http.StatusOK)
		f.as(tokPatientB, "GET", "/Appointment/"+apptA, "").want(t, http.StatusNotFound)
		f.as(tokPatientB, "POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offerB))).
			want(t, http.StatusOK)
	})
}
