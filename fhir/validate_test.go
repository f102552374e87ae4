package fhir

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func expressions(t *testing.T, err error) []string {
	t.Helper()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v is not ErrInvalid", err)
	}
	var oe *OutcomeError
	if !errors.As(err, &oe) {
		t.Fatalf("error %T is not an *OutcomeError", err)
	}
	var out []string
	for _, is := range oe.Outcome.Issue {
		if is.Severity != SeverityError || is.Code == "" || is.Diagnostics == "" {
			t.Errorf("incomplete issue %+v", is)
		}
		out = append(out, is.Code+" "+strings.Join(is.Expression, ","))
	}
	slices.Sort(out)
	return out
}

func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       []string
	}{
		{"malformed", `{"resourceType":`, []string{"structure "}},
		{"trailing data", `{"resourceType":"Slot"} {}`, []string{"structure "}},
		{"unsupported", `{"resourceType":"Observation","status":"final"}`, []string{"not-supported Observation"}},
		{"unknown element", `{"resourceType":"Appointment","status":"booked","foo":1,"start":"2025-01-01T10:00:00Z","end":"2025-01-01T10:30:00Z",
			"participant":[{"status":"accepted","actor":{"reference":"Patient/1"},"bar":true}]}`,
			[]string{"structure Appointment.foo", "structure Appointment.participant[0].bar"}},
		{"all issues at once", `{"resourceType":"Appointment","status":"booked","start":"2025-01-01T10:00:00",
			"cancelationReason":{"text":"x"},"participant":[{"actor":{"reference":"Patient/1"}},{"status":"maybe"},{"status":"accepted","actor":{"reference":"not a ref"}}]}`,
			[]string{"code-invalid Appointment.participant[1].status", "invariant Appointment", "invariant Appointment.cancelationReason",
				"invariant Appointment.participant[1]", "required Appointment.participant[0].status",
				"value Appointment.participant[2].actor.reference", "value Appointment.start"}},
		{"invariants", `{"resourceType":"Appointment","status":"booked","cancelationReason":{"text":"x"},
			"participant":[{"status":"accepted","actor":{"reference":"Patient/1"}}],"start":"2025-01-01T10:00:00Z"}`,
			[]string{"invariant Appointment", "invariant Appointment.cancelationReason"}},
		{"app-3", `{"resourceType":"Appointment","status":"booked","participant":[{"status":"accepted","type":[{"text":"x"}]}]}`,
			[]string{"invariant Appointment"}},
		{"start after end", `{"resourceType":"Slot","schedule":{"reference":"Schedule/1"},"status":"free",
			"start":"2025-01-01T10:00:00Z","end":"2025-01-01T09:00:00+00:00"}`, []string{"invariant Slot.end"}},
		{"nulls and empties", `{"resourceType":"Slot","schedule":{"reference":"Schedule/1"},"status":"free",
			"start":"2025-01-01T10:00:00Z","end":"2025-01-01T11:00:00Z","comment":null,"identifier":[],"appointmentType":{}}`,
			[]string{"structure Slot.appointmentType", "structure Slot.comment", "structure Slot.identifier"}},
		{"wrong JSON types", `{"resourceType":"Slot","schedule":"Schedule/1","status":"free","overbooked":"yes",
			"start":"2025-01-01T10:00:00Z","end":"2025-01-01T11:00:00Z","serviceType":{"text":"x"}}`,
			[]string{"structure Slot.overbooked", "structure Slot.schedule", "structure Slot.serviceType"}},
		{"missing required", `{"resourceType":"AppointmentResponse","actor":{"reference":"Patient/1"}}`,
			[]string{"required AppointmentResponse.appointment", "required AppointmentResponse.participantStatus"}},
		{"apr-1", `{"resourceType":"AppointmentResponse","appointment":{"reference":"Appointment/1"},"participantStatus":"accepted"}`,
			[]string{"invariant AppointmentResponse"}},
		{"ext-1 and openslot extension shape", `{"resourceType":"Appointment","status":"proposed",
			"participant":[{"status":"accepted","actor":{"reference":"Patient/1"}}],
			"extension":[{"url":"http://x.org/a"},{"url":"https://openslot.dev/fhir/StructureDefinition/payment-mode","valueString":"cash"}]}`,
			[]string{"invariant Appointment.extension[0]", "value Appointment.extension"}},
		{"bad availability", `{"resourceType":"Schedule","actor":[{"reference":"Practitioner/1"}],
			"extension":[{"url":"https://openslot.dev/fhir/StructureDefinition/availability","extension":[
			{"url":"time-zone","valueCode":"Mars/Olympus"},{"url":"rule","extension":[{"url":"start","valueTime":"09:00:00"}]}]}]}`,
			[]string{"value Schedule.extension('availability').extension[0]", "value Schedule.extension('availability').extension[1]",
				"value Schedule.extension('availability').extension[1]"}},
		{"bad dates", `{"resourceType":"Slot","schedule":{"reference":"Schedule/1"},"status":"free",
			"start":"2025-02-30T10:00:00Z","end":"2025-13-01T11:00:00Z"}`, []string{"value Slot.end", "value Slot.start"}},
		{"integer range", `{"resourceType":"Appointment","status":"proposed","priority":99999999999,
			"participant":[{"status":"accepted","actor":{"reference":"Patient/1"}}]}`, []string{"value Appointment.priority"}},
		{"bundle entry", `{"resourceType":"Bundle","type":"collection","total":1,"entry":[{"resource":{"resourceType":"Slot","comment":"x"}}]}`,
			[]string{"invariant Bundle.total", "required Bundle.entry[0].resource.end", "required Bundle.entry[0].resource.schedule",
				"required Bundle.entry[0].resource.start", "required Bundle.entry[0].resource.status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Decode([]byte(tc.json))
			if err == nil {
				t.Fatalf("Decode accepted %s", r.ResourceType())
			}
			if got := expressions(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("issues:\n got %q\nwant %q\n(%v)", got, tc.want, err)
			}
		})
	}
}

func TestUnsupportedIsErrUnsupported(t *testing.T) {
	_, err := Decode([]byte(`{"resourceType":"Observation"}`))
	if !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v", err)
	}
	if oo := OutcomeOf(err); oo.Issue[0].Code != IssueNotSupported {
		t.Fatalf("OutcomeOf: %+v", oo)
	}
	if oo := OutcomeOf(errors.New("boom")); oo.Issue[0].Code != IssueException {
		t.Fatalf("OutcomeOf plain error: %+v", oo)
	}
	if OutcomeOf(nil) != nil {
		t.Fatal("OutcomeOf(nil) != nil")
	}
	if _, err := Unmarshal[Slot]([]byte(`{"resourceType":"Patient","id":"p"}`)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Unmarshal of the wrong type: %v", err)
	}
}

func TestValidateBuiltInGo(t *testing.T) {
	a := &Appointment{Status: "booked", Start: "2025-01-01T10:00:00Z", End: "2025-01-01T10:30:00Z",
		Participant: []AppointmentParticipant{{Status: "accepted", Actor: &Reference{Reference: "Patient/1"}}}}
	if err := Validate(a); err != nil {
		t.Fatalf("valid appointment: %v", err)
	}
	a.Participant = append(a.Participant, AppointmentParticipant{Required: "sometimes"})
	got := expressions(t, Validate(a))
	want := []string{"code-invalid Appointment.participant[1].required", "invariant Appointment.participant[1]",
		"required Appointment.participant[1].status"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if err := Validate(nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate(nil) = %v", err)
	}
}

// TestGoTypesMatchR4 checks every JSON member name of every Go type against
// the R4 definition it stands for, so that a typo cannot silently move an
// element to Other.
func TestGoTypesMatchR4(t *testing.T) {
	types := map[reflect.Type]string{
		reflect.TypeFor[Meta](): "Meta", reflect.TypeFor[Extension](): "Extension", reflect.TypeFor[Coding](): "Coding",
		reflect.TypeFor[CodeableConcept](): "CodeableConcept", reflect.TypeFor[Identifier](): "Identifier",
		reflect.TypeFor[Reference](): "Reference", reflect.TypeFor[Period](): "Period", reflect.TypeFor[ContactPoint](): "ContactPoint",
		reflect.TypeFor[Address](): "Address", reflect.TypeFor[HumanName](): "HumanName", reflect.TypeFor[Duration](): "Duration",
		reflect.TypeFor[HoursOfOperation](): "Location_HoursOfOperation", reflect.TypeFor[AvailableTime](): "PractitionerRole_AvailableTime",
		reflect.TypeFor[NotAvailable](): "PractitionerRole_NotAvailable", reflect.TypeFor[DeviceName](): "Device_DeviceName",
		reflect.TypeFor[AppointmentParticipant](): "Appointment_Participant", reflect.TypeFor[BundleLink](): "Bundle_Link",
		reflect.TypeFor[BundleEntry](): "Bundle_Entry", reflect.TypeFor[BundleSearch](): "Bundle_Search",
		reflect.TypeFor[BundleRequest](): "Bundle_Request", reflect.TypeFor[BundleResponse](): "Bundle_Response",
		reflect.TypeFor[OperationOutcomeIssue](): "OperationOutcome_Issue", reflect.TypeFor[ParametersParameter](): "Parameters_Parameter",
		reflect.TypeFor[MessageDestination](): "MessageHeader_Destination", reflect.TypeFor[MessageSource](): "MessageHeader_Source",
		reflect.TypeFor[MessageResponse](): "MessageHeader_Response", reflect.TypeFor[CapabilitySoftware](): "CapabilityStatement_Software",
		reflect.TypeFor[CapabilityImplementation](): "CapabilityStatement_Implementation", reflect.TypeFor[CapabilityRest](): "CapabilityStatement_Rest",
		reflect.TypeFor[CapabilityResource](): "CapabilityStatement_Resource", reflect.TypeFor[CapabilityInteraction](): "CapabilityStatement_Interaction",
		reflect.TypeFor[CapabilitySearchParam](): "CapabilityStatement_SearchParam", reflect.TypeFor[CapabilityOperation](): "CapabilityStatement_Operation",
	}
	for name, f := range resourceFactories {
		types[reflect.TypeOf(f()).Elem()] = name
	}
	for typ, def := range types {
		d, ok := r4().defs[def]
		if !ok {
			t.Fatalf("no R4 definition %s", def)
		}
		si := infoOf(typ)
		if si.other == nil {
			t.Errorf("%s has no Other field", typ)
		}
		for _, f := range si.fields {
			if _, ok := d.P[f.name]; !ok {
				t.Errorf("%s.%s is not an element of %s", typ.Name(), f.name, def)
			}
		}
	}
}
