package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openslot/openslot/store/memstore"
)

// FuzzBookAppointment sends arbitrary bodies to the endpoint: the answer is
// never a 5xx, always the CRM's response shape, and a refusal always says
// why.
func FuzzBookAppointment(f *testing.F) {
	for _, body := range []any{
		singleResource(at(3, 10, 0), at(3, 10, 30)),
		multiResource(at(3, 11, 0), at(3, 12, 0)),
		external("2026-03-04T12:00:00", "2026-03-04T12:30:00"),
		`{"startDate":"2026-03-03T10:00:00Z","participants":[{"reference":"Facility/x","isReferenceRequired":"yes"}]}`,
		`{"slots":[{"id":"1"}],"sourceSystem":" "}`,
		`{`,
	} {
		data, ok := body.(string)
		if !ok {
			raw, err := json.Marshal(body)
			if err != nil {
				f.Fatal(err)
			}
			data = string(raw)
		}
		f.Add([]byte(data))
	}
	h := newServer(newTestScheduler(f, memstore.New(nil)), nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", bookPath, bytes.NewReader(body)))
		if rec.Code >= 500 {
			t.Fatalf("%q: status %d: %s", body, rec.Code, rec.Body)
		}
		var resp bookAppointmentResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("%q: body is not the CRM response: %s", body, rec.Body)
		}
		switch {
		case rec.Code == http.StatusCreated:
			if !resp.IsSuccess || resp.ID == "" || resp.Status != statusScheduled {
				t.Fatalf("%q: 201 with %+v", body, resp)
			}
		case rec.Code >= 400:
			if resp.IsSuccess || resp.Status != statusRejected || len(resp.ErrorMessages) == 0 {
				t.Fatalf("%q: %d with %+v", body, rec.Code, resp)
			}
		default:
			t.Fatalf("%q: unexpected status %d", body, rec.Code)
		}
	})
}
