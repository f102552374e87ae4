package fhir_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/memstore"
)

// A FHIR server in a few lines: mount the handler under /fhir, then any
// FHIR client can find free times, hold and book them.
func ExampleNewHandler() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC) }
	sched := openslot.New(memstore.New(nil), &openslot.Options{Now: now})
	_ = sched.Create(ctx, &scheduling.Practitioner{Meta: scheduling.Meta{ID: "dr-a"}})
	_ = sched.Create(ctx, &scheduling.Schedule{
		Meta:  scheduling.Meta{ID: "dr-a-mornings"},
		Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "dr-a")},
		Availability: scheduling.Availability{TimeZone: "Europe/Vienna", Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", StartDate: scheduling.Date{Year: 2026, Month: 1, Day: 5},
			Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(12, 0, 0)}}},
		Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute},
	})

	mux := http.NewServeMux()
	mux.Handle("/fhir/", http.StripPrefix("/fhir", fhir.NewHandler(sched, &fhir.HandlerOptions{Now: now})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(path, body string) map[string]any {
		res, err := http.Post(srv.URL+"/fhir"+path, "application/fhir+json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	first := func(bundle map[string]any) map[string]any {
		return bundle["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	}

	found := post("/Appointment/$find", `{"resourceType":"Parameters","parameter":[
		{"name":"start","valueDateTime":"2026-03-03T00:00:00+01:00"},
		{"name":"end","valueDateTime":"2026-03-04T00:00:00+01:00"},
		{"name":"practitioner","valueReference":{"reference":"Practitioner/dr-a"}},
		{"name":"_count","valueInteger":1}]}`)
	offer := first(found)
	fmt.Println("free times:", found["total"], "first:", offer["start"], offer["status"])

	booked := first(post("/Appointment/$book", `{"resourceType":"Parameters","parameter":[
		{"name":"appointment-reference","valueReference":{"reference":"Appointment/`+offer["id"].(string)+`"}}]}`))
	fmt.Println("booked:", booked["status"], booked["start"])
	// Output:
	// free times: 6 first: 2026-03-03T08:00:00Z proposed
	// booked: booked 2026-03-03T08:00:00Z
}
