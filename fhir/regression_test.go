package fhir

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// A $findHSP category given as a CodeableConcept with text only is a
// request the handler cannot use: it answers 400, and does not panic.
func TestFindHSPConceptWithoutCoding(t *testing.T) {
	f := newFixture(t, false)
	f.do("POST", "/HealthcareService/$findHSP",
		params(`{"name":"healthcareService-type","valueCodeableConcept":{"text":"General practice"}}`)).
		want(t, http.StatusBadRequest)
}

// $find with _count=0 answers the total only, like a search: no next link
// (which would point at the same empty page again, for ever).
func TestFindCountZeroHasNoNextLink(t *testing.T) {
	f := newFixture(t, false)
	r := findOffers(t, f, `{"name":"_count","valueInteger":0}`)
	if r.total() != 6 || len(r.entries("match")) != 0 {
		t.Fatalf("$find _count=0: total %d, %d matches:\n%s", r.total(), len(r.entries("match")), r.body)
	}
	if next := r.str("link.0.url"); next != "" {
		t.Fatalf("$find _count=0 has a next link %s", next)
	}
}

// $book by appointment-reference (IHE ITI-117) keeps the comment and the
// patient-resource sent with it, for an offer of $find and for a stored
// hold alike: the booking answers 200 and must hold what was sent.
func TestBookReferenceKeepsCommentAndPatient(t *testing.T) {
	f := newFixture(t, false)
	// an offer made without a patient
	found := f.do("POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd),
		pRef("practitioner", "Practitioner/dr-a"))).want(t, http.StatusOK)
	offers := found.entries("match")
	patient := pResource("patient-resource", `{"resourceType":"Patient","id":"pat-a"}`)
	b := f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offers[0]["id"].(string)),
		pString("comment", "first visit"), patient)).want(t, http.StatusOK)
	if b.str("entry.0.resource.comment") != "first visit" || !strings.Contains(string(b.body), `"Patient/pat-a"`) {
		t.Fatalf("$book of an offer lost the comment or the patient:\n%s", b.body)
	}
	// a stored hold
	held := f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offers[1]["id"].(string)))).
		want(t, http.StatusOK)
	b = f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+held.str("entry.0.resource.id")),
		pString("comment", "second visit"), patient)).want(t, http.StatusOK)
	if b.str("entry.0.resource.status") != "booked" || b.str("entry.0.resource.comment") != "second visit" ||
		!strings.Contains(string(b.body), `"Patient/pat-a"`) {
		t.Fatalf("$book of a hold lost the comment or the patient:\n%s", b.body)
	}
	stored := f.do("GET", "/Appointment/"+b.str("entry.0.resource.id"), "").want(t, http.StatusOK)
	if stored.str("comment") != "second visit" {
		t.Fatalf("the stored booking lost the comment:\n%s", stored.body)
	}
}

// A Slot search for a schedule that asks only for times before now finds
// the stored slots there (the engine has no free time in the past): it is
// not refused because the window of free slots to compute is empty.
func TestSlotSearchInThePast(t *testing.T) {
	f := newFixture(t, false)
	past := &scheduling.Slot{Schedule: scheduling.Ref("Schedule", "sched-dr-a"), Status: scheduling.SlotBusy,
		Start: time.Date(2026, 2, 27, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 2, 27, 9, 30, 0, 0, time.UTC)}
	if err := f.sched.Create(t.Context(), past); err != nil {
		t.Fatal(err)
	}
	r := f.do("GET", "/Slot?schedule=sched-dr-a&start=lt2026-03-01", "").want(t, http.StatusOK)
	if r.total() != 1 || r.str("entry.0.resource.id") != past.ID {
		t.Fatalf("past slots of sched-dr-a:\n%s", r.body)
	}
}

// A modifier on _id or _lastUpdated is refused like one on any other
// parameter (status:not is): "_id:not=pat-a" must not answer as "_id=pat-a".
func TestModifierOnIDRefused(t *testing.T) {
	f := newFixture(t, false)
	for _, q := range []string{"_id:not=pat-a", "_id:missing=true", "_lastUpdated:missing=true"} {
		f.do("GET", "/Patient?"+q, "").want(t, http.StatusBadRequest)
	}
}

// $find for a location and an organization that has no schedule there
// finds nothing: an empty searchset, not a 400 about an empty group.
func TestFindLocationOfOtherOrganization(t *testing.T) {
	f := newFixture(t, false)
	if err := f.sched.Create(t.Context(), &scheduling.Organization{Meta: scheduling.Meta{ID: "org-2"}, Name: "Praxis Nord"}); err != nil {
		t.Fatal(err)
	}
	r := f.do("POST", "/Appointment/$find", params(pDateTime("start", findStart), pDateTime("end", findEnd),
		pRef("location-reference", "Location/loc-1"), pRef("organization", "Organization/org-2"))).want(t, http.StatusOK)
	if r.total() != 0 || len(r.entries("match")) != 0 {
		t.Fatalf("$find at loc-1 for org-2:\n%s", r.body)
	}
}

// inv-1: a Parameters parameter has exactly one of value[x], resource or
// part; one with none of them is refused like one with several.
func TestParametersInv1NeedsAValue(t *testing.T) {
	for _, body := range []string{
		`{"resourceType":"Parameters","parameter":[{"name":"start"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"x","part":[{"name":"y"}]}]}`,
	} {
		_, err := Decode([]byte(body))
		if err == nil || !strings.Contains(err.Error(), "inv-1") {
			t.Errorf("%s: %v, want an inv-1 issue", body, err)
		}
	}
}

// A retried Slot/$hold (same Idempotency-Key) after the hold was booked
// answers with valid Parameters: no held-until without a value, and no
// claim that the slot is held.
func TestSlotHoldReplayAfterBooking(t *testing.T) {
	f := newFixture(t, false)
	s := f.do("GET", "/Slot?schedule=sched-dr-a&start=ge"+findStart+"&start=lt"+findEnd, "").want(t, http.StatusOK)
	sid := s.entries("match")[0]["id"].(string)
	hold := params(pRef("slot-reference", "Slot/"+sid), pRef("patient-reference", "Patient/pat-a"))
	held := f.do("POST", "/Slot/$hold", hold, "Idempotency-Key: k1").want(t, http.StatusOK)
	heldID := held.str("parameter.0.resource.id")
	f.do("POST", "/Appointment/$book", params(pResource("appointment", `{"resourceType":"Appointment","status":"proposed",
	  "slot":[{"reference":"Slot/`+heldID+`"}],"participant":[{"actor":{"reference":"Patient/pat-a"},"status":"needs-action"}]}`))).
		want(t, http.StatusOK)
	again := f.do("POST", "/Slot/$hold", hold, "Idempotency-Key: k1")
	if again.status == http.StatusOK {
		r, err := Decode(again.body)
		if err != nil {
			t.Fatalf("replayed Slot/$hold is not valid FHIR: %v\n%s", err, again.body)
		}
		if p := r.(*Parameters).Get("held-until"); p != nil && again.str("parameter.0.resource.status") != "busy-tentative" {
			t.Fatalf("replayed Slot/$hold claims a hold on a %s slot:\n%s", again.str("parameter.0.resource.status"), again.body)
		}
	}
}
