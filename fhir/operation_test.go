package fhir

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

const (
	tuesday   = "2026-03-03"
	findStart = "2026-03-03T00:00:00Z"
	findEnd   = "2026-03-04T00:00:00Z"
)

// findOffers runs $find for dr-a on Tuesday for patient pat-a.
func findOffers(t *testing.T, f *fixture, extra ...string) response {
	t.Helper()
	ps := append([]string{pDateTime("start", findStart), pDateTime("end", findEnd),
		pRef("practitioner", "Practitioner/dr-a"), pRef("patient-reference", "Patient/pat-a")}, extra...)
	return f.do("POST", "/Appointment/$find", params(ps...)).want(t, http.StatusOK)
}

func TestFindHoldBookRescheduleCancel(t *testing.T) {
	f := newFixture(t, false)
	found := findOffers(t, f, `{"name":"_count","valueInteger":2}`)
	// 09:00-12:00 Vienna on a Tuesday in March (UTC+1): six 30-minute offers
	if found.total() != 6 || len(found.entries("match")) != 2 {
		t.Fatalf("$find: total %d, %d entries:\n%s", found.total(), len(found.entries("match")), found.body)
	}
	next := found.str("link.0.url")
	if found.str("link.0.relation") != "next" || !strings.Contains(next, "_offset=2") {
		t.Fatalf("$find has no next link:\n%s", found.body)
	}
	page2 := f.do("GET", strings.TrimPrefix(next, "http://fhir.test"), "").want(t, http.StatusOK)
	if got := page2.entries("match")[0]["start"]; got != "2026-03-03T09:00:00Z" {
		t.Fatalf("page 2 starts at %v:\n%s", got, page2.body)
	}
	offer := found.entries("match")[0]
	id := offer["id"].(string)
	if offer["status"] != "proposed" || offer["start"] != "2026-03-03T08:00:00Z" {
		t.Fatalf("offer: %v", offer)
	}
	// the proposal can be read back by its id
	f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)

	held := f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+id))).want(t, http.StatusOK)
	appt := held.entries("match")[0]
	apptID := appt["id"].(string)
	if appt["status"] != "pending" || !strings.Contains(string(held.body), "held-until") {
		t.Fatalf("$hold:\n%s", held.body)
	}
	// a held time never appears in $find, and cannot be held twice
	again := findOffers(t, f)
	if again.total() != 5 || again.entries("match")[0]["start"] == "2026-03-03T08:00:00Z" {
		t.Fatalf("held time still offered:\n%s", again.body)
	}
	taken := f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+id))).want(t, http.StatusConflict)
	if taken.str("issue.0.severity") != "fatal" || taken.str("issue.0.code") != "not-found" {
		t.Fatalf("taken hold:\n%s", taken.body)
	}

	booked := f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+apptID))).want(t, http.StatusOK)
	if booked.entries("match")[0]["status"] != "booked" {
		t.Fatalf("$book:\n%s", booked.body)
	}

	// ITI-118 search with _include of the actors
	s := f.do("GET", "/Appointment?patient=Patient/pat-a&date=ge2026-03-03&date=lt2026-03-04&_include=Appointment:actor", "").
		want(t, http.StatusOK)
	if s.total() != 1 || len(s.entries("match")) != 1 || len(s.entries("include")) < 2 {
		t.Fatalf("search:\n%s", s.body)
	}
	s = f.do("GET", "/Appointment?patient=pat-a&date=2026-03-04", "").want(t, http.StatusOK)
	if s.total() != 0 {
		t.Fatalf("date=2026-03-04 found %d", s.total())
	}

	// reschedule (postpone) by PUT with a new time
	cur := f.do("GET", "/Appointment/"+apptID, "").want(t, http.StatusOK)
	body := strings.Replace(string(cur.body), "2026-03-03T08:00:00Z", "2026-03-03T10:00:00Z", 1)
	body = strings.Replace(body, "2026-03-03T08:30:00Z", "2026-03-03T10:30:00Z", 1)
	f.do("PUT", "/Appointment/"+apptID, body, `If-Match: W/"1"`).want(t, http.StatusPreconditionFailed)
	moved := f.do("PUT", "/Appointment/"+apptID, body, "If-Match: "+cur.header.Get("ETag")).want(t, http.StatusOK)
	if moved.str("start") != "2026-03-03T10:00:00Z" || moved.str("status") != "booked" || moved.str("id") != apptID {
		t.Fatalf("reschedule:\n%s", moved.body)
	}
	// the old time is free again, the new one taken
	again = findOffers(t, f)
	starts := map[string]bool{}
	for _, e := range again.entries("match") {
		starts[e["start"].(string)] = true
	}
	if !starts["2026-03-03T08:00:00Z"] || starts["2026-03-03T10:00:00Z"] {
		t.Fatalf("after reschedule: %v", starts)
	}

	// check in, then an illegal transition, then fulfil
	ci := strings.Replace(string(moved.body), `"status":"booked"`, `"status":"checked-in"`, 1)
	checked := f.do("PUT", "/Appointment/"+apptID, ci).want(t, http.StatusOK)
	if checked.str("status") != "checked-in" {
		t.Fatalf("check-in:\n%s", checked.body)
	}
	back := strings.Replace(string(checked.body), `"status":"checked-in"`, `"status":"pending"`, 1)
	f.do("PUT", "/Appointment/"+apptID, back).want(t, http.StatusUnprocessableEntity)
	ful := strings.Replace(string(checked.body), `"status":"checked-in"`, `"status":"fulfilled"`, 1)
	if f.do("PUT", "/Appointment/"+apptID, ful).want(t, http.StatusOK).str("status") != "fulfilled" {
		t.Fatal("fulfil failed")
	}
}

func TestBookNewCancelAndNoShowByPut(t *testing.T) {
	f := newFixture(t, false)
	offer := findOffers(t, f).entries("match")[1]
	b := f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offer["id"].(string)),
		pString("comment", "first visit"))).want(t, http.StatusOK)
	a := b.entries("match")[0]
	id := a["id"].(string)
	if a["status"] != "booked" {
		t.Fatalf("$book of an offer:\n%s", b.body)
	}
	// double booking the same offer is refused
	f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offer["id"].(string)))).
		want(t, http.StatusConflict)

	// a comment change is an update; a patient change is refused
	cur := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
	withComment := strings.Replace(string(cur.body), `"comment":"first visit"`, `"comment":"bring x-rays"`, 1)
	up := f.do("PUT", "/Appointment/"+id, withComment).want(t, http.StatusOK)
	if up.str("comment") != "bring x-rays" || up.str("meta.versionId") != "2" {
		t.Fatalf("field update:\n%s", up.body)
	}
	other := strings.Replace(string(up.body), "Patient/pat-a", "Patient/pat-b", 1)
	f.do("PUT", "/Appointment/"+id, other).want(t, http.StatusUnprocessableEntity)

	// cancel by PUT with a reason (HL7 Austria)
	cancel := strings.Replace(string(up.body), `"status":"booked"`,
		`"status":"cancelled","cancelationReason":{"text":"patient ill"}`, 1)
	c := f.do("PUT", "/Appointment/"+id, cancel).want(t, http.StatusOK)
	if c.str("status") != "cancelled" || c.str("cancelationReason.text") != "patient ill" {
		t.Fatalf("cancel:\n%s", c.body)
	}
	// a POSTed booked Appointment books directly; then a no-show
	post := `{"resourceType":"Appointment","status":"booked","start":"2026-03-03T09:00:00Z","end":"2026-03-03T09:30:00Z",
	  "participant":[{"actor":{"reference":"Patient/pat-b"},"status":"accepted"},{"actor":{"reference":"Practitioner/dr-b"},"status":"accepted"}]}`
	p := f.do("POST", "/Appointment", post).want(t, http.StatusCreated)
	if p.str("status") != "booked" || len(p.at("slot").([]any)) != 1 {
		t.Fatalf("POST booked:\n%s", p.body)
	}
	f.do("POST", "/Appointment", post).want(t, http.StatusConflict)
	ns := strings.Replace(string(p.body), `"status":"booked"`, `"status":"noshow"`, 1)
	if f.do("PUT", "/Appointment/"+p.str("id"), ns).want(t, http.StatusOK).str("status") != "noshow" {
		t.Fatal("no-show failed")
	}
	// outside the schedule's hours: a business rule
	late := strings.ReplaceAll(post, "T09:", "T19:")
	f.do("POST", "/Appointment", late).want(t, http.StatusUnprocessableEntity)
}

func TestSlotSearchAndSlotHold(t *testing.T) {
	f := newFixture(t, false)
	s := f.do("GET", "/Slot?schedule=Schedule/sched-dr-a&start=ge"+findStart+"&start=lt"+findEnd+"&_count=4", "").want(t, http.StatusOK)
	if s.total() != 6 || len(s.entries("match")) != 4 || s.str("link.1.relation") != "next" {
		t.Fatalf("computed slots:\n%s", s.body)
	}
	slot := s.entries("match")[0]
	sid := slot["id"].(string)
	if slot["status"] != "free" || !strings.HasPrefix(sid, "o.") {
		t.Fatalf("slot: %v", slot)
	}
	if f.do("GET", "/Slot/"+sid, "").want(t, http.StatusOK).str("status") != "free" {
		t.Fatal("computed slot is not free")
	}
	next := strings.TrimPrefix(s.str("link.1.url"), "http://fhir.test")
	if p2 := f.do("GET", next, "").want(t, http.StatusOK); len(p2.entries("match")) != 2 || p2.total() != 6 {
		t.Fatalf("page 2:\n%s", p2.body)
	}

	held := f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+sid), pCode("slot-status", "busy-tentative"),
		pRef("patient-reference", "Patient/pat-a"))).want(t, http.StatusOK)
	if held.str("parameter.0.resource.status") != "busy-tentative" || held.str("parameter.1.name") != "held-until" {
		t.Fatalf("Slot $hold:\n%s", held.body)
	}
	heldID := held.str("parameter.0.resource.id")
	if f.do("GET", "/Slot/"+sid, "").want(t, http.StatusOK).str("status") != "busy" {
		t.Fatal("a held computed slot still reads as free")
	}
	s = f.do("GET", "/Slot?schedule=sched-dr-a&start=ge"+findStart+"&start=lt"+findEnd, "").want(t, http.StatusOK)
	if s.total() != 6 || s.entries("match")[0]["status"] != "busy-tentative" {
		t.Fatalf("after hold:\n%s", s.body)
	}
	f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+sid))).want(t, http.StatusConflict)

	released := f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+heldID), pCode("slot-status", "free"))).
		want(t, http.StatusOK)
	if released.str("parameter.0.resource.status") != "free" {
		t.Fatalf("release:\n%s", released.body)
	}
	f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+heldID), pCode("slot-status", "free"))).
		want(t, http.StatusUnprocessableEntity)

	// HL7 Austria: hold, then $book a proposed Appointment for the slot
	held = f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+sid), pRef("patient-reference", "Patient/pat-a"))).
		want(t, http.StatusOK)
	heldID = held.str("parameter.0.resource.id")
	proposed := `{"resourceType":"Appointment","status":"proposed","slot":[{"reference":"Slot/` + heldID + `"}],
	  "participant":[{"actor":{"reference":"Patient/pat-a"},"status":"needs-action"}]}`
	b := f.do("POST", "/Appointment/$book", params(pResource("appointment", proposed))).want(t, http.StatusOK)
	if b.str("resourceType") != "Parameters" || b.str("parameter.0.resource.status") != "booked" ||
		b.str("parameter.1.name") != "outcome" {
		t.Fatalf("Austrian $book:\n%s", b.body)
	}
	// the whole body may be the Appointment; the computed slot of another time
	other := s.entries("match")[2]["id"].(string)
	direct := `{"resourceType":"Appointment","status":"proposed","slot":[{"reference":"Slot/` + other + `"}],
	  "participant":[{"actor":{"reference":"Patient/pat-b"},"status":"needs-action"}]}`
	if f.do("POST", "/Appointment/$book", direct).want(t, http.StatusOK).str("parameter.0.resource.status") != "booked" {
		t.Fatal("$book with an Appointment body failed")
	}
	// a hold placed without a patient is booked in place, given the patient
	// $book names: the time stays held throughout
	third := s.entries("match")[3]["id"].(string)
	h3 := f.do("POST", "/Slot/$hold", params(pRef("slot-reference", "Slot/"+third), pCode("slot-status", "busy-tentative"))).
		want(t, http.StatusOK)
	h3Slot := h3.str("parameter.0.resource.id")
	forB := `{"resourceType":"Appointment","status":"proposed","slot":[{"reference":"Slot/` + h3Slot + `"}],
	  "participant":[{"actor":{"reference":"Patient/pat-b"},"status":"needs-action"}]}`
	b3 := f.do("POST", "/Appointment/$book", params(pResource("appointment", forB))).want(t, http.StatusOK)
	if b3.str("parameter.0.resource.status") != "booked" || !strings.Contains(string(b3.body), `"Patient/pat-b"`) {
		t.Fatalf("$book of a hold without a patient:\n%s", b3.body)
	}
	onSlot := f.do("GET", "/Appointment?slot=Slot/"+h3Slot, "").want(t, http.StatusOK)
	if onSlot.total() != 1 || onSlot.entries("match")[0]["status"] != "booked" ||
		onSlot.entries("match")[0]["id"] != b3.str("parameter.0.resource.id") {
		t.Fatalf("the hold was not booked in place:\n%s", onSlot.body)
	}
	// stored busy slots are found by status
	busy := f.do("GET", "/Slot?schedule=sched-dr-a&status=busy", "").want(t, http.StatusOK)
	if busy.total() != 3 {
		t.Fatalf("busy slots:\n%s", busy.body)
	}
}

func TestFindHSP(t *testing.T) {
	f := newFixture(t, false)
	r := f.do("POST", "/HealthcareService/$findHSP", params(pString("healthcareService-type", "http://snomed.info/sct|394814009"),
		pString("postal-code", "10"))).want(t, http.StatusOK)
	if r.total() != 1 || r.entries("match")[0]["id"] != "gp" {
		t.Fatalf("$findHSP:\n%s", r.body)
	}
	kinds := map[string]bool{}
	for _, e := range r.entries("include") {
		kinds[e["resourceType"].(string)] = true
	}
	for _, k := range []string{"Organization", "PractitionerRole", "Practitioner", "Location"} {
		if !kinds[k] {
			t.Errorf("$findHSP lacks the %s", k)
		}
	}
	// availability: a Sunday has no free time
	r = f.do("GET", "/HealthcareService/$findHSP?healthcareService-reference=HealthcareService/gp&start=2026-03-08T00:00:00Z&end=2026-03-08T23:00:00Z", "").
		want(t, http.StatusOK)
	if r.total() != 0 {
		t.Fatalf("$findHSP on a Sunday:\n%s", r.body)
	}
	r = f.do("POST", "/HealthcareService/$findHSP", params(pString("healthcareService-type", "http://snomed.info/sct|394814009"),
		pString("postal-code", "8010"))).want(t, http.StatusOK)
	if r.total() != 0 {
		t.Fatalf("$findHSP in Graz:\n%s", r.body)
	}
}

func TestHoldExpires(t *testing.T) {
	f := newFixture(t, false)
	offer := findOffers(t, f).entries("match")[0]["id"].(string)
	held := f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offer))).want(t, http.StatusOK)
	id := held.entries("match")[0]["id"].(string)
	*f.clock = f.clock.Add(6 * time.Minute) // past the 5-minute hold
	if findOffers(t, f).total() != 6 {
		t.Fatal("a lapsed hold still blocks its time")
	}
	f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+id))).want(t, http.StatusUnprocessableEntity)
}

// TestPostgres runs the booking conversation over store/pgstore (skipped
// without OPENSLOT_TEST_DATABASE_URL, failed under CI=true without it).
func TestPostgres(t *testing.T) {
	pool := pgtest.Pool(t)
	f := newFixtureOn(t, false, func(clock func() time.Time) store.Store { return pgstore.New(pool, &pgstore.Options{Now: clock}) })
	offer := findOffers(t, f).entries("match")[0]["id"].(string)
	held := f.do("POST", "/Appointment/$hold", params(pRef("appointment-reference", "Appointment/"+offer))).want(t, http.StatusOK)
	id := held.entries("match")[0]["id"].(string)
	f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+id))).want(t, http.StatusOK)
	f.do("POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+offer))).want(t, http.StatusConflict)
	s := f.do("GET", "/Appointment?patient=pat-a&status=booked&_include=Appointment:practitioner", "").want(t, http.StatusOK)
	if s.total() != 1 || len(s.entries("include")) != 1 {
		t.Fatalf("search on PostgreSQL:\n%s", s.body)
	}
	slots := f.do("GET", "/Slot?schedule=sched-dr-a&start=ge"+findStart+"&start=lt"+findEnd, "").want(t, http.StatusOK)
	if slots.total() != 6 || slots.entries("match")[0]["status"] != "busy" {
		t.Fatalf("slots on PostgreSQL:\n%s", slots.body)
	}
}

func TestLongOfferIDs(t *testing.T) {
	f := newFixture(t, false)
	h := f.h.(*handler)
	long := strings.Repeat("schedule-with-a-long-name-", 2)
	o := offer{kind: offerAppointment, start: fixtureNow, end: fixtureNow.Add(30 * time.Minute),
		schedules: []string{long + "1", long + "2"}, patients: []string{"pat-a"}, serviceSchedule: -1}
	id, err := h.offerID(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "h.") || len(id) > 64 || strings.Trim(id, idAlphabet) != "" {
		t.Fatalf("id %q is not a short FHIR id", id)
	}
	again, err := h.offerID(t.Context(), o)
	if err != nil || again != id {
		t.Fatalf("the same offer got another id: %q %v", again, err)
	}
	got, ok, err := h.decodeOffer(t.Context(), id, offerAppointment)
	if err != nil || !ok || got.schedules[1] != long+"2" || got.patients[0] != "pat-a" || !got.start.Equal(o.start) {
		t.Fatalf("decoded %+v %v %v", got, ok, err)
	}
	if _, ok, _ := h.decodeOffer(t.Context(), id, offerSlot); ok {
		t.Fatal("an appointment offer decoded as a slot")
	}
	if _, ok, _ := h.decodeOffer(t.Context(), "h."+strings.Repeat("A", 40), offerAppointment); ok {
		t.Fatal("an unrecorded digest decoded")
	}
	// hex ids are packed
	short, _ := h.offerID(t.Context(), offer{kind: offerSlot, start: fixtureNow, end: fixtureNow.Add(time.Hour),
		schedules: []string{strings.Repeat("0123456789abcdef", 2)}, serviceSchedule: -1})
	if !strings.HasPrefix(short, "o.") {
		t.Fatalf("a 32-hex schedule id did not fit: %q", short)
	}
}
