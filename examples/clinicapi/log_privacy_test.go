package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// quotingStore fails writes, when armed, the way a database driver does:
// with an error that quotes the row.
type quotingStore struct {
	store.Store
	armed atomic.Bool
}

func (s *quotingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.armed.Load() {
		return fmt.Errorf("driver: row (name=%q, mobile=%q) rejected", "Jane Doe", "MRN-SECRET-42")
	}
	return s.Store.Update(ctx, fn)
}

// A server error is logged with the route and the error's kind: neither
// the patient's name nor what the store's error quotes.
func TestLogPrivacyServerError(t *testing.T) {
	qs := &quotingStore{Store: memstore.New(nil)}
	sched := newTestScheduler(t, qs)
	qs.armed.Store(true)
	var logs bytes.Buffer
	h := newServer(sched, testClock, slog.New(slog.NewJSONHandler(&logs, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/dr/v1/patient", strings.NewReader(
		`{"first_name":"Jane","last_name":"Doe","mobile":"+43 660 1234567","email":"SECRET@example.com"}`)))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", rec.Code, rec.Body)
	}
	for _, text := range []string{rec.Body.String(), logs.String()} {
		for _, leak := range []string{"Jane", "Doe", "SECRET", "1234567"} {
			if strings.Contains(text, leak) {
				t.Errorf("%q leaked: %s", leak, text)
			}
		}
	}
	for _, want := range []string{`"clinicapi: request failed"`, `"route":"/dr/v1/patient"`, `"error":"error"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s: %s", want, logs.String())
		}
	}
}
