package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRun starts the example on a free port, talks to it as the demo
// patient and stops it.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- program.Run(ctx, []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, &out, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not start")
	}
	base := "http://" + addr + "/fhir"

	get := func(path, token string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, data)
		}
		return res.StatusCode, m
	}
	if st, m := get("/metadata", ""); st != 200 || m["resourceType"] != "CapabilityStatement" {
		t.Fatalf("metadata: %d %v", st, m)
	}
	if st, _ := get("/Patient/"+demoPatient, ""); st != http.StatusUnauthorized {
		t.Fatalf("no token: %d", st)
	}
	if st, m := get("/Patient/"+demoPatient, patientToken); st != 200 || m["id"] != demoPatient {
		t.Fatalf("own record: %d %v", st, m)
	}
	if st, m := get("/Slot?schedule=Schedule/"+demoDoctor+"-schedule", adminToken); st != 200 || m["total"].(float64) == 0 {
		t.Fatalf("slots: %d %v", st, m["total"])
	}
	if !strings.Contains(out.String(), "curl -s "+base+"/metadata") {
		t.Fatalf("usage does not show the curl lines:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}
