package scheduling

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type validatable interface{ Validate() error }

type vcase struct {
	name string
	r    validatable
	// path and msg locate the expected issue; an empty path means valid.
	path, msg string
}

func runValidation(t *testing.T, cases []vcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate()
			if tc.path == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want a *ValidationError that is ErrInvalid", err)
			}
			for _, is := range ve.Issues {
				if is.Path == tc.path && strings.Contains(is.Message, tc.msg) {
					return
				}
			}
			t.Fatalf("no issue %s: %q in %v", tc.path, tc.msg, err)
		})
	}
}

func appt(status AppointmentStatus, f func(*Appointment)) *Appointment {
	a := fixture(status)
	if f != nil {
		f(&a)
	}
	return &a
}

func TestAppointmentValidate(t *testing.T) {
	noTime := func(a *Appointment) { a.Start, a.End = time.Time{}, time.Time{} }
	reason := Concept("", "pat", "")
	runValidation(t, []vcase{
		{"every fixture is valid", appt(AppointmentBooked, nil), "", ""},
		{"status required", appt("", nil), "status", "required"},
		{"status from the value set", appt("done", nil), "status", `"done" is not one of proposed, pending`},
		{"participant 1..*", appt(AppointmentBooked, func(a *Appointment) { a.Participant = nil }), "participant", "at least one"},
		{"participant status required", appt(AppointmentBooked, func(a *Appointment) { a.Participant[1].Status = "" }), "participant[1].status", "required"},
		{"participant status from the value set", appt(AppointmentBooked, func(a *Appointment) { a.Participant[1].Status = "maybe" }), "participant[1].status", `"maybe" is not one of`},
		{"participant required code", appt(AppointmentBooked, func(a *Appointment) { a.Participant[2].Required = "sometimes" }), "participant[2].required", `"sometimes" is not one of`},
		{"participant required absent is fine", appt(AppointmentBooked, func(a *Appointment) { a.Participant[2].Required = "" }), "", ""},
		{"app-1 type only", appt(AppointmentBooked, func(a *Appointment) { a.Participant[2].Actor = nil }), "", ""},
		{"app-1 neither type nor actor", appt(AppointmentBooked, func(a *Appointment) { a.Participant[1].Actor = nil }), "participant[1]", "app-1"},
		{"app-2 start without end", appt(AppointmentProposed, func(a *Appointment) { a.End = time.Time{} }), "end", "app-2"},
		{"app-2 end without start", appt(AppointmentProposed, func(a *Appointment) { a.Start = time.Time{} }), "start", "app-2"},
		{"app-3 proposed without time", appt(AppointmentProposed, noTime), "", ""},
		{"app-3 cancelled without time", appt(AppointmentCancelled, noTime), "", ""},
		{"app-3 waitlist without time", appt(AppointmentWaitlist, noTime), "", ""},
		{"app-3 booked without time", appt(AppointmentBooked, noTime), "start", "required when status is booked (app-3)"},
		{"app-3 pending without time", appt(AppointmentPending, noTime), "start", "app-3"},
		{"app-4 reason when cancelled", appt(AppointmentCancelled, nil), "", ""},
		{"app-4 reason when noshow", appt(AppointmentNoShow, nil), "", ""},
		{"app-4 reason when booked", appt(AppointmentBooked, func(a *Appointment) { a.CancelationReason = &reason }), "cancelationReason", "app-4"},
		{"start before end", appt(AppointmentBooked, func(a *Appointment) { a.End = a.Start }), "end", "must be after start"},
		{"minutesDuration set", appt(AppointmentBooked, func(a *Appointment) { a.MinutesDuration = 30 }), "", ""},
		{"minutesDuration negative", appt(AppointmentBooked, func(a *Appointment) { a.MinutesDuration = -1 }), "minutesDuration", "negative"},
		{"priority zero", appt(AppointmentBooked, func(a *Appointment) { p := 0; a.Priority = &p }), "", ""},
		{"priority negative", appt(AppointmentBooked, func(a *Appointment) { p := -2; a.Priority = &p }), "priority", "negative"},
		{"heldUntil on a hold", appt(AppointmentPending, nil), "", ""},
		{"heldUntil when booked", appt(AppointmentBooked, func(a *Appointment) { a.HeldUntil = t0 }), "heldUntil", "only allowed when status is pending"},
		{"group appointment", appt(AppointmentBooked, func(a *Appointment) {
			a.Participant = append(a.Participant, Participant{Actor: &Reference{Reference: "Patient/p2"}, Status: ParticipationAccepted})
		}), "", ""},
		{"participant period", appt(AppointmentBooked, func(a *Appointment) { a.Participant[0].Period = &Period{Start: t0, End: t0} }), "participant[0].period.end", "after start"},
		{"requested period", appt(AppointmentBooked, func(a *Appointment) { a.RequestedPeriod[0].End = t0.Add(-48 * time.Hour) }), "requestedPeriod[0].end", "after start"},
		{"slot reference type", appt(AppointmentBooked, func(a *Appointment) { a.Slot[1] = Ref("Schedule", "x") }), "slot[1]", "must refer to Slot, not Schedule"},
		{"external slot by identifier", appt(AppointmentBooked, func(a *Appointment) { a.Slot[1] = ExternalSlot("cerner", "24477854-2") }), "", ""},
		{"actor type", appt(AppointmentBooked, func(a *Appointment) { a.Participant[1].Actor = &Reference{Reference: "Organization/o1"} }), "participant[1].actor", "must refer to Patient or Practitioner"},
		{"basedOn type", appt(AppointmentBooked, func(a *Appointment) { a.BasedOn = []Reference{Ref("ServiceRequest", "r1"), Ref("Patient", "p1")} }), "basedOn[1]", "ServiceRequest"},
		{"extension url", appt(AppointmentBooked, func(a *Appointment) { a.Extension = []Extension{{JSON: []byte(`{}`)}} }), "extension[0].url", "required"},
		{"extension json", appt(AppointmentBooked, func(a *Appointment) { a.Extension = []Extension{{URL: ExtChannel, JSON: []byte(`{`)}} }), "extension[0]", "not valid JSON"},
	})
}

func TestReferenceValidation(t *testing.T) {
	withActor := func(r Reference) *Appointment {
		return appt(AppointmentBooked, func(a *Appointment) { a.Participant[1].Actor = &r })
	}
	runValidation(t, []vcase{
		{"relative", withActor(Reference{Reference: "Practitioner/d-1.a"}), "", ""},
		{"versioned", withActor(Reference{Reference: "Practitioner/d1/_history/2"}), "", ""},
		{"absolute", withActor(Reference{Reference: "https://ehr.example/fhir/Practitioner/d1"}), "", ""},
		{"urn", withActor(Reference{Reference: "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"}), "", ""},
		{"contained", withActor(Reference{Reference: "#pr1"}), "", ""},
		{"container", withActor(Reference{Reference: "#"}), "", ""},
		{"empty version", withActor(Reference{Reference: "Practitioner/d1/_history/"}), "participant[1].actor.reference", "is not Type/id"},
		{"id too long", withActor(Reference{Reference: "Practitioner/" + strings.Repeat("1", 65)}), "participant[1].actor.reference", "is not Type/id"},
		{"identifier only", withActor(Reference{Identifier: &Identifier{System: "urn:npi", Value: "1"}}), "", ""},
		{"display only", withActor(Reference{Display: "Dr. Who"}), "", ""},
		{"empty", withActor(Reference{}), "participant[1].actor", "must have a reference, an identifier or a display"},
		{"bare id", withActor(Reference{Reference: "d1"}), "participant[1].actor.reference", "is not Type/id"},
		{"lower-case type", withActor(Reference{Reference: "practitioner/d1"}), "participant[1].actor.reference", "is not Type/id"},
		{"id with a space", withActor(Reference{Reference: "Practitioner/d 1"}), "participant[1].actor.reference", "is not Type/id"},
		{"http without host", withActor(Reference{Reference: "http:///Practitioner/1"}), "participant[1].actor.reference", "is not Type/id"},
		{"bad contained", withActor(Reference{Reference: "#a b"}), "participant[1].actor.reference", "contained"},
		{"type disagrees", withActor(Reference{Reference: "Practitioner/d1", Type: "Device"}), "participant[1].actor.type", "does not match"},
		{"type not a name", withActor(Reference{Display: "x", Type: "a thing"}), "participant[1].actor.type", "neither a resource type"},
		{"type only checked", withActor(Reference{Display: "x", Type: "Organization"}), "participant[1].actor", "must refer to"},
		{"identifier use", withActor(Reference{Identifier: &Identifier{Use: "main", Value: "1"}}), "participant[1].actor.identifier.use", `"main" is not one of`},
	})
}

func TestValidationErrorListsEverything(t *testing.T) {
	a := fixture(AppointmentBooked)
	a.Participant[1].Status = ""
	a.End = a.Start.Add(-time.Minute)
	err := a.Validate()
	const want = "invalid: end: must be after start; participant[1].status: required"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrInvalidTransition) {
		t.Errorf("errors.Is mismatch for %v", err)
	}
	if (Issue{Message: "m"}).String() != "m" {
		t.Errorf("an issue without a path prints its message")
	}
}

func TestAppointmentResponseValidate(t *testing.T) {
	resp := func(f func(*AppointmentResponse)) *AppointmentResponse {
		r := AppointmentResponse{Appointment: Ref("Appointment", "a1"), Actor: &Reference{Reference: "Practitioner/d1"},
			ParticipantStatus: ParticipationAccepted}
		if f != nil {
			f(&r)
		}
		return &r
	}
	runValidation(t, []vcase{
		{"valid", resp(nil), "", ""},
		{"appointment required", resp(func(r *AppointmentResponse) { r.Appointment = Reference{} }), "appointment", "required"},
		{"appointment type", resp(func(r *AppointmentResponse) { r.Appointment = Ref("Slot", "s1") }), "appointment", "must refer to Appointment"},
		{"participantStatus required", resp(func(r *AppointmentResponse) { r.ParticipantStatus = "" }), "participantStatus", "required"},
		{"participantStatus value set", resp(func(r *AppointmentResponse) { r.ParticipantStatus = "yes" }), "participantStatus", `"yes" is not one of`},
		{"apr-1 type only", resp(func(r *AppointmentResponse) { r.Actor, r.ParticipantType = nil, []CodeableConcept{{Text: "nurse"}} }), "", ""},
		{"apr-1 neither", resp(func(r *AppointmentResponse) { r.Actor = nil }), "actor", "apr-1"},
		{"start before end", resp(func(r *AppointmentResponse) { r.Start, r.End = t0, t0.Add(-time.Second) }), "end", "after start"},
	})
}

func TestSlotValidate(t *testing.T) {
	slot := func(f func(*Slot)) *Slot {
		s := Slot{Schedule: Ref("Schedule", "sch1"), Status: SlotFree, Start: t0, End: t0.Add(15 * time.Minute)}
		if f != nil {
			f(&s)
		}
		return &s
	}
	runValidation(t, []vcase{
		{"valid", slot(nil), "", ""},
		{"schedule required", slot(func(s *Slot) { s.Schedule = Reference{} }), "schedule", "required"},
		{"schedule type", slot(func(s *Slot) { s.Schedule = Ref("Slot", "x") }), "schedule", "must refer to Schedule"},
		{"status required", slot(func(s *Slot) { s.Status = "" }), "status", "required"},
		{"status value set", slot(func(s *Slot) { s.Status = "open" }), "status", `"open" is not one of`},
		{"start required", slot(func(s *Slot) { s.Start = time.Time{} }), "start", "required"},
		{"end required", slot(func(s *Slot) { s.End = time.Time{} }), "end", "required"},
		{"start before end", slot(func(s *Slot) { s.End = s.Start }), "end", "after start"},
		{"held", slot(func(s *Slot) { s.Status, s.HeldUntil = SlotBusyTentative, t0 }), "", ""},
		{"heldUntil when free", slot(func(s *Slot) { s.HeldUntil = t0 }), "heldUntil", "busy-tentative"},
	})
}

func TestScheduleValidate(t *testing.T) {
	sched := func(f func(*Schedule)) *Schedule {
		s := Schedule{
			Actor: []Reference{Ref("Practitioner", "d1"), Ref("Location", "l1")},
			Availability: Availability{
				TimeZone: "Europe/Vienna",
				Rules: []AvailabilityRule{{RRule: "FREQ=WEEKLY;BYDAY=MO,TU", StartDate: Date{2025, 1, 6},
					ExDates: []Date{{2025, 12, 29}}, Start: Clock(9, 0, 0), End: Clock(24, 0, 0)}},
				AvailableTimes: []AvailableTime{{DaysOfWeek: []DayOfWeek{Monday, Friday}, Start: Clock(8, 0, 0),
					StartSet: true, End: Clock(12, 0, 0), EndSet: true}},
				NotAvailable: []NotAvailable{{Description: "Christmas", During: Period{Start: t0, End: t0.Add(24 * time.Hour)}}},
				Overrides:    []DateOverride{{Date: Date{2025, 6, 2}}, {Date: Date{2025, 6, 3}, Windows: []LocalWindow{{Clock(22, 0, 0), Clock(2, 0, 0)}}}},
				Blocks:       []Block{{Period: Period{Start: t0}, Reason: "leave"}},
			},
			Policy:          SlotPolicy{Duration: 15 * time.Minute, Capacity: 2, MaxPerDay: 10},
			ServicePolicies: []ServicePolicy{{Service: Concept("http://example.org/s", "mri", ""), Policy: SlotPolicy{Duration: time.Hour}}},
		}
		if f != nil {
			f(&s)
		}
		return &s
	}
	av := func(f func(*Availability)) *Schedule { return sched(func(s *Schedule) { f(&s.Availability) }) }
	runValidation(t, []vcase{
		{"valid", sched(nil), "", ""},
		{"no time zone is UTC", av(func(a *Availability) { a.TimeZone = "" }), "", ""},
		{"actor 1..*", sched(func(s *Schedule) { s.Actor = nil }), "actor", "at least one"},
		{"actor type", sched(func(s *Schedule) { s.Actor[1] = Ref("Organization", "o1") }), "actor[1]", "must refer to"},
		{"planning horizon", sched(func(s *Schedule) { s.PlanningHorizon = &Period{Start: t0, End: t0.Add(-time.Hour)} }), "planningHorizon.end", "after start"},
		{"time zone", av(func(a *Availability) { a.TimeZone = "Mars/Olympus" }), "availability.timeZone", "not a known IANA time zone"},
		{"rule start date", av(func(a *Availability) { a.Rules[0].StartDate = Date{} }), "availability.rules[0].startDate", "required"},
		{"rule exdate", av(func(a *Availability) { a.Rules[0].ExDates[0] = Date{2025, 2, 30} }), "availability.rules[0].exDates[0]", "not a calendar date"},
		{"rule rdate", av(func(a *Availability) { a.Rules[0].RDates = []Date{{2025, 13, 1}} }), "availability.rules[0].rDates[0]", "not a calendar date"},
		{"rule start at 24:00", av(func(a *Availability) { a.Rules[0].Start = Clock(24, 0, 0) }), "availability.rules[0].start", "outside"},
		{"rule end past 24:00", av(func(a *Availability) { a.Rules[0].End = Clock(24, 0, 1) }), "availability.rules[0].end", "outside"},
		{"rule negative start", av(func(a *Availability) { a.Rules[0].Start = -1 }), "availability.rules[0].start", "outside"},
		{"rule duration", av(func(a *Availability) { a.Rules[0].Duration = -time.Minute }), "availability.rules[0].duration", "negative"},
		{"rule prefix", av(func(a *Availability) { a.Rules[0].RRule = "RRULE:FREQ=DAILY" }), "availability.rules[0].rrule", "prefix"},
		{"rrule text is not parsed here", av(func(a *Availability) { a.Rules[0].RRule = "FREQ=SOMETIMES" }), "", ""},
		{"day code", av(func(a *Availability) { a.AvailableTimes[0].DaysOfWeek[1] = "fry" }), "availability.availableTimes[0].daysOfWeek[1]", `"fry" is not one of mon`},
		{"available end", av(func(a *Availability) { a.AvailableTimes[0].End = Clock(25, 0, 0) }), "availability.availableTimes[0].availableEndTime", "outside"},
		{"start without StartSet", av(func(a *Availability) { a.AvailableTimes[0].StartSet = false }), "availability.availableTimes[0].availableStartTime", "StartSet"},
		{"notAvailable description", av(func(a *Availability) { a.NotAvailable[0].Description = " " }), "availability.notAvailable[0].description", "required"},
		{"notAvailable during", av(func(a *Availability) { a.NotAvailable[0].During.End = t0 }), "availability.notAvailable[0].during.end", "after start"},
		{"override date", av(func(a *Availability) { a.Overrides[0].Date = Date{2025, 4, 31} }), "availability.overrides[0].date", "not a calendar date"},
		{"override twice", av(func(a *Availability) { a.Overrides[1].Date = a.Overrides[0].Date }), "availability.overrides[1].date", "already overridden by overrides[0]"},
		{"override window", av(func(a *Availability) { a.Overrides[1].Windows[0].Start = Clock(30, 0, 0) }), "availability.overrides[1].windows[0].start", "outside"},
		{"open block", av(func(a *Availability) { a.Blocks[0].Period = Period{} }), "availability.blocks[0].period", "needs a start or an end"},
		{"backwards block", av(func(a *Availability) { a.Blocks[0].Period.End = t0 }), "availability.blocks[0].period.end", "after start"},
		{"policy duration", sched(func(s *Schedule) { s.Policy.BufferAfter = -time.Minute }), "policy.bufferAfter", "negative"},
		{"policy capacity", sched(func(s *Schedule) { s.Policy.Capacity = -1 }), "policy.capacity", "negative"},
		{"policy limit", sched(func(s *Schedule) { s.Policy.MaxPerWeek = -1 }), "policy.maxPerWeek", "negative"},
		{"service policy service", sched(func(s *Schedule) { s.ServicePolicies[0].Service = CodeableConcept{} }), "servicePolicies[0].service", "coding or a text"},
		{"service policy", sched(func(s *Schedule) { s.ServicePolicies[0].Policy.MinNotice = -time.Hour }), "servicePolicies[0].policy.minNotice", "negative"},
	})
}

func TestActorResourcesValidate(t *testing.T) {
	yes := true
	runValidation(t, []vcase{
		{"organization", &Organization{Name: "Clinic", Active: &yes, PartOf: &Reference{Reference: "Organization/o0"},
			Telecom: []ContactPoint{{System: "phone", Value: "+43 1 234", Use: "work"}}}, "", ""},
		{"organization identifier only", &Organization{Identifier: []Identifier{{System: "urn:x", Value: "1"}}}, "", ""},
		{"org-1", &Organization{}, "name", "org-1"},
		{"organization partOf", &Organization{Name: "x", PartOf: &Reference{Reference: "Location/l1"}}, "partOf", "must refer to Organization"},
		{"telecom system", &Organization{Name: "x", Telecom: []ContactPoint{{Value: "1"}}}, "telecom[0].system", "cpt-2"},
		{"telecom code", &Organization{Name: "x", Telecom: []ContactPoint{{System: "pigeon", Value: "1"}}}, "telecom[0].system", `"pigeon"`},
		{"telecom rank", &Organization{Name: "x", Telecom: []ContactPoint{{System: "sms", Value: "1", Rank: -1}}}, "telecom[0].rank", "negative"},
		{"address", &Organization{Name: "x", Address: []Address{{Use: "home", Type: "box"}}}, "address[0].type", `"box"`},
		{"location", &Location{Status: "active", Mode: "instance", Address: &Address{City: "Wien"},
			ManagingOrganization: &Reference{Reference: "Organization/o1"},
			HoursOfOperation:     []AvailableTime{{DaysOfWeek: []DayOfWeek{Monday}, AllDay: true}}}, "", ""},
		{"location status", &Location{Status: "open"}, "status", `"open"`},
		{"location mode", &Location{Mode: "both"}, "mode", `"both"`},
		{"location address", &Location{Address: &Address{Use: "office"}}, "address.use", `"office"`},
		{"location hours", &Location{HoursOfOperation: []AvailableTime{{DaysOfWeek: []DayOfWeek{"MON"}}}}, "hoursOfOperation[0].daysOfWeek[0]", `"MON"`},
		{"location partOf", &Location{PartOf: &Reference{Reference: "Organization/o1"}}, "partOf", "must refer to Location"},
		{"healthcare service", &HealthcareService{ProvidedBy: &Reference{Reference: "Organization/o1"},
			Location: []Reference{Ref("Location", "l1")}, NotAvailable: []NotAvailable{{Description: "closed"}}}, "", ""},
		{"healthcare service location", &HealthcareService{Location: []Reference{Ref("Practitioner", "d1")}}, "location[0]", "must refer to Location"},
		{"healthcare service notAvailable", &HealthcareService{NotAvailable: []NotAvailable{{}}}, "notAvailable[0].description", "required"},
		{"practitioner", &Practitioner{Name: []HumanName{{Family: "Who", Use: "official"}}, Gender: "female", BirthDate: "1970-01"}, "", ""},
		{"practitioner gender", &Practitioner{Gender: "f"}, "gender", `"f"`},
		{"practitioner birth date", &Practitioner{BirthDate: "1970-02-30"}, "birthDate", "not a FHIR date"},
		{"practitioner name use", &Practitioner{Name: []HumanName{{Use: "stage"}}}, "name[0].use", `"stage"`},
		{"practitioner role", &PractitionerRole{Practitioner: &Reference{Reference: "Practitioner/d1"},
			Organization: &Reference{Reference: "Organization/o1"}, Location: []Reference{Ref("Location", "l1")},
			HealthcareService: []Reference{Ref("HealthcareService", "h1")},
			AvailableTime:     []AvailableTime{{DaysOfWeek: []DayOfWeek{Tuesday}, Start: Clock(8, 0, 0), StartSet: true}}}, "", ""},
		{"practitioner role practitioner", &PractitionerRole{Practitioner: &Reference{Reference: "Patient/p1"}}, "practitioner", "must refer to Practitioner"},
		{"practitioner role service", &PractitionerRole{HealthcareService: []Reference{Ref("Location", "l1")}}, "healthcareService[0]", "HealthcareService"},
		{"practitioner role period", &PractitionerRole{Period: &Period{Start: t0, End: t0}}, "period.end", "after start"},
		{"patient", &Patient{Name: []HumanName{{Given: []string{"Ada"}}}, BirthDate: "1815", Gender: "unknown"}, "", ""},
		{"patient birth date", &Patient{BirthDate: "0000"}, "birthDate", "not a FHIR date"},
		{"patient birth date shape", &Patient{BirthDate: "1815-12-10T00:00:00Z"}, "birthDate", "not a FHIR date"},
		{"device", &Device{Status: "active", Owner: &Reference{Reference: "Organization/o1"}, Location: &Reference{Reference: "Location/l1"}}, "", ""},
		{"device status", &Device{Status: "broken"}, "status", `"broken"`},
		{"device owner", &Device{Owner: &Reference{Reference: "Practitioner/d1"}}, "owner", "must refer to Organization"},
		{"identifier assigner", &Device{Identifier: []Identifier{{Value: "1", Assigner: &Reference{Reference: "Device/x"}}}}, "identifier[0].assigner", "Organization"},
	})
}
