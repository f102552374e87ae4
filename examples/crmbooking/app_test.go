package main

import (
	"bytes"
	"context"
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

// The tests run at a fixed instant: Monday 2 March 2026, 08:00 in New York.
// With two hours of notice, 10:00 that day is the first bookable time.
var (
	newYork = mustZone(demoZone)
	testNow = time.Date(2026, time.March, 2, 8, 0, 0, 0, newYork)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func testClock() time.Time { return testNow }

// at is an instant on a day of March 2026 in New York, as the CRM sends it
// (UTC).
func at(day, hour, minute int) string {
	return time.Date(2026, time.March, day, hour, minute, 0, 0, newYork).UTC().Format(time.RFC3339)
}

// newTestScheduler returns a Scheduler on st at the test clock with the
// demo data seeded (twice: seeding again changes nothing).
func newTestScheduler(tb testing.TB, st store.Store) *openslot.Scheduler {
	tb.Helper()
	sched := openslot.New(st, &openslot.Options{Now: testClock})
	for range 2 {
		if err := seedDemo(context.Background(), sched); err != nil {
			tb.Fatalf("seedDemo: %v", err)
		}
	}
	return sched
}

// testAPI is the endpoint on an httptest server.
type testAPI struct {
	t     *testing.T
	url   string
	sched *openslot.Scheduler
}

func newTestAPI(t *testing.T) *testAPI { return newTestAPIOn(t, memstore.New(nil)) }

func newTestAPIOn(t *testing.T, st store.Store) *testAPI {
	t.Helper()
	sched := newTestScheduler(t, st)
	srv := httptest.NewServer(newServer(sched, nil))
	t.Cleanup(srv.Close)
	return &testAPI{t: t, url: srv.URL, sched: sched}
}

// send posts body (a string as is, anything else as JSON) and decodes the
// CRM response.
func (a *testAPI) send(method, path string, body any) (int, bookAppointmentResponse) {
	a.t.Helper()
	var data []byte
	if s, ok := body.(string); ok {
		data = []byte(s)
	} else {
		var err error
		if data, err = json.Marshal(body); err != nil {
			a.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(data))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	var out bookAppointmentResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("%s %s: body %s: %v", method, path, raw, err)
	}
	if out.ErrorMessages == nil {
		a.t.Errorf("%s %s: errorMessages is null, want a list: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

// book posts a request that must succeed and returns the stored
// appointment.
func (a *testAPI) book(body any) *scheduling.Appointment {
	a.t.Helper()
	status, resp := a.send("POST", bookPath, body)
	if status != http.StatusCreated || !resp.IsSuccess || resp.Status != statusScheduled || resp.ID == "" ||
		len(resp.ErrorMessages) != 0 {
		a.t.Fatalf("booking: status %d, response %+v", status, resp)
	}
	appt, err := a.sched.Appointment(context.Background(), resp.ID)
	if err != nil {
		a.t.Fatalf("the booked appointment %s is not stored: %v", resp.ID, err)
	}
	if appt.Status != scheduling.AppointmentBooked {
		a.t.Errorf("appointment %s is %s, want booked", appt.ID, appt.Status)
	}
	return appt
}

// refused posts a request that must fail with status and an error message
// containing each of want.
func (a *testAPI) refused(body any, status int, want ...string) {
	a.t.Helper()
	a.refusedAt("POST", bookPath, body, status, want...)
}

func (a *testAPI) refusedAt(method, path string, body any, status int, want ...string) {
	a.t.Helper()
	got, resp := a.send(method, path, body)
	if got != status || resp.IsSuccess || resp.Status != statusRejected || resp.ID != "" || len(resp.ErrorMessages) == 0 {
		a.t.Errorf("status %d, response %+v; want %d Rejected with messages", got, resp, status)
		return
	}
	all := strings.Join(resp.ErrorMessages, " | ")
	for _, w := range want {
		if !strings.Contains(all, w) {
			a.t.Errorf("messages %q lack %q", all, w)
		}
	}
}

// req is a request body under construction.
type req map[string]any

// with returns a copy of r with the given members set (nil removes one).
func (r req) with(kv ...any) req {
	out := make(req, len(r))
	for k, v := range r {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func part(ref string) map[string]any { return map[string]any{"reference": ref} }

// singleResource is a consultation with Dr. Lee at Northside Imaging, as in
// the seed's first example.
func singleResource(start, end string) req {
	return req{
		"startDate": start, "endDate": end, "workTypeId": demoConsult, "channelId": "phone",
		"comment": "Further expand on the results of the MRI.",
		"participants": []any{
			part("Patient/" + demoPatient),
			part("Facility/" + demoFacility),
			map[string]any{"reference": "Practitioner/" + demoRadiologist, "isReferenceRequired": true},
		},
	}
}

// multiResource is an MRI scan with Dr. Lee and the scanner.
func multiResource(start, end string) req {
	return req{
		"startDate": start, "endDate": end, "workTypeId": demoMRI, "channelId": "web",
		"participants": []any{
			part("Patient/" + demoPatient2),
			part("Facility/" + demoFacility),
			part("Practitioner/" + demoRadiologist),
			map[string]any{"reference": "Device/" + demoScanner, "isReferenceRequired": false},
		},
	}
}

// external is the seed's EHR example: Dr. Patel's slot in Cerner, the
// service given by the source system's codes.
func external(start, end string) req {
	return req{
		"startDate": start, "endDate": end, "channelId": "phone", "sourceSystem": "cerner",
		"comment": "Follow-up on the MRI.", "timeZone": demoZone,
		"appointmentTypes":  []string{"FOLLOWUP"},
		"serviceCategories": []string{"serviceCategoryCode1", "serviceCategoryCode2"},
		"serviceTypes":      []string{"serviceTypeCode1", "serviceTypeCode2"},
		"specialties":       []string{"specialityCode"},
		"slots":             []any{map[string]any{"id": "24477854-21304876-62852027-2", "reference": demoGP}},
		"participants": []any{
			part("Patient/" + demoPatient),
			part("Facility/" + demoFacility2),
			map[string]any{"reference": "Practitioner/" + demoGP, "isReferenceRequired": true},
		},
	}
}

func actors(a *scheduling.Appointment) map[string]scheduling.ParticipantRequired {
	out := make(map[string]scheduling.ParticipantRequired)
	for _, p := range a.Participant {
		if p.Actor != nil {
			out[p.Actor.Reference] = p.Required
		}
	}
	return out
}

func TestBookSingleResourcePractitioner(t *testing.T) {
	a := newTestAPI(t)
	appt := a.book(singleResource(at(2, 10, 0), at(2, 10, 30)))
	if !appt.Start.Equal(testNow.Add(2*time.Hour)) || appt.End.Sub(appt.Start) != 30*time.Minute {
		t.Errorf("time %v-%v", appt.Start, appt.End)
	}
	wantActors := map[string]scheduling.ParticipantRequired{
		"Patient/" + demoPatient: "", "Location/" + demoFacility: "",
		"Practitioner/" + demoRadiologist: scheduling.ParticipantRequiredRequired,
	}
	if got := actors(appt); !equalMaps(got, wantActors) {
		t.Errorf("participants %v, want %v", got, wantActors)
	}
	if appt.WorkType == nil || !appt.WorkType.HasCode("", demoConsult) || appt.Channel == nil ||
		!appt.Channel.HasCode("", "phone") || appt.Comment != "Further expand on the results of the MRI." {
		t.Errorf("work type %v, channel %v, comment %q", appt.WorkType, appt.Channel, appt.Comment)
	}
	// The work type's service is the service the schedules checked it for.
	if len(appt.ServiceType) == 0 || !appt.ServiceType[0].HasCode("", demoConsult) {
		t.Errorf("service types %v: want the work type's service first", appt.ServiceType)
	}
	if n := len(appt.Slot); n != 1 {
		t.Errorf("%d slots, want the practitioner's one", n)
	}
}

func equalMaps[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestBookSingleResourceDevice(t *testing.T) {
	a := newTestAPI(t)
	// The scanner works on Saturdays; Dr. Lee does not.
	body := multiResource(at(7, 9, 0), at(7, 10, 0)).with("participants", []any{
		part("Patient/" + demoPatient2), part("Facility/" + demoFacility), part("Device/" + demoScanner)})
	appt := a.book(body)
	if _, ok := actors(appt)["Device/"+demoScanner]; !ok || len(appt.Slot) != 1 {
		t.Errorf("participants %v, slots %v", actors(appt), appt.Slot)
	}
	// "Asset" is the CRM's other name for a device.
	a.book(body.with("startDate", at(7, 10, 0), "endDate", at(7, 11, 0), "participants", []any{
		part("Patient/" + demoPatient2), part("Facility/" + demoFacility), part("Asset/" + demoScanner)}))
}

func TestBookMultiResource(t *testing.T) {
	a := newTestAPI(t)
	appt := a.book(multiResource(at(3, 9, 0), at(3, 10, 0)))
	wantActors := map[string]scheduling.ParticipantRequired{
		"Patient/" + demoPatient2: "", "Location/" + demoFacility: "", "Practitioner/" + demoRadiologist: "",
		"Device/" + demoScanner: scheduling.ParticipantRequiredOptional,
	}
	if got := actors(appt); !equalMaps(got, wantActors) || len(appt.Slot) != 2 {
		t.Errorf("participants %v, %d slots; want %v and one slot per resource", got, len(appt.Slot), wantActors)
	}
	// Both resources are now busy at that time.
	a.refused(singleResource(at(3, 9, 30), at(3, 10, 0)), http.StatusConflict,
		"participants[2].reference: Practitioner/"+demoRadiologist+" is already booked")
	device := multiResource(at(3, 9, 0), at(3, 10, 0)).with("participants", []any{
		part("Patient/" + demoPatient), part("Facility/" + demoFacility), part("Device/" + demoScanner)})
	a.refused(device, http.StatusConflict, "participants[2].reference: Device/"+demoScanner+" is already booked")
}

// TestBookMultiResourceAllOrNothing: when one resource is taken, the other
// is not booked either.
func TestBookMultiResourceAllOrNothing(t *testing.T) {
	a := newTestAPI(t)
	scanOnly := multiResource(at(3, 14, 0), at(3, 15, 0)).with("participants", []any{
		part("Patient/" + demoPatient), part("Facility/" + demoFacility), part("Device/" + demoScanner)})
	a.book(scanOnly)
	a.refused(multiResource(at(3, 14, 0), at(3, 15, 0)), http.StatusConflict,
		"participants[3].reference: Device/"+demoScanner+" is already booked")
	// Dr. Lee's time was not taken by the refused request.
	a.book(singleResource(at(3, 14, 0), at(3, 15, 0)))
	page, err := a.sched.Search(context.Background(), store.Query{ResourceType: "Appointment"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Resources) != 2 {
		t.Errorf("%d appointments stored, want 2", len(page.Resources))
	}
}

func TestBookExternalSlot(t *testing.T) {
	a := newTestAPI(t)
	appt := a.book(external(at(4, 11, 0), at(4, 11, 30)))
	if appt.SourceSystem != "cerner" || appt.WorkType != nil {
		t.Errorf("source system %q, work type %v", appt.SourceSystem, appt.WorkType)
	}
	if appt.AppointmentType == nil || len(appt.AppointmentType.Coding) != 1 ||
		appt.AppointmentType.Coding[0] != (scheduling.Coding{System: "cerner", Code: "FOLLOWUP"}) {
		t.Errorf("appointment type %+v", appt.AppointmentType)
	}
	if len(appt.ServiceCategory) != 2 || !appt.ServiceCategory[1].HasCode("cerner", "serviceCategoryCode2") ||
		len(appt.ServiceType) != 2 || !appt.ServiceType[0].HasCode("cerner", "serviceTypeCode1") ||
		len(appt.Specialty) != 1 || !appt.Specialty[0].HasCode("cerner", "specialityCode") {
		t.Errorf("codes: categories %v, types %v, specialties %v", appt.ServiceCategory, appt.ServiceType, appt.Specialty)
	}
	var externalRef *scheduling.Reference
	for i, s := range appt.Slot {
		if s.Identifier != nil {
			externalRef = &appt.Slot[i]
		}
	}
	want := scheduling.ExternalSlot("cerner", "24477854-21304876-62852027-2")
	if externalRef == nil || externalRef.Type != want.Type || *externalRef.Identifier != *want.Identifier {
		t.Errorf("slots %+v: want the external slot %+v", appt.Slot, want)
	}
	exts := make(map[string]string)
	for _, e := range appt.Extension {
		exts[e.URL] = string(e.JSON)
	}
	if !strings.Contains(exts[scheduling.ExtTimeZone], `"valueCode":"America/New_York"`) {
		t.Errorf("time-zone extension %s", exts[scheduling.ExtTimeZone])
	}
	for _, part := range []string{`"url":"slot"`, `"value":"24477854-21304876-62852027-2"`,
		`"reference":"Practitioner/` + demoGP + `"`} {
		if !strings.Contains(exts[scheduling.ExtSlotActor], part) {
			t.Errorf("slot-actor extension %s lacks %s", exts[scheduling.ExtSlotActor], part)
		}
	}
	// The slot may name its practitioner as a reference too, and times
	// without an offset are read in timeZone.
	a.book(external("2026-03-04T12:00:00", "2026-03-04T12:30:00").with("slots", []any{
		map[string]any{"id": "24477854-2", "reference": "Practitioner/" + demoGP}}))
	// 12:00 in New York was taken by that booking: the same time in UTC is
	// refused.
	a.refused(external(at(4, 12, 0), at(4, 12, 30)).with("slots", []any{
		map[string]any{"id": "24477854-3", "reference": demoGP}}), http.StatusConflict, "already booked")
}

// TestBookRefusesEveryBrokenRule sends one request per rule and checks the
// status and that the message names the field.
func TestBookRefusesEveryBrokenRule(t *testing.T) {
	a := newTestAPI(t)
	valid := singleResource(at(3, 10, 0), at(3, 10, 30))
	ext := external(at(3, 10, 0), at(3, 10, 30))
	patient, facility := part("Patient/"+demoPatient), part("Facility/"+demoFacility)
	practitioner := part("Practitioner/" + demoRadiologist)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   []string
	}{
		// The body.
		{"no body", "", 400, []string{"body: a JSON object is required"}},
		{"malformed JSON", `{"startDate":`, 400, []string{"body:"}},
		{"not an object", `["x"]`, 400, []string{"body: must be a JSON object"}},
		{"two objects", `{} {}`, 400, []string{"body: must hold exactly one JSON object"}},
		{"unknown field", valid.with("priority", 1), 400, []string{"priority: unknown field"}},
		{"wrong type", valid.with("participants", "Patient/x"), 400, []string{"participants: must be an array"}},
		// Times.
		{"no start", valid.with("startDate", nil), 400, []string{"startDate: required"}},
		{"bad start", valid.with("startDate", "10 Dec 2013"), 400, []string{"startDate:", "not a date-time"}},
		{"start without offset or zone", valid.with("startDate", "2026-03-03T10:00:00"), 400, []string{"startDate:", "no UTC offset"}},
		{"no end", valid.with("endDate", nil), 400, []string{"endDate: required"}},
		{"end before start", valid.with("endDate", at(3, 9, 30)), 400, []string{"endDate: must be after startDate"}},
		{"bad time zone", valid.with("timeZone", "Mars/Olympus"), 400, []string{"timeZone:", "not an IANA time zone"}},
		// Channel and free text.
		{"no channel", valid.with("channelId", nil), 400, []string{"channelId: required"}},
		{"comment too long", valid.with("comment", strings.Repeat("c", maxComment+1)), 400, []string{"comment: 257 characters, at most 256"}},
		// Participants.
		{"no participants", valid.with("participants", nil), 400, []string{"participants: required"}},
		{"empty reference", valid.with("participants", []any{patient, facility, practitioner, part("")}), 400,
			[]string{"participants[3].reference: required"}},
		{"unknown participant type", valid.with("participants", []any{patient, facility, practitioner, part("Room/12")}), 400,
			[]string{"participants[3].reference:", "Room/12"}},
		{"bad participant id", valid.with("participants", []any{patient, facility, part("Practitioner/a b")}), 400,
			[]string{"participants[2].reference:", "not a valid id"}},
		{"no patient", valid.with("participants", []any{facility, practitioner}), 400, []string{"participants: a Patient is required"}},
		{"two patients", valid.with("participants", []any{patient, part("Patient/" + demoPatient2), facility, practitioner}), 400,
			[]string{"participants: at most one Patient, found 2"}},
		{"no facility", valid.with("participants", []any{patient, practitioner}), 400, []string{"participants: a Facility is required"}},
		{"no practitioner or device", valid.with("participants", []any{patient, facility}), 400,
			[]string{"participants: a Practitioner or a Device is required"}},
		{"two practitioners", valid.with("participants", []any{patient, facility, practitioner, part("Practitioner/" + demoGP)}), 400,
			[]string{"participants: at most one Practitioner, found 2"}},
		{"two devices", valid.with("participants", []any{patient, facility, part("Device/a"), part("Asset/b")}), 400,
			[]string{"participants: at most one Device, found 2"}},
		// The service.
		{"no service", valid.with("workTypeId", nil), 400, []string{"workTypeId: required when none of"}},
		{"codes without source system", ext.with("sourceSystem", nil, "slots", nil), 400,
			[]string{"sourceSystem: required when the service is given by"}},
		{"empty code", ext.with("serviceTypes", []string{"a", " "}), 400, []string{"serviceTypes[1]: empty code"}},
		{"bad work type id", valid.with("workTypeId", "wt consult"), 400, []string{"workTypeId:", "not a valid id"}},
		// External slots.
		{"slots without source system", valid.with("slots", []any{map[string]any{"id": "1", "reference": demoRadiologist}}), 400,
			[]string{"sourceSystem: required when slots of an external system are given"}},
		{"slot without id", ext.with("slots", []any{map[string]any{"reference": demoGP}}), 400, []string{"slots[0].id: required"}},
		{"slot without reference", ext.with("slots", []any{map[string]any{"id": "1"}}), 400, []string{"slots[0].reference: required"}},
		{"slot of nobody", ext.with("slots", []any{map[string]any{"id": "1", "reference": demoRadiologist}}), 400,
			[]string{"slots[0].reference:", "matches no Practitioner or Device participant"}},
		{"slot twice", ext.with("slots", []any{map[string]any{"id": "1", "reference": demoGP},
			map[string]any{"id": "1", "reference": demoGP}}), 400, []string{`slots[1].id: "1" is given twice`}},
		// Every problem at once.
		{"several problems", valid.with("channelId", nil, "startDate", nil, "participants", []any{practitioner}), 400,
			[]string{"channelId: required", "startDate: required", "a Patient is required", "a Facility is required"}},
		// What the store does not know.
		{"unknown patient", valid.with("participants", []any{part("Patient/nobody"), facility, practitioner}), 404,
			[]string{"participants[0].reference: Patient/nobody not found"}},
		{"unknown facility", valid.with("participants", []any{patient, part("Facility/nowhere"), practitioner}), 404,
			[]string{"participants[1].reference: Facility/nowhere not found"}},
		{"unknown practitioner", valid.with("participants", []any{patient, facility, part("Practitioner/nobody")}), 404,
			[]string{"participants[2].reference: Practitioner/nobody not found"}},
		{"unknown device", valid.with("participants", []any{patient, facility, part("Device/nothing")}), 404,
			[]string{"participants[2].reference: Device/nothing not found"}},
		{"unknown work type", valid.with("workTypeId", "wt-massage"), 404, []string{"workTypeId: work type wt-massage not found"}},
		{"several unknown", valid.with("workTypeId", "wt-massage", "participants", []any{part("Patient/nobody"), facility, practitioner}), 404,
			[]string{"Patient/nobody not found", "work type wt-massage not found"}},
		// What the facility does not offer.
		{"work type not at facility", multiResource(at(3, 10, 0), at(3, 11, 0)).with("participants", []any{patient,
			part("Facility/" + demoFacility2), part("Practitioner/" + demoGP)}), 422,
			[]string{"workTypeId: work type wt-mri is not offered at Facility/" + demoFacility2}},
		{"no schedule at facility", valid.with("participants", []any{patient, part("Facility/" + demoFacility2), practitioner}), 422,
			[]string{"participants[2].reference: Practitioner/" + demoRadiologist + " has no schedule at Facility/" + demoFacility2}},
		// Times the resources do not offer.
		{"inside the notice", valid.with("startDate", at(2, 9, 0), "endDate", at(2, 9, 30)), 409,
			[]string{"Practitioner/" + demoRadiologist + " is not available", "notice"}},
		{"weekend", valid.with("startDate", at(8, 10, 0), "endDate", at(8, 10, 30)), 409, []string{"is not available"}},
		{"off the grid", valid.with("startDate", at(3, 10, 10), "endDate", at(3, 10, 40)), 409, []string{"is not available"}},
		{"beyond the horizon", valid.with("startDate", "2026-07-01T14:00:00Z", "endDate", "2026-07-01T14:30:00Z"), 409,
			[]string{"is not available", "horizon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.refused(tc.body, tc.status, tc.want...)
		})
	}
	a.t = t
	t.Run("slot taken", func(t *testing.T) {
		a.t = t
		a.book(valid)
		a.refused(valid.with("participants", []any{part("Patient/" + demoPatient2), facility, practitioner}),
			http.StatusConflict, "Practitioner/"+demoRadiologist+" is already booked")
	})
	t.Run("routes", func(t *testing.T) {
		a.t = t
		a.refusedAt("GET", bookPath, "", http.StatusMethodNotAllowed, "use POST")
		a.refusedAt("POST", "/connect/health/appointment-management/appointments", valid, http.StatusNotFound, "no endpoint")
		a.refused(`{"comment":"`+strings.Repeat("x", maxBody)+`"}`, http.StatusRequestEntityTooLarge, "body: larger than")
	})
	t.Run("content type", func(t *testing.T) {
		resp, err := http.Post(a.url+bookPath, "text/plain", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("status %d, want 415", resp.StatusCode)
		}
	})
	// Only the one booking that was meant to succeed is stored.
	page, err := a.sched.Search(context.Background(), store.Query{ResourceType: "Appointment"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Resources) != 1 {
		t.Errorf("%d appointments stored, want 1", len(page.Resources))
	}
}
