package fhir

import (
	"encoding/json"

	"github.com/openslot/openslot/scheduling"
)

// Elements holds FHIR elements as JSON keyed by member name. Every Go type
// of this package has a field Other of this type for the R4 elements it
// does not model field by field and for primitive extensions ("_status");
// Decode fills it and Marshal writes it back, so nothing valid is lost. It
// is the same type as scheduling.Elements.
type Elements = scheduling.Elements

// Meta is resource metadata (R4 Meta).
type Meta struct {
	ID          string      `json:"id"`
	Extension   []Extension `json:"extension"`
	VersionID   string      `json:"versionId"`
	LastUpdated string      `json:"lastUpdated"`
	Source      string      `json:"source"`
	Profile     []string    `json:"profile"`
	Security    []Coding    `json:"security"`
	Tag         []Coding    `json:"tag"`
	Other       Elements
}

// ChoiceValue holds the value[x] of an Extension or a Parameters parameter
// for the types openslot uses; set at most one. Other value types
// (valueAddress, valueMoney, ...) are kept in the owner's Other.
type ChoiceValue struct {
	ValueString          string           `json:"valueString"`
	ValueCode            string           `json:"valueCode"`
	ValueURI             string           `json:"valueUri"`
	ValueCanonical       string           `json:"valueCanonical"`
	ValueID              string           `json:"valueId"`
	ValueBoolean         *bool            `json:"valueBoolean"`
	ValueInteger         *int             `json:"valueInteger"`
	ValuePositiveInt     *int             `json:"valuePositiveInt"`
	ValueUnsignedInt     *int             `json:"valueUnsignedInt"`
	ValueDecimal         json.Number      `json:"valueDecimal"`
	ValueDate            string           `json:"valueDate"`
	ValueDateTime        string           `json:"valueDateTime"`
	ValueInstant         string           `json:"valueInstant"`
	ValueTime            string           `json:"valueTime"`
	ValueCoding          *Coding          `json:"valueCoding"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept"`
	ValueReference       *Reference       `json:"valueReference"`
	ValuePeriod          *Period          `json:"valuePeriod"`
	ValueDuration        *Duration        `json:"valueDuration"`
	ValueIdentifier      *Identifier      `json:"valueIdentifier"`
}

// Extension is an R4 extension: a URL and either a value or nested
// extensions.
type Extension struct {
	ID        string      `json:"id"`
	URL       string      `json:"url"`
	Extension []Extension `json:"extension"`
	ChoiceValue
	Other Elements
}

// Coding is a code from a code system (R4 Coding).
type Coding struct {
	ID           string      `json:"id"`
	Extension    []Extension `json:"extension"`
	System       string      `json:"system"`
	Version      string      `json:"version"`
	Code         string      `json:"code"`
	Display      string      `json:"display"`
	UserSelected *bool       `json:"userSelected"`
	Other        Elements
}

// CodeableConcept is a concept as codings and/or text (R4 CodeableConcept).
type CodeableConcept struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Coding    []Coding    `json:"coding"`
	Text      string      `json:"text"`
	Other     Elements
}

// Identifier is a business identifier (R4 Identifier).
type Identifier struct {
	ID        string           `json:"id"`
	Extension []Extension      `json:"extension"`
	Use       string           `json:"use"`
	Type      *CodeableConcept `json:"type"`
	System    string           `json:"system"`
	Value     string           `json:"value"`
	Period    *Period          `json:"period"`
	Assigner  *Reference       `json:"assigner"`
	Other     Elements
}

// Reference points at another resource (R4 Reference).
type Reference struct {
	ID         string      `json:"id"`
	Extension  []Extension `json:"extension"`
	Reference  string      `json:"reference"`
	Type       string      `json:"type"`
	Identifier *Identifier `json:"identifier"`
	Display    string      `json:"display"`
	Other      Elements
}

// Period is a time range; Start and End are R4 dateTime strings kept as
// sent (R4 Period).
type Period struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Start     string      `json:"start"`
	End       string      `json:"end"`
	Other     Elements
}

// ContactPoint is a phone number, email address and the like (R4
// ContactPoint).
type ContactPoint struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	System    string      `json:"system"`
	Value     string      `json:"value"`
	Use       string      `json:"use"`
	Rank      *int        `json:"rank"`
	Period    *Period     `json:"period"`
	Other     Elements
}

// Address is a postal address (R4 Address).
type Address struct {
	ID         string      `json:"id"`
	Extension  []Extension `json:"extension"`
	Use        string      `json:"use"`
	Type       string      `json:"type"`
	Text       string      `json:"text"`
	Line       []string    `json:"line"`
	City       string      `json:"city"`
	District   string      `json:"district"`
	State      string      `json:"state"`
	PostalCode string      `json:"postalCode"`
	Country    string      `json:"country"`
	Period     *Period     `json:"period"`
	Other      Elements
}

// HumanName is a person's name (R4 HumanName).
type HumanName struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Use       string      `json:"use"`
	Text      string      `json:"text"`
	Family    string      `json:"family"`
	Given     []string    `json:"given"`
	Prefix    []string    `json:"prefix"`
	Suffix    []string    `json:"suffix"`
	Period    *Period     `json:"period"`
	Other     Elements
}

// Duration is a length of time (R4 Duration); Value is a decimal kept
// exactly as sent. openslot writes UCUM units: s, min, h, d, wk.
type Duration struct {
	ID         string      `json:"id"`
	Extension  []Extension `json:"extension"`
	Value      json.Number `json:"value"`
	Comparator string      `json:"comparator"`
	Unit       string      `json:"unit"`
	System     string      `json:"system"`
	Code       string      `json:"code"`
	Other      Elements
}
