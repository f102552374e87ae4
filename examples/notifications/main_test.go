package main

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openslot/openslot/notify"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden with the program's output")

// TestOutput runs the program and compares its output with the golden file,
// so that what the documentation shows is what the program prints. Run
// `go test ./examples/notifications -update` after an intended change.
func TestOutput(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "output.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update if the change is intended)\n--- got\n%s\n--- want\n%s", golden, buf.Bytes(), want)
	}
}

// The receiver refuses a delivery whose body changed after signing, and a
// signed one that is not a notification (repeats: truth_test.go).
func TestReceiver(t *testing.T) {
	var out bytes.Buffer
	rc := &receiver{out: &syncWriter{w: &out}, seen: map[string]bool{}}
	signed := []byte(`{"resourceType":"Bundle","type":"message"}`)
	post := func(body []byte, delivery string) int {
		req := httptest.NewRequest(http.MethodPost, "/ehr", bytes.NewReader(body))
		req.Header.Set(notify.SignatureHeader, notify.Sign(secret, time.Now(), signed))
		req.Header.Set(notify.DeliveryHeader, delivery)
		rec := httptest.NewRecorder()
		rc.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post([]byte(`{"resourceType":"Bundle","type":"history"}`), "ehr-1"); code != http.StatusUnauthorized || rc.rejected != 1 {
		t.Fatalf("tampered body: status %d, %d rejected", code, rc.rejected)
	}
	// Signed but not a notification: refused as a bad request.
	if code := post(signed, "ehr-2"); code != http.StatusBadRequest || rc.verified != 0 {
		t.Fatalf("signed non-notification: status %d, %d verified", code, rc.verified)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q for refused deliveries", out.String())
	}
}
