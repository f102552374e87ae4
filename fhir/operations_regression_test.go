package fhir

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// Regression tests for the review of the operations ($find, $hold, $book,
// Slot/$hold, $findHSP) against IHE ITI Scheduling and HL7 Austria.

// An Idempotency-Key names one request: sent again with another request
// (another offer, slot or body) it is refused with 409, instead of
// answering with what the first request made; and the second request
// changes nothing. The same request again still gets the first result.
func TestIdempotencyKeyReusedWithOtherRequest(t *testing.T) {
	f := newFixture(t, false)
	offers := findOffers(t, f).entries("match")
	o0, o1 := offers[0]["id"].(string), offers[1]["id"].(string)
	s0, s1 := freeSlot(t, f, "dr-b", 0), freeSlot(t, f, "dr-b", 1)
	reused := func(what string, first, again, other response, firstStatus int) {
		t.Helper()
		first.want(t, firstStatus)
		if idOf(again.want(t, firstStatus)) != idOf(first) {
			t.Fatalf("%s: the same request again answered %s, want %s", what, idOf(again), idOf(first))
		}
		other.want(t, http.StatusConflict)
		if !strings.Contains(other.str("issue.0.diagnostics"), "Idempotency-Key already used") ||
			strings.Contains(string(other.body), idOf(first)) {
			t.Fatalf("%s: another request with the key:\n%s", what, other.body)
		}
	}
	hold := func(o string) response {
		return f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+o)), "Idempotency-Key: h")
	}
	reused("$hold", hold(o0), hold(o0), hold(o1), http.StatusOK)
	book := func(o string) response {
		return f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+o)), "Idempotency-Key: b")
	}
	o2 := findOffers(t, f).entries("match")[1]["id"].(string) // o0 is held: [0] is o1
	reused("$book", book(o1), book(o1), book(o2), http.StatusOK)
	slotHold := func(s string) response {
		return f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+s)), "Idempotency-Key: s")
	}
	reused("Slot/$hold", slotHold(s0), slotHold(s0), slotHold(s1), http.StatusOK)
	post := func(hhmm string) response {
		return f.do("POST", "/Appointment", apptBody("booked", hhmm, "Patient/pat-b", "Practitioner/dr-b"), "Idempotency-Key: p")
	}
	reused("POST", post("10:00"), post("10:00"), post("10:30"), http.StatusCreated)
	// a key is one request: the same key on another operation is another request
	f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+o2)), "Idempotency-Key: h").
		want(t, http.StatusConflict)

	// none of the refused requests made anything
	if n := findOffers(t, f).total(); n != 4 {
		t.Fatalf("dr-a has %d free times, want 4 (one held, one booked)", n)
	}
	for _, s := range []string{s1} {
		if st := f.do("GET", "/Slot/"+s, "").want(t, http.StatusOK).str("status"); st != "free" {
			t.Fatalf("Slot/%s is %s after a refused hold", s, st)
		}
	}
	if n := f.do("GET", "/Appointment?actor=Practitioner/dr-b&status=booked", "").want(t, http.StatusOK).total(); n != 1 {
		t.Fatalf("dr-b has %d bookings, want 1", n)
	}
}

// When the Scheduler refuses a key because it made another appointment
// (a key recorded by other means, or a collision), a caller confined to a
// patient learns nothing of that appointment: not even its id.
func TestIdempotencyKeyConflictNamesNoOtherAppointment(t *testing.T) {
	f := newFixture(t, true)
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Idempotency-Key", "k")
	p, d := scheduling.Ref("Patient", "pat-b"), scheduling.Ref("Practitioner", "dr-b")
	start := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	other, err := f.sched.Hold(t.Context(), openslot.BookRequest{Schedules: []string{"sched-dr-b"},
		IdempotencyKey: callerKey(req, Grant{Subject: "a", Patient: "pat-a"}),
		Appointment: scheduling.Appointment{Start: start, End: start.Add(30 * time.Minute),
			Participant: []scheduling.Participant{{Actor: &p}, {Actor: &d}}}})
	if err != nil {
		t.Fatal(err)
	}
	own := f.as(tokPatientA, "POST", "/Appointment", `{"resourceType":"Appointment","status":"proposed",
	  "participant":[{"actor":{"reference":"Patient/pat-a"},"status":"accepted"},{"actor":{"reference":"Practitioner/dr-a"},"status":"needs-action"}]}`).
		want(t, http.StatusCreated).str("id")
	for _, op := range []string{"$hold", "$book"} {
		r := f.as(tokPatientA, "POST", "/Appointment/"+op, params(pRef("appointment-reference", "Appointment/"+own)),
			"Idempotency-Key: k").want(t, http.StatusConflict)
		if strings.Contains(string(r.body), other.ID) {
			t.Fatalf("%s: the answer names another patient's appointment:\n%s", op, r.body)
		}
	}
}

// $find's start and end are a period: an end given as a date includes
// that date, so start and end on the same day ask for that day.
func TestFindEndDateCoversTheDay(t *testing.T) {
	f := newFixture(t, false)
	r := f.do("GET", "/Appointment/$find?start="+tuesday+"&end="+tuesday+"&practitioner=Practitioner/dr-a", "").
		want(t, http.StatusOK)
	if r.total() != 6 {
		t.Fatalf("$find on %s: total %d, want 6:\n%s", tuesday, r.total(), r.body)
	}
	r = f.do("POST", "/Appointment/$find", params(`{"name":"start","valueDate":"`+tuesday+`"}`,
		`{"name":"end","valueDate":"`+tuesday+`"}`, pRef("practitioner", "Practitioner/dr-a"))).want(t, http.StatusOK)
	if r.total() != 6 {
		t.Fatalf("$find with valueDate: total %d, want 6:\n%s", r.total(), r.body)
	}
}

// start, end, _count and _offset of $find take one value (IHE 1..1 and
// 0..1): a second value is refused instead of silently replacing the first.
func TestFindSingleValuedParametersRepeated(t *testing.T) {
	f := newFixture(t, false)
	for _, extra := range []string{pDateTime("start", "2026-03-02T00:00:00Z"), pDateTime("end", "2026-03-05T00:00:00Z"),
		`{"name":"_count","valueInteger":1}`} {
		ps := []string{pDateTime("start", findStart), pDateTime("end", findEnd), `{"name":"_count","valueInteger":2}`, extra}
		f.do("POST", "/Appointment/$find", params(ps...)).want(t, http.StatusBadRequest)
	}
	f.do("GET", "/Appointment/$find?start="+findStart+"&end="+findEnd+"&end=2026-03-05T00:00:00Z", "").
		want(t, http.StatusBadRequest)
}

// organization repeats in $find (IHE 0..*) as alternatives in the order of
// preference, like practitioner and location-reference: it does not keep
// only the last one.
func TestFindOrganizationsAreAlternatives(t *testing.T) {
	f := newFixture(t, false)
	if err := f.sched.Create(t.Context(), &scheduling.Organization{Meta: scheduling.Meta{ID: "org-2"}, Name: "Praxis Nord"}); err != nil {
		t.Fatal(err)
	}
	find := func(orgs ...string) response {
		ps := []string{pDateTime("start", findStart), pDateTime("end", findEnd)}
		for _, o := range orgs {
			ps = append(ps, pRef("organization", "Organization/"+o))
		}
		return f.do("POST", "/Appointment/$find", params(ps...)).want(t, http.StatusOK)
	}
	want := find("org-1").total()
	if want == 0 || find("org-2").total() != 0 {
		t.Fatal("the fixture's organizations do not differ")
	}
	r := find("org-1", "org-2")
	if r.total() != want {
		t.Fatalf("organization org-1 or org-2: total %d, want %d:\n%s", r.total(), want, r.body)
	}
	if next := r.str("link.0.url"); next != "" && strings.Count(next, "organization=") != 2 {
		t.Fatalf("the next link lost an organization: %s", next)
	}
}

// $findHSP takes the parameter names of the HL7 Austria operation
// definition it declares (healthcareService-location,
// healthcareService-zipCodeArea; 0..* each, any of them).
func TestFindHSPAustrianParameterNames(t *testing.T) {
	f := newFixture(t, false)
	gp := pString("healthcareService-type", "http://snomed.info/sct|394814009")
	cases := []struct {
		ps    []string
		total int
	}{
		{[]string{gp, pString("healthcareService-zipCodeArea", "1010")}, 1},
		{[]string{gp, pString("healthcareService-zipCodeArea", "8010")}, 0},
		{[]string{gp, pString("healthcareService-zipCodeArea", "8010"), pString("healthcareService-zipCodeArea", "1010")}, 1},
		{[]string{gp, pRef("healthcareService-location", "Location/loc-1")}, 1},
		{[]string{gp, pRef("healthcareService-location", "Location/elsewhere"), pRef("healthcareService-location", "Location/loc-1")}, 1},
		{[]string{gp, pRef("location", "Location/elsewhere"), pRef("location", "Location/loc-1")}, 1},
	}
	for _, c := range cases {
		r := f.do("POST", "/HealthcareService/$findHSP", params(c.ps...)).want(t, http.StatusOK)
		if r.total() != c.total {
			t.Errorf("%v: total %d, want %d", c.ps[1:], r.total(), c.total)
		}
	}
}

// $hold takes appointment-reference once (IHE 1..1) and nothing else, like
// the other operations refuse what they do not know: nothing is held.
func TestHoldRefusesUnknownAndRepeatedParameters(t *testing.T) {
	f := newFixture(t, false)
	offers := findOffers(t, f).entries("match")
	o0, o1 := offers[0]["id"].(string), offers[1]["id"].(string)
	f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+o0), pString("hold-for", "PT1H"))).
		want(t, http.StatusBadRequest)
	f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+o0),
		pRef("appointment-reference", "Appointment/"+o1))).want(t, http.StatusBadRequest)
	f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+o0),
		pResource("appointment-resource", apptBody("proposed", "10:00", "Patient/pat-a", "Practitioner/dr-a")))).
		want(t, http.StatusBadRequest)
	if n := findOffers(t, f).total(); n != 6 {
		t.Fatalf("%d free times after refused requests, want 6", n)
	}
}

// A patient-resource $book cannot use (no id, or not a Patient) is refused:
// the booking is not made without the patient the client sent.
func TestBookPatientResourceItCannotUse(t *testing.T) {
	f := newFixture(t, false)
	found := f.do("POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd),
		pRef("practitioner", "Practitioner/dr-a"))).want(t, http.StatusOK)
	offer := found.entries("match")[0]["id"].(string)
	for _, res := range []string{`{"resourceType":"Patient","name":[{"family":"New"}]}`, `{"resourceType":"Practitioner","id":"dr-b"}`} {
		f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offer),
			pResource("patient-resource", res))).want(t, http.StatusBadRequest)
	}
	if n := f.do("GET", "/Appointment?actor=Practitioner/dr-a", "").want(t, http.StatusOK).total(); n != 0 {
		t.Fatalf("%d appointments were made without their patient", n)
	}
}

// Slot/$hold answers held-until as the dateTime HL7 Austria defines.
func TestSlotHoldHeldUntilIsDateTime(t *testing.T) {
	f := newFixture(t, false)
	r := f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+freeSlot(t, f, "dr-a", 0)),
		pCode("slot-status", "busy-tentative"))).want(t, http.StatusOK)
	if r.str("parameter.1.name") != "held-until" || r.str("parameter.1.valueDateTime") != "2026-03-02T07:05:00Z" {
		t.Fatalf("held-until:\n%s", r.body)
	}
}

// A slot held by Slot/$hold through the id a Slot search gave it (a
// computed slot) is its holder's: $book of a proposed Appointment naming
// that id books the hold in place, and Slot/$hold with free releases it,
// instead of the hold blocking its own holder.
func TestHeldComputedSlotIsTheHolders(t *testing.T) {
	f := newFixture(t, true)
	book := func(tok, sid, patient string) response {
		return f.as(tok, "POST", "/Appointment/$book", params(pResource("appointment", `{"resourceType":"Appointment","status":"proposed",
		  "slot":[{"reference":"Slot/`+sid+`"}],"participant":[{"actor":{"reference":"Patient/`+patient+`"},"status":"needs-action"}]}`)))
	}
	release := func(tok, sid string) response {
		return f.as(tok, "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+sid), pCode("slot-status", "free")))
	}
	sid := freeSlot(t, f, "dr-a", 0)
	held := f.as(tokPatientA, "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+sid))).want(t, http.StatusOK)
	b := book(tokPatientA, sid, "pat-a").want(t, http.StatusOK)
	if b.str("parameter.0.resource.status") != "booked" {
		t.Fatalf("$book of the held computed slot:\n%s", b.body)
	}
	onSlot := f.as(tokAdmin, "GET", "/Appointment?slot=Slot/"+held.str("parameter.0.resource.id"), "").want(t, http.StatusOK)
	if onSlot.total() != 1 || onSlot.entries("match")[0]["id"] != b.str("parameter.0.resource.id") {
		t.Fatalf("the hold was not booked in place:\n%s", onSlot.body)
	}

	s1 := freeSlot(t, f, "dr-a", 0)
	f.as(tokPatientA, "POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+s1))).want(t, http.StatusOK)
	// another patient neither books nor releases A's hold
	book(tokPatientB, s1, "pat-b").want(t, http.StatusConflict)
	if r := release(tokPatientB, s1); r.status == http.StatusOK {
		t.Fatalf("B released A's hold:\n%s", r.body)
	}
	rel := release(tokPatientA, s1).want(t, http.StatusOK)
	if rel.str("parameter.0.resource.status") != "free" {
		t.Fatalf("release by the computed id:\n%s", rel.body)
	}
	if st := f.as(tokAdmin, "GET", "/Slot/"+s1, "").want(t, http.StatusOK).str("status"); st != "free" {
		t.Fatalf("released computed slot reads %s", st)
	}
}

// A $book that says what the stored appointment already says (a retried
// cancel, with or without its Idempotency-Key) changes nothing: no new
// version, no event.
func TestBookRetriedCancelChangesNothing(t *testing.T) {
	f := newFixture(t, false)
	offer := findOffers(t, f).entries("match")[0]["id"].(string)
	id := idOf(f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offer))).want(t, http.StatusOK))
	cur := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
	cancel := params(pResource("appointment-resource", strings.Replace(string(cur.body), `"status":"booked"`, `"status":"cancelled"`, 1)))
	first := f.do("POST", "/Appointment/$book", cancel, "Idempotency-Key: c").want(t, http.StatusOK)
	events := f.eventCount()
	again := f.do("POST", "/Appointment/$book", cancel, "Idempotency-Key: c").want(t, http.StatusOK)
	if v1, v2 := first.str("entry.0.resource.meta.versionId"), again.str("entry.0.resource.meta.versionId"); v1 != v2 ||
		again.str("entry.0.resource.status") != "cancelled" {
		t.Fatalf("the retried cancel made version %s (first %s):\n%s", v2, v1, again.body)
	}
	if n := f.eventCount(); n != events {
		t.Fatalf("the retried cancel recorded %d events", n-events)
	}
}

// Slot/$hold's slot-identifier values (0..*) must all name the same Slot:
// identifiers of different slots are refused, not resolved to the last.
func TestSlotHoldIdentifiersNameOneSlot(t *testing.T) {
	f := newFixture(t, false)
	for i, v := range []string{"s1", "s2"} {
		start := time.Date(2026, 3, 3, 8+i, 0, 0, 0, time.UTC)
		sl := &scheduling.Slot{Schedule: scheduling.Ref("Schedule", "sched-dr-a"), Status: scheduling.SlotFree,
			Identifier: []scheduling.Identifier{{System: "urn:x", Value: v}}, Start: start, End: start.Add(30 * time.Minute)}
		if err := f.sched.Create(t.Context(), sl); err != nil {
			t.Fatal(err)
		}
	}
	ident := func(v string) string {
		return `{"name":"slot-identifier","valueIdentifier":{"system":"urn:x","value":"` + v + `"}}`
	}
	f.do("POST", "/Slot/$hold", params(ident("s1"), ident("s2"))).want(t, http.StatusBadRequest)
	if n := f.do("GET", "/Appointment?status=pending", "").want(t, http.StatusOK).total(); n != 0 {
		t.Fatalf("%d holds made", n)
	}
	f.do("POST", "/Slot/$hold", params(ident("s1"), ident("s1"))).want(t, http.StatusOK)
}

// The token parameters of $find and $findHSP (searchType token) take a
// search parameter's value, in the GET and the POST form alike: commas
// separate alternatives, as repeating the parameter does.
func TestTokenParametersTakeAlternatives(t *testing.T) {
	f := newFixture(t, false)
	const gp, other = "http://snomed.info/sct|394814009", "http://snomed.info/sct|000000"
	r := f.do("GET", "/Appointment/$find?start="+findStart+"&end="+findEnd+"&practitioner=Practitioner/dr-a&visit-type="+other+","+gp, "").
		want(t, http.StatusOK)
	if r.total() != 6 {
		t.Fatalf("GET $find visit-type=%s,%s: total %d, want 6:\n%s", other, gp, r.total(), r.body)
	}
	r = f.do("POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd),
		pRef("practitioner", "Practitioner/dr-a"), pString("visit-type", other+","+gp))).want(t, http.StatusOK)
	if r.total() != 6 {
		t.Fatalf("POST $find visit-type %s,%s: total %d, want 6", other, gp, r.total())
	}
	r = f.do("GET", "/HealthcareService/$findHSP?healthcareService-type="+other+","+gp, "").want(t, http.StatusOK)
	if r.total() != 1 {
		t.Fatalf("$findHSP healthcareService-type=%s,%s: total %d, want 1", other, gp, r.total())
	}
}
