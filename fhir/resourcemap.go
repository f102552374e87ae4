package fhir

import (
	"reflect"

	"github.com/openslot/openslot/scheduling"
)

// Every ToX function maps a FHIR resource to the model and every FromX
// function maps back. ToX expects a valid resource (Decode validates; call
// Validate on resources built in Go) and fails with an *OutcomeError
// (ErrInvalid) only for values the model cannot hold. The pair is
// lossless: FromX(ToX(r)) encodes to the same JSON as r, because elements
// and extensions the model does not represent travel in Unmapped and
// Extension of the model type.

func newMapper[F Resource, M any](to func(*conv, F) M, from func(M) F, unmapped func(*M) *scheduling.Elements) mapper[F, M] {
	return mapper[F, M]{to: to, from: from, unmapped: unmapped}
}

// --- Organization ---

var organizationMapper = newMapper(
	func(c *conv, f *Organization) scheduling.Organization {
		meta, keptMeta := c.meta("Organization", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		return scheduling.Organization{Meta: meta, Identifier: c.identifiers("Organization.identifier", f.Identifier),
			Active: boolPtr(f.Active), Type: toConcepts(f.Type), Name: f.Name, Alias: f.Alias,
			Telecom: c.telecom("Organization.telecom", f.Telecom), Address: c.addresses("Organization.address", f.Address),
			PartOf: c.referencePtr("Organization.partOf", f.PartOf), Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
	},
	func(m scheduling.Organization) *Organization {
		return &Organization{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Active: boolPtr(m.Active), Type: fromConcepts(m.Type), Name: m.Name,
			Alias: m.Alias, Telecom: fromTelecom(m.Telecom), Address: fromAddresses(m.Address),
			PartOf: fromReferencePtr(m.PartOf), Other: otherOf[Organization](m.Unmapped)}
	},
	func(m *scheduling.Organization) *scheduling.Elements { return &m.Unmapped })

// ToOrganization maps an Organization to the model.
func ToOrganization(f *Organization) (scheduling.Organization, error) {
	return organizationMapper.toModel(f)
}

// FromOrganization maps a model Organization to FHIR.
func FromOrganization(m scheduling.Organization) *Organization {
	return organizationMapper.fromModel(m)
}

// --- Location ---

var locationMapper = newMapper(
	func(c *conv, f *Location) scheduling.Location {
		meta, keptMeta := c.meta("Location", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		var addr *scheduling.Address
		if f.Address != nil {
			a := c.address("Location.address", *f.Address)
			addr = &a
		}
		hours := mapSlice(f.HoursOfOperation, func(i int, h HoursOfOperation) AvailableTime {
			return AvailableTime{DaysOfWeek: h.DaysOfWeek, AllDay: h.AllDay, AvailableStartTime: h.OpeningTime, AvailableEndTime: h.ClosingTime}
		})
		return scheduling.Location{Meta: meta, Identifier: c.identifiers("Location.identifier", f.Identifier),
			Status: f.Status, Name: f.Name, Alias: f.Alias, Description: f.Description, Mode: f.Mode,
			Type: toConcepts(f.Type), Telecom: c.telecom("Location.telecom", f.Telecom), Address: addr,
			PhysicalType: toConceptPtr(f.PhysicalType), ManagingOrganization: c.referencePtr("Location.managingOrganization", f.ManagingOrganization),
			PartOf: c.referencePtr("Location.partOf", f.PartOf), HoursOfOperation: c.availableTimes("Location.hoursOfOperation", hours),
			Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
	},
	func(m scheduling.Location) *Location {
		var addr *Address
		if m.Address != nil {
			a := fromAddress(*m.Address)
			addr = &a
		}
		hours := mapSlice(fromAvailableTimes(m.HoursOfOperation), func(_ int, a AvailableTime) HoursOfOperation {
			return HoursOfOperation{DaysOfWeek: a.DaysOfWeek, AllDay: a.AllDay, OpeningTime: a.AvailableStartTime, ClosingTime: a.AvailableEndTime}
		})
		return &Location{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Status: m.Status, Name: m.Name, Alias: m.Alias,
			Description: m.Description, Mode: m.Mode, Type: fromConcepts(m.Type), Telecom: fromTelecom(m.Telecom),
			Address: addr, PhysicalType: fromConceptPtr(m.PhysicalType), ManagingOrganization: fromReferencePtr(m.ManagingOrganization),
			PartOf: fromReferencePtr(m.PartOf), HoursOfOperation: hours, Other: otherOf[Location](m.Unmapped)}
	},
	func(m *scheduling.Location) *scheduling.Elements { return &m.Unmapped })

// ToLocation maps a Location to the model; hoursOfOperation becomes
// AvailableTime values.
func ToLocation(f *Location) (scheduling.Location, error) { return locationMapper.toModel(f) }

// FromLocation maps a model Location to FHIR.
func FromLocation(m scheduling.Location) *Location { return locationMapper.fromModel(m) }

// --- HealthcareService ---

var healthcareServiceMapper = newMapper(
	func(c *conv, f *HealthcareService) scheduling.HealthcareService {
		meta, keptMeta := c.meta("HealthcareService", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		return scheduling.HealthcareService{Meta: meta, Identifier: c.identifiers("HealthcareService.identifier", f.Identifier),
			Active: boolPtr(f.Active), ProvidedBy: c.referencePtr("HealthcareService.providedBy", f.ProvidedBy),
			Category: toConcepts(f.Category), Type: toConcepts(f.Type), Specialty: toConcepts(f.Specialty),
			Location: c.references("HealthcareService.location", f.Location), Name: f.Name, Comment: f.Comment,
			Telecom: c.telecom("HealthcareService.telecom", f.Telecom), AppointmentRequired: boolPtr(f.AppointmentRequired),
			AvailableTime:          c.availableTimes("HealthcareService.availableTime", f.AvailableTime),
			NotAvailable:           c.notAvailable("HealthcareService.notAvailable", f.NotAvailable),
			AvailabilityExceptions: f.AvailabilityExceptions, Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
	},
	func(m scheduling.HealthcareService) *HealthcareService {
		return &HealthcareService{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Active: boolPtr(m.Active), ProvidedBy: fromReferencePtr(m.ProvidedBy),
			Category: fromConcepts(m.Category), Type: fromConcepts(m.Type), Specialty: fromConcepts(m.Specialty),
			Location: fromReferences(m.Location), Name: m.Name, Comment: m.Comment, Telecom: fromTelecom(m.Telecom),
			AppointmentRequired: boolPtr(m.AppointmentRequired), AvailableTime: fromAvailableTimes(m.AvailableTime),
			NotAvailable: fromNotAvailable(m.NotAvailable), AvailabilityExceptions: m.AvailabilityExceptions,
			Other: otherOf[HealthcareService](m.Unmapped)}
	},
	func(m *scheduling.HealthcareService) *scheduling.Elements { return &m.Unmapped })

// ToHealthcareService maps a HealthcareService to the model.
func ToHealthcareService(f *HealthcareService) (scheduling.HealthcareService, error) {
	return healthcareServiceMapper.toModel(f)
}

// FromHealthcareService maps a model HealthcareService to FHIR.
func FromHealthcareService(m scheduling.HealthcareService) *HealthcareService {
	return healthcareServiceMapper.fromModel(m)
}

// --- Practitioner ---

var practitionerMapper = newMapper(
	func(c *conv, f *Practitioner) scheduling.Practitioner {
		meta, keptMeta := c.meta("Practitioner", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		return scheduling.Practitioner{Meta: meta, Identifier: c.identifiers("Practitioner.identifier", f.Identifier),
			Active: boolPtr(f.Active), Name: c.names("Practitioner.name", f.Name), Telecom: c.telecom("Practitioner.telecom", f.Telecom),
			Address: c.addresses("Practitioner.address", f.Address), Gender: f.Gender, BirthDate: f.BirthDate,
			Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
	},
	func(m scheduling.Practitioner) *Practitioner {
		return &Practitioner{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Active: boolPtr(m.Active), Name: fromNames(m.Name),
			Telecom: fromTelecom(m.Telecom), Address: fromAddresses(m.Address), Gender: m.Gender, BirthDate: m.BirthDate,
			Other: otherOf[Practitioner](m.Unmapped)}
	},
	func(m *scheduling.Practitioner) *scheduling.Elements { return &m.Unmapped })

// ToPractitioner maps a Practitioner to the model.
func ToPractitioner(f *Practitioner) (scheduling.Practitioner, error) {
	return practitionerMapper.toModel(f)
}

// FromPractitioner maps a model Practitioner to FHIR.
func FromPractitioner(m scheduling.Practitioner) *Practitioner {
	return practitionerMapper.fromModel(m)
}

// --- PractitionerRole ---

var practitionerRoleMapper = newMapper(
	func(c *conv, f *PractitionerRole) scheduling.PractitionerRole {
		meta, keptMeta := c.meta("PractitionerRole", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		return scheduling.PractitionerRole{Meta: meta, Identifier: c.identifiers("PractitionerRole.identifier", f.Identifier),
			Active: boolPtr(f.Active), Period: c.periodPtr("PractitionerRole.period", f.Period),
			Practitioner: c.referencePtr("PractitionerRole.practitioner", f.Practitioner),
			Organization: c.referencePtr("PractitionerRole.organization", f.Organization),
			Code:         toConcepts(f.Code), Specialty: toConcepts(f.Specialty),
			Location:               c.references("PractitionerRole.location", f.Location),
			HealthcareService:      c.references("PractitionerRole.healthcareService", f.HealthcareService),
			Telecom:                c.telecom("PractitionerRole.telecom", f.Telecom),
			AvailableTime:          c.availableTimes("PractitionerRole.availableTime", f.AvailableTime),
			NotAvailable:           c.notAvailable("PractitionerRole.notAvailable", f.NotAvailable),
			AvailabilityExceptions: f.AvailabilityExceptions, Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
	},
	func(m scheduling.PractitionerRole) *PractitionerRole {
		return &PractitionerRole{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Active: boolPtr(m.Active), Period: fromPeriodPtr(m.Period),
			Practitioner: fromReferencePtr(m.Practitioner), Organization: fromReferencePtr(m.Organization),
			Code: fromConcepts(m.Code), Specialty: fromConcepts(m.Specialty), Location: fromReferences(m.Location),
			HealthcareService: fromReferences(m.HealthcareService), Telecom: fromTelecom(m.Telecom),
			AvailableTime: fromAvailableTimes(m.AvailableTime), NotAvailable: fromNotAvailable(m.NotAvailable),
			AvailabilityExceptions: m.AvailabilityExceptions, Other: otherOf[PractitionerRole](m.Unmapped)}
	},
	func(m *scheduling.PractitionerRole) *scheduling.Elements { return &m.Unmapped })

// ToPractitionerRole maps a PractitionerRole to the model, with its
// availableTime and notAvailable.
func ToPractitionerRole(f *PractitionerRole) (scheduling.PractitionerRole, error) {
	return practitionerRoleMapper.toModel(f)
}

// FromPractitionerRole maps a model PractitionerRole to FHIR.
func FromPractitionerRole(m scheduling.PractitionerRole) *PractitionerRole {
	return practitionerRoleMapper.fromModel(m)
}

// --- Patient ---

var patientMapper = newMapper(
	func(c *conv, f *Patient) scheduling.Patient {
		meta, keptMeta := c.meta("Patient", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		return scheduling.Patient{Meta: meta, Identifier: c.identifiers("Patient.identifier", f.Identifier),
			Active: boolPtr(f.Active), Name: c.names("Patient.name", f.Name), Telecom: c.telecom("Patient.telecom", f.Telecom),
			Gender: f.Gender, BirthDate: f.BirthDate, Address: c.addresses("Patient.address", f.Address),
			Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
	},
	func(m scheduling.Patient) *Patient {
		return &Patient{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Active: boolPtr(m.Active), Name: fromNames(m.Name),
			Telecom: fromTelecom(m.Telecom), Gender: m.Gender, BirthDate: m.BirthDate, Address: fromAddresses(m.Address),
			Other: otherOf[Patient](m.Unmapped)}
	},
	func(m *scheduling.Patient) *scheduling.Elements { return &m.Unmapped })

// ToPatient maps a Patient to the model.
func ToPatient(f *Patient) (scheduling.Patient, error) { return patientMapper.toModel(f) }

// FromPatient maps a model Patient to FHIR.
func FromPatient(m scheduling.Patient) *Patient { return patientMapper.fromModel(m) }

// --- Device ---

var deviceMapper = newMapper(
	func(c *conv, f *Device) scheduling.Device {
		meta, keptMeta := c.meta("Device", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		return scheduling.Device{Meta: meta, Identifier: c.identifiers("Device.identifier", f.Identifier), Status: f.Status,
			DeviceName: mapSlice(f.DeviceName, func(_ int, d DeviceName) scheduling.DeviceName {
				return scheduling.DeviceName{Name: d.Name, Type: d.Type}
			}),
			Type: toConceptPtr(f.Type), Owner: c.referencePtr("Device.owner", f.Owner),
			Location: c.referencePtr("Device.location", f.Location), Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
	},
	func(m scheduling.Device) *Device {
		return &Device{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Status: m.Status,
			DeviceName: mapSlice(m.DeviceName, func(_ int, d scheduling.DeviceName) DeviceName {
				return DeviceName{Name: d.Name, Type: d.Type}
			}),
			Type: fromConceptPtr(m.Type), Owner: fromReferencePtr(m.Owner), Location: fromReferencePtr(m.Location),
			Other: otherOf[Device](m.Unmapped)}
	},
	func(m *scheduling.Device) *scheduling.Elements { return &m.Unmapped })

// ToDevice maps a Device to the model.
func ToDevice(f *Device) (scheduling.Device, error) { return deviceMapper.toModel(f) }

// FromDevice maps a model Device to FHIR.
func FromDevice(m scheduling.Device) *Device { return deviceMapper.fromModel(m) }

// --- Schedule ---

var scheduleMapper = newMapper(
	func(c *conv, f *Schedule) scheduling.Schedule {
		meta, keptMeta := c.meta("Schedule", f.ID, f.Meta)
		known, ext := splitExtensions(f.Extension, scheduling.ExtAvailability, scheduling.ExtSlotPolicy, scheduling.ExtServicePolicy)
		m := scheduling.Schedule{Meta: meta, Identifier: c.identifiers("Schedule.identifier", f.Identifier),
			Active: boolPtr(f.Active), ServiceCategory: toConcepts(f.ServiceCategory), ServiceType: toConcepts(f.ServiceType),
			Specialty: toConcepts(f.Specialty), Actor: c.references("Schedule.actor", f.Actor),
			PlanningHorizon: c.periodPtr("Schedule.planningHorizon", f.PlanningHorizon), Comment: f.Comment,
			Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
		if e := c.one("Schedule", known, scheduling.ExtAvailability); e != nil {
			m.Availability = c.availability("Schedule.extension('availability')", *e)
		}
		if e := c.one("Schedule", known, scheduling.ExtSlotPolicy); e != nil {
			m.Policy = c.policy("Schedule.extension('slot-policy')", e.Extension)
		}
		for _, e := range known[scheduling.ExtServicePolicy] {
			m.ServicePolicies = append(m.ServicePolicies, c.servicePolicy("Schedule.extension('service-policy')", e))
		}
		return m
	},
	func(m scheduling.Schedule) *Schedule {
		ext := availabilityExt(m.Availability)
		ext = append(ext, complexExt(scheduling.ExtSlotPolicy, policySubs(m.Policy))...)
		ext = append(ext, servicePolicyExts(m.ServicePolicies)...)
		return &Schedule{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]),
			Extension:  append(ext, otherExtensions(m.Extension)...),
			Identifier: fromIdentifiers(m.Identifier), Active: boolPtr(m.Active),
			ServiceCategory: fromConcepts(m.ServiceCategory), ServiceType: fromConcepts(m.ServiceType),
			Specialty: fromConcepts(m.Specialty), Actor: fromReferences(m.Actor),
			PlanningHorizon: fromPeriodPtr(m.PlanningHorizon), Comment: m.Comment, Other: otherOf[Schedule](m.Unmapped)}
	},
	func(m *scheduling.Schedule) *scheduling.Elements { return &m.Unmapped })

// ToSchedule maps a Schedule to the model, reading the availability,
// slot-policy and service-policy extensions into Availability, Policy and
// ServicePolicies.
func ToSchedule(f *Schedule) (scheduling.Schedule, error) { return scheduleMapper.toModel(f) }

// FromSchedule maps a model Schedule to FHIR, writing its availability and
// policies as openslot extensions.
func FromSchedule(m scheduling.Schedule) *Schedule { return scheduleMapper.fromModel(m) }

// --- Slot ---

var slotMapper = newMapper(
	func(c *conv, f *Slot) scheduling.Slot {
		meta, keptMeta := c.meta("Slot", f.ID, f.Meta)
		known, ext := splitExtensions(f.Extension, scheduling.ExtHeldUntil)
		m := scheduling.Slot{Meta: meta, Identifier: c.identifiers("Slot.identifier", f.Identifier),
			ServiceCategory: toConcepts(f.ServiceCategory), ServiceType: toConcepts(f.ServiceType),
			Specialty: toConcepts(f.Specialty), AppointmentType: toConceptPtr(f.AppointmentType),
			Status: scheduling.SlotStatus(f.Status), Start: c.time("Slot.start", f.Start), End: c.time("Slot.end", f.End),
			Overbooked: boolPtr(f.Overbooked), Comment: f.Comment, HeldUntil: c.instantExt("Slot", known, scheduling.ExtHeldUntil),
			Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
		if f.Schedule != nil {
			m.Schedule = c.reference("Slot.schedule", *f.Schedule)
		}
		return m
	},
	func(m scheduling.Slot) *Slot {
		f := &Slot{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]),
			Extension:  append(instantExt(scheduling.ExtHeldUntil, m.HeldUntil), otherExtensions(m.Extension)...),
			Identifier: fromIdentifiers(m.Identifier), ServiceCategory: fromConcepts(m.ServiceCategory),
			ServiceType: fromConcepts(m.ServiceType), Specialty: fromConcepts(m.Specialty),
			AppointmentType: fromConceptPtr(m.AppointmentType), Status: string(m.Status),
			Start: formatInstant(m.Start), End: formatInstant(m.End), Overbooked: boolPtr(m.Overbooked),
			Comment: m.Comment, Other: otherOf[Slot](m.Unmapped)}
		if s := fromReference(m.Schedule); !reflect.ValueOf(s).IsZero() {
			f.Schedule = &s
		}
		return f
	},
	func(m *scheduling.Slot) *scheduling.Elements { return &m.Unmapped })

// ToSlot maps a Slot to the model, reading the held-until extension into
// HeldUntil.
func ToSlot(f *Slot) (scheduling.Slot, error) { return slotMapper.toModel(f) }

// FromSlot maps a model Slot to FHIR.
func FromSlot(m scheduling.Slot) *Slot { return slotMapper.fromModel(m) }

// --- Appointment ---

var appointmentMapper = newMapper(
	func(c *conv, f *Appointment) scheduling.Appointment {
		meta, keptMeta := c.meta("Appointment", f.ID, f.Meta)
		known, ext := splitExtensions(f.Extension, scheduling.ExtHeldUntil, scheduling.ExtPaymentMode, scheduling.ExtChannel, scheduling.ExtWorkType, scheduling.ExtSourceSystem)
		m := scheduling.Appointment{Meta: meta, Identifier: c.identifiers("Appointment.identifier", f.Identifier),
			Status: scheduling.AppointmentStatus(f.Status), CancelationReason: toConceptPtr(f.CancelationReason),
			ServiceCategory: toConcepts(f.ServiceCategory), ServiceType: toConcepts(f.ServiceType),
			Specialty: toConcepts(f.Specialty), AppointmentType: toConceptPtr(f.AppointmentType),
			ReasonCode: toConcepts(f.ReasonCode), ReasonReference: c.references("Appointment.reasonReference", f.ReasonReference),
			Description: f.Description, SupportingInfo: c.references("Appointment.supportingInformation", f.SupportingInformation),
			Start: c.time("Appointment.start", f.Start), End: c.time("Appointment.end", f.End),
			Slot: c.references("Appointment.slot", f.Slot), Created: c.time("Appointment.created", f.Created),
			Comment: f.Comment, PatientInstruction: f.PatientInstruction,
			BasedOn: c.references("Appointment.basedOn", f.BasedOn),
			Participant: mapSlice(f.Participant, func(i int, p AppointmentParticipant) scheduling.Participant {
				path := idx("Appointment.participant", i)
				return scheduling.Participant{Type: toConcepts(p.Type), Actor: c.referencePtr(path+".actor", p.Actor),
					Required: scheduling.ParticipantRequired(p.Required), Status: scheduling.ParticipationStatus(p.Status),
					Period: c.periodPtr(path+".period", p.Period)}
			}),
			RequestedPeriod: mapSlice(f.RequestedPeriod, func(i int, p Period) scheduling.Period {
				return c.period(idx("Appointment.requestedPeriod", i), p)
			}),
			HeldUntil:    c.instantExt("Appointment", known, scheduling.ExtHeldUntil),
			PaymentMode:  c.conceptExt("Appointment", known, scheduling.ExtPaymentMode),
			Channel:      c.conceptExt("Appointment", known, scheduling.ExtChannel),
			WorkType:     c.conceptExt("Appointment", known, scheduling.ExtWorkType),
			SourceSystem: c.sourceSystemExt("Appointment", known),
			Extension:    ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
		if f.Priority != nil {
			p := *f.Priority
			m.Priority = &p
		}
		if f.MinutesDuration != nil {
			m.MinutesDuration = *f.MinutesDuration
		}
		return m
	},
	func(m scheduling.Appointment) *Appointment {
		ext := instantExt(scheduling.ExtHeldUntil, m.HeldUntil)
		ext = append(ext, conceptExt(scheduling.ExtPaymentMode, m.PaymentMode)...)
		ext = append(ext, conceptExt(scheduling.ExtChannel, m.Channel)...)
		ext = append(ext, conceptExt(scheduling.ExtWorkType, m.WorkType)...)
		ext = append(ext, sourceSystemExt(m.SourceSystem)...)
		f := &Appointment{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]),
			Extension:  append(ext, otherExtensions(m.Extension)...),
			Identifier: fromIdentifiers(m.Identifier), Status: string(m.Status),
			CancelationReason: fromConceptPtr(m.CancelationReason), ServiceCategory: fromConcepts(m.ServiceCategory),
			ServiceType: fromConcepts(m.ServiceType), Specialty: fromConcepts(m.Specialty),
			AppointmentType: fromConceptPtr(m.AppointmentType), ReasonCode: fromConcepts(m.ReasonCode),
			ReasonReference: fromReferences(m.ReasonReference), Description: m.Description,
			SupportingInformation: fromReferences(m.SupportingInfo), Start: formatInstant(m.Start),
			End: formatInstant(m.End), MinutesDuration: ptrIf(m.MinutesDuration), Slot: fromReferences(m.Slot),
			Created: formatInstant(m.Created), Comment: m.Comment, PatientInstruction: m.PatientInstruction,
			BasedOn: fromReferences(m.BasedOn),
			Participant: mapSlice(m.Participant, func(_ int, p scheduling.Participant) AppointmentParticipant {
				return AppointmentParticipant{Type: fromConcepts(p.Type), Actor: fromReferencePtr(p.Actor),
					Required: string(p.Required), Status: string(p.Status), Period: fromPeriodPtr(p.Period)}
			}),
			RequestedPeriod: mapSlice(m.RequestedPeriod, func(_ int, p scheduling.Period) Period { return fromPeriod(p) }),
			Other:           otherOf[Appointment](m.Unmapped)}
		if m.Priority != nil {
			p := *m.Priority
			f.Priority = &p
		}
		return f
	},
	func(m *scheduling.Appointment) *scheduling.Elements { return &m.Unmapped })

// ToAppointment maps an Appointment to the model, reading the held-until,
// payment-mode, channel, work-type and source-system extensions into their
// fields.
func ToAppointment(f *Appointment) (scheduling.Appointment, error) {
	return appointmentMapper.toModel(f)
}

// FromAppointment maps a model Appointment to FHIR.
func FromAppointment(m scheduling.Appointment) *Appointment { return appointmentMapper.fromModel(m) }

// --- AppointmentResponse ---

var appointmentResponseMapper = newMapper(
	func(c *conv, f *AppointmentResponse) scheduling.AppointmentResponse {
		meta, keptMeta := c.meta("AppointmentResponse", f.ID, f.Meta)
		_, ext := splitExtensions(f.Extension)
		m := scheduling.AppointmentResponse{Meta: meta, Identifier: c.identifiers("AppointmentResponse.identifier", f.Identifier),
			Start: c.time("AppointmentResponse.start", f.Start), End: c.time("AppointmentResponse.end", f.End),
			ParticipantType: toConcepts(f.ParticipantType), Actor: c.referencePtr("AppointmentResponse.actor", f.Actor),
			ParticipantStatus: scheduling.ParticipationStatus(f.ParticipantStatus), Comment: f.Comment,
			Extension: ext, Unmapped: unmappedFrom(f.Other, keptMeta)}
		if f.Appointment != nil {
			m.Appointment = c.reference("AppointmentResponse.appointment", *f.Appointment)
		}
		return m
	},
	func(m scheduling.AppointmentResponse) *AppointmentResponse {
		f := &AppointmentResponse{ID: m.ID, Meta: fromMeta(m.Meta, m.Unmapped["meta"]), Extension: otherExtensions(m.Extension),
			Identifier: fromIdentifiers(m.Identifier), Start: formatInstant(m.Start), End: formatInstant(m.End),
			ParticipantType: fromConcepts(m.ParticipantType), Actor: fromReferencePtr(m.Actor),
			ParticipantStatus: string(m.ParticipantStatus), Comment: m.Comment, Other: otherOf[AppointmentResponse](m.Unmapped)}
		if r := fromReference(m.Appointment); !reflect.ValueOf(r).IsZero() {
			f.Appointment = &r
		}
		return f
	},
	func(m *scheduling.AppointmentResponse) *scheduling.Elements { return &m.Unmapped })

// ToAppointmentResponse maps an AppointmentResponse to the model.
func ToAppointmentResponse(f *AppointmentResponse) (scheduling.AppointmentResponse, error) {
	return appointmentResponseMapper.toModel(f)
}

// FromAppointmentResponse maps a model AppointmentResponse to FHIR.
func FromAppointmentResponse(m scheduling.AppointmentResponse) *AppointmentResponse {
	return appointmentResponseMapper.fromModel(m)
}

// ToModel maps any of the eleven scheduling resources to its model type
// (a scheduling.Appointment for an *Appointment, and so on). It fails with
// ErrUnsupported for a Bundle, OperationOutcome, Parameters, MessageHeader
// or CapabilityStatement, which have no model type.
func ToModel(r Resource) (any, error) {
	switch f := r.(type) {
	case *Organization:
		return ToOrganization(f)
	case *Location:
		return ToLocation(f)
	case *HealthcareService:
		return ToHealthcareService(f)
	case *Practitioner:
		return ToPractitioner(f)
	case *PractitionerRole:
		return ToPractitionerRole(f)
	case *Patient:
		return ToPatient(f)
	case *Device:
		return ToDevice(f)
	case *Schedule:
		return ToSchedule(f)
	case *Slot:
		return ToSlot(f)
	case *Appointment:
		return ToAppointment(f)
	case *AppointmentResponse:
		return ToAppointmentResponse(f)
	case nil:
		return nil, errorf("", "nil resource")
	}
	return nil, errType("model resource", r)
}

// FromModel maps a model resource (a scheduling.Appointment or a pointer to
// one, and so on) to FHIR. It fails with ErrUnsupported for other values.
func FromModel(m any) (Resource, error) {
	switch v := m.(type) {
	case scheduling.Organization:
		return FromOrganization(v), nil
	case *scheduling.Organization:
		return FromOrganization(*v), nil
	case scheduling.Location:
		return FromLocation(v), nil
	case *scheduling.Location:
		return FromLocation(*v), nil
	case scheduling.HealthcareService:
		return FromHealthcareService(v), nil
	case *scheduling.HealthcareService:
		return FromHealthcareService(*v), nil
	case scheduling.Practitioner:
		return FromPractitioner(v), nil
	case *scheduling.Practitioner:
		return FromPractitioner(*v), nil
	case scheduling.PractitionerRole:
		return FromPractitionerRole(v), nil
	case *scheduling.PractitionerRole:
		return FromPractitionerRole(*v), nil
	case scheduling.Patient:
		return FromPatient(v), nil
	case *scheduling.Patient:
		return FromPatient(*v), nil
	case scheduling.Device:
		return FromDevice(v), nil
	case *scheduling.Device:
		return FromDevice(*v), nil
	case scheduling.Schedule:
		return FromSchedule(v), nil
	case *scheduling.Schedule:
		return FromSchedule(*v), nil
	case scheduling.Slot:
		return FromSlot(v), nil
	case *scheduling.Slot:
		return FromSlot(*v), nil
	case scheduling.Appointment:
		return FromAppointment(v), nil
	case *scheduling.Appointment:
		return FromAppointment(*v), nil
	case scheduling.AppointmentResponse:
		return FromAppointmentResponse(v), nil
	case *scheduling.AppointmentResponse:
		return FromAppointmentResponse(*v), nil
	}
	return nil, newOutcomeError([]OperationOutcomeIssue{newIssue(IssueNotSupported, "", "%T is not a model resource", m)})
}
