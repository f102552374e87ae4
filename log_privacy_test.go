package openslot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Recognisable patient data: none of it may reach a log.
const (
	privacyName    = "Jane Doe"
	privacyMRN     = "MRN-SECRET-42"
	privacyComment = "SECRET COMMENT"
)

// privacyLeaks are the strings a log must not hold: every part of the
// patient data above.
var privacyLeaks = []string{"Jane", "Doe", "SECRET", privacyMRN, privacyComment}

// privacyBuffer is a log sink safe for the dispatcher's goroutines.
type privacyBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *privacyBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *privacyBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newPrivacyLogger() (*slog.Logger, *privacyBuffer) {
	buf := &privacyBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// checkNoPatientData fails when logs hold patient data, and when they lack
// one of the messages the test drove (so that it cannot pass by logging
// nothing).
func checkNoPatientData(t *testing.T, logs string, want ...string) {
	t.Helper()
	for _, leak := range privacyLeaks {
		if strings.Contains(logs, leak) {
			t.Errorf("the log holds %q:\n%s", leak, logs)
		}
	}
	for _, w := range want {
		if !strings.Contains(logs, w) {
			t.Errorf("the log lacks %q:\n%s", w, logs)
		}
	}
}

// quotingStore fails, when armed, the way a database driver does: with an
// error that quotes what it was given.
type quotingStore struct {
	store.Store
	armed atomic.Bool
}

var errQuoted = fmt.Errorf("driver: row (name=%q, mrn=%q, comment=%q) rejected", privacyName, privacyMRN, privacyComment)

func (s *quotingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.armed.Load() {
		return errQuoted
	}
	return s.Store.Update(ctx, fn)
}

func (s *quotingStore) View(ctx context.Context, fn func(tx store.ReadTx) error) error {
	if s.armed.Load() {
		return errQuoted
	}
	return s.Store.View(ctx, fn)
}

func privacyPatient() *scheduling.Patient {
	return &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"},
		Name:       []scheduling.HumanName{{Family: "Doe", Given: []string{"Jane"}, Text: privacyName}},
		Identifier: []scheduling.Identifier{{System: "urn:mrn", Value: privacyMRN}}}
}

func privacyAppointment(start time.Time) scheduling.Appointment {
	a := appt("p1", start, start.Add(30*time.Minute))
	a.Participant[0].Actor.Display = privacyName
	a.Participant[0].Actor.Identifier = &scheduling.Identifier{System: "urn:mrn", Value: privacyMRN}
	a.Comment = privacyComment
	a.Description = privacyComment + " of " + privacyName
	return a
}

// The Scheduler's Debug records of changes, refusals and retries hold ids,
// statuses, times and error kinds, whatever the appointments and the
// errors say.
func TestLogPrivacyScheduler(t *testing.T) {
	log, buf := newPrivacyLogger()
	f := newFixture(t, &openslot.Options{Logger: log})
	f.schedule("dr-a", "Practitioner/a", nil)
	if err := f.s.Create(f.ctx, privacyPatient()); err != nil {
		t.Fatal(err)
	}
	p := privacyPatient()
	p.Name[0].Given = append(p.Name[0].Given, "SECRET middle name")
	p.Version = 1
	if err := f.s.Update(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	booked := f.book(openslot.BookRequest{Appointment: privacyAppointment(at(0, 9, 0)), Schedules: []string{"dr-a"}})
	// Refusals of requests full of patient data: a taken time, a service
	// whose display text is free text, an invalid appointment.
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: privacyAppointment(at(0, 9, 0)),
		Schedules: []string{"dr-a"}}); !errors.Is(err, openslot.ErrConflict) {
		t.Fatalf("double booking: %v", err)
	}
	held := f.hold(openslot.BookRequest{Appointment: privacyAppointment(at(0, 10, 0)), Schedules: []string{"dr-a"},
		Service: ptrTo(scheduling.Concept("urn:svc", "gp", "General practice"))})
	secretService := scheduling.Concept("urn:svc", "knee", privacyComment+" for "+privacyName)
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{AppointmentID: held.ID, Service: &secretService}); !errors.Is(err,
		scheduling.ErrInvalid) {
		t.Fatalf("booking a hold for another service = %v; want scheduling.ErrInvalid", err)
	}
	bad := privacyAppointment(at(0, 11, 0))
	bad.End = bad.Start.Add(-time.Minute)
	if _, err := f.s.Book(f.ctx, openslot.BookRequest{Appointment: bad, Schedules: []string{"dr-a"}}); err == nil {
		t.Fatal("an appointment that ends before it starts was booked")
	}
	reason := scheduling.CodeableConcept{Text: privacyComment + ": " + privacyName + " moved away"}
	if _, err := f.s.Cancel(f.ctx, booked.ID, &reason); err != nil {
		t.Fatal(err)
	}
	checkNoPatientData(t, buf.String(), `"openslot: created"`, `"openslot: updated"`, `"openslot: book"`,
		`"openslot: book refused"`, `"error":"conflict"`, `"openslot: cancel"`)
}

func ptrTo[T any](v T) *T { return &v }

// A store whose errors quote patient data: the refusals and the sweeper's
// failures log the kind only.
func TestLogPrivacySchedulerStoreErrors(t *testing.T) {
	log, buf := newPrivacyLogger()
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	qs := &quotingStore{Store: f.st}
	s := openslot.New(qs, &openslot.Options{Now: f.clk.Now, Logger: log})
	qs.armed.Store(true)
	if _, err := s.Book(f.ctx, openslot.BookRequest{Appointment: privacyAppointment(at(0, 9, 0)),
		Schedules: []string{"dr-a"}}); !errors.Is(err, errQuoted) {
		t.Fatalf("Book over a failing store = %v", err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- s.RunSweeper(ctx, time.Hour) }()
	waitForLog(t, buf, `"openslot: sweep refused"`)
	cancel()
	<-done
	checkNoPatientData(t, buf.String(), `"openslot: book refused"`, `"error":"error"`)
}

// waitForLog waits until buf holds want.
func waitForLog(t *testing.T, buf *privacyBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the log:\n%s", want, buf.String())
		}
		time.Sleep(time.Millisecond)
	}
}

// A subscriber's error is logged by kind, by RunOnce and by Run: the
// handler's own text may quote the event's patient.
func TestLogPrivacyDispatcher(t *testing.T) {
	log, buf := newPrivacyLogger()
	f := newFixture(t, nil)
	f.schedule("dr-a", "Practitioner/a", nil)
	f.book(openslot.BookRequest{Appointment: privacyAppointment(at(0, 9, 0)), Schedules: []string{"dr-a"}})
	d := openslot.NewDispatcher(f.st, &openslot.DispatcherOptions{Now: f.clk.Now, Logger: log,
		PollInterval: time.Millisecond})
	if err := d.Subscribe("ehr", func(_ context.Context, e store.EventRecord) error {
		return fmt.Errorf("ehr refused %s (%s): %s", e.Appointment.Participant[0].Actor.Display,
			e.Appointment.Participant[0].Actor.Identifier.Value, e.Appointment.Comment)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(f.ctx); err == nil || !strings.Contains(err.Error(), privacyName) {
		t.Fatalf("RunOnce = %v; want the subscriber's error", err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitForLog(t, buf, `"openslot: event delivery failed"`)
	cancel()
	<-done
	checkNoPatientData(t, buf.String(), `"openslot: subscriber failed"`, `"subscriber":"ehr"`)
}
