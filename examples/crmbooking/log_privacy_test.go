package main

import (
	"bytes"
	"context"
	"encoding/json"
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
		return fmt.Errorf("driver: row (patient=%q, mrn=%q, comment=%q) rejected", "Jane Doe", "MRN-SECRET-42",
			"SECRET COMMENT")
	}
	return s.Store.Update(ctx, fn)
}

// A server error is logged with the error's kind: not the comment, nor
// what the store's error quotes.
func TestLogPrivacyServerError(t *testing.T) {
	qs := &quotingStore{Store: memstore.New(nil)}
	sched := newTestScheduler(t, qs)
	qs.armed.Store(true)
	var logs bytes.Buffer
	h := newServer(sched, slog.New(slog.NewJSONHandler(&logs, nil)))
	body, err := json.Marshal(singleResource(at(2, 10, 0), at(2, 10, 30)).with("comment", "SECRET COMMENT of Jane Doe"))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("POST", bookPath, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", rec.Code, rec.Body)
	}
	for _, text := range []string{rec.Body.String(), logs.String()} {
		for _, leak := range []string{"Jane", "Doe", "SECRET"} {
			if strings.Contains(text, leak) {
				t.Errorf("%q leaked: %s", leak, text)
			}
		}
	}
	for _, want := range []string{`"crmbooking: request failed"`, `"error":"error"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s: %s", want, logs.String())
		}
	}
}
