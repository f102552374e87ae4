package fhir

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/openslot/openslot/scheduling"
)

// edited returns the body of r with the members of set replaced.
func edited(t *testing.T, r response, set map[string]any) string {
	t.Helper()
	m := map[string]any{}
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		m[k] = v
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// eventCount is the number of events the fixture's Scheduler recorded.
func (f *fixture) eventCount() int {
	f.t.Helper()
	evs, err := f.sched.Events(f.t.Context(), 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(evs)
}

func versionOf(t *testing.T, r response) int {
	t.Helper()
	v, err := strconv.Atoi(r.str("meta.versionId"))
	if err != nil {
		t.Fatalf("meta.versionId %q: %v\n%s", r.str("meta.versionId"), err, r.body)
	}
	return v
}

// TestPutOfStatusAndFieldsIsOneTransaction: a PUT that changes the status
// (or the time) and other fields makes one new version and one event that
// carry both changes.
func TestPutOfStatusAndFieldsIsOneTransaction(t *testing.T) {
	cases := []struct {
		name, from string
		set        map[string]any
		status     string
		event      scheduling.EventType
	}{
		{"cancel", "booked", map[string]any{"status": "cancelled", "cancelationReason": map[string]any{"text": "patient ill"}},
			"cancelled", scheduling.EventCancelled},
		{"check in", "booked", map[string]any{"status": "checked-in"}, "checked-in", scheduling.EventCheckedIn},
		{"reschedule", "booked", map[string]any{"start": "2026-03-03T10:00:00Z", "end": "2026-03-03T10:30:00Z"},
			"booked", scheduling.EventRescheduled},
		{"confirm", "pending", map[string]any{"status": "booked"}, "booked", scheduling.EventConfirmed},
		{"hold", "proposed", map[string]any{"status": "pending"}, "pending", scheduling.EventHeld},
		{"book", "proposed", map[string]any{"status": "booked"}, "booked", scheduling.EventBooked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			id := f.do("POST", "/Appointment", apptBody(tc.from, "09:00", "Patient/pat-a", "Practitioner/dr-a")).want(t, http.StatusCreated).str("id")
			cur := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
			v, n := versionOf(t, cur), f.eventCount()
			tc.set["comment"] = "bring x-rays"
			tc.set["description"] = "follow-up"
			put := f.do("PUT", "/Appointment/"+id, edited(t, cur, tc.set), "If-Match: "+cur.header.Get("ETag")).
				want(t, http.StatusOK)
			got := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
			for what, r := range map[string]response{"PUT": put, "GET": got} {
				if r.str("status") != tc.status || r.str("comment") != "bring x-rays" || r.str("description") != "follow-up" {
					t.Errorf("%s: status %s, comment %q, description %q: want %s with both fields", what, r.str("status"),
						r.str("comment"), r.str("description"), tc.status)
				}
				if versionOf(t, r) != v+1 {
					t.Errorf("%s: version %d, want %d: one PUT is one write", what, versionOf(t, r), v+1)
				}
			}
			if start, ok := tc.set["start"]; ok && put.str("start") != start {
				t.Errorf("start %s, want %s", put.str("start"), start)
			}
			if tc.name == "cancel" && put.str("cancelationReason.text") != "patient ill" {
				t.Errorf("cancelationReason %v, want patient ill", put.at("cancelationReason"))
			}
			evs, err := f.sched.Events(t.Context(), 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != n+1 {
				t.Fatalf("%d events, want %d: one PUT is one event", len(evs), n+1)
			}
			if e := evs[len(evs)-1]; e.Type != tc.event || e.Appointment.Comment != "bring x-rays" ||
				e.Appointment.Version != int64(v+1) {
				t.Errorf("event %s with comment %q, v%d: want %s with the comment, v%d", e.Type, e.Appointment.Comment,
					e.Appointment.Version, tc.event, v+1)
			}
		})
	}
}

// TestPutOfStatusAndPatientChangesNothing: a PUT that changes the status
// and the patient is refused as a whole; so is one with a stale If-Match.
func TestPutOfStatusAndPatientChangesNothing(t *testing.T) {
	f := newFixture(t, false)
	id := f.do("POST", "/Appointment", apptBody("booked", "09:00", "Patient/pat-a", "Practitioner/dr-a")).want(t, http.StatusCreated).str("id")
	cur := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
	v, n := versionOf(t, cur), f.eventCount()
	unchanged := func(what string) {
		t.Helper()
		now := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
		if now.str("status") != "booked" || versionOf(t, now) != v || now.str("comment") != "" || f.eventCount() != n {
			t.Fatalf("%s: status %s v%d comment %q, %d events; want booked v%d without comment, %d events",
				what, now.str("status"), versionOf(t, now), now.str("comment"), f.eventCount(), v, n)
		}
	}

	other := edited(t, cur, map[string]any{"status": "cancelled", "comment": "moved to pat-b",
		"participant": []any{
			map[string]any{"actor": map[string]any{"reference": "Patient/pat-b"}, "status": "accepted"},
			map[string]any{"actor": map[string]any{"reference": "Practitioner/dr-a"}, "status": "accepted"},
		}})
	r := f.do("PUT", "/Appointment/"+id, other, "If-Match: "+cur.header.Get("ETag")).want(t, http.StatusUnprocessableEntity)
	if r.str("issue.0.code") != issueBusinessRule {
		t.Errorf("issue code %q, want %s:\n%s", r.str("issue.0.code"), issueBusinessRule, r.body)
	}
	unchanged("patient change")

	cancel := edited(t, cur, map[string]any{"status": "cancelled", "comment": "called"})
	f.do("PUT", "/Appointment/"+id, cancel, `If-Match: W/"`+strconv.Itoa(v+1)+`"`).want(t, http.StatusPreconditionFailed)
	unchanged("stale If-Match")

	moved := edited(t, cur, map[string]any{"status": "cancelled", "start": "2026-03-03T11:00:00Z", "end": "2026-03-03T11:30:00Z"})
	r = f.do("PUT", "/Appointment/"+id, moved, "If-Match: "+cur.header.Get("ETag")).want(t, http.StatusUnprocessableEntity)
	if r.str("issue.0.code") != issueBusinessRule || !strings.Contains(r.str("issue.0.diagnostics"), "cannot also move it") {
		t.Errorf("a cancel that moves the time: issue %q %q, want %s saying it cannot also move it:\n%s",
			r.str("issue.0.code"), r.str("issue.0.diagnostics"), issueBusinessRule, r.body)
	}
	unchanged("status change with a new time")
}
