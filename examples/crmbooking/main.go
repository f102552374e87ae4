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
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// program is the example as package serve runs it: flags, store, seed,
// serve until interrupted.
var program = serve.Program{
	Name: "crmbooking",
	Addr: "127.0.0.1:8082",
	Setup: func(ctx context.Context, sched *openslot.Scheduler, _ string, log *slog.Logger) (http.Handler, error) {
		if err := seedDemo(ctx, sched); err != nil {
			return nil, fmt.Errorf("seeding the demo data: %w", err)
		}
		return newServer(sched, log), nil
	},
	Usage: printUsage,
}

func main() { program.Main() }

// printUsage tells the user how to call the API.
func printUsage(out io.Writer, base, storeName string) {
	day := nextWeekday(time.Now(), demoZone)
	loc, err := time.LoadLocation(demoZone)
	if err != nil {
		loc = time.UTC
	}
	at := func(h int) string { return day.In(scheduling.Clock(h, 0, 0), loc).Format(time.RFC3339) }
	fmt.Fprintf(out, `crmbooking: the CRM Book Appointment API of seed 001 on openslot (%s store), listening on %s

  # single resource: a consultation with a practitioner
  curl -s -X POST -H 'Content-Type: application/json' %[2]s%[3]s -d '{"startDate":"%[4]s","endDate":"%[5]s","workTypeId":"%[6]s","channelId":"phone","participants":[{"reference":"Patient/%[7]s"},{"reference":"Facility/%[8]s"},{"reference":"Practitioner/%[9]s","isReferenceRequired":true}]}'

  # multi resource: an MRI with the radiologist and the scanner, booked together or not at all
  curl -s -X POST -H 'Content-Type: application/json' %[2]s%[3]s -d '{"startDate":"%[10]s","endDate":"%[11]s","workTypeId":"%[12]s","channelId":"web","participants":[{"reference":"Patient/%[7]s"},{"reference":"Facility/%[8]s"},{"reference":"Practitioner/%[9]s"},{"reference":"Device/%[13]s"}]}'

  # external EHR slot: service by codes of the source system
  curl -s -X POST -H 'Content-Type: application/json' %[2]s%[3]s -d '{"startDate":"%[4]s","endDate":"%[5]s","channelId":"phone","sourceSystem":"cerner","appointmentTypes":["FOLLOWUP"],"serviceTypes":["consult"],"slots":[{"id":"24477854-21304876-62852027-2","reference":"%[14]s"}],"participants":[{"reference":"Patient/%[7]s"},{"reference":"Facility/%[15]s"},{"reference":"Practitioner/%[14]s","isReferenceRequired":true}]}'

`, storeName, base, bookPath, at(10), at(11), demoConsult, demoPatient, demoFacility, demoRadiologist,
		at(14), at(15), demoMRI, demoScanner, demoGP, demoFacility2)
}

// nextWeekday is the first Monday-to-Friday date after now in zone.
func nextWeekday(now time.Time, zone string) scheduling.Date {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	d := scheduling.DateOf(now.In(loc)).AddDays(1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDays(1)
	}
	return d
}

// The demo data: a health system with two facilities, two practitioners, an
// MRI scanner, two work types and two patients.
const (
	demoZone        = "America/New_York"
	demoOrg         = "northside-health"
	demoFacility    = "northside-imaging"
	demoFacility2   = "eastside-clinic"
	demoRadiologist = "pr-jordan-lee"
	demoGP          = "pr-sam-patel"
	demoScanner     = "dev-mri-1"
	demoConsult     = "wt-consult"
	demoMRI         = "wt-mri"
	demoPatient     = "pat-alex-morgan"
	demoPatient2    = "pat-jamie-chen"
)

// demoResources returns the demo data. Availability is recurring (RFC 5545
// rules) in America/New_York on a 30-minute grid; bookings need two hours
// of notice and lie at most 90 days ahead:
//   - Dr. Jordan Lee (radiologist) at Northside Imaging, Monday to Friday
//     08:00-17:00;
//   - the MRI scanner at Northside Imaging, Monday to Saturday 07:00-19:00;
//   - Dr. Sam Patel (whose calendar lives in the Cerner EHR) at Eastside
//     Clinic, Monday to Friday 09:00-17:00.
//
// Work types: a consultation (offered at both facilities) and an MRI scan
// (Northside Imaging only).
func demoResources() []scheduling.Resource {
	active := true
	ref := scheduling.Ref
	org := ref("Organization", demoOrg)
	facility, facility2 := ref("Location", demoFacility), ref("Location", demoFacility2)
	start := scheduling.Date{Year: 2025, Month: time.January, Day: 6}
	policy := scheduling.SlotPolicy{Duration: 30 * time.Minute, MinNotice: 2 * time.Hour, Horizon: 90 * 24 * time.Hour}
	schedule := func(id string, actor scheduling.Reference, at scheduling.Reference, rrule string, from, to int) *scheduling.Schedule {
		return &scheduling.Schedule{
			Meta:   scheduling.Meta{ID: id},
			Active: &active,
			Actor:  []scheduling.Reference{actor, at},
			Availability: scheduling.Availability{TimeZone: demoZone, Rules: []scheduling.AvailabilityRule{{
				RRule: rrule, StartDate: start, Start: scheduling.Clock(from, 0, 0), End: scheduling.Clock(to, 0, 0)}}},
			Policy: policy,
		}
	}
	person := func(given, family string) []scheduling.HumanName {
		return []scheduling.HumanName{{Text: given + " " + family, Family: family, Given: []string{given}}}
	}
	return []scheduling.Resource{
		&scheduling.Organization{Meta: scheduling.Meta{ID: demoOrg}, Active: &active, Name: "Northside Health"},
		&scheduling.Location{Meta: scheduling.Meta{ID: demoFacility}, Status: "active", Name: "Northside Imaging Center",
			ManagingOrganization: &org},
		&scheduling.Location{Meta: scheduling.Meta{ID: demoFacility2}, Status: "active", Name: "Eastside Clinic",
			ManagingOrganization: &org},
		&scheduling.Practitioner{Meta: scheduling.Meta{ID: demoRadiologist}, Active: &active, Name: person("Jordan", "Lee")},
		&scheduling.Practitioner{Meta: scheduling.Meta{ID: demoGP}, Active: &active, Name: person("Sam", "Patel"),
			Identifier: []scheduling.Identifier{{System: "cerner", Value: "24477854"}}},
		&scheduling.Device{Meta: scheduling.Meta{ID: demoScanner}, Status: "active",
			DeviceName: []scheduling.DeviceName{{Name: "MRI scanner 1", Type: "user-friendly-name"}}, Location: &facility, Owner: &org},
		&scheduling.HealthcareService{Meta: scheduling.Meta{ID: demoConsult}, Active: &active, ProvidedBy: &org,
			Name: "Consultation", Type: []scheduling.CodeableConcept{scheduling.Concept("", demoConsult, "Consultation")},
			Location: []scheduling.Reference{facility, facility2}},
		&scheduling.HealthcareService{Meta: scheduling.Meta{ID: demoMRI}, Active: &active, ProvidedBy: &org,
			Name: "MRI scan", Type: []scheduling.CodeableConcept{scheduling.Concept("", demoMRI, "MRI scan")},
			Location: []scheduling.Reference{facility}},
		&scheduling.Patient{Meta: scheduling.Meta{ID: demoPatient}, Active: &active, Name: person("Alex", "Morgan")},
		&scheduling.Patient{Meta: scheduling.Meta{ID: demoPatient2}, Active: &active, Name: person("Jamie", "Chen")},
		schedule("sch-"+demoRadiologist+"-"+demoFacility, ref("Practitioner", demoRadiologist), facility,
			"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 8, 17),
		schedule("sch-"+demoScanner+"-"+demoFacility, ref("Device", demoScanner), facility,
			"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA", 7, 19),
		schedule("sch-"+demoGP+"-"+demoFacility2, ref("Practitioner", demoGP), facility2,
			"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 9, 17),
	}
}

// seedDemo stores the demo data, leaving what a previous run stored (a
// PostgreSQL database keeps it) as it is.
func seedDemo(ctx context.Context, sched *openslot.Scheduler) error {
	for _, r := range demoResources() {
		_, err := sched.Get(ctx, r.ResourceType(), r.Metadata().ID)
		switch {
		case err == nil:
			continue
		case !errors.Is(err, openslot.ErrNotFound):
			return err
		}
		if err := sched.Create(ctx, r); err != nil && !errors.Is(err, store.ErrConflict) {
			return err // ErrConflict: another instance stored it at the same moment
		}
	}
	return nil
}
