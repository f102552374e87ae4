package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// HTTP headers of a delivery besides SignatureHeader.
const (
	// EventHeader carries the event type, e.g. "booked".
	EventHeader = "Openslot-Event"
	// DeliveryHeader carries the delivery id, "<subscriber>-<cursor>": the
	// same on every attempt and after a restart, so that a receiver can drop
	// a delivery it has already processed (delivery is at least once).
	// Like EventHeader it is not signed (the signature covers the timestamp
	// and the body): a receiver that must also drop a captured delivery
	// replayed within the tolerance under another id deduplicates on the
	// signed equivalent in the body, MessageHeader.destination.name (the
	// subscriber) and Bundle.id ("event-<cursor>").
	DeliveryHeader = "Openslot-Delivery"
	// AttemptHeader carries the attempt number, from 1.
	AttemptHeader = "Openslot-Attempt"
)

// Defaults of WebhookOptions.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 8
)

// WebhookOptions configures a Webhook.
type WebhookOptions struct {
	// Name identifies the subscriber: use the same name with the
	// dispatcher's Subscribe (it keys the persisted cursor) and it appears in
	// dead letters and in the DeliveryHeader. Required.
	Name string
	// URL is where the Bundles are POSTed: an absolute http or https URL.
	// Required.
	URL string
	// Secret is the HMAC-SHA256 key shared with the receiver. Required.
	Secret []byte
	// Source is the FHIR base URL of the sending application: it becomes
	// MessageHeader.source.endpoint and the base of each entry's fullUrl.
	// Required.
	Source string
	// Form is the Bundle form this subscriber gets: fhir.MessageLightweight
	// (the zero value) or fhir.MessageDetailed.
	Form fhir.MessageForm
	// Events limits delivery to these event types; empty means every event.
	// Other events are acknowledged without a request.
	Events []scheduling.EventType
	// Store is read for the resources an event refers to: the patient's
	// identifiers (both forms), the patient, practitioners, locations and
	// other participants and slots (detailed form), and whether a reminder
	// is still current. Nil sends only what the event carries.
	Store store.Store
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
	// Timeout bounds each attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts is how many requests are made for one event before it is
	// dead-lettered; zero means DefaultMaxAttempts.
	MaxAttempts int
	// Backoff spaces the attempts; the zero value means its defaults. A
	// retryable answer with a Retry-After header waits at least as long as
	// it asks, but never longer than Backoff.Max.
	Backoff Backoff
	// DeadLetters records what is given up on; nil means a
	// MemoryDeadLetters logging to Logger.
	DeadLetters DeadLetters
	// Now is the clock for signature timestamps and for Retry-After dates;
	// nil means time.Now.
	Now func() time.Time
	// Logger receives a line per failed attempt (ids, status, error kinds
	// and the delay asked for by Retry-After, if any; never the body, the
	// receiver's answer, or the URL's user info and query); nil means
	// slog.Default.
	Logger *slog.Logger
}

// Webhook delivers events as signed FHIR message Bundles over HTTP. Its
// Deliver method is a dispatcher subscriber:
//
//	d.Subscribe("ehr", hook.Deliver)
//
// Deliver POSTs the event's Bundle (Content-Type application/fhir+json) with
// a fresh signature per attempt (see Sign) and returns nil once the receiver
// answers 2xx. A network error, a timeout, 408, 409, 425, 429 or 5xx is
// retried after a Backoff delay, or after the longer delay the answer asks
// for in a Retry-After header (seconds or an HTTP date), capped at
// Backoff.Max; after MaxAttempts, or at once on any other 4xx (the
// receiver refused the message for good, whatever its Retry-After says;
// likewise on a 3xx the client does not follow, such as 300 or 304, and on
// a redirect the client follows with a bodiless GET), the event is recorded
// as a DeadLetter and Deliver returns nil so delivery moves on.
// Deliver returns an error only when the event must be offered again: the
// context ended (a shutdown), the store could not be read, or the dead
// letter could not be recorded. Because the dispatcher calls a subscriber
// with one event at a time in cursor order and saves its cursor only after
// Deliver returns nil, events reach the receiver in order (per appointment
// and overall), and after a restart delivery resumes at the first event not
// acknowledged.
//
// A receiver may see an event twice, when the process stopped between the
// receiver's 2xx and the dispatcher saving its cursor, or when an attempt
// timed out after the receiver processed it: drop repeats by DeliveryHeader.
// Within one process a Webhook does not send an event again once it has
// delivered or dead-lettered it (it remembers the highest such cursor), so
// a dispatcher that failed to save its cursor and offers the event again
// gets nil at once. To replay history, create a new Webhook. A Webhook is
// safe for concurrent use.
type Webhook struct {
	opts   WebhookOptions
	client *http.Client
	dead   DeadLetters

	mu   sync.Mutex
	done int64 // the highest cursor delivered or dead-lettered by this Webhook
}

// NewWebhook returns a Webhook, or an error wrapping ErrInvalidOptions that
// names the option at fault.
func NewWebhook(opts WebhookOptions) (*Webhook, error) {
	if opts.Name == "" {
		return nil, fmt.Errorf("%w: WebhookOptions.Name is empty", ErrInvalidOptions)
	}
	if u, err := url.Parse(opts.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: WebhookOptions.URL %q is not an absolute http(s) URL", ErrInvalidOptions, opts.URL)
	}
	if len(opts.Secret) == 0 {
		return nil, fmt.Errorf("%w: WebhookOptions.Secret is empty", ErrInvalidOptions)
	}
	if u, err := url.Parse(opts.Source); err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("%w: WebhookOptions.Source %q is not an absolute URL", ErrInvalidOptions, opts.Source)
	}
	if opts.Form != fhir.MessageLightweight && opts.Form != fhir.MessageDetailed {
		return nil, fmt.Errorf("%w: WebhookOptions.Form %q is not lightweight or detailed", ErrInvalidOptions, opts.Form)
	}
	if opts.MaxAttempts < 0 || opts.Timeout < 0 {
		return nil, fmt.Errorf("%w: WebhookOptions.MaxAttempts and Timeout must not be negative", ErrInvalidOptions)
	}
	opts.Secret = slices.Clone(opts.Secret)
	opts.Events = slices.Clone(opts.Events)
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	w := &Webhook{opts: opts, client: opts.Client, dead: opts.DeadLetters}
	if w.client == nil {
		w.client = &http.Client{}
	}
	if w.dead == nil {
		w.dead = NewMemoryDeadLetters(opts.Logger, 0)
	}
	return w, nil
}

// MaxDeliveryTime bounds how long Deliver spends sending one event:
// MaxAttempts attempts of Timeout each and, between them, waits of up to
// Backoff.Max each, which is as long as a receiver's Retry-After can make
// them (reading the store and building the message come on top, and are
// quick). It is how long a receiver that is down can hold its subscriber
// back per event. A dispatcher's lease need not outlast it: the dispatcher
// renews the lease while a delivery runs.
func (w *Webhook) MaxDeliveryTime() time.Duration {
	n := time.Duration(w.opts.MaxAttempts)
	return n*w.opts.Timeout + (n-1)*w.opts.Backoff.withDefaults().Max
}

// Name returns the subscriber name.
func (w *Webhook) Name() string { return w.opts.Name }

// DeadLetters returns where the Webhook records what it gives up on.
func (w *Webhook) DeadLetters() DeadLetters { return w.dead }

// Deliver sends one event; see Webhook for what it returns.
func (w *Webhook) Deliver(ctx context.Context, e store.EventRecord) error {
	w.mu.Lock()
	done := e.Cursor <= w.done
	w.mu.Unlock()
	if done || (len(w.opts.Events) > 0 && !slices.Contains(w.opts.Events, e.Type)) {
		return nil
	}
	if err := w.deliver(ctx, e); err != nil {
		return err
	}
	w.mu.Lock()
	w.done = max(w.done, e.Cursor)
	w.mu.Unlock()
	return nil
}

// deliver sends e, or dead-letters it; an error means e must be offered
// again.
func (w *Webhook) deliver(ctx context.Context, e store.EventRecord) error {
	if e.Type == EventReminder && w.opts.Store != nil {
		ok, err := reminderCurrent(ctx, w.opts.Store, e.AppointmentID, e.Appointment.Start)
		if err != nil {
			return fmt.Errorf("notify: %s: event %d: check reminder: %w", w.opts.Name, e.Cursor, err)
		}
		if !ok {
			return nil
		}
	}
	body, err := w.Message(ctx, e)
	if errors.Is(err, fhir.ErrInvalid) {
		// Not err's text: it can quote the stored resources (an element
		// name, a value the message could not hold).
		return w.deadLetter(ctx, e, nil, 0, 0, fmt.Sprintf("message: event %d of appointment %s cannot become a valid FHIR message",
			e.Cursor, e.AppointmentID))
	}
	if err != nil {
		return err
	}
	attempts, status, err := w.send(ctx, w.deliveryID(e.Cursor), string(e.Type), body)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// err is made of the subscriber, the delivery id, the count and an
	// *attemptError, whose text is safe to log.
	return w.deadLetter(ctx, e, body, attempts, status, err.Error())
}

// Redeliver sends a dead letter's body again, with the same delivery id and
// fresh signatures, retrying like Deliver. It returns nil on a 2xx and the
// last failure otherwise; it records no new dead letter.
//
// The body is the message as it was built when the event was
// dead-lettered, not the appointment as it is now, and it arrives after the
// events delivered since: a receiver that keeps the latest state compares
// the Appointment's meta.versionId with the version it holds. Two
// exceptions, which send nothing: a dead letter of another subscriber
// (d.Subscriber is not Name: its body has that subscriber's form) is an
// error, and a reminder whose appointment has since been cancelled or moved
// (read from Store, as Deliver does) is dropped and Redeliver returns nil.
func (w *Webhook) Redeliver(ctx context.Context, d DeadLetter) error {
	if d.Subscriber != w.opts.Name {
		return fmt.Errorf("notify: %s: dead letter of event %d belongs to subscriber %q", w.opts.Name, d.Cursor, d.Subscriber)
	}
	if len(d.Body) == 0 {
		return fmt.Errorf("notify: %s: dead letter of event %d has no body to redeliver", w.opts.Name, d.Cursor)
	}
	if d.EventType == EventReminder && w.opts.Store != nil {
		start, err := messageStart(d.Body)
		if err != nil {
			return fmt.Errorf("notify: %s: dead letter of event %d: %w", w.opts.Name, d.Cursor, err)
		}
		ok, err := reminderCurrent(ctx, w.opts.Store, d.AppointmentID, start)
		if err != nil {
			return fmt.Errorf("notify: %s: dead letter of event %d: check reminder: %w", w.opts.Name, d.Cursor, err)
		}
		if !ok {
			w.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "notify: stale reminder not redelivered",
				slog.String("subscriber", w.opts.Name), slog.Int64("cursor", d.Cursor),
				slog.String("appointment", d.AppointmentID))
			return nil
		}
	}
	_, _, err := w.send(ctx, w.deliveryID(d.Cursor), string(d.EventType), d.Body)
	return err
}

// messageStart returns the start of the Appointment in a message Bundle.
func messageStart(body []byte) (time.Time, error) {
	b, err := fhir.Unmarshal[fhir.Bundle](body)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the message: %w", err)
	}
	for _, e := range b.Entry {
		if a, ok := e.Resource.(*fhir.Appointment); ok {
			start, err := time.Parse(time.RFC3339Nano, a.Start)
			if err != nil {
				return time.Time{}, fmt.Errorf("the message's Appointment has no start: %w", err)
			}
			return start, nil
		}
	}
	return time.Time{}, errors.New("the message has no Appointment")
}

func (w *Webhook) deliveryID(cursor int64) string {
	return w.opts.Name + "-" + strconv.FormatInt(cursor, 10)
}

func (w *Webhook) deadLetter(ctx context.Context, e store.EventRecord, body []byte, attempts, status int, reason string) error {
	d := DeadLetter{
		Subscriber: w.opts.Name, Cursor: e.Cursor, EventType: e.Type, AppointmentID: e.AppointmentID,
		Attempts: attempts, LastStatus: status, Reason: reason, At: w.opts.Now(), Body: body,
	}
	if err := w.dead.Record(ctx, d); err != nil {
		return fmt.Errorf("notify: %s: record dead letter for event %d: %w", w.opts.Name, e.Cursor, err)
	}
	return nil
}

// attemptError is one failed attempt. Its text is safe to log (it becomes
// DeadLetter.Reason): the status, or the kind of a transport error (see
// transportError).
type attemptError struct {
	status    int
	permanent bool
	// retryAfter is the wait a retryable answer asked for in its
	// Retry-After header; 0 when none (or not in the future).
	retryAfter time.Duration
	msg        string // when set, the text
}

func (e *attemptError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return "receiver answered " + strconv.Itoa(e.status) + " " + http.StatusText(e.status)
}

// transportError is an attempt that got no answer: its text is the URL
// stripped to scheme://host/path and the kind of err, never err's own text,
// which quotes the URL with its user info and query, and can quote the
// receiver's answer (a malformed response).
func (w *Webhook) transportError(err error, permanent bool) *attemptError {
	return &attemptError{permanent: permanent, msg: "POST " + redactURL(w.opts.URL) + ": " + errorKind(err)}
}

// send POSTs body until a 2xx, a permanent refusal, MaxAttempts or the end
// of ctx. It returns the number of attempts, the last HTTP status (0 when
// none) and nil or the last failure.
func (w *Webhook) send(ctx context.Context, id, event string, body []byte) (int, int, error) {
	var last *attemptError
	for n := 1; ; n++ {
		last = w.attempt(ctx, id, event, n, body)
		if last == nil {
			return n, http.StatusOK, nil
		}
		if ctx.Err() != nil {
			return n, last.status, ctx.Err()
		}
		attrs := []slog.Attr{slog.String("subscriber", w.opts.Name), slog.String("delivery", id),
			slog.Int("attempt", n), slog.Int("status", last.status), slog.String("error", last.Error())}
		if last.retryAfter > 0 {
			attrs = append(attrs, slog.Duration("retry_after", last.retryAfter))
		}
		w.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "notify: delivery attempt failed", attrs...)
		if last.permanent || n >= w.opts.MaxAttempts {
			return n, last.status, fmt.Errorf("notify: %s: delivery %s failed after %d attempts: %w",
				w.opts.Name, id, n, last)
		}
		t := time.NewTimer(w.opts.Backoff.retryDelay(n, rand.Float64(), last.retryAfter))
		select {
		case <-ctx.Done():
			t.Stop()
			return n, last.status, ctx.Err()
		case <-t.C:
		}
	}
}

func (w *Webhook) attempt(ctx context.Context, id, event string, n int, body []byte) *attemptError {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.opts.URL, bytes.NewReader(body))
	if err != nil {
		return w.transportError(err, true)
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("User-Agent", "openslot-notify")
	req.Header.Set(SignatureHeader, Sign(w.opts.Secret, w.opts.Now(), body))
	req.Header.Set(EventHeader, event)
	req.Header.Set(DeliveryHeader, id)
	req.Header.Set(AttemptHeader, strconv.Itoa(n))
	resp, err := w.client.Do(req)
	if err != nil {
		return w.transportError(err, false)
	}
	// Drain a little of the answer so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.Request != nil && resp.Request.Method != http.MethodPost {
		// The client followed a 301, 302 or 303 with a GET that carries no
		// body: whatever it answered, the message did not arrive, and the
		// receiver will redirect every attempt alike.
		ae := &attemptError{status: resp.StatusCode, permanent: true}
		if via := resp.Request.Response; via != nil {
			ae.status = via.StatusCode
		}
		ae.msg = fmt.Sprintf("receiver answered %d %s: the POST was redirected to a %s without the message",
			ae.status, http.StatusText(ae.status), resp.Request.Method)
		return ae
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	ae := &attemptError{status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusConflict,
		resp.StatusCode == http.StatusTooEarly, resp.StatusCode == http.StatusTooManyRequests:
	case resp.StatusCode >= 300 && resp.StatusCode < 500:
		// Any other 4xx, or a 3xx the client did not follow (300, 304, a
		// 307 without Location...): the receiver will not take the message
		// at this URL, however often it is sent.
		ae.permanent = true
	}
	if !ae.permanent {
		ae.retryAfter = retryAfter(resp.Header, w.opts.Now())
	}
	return ae
}

// retryAfter returns the wait that h's Retry-After header asks for (RFC 9110
// §10.2.3): delay-seconds, or an HTTP-date taken relative to now. It is 0
// when the header is absent, unparsable, negative or a date not after now.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	// ParseUint takes digits only (no sign); too many of them is a valid,
	// if absurd, delay: the longest a Duration holds (the caller caps it).
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return time.Duration(min(secs, math.MaxInt64/uint64(time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
