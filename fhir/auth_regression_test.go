package fhir

import (
	"net/http"
	"strings"
	"testing"
)

// Regression tests for authorization bugs found in review.

// TestConfinedCallerCannotChangeGroupAppointment: an Appointment that names
// patient A and patient B is in both compartments. A confined caller of A
// may read it, but may not change it by any route: PUT was refused (the
// new content names B), and so must be $hold and $book of it by
// reference, and $book or Slot/$hold release of a hold naming both
// through its slot. Each refusal is 403, names no one, and changes
// nothing.
func TestConfinedCallerCannotChangeGroupAppointment(t *testing.T) {
	f := newFixture(t, true)
	group := func(status, hhmm string) response {
		t.Helper()
		body := apptBody(status, hhmm, "Patient/pat-a", "Patient/pat-b", "Practitioner/dr-a")
		return f.as(tokAdmin, "POST", "/Appointment", strings.ReplaceAll(body, `"accepted"`, `"needs-action"`)).
			want(t, http.StatusCreated)
	}
	unchanged := func(t *testing.T, before response) {
		t.Helper()
		now := f.as(tokAdmin, "GET", "/Appointment/"+before.str("id"), "").want(t, http.StatusOK)
		if now.header.Get("ETag") != before.header.Get("ETag") || now.str("status") != before.str("status") {
			t.Fatalf("a refused request changed the group appointment (%s %s, was %s %s):\n%s",
				now.str("status"), now.header.Get("ETag"), before.str("status"), before.header.Get("ETag"), now.body)
		}
	}
	refused := func(t *testing.T, r response) {
		t.Helper()
		r.want(t, http.StatusForbidden)
		if strings.Contains(string(r.body), "pat-b") {
			t.Fatalf("the refusal names the other patient:\n%s", r.body)
		}
	}

	t.Run("$book by reference", func(t *testing.T) {
		g := group("proposed", "10:00")
		refused(t, f.as(tokPatientA, "POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+g.str("id")))))
		unchanged(t, g)
	})
	t.Run("$hold by reference", func(t *testing.T) {
		g := group("proposed", "09:30")
		refused(t, f.as(tokPatientA, "POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+g.str("id")))))
		unchanged(t, g)
	})
	heldSlot := func(t *testing.T, g response) string {
		t.Helper()
		slot := g.str("slot.0.reference")
		if !strings.HasPrefix(slot, "Slot/") {
			t.Fatalf("the hold has no slot:\n%s", g.body)
		}
		return slot
	}
	t.Run("$book of the slot of a hold", func(t *testing.T) {
		g := group("pending", "08:30")
		refused(t, f.as(tokPatientA, "POST", "/Appointment/$book", params(pResource("appointment", `{"resourceType":"Appointment",
		  "status":"proposed","slot":[{"reference":"`+heldSlot(t, g)+`"}],"participant":[{"actor":{"reference":"Patient/pat-a"},"status":"accepted"}]}`))))
		unchanged(t, g)
	})
	t.Run("Slot/$hold release", func(t *testing.T) {
		g := group("pending", "09:00")
		refused(t, f.as(tokPatientA, "POST", "/Slot/$hold", params(pRef("slot-reference", heldSlot(t, g)), pCode("slot-status", "free"))))
		unchanged(t, g)
	})
	t.Run("PUT", func(t *testing.T) {
		g := group("proposed", "10:30")
		cur := f.as(tokPatientA, "GET", "/Appointment/"+g.str("id"), "").want(t, http.StatusOK)
		refused(t, f.as(tokPatientA, "PUT", "/Appointment/"+g.str("id"), strings.Replace(string(cur.body), `"proposed"`, `"cancelled"`, 1)))
		unchanged(t, g)
	})
	t.Run("own appointments still", func(t *testing.T) {
		own := f.as(tokAdmin, "POST", "/Appointment", apptBody("proposed", "08:00", "Patient/pat-a", "Practitioner/dr-b")).
			want(t, http.StatusCreated)
		b := f.as(tokPatientA, "POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+own.str("id")))).
			want(t, http.StatusOK)
		if idOf(b) != own.str("id") || b.str("entry.0.resource.status") != "booked" {
			t.Fatalf("A's own proposal was not booked:\n%s", b.body)
		}
		// staff still change the group appointment
		g := group("proposed", "08:00")
		f.as(tokAdmin, "POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+g.str("id")))).
			want(t, http.StatusOK)
	})
}

// TestConfinedBookResourceLearnsNoIDs: $book with an Appointment resource
// whose id is another patient's stored appointment answers exactly as
// with an id that does not exist (a new booking of the resource), so that
// a confined caller cannot tell which ids exist; the other patient's
// appointment is left as it was.
func TestConfinedBookResourceLearnsNoIDs(t *testing.T) {
	f := newFixture(t, true)
	other := f.as(tokAdmin, "POST", "/Appointment", apptBody("booked", "08:00", "Patient/pat-b", "Practitioner/dr-b")).
		want(t, http.StatusCreated)
	idB := other.str("id")
	book := func(id, hhmm string) response {
		body := strings.Replace(apptBody("proposed", hhmm, "Patient/pat-a", "Practitioner/dr-a"),
			`"resourceType":"Appointment"`, `"resourceType":"Appointment","id":"`+id+`"`, 1)
		return f.as(tokPatientA, "POST", "/Appointment/$book", params(pResource("appointment", body)))
	}
	unk := book("doesnotexist0", "08:00").want(t, http.StatusOK)
	withB := book(idB, "09:00")
	if withB.status != unk.status {
		t.Fatalf("B's id answers %d, an unknown id %d:\n%s", withB.status, unk.status, withB.body)
	}
	for _, r := range []response{unk, withB} {
		if id := r.str("parameter.0.resource.id"); id == "" || id == idB || id == "doesnotexist0" {
			t.Fatalf("want a new booking:\n%s", r.body)
		}
	}
	if now := f.as(tokAdmin, "GET", "/Appointment/"+idB, "").want(t, http.StatusOK); now.header.Get("ETag") != other.header.Get("ETag") {
		t.Fatalf("B's appointment changed:\n%s", now.body)
	}
}
