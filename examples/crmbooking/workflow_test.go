package main

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// TestEndToEnd follows seed 001 on the in-memory store: a single-resource
// booking, a multi-resource one, an external-slot one, and refusals of each
// kind, then checks the event log.
func TestEndToEnd(t *testing.T) { testEndToEnd(t, newTestAPI(t)) }

// TestEndToEndPostgres is the same on PostgreSQL.
func TestEndToEndPostgres(t *testing.T) {
	testEndToEnd(t, newTestAPIOn(t, pgstore.New(pgtest.Pool(t), nil)))
}

func testEndToEnd(t *testing.T, a *testAPI) {
	// A consultation with Dr. Lee, the seed's first request.
	consult := a.book(singleResource(at(3, 10, 0), at(3, 10, 30)))
	// An MRI with Dr. Lee and the scanner, right after it.
	mri := a.book(multiResource(at(3, 10, 30), at(3, 11, 30)))
	// A follow-up in Dr. Patel's Cerner calendar, the seed's second request.
	followUp := a.book(external(at(3, 10, 0), at(3, 10, 30)))

	// Refusals: the time taken, a rule broken, a resource unknown, a
	// resource without hours at the facility.
	a.refused(multiResource(at(3, 11, 0), at(3, 12, 0)), http.StatusConflict, "is already booked")
	a.refused(singleResource(at(3, 12, 0), at(3, 12, 30)).with("channelId", nil), http.StatusBadRequest, "channelId: required")
	a.refused(singleResource(at(3, 12, 0), at(3, 12, 30)).with("workTypeId", "wt-none"), http.StatusNotFound, "not found")
	a.refused(external(at(3, 12, 0), at(3, 12, 30)).with("participants", []any{part("Patient/" + demoPatient),
		part("Facility/" + demoFacility), part("Practitioner/" + demoGP)}), http.StatusUnprocessableEntity, "has no schedule")

	// Only the three bookings changed anything: one booked event each.
	events, err := a.sched.Events(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		if e.Type != scheduling.EventBooked {
			t.Errorf("event %s for %s: want only booked events", e.Type, e.AppointmentID)
		}
		got = append(got, e.AppointmentID)
	}
	if want := []string{consult.ID, mri.ID, followUp.ID}; !slices.Equal(got, want) {
		t.Errorf("events for %v, want %v", got, want)
	}
	for _, appt := range []*scheduling.Appointment{consult, mri, followUp} {
		stored, err := a.sched.Appointment(context.Background(), appt.ID)
		if err != nil || stored.Status != scheduling.AppointmentBooked {
			t.Errorf("appointment %s: %v, %v", appt.ID, stored, err)
		}
	}
}
