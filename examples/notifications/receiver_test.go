package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/notify"
	"github.com/openslot/openslot/scheduling"
)

// newReceiver returns a receiver printing to out.
func newReceiver(out *bytes.Buffer) *receiver {
	return &receiver{out: &syncWriter{w: out}, seen: map[string]bool{}}
}

// post delivers body to rc, signed, with the given delivery id.
func post(rc *receiver, body []byte, delivery string) int {
	req := httptest.NewRequest(http.MethodPost, "/ehr", bytes.NewReader(body))
	req.Header.Set(notify.SignatureHeader, notify.Sign(secret, time.Now(), body))
	req.Header.Set(notify.DeliveryHeader, delivery)
	rec := httptest.NewRecorder()
	rc.ServeHTTP(rec, req)
	return rec.Code
}

// TestRefusedDeliveryFailsTheRun: doc.go promises that the program exits 0
// when every delivery arrived and verified. A delivery the receiver
// refuses for any reason (here a signed body that is not a notification,
// which the webhook then dead-letters and moves past) must count against
// that, as a bad signature does.
func TestRefusedDeliveryFailsTheRun(t *testing.T) {
	var out bytes.Buffer
	rc := newReceiver(&out)
	if code := post(rc, []byte(`{"resourceType":"Bundle","type":"message"}`), "ehr-1"); code != http.StatusBadRequest {
		t.Fatalf("signed non-notification: status %d", code)
	}
	if rc.rejected != 1 || rc.verified != 0 {
		t.Errorf("after a refused delivery: %d rejected, %d verified; want 1 and 0 (run must not exit 0)", rc.rejected, rc.verified)
	}
}

// TestRepeatedDeliveryCountsOnce: at least once delivery may repeat a
// delivery id; the receiver acknowledges the repeat and prints and counts
// it once.
func TestRepeatedDeliveryCountsOnce(t *testing.T) {
	at := time.Date(2026, 3, 5, 8, 0, 0, 0, clinic)
	start := time.Date(2026, 3, 8, 9, 0, 0, 0, clinic)
	pat := scheduling.Ref("Patient", "pat-1")
	appt := scheduling.Appointment{Meta: scheduling.Meta{ID: "id1"}, Status: scheduling.AppointmentBooked,
		Start: start, End: start.Add(30 * time.Minute), Participant: []scheduling.Participant{{Actor: &pat, Status: scheduling.ParticipationAccepted}}}
	b, err := fhir.NewMessage(scheduling.Event{Type: scheduling.EventBooked, AppointmentID: "id1", At: at,
		From: scheduling.AppointmentProposed, To: scheduling.AppointmentBooked, Appointment: appt},
		fhir.MessageOptions{ID: "m1", Source: "https://clinic.example/fhir"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := fhir.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rc := newReceiver(&out)
	for range 2 {
		if code := post(rc, body, "ehr-1"); code != http.StatusNoContent {
			_, err := describe(body)
			t.Fatalf("delivery: status %d (%v)\n%s", code, err, body)
		}
	}
	if rc.verified != 1 || rc.rejected != 0 || strings.Count(out.String(), "ehr-1") != 1 {
		t.Errorf("a delivery sent twice: %d verified, %d rejected, printed:\n%s", rc.verified, rc.rejected, out.String())
	}
}
