package storetest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// base is the instant fixtures are placed around (UTC, whole microseconds,
// so that what a store returns compares equal).
var base = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return base.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

const testSystem = "urn:openslot:storetest"

func concept(param string, i int) scheduling.CodeableConcept {
	return scheduling.Concept("http://example.org/"+param, fmt.Sprintf("%s-%d", param, i), "")
}

func concepts(param string, i int) []scheduling.CodeableConcept {
	return []scheduling.CodeableConcept{concept(param, i)}
}

func ptr[T any](v T) *T { return &v }

func ref(typ string, i int) scheduling.Reference {
	return scheduling.Ref(typ, fmt.Sprintf("%s-%d", lower(typ), i))
}

func lower(s string) string {
	b := []byte(s)
	if len(b) > 0 && b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

func identifiers(typ string, i int) []scheduling.Identifier {
	return []scheduling.Identifier{{
		System: testSystem,
		Value:  fmt.Sprintf("%s-%d", lower(typ), i),
		Period: &scheduling.Period{Start: base.AddDate(-1, 0, 0)},
	}}
}

// identRef is a reference by logical identifier only.
func identRef(typ string, i int) *scheduling.Reference {
	return &scheduling.Reference{Type: typ, Identifier: &scheduling.Identifier{System: "urn:npi", Value: fmt.Sprintf("npi-%d", i)}}
}

func extensions(i int) []scheduling.Extension {
	url := scheduling.ExtBase + "storetest"
	return []scheduling.Extension{{URL: url, JSON: json.RawMessage(fmt.Sprintf(`{"url":%q,"valueInteger":%d}`, url, i))}}
}

func unmapped(i int) scheduling.Elements {
	return scheduling.Elements{"text": json.RawMessage(fmt.Sprintf(`{"status":"generated","div":"<div>%d</div>"}`, i))}
}

var participationStatuses = []scheduling.ParticipationStatus{
	scheduling.ParticipationAccepted, scheduling.ParticipationDeclined,
	scheduling.ParticipationTentative, scheduling.ParticipationNeedsAction,
}

// fixture returns resource number i of the given type, with every element
// that store.Indexed indexes filled in from i, so that fixtures with
// different i share as few search terms as possible. It has no ID.
func fixture(typ string, i int) scheduling.Resource {
	active := ptr(i%2 == 0)
	name := fmt.Sprintf("%s Name%d", typ, i)
	switch typ {
	case "Organization":
		return &scheduling.Organization{
			Identifier: identifiers(typ, i), Active: active, Type: concepts("org-type", i), Name: name,
			Alias: []string{fmt.Sprintf("Alias%d", i)}, PartOf: ptr(ref("Organization", i+100)),
			Telecom:   []scheduling.ContactPoint{{System: "phone", Value: fmt.Sprintf("+43 1 %d", i)}},
			Address:   []scheduling.Address{{Line: []string{"Hauptstrasse 1"}, City: "Wien"}},
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "Location":
		return &scheduling.Location{
			Identifier: identifiers(typ, i), Status: []string{"active", "suspended", "inactive"}[i%3],
			Name: name, Alias: []string{fmt.Sprintf("Alias%d", i)}, Mode: "instance",
			ManagingOrganization: ptr(ref("Organization", i)), PartOf: ptr(ref("Location", i+100)),
			Address:          &scheduling.Address{Line: []string{"Gasse 2"}, City: "Graz"},
			HoursOfOperation: []scheduling.AvailableTime{{DaysOfWeek: []scheduling.DayOfWeek{"mon"}, Start: scheduling.Clock(8, 0, 0), End: scheduling.Clock(17, 0, 0), StartSet: true, EndSet: true}},
			Extension:        extensions(i), Unmapped: unmapped(i),
		}
	case "HealthcareService":
		return &scheduling.HealthcareService{
			Identifier: identifiers(typ, i), Active: active, ProvidedBy: ptr(ref("Organization", i)),
			Category: concepts("service-category", i), Type: concepts("service-type", i),
			Specialty: concepts("specialty", i), Location: []scheduling.Reference{ref("Location", i)},
			Name: name, AppointmentRequired: ptr(true),
			NotAvailable: []scheduling.NotAvailable{{Description: "closed", During: scheduling.Period{Start: at(24, 0), End: at(48, 0)}}},
			Extension:    extensions(i), Unmapped: unmapped(i),
		}
	case "Practitioner":
		return &scheduling.Practitioner{
			Identifier: identifiers(typ, i), Active: active,
			Name:   []scheduling.HumanName{{Text: name, Family: fmt.Sprintf("Family%d", i), Given: []string{fmt.Sprintf("Given%d", i)}}},
			Gender: "female", BirthDate: "1980-01-02",
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "PractitionerRole":
		return &scheduling.PractitionerRole{
			Identifier: identifiers(typ, i), Active: active, Period: &scheduling.Period{Start: base},
			Practitioner: ptr(ref("Practitioner", i)), Organization: ptr(ref("Organization", i)),
			Code: concepts("role", i), Specialty: concepts("specialty", i),
			Location: []scheduling.Reference{ref("Location", i)}, HealthcareService: []scheduling.Reference{ref("HealthcareService", i)},
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "Patient":
		return &scheduling.Patient{
			Identifier: identifiers(typ, i), Active: active,
			Name:    []scheduling.HumanName{{Text: name, Family: fmt.Sprintf("Family%d", i), Given: []string{fmt.Sprintf("Given%d", i), "Maria"}}},
			Telecom: []scheduling.ContactPoint{{System: "email", Value: fmt.Sprintf("p%d@example.org", i)}},
			Gender:  "other", BirthDate: "1990-05-06",
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "Device":
		return &scheduling.Device{
			Identifier: identifiers(typ, i), Status: []string{"active", "inactive"}[i%2],
			DeviceName: []scheduling.DeviceName{{Name: name, Type: "user-friendly-name"}},
			Type:       ptr(concept("device-type", i)), Owner: ptr(ref("Organization", i)), Location: ptr(ref("Location", i)),
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "Schedule":
		return &scheduling.Schedule{
			Identifier: identifiers(typ, i), Active: active,
			ServiceCategory: concepts("service-category", i), ServiceType: concepts("service-type", i),
			Specialty:       concepts("specialty", i),
			Actor:           []scheduling.Reference{ref("Practitioner", i), ref("Location", i)},
			PlanningHorizon: &scheduling.Period{Start: at(24*i, 0), End: at(24*i+24*90, 0)},
			Availability: scheduling.Availability{
				TimeZone: "Europe/Vienna",
				Rules:    []scheduling.AvailabilityRule{{RRule: "FREQ=WEEKLY;BYDAY=MO", StartDate: scheduling.DateOf(base), Start: scheduling.Clock(8, 0, 0), End: scheduling.Clock(12, 0, 0)}},
				Blocks:   []scheduling.Block{{Period: scheduling.Period{Start: at(2, 0), End: at(3, 0)}, Reason: "meeting"}},
			},
			Policy:    scheduling.SlotPolicy{Duration: 15 * time.Minute, Capacity: 1},
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "Slot":
		return &scheduling.Slot{
			Identifier: identifiers(typ, i), ServiceCategory: concepts("service-category", i),
			ServiceType: concepts("service-type", i), Specialty: concepts("specialty", i),
			AppointmentType: ptr(concept("appointment-type", i)), Schedule: ref("Schedule", i),
			Status: []scheduling.SlotStatus{scheduling.SlotFree, scheduling.SlotBusy, scheduling.SlotBusyTentative}[i%3],
			Start:  at(i, 0), End: at(i, 30), Comment: "slot",
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "Appointment":
		return &scheduling.Appointment{
			Identifier: identifiers(typ, i),
			Status: []scheduling.AppointmentStatus{scheduling.AppointmentBooked, scheduling.AppointmentPending,
				scheduling.AppointmentCancelled, scheduling.AppointmentArrived}[i%4],
			ServiceCategory: concepts("service-category", i), ServiceType: concepts("service-type", i),
			Specialty: concepts("specialty", i), AppointmentType: ptr(concept("appointment-type", i)),
			ReasonCode: concepts("reason-code", i), Priority: ptr(i),
			Start: at(i, 0), End: at(i, 30), MinutesDuration: 30, Created: base.AddDate(0, 0, -7),
			Slot: []scheduling.Reference{ref("Slot", i)}, BasedOn: []scheduling.Reference{ref("ServiceRequest", i)},
			Participant: []scheduling.Participant{
				{Actor: ptr(ref("Patient", i)), Status: participationStatuses[i%4]},
				{Actor: ptr(ref("Practitioner", i)), Status: participationStatuses[i%4], Period: &scheduling.Period{Start: at(i, 0), End: at(i, 30)}},
				{Actor: ptr(ref("PractitionerRole", i)), Status: participationStatuses[i%4]},
				{Actor: ptr(ref("Location", i)), Status: participationStatuses[(i+1)%4]},
				{Actor: ptr(ref("Device", i)), Status: participationStatuses[(i+1)%4]},
				{Actor: identRef("Practitioner", i), Status: participationStatuses[i%4]},
			},
			RequestedPeriod: []scheduling.Period{{Start: at(i, 0), End: at(i+8, 0)}},
			PaymentMode:     ptr(concept("payment-mode", i)), SourceSystem: "storetest",
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	case "AppointmentResponse":
		actor := []string{"Patient", "Practitioner", "Location", "PractitionerRole"}[i%4]
		return &scheduling.AppointmentResponse{
			Identifier: identifiers(typ, i), Appointment: ref("Appointment", i),
			Start: at(i, 0), End: at(i, 30), ParticipantType: concepts("participant-type", i),
			Actor: ptr(ref(actor, i)), ParticipantStatus: participationStatuses[i%4], Comment: "ok",
			Extension: extensions(i), Unmapped: unmapped(i),
		}
	}
	panic("storetest: no fixture for resource type " + typ)
}

// appointment returns a minimal appointment for the busy and hold cases.
func appointment(id string, status scheduling.AppointmentStatus, start time.Time, heldUntil time.Time) *scheduling.Appointment {
	return &scheduling.Appointment{
		Meta:   scheduling.Meta{ID: id},
		Status: status, Start: start, End: start.Add(30 * time.Minute), HeldUntil: heldUntil,
		Participant: []scheduling.Participant{
			{Actor: ptr(scheduling.Ref("Patient", "p-"+id)), Status: scheduling.ParticipationAccepted},
			{Actor: ptr(scheduling.Ref("Practitioner", "dr-1")), Status: scheduling.ParticipationAccepted},
		},
	}
}

func patient(id, family string) *scheduling.Patient {
	return &scheduling.Patient{Meta: scheduling.Meta{ID: id}, Name: []scheduling.HumanName{{Family: family}}}
}

// hasInstant reports whether resources of typ have an indexed instant.
func hasInstant(typ string) bool {
	switch typ {
	case "Appointment", "Slot", "Schedule", "AppointmentResponse":
		return true
	}
	return false
}
