package fhir

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// Regression tests for the security review of the handler (issue 7).

// offerFor returns the i-th proposed Appointment $find offers patient with
// practitioner dr, asked with token tok.
func offerFor(t *testing.T, f *fixture, tok, patient, dr string, i int) string {
	t.Helper()
	r := f.as(tok, "POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd),
		pRef("practitioner", "Practitioner/"+dr), pRef("patient-reference", "Patient/"+patient))).want(t, http.StatusOK)
	return r.entries("match")[i]["id"].(string)
}

// freeSlot returns the id of the i-th free slot of a practitioner's
// schedule on the fixture's day.
func freeSlot(t *testing.T, f *fixture, dr string, i int) string {
	t.Helper()
	r := f.as(tokAdmin, "GET", "/Slot?schedule=sched-"+dr+"&start=ge"+findStart+"&start=lt"+findEnd, "").want(t, http.StatusOK)
	for _, e := range r.entries("match") {
		if e["status"] == "free" {
			if i == 0 {
				return e["id"].(string)
			}
			i--
		}
	}
	t.Fatalf("%s has too few free slots:\n%s", dr, r.body)
	return ""
}

// idOf returns the id of the appointment an answer carries: a Bundle's
// first match, Slot/$hold's Parameters (the slot's id), or the resource.
func idOf(r response) string {
	switch r.json["resourceType"] {
	case "Bundle":
		if m := r.entries("match"); len(m) > 0 {
			s, _ := m[0]["id"].(string)
			return s
		}
		return ""
	case "Parameters":
		return r.str("parameter.0.resource.id")
	}
	return r.str("id")
}

// apptBody is an Appointment with a status, 30 minutes from hh:mm UTC on
// the fixture's day, and participants.
func apptBody(status, hhmm string, actors ...string) string {
	start, err := time.Parse(time.RFC3339, "2026-03-03T"+hhmm+":00Z")
	if err != nil {
		panic(err)
	}
	var ps []string
	for _, a := range actors {
		ps = append(ps, `{"actor":{"reference":"`+a+`"},"status":"accepted"}`)
	}
	return `{"resourceType":"Appointment","status":"` + status + `","start":"` + start.Format(time.RFC3339) + `","end":"` +
		start.Add(30*time.Minute).Format(time.RFC3339) + `","participant":[` + strings.Join(ps, ",") + `]}`
}

// TestIdempotencyKeyPerCaller: two callers that send the same
// Idempotency-Key never get each other's result, on every route that
// takes a key; the same caller's retry still gets its first result.
func TestIdempotencyKeyPerCaller(t *testing.T) {
	f := newFixture(t, true)
	// A's requests: a retry names the same offer or slot as the first
	// request (the same key with another request is refused)
	var holdA, bookA, slotA string
	routes := []struct {
		name   string
		status int
		// retry: a second request of A's with the key is a retry.
		retry bool
		// b and a send B's and A's request; each call must use a fresh
		// offer or time.
		b, a func(key string) response
	}{
		{"$hold", http.StatusOK, true,
			func(key string) response {
				return f.as(tokPatientB, "POST", "/Appointment/$hold", params(pRef("appointment-reference",
					"Appointment/"+offerFor(t, f, tokPatientB, "pat-b", "dr-b", 0))), "Idempotency-Key: "+key)
			},
			func(key string) response {
				if holdA == "" {
					holdA = offerFor(t, f, tokPatientA, "pat-a", "dr-a", 0)
				}
				return f.as(tokPatientA, "POST", "/Appointment/$hold", params(pRef("appointment-reference",
					"Appointment/"+holdA)), "Idempotency-Key: "+key)
			}},
		{"$book", http.StatusOK, true,
			func(key string) response {
				return f.as(tokPatientB, "POST", "/Appointment/$book", params(pRef("appointment-reference",
					"Appointment/"+offerFor(t, f, tokPatientB, "pat-b", "dr-b", 1))), "Idempotency-Key: "+key)
			},
			func(key string) response {
				if bookA == "" {
					bookA = offerFor(t, f, tokPatientA, "pat-a", "dr-a", 1)
				}
				return f.as(tokPatientA, "POST", "/Appointment/$book", params(pRef("appointment-reference",
					"Appointment/"+bookA)), "Idempotency-Key: "+key)
			}},
		{"POST booked", http.StatusCreated, true,
			func(key string) response {
				return f.as(tokPatientB, "POST", "/Appointment", apptBody("booked", "10:00", "Patient/pat-b", "Practitioner/dr-b"), "Idempotency-Key: "+key)
			},
			func(key string) response {
				return f.as(tokPatientA, "POST", "/Appointment", apptBody("booked", "10:00", "Patient/pat-a", "Practitioner/dr-a"), "Idempotency-Key: "+key)
			}},
		{"POST pending", http.StatusCreated, true,
			func(key string) response {
				return f.as(tokPatientB, "POST", "/Appointment", apptBody("pending", "10:30", "Patient/pat-b", "Practitioner/dr-b"), "Idempotency-Key: "+key)
			},
			func(key string) response {
				return f.as(tokPatientA, "POST", "/Appointment", apptBody("pending", "10:30", "Patient/pat-a", "Practitioner/dr-a"), "Idempotency-Key: "+key)
			}},
		{"Slot/$hold", http.StatusOK, true,
			func(key string) response {
				return f.as(tokPatientB, "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+freeSlot(t, f, "dr-b", 0))), "Idempotency-Key: "+key)
			},
			func(key string) response {
				if slotA == "" {
					slotA = freeSlot(t, f, "dr-a", 0)
				}
				return f.as(tokPatientA, "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+slotA)), "Idempotency-Key: "+key)
			}},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			key := "shared-" + strings.NewReplacer("$", "", "/", "-", " ", "-").Replace(rt.name)
			b := rt.b(key).want(t, rt.status)
			idB := idOf(b)
			a := rt.a(key).want(t, rt.status)
			if idA := idOf(a); idA == "" || idA == idB {
				t.Fatalf("A's request with B's key answered B's %s:\n%s", idB, a.body)
			}
			if body := string(a.body); strings.Contains(body, idB) || strings.Contains(body, "pat-b") {
				t.Fatalf("B's appointment leaked to A:\n%s", body)
			}
			if !rt.retry {
				return
			}
			// A's retry with its key gets A's first result, changing nothing
			again := rt.a(key).want(t, rt.status)
			if idOf(again) != idOf(a) {
				t.Fatalf("A's retry answered %s, want %s", idOf(again), idOf(a))
			}
		})
	}
}

// TestIdempotencyKeyOutsideCompartment: when the Scheduler answers a key
// with an appointment outside the caller's compartment (a key recorded by
// other means, or a collision), the caller gets 409 and nothing of it.
func TestIdempotencyKeyOutsideCompartment(t *testing.T) {
	f := newFixture(t, true)
	ctx := t.Context()
	// the key patient A's requests carry, as the handler scopes it
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Idempotency-Key", "k")
	scoped := callerKey(req, Grant{Subject: "a", Patient: "pat-a"})
	forB := func(h int) openslot.BookRequest {
		p, d := scheduling.Ref("Patient", "pat-b"), scheduling.Ref("Practitioner", "dr-b")
		start := time.Date(2026, 3, 3, h, 0, 0, 0, time.UTC)
		return openslot.BookRequest{Schedules: []string{"sched-dr-b"}, IdempotencyKey: scoped,
			Appointment: scheduling.Appointment{Start: start, End: start.Add(30 * time.Minute),
				Participant: []scheduling.Participant{{Actor: &p}, {Actor: &d}}}}
	}
	held, err := f.sched.Hold(ctx, forB(8))
	if err != nil {
		t.Fatal(err)
	}
	booked, err := f.sched.Book(ctx, forB(9))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, body, other string
	}{
		{"$hold", "POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offerFor(t, f, tokPatientA, "pat-a", "dr-a", 0))), held.ID},
		{"$book", "POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offerFor(t, f, tokPatientA, "pat-a", "dr-a", 1))), booked.ID},
		{"$book resource", "POST", "/Appointment/$book", params(pResource("appointment", apptBody("proposed", "10:00", "Patient/pat-a", "Practitioner/dr-a"))), booked.ID},
		{"POST pending", "POST", "/Appointment", apptBody("pending", "10:00", "Patient/pat-a", "Practitioner/dr-a"), held.ID},
		{"POST booked", "POST", "/Appointment", apptBody("booked", "10:00", "Patient/pat-a", "Practitioner/dr-a"), booked.ID},
		{"Slot/$hold", "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+freeSlot(t, f, "dr-a", 5))), held.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.as(tokPatientA, c.method, c.path, c.body, "Idempotency-Key: k").want(t, http.StatusConflict)
			if !strings.Contains(r.str("issue.0.diagnostics"), "Idempotency-Key already used") {
				t.Fatalf("diagnostics %q", r.str("issue.0.diagnostics"))
			}
			if body := string(r.body); strings.Contains(body, c.other) || strings.Contains(body, "pat-b") {
				t.Fatalf("B's appointment leaked:\n%s", body)
			}
		})
	}
	// nothing of A's was made on the way
	if n := f.as(tokPatientA, "GET", "/Appointment", "").want(t, http.StatusOK).total(); n != 0 {
		t.Fatalf("A has %d appointments, want 0", n)
	}
}

// TestOfferLikeIDsRefused: a client cannot choose an id shaped like an
// offer id, so it cannot squat the offer $find made for someone else.
func TestOfferLikeIDsRefused(t *testing.T) {
	f := newFixture(t, true)
	offB := offerFor(t, f, tokPatientB, "pat-b", "dr-b", 0)
	squat := strings.Replace(apptBody("proposed", "09:00", "Patient/pat-a", "Practitioner/dr-a"),
		`"resourceType":"Appointment"`, `"resourceType":"Appointment","id":"`+offB+`"`, 1)
	for _, tok := range []string{tokPatientA, tokAdmin} {
		r := f.as(tok, "PUT", "/Appointment/"+offB, squat).want(t, http.StatusBadRequest)
		if ex, _ := r.at("issue.0.expression.0").(string); ex != "Appointment.id" {
			t.Fatalf("%s: expression %q, want Appointment.id:\n%s", tok, ex, r.body)
		}
	}
	r := f.as(tokAdmin, "PUT", "/Practitioner/h.x", `{"resourceType":"Practitioner","id":"h.x"}`).want(t, http.StatusBadRequest)
	if ex, _ := r.at("issue.0.expression.0").(string); ex != "Practitioner.id" {
		t.Fatalf("expression %q, want Practitioner.id", ex)
	}
	f.as(tokAdmin, "GET", "/Practitioner/h.x", "").want(t, http.StatusNotFound)
	// the offer is still B's
	f.as(tokPatientB, "GET", "/Appointment/"+offB, "").want(t, http.StatusOK)
	f.as(tokPatientB, "POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offB))).want(t, http.StatusOK)
	// ids of other shapes are still the client's choice
	f.as(tokAdmin, "PUT", "/Practitioner/o-x", `{"resourceType":"Practitioner","id":"o-x"}`).want(t, http.StatusCreated)
}

// TestConfinedCallerLearnsNoIDs: for a caller confined to patient A,
// another patient's appointment answers exactly like an unknown id, by PUT
// (with and without If-Match) and by an AppointmentResponse to it.
func TestConfinedCallerLearnsNoIDs(t *testing.T) {
	f := newFixture(t, true)
	idB := idOf(f.as(tokPatientB, "POST", "/Appointment/$book", params(pRef("appointment-reference",
		"Appointment/"+offerFor(t, f, tokPatientB, "pat-b", "dr-b", 0)))).want(t, http.StatusOK))
	const unknown = "doesnotexist0"
	put := func(id string, headers ...string) response {
		body := `{"resourceType":"Appointment","id":"` + id + `","status":"proposed","participant":[{"actor":{"reference":"Patient/pat-a"},"status":"accepted"}]}`
		return f.as(tokPatientA, "PUT", "/Appointment/"+id, body, headers...)
	}
	respond := func(id string) response {
		return f.as(tokPatientA, "POST", "/AppointmentResponse", `{"resourceType":"AppointmentResponse","appointment":{"reference":"Appointment/`+id+`"},
		  "actor":{"reference":"Patient/pat-a"},"participantStatus":"declined"}`)
	}
	same := func(what string, other, unk response) {
		t.Helper()
		other.want(t, http.StatusNotFound)
		unk.want(t, http.StatusNotFound)
		norm := func(r response, id string) string { return strings.ReplaceAll(string(r.body), id, "ID") }
		if norm(other, idB) != norm(unk, unknown) {
			t.Fatalf("%s: B's id and an unknown id answer differently:\n%s\n%s", what, other.body, unk.body)
		}
	}
	same("PUT with If-Match", put(idB, `If-Match: W/"1"`), put(unknown, `If-Match: W/"1"`))
	same("PUT", put(idB), put(unknown))
	same("AppointmentResponse", respond(idB), respond(unknown))
	f.as(tokPatientB, "GET", "/Appointment/"+idB, "").want(t, http.StatusOK)
	f.as(tokPatientA, "GET", "/Appointment/"+unknown, "").want(t, http.StatusNotFound)
	// unconfined callers keep 412 and update-as-create
	f.as(tokAdmin, "PUT", "/Appointment/"+unknown, `{"resourceType":"Appointment","id":"`+unknown+`","status":"proposed",
	  "participant":[{"actor":{"reference":"Patient/pat-a"},"status":"accepted"}]}`, `If-Match: W/"1"`).want(t, http.StatusPreconditionFailed)
	// A confined caller still writes its own Patient by PUT
	f.as(tokPatientA, "PUT", "/Patient/pat-a", `{"resourceType":"Patient","id":"pat-a","name":[{"family":"Alpha"}]}`).want(t, http.StatusOK)
}

// TestConfinedAppointmentNamesOwnPatientOnly: a confined caller may not
// create or change an Appointment that names another patient, and the
// refusal names no one.
func TestConfinedAppointmentNamesOwnPatientOnly(t *testing.T) {
	f := newFixture(t, true)
	both := apptBody("booked", "09:00", "Patient/pat-a", "Patient/pat-b", "Practitioner/dr-a")
	refused := func(r response) {
		t.Helper()
		r.want(t, http.StatusForbidden)
		if strings.Contains(string(r.body), "pat-b") {
			t.Fatalf("the refusal names the other patient:\n%s", r.body)
		}
	}
	refused(f.as(tokPatientA, "POST", "/Appointment", both))
	refused(f.as(tokPatientA, "POST", "/Appointment", apptBody("pending", "09:00", "Patient/pat-a", "Patient/pat-b")))
	refused(f.as(tokPatientA, "POST", "/Appointment/$book", params(pResource("appointment", strings.Replace(both, `"booked"`, `"proposed"`, 1)))))
	if n := f.as(tokPatientB, "GET", "/Appointment", "").want(t, http.StatusOK).total(); n != 0 {
		t.Fatalf("B takes part in %d appointments A made, want 0", n)
	}
	// adding B to A's own appointment
	own := f.as(tokPatientA, "POST", "/Appointment", apptBody("booked", "09:00", "Patient/pat-a", "Practitioner/dr-a")).want(t, http.StatusCreated)
	cur := f.as(tokPatientA, "GET", "/Appointment/"+own.str("id"), "").want(t, http.StatusOK)
	added := strings.Replace(string(cur.body), `"participant":[`, `"participant":[{"actor":{"reference":"Patient/pat-b"},"status":"accepted"},`, 1)
	refused(f.as(tokPatientA, "PUT", "/Appointment/"+own.str("id"), added))
	if v := f.as(tokPatientA, "GET", "/Appointment/"+own.str("id"), "").header.Get("ETag"); v != cur.header.Get("ETag") {
		t.Fatalf("a refused update changed the appointment: ETag %s, was %s", v, cur.header.Get("ETag"))
	}
	// the front desk may
	f.as(tokAdmin, "POST", "/Appointment", apptBody("booked", "10:00", "Patient/pat-a", "Patient/pat-b", "Practitioner/dr-a")).want(t, http.StatusCreated)
}

// blockingBody is a request body that sends nothing until it is closed.
type blockingBody struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func newBlockingBody() blockingBody {
	r, w := io.Pipe()
	return blockingBody{r, w}
}

// TestTimeoutBoundsBodyRead: a client that stops sending its body gets an
// answer once the handler's Timeout has passed instead of holding the
// handler forever.
func TestTimeoutBoundsBodyRead(t *testing.T) {
	f := newFixture(t, false)
	srv := httptest.NewServer(NewHandler(f.sched, &HandlerOptions{Timeout: 100 * time.Millisecond}))
	defer srv.Close()
	body := newBlockingBody()
	defer body.w.Close()
	req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/Appointment", body.r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	type answer struct {
		res *http.Response
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := srv.Client().Do(req)
		done <- answer{res, err}
	}()
	var res *http.Response
	select {
	case a := <-done:
		if a.err != nil {
			t.Fatalf("no answer while the body is pending: %v", a.err)
		}
		res = a.res
	case <-time.After(20 * time.Second):
		// far above the Timeout: the handler is still reading. Ending the
		// body lets the client and the server finish.
		body.w.Close()
		t.Fatal("no answer 20s after a 100ms Timeout: reading the body is not bounded")
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(data), `"code":"timeout"`) {
		t.Fatalf("status %d, want 503 with a timeout issue:\n%s", res.StatusCode, data)
	}
}

// A hold staff placed without a patient is not a patient's to take: a
// patient's $book of its slot answers as for an unknown slot, while staff
// book it in place with the patient they name.
func TestStaffHoldWithoutPatient(t *testing.T) {
	f := newFixture(t, true)
	held := f.as(tokAdmin, "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+freeSlot(t, f, "dr-a", 0)))).
		want(t, http.StatusOK)
	slot := held.str("parameter.0.resource.id")
	forPatient := func(p string) string {
		return `{"resourceType":"Appointment","status":"proposed","slot":[{"reference":"Slot/` + slot + `"}],
		  "participant":[{"actor":{"reference":"Patient/` + p + `"},"status":"needs-action"}]}`
	}
	f.as(tokPatientA, "POST", "/Appointment/$book", params(pResource("appointment", forPatient("pat-a")))).
		want(t, http.StatusNotFound)
	b := f.as(tokAdmin, "POST", "/Appointment/$book", params(pResource("appointment", forPatient("pat-b")))).
		want(t, http.StatusOK)
	if b.str("parameter.0.resource.status") != "booked" || !strings.Contains(string(b.body), `"Patient/pat-b"`) ||
		!strings.Contains(string(b.body), `"Practitioner/dr-a"`) {
		t.Fatalf("staff booking the hold for pat-b (keeping the practitioner):\n%s", b.body)
	}
}
