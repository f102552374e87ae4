package fhir

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/openslot/openslot/scheduling"
)

// Canonical URLs of the operations served.
const (
	OperationFind     = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-find"
	OperationHold     = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-hold"
	OperationBook     = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-book"
	OperationFindHSP  = "http://hl7.at/fhir/TC-FHIR-AG-Scheduling-R5/R5/OperationDefinition/healthcareService-provider-find"
	OperationSlotHold = "http://hl7.at/fhir/TC-FHIR-AG-Scheduling-R5/R5/OperationDefinition/slot-hold"
)

var searchParamTypes = map[paramKind]string{kindToken: "token", kindRef: "reference", kindString: "string", kindDate: "date"}

// capabilityStatement describes what the handler serves, from the same
// tables the handler uses.
func (h *handler) capabilityStatement() *CapabilityStatement {
	var resources []CapabilityResource
	yes, no := true, false
	for _, typ := range scheduling.ResourceTypes() {
		cr := CapabilityResource{Type: typ, Versioning: "versioned-update", ReadHistory: &no, UpdateCreate: &yes,
			ConditionalCreate: &no, ConditionalUpdate: &no}
		for _, code := range []string{"read", "vread", "search-type", "create", "update"} {
			cr.Interaction = append(cr.Interaction, CapabilityInteraction{Code: code})
		}
		names := make([]string, 0, len(searchParams[typ]))
		for n := range searchParams[typ] {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			d := searchParams[typ][n]
			cr.SearchParam = append(cr.SearchParam, CapabilitySearchParam{Name: n, Type: searchParamTypes[d.kind],
				Definition: "http://hl7.org/fhir/SearchParameter/" + typ + "-" + n})
			if d.kind == kindRef {
				cr.SearchInclude = append(cr.SearchInclude, typ+":"+n)
			}
		}
		cr.SearchParam = append(cr.SearchParam,
			CapabilitySearchParam{Name: "_id", Type: "token", Definition: "http://hl7.org/fhir/SearchParameter/Resource-id"},
			CapabilitySearchParam{Name: "_lastUpdated", Type: "date", Definition: "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated"})
		switch typ {
		case "Appointment":
			cr.Operation = []CapabilityOperation{
				{Name: "find", Definition: OperationFind, Documentation: "IHE ITI-115: proposed appointments for free times"},
				{Name: "hold", Definition: OperationHold, Documentation: "IHE ITI-116: hold a proposed appointment (held-until extension)"},
				{Name: "book", Definition: OperationBook, Documentation: "IHE ITI-117 (new, modify, cancel); HL7 Austria with a proposed Appointment"},
			}
			cr.Documentation = "Status changes go through the booking state machine: POST booked books, pending holds; PUT with a new status cancels, confirms, checks in, records arrival, no-show or fulfilment; PUT of a booked appointment with a new time reschedules it."
		case "Slot":
			cr.Operation = []CapabilityOperation{{Name: "hold", Definition: OperationSlotHold,
				Documentation: "HL7 Austria: slot-status busy-tentative holds, free releases; answers slot, held-until, outcome"}}
			cr.Documentation = "A search with schedule also returns the free slots the availability engine computes for the date range asked."
		case "HealthcareService":
			cr.Operation = []CapabilityOperation{{Name: "findHSP", Definition: OperationFindHSP,
				Documentation: "HL7 Austria: the providers of a healthcare service"}}
		}
		resources = append(resources, cr)
	}
	cs := NewCapabilityStatement(h.opts.Software, h.opts.Version, h.started, resources, nil)
	cs.Name = "OpenslotScheduling"
	cs.Title = "openslot FHIR R4 scheduling server"
	cs.Description = "FHIR R4 scheduling: REST for the scheduling resources and their actors, IHE ITI Scheduling ($find, $hold, $book) and HL7 Austria scheduling ($findHSP, Slot $hold, $book)."
	cs.Rest[0].Documentation = "FHIR R4 JSON. Searches also take _count (page size), _include (the listed searchInclude values), " +
		"_sort (the date parameter, or _id) and _total=none; Bundles carry total and next links. " +
		"vread answers the current version only (404 for an older one). No DELETE, history, _revinclude or chained parameters. $find and Slot searches that compute free slots cover at most 366 days."
	if h.opts.BaseURL != "" {
		cs.Implementation = &CapabilityImplementation{Description: cs.Title, URL: h.opts.BaseURL}
	}
	if h.opts.Authorizer != nil {
		sec, _ := json.Marshal(map[string]any{
			"service": []any{map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}}}},
			"description": "Bearer tokens with SMART on FHIR scopes; patient/ scopes confine the caller to the patient's compartment.",
		})
		cs.Rest[0].Other = Elements{"security": sec}
	}
	return cs
}

func (h *handler) capabilities(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.authorize(r, Access{Interaction: "capabilities"}); err != nil {
		return err
	}
	return h.writeResource(w, http.StatusOK, h.capabilityStatement(), nil)
}
