package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/notify"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "notifications:", err)
		os.Exit(1)
	}
}

var clinic = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // the zone database ships with Go and the OS
	}
	return loc
}

// secret is shared by the sender and the receiver. A real one comes from a
// secret store, never from source code.
var secret = []byte("whsec-demo-only")

// clock is the clinic's clock: fixed, moved on by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// sequence returns ids "id1", "id2", ... so that the output is stable.
func sequence() func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("id%d", n)
	}
}

func run(ctx context.Context, w io.Writer) error {
	out := &syncWriter{w: w}

	// 1. The receiver: a local HTTP server standing in for an EHR and a
	// patient app.
	rc := &receiver{out: out, seen: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns when Shutdown runs
	defer func() { _ = srv.Shutdown(context.Background()) }()
	base := "http://" + ln.Addr().String()

	// 2. The clinic: Dr Lee's mornings, every day, a room, a patient.
	clk := &clock{now: time.Date(2026, 3, 5, 8, 0, 0, 0, clinic)} // Thursday
	st := memstore.New(&memstore.Options{Now: clk.Now})
	defer st.Close()
	s := openslot.New(st, &openslot.Options{Now: clk.Now, NewID: sequence()})
	lee, room, pat := scheduling.Ref("Practitioner", "lee"), scheduling.Ref("Location", "room-1"), scheduling.Ref("Patient", "pat-1")
	for _, r := range []scheduling.Resource{
		&scheduling.Practitioner{Meta: scheduling.Meta{ID: "lee"}, Name: []scheduling.HumanName{{Family: "Lee", Prefix: []string{"Dr"}}}},
		&scheduling.Location{Meta: scheduling.Meta{ID: "room-1"}, Name: "Room 1", Status: "active"},
		&scheduling.Patient{Meta: scheduling.Meta{ID: "pat-1"}, Name: []scheduling.HumanName{{Family: "Rivera", Given: []string{"Ana"}}},
			Identifier: []scheduling.Identifier{{System: "urn:example:mrn", Value: "MRN-0042"}}},
		&scheduling.Schedule{Meta: scheduling.Meta{ID: "lee-mornings"}, Actor: []scheduling.Reference{lee, room},
			Availability: scheduling.Availability{TimeZone: "America/New_York", Rules: []scheduling.AvailabilityRule{{
				RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 5},
				Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(12, 0, 0)}}},
			Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute}},
	} {
		if err := s.Create(ctx, r); err != nil {
			return err
		}
	}

	// 3. Notifications: two webhooks behind one dispatcher, and reminders
	// a day and two hours before each appointment.
	ehr, err := notify.NewWebhook(notify.WebhookOptions{Name: "ehr", URL: base + "/ehr", Secret: secret,
		Source: "https://clinic.example/fhir", Form: fhir.MessageDetailed, Store: st})
	if err != nil {
		return err
	}
	app, err := notify.NewWebhook(notify.WebhookOptions{Name: "patient-app", URL: base + "/app", Secret: secret,
		Source: "https://clinic.example/fhir", Form: fhir.MessageLightweight, Store: st,
		Events: []scheduling.EventType{scheduling.EventBooked, scheduling.EventRescheduled, scheduling.EventCancelled,
			notify.EventReminder}})
	if err != nil {
		return err
	}
	d := openslot.NewDispatcher(st, &openslot.DispatcherOptions{Now: clk.Now})
	for _, h := range []*notify.Webhook{ehr, app} {
		if err := d.Subscribe(h.Name(), h.Deliver); err != nil {
			return err
		}
	}
	reminders, err := notify.NewReminders(st, notify.ReminderOptions{Now: clk.Now,
		Offsets: []notify.Offset{notify.DaysBefore(1), notify.Before(2 * time.Hour)}})
	if err != nil {
		return err
	}
	deliver := func() error {
		_, err := d.RunOnce(ctx)
		return err
	}
	remind := func(at time.Time) error {
		clk.Set(at)
		n, err := reminders.RunOnce(ctx)
		if err != nil {
			return err
		}
		out.printf("\n%s: %d reminder(s) due\n", at.Format(stamp), n)
		return deliver()
	}

	// 4. The story.
	// Sunday 8 March: the day clocks go forward at 02:00.
	sunday9 := time.Date(2026, 3, 8, 9, 0, 0, 0, clinic)
	appt, err := s.Book(ctx, openslot.BookRequest{Appointment: scheduling.Appointment{
		Start: sunday9, End: sunday9.Add(30 * time.Minute),
		Participant: []scheduling.Participant{{Actor: &pat}, {Actor: &lee}, {Actor: &room}}}})
	if err != nil {
		return err
	}
	out.printf("%s: booked %s for %s\n", clk.Now().Format(stamp), appt.ID, appt.Start.In(clinic).Format(stamp))
	if err := deliver(); err != nil {
		return err
	}

	// Saturday 09:00: the day-before reminder, at the same wall time, which
	// is 23 hours before the start since Sunday is 23 hours long.
	if err := remind(time.Date(2026, 3, 7, 9, 0, 0, 0, clinic)); err != nil {
		return err
	}

	clk.Set(time.Date(2026, 3, 7, 12, 0, 0, 0, clinic))
	moved := sunday9.Add(90 * time.Minute)
	if appt, err = s.Reschedule(ctx, appt.ID, openslot.RescheduleRequest{Start: moved, End: moved.Add(30 * time.Minute)}); err != nil {
		return err
	}
	out.printf("\n%s: rescheduled %s to %s\n", clk.Now().Format(stamp), appt.ID, appt.Start.In(clinic).Format(stamp))
	if err := deliver(); err != nil {
		return err
	}

	// Sunday 08:30: two hours before the new time. The day-before reminder
	// of the new time (Saturday 10:30) fell due before the move and no pass
	// ran since; only the latest due reminder is sent, never two at once.
	if err := remind(moved.Add(-2 * time.Hour)); err != nil {
		return err
	}

	clk.Set(moved.Add(-time.Hour))
	if _, err := s.Cancel(ctx, appt.ID, &scheduling.CodeableConcept{Text: "patient called"}); err != nil {
		return err
	}
	out.printf("\n%s: cancelled %s\n", clk.Now().Format(stamp), appt.ID)
	if err := deliver(); err != nil {
		return err
	}
	if err := remind(moved.Add(-30 * time.Minute)); err != nil {
		return err
	}

	// 5. What arrived.
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out.printf("\n%d deliveries, all signatures verified\n", rc.verified)
	if rc.rejected > 0 {
		return fmt.Errorf("%d deliveries failed verification or were refused", rc.rejected)
	}
	return nil
}

const stamp = "Mon 02 Jan 15:04 MST"

// receiver verifies and prints every delivery, and counts those it refuses.
type receiver struct {
	out *syncWriter

	mu       sync.Mutex
	seen     map[string]bool
	verified int
	rejected int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.rejected++
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if err := notify.Verify(secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		rc.rejected++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	id := r.Header.Get(notify.DeliveryHeader)
	if rc.seen[id] { // at least once: a repeat is acknowledged and ignored
		w.WriteHeader(http.StatusNoContent)
		return
	}
	line, err := describe(body)
	if err != nil {
		// Refused for good: the webhook dead-letters it and moves on, so
		// count it here, or the run would end as if all had arrived.
		rc.rejected++
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.seen[id] = true
	rc.verified++
	rc.out.printf("  %-14s %s\n", id, line)
	w.WriteHeader(http.StatusNoContent)
}

// describe summarises a notification Bundle in one line.
func describe(body []byte) (string, error) {
	b, err := fhir.Unmarshal[fhir.Bundle](body)
	if err != nil {
		return "", err
	}
	if b.Type != "message" || len(b.Entry) < 2 {
		return "", errors.New("not a notification")
	}
	h, ok1 := b.Entry[0].Resource.(*fhir.MessageHeader)
	a, ok2 := b.Entry[1].Resource.(*fhir.Appointment)
	if !ok1 || !ok2 {
		return "", errors.New("not a notification")
	}
	var sb strings.Builder
	sb.WriteString(strings.TrimPrefix(h.EventURI, fhir.EventURIBase))
	for _, x := range h.Extension {
		switch x.URL {
		case fhir.ExtCoarseEvent:
			fmt.Fprintf(&sb, " (%s)", strings.TrimPrefix(x.ValueURI, fhir.EventURIBase))
		case fhir.ExtPreviousPeriod:
			fmt.Fprintf(&sb, ", was %s", local(x.ValuePeriod.Start))
		}
	}
	fmt.Fprintf(&sb, ": %s %s at %s", a.ID, a.Status, local(a.Start))
	if strings.HasSuffix(h.EventURI, "appointment-reminder") {
		due, _ := time.Parse(time.RFC3339, b.Timestamp)
		start, _ := time.Parse(time.RFC3339, a.Start)
		fmt.Fprintf(&sb, ", %s ahead", start.Sub(due))
	}
	var kinds []string
	for _, e := range b.Entry[1:] {
		kinds = append(kinds, e.Resource.ResourceType())
		if p, ok := e.Resource.(*fhir.Patient); ok && len(p.Identifier) > 0 {
			kinds[len(kinds)-1] += " " + p.Identifier[0].Value
		}
	}
	fmt.Fprintf(&sb, " [%s]", strings.Join(kinds, ", "))
	return sb.String(), nil
}

func local(instant string) string {
	t, err := time.Parse(time.RFC3339, instant)
	if err != nil {
		return instant
	}
	return t.In(clinic).Format(stamp)
}

// syncWriter serialises the writes of the receiver and the main flow.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, format, args...)
}
