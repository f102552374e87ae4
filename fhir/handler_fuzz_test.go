package fhir

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The fuzzed handler's callers: Authorization of each value of FuzzHandler's
// who (modulo the length); the last one is a handler without an Authorizer.
var fuzzCallers = []string{"", tokAdmin, tokPatientA, tokPatientB, tokReader, "insecure"}

// Booked appointments the fuzz fixture adds, one per patient, with ids the
// seed corpus can name.
const (
	fuzzApptA = "appt-a"
	fuzzApptB = "appt-b"
)

// fuzzSecrets are, per confined patient, strings that only the other
// patient's resources contain: its id, its family name, its booking's id
// and the booking's comment.
var fuzzSecrets = map[string][]string{
	tokPatientA: {"pat-b", "Beta", fuzzApptB, "comment-of-b"},
	tokPatientB: {"pat-a", "Alpha", fuzzApptA, "comment-of-a"},
}

// newFuzzFixture is newFixture with a booking for each patient: appt-a
// (pat-a with dr-a, Tuesday 09:00 Vienna) and appt-b (pat-b with dr-b, at
// the same time).
func newFuzzFixture(t testing.TB, secure bool) *fixture {
	t.Helper()
	f := newFixture(t, secure)
	for _, b := range []struct{ id, patient, dr, comment string }{
		{fuzzApptA, "pat-a", "dr-a", "comment-of-a"},
		{fuzzApptB, "pat-b", "dr-b", "comment-of-b"},
	} {
		body := `{"resourceType":"Appointment","id":"` + b.id + `","status":"proposed","comment":"` + b.comment + `",` +
			`"start":"2026-03-03T08:00:00Z","end":"2026-03-03T08:30:00Z","participant":[` +
			`{"actor":{"reference":"Patient/` + b.patient + `"},"status":"accepted"},` +
			`{"actor":{"reference":"Practitioner/` + b.dr + `"},"status":"accepted"}]}`
		for _, req := range []struct{ method, path, body string }{
			{"PUT", "/Appointment/" + b.id, body},
			{"POST", "/Appointment/$book", params(pRef("appointment-reference", "Appointment/"+b.id))},
		} {
			r := httptest.NewRequest(req.method, "http://fhir.test"+req.path, strings.NewReader(req.body))
			r.Header.Set("Content-Type", "application/fhir+json")
			r.Header.Set("Authorization", "Bearer "+tokAdmin)
			w := httptest.NewRecorder()
			f.h.ServeHTTP(w, r)
			if w.Code >= 300 {
				t.Fatalf("seed %s %s: %d\n%s", req.method, req.path, w.Code, w.Body)
			}
		}
	}
	return f
}

// fuzzRequest is the request FuzzHandler sends, as an HTTP/1.1 server
// would parse it from the wire; ok is false when no server would accept
// it (a malformed request line or header), which is not the handler's
// business.
func fuzzRequest(method, target, contentType, accept, prefer, ifMatch, ifNoneMatch, key, auth string, body []byte) (*http.Request, bool) {
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\nHost: fhir.test\r\n", method, target)
	for _, h := range []struct{ name, value string }{
		{"Content-Type", contentType}, {"Accept", accept}, {"Prefer", prefer}, {"If-Match", ifMatch},
		{"If-None-Match", ifNoneMatch}, {"Idempotency-Key", key}, {"Authorization", auth},
	} {
		if h.value == "" {
			continue
		}
		for _, c := range []byte(h.value) {
			if (c < ' ' && c != '\t') || c == 0x7f {
				return nil, false
			}
		}
		fmt.Fprintf(&raw, "%s: %s\r\n", h.name, h.value)
	}
	if len(body) > 0 {
		fmt.Fprintf(&raw, "Content-Length: %d\r\n", len(body))
	}
	raw.WriteString("\r\n")
	raw.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&raw))
	if err != nil || r.Method == http.MethodConnect {
		return nil, false
	}
	return r, true
}

// FuzzHandler sends one arbitrary request to the whole handler over a
// store with a practice, two patients and a booking for each. Whatever the
// request: no panic and no 500 (the store does not fail here); every
// failure is an OperationOutcome, every other JSON answer decodes, a 405
// names the methods allowed, and a caller confined to one patient gets
// nothing of the other one that it did not send itself.
func FuzzHandler(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, target, contentType, accept, prefer, ifMatch, ifNoneMatch, key string, who uint8, body []byte) {
		caller := fuzzCallers[int(who)%len(fuzzCallers)]
		auth := ""
		if caller != "" && caller != "insecure" {
			auth = "Bearer " + caller
		}
		req, ok := fuzzRequest(method, target, contentType, accept, prefer, ifMatch, ifNoneMatch, key, auth, body)
		if !ok {
			return
		}
		fx := newFuzzFixture(t, caller != "insecure")
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		checkFuzzAnswer(t, caller, method, target, string(body)+"\x00"+contentType+accept+prefer+ifMatch+ifNoneMatch+key, w)
	})
}

// checkFuzzAnswer holds an answer to FuzzHandler's properties; sent is
// everything the request carried besides its target.
func checkFuzzAnswer(t *testing.T, caller, method, target, sent string, w *httptest.ResponseRecorder) {
	t.Helper()
	status, out := w.Code, w.Body.Bytes()
	switch {
	case status >= 500:
		t.Fatalf("%s %s: status %d\n%s", method, target, status, out)
	case status == http.StatusNotModified:
		if len(out) != 0 {
			t.Fatalf("%s %s: 304 with a body\n%s", method, target, out)
		}
	case status >= 300 && status < 400:
		// ServeMux's redirects to the clean path of /a//b or /a/./b.
		if w.Header().Get("Location") == "" {
			t.Fatalf("%s %s: %d without Location", method, target, status)
		}
	case status >= 400:
		r, err := Decode(out)
		if err != nil {
			t.Fatalf("%s %s: %d answer does not decode: %v\n%s", method, target, status, err, out)
		}
		if _, ok := r.(*OperationOutcome); !ok {
			t.Fatalf("%s %s: %d answer is a %s, not an OperationOutcome", method, target, status, r.ResourceType())
		}
		if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
			t.Fatalf("%s %s: 405 without Allow", method, target)
		}
	case len(out) > 0:
		if _, err := Decode(out); err != nil {
			t.Fatalf("%s %s: %d answer does not decode: %v\n%s", method, target, status, err, out)
		}
	}
	answer := string(out) + "\x00" + w.Header().Get("Location")
	for _, s := range fuzzSecrets[caller] {
		if strings.Contains(answer, s) && !strings.Contains(target, s) && !strings.Contains(sent, s) {
			t.Fatalf("%s %s as %s: the answer names %q of the other patient\n%s", method, target, caller, s, out)
		}
	}
}

// TestRequestTargetStar: a request with the target * (found by
// FuzzHandler, testdata/fuzz/FuzzHandler/d8a56718dd9b4fd7) got the
// ServeMux's bare 400 with an empty body instead of an OperationOutcome.
func TestRequestTargetStar(t *testing.T) {
	for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
		req, ok := fuzzRequest(method, "*", "", "", "", "", "", "", "", nil)
		if !ok {
			t.Fatalf("%s *: not a request", method)
		}
		w := httptest.NewRecorder()
		newFixture(t, false).h.ServeHTTP(w, req)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("%s *: status %d, want 400", method, w.Code)
		}
		checkFuzzAnswer(t, "", method, "*", "", w)
	}
}
