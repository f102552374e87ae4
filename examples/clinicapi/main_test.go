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

// bookingDay is a weekday next week, computed once per test so that its
// requests agree on the day even across midnight.
func bookingDay() scheduling.Date { return nextWeekday(time.Now().Add(7*24*time.Hour), demoZone) }

// getSlots asks the running program for Dr. Rao's slots on day d.
func getSlots(t *testing.T, addr string, d scheduling.Date) slotsResponse {
	t.Helper()
	resp, err := http.Get("http://" + addr + slotsPath + "?start_date=" + d.String() + "&end_date=" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("slot search: status %d: %s", resp.StatusCode, data)
	}
	var out slotsResponse
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Days) != 1 || len(out.Days[0].Slots) == 0 {
		t.Fatalf("no slots on %s: %s", d, data)
	}
	return out
}

func TestRunServesAndStops(t *testing.T) {
	day := bookingDay()
	addr, stop, out := startRun(t, []string{"-addr", "127.0.0.1:0"}, nil)
	getSlots(t, addr, day)
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	text := out.String()
	for _, want := range []string{"in memory store", "listening on http://" + addr,
		"-H 'Content-Type: application/json' http://" + addr + "/dr/v1/patient", "clinicapi: stopped"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestRunRefusesBadArguments(t *testing.T) { servetest.RefusesBadArguments(t, program) }

// TestRunPostgres starts the program on PostgreSQL through the environment
// variable, twice on the same database: the second start finds the demo
// practice and the booking of the first.
func TestRunPostgres(t *testing.T) {
	day := bookingDay()
	env := servetest.PostgresEnv(t)

	addr, stop, out := startRun(t, []string{"-addr", "127.0.0.1:0"}, env)
	slots := getSlots(t, addr, day)
	first := slots.Days[0].Slots[0]
	body, _ := json.Marshal(validBooking(first.StartTime))
	resp, err := http.Post("http://"+addr+bookPath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("booking: status %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "PostgreSQL store") {
		t.Errorf("output does not name the PostgreSQL store:\n%s", out)
	}

	addr, _, _ = startRun(t, []string{"-addr", "127.0.0.1:0"}, env)
	again := getSlots(t, addr, day)
	if got := again.Days[0].Slots[0]; got.StartTime.Equal(first.StartTime) {
		t.Errorf("after a restart the slot booked before (%v) is offered again", first.StartTime)
	}
}
