package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// TestLocalTimeInDSTGapRefused: a startDate without an offset that the
// clocks skip (02:30 on the day New York springs forward) does not exist.
// It used to be read as 01:30 EST, an hour before anything the caller
// named, and refused (or booked) at that time.
func TestLocalTimeInDSTGapRefused(t *testing.T) {
	a := newTestAPI(t)
	body := singleResource("2026-03-08T02:30:00", "2026-03-08T03:30:00").with("timeZone", demoZone)
	a.refused(body, http.StatusBadRequest, `startDate: "2026-03-08T02:30:00" does not exist in America/New_York`)
}

// TestLocalTimeInDSTOverlapIsFirstOccurrence: a local time the clocks show
// twice is its first occurrence, the DST policy of package availability, in
// every zone; time.Date picked the second one in Sydney (and the first in
// New York).
func TestLocalTimeInDSTOverlapIsFirstOccurrence(t *testing.T) {
	for _, tc := range []struct{ zone, local, want string }{
		{"Australia/Sydney", "2026-04-05T02:30:00", "2026-04-04T15:30:00Z"}, // 02:30 AEDT, not AEST
		{"America/New_York", "2026-11-01T01:30:00", "2026-11-01T05:30:00Z"}, // 01:30 EDT, not EST
	} {
		body := bookAppointmentRequest{StartDate: tc.local, EndDate: "2026-11-30T00:00:00Z", TimeZone: tc.zone,
			WorkTypeID: demoConsult, ChannelID: "phone", Participants: []participantJSON{
				{Reference: "Patient/" + demoPatient}, {Reference: "Facility/" + demoFacility},
				{Reference: "Practitioner/" + demoRadiologist}}}
		b, p := body.validate()
		if p != nil {
			t.Fatalf("%s in %s: %v", tc.local, tc.zone, p)
		}
		if got := b.start.UTC().Format(time.RFC3339); got != tc.want {
			t.Errorf("%s in %s: start %s, want %s (the first occurrence)", tc.local, tc.zone, got, tc.want)
		}
	}
}

// TestControlCharactersRefusedPostgres: a control character in a code, a
// source system or an external slot id is refused with a 400 naming the
// field. PostgreSQL cannot store a NUL in the search terms these become, so
// such a request used to end in a 500.
func TestControlCharactersRefusedPostgres(t *testing.T) {
	a := newTestAPIOn(t, pgstore.New(pgtest.Pool(t), nil))
	ext := external(at(4, 11, 0), at(4, 11, 30))
	for _, tc := range []struct {
		name string
		body req
		want string
	}{
		{"specialty", singleResource(at(3, 10, 0), at(3, 10, 30)).with("specialties", []string{"a\x00"}), "specialties[0]:"},
		{"service type", ext.with("serviceTypes", []string{"x\x00"}), "serviceTypes[0]:"},
		{"appointment type", ext.with("appointmentTypes", []string{"x\x00"}), "appointmentTypes[0]:"},
		{"source system", ext.with("sourceSystem", "c\x00"), "sourceSystem:"},
		{"slot id", ext.with("slots", []any{map[string]any{"id": "x\x00", "reference": demoGP}}), "slots[0].id:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.refused(tc.body, http.StatusBadRequest, tc.want, "control character")
		})
	}
	a.t = t
	// The same requests without the NUL are booked.
	a.book(singleResource(at(3, 10, 0), at(3, 10, 30)).with("specialties", []string{"a"}))
	a.book(ext)
}
