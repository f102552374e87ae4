package fhir

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// opParams returns the input of an operation: the Parameters of a POST
// body, or for GET the query parameters as string parameters. A POST whose
// body is a single resource is read as one parameter named by the
// operation's resource parameter (resourceParam).
func opParams(r *http.Request, resourceParam string) (*Parameters, error) {
	if r.Method == http.MethodGet {
		p := &Parameters{}
		for k, vs := range r.URL.Query() {
			if k == "_format" || k == "_pretty" {
				continue
			}
			for _, v := range vs {
				p.Add(ParametersParameter{Name: k, ChoiceValue: ChoiceValue{ValueString: v}})
			}
		}
		return p, nil
	}
	res, err := readBody(r)
	if err != nil {
		return nil, err
	}
	switch v := res.(type) {
	case *Parameters:
		return v, nil
	default:
		if resourceParam == "" {
			return nil, badRequest("the body must be a Parameters resource, not a %s", res.ResourceType())
		}
		return &Parameters{Parameter: []ParametersParameter{{Name: resourceParam, Resource: res}}}, nil
	}
}

// paramTime returns the instant of a date, dateTime or instant value (also
// given as a string through GET).
func paramTime(p ParametersParameter) (time.Time, error) {
	if s, ok := p.Text(); ok {
		t, _, err := parseDateTime(s)
		if err != nil {
			return time.Time{}, badRequest("%s: %q is not a FHIR date or dateTime", p.Name, s)
		}
		return t, nil
	}
	return time.Time{}, badRequest("%s: a date or dateTime is required", p.Name)
}

// paramRef returns a reference value (valueReference, or a string
// "Type/id"), checking its type.
func paramRef(p ParametersParameter, types ...string) (scheduling.Reference, error) {
	var ref scheduling.Reference
	switch {
	case p.ValueReference != nil:
		ref = scheduling.Reference{Reference: p.ValueReference.Reference, Type: p.ValueReference.Type,
			Display: p.ValueReference.Display}
	default:
		s, ok := p.Text()
		if !ok {
			return ref, badRequest("%s: a Reference is required", p.Name)
		}
		ref = scheduling.Reference{Reference: s}
	}
	typ, id := ref.Split()
	if typ == "" || id == "" {
		return ref, badRequest("%s: %q is not a literal reference such as %s/123", p.Name, ref.Reference, types[0])
	}
	for _, t := range types {
		if t == typ {
			return scheduling.Ref(typ, id), nil
		}
	}
	return ref, badRequest("%s: %s is not a reference to %s", p.Name, ref.Reference, strings.Join(types, " or "))
}

// paramConcept returns a coded value: valueCodeableConcept, valueCoding,
// valueCode or a token string "system|code".
func paramConcept(p ParametersParameter) (scheduling.CodeableConcept, error) {
	switch {
	case p.ValueCodeableConcept != nil:
		return toConcept(*p.ValueCodeableConcept), nil
	case p.ValueCoding != nil:
		return scheduling.CodeableConcept{Coding: []scheduling.Coding{toCoding(*p.ValueCoding)}}, nil
	}
	s, ok := p.Text()
	if !ok || s == "" {
		return scheduling.CodeableConcept{}, badRequest("%s: a code is required", p.Name)
	}
	system, code, found := strings.Cut(s, "|")
	if !found {
		system, code = "", s
	}
	if code == "" {
		return scheduling.CodeableConcept{}, badRequest("%s: %q has no code", p.Name, s)
	}
	return scheduling.Concept(system, code, ""), nil
}

// paramConcepts returns the codes of a token parameter (OperationDefinition
// searchType token): valueCodeableConcept, valueCoding, valueCode, or a
// string that, as a search parameter value, may list alternatives
// separated by commas ("system|code,system|code").
func paramConcepts(p ParametersParameter) ([]scheduling.CodeableConcept, error) {
	s, ok := p.Text()
	if p.ValueCodeableConcept != nil || p.ValueCoding != nil || !ok || !strings.Contains(s, ",") {
		c, err := paramConcept(p)
		return []scheduling.CodeableConcept{c}, err
	}
	var out []scheduling.CodeableConcept
	for _, alt := range strings.Split(s, ",") {
		c, err := paramConcept(ParametersParameter{Name: p.Name, ChoiceValue: ChoiceValue{ValueString: strings.TrimSpace(alt)}})
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// tokenString writes a concept as a search token.
func tokenString(c scheduling.CodeableConcept) string {
	if len(c.Coding) == 0 {
		return c.Text
	}
	if c.Coding[0].System == "" {
		return c.Coding[0].Code
	}
	return c.Coding[0].System + "|" + c.Coding[0].Code
}

// paramInt returns an integer value (also given as a string).
func paramInt(p ParametersParameter) (int, error) {
	if n, ok := p.Int(); ok {
		return n, nil
	}
	if s, ok := p.Text(); ok {
		var n int
		if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
			return n, nil
		}
	}
	return 0, badRequest("%s: an integer is required", p.Name)
}

// single returns the one parameter called name (nil when there is none),
// refusing a second one: the parameter takes one value (max 1).
func single(p *Parameters, name string) (*ParametersParameter, error) {
	all := p.All(name)
	switch len(all) {
	case 0:
		return nil, nil
	case 1:
		return p.Get(name), nil
	}
	return nil, badRequest("%s takes one value, not %d", name, len(all))
}
