package fhir

import (
	"time"
)

// Parameters is the R4 Parameters resource: the input and output of
// operations such as $find, $hold and $book.
type Parameters struct {
	ID        string                `json:"id"`
	Meta      *Meta                 `json:"meta"`
	Parameter []ParametersParameter `json:"parameter"`
	// Other holds implicitRules, language and primitive extensions.
	Other Elements
}

// ParametersParameter is one parameter: a name and a value[x], a resource
// or parts.
type ParametersParameter struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Name      string      `json:"name"`
	ChoiceValue
	Resource Resource              `json:"resource"`
	Part     []ParametersParameter `json:"part"`
	Other    Elements
}

// ResourceType returns "Parameters".
func (*Parameters) ResourceType() string { return "Parameters" }

// Get returns the first parameter called name, or nil.
func (p *Parameters) Get(name string) *ParametersParameter {
	for i := range p.Parameter {
		if p.Parameter[i].Name == name {
			return &p.Parameter[i]
		}
	}
	return nil
}

// All returns every parameter called name, in order.
func (p *Parameters) All(name string) []ParametersParameter {
	var out []ParametersParameter
	for _, pp := range p.Parameter {
		if pp.Name == name {
			out = append(out, pp)
		}
	}
	return out
}

// Add appends a parameter and returns p.
func (p *Parameters) Add(param ParametersParameter) *Parameters {
	p.Parameter = append(p.Parameter, param)
	return p
}

// Text returns the value of a string-like value[x] (string, code, uri,
// canonical, id, date, dateTime, instant, time) and whether there is one.
func (v ChoiceValue) Text() (string, bool) {
	for _, s := range []string{v.ValueString, v.ValueCode, v.ValueURI, v.ValueCanonical, v.ValueID,
		v.ValueDate, v.ValueDateTime, v.ValueInstant, v.ValueTime} {
		if s != "" {
			return s, true
		}
	}
	return "", false
}

// Int returns the value of an integer, positiveInt or unsignedInt value[x]
// and whether there is one.
func (v ChoiceValue) Int() (int, bool) {
	for _, n := range []*int{v.ValueInteger, v.ValuePositiveInt, v.ValueUnsignedInt} {
		if n != nil {
			return *n, true
		}
	}
	return 0, false
}

// Bool returns the value of a boolean value[x] and whether there is one.
func (v ChoiceValue) Bool() (value, ok bool) {
	if v.ValueBoolean == nil {
		return false, false
	}
	return *v.ValueBoolean, true
}

// Time returns the instant of a date, dateTime or instant value[x] (a
// partial date is its first instant in UTC). It fails with ErrInvalid when
// there is no such value or it does not parse.
func (v ChoiceValue) Time() (time.Time, error) {
	for _, s := range []string{v.ValueInstant, v.ValueDateTime, v.ValueDate} {
		if s != "" {
			t, _, err := parseDateTime(s)
			return t, err
		}
	}
	return time.Time{}, errorf("value[x]", "no date, dateTime or instant value")
}
