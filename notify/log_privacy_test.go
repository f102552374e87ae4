package notify

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// Recognisable patient data and receiver credentials: none of it may
// reach a log or a DeadLetter.Reason.
const (
	privacyName    = "Jane Doe"
	privacyMRN     = "MRN-SECRET-42"
	privacyComment = "SECRET COMMENT"
)

var privacyLeaks = []string{"Jane", "Doe", "SECRET", privacyMRN, privacyComment,
	"user", "pass@", "user:pass", "token"}

// privacyBuffer is a log sink safe for concurrent writers and readers.
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

// checkNoPatientData fails when text (logs or a Reason) holds patient data
// or credentials, and when it lacks one of want.
func checkNoPatientData(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, leak := range privacyLeaks {
		if strings.Contains(text, leak) {
			t.Errorf("%s holds %q:\n%s", what, leak, text)
		}
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// privacyEvents stores Jane Doe and a booked appointment of hers with a
// comment, and returns its event.
func privacyEvents(t *testing.T, st store.Store, start time.Time) store.EventRecord {
	t.Helper()
	put(t, st, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"},
		Name:       []scheduling.HumanName{{Family: "Doe", Given: []string{"Jane"}, Text: privacyName}},
		Identifier: []scheduling.Identifier{{System: "urn:mrn", Value: privacyMRN}}})
	a := scheduling.Appointment{Meta: scheduling.Meta{ID: "a1"}, Status: scheduling.AppointmentBooked,
		Start: start, End: start.Add(30 * time.Minute), Comment: privacyComment,
		Participant: []scheduling.Participant{{Actor: &scheduling.Reference{Reference: "Patient/p1", Display: privacyName},
			Status: scheduling.ParticipationAccepted}}}
	put(t, st, &a) // Create sets a.Version
	appendEvent(t, st, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: a.ID, At: start.Add(-time.Hour),
		From: scheduling.AppointmentProposed, To: a.Status, Appointment: a})
	evs, err := st.Events(context.Background(), 0, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Events = %v, %v", evs, err)
	}
	return evs[0]
}

// deliverPrivately delivers Jane Doe's event to url with a detailed form
// (her name in the body) and returns the logs and the dead letters.
func deliverPrivately(t *testing.T, rawURL string) (string, []DeadLetter) {
	t.Helper()
	log, buf := newPrivacyLogger()
	st := memstore.New(nil)
	e := privacyEvents(t, st, sigNow.Add(24*time.Hour))
	hook, err := NewWebhook(WebhookOptions{Name: "ehr", URL: rawURL, Secret: testSecret, Source: "https://clinic.example/fhir",
		Form: fhir.MessageDetailed, Store: st, MaxAttempts: 2, Timeout: 5 * time.Second,
		Backoff: Backoff{Initial: time.Millisecond, Max: 2 * time.Millisecond}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := hook.Deliver(context.Background(), e); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	letters := hook.DeadLetters().(*MemoryDeadLetters).List()
	if len(letters) != 1 || !bytes.Contains(letters[0].Body, []byte(privacyMRN)) {
		t.Fatalf("dead letters %+v, want one with Jane Doe's message", letters)
	}
	return buf.String(), letters
}

// withCredentials puts user info and a query token into a receiver URL.
func withCredentials(t *testing.T, base, path string) (string, string) {
	t.Helper()
	u, err := url.Parse(base + path)
	if err != nil {
		t.Fatal(err)
	}
	stripped := u.String()
	u.User = url.UserPassword("user", "pass")
	u.RawQuery = "token=SECRET"
	return u.String(), stripped
}

// A receiver that cannot be reached: the transport's error quotes the URL
// with its user name and query token; logs and Reason name the kind and
// the URL without them.
func TestLogPrivacyWebhookUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	raw, stripped := withCredentials(t, "http://"+addr, "/hook")
	logs, letters := deliverPrivately(t, raw)
	checkNoPatientData(t, "the log", logs, `"notify: delivery attempt failed"`, `"notify: event dead-lettered"`,
		"POST "+stripped+": connection-refused")
	checkNoPatientData(t, "Reason", letters[0].Reason, "POST "+stripped+": connection-refused", "after 2 attempts")
}

// A receiver that refuses the message with an answer quoting it, and one
// that answers with garbage the transport quotes in its error.
func TestLogPrivacyWebhookReceiverAnswers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/refuse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Patient", privacyName)
		http.Error(w, "no such patient "+privacyName+" "+privacyMRN+" "+privacyComment, http.StatusUnprocessableEntity)
	})
	mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(conn, "HTTP/1.1 %s %s\r\n\r\n", privacyComment, privacyName)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, c := range []struct{ path, want string }{
		{"/refuse", "receiver answered 422 Unprocessable Entity"},
		{"/garbage", ": error"},
	} {
		raw, _ := withCredentials(t, srv.URL, c.path)
		logs, letters := deliverPrivately(t, raw)
		checkNoPatientData(t, c.path+": the log", logs, `"notify: delivery attempt failed"`, c.want)
		checkNoPatientData(t, c.path+": Reason", letters[0].Reason, c.want)
	}
}

// An event that cannot become a message: the encoder's error quotes the
// element at fault; the Reason says which event, not why in its words.
func TestLogPrivacyWebhookInvalidMessage(t *testing.T) {
	log, buf := newPrivacyLogger()
	start := sigNow.Add(24 * time.Hour)
	a := scheduling.Appointment{Meta: scheduling.Meta{ID: "a1", Version: 1}, Status: scheduling.AppointmentBooked,
		Start: start, End: start.Add(30 * time.Minute), Comment: privacyComment,
		Unmapped: scheduling.Elements{"note on " + privacyName: []byte(`{` + privacyMRN)}}
	e := store.EventRecord{Cursor: 7, Event: scheduling.Event{Type: scheduling.EventBooked, AppointmentID: a.ID,
		At: start.Add(-time.Hour), To: a.Status, Appointment: a}}
	raw, _ := withCredentials(t, "https://ehr.example", "/hook")
	hook, err := NewWebhook(WebhookOptions{Name: "ehr", URL: raw, Secret: testSecret, Source: "https://clinic.example/fhir",
		Form: fhir.MessageDetailed, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hook.Message(context.Background(), e); err == nil || !strings.Contains(err.Error(), privacyName) {
		t.Fatalf("Message = %v; want an error quoting the element", err)
	}
	if err := hook.Deliver(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	letters := hook.DeadLetters().(*MemoryDeadLetters).List()
	if len(letters) != 1 {
		t.Fatalf("dead letters %+v, want one", letters)
	}
	checkNoPatientData(t, "the log", buf.String(), `"notify: event dead-lettered"`, `"cursor":7`)
	checkNoPatientData(t, "Reason", letters[0].Reason, "message: event 7 of appointment a1")
}

// quotingStore fails writes, when armed, the way a database driver does:
// with an error that quotes what it was given.
type quotingStore struct {
	store.Store
	armed atomic.Bool
}

func (s *quotingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.armed.Load() {
		return fmt.Errorf("driver: row (name=%q, mrn=%q, comment=%q) rejected", privacyName, privacyMRN, privacyComment)
	}
	return s.Store.Update(ctx, fn)
}

// A reminder that cannot be recorded, by RunOnce and by Run.
func TestLogPrivacyReminders(t *testing.T) {
	log, buf := newPrivacyLogger()
	start := sigNow.Add(3 * time.Hour)
	qs := &quotingStore{Store: memstore.New(nil)}
	privacyEvents(t, qs, start)
	qs.armed.Store(true)
	r, err := NewReminders(qs, ReminderOptions{Offsets: []Offset{Before(4 * time.Hour)},
		Now: func() time.Time { return sigNow }, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunOnce(context.Background()); err == nil || !strings.Contains(err.Error(), privacyName) {
		t.Fatalf("RunOnce = %v; want the store's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, time.Hour) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "notify: reminder pass failed") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	checkNoPatientData(t, "the log", buf.String(), `"notify: reminder not recorded"`, `"appointment":"a1"`,
		`"notify: reminder pass failed"`, `"error":"error"`)
}
