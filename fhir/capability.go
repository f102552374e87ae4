package fhir

import "time"

// CapabilityStatement is the R4 CapabilityStatement a server returns from
// /metadata.
type CapabilityStatement struct {
	ID             string                    `json:"id"`
	Meta           *Meta                     `json:"meta"`
	Extension      []Extension               `json:"extension"`
	URL            string                    `json:"url"`
	Version        string                    `json:"version"`
	Name           string                    `json:"name"`
	Title          string                    `json:"title"`
	Status         string                    `json:"status"`
	Date           string                    `json:"date"`
	Publisher      string                    `json:"publisher"`
	Description    string                    `json:"description"`
	Kind           string                    `json:"kind"`
	Software       *CapabilitySoftware       `json:"software"`
	Implementation *CapabilityImplementation `json:"implementation"`
	FHIRVersion    string                    `json:"fhirVersion"`
	Format         []string                  `json:"format"`
	Rest           []CapabilityRest          `json:"rest"`
	Other          Elements
}

// CapabilitySoftware is CapabilityStatement.software.
type CapabilitySoftware struct {
	ID          string      `json:"id"`
	Extension   []Extension `json:"extension"`
	Name        string      `json:"name"`
	Version     string      `json:"version"`
	ReleaseDate string      `json:"releaseDate"`
	Other       Elements
}

// CapabilityImplementation is CapabilityStatement.implementation.
type CapabilityImplementation struct {
	ID          string      `json:"id"`
	Extension   []Extension `json:"extension"`
	Description string      `json:"description"`
	URL         string      `json:"url"`
	Other       Elements
}

// CapabilityRest is CapabilityStatement.rest.
type CapabilityRest struct {
	ID            string                  `json:"id"`
	Extension     []Extension             `json:"extension"`
	Mode          string                  `json:"mode"`
	Documentation string                  `json:"documentation"`
	Resource      []CapabilityResource    `json:"resource"`
	Interaction   []CapabilityInteraction `json:"interaction"`
	SearchParam   []CapabilitySearchParam `json:"searchParam"`
	Operation     []CapabilityOperation   `json:"operation"`
	Other         Elements
}

// CapabilityResource is CapabilityStatement.rest.resource: what the server
// does with one resource type.
type CapabilityResource struct {
	ID                string                  `json:"id"`
	Extension         []Extension             `json:"extension"`
	Type              string                  `json:"type"`
	Profile           string                  `json:"profile"`
	Documentation     string                  `json:"documentation"`
	Interaction       []CapabilityInteraction `json:"interaction"`
	Versioning        string                  `json:"versioning"`
	ReadHistory       *bool                   `json:"readHistory"`
	UpdateCreate      *bool                   `json:"updateCreate"`
	ConditionalCreate *bool                   `json:"conditionalCreate"`
	ConditionalUpdate *bool                   `json:"conditionalUpdate"`
	SearchInclude     []string                `json:"searchInclude"`
	SearchParam       []CapabilitySearchParam `json:"searchParam"`
	Operation         []CapabilityOperation   `json:"operation"`
	Other             Elements
}

// CapabilityInteraction is an interaction (read, search-type, ...) of a
// resource or of the whole system.
type CapabilityInteraction struct {
	ID            string      `json:"id"`
	Extension     []Extension `json:"extension"`
	Code          string      `json:"code"`
	Documentation string      `json:"documentation"`
	Other         Elements
}

// CapabilitySearchParam is a search parameter the server supports.
type CapabilitySearchParam struct {
	ID            string      `json:"id"`
	Extension     []Extension `json:"extension"`
	Name          string      `json:"name"`
	Definition    string      `json:"definition"`
	Type          string      `json:"type"`
	Documentation string      `json:"documentation"`
	Other         Elements
}

// CapabilityOperation is an operation the server supports ($find, ...).
type CapabilityOperation struct {
	ID            string      `json:"id"`
	Extension     []Extension `json:"extension"`
	Name          string      `json:"name"`
	Definition    string      `json:"definition"`
	Documentation string      `json:"documentation"`
	Other         Elements
}

// ResourceType returns "CapabilityStatement".
func (*CapabilityStatement) ResourceType() string { return "CapabilityStatement" }

// NewCapabilityStatement returns an active instance CapabilityStatement of
// a FHIR R4 JSON server: software name and version, the date it describes,
// the resources it serves (each with its interactions, search parameters
// and operations) and the system-wide operations and interactions.
func NewCapabilityStatement(software, version string, date time.Time, resources []CapabilityResource,
	operations []CapabilityOperation, interactions ...string) *CapabilityStatement {
	rest := CapabilityRest{Mode: "server", Resource: resources, Operation: operations}
	for _, code := range interactions {
		rest.Interaction = append(rest.Interaction, CapabilityInteraction{Code: code})
	}
	return &CapabilityStatement{
		Status:      "active",
		Date:        formatInstant(date),
		Kind:        "instance",
		Software:    &CapabilitySoftware{Name: software, Version: version},
		FHIRVersion: "4.0.1",
		Format:      []string{"json", "application/fhir+json"},
		Rest:        []CapabilityRest{rest},
	}
}
