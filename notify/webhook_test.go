package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

var testSecret = []byte("whsec-test")

var quiet = slog.New(slog.DiscardHandler)

// request is one request as the receiver saw it.
type request struct {
	seq      int64  // when it was sent, in ackTransport's sequence; 0 without one
	run      string // the sending process (see ackTransport)
	delivery string
	cursor   int64
	appt     string
	event    string
	verified bool
	answered int // the status the receiver chose; 0 for a dropped connection
}

// receiver is an httptest server that verifies signatures, records every
// request and misbehaves at random: it drops the connection, answers late
// (after the sender's timeout) or answers 500.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	rng    *rand.Rand
	reqs   []request
	chaos  bool
	status func(n int) int // when set, decides the status of the n-th request
	late   time.Duration
}

func newReceiver(t *testing.T, chaos bool) *receiver {
	rc := &receiver{t: t, rng: rand.New(rand.NewPCG(1, 2)), chaos: chaos, late: 150 * time.Millisecond}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	// The sender numbered the request before sending it: a request handled
	// late (after its attempt timed out) keeps its place in send order.
	seq, _ := strconv.ParseInt(r.Header.Get("Test-Seq"), 10, 64)
	req := request{seq: seq, run: r.Header.Get("Test-Run"), delivery: r.Header.Get(DeliveryHeader),
		event:    r.Header.Get(EventHeader),
		verified: Verify(testSecret, r.Header.Get(SignatureHeader), body, time.Now(), time.Minute) == nil}
	if r.Header.Get("Content-Type") != "application/fhir+json" {
		req.verified = false
	}
	if b, err := fhir.Unmarshal[fhir.Bundle](body); err == nil && len(b.Entry) > 1 {
		req.appt = fhir.ResourceID(b.Entry[1].Resource)
		req.cursor, _ = strconv.ParseInt(strings.TrimPrefix(b.ID, "event-"), 10, 64)
	} else {
		req.verified = false
	}
	rc.mu.Lock()
	mode := 9 // behave
	if rc.chaos {
		mode = rc.rng.IntN(10)
	}
	n := len(rc.reqs)
	rc.mu.Unlock()
	status := http.StatusOK
	switch {
	case rc.status != nil:
		status = rc.status(n)
	case mode < 2: // drop the connection
		status = 0
	case mode < 3: // answer after the sender gave up
		time.Sleep(rc.late)
	case mode < 5:
		status = http.StatusInternalServerError
	}
	req.answered = status
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, req)
	rc.mu.Unlock()
	if status == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		status = http.StatusBadGateway
	}
	w.WriteHeader(status)
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

// ackTransport numbers, in one sequence, each request as it is sent (in its
// Test-Seq header, which the receiver records) and the moment a sending
// process received a 2xx for a delivery: its acknowledged success. Both are
// the sender's view, so a request that was sent after an acknowledgement is
// a resend, however late the receiver handles the requests. It also tags
// each request with the process (run) that sent it.
type ackTransport struct {
	seq  atomic.Int64
	mu   sync.Mutex
	acks map[string]int64 // run + " " + delivery id -> sequence number
}

func (a *ackTransport) client(run string) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context()) // a RoundTripper must not modify its request
		r.Header.Set("Test-Run", run)
		r.Header.Set("Test-Seq", strconv.FormatInt(a.seq.Add(1), 10))
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && resp.StatusCode/100 == 2 {
			a.mu.Lock()
			if _, ok := a.acks[run+" "+r.Header.Get(DeliveryHeader)]; !ok {
				a.acks[run+" "+r.Header.Get(DeliveryHeader)] = a.seq.Add(1)
			}
			a.mu.Unlock()
		}
		return resp, err
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// seedEvents stores a patient, a practitioner and appointments, and appends
// events for them, interleaved: each appointment is booked, rescheduled,
// checked in and fulfilled or cancelled.
func seedEvents(t testing.TB, st store.Store, appts int) int {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	patient := &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"},
		Identifier: []scheduling.Identifier{{System: "urn:mrn", Value: "42"}}, Name: []scheduling.HumanName{{Family: "Doe"}}}
	doctor := &scheduling.Practitioner{Meta: scheduling.Meta{ID: "d1"}, Name: []scheduling.HumanName{{Family: "Welby"}}}
	put(t, st, patient, doctor)
	steps := []struct {
		typ    scheduling.EventType
		status scheduling.AppointmentStatus
	}{
		{scheduling.EventBooked, scheduling.AppointmentBooked},
		{scheduling.EventRescheduled, scheduling.AppointmentBooked},
		{scheduling.EventCheckedIn, scheduling.AppointmentCheckedIn},
		{scheduling.EventFulfilled, scheduling.AppointmentFulfilled},
	}
	n := 0
	for i, step := range steps {
		for j := range appts {
			a := scheduling.Appointment{Meta: scheduling.Meta{ID: fmt.Sprintf("a%02d", j), Version: int64(i + 1)},
				Status: step.status, Start: start.Add(time.Duration(j) * time.Hour), End: start.Add(time.Duration(j)*time.Hour + 30*time.Minute),
				Participant: []scheduling.Participant{
					{Actor: &scheduling.Reference{Reference: "Patient/p1"}, Status: scheduling.ParticipationAccepted},
					{Actor: &scheduling.Reference{Reference: "Practitioner/d1"}, Status: scheduling.ParticipationAccepted}}}
			e := scheduling.Event{Type: step.typ, AppointmentID: a.ID, At: start.Add(-time.Duration(10-i) * time.Hour),
				To: step.status, Appointment: a}
			if step.typ == scheduling.EventRescheduled {
				e.OldStart, e.OldEnd = a.Start.Add(-24*time.Hour), a.End.Add(-24*time.Hour)
			}
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	return n
}

func newTestWebhook(t *testing.T, st store.Store, url string, client *http.Client, dead DeadLetters) *Webhook {
	t.Helper()
	w, err := NewWebhook(WebhookOptions{Name: "ehr", URL: url, Secret: testSecret, Source: "https://clinic.example/fhir",
		Form: fhir.MessageDetailed, Store: st, Client: client, Timeout: 60 * time.Millisecond, MaxAttempts: 25,
		Backoff: Backoff{Initial: time.Millisecond, Max: 8 * time.Millisecond}, DeadLetters: dead, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// runUntil runs dispatchers until done reports true or the deadline.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func storedCursor(t *testing.T, st store.Store, name string) int64 {
	t.Helper()
	var c int64
	if err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		c, err = tx.Cursor(context.Background(), "dispatcher:"+name)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkDeliveries asserts what the brief demands of a flaky receiver's log:
// every event arrived, signed; per appointment (and overall) first arrivals
// follow cursor order; nothing was sent again by a process after it saw a
// 2xx for it. (A new process may send again the event it was delivering
// when the old one stopped: at least once. The restart test checks that
// nothing before the stored cursor is sent again.)
//
// Resends are judged in send order (request.seq), since an attempt that
// timed out may reach the handler only after its retry was acknowledged.
// First arrivals are judged in the order the receiver recorded requests:
// it records a request before answering it, so an acknowledged event was
// recorded before the next event was sent.
func checkDeliveries(t *testing.T, reqs []request, acks map[string]int64, total int) {
	t.Helper()
	first := map[int64]bool{}
	var order []int64
	lastPerAppt := map[string]int64{}
	for _, r := range reqs {
		if !r.verified {
			t.Errorf("request %+v failed signature or content checks", r)
		}
		if r.seq == 0 || r.run == "" {
			t.Errorf("request %+v was not numbered and tagged by ackTransport", r)
		}
		if ack, ok := acks[r.run+" "+r.delivery]; ok && r.seq > ack {
			t.Errorf("delivery %s was sent again (request %d) after its success was acknowledged (%d)", r.delivery, r.seq, ack)
		}
		if !first[r.cursor] {
			first[r.cursor] = true
			order = append(order, r.cursor)
			if r.cursor < lastPerAppt[r.appt] {
				t.Errorf("appointment %s: event %d arrived after event %d", r.appt, r.cursor, lastPerAppt[r.appt])
			}
			lastPerAppt[r.appt] = r.cursor
		}
	}
	if len(order) != total || !slices.IsSorted(order) {
		t.Errorf("first arrivals %v: want all %d events in cursor order", order, total)
	}
	acked := map[string]bool{}
	for k := range acks {
		acked[k[strings.IndexByte(k, ' ')+1:]] = true
	}
	for c := int64(1); c <= int64(total); c++ {
		if !acked["ehr-"+strconv.FormatInt(c, 10)] {
			t.Errorf("event %d was never acknowledged", c)
		}
	}
}

func TestWebhookFlakyReceiverWithRestart(t *testing.T) {
	st := memstore.New(nil)
	total := seedEvents(t, st, 6)
	rc := newReceiver(t, true)
	acks := &ackTransport{acks: map[string]int64{}}
	dead := NewMemoryDeadLetters(quiet, 0)

	run := func(name string, stopAfter func() bool) {
		hook := newTestWebhook(t, st, rc.srv.URL, acks.client(name), dead)
		// The restarted process keeps its holder name, so it takes its
		// lease back at once instead of waiting for it to lapse.
		d := openslot.NewDispatcher(st, &openslot.DispatcherOptions{PollInterval: 2 * time.Millisecond,
			Holder: "instance-1", LeaseTTL: time.Minute})
		if err := d.Subscribe(hook.Name(), hook.Deliver); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		waitFor(t, "deliveries", stopAfter)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
	}

	// First process: stop in the middle, possibly while an attempt or a
	// backoff is in flight.
	run("first", func() bool { return storedCursor(t, st, "ehr") >= int64(total/2) })
	resumeAt := storedCursor(t, st, "ehr")
	if resumeAt >= int64(total) {
		t.Fatalf("the first run delivered everything (cursor %d); the restart tests nothing", resumeAt)
	}

	// Second process: resumes from the stored cursor. Whether a request
	// came from it is told by its sender, not by when it arrived: an
	// attempt of the first process may be handled after the restart.
	run("second", func() bool { return storedCursor(t, st, "ehr") == int64(total) })
	reqs := rc.requests()
	for _, r := range reqs {
		if r.run == "second" && r.cursor <= resumeAt {
			t.Errorf("after the restart event %d was sent again, though the cursor was at %d", r.cursor, resumeAt)
		}
	}
	acks.mu.Lock()
	defer acks.mu.Unlock()
	checkDeliveries(t, reqs, acks.acks, total)
	if len(dead.List()) != 0 {
		t.Errorf("dead letters %+v, want none (25 attempts)", dead.List())
	}
	failures := 0
	for _, r := range reqs {
		if r.answered != http.StatusOK {
			failures++
		}
	}
	t.Logf("%d events, %d requests, %d failed attempts, restart at cursor %d", total, len(reqs), failures, resumeAt)
	if failures == 0 {
		t.Error("the receiver never failed: the test proves nothing")
	}
}

// Two dispatchers (two app instances) on one store with leases: every event
// is delivered, in order, none lost. On PostgreSQL each instance has its own
// pool on one shared schema, as two processes would.
func TestWebhookTwoInstances(t *testing.T) {
	t.Run("memstore", func(t *testing.T) {
		st := memstore.New(nil)
		testWebhookInstances(t, []store.Store{st, st})
	})
	t.Run("pgstore", func(t *testing.T) {
		schema := pgtest.Schema(t)
		var stores []store.Store
		for range 2 {
			stores = append(stores, pgstore.New(pgtest.New(t, pgtest.Options{Schema: schema, MaxConns: 4}), nil))
		}
		testWebhookInstances(t, stores)
	})
}

// testWebhookInstances runs one dispatcher with a webhook per store (all
// on the same data) against a flaky receiver until every event is
// acknowledged, then checks the deliveries.
func testWebhookInstances(t *testing.T, stores []store.Store) {
	total := seedEvents(t, stores[0], 5)
	rc := newReceiver(t, true)
	acks := &ackTransport{acks: map[string]int64{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, st := range stores {
		hook := newTestWebhook(t, st, rc.srv.URL, acks.client("instance-"+strconv.Itoa(i)), NewMemoryDeadLetters(quiet, 0))
		d := openslot.NewDispatcher(st, &openslot.DispatcherOptions{PollInterval: 2 * time.Millisecond,
			Holder: "instance-" + strconv.Itoa(i)})
		if err := d.Subscribe(hook.Name(), hook.Deliver); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = d.Run(ctx) })
	}
	waitFor(t, "deliveries", func() bool { return storedCursor(t, stores[0], "ehr") == int64(total) })
	cancel()
	wg.Wait()
	acks.mu.Lock()
	defer acks.mu.Unlock()
	checkDeliveries(t, rc.requests(), acks.acks, total)
}

func TestWebhookDeadLettersAndRedeliver(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	seedEvents(t, st, 1) // events 1..4 of appointment a00
	rc := newReceiver(t, false)
	// Event 1 gets 500 three times (MaxAttempts 3), event 2 gets a 400, the
	// rest succeed.
	rc.status = func(n int) int {
		switch {
		case n < 3:
			return http.StatusInternalServerError
		case n == 3:
			return http.StatusBadRequest
		}
		return http.StatusOK
	}
	dead := NewMemoryDeadLetters(quiet, 0)
	hook, err := NewWebhook(WebhookOptions{Name: "ehr", URL: rc.srv.URL, Secret: testSecret, Source: "https://clinic.example/fhir",
		Store: st, MaxAttempts: 3, Backoff: Backoff{Initial: time.Millisecond, Max: 2 * time.Millisecond}, DeadLetters: dead,
		Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	d := openslot.NewDispatcher(st, nil)
	if err := d.Subscribe(hook.Name(), hook.Deliver); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 4 {
		t.Fatalf("RunOnce = %d, %v; want all 4 events handled", n, err)
	}
	letters := dead.List()
	if len(letters) != 2 {
		t.Fatalf("dead letters %+v, want 2", letters)
	}
	if l := letters[0]; l.Cursor != 1 || l.Attempts != 3 || l.LastStatus != 500 || l.AppointmentID != "a00" ||
		l.EventType != scheduling.EventBooked || l.Subscriber != "ehr" || len(l.Body) == 0 {
		t.Errorf("first dead letter %+v", l)
	}
	if l := letters[1]; l.Cursor != 2 || l.Attempts != 1 || l.LastStatus != 400 {
		t.Errorf("a 400 is final at once: %+v", l)
	}
	if got := len(rc.requests()); got != 3+1+2 {
		t.Errorf("%d requests, want 6", got)
	}
	// The receiver recovered: an operator redelivers the dead letters.
	for _, l := range letters {
		if err := hook.Redeliver(ctx, l); err != nil {
			t.Errorf("Redeliver(%d): %v", l.Cursor, err)
		}
	}
	reqs := rc.requests()
	if last := reqs[len(reqs)-1]; last.delivery != "ehr-2" || !last.verified {
		t.Errorf("last request %+v, want a verified redelivery of ehr-2", last)
	}
}

// A dead letter that cannot be recorded keeps the event: Deliver fails and
// the dispatcher does not move on.
type failingDeadLetters struct{}

func (failingDeadLetters) Record(context.Context, DeadLetter) error { return errors.New("disk full") }

func TestWebhookDeadLetterFailureKeepsEvent(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	seedEvents(t, st, 1)
	rc := newReceiver(t, false)
	rc.status = func(int) int { return http.StatusGone }
	hook, err := NewWebhook(WebhookOptions{Name: "ehr", URL: rc.srv.URL, Secret: testSecret, Source: "https://clinic.example/fhir",
		DeadLetters: failingDeadLetters{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	d := openslot.NewDispatcher(st, nil)
	if err := d.Subscribe(hook.Name(), hook.Deliver); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(ctx); err == nil || n != 0 || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("RunOnce = %d, %v; want 0 and the dead-letter error", n, err)
	}
	if c := storedCursor(t, st, "ehr"); c != 0 {
		t.Errorf("cursor moved to %d", c)
	}
}

// Filters, lightweight bodies, and reminders that went stale before delivery.
func TestWebhookFiltersAndStaleReminders(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 10, 13, 0, 0, 0, time.UTC)
	clk := &clock{t: start.Add(-2 * time.Hour)}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	keep := bookedAppointment("keep", start, "")
	gone := bookedAppointment("gone", start, "")
	put(t, st, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}, Identifier: []scheduling.Identifier{{Value: "42"}},
		Name: []scheduling.HumanName{{Family: "Doe"}}}, keep, gone)
	r, err := NewReminders(st, ReminderOptions{Offsets: []Offset{Before(2 * time.Hour)}, Now: clk.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("reminders = %d, %v", n, err)
	}
	gone.Status = scheduling.AppointmentCancelled
	put(t, st, gone)
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventCancelled, AppointmentID: "gone", At: clk.Now(),
			From: scheduling.AppointmentBooked, To: scheduling.AppointmentCancelled, Appointment: gone.Clone()})
	}); err != nil {
		t.Fatal(err)
	}

	all := newReceiver(t, false)
	onlyCancels := newReceiver(t, false)
	d := openslot.NewDispatcher(st, nil)
	for _, o := range []WebhookOptions{
		{Name: "all", URL: all.srv.URL},
		{Name: "cancels", URL: onlyCancels.srv.URL, Events: []scheduling.EventType{scheduling.EventCancelled}},
	} {
		o.Secret, o.Source, o.Store, o.Logger = testSecret, "https://clinic.example/fhir", st, quiet
		hook, err := NewWebhook(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Subscribe(hook.Name(), hook.Deliver); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rq := range all.requests() {
		got = append(got, rq.event+":"+rq.appt)
	}
	if want := []string{"reminder:keep", "cancelled:gone"}; !slices.Equal(got, want) {
		t.Errorf("subscriber all got %v, want %v (the reminder of the cancelled appointment dropped)", got, want)
	}
	if reqs := onlyCancels.requests(); len(reqs) != 1 || reqs[0].event != "cancelled" {
		t.Errorf("filtered subscriber got %+v", reqs)
	}
}

func TestNewWebhookRefusesBadOptions(t *testing.T) {
	good := WebhookOptions{Name: "n", URL: "https://x.example/hook", Secret: []byte("k"), Source: "https://clinic.example/fhir"}
	if _, err := NewWebhook(good); err != nil {
		t.Fatalf("good options: %v", err)
	}
	for name, mutate := range map[string]func(*WebhookOptions){
		"no name":      func(o *WebhookOptions) { o.Name = "" },
		"relative url": func(o *WebhookOptions) { o.URL = "/hook" },
		"ftp url":      func(o *WebhookOptions) { o.URL = "ftp://x.example/" },
		"no secret":    func(o *WebhookOptions) { o.Secret = nil },
		"no source":    func(o *WebhookOptions) { o.Source = "" },
		"rel source":   func(o *WebhookOptions) { o.Source = "fhir" },
		"bad form":     func(o *WebhookOptions) { o.Form = 7 },
		"neg attempts": func(o *WebhookOptions) { o.MaxAttempts = -1 },
	} {
		o := good
		mutate(&o)
		if _, err := NewWebhook(o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: NewWebhook = %v, want ErrInvalidOptions", name, err)
		}
	}
	h, _ := NewWebhook(good)
	if got, want := h.MaxDeliveryTime(), 8*10*time.Second+7*5*time.Minute; got != want {
		t.Errorf("MaxDeliveryTime = %v, want %v", got, want)
	}
}

// An event offered again after it was delivered (the dispatcher could not
// save its cursor) is not sent again by the same Webhook.
func TestWebhookDoesNotResendDeliveredEvent(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	seedEvents(t, st, 1)
	rc := newReceiver(t, false)
	// This test counts requests, so no attempt may time out and be retried:
	// unlike newTestWebhook's, its webhooks wait generously for an answer.
	newHook := func() *Webhook {
		t.Helper()
		hook, err := NewWebhook(WebhookOptions{Name: "ehr", URL: rc.srv.URL, Secret: testSecret,
			Source: "https://clinic.example/fhir", Form: fhir.MessageDetailed, Store: st, Timeout: 10 * time.Second,
			Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return hook
	}
	hook := newHook()
	evs, err := st.Events(ctx, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []store.EventRecord{evs[0], evs[0], evs[1], evs[0]} {
		if err := hook.Deliver(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range rc.requests() {
		got = append(got, r.delivery)
	}
	if !slices.Equal(got, []string{"ehr-1", "ehr-2"}) {
		t.Errorf("requests %v, want ehr-1 and ehr-2 once each", got)
	}
	// A new Webhook (a new process) sends it again: at least once.
	if err := newHook().Deliver(ctx, evs[0]); err != nil || len(rc.requests()) != 3 {
		t.Errorf("new webhook: %v, %d requests", err, len(rc.requests()))
	}
}
