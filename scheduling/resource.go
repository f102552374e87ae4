package scheduling

// Resource is any stored resource of the model: the eleven resource types
// below all satisfy it through their pointer (for example *Appointment).
type Resource interface {
	// ResourceType returns the FHIR resource type name, e.g. "Appointment".
	ResourceType() string
	// Metadata returns the resource's bookkeeping, for reading and setting.
	Metadata() *Meta
}

// Metadata returns m itself, so that every resource embedding Meta exposes
// it through the Resource interface.
func (m *Meta) Metadata() *Meta { return m }

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

// ResourceTypes lists the resource type names of the model.
func ResourceTypes() []string {
	return []string{"Organization", "Location", "HealthcareService", "Practitioner", "PractitionerRole",
		"Patient", "Device", "Schedule", "Slot", "Appointment", "AppointmentResponse"}
}

// NewResource returns a new, empty resource of the named type, or nil when
// the type is not one of ResourceTypes.
func NewResource(resourceType string) Resource {
	switch resourceType {
	case "Organization":
		return &Organization{}
	case "Location":
		return &Location{}
	case "HealthcareService":
		return &HealthcareService{}
	case "Practitioner":
		return &Practitioner{}
	case "PractitionerRole":
		return &PractitionerRole{}
	case "Patient":
		return &Patient{}
	case "Device":
		return &Device{}
	case "Schedule":
		return &Schedule{}
	case "Slot":
		return &Slot{}
	case "Appointment":
		return &Appointment{}
	case "AppointmentResponse":
		return &AppointmentResponse{}
	}
	return nil
}

// CloneResource returns a deep copy of r (see the Clone methods), or nil
// when r is nil, a nil pointer, or not one of the model's resource types.
// Stores use it so that nothing they hold is shared with their callers.
func CloneResource(r Resource) Resource {
	switch v := r.(type) {
	case *Organization:
		return clonePtrOf(v)
	case *Location:
		return clonePtrOf(v)
	case *HealthcareService:
		return clonePtrOf(v)
	case *Practitioner:
		return clonePtrOf(v)
	case *PractitionerRole:
		return clonePtrOf(v)
	case *Patient:
		return clonePtrOf(v)
	case *Device:
		return clonePtrOf(v)
	case *Schedule:
		return clonePtrOf(v)
	case *Slot:
		return clonePtrOf(v)
	case *Appointment:
		return clonePtrOf(v)
	case *AppointmentResponse:
		return clonePtrOf(v)
	}
	return nil
}

// clonePtrOf copies *p through its Clone method; a nil p gives a nil
// Resource (not a typed nil pointer).
func clonePtrOf[T any, PT interface {
	*T
	Resource
	Clone() T
}](p PT) Resource {
	if p == nil {
		return nil
	}
	c := p.Clone()
	return PT(&c)
}
