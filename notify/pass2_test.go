package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// Anyone can sign with the empty key: a receiver whose secret is missing
// from its configuration must refuse every delivery, not accept forgeries.
func TestVerifyRefusesEmptySecret(t *testing.T) {
	body := []byte(`{"resourceType":"Bundle","type":"message"}`)
	for _, secret := range [][]byte{nil, {}} {
		forged := Sign(secret, sigNow, body)
		if err := Verify(secret, forged, body, sigNow, 0); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("Verify(%q) of a signature made with the empty key = %v, want ErrInvalidSignature", secret, err)
		}
	}
}

// appendEvent records e in st's event log.
func appendEvent(t *testing.T, st store.Store, e scheduling.Event) {
	t.Helper()
	ctx := context.Background()
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
		t.Fatal(err)
	}
}

// The lightweight form carries no names and no free text (fhir.MessageLightweight):
// not in the patient's identifiers (type text, assigner display) and not in
// the participants of an appointment without a patient (display, type text).
func TestWebhookLightweightCarriesNoFreeText(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	put(t, st, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}, Name: []scheduling.HumanName{{Family: "Doe"}},
		Identifier: []scheduling.Identifier{{System: "urn:mrn", Value: "MRN-42",
			Type:     &scheduling.CodeableConcept{Coding: []scheduling.Coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "MR", Display: "Record of Jane Doe"}}, Text: "MRN of Jane Doe"},
			Assigner: &scheduling.Reference{Display: "Jane's clinic"}}}})
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	lee := &scheduling.Reference{Reference: "Practitioner/d1", Display: "Dr Lee",
		Identifier: &scheduling.Identifier{System: "urn:npi", Value: "123", Type: &scheduling.CodeableConcept{Text: "Lee's NPI"}}}
	attender := []scheduling.CodeableConcept{{Text: "the attending Dr Lee"}}
	for _, a := range []scheduling.Appointment{
		{Meta: scheduling.Meta{ID: "with-patient", Version: 1}, Status: scheduling.AppointmentBooked, Start: start, End: start.Add(time.Hour),
			Description: "Jane's knee", Participant: []scheduling.Participant{
				{Actor: &scheduling.Reference{Reference: "Patient/p1", Display: "Jane Doe"}, Status: scheduling.ParticipationAccepted},
				{Type: attender, Actor: lee, Status: scheduling.ParticipationAccepted}}},
		{Meta: scheduling.Meta{ID: "no-patient", Version: 1}, Status: scheduling.AppointmentBooked, Start: start, End: start.Add(time.Hour),
			Participant: []scheduling.Participant{{Type: attender, Actor: lee, Status: scheduling.ParticipationAccepted}}},
	} {
		appendEvent(t, st, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: a.ID, At: start.Add(-time.Hour),
			From: scheduling.AppointmentProposed, To: a.Status, Appointment: a})
	}
	evs, err := st.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	hook, err := NewWebhook(WebhookOptions{Name: "app", URL: "https://app.example/hook", Secret: testSecret,
		Source: "https://clinic.example/fhir", Form: fhir.MessageLightweight, Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		body, err := hook.Message(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"Jane", "Doe", "Lee", "attending", "knee"} {
			if strings.Contains(string(body), text) {
				t.Errorf("%s: the lightweight Bundle carries %q: %s", e.AppointmentID, text, body)
			}
		}
		b, err := fhir.Unmarshal[fhir.Bundle](body)
		if err != nil {
			t.Fatalf("%s: %v", e.AppointmentID, err)
		}
		if err := fhir.Validate(b); err != nil {
			t.Errorf("%s: the lightweight Bundle is not valid: %v", e.AppointmentID, err)
		}
	}
	// What identifies stays: the patient's identifier and its type code,
	// and the practitioner's reference and identifier.
	withPatient, _ := hook.Message(ctx, evs[0])
	noPatient, _ := hook.Message(ctx, evs[1])
	for _, want := range []string{`"value":"MRN-42"`, `"code":"MR"`} {
		if !strings.Contains(string(withPatient), want) {
			t.Errorf("with-patient: %s missing from %s", want, withPatient)
		}
	}
	for _, want := range []string{`"reference":"Practitioner/d1"`, `"value":"123"`} {
		if !strings.Contains(string(noPatient), want) {
			t.Errorf("no-patient: %s missing from %s", want, noPatient)
		}
	}
}

// remindedAppointment stores a patient and a booked appointment, records
// its 2-hour reminder and returns the store, the clock and the appointment.
func remindedAppointment(t *testing.T) (*memstore.Store, *clock, *scheduling.Appointment) {
	t.Helper()
	start := time.Date(2026, 6, 10, 13, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(-2 * time.Hour)}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	a := bookedAppointment("a1", start, "")
	put(t, st, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}, Identifier: []scheduling.Identifier{{Value: "42"}}}, a)
	r, err := NewReminders(st, ReminderOptions{Offsets: []Offset{Before(2 * time.Hour)}, Now: clk.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("reminders = %d, %v", n, err)
	}
	return st, clk, a
}

// A reminder that was dead-lettered, and whose appointment was then
// cancelled or moved, is not sent by Redeliver: Deliver would have dropped
// it, and a cancelled appointment gets no reminder (see Reminders).
func TestRedeliverDropsStaleReminder(t *testing.T) {
	for _, change := range []string{"cancelled", "moved"} {
		t.Run(change, func(t *testing.T) {
			ctx := context.Background()
			st, clk, a := remindedAppointment(t)
			rc := newReceiver(t, false)
			rc.status = func(n int) int {
				if n == 0 {
					return http.StatusBadRequest // the reminder is refused: a dead letter
				}
				return http.StatusOK
			}
			dead := NewMemoryDeadLetters(quiet, 0)
			hook, err := NewWebhook(WebhookOptions{Name: "app", URL: rc.srv.URL, Secret: testSecret,
				Source: "https://clinic.example/fhir", Store: st, DeadLetters: dead, Now: clk.Now, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			d := openslot.NewDispatcher(st, nil)
			if err := d.Subscribe(hook.Name(), hook.Deliver); err != nil {
				t.Fatal(err)
			}
			if _, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			letters := dead.List()
			if len(letters) != 1 || letters[0].EventType != EventReminder {
				t.Fatalf("dead letters %+v, want the reminder", letters)
			}

			// Before any change the reminder still applies: Redeliver sends it.
			if err := hook.Redeliver(ctx, letters[0]); err != nil || len(rc.requests()) != 2 {
				t.Fatalf("Redeliver of a current reminder = %v, %d requests; want it sent", err, len(rc.requests()))
			}

			if change == "cancelled" {
				a.Status = scheduling.AppointmentCancelled
			} else {
				a.Start, a.End = a.Start.Add(24*time.Hour), a.End.Add(24*time.Hour)
			}
			put(t, st, a)
			if err := hook.Redeliver(ctx, letters[0]); err != nil {
				t.Fatalf("Redeliver of a stale reminder = %v, want nil (dropped)", err)
			}
			if n := len(rc.requests()); n != 2 {
				t.Errorf("the reminder of a %s appointment was redelivered (%d requests, want 2)", change, n)
			}
		})
	}
}

// A dead letter carries the Bundle built for its own subscriber, in its
// form: redelivering it through another subscriber's webhook would send,
// say, a detailed Bundle with patient names to a lightweight subscriber,
// under a delivery id that subscriber never had. Redeliver refuses.
func TestRedeliverRefusesOtherSubscribersDeadLetter(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t, false)
	hook, err := NewWebhook(WebhookOptions{Name: "app", URL: rc.srv.URL, Secret: testSecret,
		Source: "https://clinic.example/fhir", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	d := DeadLetter{Subscriber: "ehr", Cursor: 1, EventType: scheduling.EventBooked, AppointmentID: "a1",
		Body: []byte(`{"resourceType":"Bundle","type":"message"}`)}
	if err := hook.Redeliver(ctx, d); err == nil {
		t.Error("Redeliver of another subscriber's dead letter = nil, want an error")
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// Several instances run a pass at the same moment (released together by
// a barrier) over many appointments with several offsets due: each
// reminder is recorded exactly once, and the counts RunOnce returns add
// up to the events recorded.
func TestRemindersConcurrentPassesBehindBarrier(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 10, 13, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(-25 * time.Hour)}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	const appts, instances = 30, 8
	for i := range appts {
		put(t, st, bookedAppointment(fmt.Sprintf("a%02d", i), start.Add(time.Duration(i)*time.Minute), ""))
	}
	offsets := []Offset{DaysBefore(1), Before(2 * time.Hour)}
	pass := func(at time.Time) int {
		t.Helper()
		clk.Set(at)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			total   int
			barrier = make(chan struct{})
		)
		for range instances {
			r, err := NewReminders(st, ReminderOptions{Offsets: offsets, Now: clk.Now, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				<-barrier
				n, err := r.RunOnce(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		close(barrier)
		wg.Wait()
		return total
	}
	// A day before the last start: every day-before reminder is due.
	if n := pass(start.Add(appts * time.Minute).Add(-24 * time.Hour)); n != appts {
		t.Errorf("day-before pass recorded %d, want %d", n, appts)
	}
	// An hour before the first start: every 2-hour reminder is due.
	if n := pass(start.Add(-time.Hour)); n != appts {
		t.Errorf("2-hour pass recorded %d, want %d", n, appts)
	}
	if n := pass(start.Add(-time.Hour)); n != 0 {
		t.Errorf("a repeated pass recorded %d, want 0", n)
	}
	seen := map[string]int{}
	for _, e := range reminderEvents(t, st) {
		seen[e.AppointmentID+" "+e.Appointment.Start.Sub(e.At).String()]++
	}
	if len(seen) != 2*appts {
		t.Errorf("%d distinct reminders, want %d: %v", len(seen), 2*appts, seen)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("reminder %s recorded %d times", k, n)
		}
	}
}
