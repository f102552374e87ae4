package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/store/memstore"
)

// A receiver that answers the POST with 301, 302 or 303 makes the HTTP
// client follow with a GET that has no body: the message never arrives, so
// the 2xx to that GET must not acknowledge the event. It is dead-lettered,
// with the redirect's status.
func TestWebhookRedirectToGetIsNotDelivered(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
		var mu sync.Mutex
		var posts int
		mux := http.NewServeMux()
		mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/moved", status)
		})
		mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if r.Method == http.MethodPost && len(body) > 0 {
				mu.Lock()
				posts++
				mu.Unlock()
			}
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		ctx := context.Background()
		st := memstore.New(nil)
		seedEvents(t, st, 1)
		evs, err := st.Events(ctx, 0, 1)
		if err != nil || len(evs) != 1 {
			t.Fatalf("Events = %v, %v", evs, err)
		}
		dead := NewMemoryDeadLetters(quiet, 0)
		hook, err := NewWebhook(WebhookOptions{Name: "ehr", URL: srv.URL + "/hook", Secret: testSecret,
			Source: "https://clinic.example/fhir", Form: fhir.MessageDetailed, Store: st, DeadLetters: dead,
			MaxAttempts: 3, Backoff: Backoff{Initial: time.Millisecond, Max: 2 * time.Millisecond}, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if err := hook.Deliver(ctx, evs[0]); err != nil {
			t.Fatalf("%d: Deliver: %v", status, err)
		}
		mu.Lock()
		n := posts
		mu.Unlock()
		letters := dead.List()
		if n != 0 {
			t.Fatalf("%d: the receiver got %d POSTs with a body; the test server is wrong", status, n)
		}
		if len(letters) != 1 || letters[0].LastStatus != status || len(letters[0].Body) == 0 {
			t.Errorf("%d: the message never arrived (the POST was redirected to a GET), yet dead letters are %+v",
				status, letters)
		}
	}
}
