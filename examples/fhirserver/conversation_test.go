package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConversation starts this example program on a free port and runs
// testdata/client/conversation.mjs against it: a conversation through
// fhir-kit-client, an independent FHIR client from npm, that creates the
// actors and a Schedule with availability, then $find, $hold, $book,
// search, reschedule and cancel, checking every answer. It needs node and
// npm (it runs `npm ci` once); it skips without them, except under
// CI=true, where it fails.
func TestConversation(t *testing.T) {
	if testing.Short() {
		t.Skip("the conversation test starts node: skipped in -short mode")
	}
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		msg := "node and npm are needed for the fhir-kit-client conversation test (apt-get install nodejs npm)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "client"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "fhir-kit-client")); err != nil {
		// --prefer-offline installs from npm's cache when it has the
		// locked versions, so a machine that ran the test once needs no
		// registry; a failed install (a registry hiccup) is tried again.
		var out []byte
		for attempt := range 3 {
			cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--prefer-offline")
			cmd.Dir = dir
			if out, err = cmd.CombinedOutput(); err == nil {
				break
			}
			if attempt < 2 {
				time.Sleep(5 * time.Second)
			}
		}
		if err != nil {
			t.Fatalf("npm ci (3 attempts): %v\n%s", err, out)
		}
	}

	serving, stop := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- program.Run(serving, []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, &out, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("fhirserver ended before serving: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("fhirserver did not start")
	}

	cmd := exec.CommandContext(ctx, node, "conversation.mjs", "http://"+addr+"/fhir", adminToken)
	cmd.Dir = dir
	conv, err := cmd.CombinedOutput()
	t.Logf("conversation:\n%s", conv)
	if err != nil {
		t.Errorf("the conversation failed: %v", err)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("fhirserver: %v", err)
	}
}
