package fhir

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
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// Recognisable patient data: none of it may reach the log, nor the answer
// of a server error.
const (
	privacyName    = "Jane Doe"
	privacyMRN     = "MRN-SECRET-42"
	privacyComment = "SECRET COMMENT"
)

var privacyLeaks = []string{"Jane", "Doe", "SECRET", privacyMRN, privacyComment}

// checkNoPatientData fails when text holds patient data, and when it lacks
// one of want.
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

// quotingStore fails, when armed, the way a database driver does: with an
// error that quotes the resource it was given (on a write) or the id it
// was asked for (on a read).
type quotingStore struct {
	store.Store
	armed *atomic.Bool
}

func (s quotingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if !s.armed.Load() {
		return s.Store.Update(ctx, fn)
	}
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(quotingTx{tx}) })
}

func (s quotingStore) View(ctx context.Context, fn func(tx store.ReadTx) error) error {
	if !s.armed.Load() {
		return s.Store.View(ctx, fn)
	}
	return fmt.Errorf("driver: read failed near %q", privacyName+" "+privacyMRN)
}

type quotingTx struct{ store.Tx }

func (tx quotingTx) Create(_ context.Context, r scheduling.Resource) error {
	return fmt.Errorf("driver: cannot insert %+v", r)
}

func TestLogPrivacyServerErrors(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	armed := &atomic.Bool{}
	f := newFixtureOn(t, false, func(clock func() time.Time) store.Store {
		return quotingStore{Store: memstore.New(&memstore.Options{Now: clock}), armed: armed}
	})
	f.h = NewHandler(f.sched, &HandlerOptions{Now: func() time.Time { return *f.clock }, Logger: log})
	armed.Store(true)

	patient := `{"resourceType":"Patient","name":[{"text":"Jane Doe","family":"Doe","given":["Jane"]}],` +
		`"identifier":[{"system":"urn:mrn","value":"MRN-SECRET-42"}]}`
	appointment := `{"resourceType":"Appointment","status":"proposed","comment":"SECRET COMMENT",` +
		`"participant":[{"actor":{"reference":"Patient/pat-a","display":"Jane Doe"},"status":"needs-action"}]}`
	for _, c := range []struct{ method, path, body, logged string }{
		{"POST", "/Patient", patient, `"path":"/Patient"`},
		{"POST", "/Appointment", appointment, `"path":"/Appointment"`},
		{"GET", "/Patient/Jane%20Doe?identifier=MRN-SECRET-42", "", `"path":"/Patient/{redacted}"`},
		{"GET", "/Patient?name=Jane%20Doe&identifier=MRN-SECRET-42", "", `"path":"/Patient"`},
	} {
		logs.Reset()
		res := f.do(c.method, c.path, c.body).want(t, http.StatusInternalServerError)
		checkNoPatientData(t, c.method+" "+c.path+": the answer", string(res.body), "internal server error")
		checkNoPatientData(t, c.method+" "+c.path+": the log", logs.String(), `"msg":"fhir: request failed"`,
			`"status":500`, `"error":"error"`, c.logged)
	}
}

// An Authorizer whose error names the caller is a server error: logged by
// kind, not shown.
func TestLogPrivacyAuthorizerError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	f := newFixture(t, false)
	f.h = NewHandler(f.sched, &HandlerOptions{Now: func() time.Time { return *f.clock }, Logger: log,
		Authorizer: AuthorizerFunc(func(r *http.Request, a Access) (Grant, error) {
			return Grant{}, fmt.Errorf("introspection of the token of %s (%s) failed", privacyName, privacyMRN)
		})})
	res := f.do("GET", "/Patient/pat-a", "").want(t, http.StatusInternalServerError)
	checkNoPatientData(t, "the answer", string(res.body))
	checkNoPatientData(t, "the log", logs.String(), `"path":"/Patient/pat-a"`, `"error":"error"`)
}

// deadlineWriter is a ResponseWriter whose read deadline cannot be set,
// with an error that quotes patient data.
type deadlineWriter struct{ *httptest.ResponseRecorder }

func (deadlineWriter) SetReadDeadline(time.Time) error {
	return fmt.Errorf("connection of %s: deadline refused", privacyName)
}

func TestLogPrivacyReadDeadline(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	f := newFixture(t, false)
	h := NewHandler(f.sched, &HandlerOptions{Now: func() time.Time { return *f.clock }, Logger: log})
	rec := httptest.NewRecorder()
	h.ServeHTTP(deadlineWriter{rec}, httptest.NewRequest("GET", "http://fhir.test/Patient/Jane%20Doe%20MRN-SECRET-42", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.Code)
	}
	checkNoPatientData(t, "the log", logs.String(), `"fhir: cannot bound the request body read"`,
		`"path":"/Patient/{redacted}"`)
}
