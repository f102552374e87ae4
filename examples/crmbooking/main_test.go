package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/examples/internal/servetest"
	"github.com/openslot/openslot/scheduling"
)

// startRun starts the program (see servetest.Start).
func startRun(t *testing.T, args []string, env map[string]string) (addr string, stop func() error, out *bytes.Buffer) {
	t.Helper()
	return servetest.Start(t, program, args, env)
}

// bookingDay is a weekday next week in New York, computed once per test so
// that its requests agree on the day even across midnight.
func bookingDay() scheduling.Date { return nextWeekday(time.Now().Add(7*24*time.Hour), demoZone) }

// post books a consultation with Dr. Lee on day d at hour (New York) on
// the running program and returns the status.
func post(t *testing.T, addr string, d scheduling.Date, hour int) (int, bookAppointmentResponse) {
	t.Helper()
	start := d.In(scheduling.Clock(hour, 0, 0), mustZone(demoZone))
	body, _ := json.Marshal(singleResource(start.Format(time.RFC3339), start.Add(30*time.Minute).Format(time.RFC3339)))
	resp, err := http.Post("http://"+addr+bookPath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out bookAppointmentResponse
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("booking: %s: %v", data, err)
	}
	return resp.StatusCode, out
}

func TestRunServesAndStops(t *testing.T) {
	day := bookingDay()
	addr, stop, out := startRun(t, []string{"-addr", "127.0.0.1:0"}, nil)
	if status, resp := post(t, addr, day, 10); status != http.StatusCreated {
		t.Fatalf("booking: status %d: %+v", status, resp)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	text := out.String()
	for _, want := range []string{"in memory store", "listening on http://" + addr,
		"-H 'Content-Type: application/json' http://" + addr + bookPath, "crmbooking: stopped"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestRunRefusesBadArguments(t *testing.T) { servetest.RefusesBadArguments(t, program) }

// TestRunPostgres starts the program on PostgreSQL through the environment
// variable, twice on the same database: the second start finds the demo
// data and the booking of the first.
func TestRunPostgres(t *testing.T) {
	day := bookingDay()
	env := servetest.PostgresEnv(t)

	addr, stop, out := startRun(t, []string{"-addr", "127.0.0.1:0"}, env)
	if status, resp := post(t, addr, day, 10); status != http.StatusCreated {
		t.Fatalf("booking: status %d: %+v", status, resp)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "PostgreSQL store") {
		t.Errorf("output does not name the PostgreSQL store:\n%s", out)
	}

	addr, _, _ = startRun(t, []string{"-addr", "127.0.0.1:0"}, env)
	if status, resp := post(t, addr, day, 10); status != http.StatusConflict {
		t.Errorf("after a restart the time booked before is offered again: status %d: %+v", status, resp)
	}
}
