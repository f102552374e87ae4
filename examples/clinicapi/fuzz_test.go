package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openslot/openslot/store/memstore"
)

// fuzzRoutes are the endpoints that read a JSON body.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/dr/v1/patient"},
	{"POST", bookPath},
	{"PUT", bookPath},
	{"PUT", apptPath + "check-in"},
	{"PUT", apptPath + "cancel"},
}

// FuzzRequestBody sends arbitrary bodies to every endpoint that reads one:
// the answer is never a 5xx, always JSON, and an error always carries a
// code and a message.
func FuzzRequestBody(f *testing.F) {
	for i, body := range []string{
		`{"first_name":"Meera","mobile":"+919800000002","date_of_birth":"1990-05-17"}`,
		`{"doctor_id":"dr-asha-rao","clinic_id":"sunrise-indiranagar","patient_id":"patient-ravi-kumar","start_time":"2026-03-03T10:00:00+05:30","appointment_type":"routine","payment_mode":"card"}`,
		`{"appointment_id":"x","start_time":"2026-03-03T10:30:00+05:30"}`,
		`{"appointment_id":"x"}`,
		`{"appointment_id":"x","reason":"r"}`,
		`{"doctor_id":"dr-asha-rao","clinic_id":"sunrise-indiranagar","patient":{"first_name":"A","mobile":"+911234567"},"start_time":"2026-03-03T11:00:00+05:30","appointment_type":"walkin","payment_mode":"cash"}`,
		`{"first_name":5}`,
		`[`,
		``,
	} {
		f.Add(uint8(i%len(fuzzRoutes)), []byte(body))
	}
	h := newServer(newTestScheduler(f, memstore.New(nil)), testClock, nil)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: status %d: %s", rt.method, rt.path, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s %q: body is not JSON: %s", rt.method, rt.path, body, rec.Body)
		}
		if rec.Code >= 400 {
			var e errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s %q: status %d without an error code and message: %s", rt.method, rt.path, body,
					rec.Code, rec.Body)
			}
		}
		if rec.Code != http.StatusOK && rec.Code != http.StatusCreated && rec.Code < 400 {
			t.Fatalf("%s %s %q: unexpected status %d", rt.method, rt.path, body, rec.Code)
		}
	})
}
