package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/examples/internal/serve"
	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// The demo tokens. Real deployments validate tokens (JWT, introspection) in
// their own Principal function.
const (
	adminToken   = "demo-admin"
	patientToken = "demo-patient"
)

// program is the example as package serve runs it: flags, store, seed,
// serve until interrupted.
var program = serve.Program{
	Name:         "fhirserver",
	Addr:         "127.0.0.1:8080",
	WriteTimeout: 40 * time.Second,
	Setup:        setup,
	Usage: func(out io.Writer, root, storeName string) {
		printUsage(out, root+"/fhir", storeName, time.Now())
	},
}

func main() { program.Main() }

// setup seeds the demo practice, starts the hold sweeper and returns the
// FHIR handler under /fhir, with the demo tokens.
func setup(ctx context.Context, sched *openslot.Scheduler, root string, log *slog.Logger) (http.Handler, error) {
	if err := seed(ctx, sched); err != nil {
		return nil, fmt.Errorf("seeding the demo practice: %w", err)
	}
	go func() { _ = sched.RunSweeper(ctx, time.Minute) }()
	tokens := fhir.StaticTokens{
		adminToken:   {Subject: "demo admin", Scopes: []string{"system/*.*"}},
		patientToken: {Subject: "demo patient", Scopes: []string{"patient/*.*"}, Patient: demoPatient},
	}
	mux := http.NewServeMux()
	mux.Handle("/fhir/", http.StripPrefix("/fhir", fhir.NewHandler(sched, &fhir.HandlerOptions{
		BaseURL:    root + "/fhir",
		Authorizer: fhir.NewSMARTAuthorizer(tokens.Principal),
		Logger:     log,
		Software:   "openslot fhirserver example",
	})))
	return mux, nil
}

// The demo practice.
const (
	demoZone    = "Europe/Vienna"
	demoOrg     = "praxis-mitte"
	demoRoom    = "room-1"
	demoService = "general-practice"
	demoDoctor  = "dr-adler"
	demoDoctor2 = "dr-berg"
	demoPatient = "patient-alpha"
)

// seed stores the demo practice: an organization, a room, a general
// practice service, two practitioners with roles and schedules (Monday to
// Friday 09:00-17:00 Europe/Vienna, 30-minute slots, bookable from an hour
// ahead) and a patient. Resources that exist already (a PostgreSQL store
// seeded before) are left alone.
func seed(ctx context.Context, s *openslot.Scheduler) error {
	active := true
	org := scheduling.Ref("Organization", demoOrg)
	room := scheduling.Ref("Location", demoRoom)
	gp := scheduling.Concept("http://snomed.info/sct", "394814009", "General practice")
	rule := scheduling.AvailabilityRule{RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
		StartDate: scheduling.Date{Year: 2026, Month: 1, Day: 5}, Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}
	rs := []scheduling.Resource{
		&scheduling.Organization{Meta: scheduling.Meta{ID: demoOrg}, Active: &active, Name: "Praxis Mitte"},
		&scheduling.Location{Meta: scheduling.Meta{ID: demoRoom}, Status: "active", Name: "Room 1", ManagingOrganization: &org,
			Address: &scheduling.Address{Line: []string{"Stephansplatz 1"}, PostalCode: "1010", City: "Wien", Country: "AT"}},
		&scheduling.HealthcareService{Meta: scheduling.Meta{ID: demoService}, Active: &active, ProvidedBy: &org,
			Name: "General practice", Type: []scheduling.CodeableConcept{gp}, Location: []scheduling.Reference{room}},
		&scheduling.Patient{Meta: scheduling.Meta{ID: demoPatient}, Active: &active,
			Name: []scheduling.HumanName{{Family: "Alpha", Given: []string{"Anna"}}}},
	}
	for _, dr := range []struct{ id, family string }{{demoDoctor, "Adler"}, {demoDoctor2, "Berg"}} {
		pr := scheduling.Ref("Practitioner", dr.id)
		rs = append(rs,
			&scheduling.Practitioner{Meta: scheduling.Meta{ID: dr.id}, Active: &active,
				Name: []scheduling.HumanName{{Family: dr.family, Prefix: []string{"Dr."}}}},
			&scheduling.PractitionerRole{Meta: scheduling.Meta{ID: dr.id + "-gp"}, Active: &active, Practitioner: &pr,
				Organization: &org, Location: []scheduling.Reference{room},
				HealthcareService: []scheduling.Reference{scheduling.Ref("HealthcareService", demoService)}},
			&scheduling.Schedule{Meta: scheduling.Meta{ID: dr.id + "-schedule"}, Actor: []scheduling.Reference{pr, room},
				ServiceType:  []scheduling.CodeableConcept{gp},
				Availability: scheduling.Availability{TimeZone: demoZone, Rules: []scheduling.AvailabilityRule{rule}},
				Policy:       scheduling.SlotPolicy{Duration: 30 * time.Minute, MinNotice: time.Hour}},
		)
	}
	for _, r := range rs {
		if _, err := s.Get(ctx, r.ResourceType(), r.Metadata().ID); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := s.Create(ctx, r); err != nil {
			return fmt.Errorf("%s/%s: %w", r.ResourceType(), r.Metadata().ID, err)
		}
	}
	return nil
}

// printUsage tells the user how to talk to the server, with dates after
// now.
func printUsage(out io.Writer, base, storeName string, now time.Time) {
	loc, err := time.LoadLocation(demoZone)
	if err != nil {
		loc = time.UTC
	}
	day := scheduling.DateOf(now.In(loc)).AddDays(1)
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDays(1)
	}
	fmt.Fprintf(out, `fhirserver: openslot FHIR R4 scheduling (%[1]s store) at %[2]s
tokens: %[3]s (system/*.*), %[4]s (patient/*.* for Patient/%[5]s)

  A='Authorization: Bearer %[3]s'; P='Authorization: Bearer %[4]s'; J='Content-Type: application/fhir+json'

  # what the server can do (no token needed)
  curl -s %[2]s/metadata

  # free times of Dr. Adler on %[6]s (IHE ITI-115 $find): proposed Appointments
  curl -s -X POST %[2]s/Appointment/\$find -H "$P" -H "$J" -d '{"resourceType":"Parameters","parameter":[
    {"name":"start","valueDateTime":"%[9]s"},{"name":"end","valueDateTime":"%[10]s"},
    {"name":"practitioner","valueReference":{"reference":"Practitioner/%[7]s"}},{"name":"_count","valueInteger":3}]}'

  # hold one (ITI-116), then book the hold (ITI-117): use an id from the answer before
  curl -s -X POST %[2]s/Appointment/\$hold -H "$P" -H "$J" -d '{"resourceType":"Parameters","parameter":[
    {"name":"appointment-reference","valueReference":{"reference":"Appointment/<id>"}}]}'
  curl -s -X POST %[2]s/Appointment/\$book -H "$P" -H "$J" -d '{"resourceType":"Parameters","parameter":[
    {"name":"appointment-reference","valueReference":{"reference":"Appointment/<id>"}}]}'

  # the patient's appointments (ITI-118) with practitioners and location included
  curl -s '%[2]s/Appointment?patient=Patient/%[5]s&date=ge%[6]s&_include=Appointment:actor' -H "$P"

  # free and busy slots of a schedule for a day
  curl -s '%[2]s/Slot?schedule=Schedule/%[7]s-schedule&start=ge%[6]s&start=lt%[8]s' -H "$A"

  # providers of general practice (HL7 Austria $findHSP)
  curl -s '%[2]s/HealthcareService/$findHSP?healthcareService-type=http://snomed.info/sct|394814009' -H "$A"

  # cancel: PUT the appointment back with "status":"cancelled" (reschedule: with a new start and end)
  curl -s -X PUT %[2]s/Appointment/<id> -H "$P" -H "$J" -d @appointment.json

`, storeName, base, adminToken, patientToken, demoPatient, day, demoDoctor, day.AddDays(1),
		day.In(scheduling.Clock(0, 0, 0), loc).Format(time.RFC3339), day.In(scheduling.Clock(23, 59, 0), loc).Format(time.RFC3339))
}
