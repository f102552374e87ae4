package fhir

import (
	"fmt"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// The patient compartment, as R4 defines it for the types served:
// Patient (itself), Appointment (actor) and AppointmentResponse (actor).
// Other types are not patient data; a caller confined to a compartment may
// read them when its scopes allow, but never write them.

// compartmentTypes are the types whose resources belong to patients.
func inCompartmentType(resourceType string) bool {
	switch resourceType {
	case "Patient", "Appointment", "AppointmentResponse":
		return true
	}
	return false
}

// inCompartment reports whether r may be seen by a caller confined to
// patient ("" means not confined).
func inCompartment(patient string, r scheduling.Resource) bool {
	if patient == "" {
		return true
	}
	self := scheduling.Ref("Patient", patient)
	switch v := r.(type) {
	case *scheduling.Patient:
		return v.ID == patient
	case *scheduling.Appointment:
		for _, p := range v.Participant {
			if p.Actor != nil && sameLiteral(*p.Actor, self) {
				return true
			}
		}
		return false
	case *scheduling.AppointmentResponse:
		return v.Actor != nil && sameLiteral(*v.Actor, self)
	}
	return true
}

// sameLiteral reports whether two references name the same Type/id.
func sameLiteral(a, b scheduling.Reference) bool {
	at, ai := a.Split()
	bt, bi := b.Split()
	return at != "" && at == bt && ai == bi
}

// confine restricts a query to the compartment of patient: an Appointment
// or AppointmentResponse search must have the patient as an actor, a
// Patient search finds only the patient. It reports false when nothing
// can match.
func confine(q *store.Query, patient string) bool {
	if patient == "" {
		return true
	}
	switch q.ResourceType {
	case "Appointment", "AppointmentResponse":
		q.Terms = append(q.Terms, []string{store.RefTerm("actor", "Patient", patient)})
	case "Patient":
		if len(q.IDs) == 0 {
			q.IDs = []string{patient}
			return true
		}
		for _, id := range q.IDs {
			if id == patient {
				q.IDs = []string{patient}
				return true
			}
		}
		return false
	}
	return true
}

// checkWrite refuses a write by a confined caller of a resource outside its
// compartment. A new resource (or the new content of a stored one) outside
// it is refused with 403: it names another patient, or is not patient
// data. A stored one outside it is refused with the same 404 as an unknown
// id, so that its existence is not revealed. An Appointment, new or stored,
// must name no Patient participant but the caller's own (403): a stored
// one that names another patient too (a group appointment the caller may
// read) is that patient's as well, and is changed by staff, whatever the
// route (PUT, $hold, $book, Slot/$hold).
func checkWrite(patient string, r scheduling.Resource, stored bool) error {
	if patient == "" {
		return nil
	}
	if !inCompartmentType(r.ResourceType()) {
		return fmt.Errorf("%w: a caller acting for a patient cannot write %s resources", ErrForbidden, r.ResourceType())
	}
	if !inCompartment(patient, r) {
		if stored {
			return notFound(r.ResourceType(), r.Metadata().ID)
		}
		return fmt.Errorf("%w: the %s must belong to the patient you act for", ErrForbidden, r.ResourceType())
	}
	if a, ok := r.(*scheduling.Appointment); ok {
		self := scheduling.Ref("Patient", patient)
		for i, p := range a.Participant {
			if p.Actor != nil && p.Actor.IsType("Patient") && !sameLiteral(*p.Actor, self) {
				return fmt.Errorf("%w: Appointment.participant[%d]: an Appointment you write may name no patient but the one you act for",
					ErrForbidden, i)
			}
		}
	}
	return nil
}
