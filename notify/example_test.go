package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/notify"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// A receiver checks every delivery before it trusts the body.
func ExampleVerify() {
	secret := []byte("whsec-shared")
	body := []byte(`{"resourceType":"Bundle","type":"message"}`)
	sent := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	header := notify.Sign(secret, sent, body)
	fmt.Println(header[:13])

	fmt.Println(notify.Verify(secret, header, body, sent.Add(30*time.Second), 5*time.Minute))
	err := notify.Verify(secret, header, []byte(`{"forged":true}`), sent, 5*time.Minute)
	fmt.Println(errors.Is(err, notify.ErrInvalidSignature))
	err = notify.Verify(secret, header, body, sent.Add(time.Hour), 5*time.Minute) // replayed an hour later
	fmt.Println(errors.Is(err, notify.ErrStaleSignature))
	// Output:
	// t=1772442000,
	// <nil>
	// true
	// true
}

// "1 day before" keeps the wall clock across a daylight-saving change;
// "24 hours before" does not.
func ExampleOffset_Due() {
	ny, _ := time.LoadLocation("America/New_York")
	start := time.Date(2026, 3, 8, 9, 0, 0, 0, ny) // clocks went forward at 02:00 that day
	fmt.Println(notify.DaysBefore(1).Due(start, ny).Format("Mon 15:04 MST"))
	fmt.Println(notify.Before(24*time.Hour).Due(start, ny).In(ny).Format("Mon 15:04 MST"))
	fmt.Println(notify.Before(2*time.Hour).Due(start, ny).Format("Mon 15:04 MST"))
	// Output:
	// Sat 09:00 EST
	// Sat 08:00 EST
	// Sun 07:00 EDT
}

// Events of the log reach a webhook as signed FHIR message Bundles.
func ExampleWebhook() {
	ctx := context.Background()
	secret := []byte("whsec-shared")
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.Verify(secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		b, err := fhir.Unmarshal[fhir.Bundle](body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h := b.Entry[0].Resource.(*fhir.MessageHeader)
		a := b.Entry[1].Resource.(*fhir.Appointment)
		fmt.Println(r.Header.Get(notify.DeliveryHeader), h.EventURI, a.Status, a.Start)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	st := memstore.New(nil)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	appt := scheduling.Appointment{Meta: scheduling.Meta{ID: "a1"}, Status: scheduling.AppointmentBooked,
		Start: start, End: start.Add(20 * time.Minute),
		Participant: []scheduling.Participant{{Actor: &scheduling.Reference{Reference: "Patient/p1"},
			Status: scheduling.ParticipationAccepted}}}
	_ = st.Update(ctx, func(tx store.Tx) error { // what the Scheduler records when it books
		return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: "a1", At: start.Add(-time.Hour),
			From: scheduling.AppointmentProposed, To: scheduling.AppointmentBooked, Appointment: appt})
	})

	hook, err := notify.NewWebhook(notify.WebhookOptions{Name: "ehr", URL: receiver.URL, Secret: secret,
		Source: "https://clinic.example/fhir", Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := openslot.NewDispatcher(st, nil)
	_ = d.Subscribe(hook.Name(), hook.Deliver)
	n, err := d.RunOnce(ctx)
	fmt.Println(n, err)
	// Output:
	// ehr-1 https://openslot.dev/fhir/events/appointment-booked booked 2026-03-02T09:00:00Z
	// 1 <nil>
}
