package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// TestBirthDateTodayAheadOfUTC: at 01:00 on 3 March in Bengaluru it
// is still 2 March in UTC. A baby born that night is registered; the birth
// date used to be refused as "in the future" because today was taken in
// UTC.
func TestBirthDateTodayAheadOfUTC(t *testing.T) {
	night := func() time.Time { return at(3, 1, 0) }
	srv := httptest.NewServer(newServer(newTestScheduler(t, memstore.New(nil)), night, nil))
	t.Cleanup(srv.Close)
	a := &testAPI{t: t, url: srv.URL}
	newborn := map[string]any{"first_name": "Baby", "last_name": "Nair", "mobile": "+919800000002",
		"date_of_birth": "2026-03-03"}
	a.ok("POST", "/dr/v1/patient", newborn, http.StatusCreated, nil)
	// A date after today everywhere is still in the future.
	a.fails("POST", "/dr/v1/patient", with(newborn, "date_of_birth", "2026-03-05"), 400, codeInvalid, "date_of_birth")
}

// TestControlCharactersInNamesRefusedPostgres: a name with a control
// character is refused with a 400 naming the field. PostgreSQL cannot store
// a NUL in the name's search terms, so such a patient used to end in a 500.
func TestControlCharactersInNamesRefusedPostgres(t *testing.T) {
	a := newTestAPIOn(t, pgstore.New(pgtest.Pool(t), nil))
	valid := map[string]any{"first_name": "Meera", "last_name": "Nair", "mobile": "+919800000002"}
	a.fails("POST", "/dr/v1/patient", with(valid, "first_name", "Me\x00era"), 400, codeInvalid, "first_name")
	a.fails("POST", "/dr/v1/patient", with(valid, "last_name", "Nair\x00"), 400, codeInvalid, "last_name")
	a.fails("POST", bookPath, with(validBooking(at(3, 10, 0)), "patient_id", nil, "patient",
		with(valid, "first_name", "\x00")), 400, codeInvalid, "patient.first_name")
	assertNoAppointments(t, a.sched)
	if n := countPatients(t, a.sched); n != 1 {
		t.Errorf("%d patients, want only the seeded one", n)
	}
	a.ok("POST", "/dr/v1/patient", valid, http.StatusCreated, nil)
}
