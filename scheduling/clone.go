package scheduling

import (
	"encoding/json"
	"slices"
)

// The Clone methods return deep copies: the copy shares no slice, map or
// pointer with the original, so either can be changed without touching the
// other. Nil slices and maps stay nil and empty ones stay empty.

// cloneEach copies s, applying f to every element; nil stays nil.
func cloneEach[T any](s []T, f func(T) T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// clonePtr copies *p with f; nil stays nil.
func clonePtr[T any](p *T, f func(T) T) *T {
	if p == nil {
		return nil
	}
	v := f(*p)
	return &v
}

func same[T any](v T) T { return v }

func cloneBool(p *bool) *bool { return clonePtr(p, same[bool]) }

func cloneRaw(m json.RawMessage) json.RawMessage { return slices.Clone(m) }

// Clone returns a deep copy of c.
func (c CodeableConcept) Clone() CodeableConcept {
	return CodeableConcept{Coding: slices.Clone(c.Coding), Text: c.Text}
}

func cloneConcepts(s []CodeableConcept) []CodeableConcept {
	return cloneEach(s, CodeableConcept.Clone)
}

func cloneConcept(p *CodeableConcept) *CodeableConcept { return clonePtr(p, CodeableConcept.Clone) }

// Clone returns a deep copy of id.
func (id Identifier) Clone() Identifier {
	id.Type = cloneConcept(id.Type)
	id.Period = clonePtr(id.Period, same[Period])
	id.Assigner = clonePtr(id.Assigner, Reference.Clone)
	return id
}

func cloneIdentifiers(s []Identifier) []Identifier { return cloneEach(s, Identifier.Clone) }

// Clone returns a deep copy of r.
func (r Reference) Clone() Reference {
	r.Identifier = clonePtr(r.Identifier, Identifier.Clone)
	return r
}

func cloneRefs(s []Reference) []Reference { return cloneEach(s, Reference.Clone) }

func cloneRef(p *Reference) *Reference { return clonePtr(p, Reference.Clone) }

// Clone returns a deep copy of c.
func (c ContactPoint) Clone() ContactPoint {
	c.Period = clonePtr(c.Period, same[Period])
	return c
}

func cloneTelecom(s []ContactPoint) []ContactPoint { return cloneEach(s, ContactPoint.Clone) }

// Clone returns a deep copy of a.
func (a Address) Clone() Address {
	a.Line = slices.Clone(a.Line)
	a.Period = clonePtr(a.Period, same[Period])
	return a
}

func cloneAddresses(s []Address) []Address { return cloneEach(s, Address.Clone) }

// Clone returns a deep copy of n.
func (n HumanName) Clone() HumanName {
	n.Given = slices.Clone(n.Given)
	n.Prefix = slices.Clone(n.Prefix)
	n.Suffix = slices.Clone(n.Suffix)
	n.Period = clonePtr(n.Period, same[Period])
	return n
}

// Clone returns a deep copy of e.
func (e Extension) Clone() Extension {
	return Extension{URL: e.URL, JSON: cloneRaw(e.JSON)}
}

func cloneExtensions(s []Extension) []Extension { return cloneEach(s, Extension.Clone) }

// Clone returns a deep copy of e.
func (e Elements) Clone() Elements {
	if e == nil {
		return nil
	}
	out := make(Elements, len(e))
	for k, v := range e {
		out[k] = cloneRaw(v)
	}
	return out
}

// Clone returns a deep copy of t.
func (t AvailableTime) Clone() AvailableTime {
	t.DaysOfWeek = slices.Clone(t.DaysOfWeek)
	return t
}

func cloneAvailableTimes(s []AvailableTime) []AvailableTime {
	return cloneEach(s, AvailableTime.Clone)
}

// Clone returns a deep copy of r.
func (r AvailabilityRule) Clone() AvailabilityRule {
	r.RDates = slices.Clone(r.RDates)
	r.ExDates = slices.Clone(r.ExDates)
	r.Services = cloneConcepts(r.Services)
	return r
}

// Clone returns a deep copy of o.
func (o DateOverride) Clone() DateOverride {
	o.Windows = slices.Clone(o.Windows)
	return o
}

// Clone returns a deep copy of b.
func (b Block) Clone() Block {
	b.Services = cloneConcepts(b.Services)
	return b
}

// Clone returns a deep copy of a.
func (a Availability) Clone() Availability {
	return Availability{
		TimeZone:       a.TimeZone,
		Rules:          cloneEach(a.Rules, AvailabilityRule.Clone),
		AvailableTimes: cloneAvailableTimes(a.AvailableTimes),
		NotAvailable:   slices.Clone(a.NotAvailable),
		Overrides:      cloneEach(a.Overrides, DateOverride.Clone),
		Blocks:         cloneEach(a.Blocks, Block.Clone),
	}
}

// Clone returns a deep copy of p.
func (p ServicePolicy) Clone() ServicePolicy {
	p.Service = p.Service.Clone()
	return p
}

// Clone returns a deep copy of p.
func (p Participant) Clone() Participant {
	p.Type = cloneConcepts(p.Type)
	p.Actor = cloneRef(p.Actor)
	p.Period = clonePtr(p.Period, same[Period])
	return p
}

// Clone returns a deep copy of o.
func (o Organization) Clone() Organization {
	o.Identifier = cloneIdentifiers(o.Identifier)
	o.Active = cloneBool(o.Active)
	o.Type = cloneConcepts(o.Type)
	o.Alias = slices.Clone(o.Alias)
	o.Telecom = cloneTelecom(o.Telecom)
	o.Address = cloneAddresses(o.Address)
	o.PartOf = cloneRef(o.PartOf)
	o.Extension = cloneExtensions(o.Extension)
	o.Unmapped = o.Unmapped.Clone()
	return o
}

// Clone returns a deep copy of l.
func (l Location) Clone() Location {
	l.Identifier = cloneIdentifiers(l.Identifier)
	l.Alias = slices.Clone(l.Alias)
	l.Type = cloneConcepts(l.Type)
	l.Telecom = cloneTelecom(l.Telecom)
	l.Address = clonePtr(l.Address, Address.Clone)
	l.PhysicalType = cloneConcept(l.PhysicalType)
	l.ManagingOrganization = cloneRef(l.ManagingOrganization)
	l.PartOf = cloneRef(l.PartOf)
	l.HoursOfOperation = cloneAvailableTimes(l.HoursOfOperation)
	l.Extension = cloneExtensions(l.Extension)
	l.Unmapped = l.Unmapped.Clone()
	return l
}

// Clone returns a deep copy of h.
func (h HealthcareService) Clone() HealthcareService {
	h.Identifier = cloneIdentifiers(h.Identifier)
	h.Active = cloneBool(h.Active)
	h.ProvidedBy = cloneRef(h.ProvidedBy)
	h.Category = cloneConcepts(h.Category)
	h.Type = cloneConcepts(h.Type)
	h.Specialty = cloneConcepts(h.Specialty)
	h.Location = cloneRefs(h.Location)
	h.Telecom = cloneTelecom(h.Telecom)
	h.AppointmentRequired = cloneBool(h.AppointmentRequired)
	h.AvailableTime = cloneAvailableTimes(h.AvailableTime)
	h.NotAvailable = slices.Clone(h.NotAvailable)
	h.Extension = cloneExtensions(h.Extension)
	h.Unmapped = h.Unmapped.Clone()
	return h
}

// Clone returns a deep copy of p.
func (p Practitioner) Clone() Practitioner {
	p.Identifier = cloneIdentifiers(p.Identifier)
	p.Active = cloneBool(p.Active)
	p.Name = cloneEach(p.Name, HumanName.Clone)
	p.Telecom = cloneTelecom(p.Telecom)
	p.Address = cloneAddresses(p.Address)
	p.Extension = cloneExtensions(p.Extension)
	p.Unmapped = p.Unmapped.Clone()
	return p
}

// Clone returns a deep copy of r.
func (r PractitionerRole) Clone() PractitionerRole {
	r.Identifier = cloneIdentifiers(r.Identifier)
	r.Active = cloneBool(r.Active)
	r.Period = clonePtr(r.Period, same[Period])
	r.Practitioner = cloneRef(r.Practitioner)
	r.Organization = cloneRef(r.Organization)
	r.Code = cloneConcepts(r.Code)
	r.Specialty = cloneConcepts(r.Specialty)
	r.Location = cloneRefs(r.Location)
	r.HealthcareService = cloneRefs(r.HealthcareService)
	r.Telecom = cloneTelecom(r.Telecom)
	r.AvailableTime = cloneAvailableTimes(r.AvailableTime)
	r.NotAvailable = slices.Clone(r.NotAvailable)
	r.Extension = cloneExtensions(r.Extension)
	r.Unmapped = r.Unmapped.Clone()
	return r
}

// Clone returns a deep copy of p.
func (p Patient) Clone() Patient {
	p.Identifier = cloneIdentifiers(p.Identifier)
	p.Active = cloneBool(p.Active)
	p.Name = cloneEach(p.Name, HumanName.Clone)
	p.Telecom = cloneTelecom(p.Telecom)
	p.Address = cloneAddresses(p.Address)
	p.Extension = cloneExtensions(p.Extension)
	p.Unmapped = p.Unmapped.Clone()
	return p
}

// Clone returns a deep copy of d.
func (d Device) Clone() Device {
	d.Identifier = cloneIdentifiers(d.Identifier)
	d.DeviceName = slices.Clone(d.DeviceName)
	d.Type = cloneConcept(d.Type)
	d.Owner = cloneRef(d.Owner)
	d.Location = cloneRef(d.Location)
	d.Extension = cloneExtensions(d.Extension)
	d.Unmapped = d.Unmapped.Clone()
	return d
}

// Clone returns a deep copy of s.
func (s Schedule) Clone() Schedule {
	s.Identifier = cloneIdentifiers(s.Identifier)
	s.Active = cloneBool(s.Active)
	s.ServiceCategory = cloneConcepts(s.ServiceCategory)
	s.ServiceType = cloneConcepts(s.ServiceType)
	s.Specialty = cloneConcepts(s.Specialty)
	s.Actor = cloneRefs(s.Actor)
	s.PlanningHorizon = clonePtr(s.PlanningHorizon, same[Period])
	s.Availability = s.Availability.Clone()
	s.ServicePolicies = cloneEach(s.ServicePolicies, ServicePolicy.Clone)
	s.Extension = cloneExtensions(s.Extension)
	s.Unmapped = s.Unmapped.Clone()
	return s
}

// Clone returns a deep copy of s.
func (s Slot) Clone() Slot {
	s.Identifier = cloneIdentifiers(s.Identifier)
	s.ServiceCategory = cloneConcepts(s.ServiceCategory)
	s.ServiceType = cloneConcepts(s.ServiceType)
	s.Specialty = cloneConcepts(s.Specialty)
	s.AppointmentType = cloneConcept(s.AppointmentType)
	s.Schedule = s.Schedule.Clone()
	s.Overbooked = cloneBool(s.Overbooked)
	s.Extension = cloneExtensions(s.Extension)
	s.Unmapped = s.Unmapped.Clone()
	return s
}

// Clone returns a deep copy of a.
func (a Appointment) Clone() Appointment {
	a.Identifier = cloneIdentifiers(a.Identifier)
	a.CancelationReason = cloneConcept(a.CancelationReason)
	a.ServiceCategory = cloneConcepts(a.ServiceCategory)
	a.ServiceType = cloneConcepts(a.ServiceType)
	a.Specialty = cloneConcepts(a.Specialty)
	a.AppointmentType = cloneConcept(a.AppointmentType)
	a.ReasonCode = cloneConcepts(a.ReasonCode)
	a.ReasonReference = cloneRefs(a.ReasonReference)
	a.Priority = clonePtr(a.Priority, same[int])
	a.SupportingInfo = cloneRefs(a.SupportingInfo)
	a.Slot = cloneRefs(a.Slot)
	a.BasedOn = cloneRefs(a.BasedOn)
	a.Participant = cloneEach(a.Participant, Participant.Clone)
	a.RequestedPeriod = slices.Clone(a.RequestedPeriod)
	a.PaymentMode = cloneConcept(a.PaymentMode)
	a.Channel = cloneConcept(a.Channel)
	a.WorkType = cloneConcept(a.WorkType)
	a.Extension = cloneExtensions(a.Extension)
	a.Unmapped = a.Unmapped.Clone()
	return a
}

// Clone returns a deep copy of r.
func (r AppointmentResponse) Clone() AppointmentResponse {
	r.Identifier = cloneIdentifiers(r.Identifier)
	r.Appointment = r.Appointment.Clone()
	r.ParticipantType = cloneConcepts(r.ParticipantType)
	r.Actor = cloneRef(r.Actor)
	r.Extension = cloneExtensions(r.Extension)
	r.Unmapped = r.Unmapped.Clone()
	return r
}
