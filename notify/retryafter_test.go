package notify

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/store/memstore"
)

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string // "absent" means no header at all
		want  time.Duration
	}{
		{"seconds", "120", 120 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"plus sign", "+5", 0},
		{"fraction", "1.5", 0},
		{"not a number", "abc", 0},
		{"empty", "", 0},
		{"absent", "absent", 0},
		{"spaces around a number", "  120\t", 120 * time.Second},
		{"huge", "99999999999999999999999", math.MaxInt64 / time.Second * time.Second},
		{"http-date 90s ahead", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"asctime date 90s ahead", now.Add(90 * time.Second).Format(time.ANSIC), 90 * time.Second},
		{"http-date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"http-date now", now.Format(http.TimeFormat), 0},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.value != "absent" {
			h.Set("Retry-After", tc.value)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("%s: retryAfter(%q) = %v, want %v", tc.name, tc.value, got, tc.want)
		}
	}
}

// retryAfterReceiver answers the first request with a status and a
// Retry-After header, and every later request 200 OK. It records when each
// request arrived.
type retryAfterReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	at  []time.Time
}

func newRetryAfterReceiver(t *testing.T, status int, retryAfter string) *retryAfterReceiver {
	rc := &retryAfterReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		_, _ = io.Copy(io.Discard, r.Body)
		rc.mu.Lock()
		rc.at = append(rc.at, now)
		first := len(rc.at) == 1
		rc.mu.Unlock()
		if first {
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *retryAfterReceiver) arrivals() []time.Time {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]time.Time(nil), rc.at...)
}

// deliverFirstEvent delivers one event to rc through a Webhook with opts
// (its URL, Store, DeadLetters and Source filled in here) and returns the
// dead letters it recorded.
func deliverFirstEvent(t *testing.T, rc *retryAfterReceiver, opts WebhookOptions) []DeadLetter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st := memstore.New(nil)
	seedEvents(t, st, 1)
	evs, err := st.Events(ctx, 0, 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Events = %v, %v", evs, err)
	}
	dead := NewMemoryDeadLetters(quiet, 0)
	opts.Name, opts.URL, opts.Secret, opts.Source = "ehr", rc.srv.URL, testSecret, "https://clinic.example/fhir"
	opts.Form, opts.Store, opts.DeadLetters = fhir.MessageDetailed, st, dead
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	hook, err := NewWebhook(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := hook.Deliver(ctx, evs[0]); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return dead.List()
}

// A retryable answer's Retry-After, in seconds or as an HTTP date on the
// webhook's clock, holds the retry back although the backoff would retry
// after a millisecond.
func TestWebhookHonoursRetryAfter(t *testing.T) {
	// A clock far in the past: had the date been read against the real
	// clock, it would lie in the past and ask for no wait.
	clock := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		status int
		value  string
	}{
		{"seconds", http.StatusServiceUnavailable, "1"},
		{"http-date", http.StatusTooManyRequests, clock.Add(time.Second).Format(http.TimeFormat)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newRetryAfterReceiver(t, tc.status, tc.value)
			dead := deliverFirstEvent(t, rc, WebhookOptions{
				Backoff: Backoff{Initial: time.Millisecond, Max: 5 * time.Second, Jitter: -1},
				Now:     func() time.Time { return clock },
			})
			if len(dead) != 0 {
				t.Fatalf("dead letters %+v, want delivery on the second attempt", dead)
			}
			at := rc.arrivals()
			if len(at) != 2 {
				t.Fatalf("%d requests, want 2", len(at))
			}
			// The sender starts its timer after the first answer and timers
			// never fire early, so the gap is at least the asked-for second
			// (the backoff alone would be 1ms); the margin is mere slack.
			if gap := at[1].Sub(at[0]); gap < 950*time.Millisecond {
				t.Errorf("second attempt %v after the first, want at least 1s (Retry-After: %s)", gap, tc.value)
			}
		})
	}
}

// Backoff.Max caps what Retry-After asks for, and the warning logs it.
func TestWebhookRetryAfterCappedByMax(t *testing.T) {
	rc := newRetryAfterReceiver(t, http.StatusServiceUnavailable, "3600")
	var logs bytes.Buffer
	dead := deliverFirstEvent(t, rc, WebhookOptions{
		Backoff: Backoff{Initial: time.Millisecond, Max: 50 * time.Millisecond, Jitter: -1},
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if len(dead) != 0 {
		t.Fatalf("dead letters %+v, want delivery on the second attempt", dead)
	}
	at := rc.arrivals()
	if len(at) != 2 {
		t.Fatalf("%d requests, want 2", len(at))
	}
	// At least Max (the backoff alone is 1ms), nowhere near an hour: the
	// upper bound is generous for a loaded machine.
	if gap := at[1].Sub(at[0]); gap < 50*time.Millisecond || gap > 5*time.Second {
		t.Errorf("second attempt %v after the first, want about Max (50ms)", gap)
	}
	if !strings.Contains(logs.String(), "retry_after=1h0m0s") || !strings.Contains(logs.String(), "status=503") {
		t.Errorf("log %q does not record the asked-for delay", logs.String())
	}
}

// A permanent refusal stays permanent whatever its Retry-After says.
func TestWebhookRetryAfterOnPermanentRefusal(t *testing.T) {
	rc := newRetryAfterReceiver(t, http.StatusBadRequest, "1")
	dead := deliverFirstEvent(t, rc, WebhookOptions{Backoff: Backoff{Initial: time.Millisecond, Jitter: -1}})
	if len(dead) != 1 || dead[0].Attempts != 1 || dead[0].LastStatus != http.StatusBadRequest {
		t.Fatalf("dead letters %+v, want one after a single 400", dead)
	}
	if n := len(rc.arrivals()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
