package store

import (
	"time"

	"github.com/openslot/openslot/scheduling"
)

// Query selects resources of one type. Every store answers it the same way,
// because what a resource can be found by is decided here, once, by Terms:
// a store only has to match terms, an optional time range, and page.
type Query struct {
	// ResourceType is the type searched, e.g. "Appointment". Required.
	ResourceType string
	// IDs, when not empty, limits the result to these ids (FHIR _id).
	IDs []string
	// Terms is a conjunction of disjunctions: a resource matches when, for
	// every inner slice, it has at least one of its terms. Build terms with
	// Term, TokenTerm and RefTerm.
	Terms [][]string
	// From and To limit the resource's indexed time (see Indexed) to
	// [From, To); a zero bound is open. Resources without an indexed time
	// never match a query with a bound.
	From, To time.Time
	// UpdatedFrom and UpdatedTo limit LastUpdated to [UpdatedFrom, UpdatedTo).
	UpdatedFrom, UpdatedTo time.Time
	// Limit is the page size; 0 means DefaultLimit, and it is capped at
	// MaxLimit.
	Limit int
	// After is the Next cursor of the previous page; empty starts at the
	// beginning. Cursors are opaque and only valid for the same query.
	After string
	// Descending reverses the order.
	Descending bool
	// Total asks the store to count every match (Page.Total).
	Total bool
}

// Paging limits.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// PageLimit returns the effective page size of q.
func (q Query) PageLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// Page is one page of search results, in order: by indexed time, then by
// id (reversed when the query is Descending); resources without an indexed
// time come first in ascending order and last in descending order, by id.
type Page struct {
	Resources []scheduling.Resource
	// Next is the cursor of the following page, empty on the last page.
	Next string
	// Total is the number of matches when the query asked for it, else -1.
	Total int
}

// Term returns the exact-match term "param=value".
func Term(param, value string) string { return param + "=" + value }

// TokenTerm returns the term for a FHIR token search: "param=system|code"
// when system is given, "param=code" otherwise (both are indexed).
func TokenTerm(param, system, code string) string {
	if system == "" {
		return param + "=" + code
	}
	return param + "=" + system + "|" + code
}

// RefTerm returns the term for a FHIR reference search: "param=Type/id".
func RefTerm(param, resourceType, id string) string { return param + "=" + resourceType + "/" + id }

// Indexed returns what a store indexes for r: its search terms and the
// instant its date search uses (Appointment.start, Slot.start,
// Schedule.planningHorizon.start, AppointmentResponse.start; zero when none).
// Terms follow the FHIR R4 search parameters of each type:
//
//	Appointment: actor, appointment-type, based-on, identifier, location,
//	  part-status, patient, practitioner, reason-code, service-category,
//	  service-type, slot, specialty, status (and date via the instant)
//	Slot: appointment-type, identifier, schedule, service-category,
//	  service-type, specialty, status
//	Schedule: active, actor, identifier, service-category, service-type, specialty
//	AppointmentResponse: actor, appointment, identifier, location,
//	  part-status, patient, practitioner
//	HealthcareService: active, identifier, location, name, organization,
//	  service-category, service-type, specialty
//	PractitionerRole: active, identifier, location, organization,
//	  practitioner, role, service, specialty
//	Organization, Location, Practitioner, Patient, Device: identifier, name
//	  (and active, status, organization, partof, ... where the type has them)
//
// Token terms are indexed with and without their system; reference terms
// as "Type/id" (absolute references are cut to their last two segments);
// name terms are lower-cased, one per name part and one per full text.
func Indexed(r scheduling.Resource) (terms []string, at time.Time) {
	var ix indexer
	switch v := r.(type) {
	case *scheduling.Appointment:
		for _, p := range v.Participant {
			if p.Actor == nil {
				continue
			}
			ix.ref("actor", *p.Actor)
			t, _ := p.Actor.Split()
			if t == "" {
				t = p.Actor.Type
			}
			switch t {
			case "Patient":
				ix.ref("patient", *p.Actor)
			case "Practitioner", "PractitionerRole":
				ix.ref("practitioner", *p.Actor)
			case "Location":
				ix.ref("location", *p.Actor)
			}
			if p.Status != "" {
				ix.add("part-status", string(p.Status))
			}
		}
		ix.concept("appointment-type", v.AppointmentType)
		ix.refs("based-on", v.BasedOn)
		ix.identifiers(v.Identifier)
		ix.concepts("reason-code", v.ReasonCode)
		ix.concepts("service-category", v.ServiceCategory)
		ix.concepts("service-type", v.ServiceType)
		ix.refs("slot", v.Slot)
		ix.concepts("specialty", v.Specialty)
		ix.add("status", string(v.Status))
		at = v.Start
	case *scheduling.Slot:
		ix.concept("appointment-type", v.AppointmentType)
		ix.identifiers(v.Identifier)
		ix.ref("schedule", v.Schedule)
		ix.concepts("service-category", v.ServiceCategory)
		ix.concepts("service-type", v.ServiceType)
		ix.concepts("specialty", v.Specialty)
		ix.add("status", string(v.Status))
		at = v.Start
	case *scheduling.Schedule:
		ix.active(v.Active)
		ix.refs("actor", v.Actor)
		ix.identifiers(v.Identifier)
		ix.concepts("service-category", v.ServiceCategory)
		ix.concepts("service-type", v.ServiceType)
		ix.concepts("specialty", v.Specialty)
		if v.PlanningHorizon != nil {
			at = v.PlanningHorizon.Start
		}
	case *scheduling.AppointmentResponse:
		if v.Actor != nil {
			ix.ref("actor", *v.Actor)
			t, _ := v.Actor.Split()
			if t == "" {
				t = v.Actor.Type
			}
			switch t {
			case "Patient":
				ix.ref("patient", *v.Actor)
			case "Practitioner", "PractitionerRole":
				ix.ref("practitioner", *v.Actor)
			case "Location":
				ix.ref("location", *v.Actor)
			}
		}
		ix.ref("appointment", v.Appointment)
		ix.identifiers(v.Identifier)
		ix.add("part-status", string(v.ParticipantStatus))
		at = v.Start
	case *scheduling.HealthcareService:
		ix.active(v.Active)
		ix.identifiers(v.Identifier)
		ix.refs("location", v.Location)
		ix.name(v.Name)
		if v.ProvidedBy != nil {
			ix.ref("organization", *v.ProvidedBy)
		}
		ix.concepts("service-category", v.Category)
		ix.concepts("service-type", v.Type)
		ix.concepts("specialty", v.Specialty)
	case *scheduling.PractitionerRole:
		ix.active(v.Active)
		ix.identifiers(v.Identifier)
		ix.refs("location", v.Location)
		if v.Organization != nil {
			ix.ref("organization", *v.Organization)
		}
		if v.Practitioner != nil {
			ix.ref("practitioner", *v.Practitioner)
		}
		ix.concepts("role", v.Code)
		ix.refs("service", v.HealthcareService)
		ix.concepts("specialty", v.Specialty)
	case *scheduling.Organization:
		ix.active(v.Active)
		ix.identifiers(v.Identifier)
		ix.name(v.Name)
		for _, a := range v.Alias {
			ix.name(a)
		}
		if v.PartOf != nil {
			ix.ref("partof", *v.PartOf)
		}
	case *scheduling.Location:
		ix.identifiers(v.Identifier)
		ix.name(v.Name)
		for _, a := range v.Alias {
			ix.name(a)
		}
		if v.Status != "" {
			ix.add("status", v.Status)
		}
		if v.ManagingOrganization != nil {
			ix.ref("organization", *v.ManagingOrganization)
		}
		if v.PartOf != nil {
			ix.ref("partof", *v.PartOf)
		}
	case *scheduling.Practitioner:
		ix.active(v.Active)
		ix.identifiers(v.Identifier)
		ix.humanNames(v.Name)
	case *scheduling.Patient:
		ix.active(v.Active)
		ix.identifiers(v.Identifier)
		ix.humanNames(v.Name)
	case *scheduling.Device:
		ix.identifiers(v.Identifier)
		for _, n := range v.DeviceName {
			ix.name(n.Name)
		}
		if v.Status != "" {
			ix.add("status", v.Status)
		}
		if v.Location != nil {
			ix.ref("location", *v.Location)
		}
		if v.Owner != nil {
			ix.ref("organization", *v.Owner)
		}
	}
	return ix.terms, at
}

type indexer struct{ terms []string }

func (ix *indexer) add(param, value string) {
	if value == "" {
		return
	}
	t := Term(param, value)
	for _, have := range ix.terms {
		if have == t {
			return
		}
	}
	ix.terms = append(ix.terms, t)
}

func (ix *indexer) token(param, system, code string) {
	if code == "" {
		return
	}
	ix.add(param, code)
	if system != "" {
		ix.add(param, system+"|"+code)
	}
}

func (ix *indexer) concept(param string, c *scheduling.CodeableConcept) {
	if c != nil {
		ix.concepts(param, []scheduling.CodeableConcept{*c})
	}
}

func (ix *indexer) concepts(param string, cs []scheduling.CodeableConcept) {
	for _, c := range cs {
		for _, cd := range c.Coding {
			ix.token(param, cd.System, cd.Code)
		}
	}
}

func (ix *indexer) identifiers(ids []scheduling.Identifier) {
	for _, id := range ids {
		ix.token("identifier", id.System, id.Value)
	}
}

func (ix *indexer) ref(param string, r scheduling.Reference) {
	if t, id := r.Split(); t != "" {
		ix.add(param, t+"/"+id)
	}
	if r.Identifier != nil {
		ix.token(param+":identifier", r.Identifier.System, r.Identifier.Value)
	}
}

func (ix *indexer) refs(param string, rs []scheduling.Reference) {
	for _, r := range rs {
		ix.ref(param, r)
	}
}

func (ix *indexer) active(a *bool) {
	if a == nil || *a {
		ix.add("active", "true")
	} else {
		ix.add("active", "false")
	}
}

func (ix *indexer) name(s string) {
	if s != "" {
		ix.add("name", NormalizeName(s))
	}
}

func (ix *indexer) humanNames(ns []scheduling.HumanName) {
	for _, n := range ns {
		ix.name(n.Text)
		ix.name(n.Family)
		for _, g := range n.Given {
			ix.name(g)
		}
	}
}
