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
	Name: "clinicapi",
	Addr: "127.0.0.1:8081",
	Setup: func(ctx context.Context, sched *openslot.Scheduler, _ string, log *slog.Logger) (http.Handler, error) {
		if err := seedDemo(ctx, sched); err != nil {
			return nil, fmt.Errorf("seeding the demo practice: %w", err)
		}
		return newServer(sched, nil, log), nil
	},
	Usage: printUsage,
}

func main() { program.Main() }

// printUsage tells the user how to call the API.
func printUsage(out io.Writer, base, storeName string) {
	fmt.Fprintf(out, `clinicapi: the clinic API of seed 004 on openslot (%s store), listening on %s

  # add a patient to the practice's directory
  curl -s -X POST -H 'Content-Type: application/json' %[2]s/dr/v1/patient -d '{"first_name":"Meera","last_name":"Nair","mobile":"+919800000002"}'

  # free slots of Dr. Rao at Sunrise Clinic (dates in Asia/Kolkata)
  curl -s '%[2]s/dr/v1/business/doctor/%[3]s/clinic/%[4]s/appointments/slots?start_date=%[5]s&end_date=%[6]s'

  # book one with an appointment type and a payment mode (use a start_time from the search)
  curl -s -X POST -H 'Content-Type: application/json' %[2]s/dr/v1/business/doctor/appointments/slots/book -d '{"doctor_id":"%[3]s","clinic_id":"%[4]s","patient_id":"%[7]s","start_time":"<start_time>","appointment_type":"routine","payment_mode":"upi"}'

  # read, reschedule, check in, cancel (use the appointment_id from the booking)
  curl -s %[2]s/dr/v1/business/appointments/<id>
  curl -s -X PUT -H 'Content-Type: application/json' %[2]s/dr/v1/business/doctor/appointments/slots/book -d '{"appointment_id":"<id>","start_time":"<new start_time>"}'
  curl -s -X PUT -H 'Content-Type: application/json' %[2]s/dr/v1/business/appointments/check-in -d '{"appointment_id":"<id>"}'
  curl -s -X PUT -H 'Content-Type: application/json' %[2]s/dr/v1/business/appointments/cancel -d '{"appointment_id":"<id>","reason":"patient asked"}'

`, storeName, base, demoDoctor, demoClinic, nextWeekday(time.Now(), demoZone).String(),
		nextWeekday(time.Now(), demoZone).AddDays(1).String(), demoPatient)
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

// The demo practice: two doctors, two clinics, one patient in the
// directory.
const (
	demoZone     = "Asia/Kolkata"
	demoPractice = "sunrise-practice"
	demoClinic   = "sunrise-indiranagar"
	demoClinic2  = "sunrise-koramangala"
	demoDoctor   = "dr-asha-rao"
	demoDoctor2  = "dr-vikram-iyer"
	demoPatient  = "patient-ravi-kumar"
)

// demoResources returns the practice's directory and the doctors' hours,
// in the plain FHIR R4 form (PractitionerRole.availableTime), which the
// doctor's Schedule at the clinic also uses:
//   - Dr. Asha Rao at Indiranagar, Monday to Friday 09:00-13:00 and
//     14:00-17:00, 30-minute slots;
//   - Dr. Vikram Iyer at Koramangala, Monday, Wednesday and Friday
//     10:00-14:00, 20-minute slots.
//
// Both take bookings at least an hour and at most 60 days ahead.
func demoResources() []scheduling.Resource {
	active := true
	ref := scheduling.Ref
	practice := ref("Organization", demoPractice)
	weekdays := []scheduling.DayOfWeek{scheduling.Monday, scheduling.Tuesday, scheduling.Wednesday,
		scheduling.Thursday, scheduling.Friday}
	hours := func(days []scheduling.DayOfWeek, from, to int) scheduling.AvailableTime {
		return scheduling.AvailableTime{DaysOfWeek: days, Start: scheduling.Clock(from, 0, 0),
			End: scheduling.Clock(to, 0, 0), StartSet: true, EndSet: true}
	}
	out := []scheduling.Resource{
		&scheduling.Organization{Meta: scheduling.Meta{ID: demoPractice}, Active: &active, Name: "Sunrise Family Practice"},
		&scheduling.Location{Meta: scheduling.Meta{ID: demoClinic}, Status: "active", Name: "Sunrise Clinic Indiranagar",
			ManagingOrganization: &practice},
		&scheduling.Location{Meta: scheduling.Meta{ID: demoClinic2}, Status: "active", Name: "Sunrise Clinic Koramangala",
			ManagingOrganization: &practice},
		&scheduling.Patient{Meta: scheduling.Meta{ID: demoPatient}, Active: &active,
			Name:    []scheduling.HumanName{{Use: "official", Text: "Ravi Kumar", Family: "Kumar", Given: []string{"Ravi"}}},
			Telecom: []scheduling.ContactPoint{{System: mobileSystem, Value: "+919800000001", Use: "mobile"}}},
	}
	doctors := []struct {
		id, given, family, clinic string
		hours                     []scheduling.AvailableTime
		slot                      time.Duration
	}{
		{demoDoctor, "Asha", "Rao", demoClinic,
			[]scheduling.AvailableTime{hours(weekdays, 9, 13), hours(weekdays, 14, 17)}, 30 * time.Minute},
		{demoDoctor2, "Vikram", "Iyer", demoClinic2,
			[]scheduling.AvailableTime{hours([]scheduling.DayOfWeek{scheduling.Monday, scheduling.Wednesday,
				scheduling.Friday}, 10, 14)}, 20 * time.Minute},
	}
	for _, d := range doctors {
		role := d.id + "-at-" + d.clinic
		doctor, clinic := ref("Practitioner", d.id), ref("Location", d.clinic)
		out = append(out,
			&scheduling.Practitioner{Meta: scheduling.Meta{ID: d.id}, Active: &active,
				Name: []scheduling.HumanName{{Text: "Dr. " + d.given + " " + d.family, Family: d.family,
					Given: []string{d.given}, Prefix: []string{"Dr."}}}},
			&scheduling.PractitionerRole{Meta: scheduling.Meta{ID: role}, Active: &active, Practitioner: &doctor,
				Organization: &practice, Location: []scheduling.Reference{clinic}, AvailableTime: d.hours},
			&scheduling.Schedule{
				Meta:         scheduling.Meta{ID: role},
				Active:       &active,
				Actor:        []scheduling.Reference{ref("PractitionerRole", role), clinic},
				Availability: scheduling.Availability{TimeZone: demoZone, AvailableTimes: d.hours},
				Policy:       scheduling.SlotPolicy{Duration: d.slot, MinNotice: time.Hour, Horizon: 60 * 24 * time.Hour},
			})
	}
	return out
}

// seedDemo stores the demo practice, leaving what a previous run stored (a
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
