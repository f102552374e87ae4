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

// The tests run at a fixed instant: Monday 2 March 2026, 08:00 in Bengaluru.
// Dr. Rao's first bookable slot is then 09:00 (one hour of notice).
var (
	kolkata = mustZone(demoZone)
	testNow = time.Date(2026, time.March, 2, 8, 0, 0, 0, kolkata)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is an instant on a date of the test week in Bengaluru.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, time.March, day, hour, minute, 0, 0, kolkata)
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

// testAPI is the clinic API on an httptest server over a seeded store.
type testAPI struct {
	t     *testing.T
	url   string
	sched *openslot.Scheduler
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	return newTestAPIOn(t, memstore.New(nil))
}

func newTestAPIOn(t *testing.T, st store.Store) *testAPI {
	t.Helper()
	sched := newTestScheduler(t, st)
	srv := httptest.NewServer(newServer(sched, testClock, nil))
	t.Cleanup(srv.Close)
	return &testAPI{t: t, url: srv.URL, sched: sched}
}

func testClock() time.Time { return testNow }

// newTestScheduler returns a Scheduler on st at the test clock, with the
// demo practice seeded.
func newTestScheduler(tb testing.TB, st store.Store) *openslot.Scheduler {
	tb.Helper()
	sched := openslot.New(st, &openslot.Options{Now: testClock})
	if err := seedDemo(context.Background(), sched); err != nil {
		tb.Fatalf("seedDemo: %v", err)
	}
	// Seeding twice leaves the store as it is (a restarted server on
	// PostgreSQL does that).
	if err := seedDemo(context.Background(), sched); err != nil {
		tb.Fatalf("seedDemo again: %v", err)
	}
	return sched
}

// do sends a request; body is sent as is when it is a string, else as JSON.
func (a *testAPI) do(method, path string, body any) (int, http.Header, []byte) {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.url+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		a.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return resp.StatusCode, resp.Header, data
}

// ok sends a request, requires status want and decodes the body into out.
func (a *testAPI) ok(method, path string, body any, want int, out any) {
	a.t.Helper()
	status, _, data := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
}

type errorBody struct {
	Error apiError `json:"error"`
}

// fails sends a request and requires an error with the status, code and
// field given (field "" means none).
func (a *testAPI) fails(method, path string, body any, status int, code, field string) apiError {
	a.t.Helper()
	got, _, data := a.do(method, path, body)
	var e errorBody
	if err := json.Unmarshal(data, &e); err != nil {
		a.t.Fatalf("%s %s: error body %s: %v", method, path, data, err)
	}
	if got != status || e.Error.Code != code || e.Error.Field != field {
		a.t.Errorf("%s %s: got %d %s field %q (%s), want %d %s field %q", method, path, got, e.Error.Code,
			e.Error.Field, e.Error.Message, status, code, field)
	}
	if e.Error.Message == "" {
		a.t.Errorf("%s %s: error without a message", method, path)
	}
	return e.Error
}

const (
	slotsPath = "/dr/v1/business/doctor/" + demoDoctor + "/clinic/" + demoClinic + "/appointments/slots"
	bookPath  = "/dr/v1/business/doctor/appointments/slots/book"
	apptPath  = "/dr/v1/business/appointments/"
)

// validBooking is a booking that succeeds on the seeded practice.
func validBooking(start time.Time) map[string]any {
	return map[string]any{
		"doctor_id": demoDoctor, "clinic_id": demoClinic, "patient_id": demoPatient,
		"start_time": rfc(start), "appointment_type": "routine", "payment_mode": "card",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
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

func TestAddPatient(t *testing.T) {
	a := newTestAPI(t)
	var p patientResponse
	a.ok("POST", "/dr/v1/patient", map[string]any{"first_name": "Meera", "last_name": "Nair",
		"mobile": "+91 98000 00002", "email": "meera@example.com", "gender": "female", "date_of_birth": "1990-05-17"},
		http.StatusCreated, &p)
	want := patientResponse{PatientID: p.PatientID, FirstName: "Meera", LastName: "Nair", Mobile: "+91 98000 00002",
		Email: "meera@example.com", Gender: "female", DateOfBirth: "1990-05-17"}
	if p.PatientID == "" || p != want {
		t.Fatalf("patient %+v, want %+v", p, want)
	}
	r, err := a.sched.Get(context.Background(), "Patient", p.PatientID)
	if err != nil {
		t.Fatalf("the patient is not in the directory: %v", err)
	}
	if got := newPatientResponse(r.(*scheduling.Patient)); got != want {
		t.Errorf("stored patient %+v, want %+v", got, want)
	}
}

func TestAddPatientRefusesBadInput(t *testing.T) {
	a := newTestAPI(t)
	valid := map[string]any{"first_name": "Meera", "mobile": "+919800000002"}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"no body", "", 400, codeInvalid, "body"},
		{"malformed JSON", `{"first_name":`, 400, codeInvalid, "body"},
		{"broken JSON", `{"first_name" "x"}`, 400, codeInvalid, "body"},
		{"an array", `[]`, 400, codeInvalid, "body"},
		{"two objects", `{"first_name":"A","mobile":"+919800000002"} {}`, 400, codeInvalid, "body"},
		{"unknown field", with(valid, "nickname", "M"), 400, codeInvalid, "nickname"},
		{"wrong type", with(valid, "first_name", 5), 400, codeInvalid, "first_name"},
		{"no first name", with(valid, "first_name", nil), 400, codeInvalid, "first_name"},
		{"blank first name", with(valid, "first_name", "  "), 400, codeInvalid, "first_name"},
		{"long first name", with(valid, "first_name", strings.Repeat("a", maxName+1)), 400, codeInvalid, "first_name"},
		{"long last name", with(valid, "last_name", strings.Repeat("a", maxName+1)), 400, codeInvalid, "last_name"},
		{"no mobile", with(valid, "mobile", nil), 400, codeInvalid, "mobile"},
		{"bad mobile", with(valid, "mobile", "call me"), 400, codeInvalid, "mobile"},
		{"bad email", with(valid, "email", "meera at example"), 400, codeInvalid, "email"},
		{"bad gender", with(valid, "gender", "f"), 400, codeInvalid, "gender"},
		{"bad birth date", with(valid, "date_of_birth", "17/05/1990"), 400, codeInvalid, "date_of_birth"},
		{"future birth date", with(valid, "date_of_birth", "2030-01-01"), 400, codeInvalid, "date_of_birth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.fails("POST", "/dr/v1/patient", tc.body, tc.status, tc.code, tc.field)
		})
	}
	a.t = t
	t.Run("content type", func(t *testing.T) {
		req, _ := http.NewRequest("POST", a.url+"/dr/v1/patient", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("status %d, want 415", resp.StatusCode)
		}
	})
	t.Run("too large", func(t *testing.T) {
		a.t = t
		body := `{"first_name":"` + strings.Repeat("a", maxBody) + `"}`
		a.fails("POST", "/dr/v1/patient", body, http.StatusRequestEntityTooLarge, codeTooLarge, "")
	})
	// Nothing refused was stored: the directory holds the seeded patient only.
	page, err := a.sched.Search(context.Background(), store.Query{ResourceType: "Patient"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Resources) != 1 {
		t.Errorf("%d patients in the directory, want only the seeded one", len(page.Resources))
	}
}

func TestSearchSlots(t *testing.T) {
	a := newTestAPI(t)
	var got slotsResponse
	a.ok("GET", slotsPath+"?start_date=2026-03-02&end_date=2026-03-03", nil, http.StatusOK, &got)
	if got.DoctorID != demoDoctor || got.ClinicID != demoClinic || got.TimeZone != demoZone ||
		got.StartDate != "2026-03-02" || got.EndDate != "2026-03-03" || len(got.Days) != 2 {
		t.Fatalf("response %+v", got)
	}
	// 09:00-13:00 and 14:00-17:00 in 30-minute slots: 8 + 6 a day.
	for i, d := range got.Days {
		if len(d.Slots) != 14 {
			t.Errorf("day %s: %d slots, want 14", d.Date, len(d.Slots))
			continue
		}
		first, last := d.Slots[0], d.Slots[13]
		if want := at(2+i, 9, 0); !first.StartTime.Equal(want) || !first.EndTime.Equal(want.Add(30*time.Minute)) {
			t.Errorf("day %s: first slot %v-%v, want %v", d.Date, first.StartTime, first.EndTime, want)
		}
		if want := at(2+i, 16, 30); !last.StartTime.Equal(want) {
			t.Errorf("day %s: last slot %v, want %v", d.Date, last.StartTime, want)
		}
		if d.Slots[8].StartTime.Hour() != 14 {
			t.Errorf("day %s: lunch break missing: ninth slot %v", d.Date, d.Slots[8].StartTime)
		}
	}
	// Slot times are written in the clinic's zone.
	status, _, data := a.do("GET", slotsPath+"?start_date=2026-03-02&end_date=2026-03-02", nil)
	if status != http.StatusOK || !strings.Contains(string(data), `"start_time": "2026-03-02T09:00:00+05:30"`) {
		t.Errorf("status %d, body %s: want start times with the +05:30 offset", status, data)
	}

	// A weekend has no hours; a booked slot is not offered again.
	a.ok("POST", bookPath, validBooking(at(3, 10, 0)), http.StatusCreated, nil)
	a.ok("GET", slotsPath+"?start_date=2026-03-03&end_date=2026-03-08", nil, http.StatusOK, &got)
	counts := make(map[string]int)
	for _, d := range got.Days {
		counts[d.Date] = len(d.Slots)
		for _, s := range d.Slots {
			if s.StartTime.Equal(at(3, 10, 0)) {
				t.Errorf("the booked 10:00 slot is still offered")
			}
		}
	}
	want := map[string]int{"2026-03-03": 13, "2026-03-04": 14, "2026-03-05": 14, "2026-03-06": 14,
		"2026-03-07": 0, "2026-03-08": 0}
	for d, n := range want {
		if counts[d] != n {
			t.Errorf("%s: %d slots, want %d", d, counts[d], n)
		}
	}

	// Any range is allowed; the schedule's 60-day horizon ends the slots.
	a.ok("GET", slotsPath+"?start_date=2026-03-02&end_date=2027-03-01", nil, http.StatusOK, &got)
	if len(got.Days) != 365 {
		t.Fatalf("%d days, want 365", len(got.Days))
	}
	lastDay := ""
	for _, d := range got.Days {
		if len(d.Slots) > 0 {
			lastDay = d.Date
		}
	}
	if lastDay != "2026-04-30" {
		t.Errorf("last day with slots %s, want 2026-04-30 (the horizon)", lastDay)
	}
}

func TestSearchSlotsRefusesBadInput(t *testing.T) {
	a := newTestAPI(t)
	base := "/dr/v1/business/doctor/%s/clinic/%s/appointments/slots"
	path := func(doctor, clinic, query string) string {
		return strings.Replace(strings.Replace(base, "%s", doctor, 1), "%s", clinic, 1) + query
	}
	for _, tc := range []struct {
		name   string
		path   string
		status int
		code   string
		field  string
	}{
		{"no start date", path(demoDoctor, demoClinic, "?end_date=2026-03-03"), 400, codeInvalid, "start_date"},
		{"no end date", path(demoDoctor, demoClinic, "?start_date=2026-03-03"), 400, codeInvalid, "end_date"},
		{"bad start date", path(demoDoctor, demoClinic, "?start_date=03/03/2026&end_date=2026-03-03"), 400, codeInvalid, "start_date"},
		{"bad end date", path(demoDoctor, demoClinic, "?start_date=2026-03-03&end_date=2026-02-30"), 400, codeInvalid, "end_date"},
		{"end before start", path(demoDoctor, demoClinic, "?start_date=2026-03-03&end_date=2026-03-02"), 400, codeInvalid, "end_date"},
		{"range too long", path(demoDoctor, demoClinic, "?start_date=2026-03-02&end_date=2027-03-03"), 400, codeInvalid, "end_date"},
		{"unknown parameter", path(demoDoctor, demoClinic, "?start_date=2026-03-02&end_date=2026-03-02&limit=3"), 400, codeInvalid, "limit"},
		{"bad doctor id", path("dr_rao!", demoClinic, "?start_date=2026-03-02&end_date=2026-03-02"), 400, codeInvalid, "doctor_id"},
		{"bad clinic id", path(demoDoctor, "clinic_1", "?start_date=2026-03-02&end_date=2026-03-02"), 400, codeInvalid, "clinic_id"},
		{"unknown doctor", path("dr-nobody", demoClinic, "?start_date=2026-03-02&end_date=2026-03-02"), 404, codeNotFound, "doctor_id"},
		{"unknown clinic", path(demoDoctor, "nowhere", "?start_date=2026-03-02&end_date=2026-03-02"), 404, codeNotFound, "clinic_id"},
		{"doctor not at clinic", path(demoDoctor, demoClinic2, "?start_date=2026-03-02&end_date=2026-03-02"), 404, codeNotFound, "clinic_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.fails("GET", tc.path, nil, tc.status, tc.code, tc.field)
		})
	}
}

func TestBookRefusesBadInput(t *testing.T) {
	a := newTestAPI(t)
	valid := validBooking(at(3, 10, 0))
	newPatient := map[string]any{"first_name": "Meera", "mobile": "+919800000002"}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"no body", "", 400, codeInvalid, "body"},
		{"unknown field", with(valid, "business_id", "x"), 400, codeInvalid, "business_id"},
		{"no doctor", with(valid, "doctor_id", nil), 400, codeInvalid, "doctor_id"},
		{"bad doctor id", with(valid, "doctor_id", "dr rao"), 400, codeInvalid, "doctor_id"},
		{"no clinic", with(valid, "clinic_id", nil), 400, codeInvalid, "clinic_id"},
		{"no patient", with(valid, "patient_id", nil), 400, codeInvalid, "patient_id"},
		{"both patient forms", with(valid, "patient", newPatient), 400, codeInvalid, "patient_id"},
		{"new patient without a name", with(valid, "patient_id", nil, "patient", map[string]any{"mobile": "+919800000002"}),
			400, codeInvalid, "patient.first_name"},
		{"new patient with a bad mobile", with(valid, "patient_id", nil, "patient", map[string]any{"first_name": "M", "mobile": "x"}),
			400, codeInvalid, "patient.mobile"},
		{"no start time", with(valid, "start_time", nil), 400, codeInvalid, "start_time"},
		{"start time without offset", with(valid, "start_time", "2026-03-03T10:00:00"), 400, codeInvalid, "start_time"},
		{"bad end time", with(valid, "end_time", "later"), 400, codeInvalid, "end_time"},
		{"end before start", with(valid, "end_time", rfc(at(3, 9, 30))), 400, codeInvalid, "end_time"},
		{"no appointment type", with(valid, "appointment_type", nil), 400, codeInvalid, "appointment_type"},
		{"unknown appointment type", with(valid, "appointment_type", "massage"), 400, codeInvalid, "appointment_type"},
		{"no payment mode", with(valid, "payment_mode", nil), 400, codeInvalid, "payment_mode"},
		{"unknown payment mode", with(valid, "payment_mode", "barter"), 400, codeInvalid, "payment_mode"},
		{"notes too long", with(valid, "notes", strings.Repeat("n", maxNotes+1)), 400, codeInvalid, "notes"},
		{"unknown doctor", with(valid, "doctor_id", "dr-nobody"), 404, codeNotFound, "doctor_id"},
		{"unknown clinic", with(valid, "clinic_id", "nowhere"), 404, codeNotFound, "clinic_id"},
		{"doctor not at clinic", with(valid, "clinic_id", demoClinic2), 404, codeNotFound, "clinic_id"},
		{"unknown patient", with(valid, "patient_id", "patient-nobody"), 404, codeNotFound, "patient_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.fails("POST", bookPath, tc.body, tc.status, tc.code, tc.field)
		})
	}
	a.t = t
	assertNoAppointments(t, a.sched)
}

func assertNoAppointments(t *testing.T, sched *openslot.Scheduler) {
	t.Helper()
	page, err := sched.Search(context.Background(), store.Query{ResourceType: "Appointment"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Resources) != 0 {
		t.Errorf("%d appointments stored by refused requests", len(page.Resources))
	}
}

func TestBookRefusesTimesTheDoctorDoesNotOffer(t *testing.T) {
	a := newTestAPI(t)
	for _, tc := range []struct {
		name  string
		start time.Time
		end   time.Time
	}{
		{"inside the notice", at(2, 8, 30), time.Time{}},
		{"in the past", at(1, 10, 0), time.Time{}},
		{"off the grid", at(3, 10, 10), time.Time{}},
		{"lunch break", at(3, 13, 0), time.Time{}},
		{"weekend", at(7, 10, 0), time.Time{}},
		{"beyond the horizon", time.Date(2026, time.May, 4, 10, 0, 0, 0, kolkata), time.Time{}},
		{"odd length", at(3, 10, 0), at(3, 10, 45)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			body := validBooking(tc.start)
			if !tc.end.IsZero() {
				body["end_time"] = rfc(tc.end)
			}
			a.fails("POST", bookPath, body, http.StatusConflict, codeSlotUnavailable, "")
		})
	}
	a.t = t
	assertNoAppointments(t, a.sched)
}

func TestBookTakenSlot(t *testing.T) {
	a := newTestAPI(t)
	var first appointmentResponse
	a.ok("POST", bookPath, validBooking(at(3, 10, 0)), http.StatusCreated, &first)
	e := a.fails("POST", bookPath, validBooking(at(3, 10, 0)), http.StatusConflict, codeSlotTaken, "")
	if !strings.Contains(e.Message, "slot taken") {
		t.Errorf("message %q does not say the slot is taken", e.Message)
	}
	// A longer appointment that overlaps it is refused as well; one that
	// covers the two slots after it is accepted.
	a.fails("POST", bookPath, with(validBooking(at(3, 9, 30)), "end_time", rfc(at(3, 10, 30))),
		http.StatusConflict, codeSlotTaken, "")
	var long appointmentResponse
	a.ok("POST", bookPath, with(validBooking(at(3, 10, 30)), "end_time", rfc(at(3, 11, 30))), http.StatusCreated, &long)
	if !long.EndTime.Equal(at(3, 11, 30)) {
		t.Errorf("end %v, want 11:30", long.EndTime)
	}
}

func TestBookNewPatient(t *testing.T) {
	a := newTestAPI(t)
	details := map[string]any{"first_name": "Meera", "last_name": "Nair", "mobile": "+919800000002"}
	body := with(validBooking(at(3, 10, 0)), "patient_id", nil, "patient", details)
	var got appointmentResponse
	a.ok("POST", bookPath, body, http.StatusCreated, &got)
	if got.PatientID == "" || got.Patient == nil || got.Patient.FirstName != "Meera" || got.Patient.PatientID != got.PatientID {
		t.Fatalf("booking %+v: want the new patient", got)
	}
	if _, err := a.sched.Get(context.Background(), "Patient", got.PatientID); err != nil {
		t.Errorf("the new patient is not in the directory: %v", err)
	}

	// A booking that fails leaves no patient behind.
	before := countPatients(t, a.sched)
	other := with(details, "first_name", "Anil")
	a.fails("POST", bookPath, with(body, "patient", other), http.StatusConflict, codeSlotTaken, "")
	a.fails("POST", bookPath, with(body, "patient", other, "start_time", rfc(at(7, 10, 0))),
		http.StatusConflict, codeSlotUnavailable, "")
	if after := countPatients(t, a.sched); after != before {
		t.Errorf("%d patients after failed bookings, want %d", after, before)
	}
}

func countPatients(t *testing.T, sched *openslot.Scheduler) int {
	t.Helper()
	page, err := sched.Search(context.Background(), store.Query{ResourceType: "Patient", Total: true})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Resources)
}

func TestAppointmentEndpointsRefuseBadInput(t *testing.T) {
	a := newTestAPI(t)
	var booked, cancelled appointmentResponse
	a.ok("POST", bookPath, validBooking(at(3, 10, 0)), http.StatusCreated, &booked)
	a.ok("POST", bookPath, validBooking(at(3, 12, 0)), http.StatusCreated, nil)
	a.ok("POST", bookPath, validBooking(at(3, 11, 0)), http.StatusCreated, &cancelled)
	a.ok("PUT", apptPath+"cancel", map[string]any{"appointment_id": cancelled.AppointmentID}, http.StatusOK, nil)
	id := booked.AppointmentID
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"get unknown", "GET", apptPath + "nope", nil, 404, codeNotFound, "appointment_id"},
		{"get bad id", "GET", apptPath + "no%20pe", nil, 400, codeInvalid, "appointment_id"},
		{"check in without id", "PUT", apptPath + "check-in", map[string]any{}, 400, codeInvalid, "appointment_id"},
		{"check in unknown", "PUT", apptPath + "check-in", map[string]any{"appointment_id": "nope"}, 404, codeNotFound, "appointment_id"},
		{"check in with a reason", "PUT", apptPath + "check-in", map[string]any{"appointment_id": id, "reason": "x"}, 400, codeInvalid, "reason"},
		{"check in cancelled", "PUT", apptPath + "check-in", map[string]any{"appointment_id": cancelled.AppointmentID}, 422, codeInvalidTransition, ""},
		{"cancel unknown", "PUT", apptPath + "cancel", map[string]any{"appointment_id": "nope"}, 404, codeNotFound, "appointment_id"},
		{"cancel twice", "POST", apptPath + "cancel", map[string]any{"appointment_id": cancelled.AppointmentID}, 422, codeInvalidTransition, ""},
		{"cancel reason too long", "PUT", apptPath + "cancel", map[string]any{"appointment_id": id, "reason": strings.Repeat("r", maxNotes+1)}, 400, codeInvalid, "reason"},
		{"modify without id", "PUT", bookPath, map[string]any{"start_time": rfc(at(3, 12, 0))}, 400, codeInvalid, "appointment_id"},
		{"modify unknown", "PUT", bookPath, map[string]any{"appointment_id": "nope", "start_time": rfc(at(3, 12, 0))}, 404, codeNotFound, "appointment_id"},
		{"modify nothing", "PUT", bookPath, map[string]any{"appointment_id": id}, 400, codeInvalid, "start_time"},
		{"modify time and details", "PUT", bookPath, map[string]any{"appointment_id": id, "start_time": rfc(at(3, 12, 0)), "payment_mode": "cash"}, 400, codeInvalid, "start_time"},
		{"modify end only", "PUT", bookPath, map[string]any{"appointment_id": id, "end_time": rfc(at(3, 12, 0))}, 400, codeInvalid, "end_time"},
		{"modify bad start", "PUT", bookPath, map[string]any{"appointment_id": id, "start_time": "noon"}, 400, codeInvalid, "start_time"},
		{"modify doctor", "PUT", bookPath, map[string]any{"appointment_id": id, "doctor_id": demoDoctor2}, 400, codeInvalid, "doctor_id"},
		{"modify bad payment mode", "PUT", bookPath, map[string]any{"appointment_id": id, "payment_mode": "barter"}, 400, codeInvalid, "payment_mode"},
		{"modify bad type", "PUT", bookPath, map[string]any{"appointment_id": id, "appointment_type": "spa"}, 400, codeInvalid, "appointment_type"},
		{"reschedule onto a taken slot", "PUT", bookPath, map[string]any{"appointment_id": id, "start_time": rfc(at(3, 12, 0))}, 409, codeSlotTaken, ""},
		{"reschedule a cancelled one", "PUT", bookPath, map[string]any{"appointment_id": cancelled.AppointmentID, "start_time": rfc(at(3, 12, 0))}, 422, codeInvalidTransition, ""},
		{"reschedule off the grid", "PUT", bookPath, map[string]any{"appointment_id": id, "start_time": rfc(at(3, 12, 5))}, 409, codeSlotUnavailable, ""},
		{"wrong method", "DELETE", apptPath + "cancel", nil, 405, codeMethodNotAllowed, ""},
		{"unknown path", "GET", "/dr/v1/nothing", nil, 404, codeNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.fails(tc.method, tc.path, tc.body, tc.status, tc.code, tc.field)
		})
	}
	a.t = t
	_, h, _ := a.do("GET", apptPath+"check-in", nil)
	if h.Get("Allow") != "PUT" {
		t.Errorf("Allow %q, want PUT", h.Get("Allow"))
	}
}
