package scheduling

import (
	"strings"
	"time"
)

// Organization is a healthcare organization or practice (FHIR Organization).
type Organization struct {
	Meta
	Identifier []Identifier
	Active     *bool
	Type       []CodeableConcept
	Name       string
	Alias      []string
	Telecom    []ContactPoint
	Address    []Address
	PartOf     *Reference
	Extension  []Extension
	Unmapped   Elements
}

// Location is a place where care is given: a clinic, a site, a room
// (FHIR Location). The CRM seed's "Facility" maps here.
type Location struct {
	Meta
	Identifier           []Identifier
	Status               string
	Name                 string
	Alias                []string
	Description          string
	Mode                 string
	Type                 []CodeableConcept
	Telecom              []ContactPoint
	Address              *Address
	PhysicalType         *CodeableConcept
	ManagingOrganization *Reference
	PartOf               *Reference
	HoursOfOperation     []AvailableTime
	Extension            []Extension
	Unmapped             Elements
}

// HealthcareService is a service offered at locations (FHIR
// HealthcareService). The CRM seed's "work type" maps here.
type HealthcareService struct {
	Meta
	Identifier             []Identifier
	Active                 *bool
	ProvidedBy             *Reference
	Category               []CodeableConcept
	Type                   []CodeableConcept
	Specialty              []CodeableConcept
	Location               []Reference
	Name                   string
	Comment                string
	Telecom                []ContactPoint
	AppointmentRequired    *bool
	AvailableTime          []AvailableTime
	NotAvailable           []NotAvailable
	AvailabilityExceptions string
	Extension              []Extension
	Unmapped               Elements
}

// Practitioner is a person who gives care (FHIR Practitioner).
type Practitioner struct {
	Meta
	Identifier []Identifier
	Active     *bool
	Name       []HumanName
	Telecom    []ContactPoint
	Address    []Address
	Gender     string
	BirthDate  string
	Extension  []Extension
	Unmapped   Elements
}

// PractitionerRole is what a practitioner does for an organization, where,
// and when (FHIR PractitionerRole).
type PractitionerRole struct {
	Meta
	Identifier             []Identifier
	Active                 *bool
	Period                 *Period
	Practitioner           *Reference
	Organization           *Reference
	Code                   []CodeableConcept
	Specialty              []CodeableConcept
	Location               []Reference
	HealthcareService      []Reference
	Telecom                []ContactPoint
	AvailableTime          []AvailableTime
	NotAvailable           []NotAvailable
	AvailabilityExceptions string
	Extension              []Extension
	Unmapped               Elements
}

// Patient is a person receiving care (FHIR Patient).
type Patient struct {
	Meta
	Identifier []Identifier
	Active     *bool
	Name       []HumanName
	Telecom    []ContactPoint
	Gender     string
	BirthDate  string
	Address    []Address
	Extension  []Extension
	Unmapped   Elements
}

// DeviceName is a name of a device (FHIR Device.deviceName).
type DeviceName struct {
	Name string
	Type string
}

// Device is equipment that can be booked, such as a scanner (FHIR Device).
// The CRM seed's "asset" maps here.
type Device struct {
	Meta
	Identifier []Identifier
	Status     string
	DeviceName []DeviceName
	Type       *CodeableConcept
	Owner      *Reference
	Location   *Reference
	Extension  []Extension
	Unmapped   Elements
}

// Schedule is the container of availability for one or more actors
// (FHIR Schedule). Availability and Policy are openslot's: they travel in
// FHIR as extensions.
type Schedule struct {
	Meta
	Identifier      []Identifier
	Active          *bool
	ServiceCategory []CodeableConcept
	ServiceType     []CodeableConcept
	Specialty       []CodeableConcept
	Actor           []Reference
	PlanningHorizon *Period
	Comment         string
	// Availability is the recurring availability of the actors.
	Availability Availability
	// Policy is how free time is cut into slots and what may be booked.
	Policy SlotPolicy
	// ServicePolicies override Policy for particular services.
	ServicePolicies []ServicePolicy
	Extension       []Extension
	Unmapped        Elements
}

// IsActive reports whether s is active; an absent Active means active.
func (s *Schedule) IsActive() bool { return s.Active == nil || *s.Active }

// Slot is a concrete span of time on a schedule (FHIR Slot). Slots may be
// stored explicitly (for example busy or busy-unavailable periods imported
// from elsewhere) or computed by the availability engine.
type Slot struct {
	Meta
	Identifier      []Identifier
	ServiceCategory []CodeableConcept
	ServiceType     []CodeableConcept
	Specialty       []CodeableConcept
	AppointmentType *CodeableConcept
	Schedule        Reference
	Status          SlotStatus
	Start           time.Time
	End             time.Time
	Overbooked      *bool
	Comment         string
	// HeldUntil is when a busy-tentative hold on this slot lapses
	// (HL7 Austria held-until); zero when not held.
	HeldUntil time.Time
	Extension []Extension
	Unmapped  Elements
}

// Participant is one attendee of an appointment (FHIR
// Appointment.participant). Exactly one participant of a patient appointment
// has a Patient actor; it can never be changed once stored.
type Participant struct {
	Type     []CodeableConcept
	Actor    *Reference
	Required ParticipantRequired
	Status   ParticipationStatus
	Period   *Period
}

// IsRequired reports whether the participant must attend; an absent
// Required reads as required.
func (p Participant) IsRequired() bool {
	return p.Required == "" || p.Required == ParticipantRequiredRequired
}

// Appointment is a booking of patients, practitioners, locations and
// devices for a time (FHIR Appointment).
type Appointment struct {
	Meta
	Identifier         []Identifier
	Status             AppointmentStatus
	CancelationReason  *CodeableConcept
	ServiceCategory    []CodeableConcept
	ServiceType        []CodeableConcept
	Specialty          []CodeableConcept
	AppointmentType    *CodeableConcept
	ReasonCode         []CodeableConcept
	ReasonReference    []Reference
	Priority           *int
	Description        string
	SupportingInfo     []Reference
	Start              time.Time
	End                time.Time
	MinutesDuration    int
	Slot               []Reference
	Created            time.Time
	Comment            string
	PatientInstruction string
	BasedOn            []Reference
	Participant        []Participant
	RequestedPeriod    []Period

	// HeldUntil is when a pending hold lapses; zero when the appointment is
	// not a hold. An expired hold never blocks anyone.
	HeldUntil time.Time
	// PaymentMode is how the patient pays (clinic seed): extension payment-mode.
	PaymentMode *CodeableConcept
	// Channel is the engagement channel (CRM seed channelId): extension channel.
	Channel *CodeableConcept
	// WorkType is the kind of work (CRM seed workTypeId): extension work-type.
	WorkType *CodeableConcept
	// SourceSystem names the external system (EHR) the booking came from
	// (CRM seed sourceSystem): extension source-system.
	SourceSystem string
	Extension    []Extension
	Unmapped     Elements
}

// PatientIndex returns the index of the first participant whose actor is a
// Patient, or -1.
func (a *Appointment) PatientIndex() int {
	for i, p := range a.Participant {
		if p.Actor != nil && p.Actor.IsType("Patient") {
			return i
		}
	}
	return -1
}

// IsType reports whether r is a literal reference to a resource of type t
// (either "t/id", an absolute URL ending in "/t/id", or Type set to t).
func (r Reference) IsType(t string) bool {
	typ, _ := r.Split()
	return typ == t || (typ == "" && r.Type == t)
}

// Split returns the resource type and id of a relative or absolute literal
// reference ("Practitioner/123", "https://x/fhir/Practitioner/123",
// "Practitioner/123/_history/2"). It returns empty strings when the
// reference is not of that shape (for example a contained "#id").
func (r Reference) Split() (resourceType, id string) {
	s := r.Reference
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	j := strings.LastIndexByte(s, '/')
	if j <= 0 || j == len(s)-1 {
		return "", ""
	}
	id = s[j+1:]
	rest := s[:j]
	k := strings.LastIndexByte(rest, '/')
	resourceType = rest[k+1:]
	if resourceType == "" || resourceType[0] < 'A' || resourceType[0] > 'Z' {
		return "", ""
	}
	return resourceType, id
}

// AppointmentResponse is a participant's answer to an appointment request
// (FHIR AppointmentResponse).
type AppointmentResponse struct {
	Meta
	Identifier        []Identifier
	Appointment       Reference
	Start             time.Time
	End               time.Time
	ParticipantType   []CodeableConcept
	Actor             *Reference
	ParticipantStatus ParticipationStatus
	Comment           string
	Extension         []Extension
	Unmapped          Elements
}
