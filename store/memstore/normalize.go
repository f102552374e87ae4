package memstore

import (
	"crypto/rand"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// normTime is how every instant is stored: truncated to the microsecond
// and in UTC, the same as a PostgreSQL timestamptz. The zero time stays
// zero.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

// normalize rewrites every instant of r with normTime, in place. r must be
// a copy the store owns (one of the resource types of cloneResource).
// There is one function per type below; TestNormalizeReachesEveryInstant
// walks the model by reflection to prove they miss no time.Time field.
func normalize(r scheduling.Resource) {
	switch v := r.(type) {
	case *scheduling.Organization:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normTelecom(v.Telecom)
		normAddresses(v.Address)
		normRef(v.PartOf)
	case *scheduling.Location:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normTelecom(v.Telecom)
		if v.Address != nil {
			normPeriodPtr(v.Address.Period)
		}
		normRef(v.ManagingOrganization)
		normRef(v.PartOf)
	case *scheduling.HealthcareService:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normRef(v.ProvidedBy)
		normRefs(v.Location)
		normTelecom(v.Telecom)
		normNotAvailable(v.NotAvailable)
	case *scheduling.Practitioner:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normNames(v.Name)
		normTelecom(v.Telecom)
		normAddresses(v.Address)
	case *scheduling.PractitionerRole:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normPeriodPtr(v.Period)
		normRef(v.Practitioner)
		normRef(v.Organization)
		normRefs(v.Location)
		normRefs(v.HealthcareService)
		normTelecom(v.Telecom)
		normNotAvailable(v.NotAvailable)
	case *scheduling.Patient:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normNames(v.Name)
		normTelecom(v.Telecom)
		normAddresses(v.Address)
	case *scheduling.Device:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normRef(v.Owner)
		normRef(v.Location)
	case *scheduling.Schedule:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normRefs(v.Actor)
		normPeriodPtr(v.PlanningHorizon)
		normNotAvailable(v.Availability.NotAvailable)
		for i := range v.Availability.Blocks {
			normPeriod(&v.Availability.Blocks[i].Period)
		}
	case *scheduling.Slot:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normRef(&v.Schedule)
		v.Start, v.End, v.HeldUntil = normTime(v.Start), normTime(v.End), normTime(v.HeldUntil)
	case *scheduling.Appointment:
		normAppointment(v)
	case *scheduling.AppointmentResponse:
		normMeta(&v.Meta)
		normIdentifiers(v.Identifier)
		normRef(&v.Appointment)
		v.Start, v.End = normTime(v.Start), normTime(v.End)
		normRef(v.Actor)
	}
}

// normEvent normalises the instants of an event the store owns.
func normEvent(e *scheduling.Event) {
	e.At, e.OldStart, e.OldEnd = normTime(e.At), normTime(e.OldStart), normTime(e.OldEnd)
	normAppointment(&e.Appointment)
}

func normAppointment(a *scheduling.Appointment) {
	normMeta(&a.Meta)
	normIdentifiers(a.Identifier)
	normRefs(a.ReasonReference)
	normRefs(a.SupportingInfo)
	a.Start, a.End, a.Created = normTime(a.Start), normTime(a.End), normTime(a.Created)
	normRefs(a.Slot)
	normRefs(a.BasedOn)
	for i := range a.Participant {
		normRef(a.Participant[i].Actor)
		normPeriodPtr(a.Participant[i].Period)
	}
	for i := range a.RequestedPeriod {
		normPeriod(&a.RequestedPeriod[i])
	}
	a.HeldUntil = normTime(a.HeldUntil)
}

func normMeta(m *scheduling.Meta) { m.LastUpdated = normTime(m.LastUpdated) }

func normPeriod(p *scheduling.Period) { p.Start, p.End = normTime(p.Start), normTime(p.End) }

func normPeriodPtr(p *scheduling.Period) {
	if p != nil {
		normPeriod(p)
	}
}

func normIdentifier(id *scheduling.Identifier) {
	if id != nil {
		normPeriodPtr(id.Period)
		normRef(id.Assigner)
	}
}

func normIdentifiers(ids []scheduling.Identifier) {
	for i := range ids {
		normIdentifier(&ids[i])
	}
}

func normRef(r *scheduling.Reference) {
	if r != nil {
		normIdentifier(r.Identifier)
	}
}

func normRefs(rs []scheduling.Reference) {
	for i := range rs {
		normRef(&rs[i])
	}
}

func normTelecom(cs []scheduling.ContactPoint) {
	for i := range cs {
		normPeriodPtr(cs[i].Period)
	}
}

func normAddresses(as []scheduling.Address) {
	for i := range as {
		normPeriodPtr(as[i].Period)
	}
}

func normNames(ns []scheduling.HumanName) {
	for i := range ns {
		normPeriodPtr(ns[i].Period)
	}
}

func normNotAvailable(ns []scheduling.NotAvailable) {
	for i := range ns {
		normPeriod(&ns[i].During)
	}
}

// newID returns a random identifier of 26 characters (A-Z, 2-7), valid as a
// FHIR logical id.
func newID() string { return rand.Text() }
