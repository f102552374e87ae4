package fhir

import (
	"fmt"
	"reflect"
	"strings"
)

// Validate checks r against FHIR R4 and openslot's rules and reports every
// problem at once: unknown elements, JSON types and primitive formats
// (instants need a zone), required elements and cardinalities, codes of
// required value sets, reference formats, the invariants of the resource
// (app-1..app-4, apr-1, ext-1, bdl-1..4, bdl-7, bdl-12, inv-1, msh event)
// plus openslot's start < end, and the shape of openslot extensions. It
// returns nil when r is valid and otherwise an *OutcomeError (ErrInvalid)
// whose OperationOutcome has one issue per problem with its FHIRPath in
// expression.
func Validate(r Resource) error {
	if r == nil || reflect.ValueOf(r).IsNil() {
		return errorf("", "nil resource")
	}
	data, err := Marshal(r)
	if err != nil {
		return errorf(r.ResourceType(), "%v", err)
	}
	doc, err := parseJSON(data)
	if err != nil {
		return err
	}
	w := check(doc)
	issues := w.issues
	if w.sound() {
		issues = merge(issues, invariants(r))
	}
	if len(issues) > 0 {
		return newOutcomeError(issues)
	}
	return nil
}

// invariants checks the rules the structure table cannot express.
func invariants(r Resource) []OperationOutcomeIssue {
	return invariantsAt(r, r.ResourceType())
}

func invariantsAt(r Resource, path string) []OperationOutcomeIssue {
	var iss []OperationOutcomeIssue
	add := func(code, p, format string, args ...any) {
		iss = append(iss, newIssue(code, path+p, format, args...))
	}
	// the model must be able to hold the resource (openslot extensions,
	// dates); re-root the paths of those issues at path
	var c conv
	switch f := r.(type) {
	case *Appointment:
		appointmentMapper.to(&c, f)
		for i, p := range f.Participant {
			if len(p.Type) == 0 && p.Actor == nil {
				add(IssueInvariant, fmt.Sprintf(".participant[%d]", i), "app-1: a participant needs a type or an actor")
			}
		}
		if (f.Start == "") != (f.End == "") {
			add(IssueInvariant, "", "app-2: start and end are either both present or both absent")
		}
		if f.Start == "" && f.End == "" {
			switch f.Status {
			case "proposed", "cancelled", "waitlist", "":
			default:
				add(IssueInvariant, "", "app-3: only a proposed, cancelled or waitlist appointment may lack start and end")
			}
		}
		if f.CancelationReason != nil && f.Status != "cancelled" && f.Status != "noshow" {
			add(IssueInvariant, ".cancelationReason", "app-4: cancelationReason is only for cancelled or noshow appointments")
		}
		iss = append(iss, startBeforeEnd(path, f.Start, f.End)...)
	case *AppointmentResponse:
		appointmentResponseMapper.to(&c, f)
		if len(f.ParticipantType) == 0 && f.Actor == nil {
			add(IssueInvariant, "", "apr-1: a response needs a participantType or an actor")
		}
		iss = append(iss, startBeforeEnd(path, f.Start, f.End)...)
	case *Slot:
		slotMapper.to(&c, f)
		iss = append(iss, startBeforeEnd(path, f.Start, f.End)...)
	case *Schedule:
		scheduleMapper.to(&c, f)
	case *Organization:
		organizationMapper.to(&c, f)
	case *Location:
		locationMapper.to(&c, f)
	case *HealthcareService:
		healthcareServiceMapper.to(&c, f)
	case *Practitioner:
		practitionerMapper.to(&c, f)
	case *PractitionerRole:
		practitionerRoleMapper.to(&c, f)
	case *Patient:
		patientMapper.to(&c, f)
	case *Device:
		deviceMapper.to(&c, f)
	case *MessageHeader:
		if (f.EventCoding == nil) == (f.EventURI == "") {
			add(IssueRequired, ".event", "exactly one of eventCoding and eventUri is required")
		}
	case *Parameters:
		iss = append(iss, parameterInvariants(path+".parameter", f.Parameter)...)
	case *Bundle:
		iss = append(iss, bundleInvariants(path, f)...)
	}
	for _, is := range c.issues {
		for i, e := range is.Expression {
			is.Expression[i] = path + strings.TrimPrefix(e, r.ResourceType())
		}
		iss = append(iss, is)
	}
	return iss
}

func startBeforeEnd(path, start, end string) []OperationOutcomeIssue {
	if start == "" || end == "" {
		return nil
	}
	s, _, err1 := parseDateTime(start)
	e, _, err2 := parseDateTime(end)
	if err1 == nil && err2 == nil && !s.Before(e) {
		return []OperationOutcomeIssue{newIssue(IssueInvariant, path+".end", "start must be before end")}
	}
	return nil
}

func parameterInvariants(path string, ps []ParametersParameter) []OperationOutcomeIssue {
	var iss []OperationOutcomeIssue
	for i, p := range ps {
		pp := idx(path, i)
		n := 0
		if !reflect.ValueOf(p.ChoiceValue).IsZero() {
			n++
		}
		for k := range p.Other {
			if strings.HasPrefix(k, "value") {
				n++
			}
		}
		if p.Resource != nil {
			n++
			iss = append(iss, invariantsAt(p.Resource, pp+".resource")...)
		}
		if len(p.Part) > 0 {
			n++
			iss = append(iss, parameterInvariants(pp+".part", p.Part)...)
		}
		if n != 1 || !reflect.ValueOf(p.ChoiceValue).IsZero() && countSet(p.ChoiceValue) > 1 {
			iss = append(iss, newIssue(IssueInvariant, pp, "inv-1: a parameter has exactly one of value[x], resource or part"))
		}
	}
	return iss
}

func countSet(v ChoiceValue) int {
	rv := reflect.ValueOf(v)
	n := 0
	for i := range rv.NumField() {
		if !rv.Field(i).IsZero() {
			n++
		}
	}
	return n
}

func bundleInvariants(path string, b *Bundle) []OperationOutcomeIssue {
	var iss []OperationOutcomeIssue
	add := func(code, p, format string, args ...any) {
		iss = append(iss, newIssue(code, path+p, format, args...))
	}
	if b.Total != nil && b.Type != "searchset" && b.Type != "history" {
		add(IssueInvariant, ".total", "bdl-1: total only when a search or history")
	}
	seen := map[string]bool{}
	for i, e := range b.Entry {
		p := fmt.Sprintf(".entry[%d]", i)
		if e.Search != nil && b.Type != "searchset" {
			add(IssueInvariant, p+".search", "bdl-2: entry.search only when a search")
		}
		if e.Request == nil && (b.Type == "batch" || b.Type == "transaction" || b.Type == "history") {
			add(IssueInvariant, p+".request", "bdl-3: entry.request mandatory for batch/transaction/history")
		}
		if e.Response == nil && (b.Type == "batch-response" || b.Type == "transaction-response" || b.Type == "history") {
			add(IssueInvariant, p+".response", "bdl-4: entry.response mandatory for batch-response/transaction-response/history")
		}
		if e.FullURL != "" && e.Resource != nil && b.Type != "history" {
			key := e.FullURL
			if m := reflect.ValueOf(e.Resource).Elem().FieldByName("Meta"); m.IsValid() && !m.IsNil() {
				key += "|" + m.Elem().FieldByName("VersionID").String()
			}
			if seen[key] {
				add(IssueInvariant, p+".fullUrl", "bdl-7: fullUrl %s appears twice", e.FullURL)
			}
			seen[key] = true
		}
		if e.Resource != nil {
			iss = append(iss, invariantsAt(e.Resource, path+p+".resource")...)
		}
	}
	if b.Type == "message" {
		if len(b.Entry) == 0 || b.Entry[0].Resource == nil || b.Entry[0].Resource.ResourceType() != "MessageHeader" {
			add(IssueInvariant, ".entry", "bdl-12: the first entry of a message is a MessageHeader")
		}
	}
	return iss
}
