package fhir

// The scheduling resources and the actors they reference. Each type models
// the elements openslot uses field by field; every other R4 element of the
// resource (text, contained, modifierExtension, Patient.contact, ...) and
// every primitive extension ("_birthDate") is kept as JSON in Other.

// Organization is an R4 Organization.
type Organization struct {
	ID         string            `json:"id"`
	Meta       *Meta             `json:"meta"`
	Extension  []Extension       `json:"extension"`
	Identifier []Identifier      `json:"identifier"`
	Active     *bool             `json:"active"`
	Type       []CodeableConcept `json:"type"`
	Name       string            `json:"name"`
	Alias      []string          `json:"alias"`
	Telecom    []ContactPoint    `json:"telecom"`
	Address    []Address         `json:"address"`
	PartOf     *Reference        `json:"partOf"`
	Other      Elements
}

// Location is an R4 Location.
type Location struct {
	ID                   string             `json:"id"`
	Meta                 *Meta              `json:"meta"`
	Extension            []Extension        `json:"extension"`
	Identifier           []Identifier       `json:"identifier"`
	Status               string             `json:"status"`
	Name                 string             `json:"name"`
	Alias                []string           `json:"alias"`
	Description          string             `json:"description"`
	Mode                 string             `json:"mode"`
	Type                 []CodeableConcept  `json:"type"`
	Telecom              []ContactPoint     `json:"telecom"`
	Address              *Address           `json:"address"`
	PhysicalType         *CodeableConcept   `json:"physicalType"`
	ManagingOrganization *Reference         `json:"managingOrganization"`
	PartOf               *Reference         `json:"partOf"`
	HoursOfOperation     []HoursOfOperation `json:"hoursOfOperation"`
	Other                Elements
}

// HoursOfOperation is R4 Location.hoursOfOperation.
type HoursOfOperation struct {
	ID          string      `json:"id"`
	Extension   []Extension `json:"extension"`
	DaysOfWeek  []string    `json:"daysOfWeek"`
	AllDay      *bool       `json:"allDay"`
	OpeningTime string      `json:"openingTime"`
	ClosingTime string      `json:"closingTime"`
	Other       Elements
}

// HealthcareService is an R4 HealthcareService.
type HealthcareService struct {
	ID                     string            `json:"id"`
	Meta                   *Meta             `json:"meta"`
	Extension              []Extension       `json:"extension"`
	Identifier             []Identifier      `json:"identifier"`
	Active                 *bool             `json:"active"`
	ProvidedBy             *Reference        `json:"providedBy"`
	Category               []CodeableConcept `json:"category"`
	Type                   []CodeableConcept `json:"type"`
	Specialty              []CodeableConcept `json:"specialty"`
	Location               []Reference       `json:"location"`
	Name                   string            `json:"name"`
	Comment                string            `json:"comment"`
	Telecom                []ContactPoint    `json:"telecom"`
	AppointmentRequired    *bool             `json:"appointmentRequired"`
	AvailableTime          []AvailableTime   `json:"availableTime"`
	NotAvailable           []NotAvailable    `json:"notAvailable"`
	AvailabilityExceptions string            `json:"availabilityExceptions"`
	Other                  Elements
}

// AvailableTime is R4 availableTime of PractitionerRole and
// HealthcareService: days of the week and local times ("HH:MM:SS").
type AvailableTime struct {
	ID                 string      `json:"id"`
	Extension          []Extension `json:"extension"`
	DaysOfWeek         []string    `json:"daysOfWeek"`
	AllDay             *bool       `json:"allDay"`
	AvailableStartTime string      `json:"availableStartTime"`
	AvailableEndTime   string      `json:"availableEndTime"`
	Other              Elements
}

// NotAvailable is R4 notAvailable of PractitionerRole and
// HealthcareService.
type NotAvailable struct {
	ID          string      `json:"id"`
	Extension   []Extension `json:"extension"`
	Description string      `json:"description"`
	During      *Period     `json:"during"`
	Other       Elements
}

// Practitioner is an R4 Practitioner.
type Practitioner struct {
	ID         string         `json:"id"`
	Meta       *Meta          `json:"meta"`
	Extension  []Extension    `json:"extension"`
	Identifier []Identifier   `json:"identifier"`
	Active     *bool          `json:"active"`
	Name       []HumanName    `json:"name"`
	Telecom    []ContactPoint `json:"telecom"`
	Address    []Address      `json:"address"`
	Gender     string         `json:"gender"`
	BirthDate  string         `json:"birthDate"`
	Other      Elements
}

// PractitionerRole is an R4 PractitionerRole.
type PractitionerRole struct {
	ID                     string            `json:"id"`
	Meta                   *Meta             `json:"meta"`
	Extension              []Extension       `json:"extension"`
	Identifier             []Identifier      `json:"identifier"`
	Active                 *bool             `json:"active"`
	Period                 *Period           `json:"period"`
	Practitioner           *Reference        `json:"practitioner"`
	Organization           *Reference        `json:"organization"`
	Code                   []CodeableConcept `json:"code"`
	Specialty              []CodeableConcept `json:"specialty"`
	Location               []Reference       `json:"location"`
	HealthcareService      []Reference       `json:"healthcareService"`
	Telecom                []ContactPoint    `json:"telecom"`
	AvailableTime          []AvailableTime   `json:"availableTime"`
	NotAvailable           []NotAvailable    `json:"notAvailable"`
	AvailabilityExceptions string            `json:"availabilityExceptions"`
	Other                  Elements
}

// Patient is an R4 Patient.
type Patient struct {
	ID         string         `json:"id"`
	Meta       *Meta          `json:"meta"`
	Extension  []Extension    `json:"extension"`
	Identifier []Identifier   `json:"identifier"`
	Active     *bool          `json:"active"`
	Name       []HumanName    `json:"name"`
	Telecom    []ContactPoint `json:"telecom"`
	Gender     string         `json:"gender"`
	BirthDate  string         `json:"birthDate"`
	Address    []Address      `json:"address"`
	Other      Elements
}

// Device is an R4 Device.
type Device struct {
	ID         string           `json:"id"`
	Meta       *Meta            `json:"meta"`
	Extension  []Extension      `json:"extension"`
	Identifier []Identifier     `json:"identifier"`
	Status     string           `json:"status"`
	DeviceName []DeviceName     `json:"deviceName"`
	Type       *CodeableConcept `json:"type"`
	Owner      *Reference       `json:"owner"`
	Location   *Reference       `json:"location"`
	Other      Elements
}

// DeviceName is R4 Device.deviceName.
type DeviceName struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Name      string      `json:"name"`
	Type      string      `json:"type"`
	Other     Elements
}

// Schedule is an R4 Schedule. openslot's availability and slot policies
// travel in its extensions (scheduling.ExtAvailability, ExtSlotPolicy and
// ExtServicePolicy).
type Schedule struct {
	ID              string            `json:"id"`
	Meta            *Meta             `json:"meta"`
	Extension       []Extension       `json:"extension"`
	Identifier      []Identifier      `json:"identifier"`
	Active          *bool             `json:"active"`
	ServiceCategory []CodeableConcept `json:"serviceCategory"`
	ServiceType     []CodeableConcept `json:"serviceType"`
	Specialty       []CodeableConcept `json:"specialty"`
	Actor           []Reference       `json:"actor"`
	PlanningHorizon *Period           `json:"planningHorizon"`
	Comment         string            `json:"comment"`
	Other           Elements
}

// Slot is an R4 Slot.
type Slot struct {
	ID              string            `json:"id"`
	Meta            *Meta             `json:"meta"`
	Extension       []Extension       `json:"extension"`
	Identifier      []Identifier      `json:"identifier"`
	ServiceCategory []CodeableConcept `json:"serviceCategory"`
	ServiceType     []CodeableConcept `json:"serviceType"`
	Specialty       []CodeableConcept `json:"specialty"`
	AppointmentType *CodeableConcept  `json:"appointmentType"`
	Schedule        *Reference        `json:"schedule"`
	Status          string            `json:"status"`
	Start           string            `json:"start"`
	End             string            `json:"end"`
	Overbooked      *bool             `json:"overbooked"`
	Comment         string            `json:"comment"`
	Other           Elements
}

// Appointment is an R4 Appointment.
type Appointment struct {
	ID                    string                   `json:"id"`
	Meta                  *Meta                    `json:"meta"`
	Extension             []Extension              `json:"extension"`
	Identifier            []Identifier             `json:"identifier"`
	Status                string                   `json:"status"`
	CancelationReason     *CodeableConcept         `json:"cancelationReason"`
	ServiceCategory       []CodeableConcept        `json:"serviceCategory"`
	ServiceType           []CodeableConcept        `json:"serviceType"`
	Specialty             []CodeableConcept        `json:"specialty"`
	AppointmentType       *CodeableConcept         `json:"appointmentType"`
	ReasonCode            []CodeableConcept        `json:"reasonCode"`
	ReasonReference       []Reference              `json:"reasonReference"`
	Priority              *int                     `json:"priority"`
	Description           string                   `json:"description"`
	SupportingInformation []Reference              `json:"supportingInformation"`
	Start                 string                   `json:"start"`
	End                   string                   `json:"end"`
	MinutesDuration       *int                     `json:"minutesDuration"`
	Slot                  []Reference              `json:"slot"`
	Created               string                   `json:"created"`
	Comment               string                   `json:"comment"`
	PatientInstruction    string                   `json:"patientInstruction"`
	BasedOn               []Reference              `json:"basedOn"`
	Participant           []AppointmentParticipant `json:"participant"`
	RequestedPeriod       []Period                 `json:"requestedPeriod"`
	Other                 Elements
}

// AppointmentParticipant is R4 Appointment.participant.
type AppointmentParticipant struct {
	ID        string            `json:"id"`
	Extension []Extension       `json:"extension"`
	Type      []CodeableConcept `json:"type"`
	Actor     *Reference        `json:"actor"`
	Required  string            `json:"required"`
	Status    string            `json:"status"`
	Period    *Period           `json:"period"`
	Other     Elements
}

// AppointmentResponse is an R4 AppointmentResponse.
type AppointmentResponse struct {
	ID                string            `json:"id"`
	Meta              *Meta             `json:"meta"`
	Extension         []Extension       `json:"extension"`
	Identifier        []Identifier      `json:"identifier"`
	Appointment       *Reference        `json:"appointment"`
	Start             string            `json:"start"`
	End               string            `json:"end"`
	ParticipantType   []CodeableConcept `json:"participantType"`
	Actor             *Reference        `json:"actor"`
	ParticipantStatus string            `json:"participantStatus"`
	Comment           string            `json:"comment"`
	Other             Elements
}

// ResourceType returns "Organization".
func (*Organization) ResourceType() string { return "Organization" }

// ResourceType returns "Location".
func (*Location) ResourceType() string { return "Location" }

// ResourceType returns "HealthcareService".
func (*HealthcareService) ResourceType() string { return "HealthcareService" }

// ResourceType returns "Practitioner".
func (*Practitioner) ResourceType() string { return "Practitioner" }

// ResourceType returns "PractitionerRole".
func (*PractitionerRole) ResourceType() string { return "PractitionerRole" }

// ResourceType returns "Patient".
func (*Patient) ResourceType() string { return "Patient" }

// ResourceType returns "Device".
func (*Device) ResourceType() string { return "Device" }

// ResourceType returns "Schedule".
func (*Schedule) ResourceType() string { return "Schedule" }

// ResourceType returns "Slot".
func (*Slot) ResourceType() string { return "Slot" }

// ResourceType returns "Appointment".
func (*Appointment) ResourceType() string { return "Appointment" }

// ResourceType returns "AppointmentResponse".
func (*AppointmentResponse) ResourceType() string { return "AppointmentResponse" }
