package scheduling

import (
	"testing"
	"time"
)

// R4 org-2 and org-3: an Organization's addresses and telecoms are never of
// use home (the same uses are fine elsewhere, on a Patient say).
func TestOrganizationNeverHome(t *testing.T) {
	runValidation(t, []vcase{
		{"work address and telecom", &Organization{Name: "Clinic", Address: []Address{{Use: "work"}},
			Telecom: []ContactPoint{{System: "phone", Value: "1", Use: "work"}}}, "", ""},
		{"home address", &Organization{Name: "Clinic", Address: []Address{{Use: "work"}, {Use: "home", City: "Wien"}}},
			"address[1].use", "org-2"},
		{"home telecom", &Organization{Name: "Clinic", Telecom: []ContactPoint{{System: "phone", Value: "1", Use: "home"}}},
			"telecom[0].use", "org-3"},
		{"home on a patient", &Patient{Address: []Address{{Use: "home"}},
			Telecom: []ContactPoint{{System: "phone", Value: "1", Use: "home"}}}, "", ""},
	})
}

// R4 Location.hoursOfOperation names its times openingTime and closingTime
// (availableStartTime and availableEndTime are the elements of
// PractitionerRole and HealthcareService availableTime): the issue paths
// must use the Location names.
func TestLocationHoursOfOperationPaths(t *testing.T) {
	runValidation(t, []vcase{
		{"openingTime", &Location{HoursOfOperation: []AvailableTime{{Start: Clock(25, 0, 0), StartSet: true}}},
			"hoursOfOperation[0].openingTime", "outside"},
		{"closingTime", &Location{HoursOfOperation: []AvailableTime{{DaysOfWeek: []DayOfWeek{Monday}},
			{End: Clock(24, 0, 1), EndSet: true}}}, "hoursOfOperation[1].closingTime", "outside"},
		{"closingTime without EndSet", &Location{HoursOfOperation: []AvailableTime{{End: Clock(17, 0, 0)}}},
			"hoursOfOperation[0].closingTime", "EndSet"},
		{"availableStartTime stays on PractitionerRole", &PractitionerRole{AvailableTime: []AvailableTime{{Start: -1, StartSet: true}}},
			"availableTime[0].availableStartTime", "outside"},
	})
}

// R4 Appointment.supportingInformation: the issue path is the R4 element
// name, not the Go field name.
func TestAppointmentSupportingInformationPath(t *testing.T) {
	runValidation(t, []vcase{
		{"supportingInformation", appt(AppointmentBooked, func(a *Appointment) {
			a.SupportingInfo = []Reference{Ref("DocumentReference", "d1"), {Reference: "not a reference"}}
		}), "supportingInformation[1].reference", "is not Type/id"},
	})
}

// R4 Appointment.reasonReference: Reference(Condition | Procedure |
// Observation | ImmunizationRecommendation); Validate promises references
// of allowed types.
func TestAppointmentReasonReferenceTypes(t *testing.T) {
	runValidation(t, []vcase{
		{"condition (appointment-example)", appt(AppointmentBooked, func(a *Appointment) {
			a.ReasonReference = []Reference{{Reference: "Condition/example", Display: "Severe burn of left ear"}}
		}), "", ""},
		{"every R4 target", appt(AppointmentBooked, func(a *Appointment) {
			a.ReasonReference = []Reference{Ref("Condition", "c"), Ref("Procedure", "p"), Ref("Observation", "o"),
				Ref("ImmunizationRecommendation", "i")}
		}), "", ""},
		{"patient", appt(AppointmentBooked, func(a *Appointment) {
			a.ReasonReference = []Reference{Ref("Condition", "c"), Ref("Patient", "p1")}
		}), "reasonReference[1]", "must refer to Condition or Procedure or Observation or ImmunizationRecommendation"},
	})
}

// R4 ext-1: an extension has either nested extensions or a value[x], not
// both (and at most one value[x]); nested extensions need a url too. The
// kept JSON is one extension object whose url member, when present, is URL.
func TestExtensionInvariants(t *testing.T) {
	withExt := func(e Extension) *Appointment {
		return appt(AppointmentBooked, func(a *Appointment) {
			a.Extension = []Extension{{URL: ExtChannel, JSON: []byte(`{"valueString":"x"}`)}, e}
		})
	}
	ext := func(json string) Extension { return Extension{URL: ExtTimeZone, JSON: []byte(json)} }
	runValidation(t, []vcase{
		{"value", withExt(ext(`{"url":"` + ExtTimeZone + `","valueCode":"Europe/Vienna"}`)), "", ""},
		{"complex (slot-actor)", withExt(Extension{URL: ExtSlotActor, JSON: []byte(`{"url":"` + ExtSlotActor + `","extension":[` +
			`{"url":"slot","valueReference":{"reference":"Slot/x1"}},{"url":"actor","valueReference":{"reference":"Practitioner/p1"}}]}`)}), "", ""},
		{"primitive extension on the value", withExt(ext(`{"valueCode":"x","_valueCode":{"extension":[{"url":"u","valueString":"y"}]}}`)), "", ""},
		{"no JSON is not checked", withExt(Extension{URL: ExtTimeZone}), "", ""},
		{"neither", withExt(ext(`{"url":"` + ExtTimeZone + `"}`)), "extension[1]", "ext-1"},
		{"empty nested list", withExt(ext(`{"extension":[]}`)), "extension[1]", "ext-1"},
		{"both", withExt(ext(`{"valueCode":"x","extension":[{"url":"a","valueString":"y"}]}`)), "extension[1]", "not both (ext-1)"},
		{"two values", withExt(ext(`{"valueCode":"x","valueString":"y"}`)), "extension[1]", "at most one value[x]"},
		{"nested neither", withExt(ext(`{"extension":[{"url":"a","valueString":"y"},{"url":"b"}]}`)), "extension[1].extension[1]", "ext-1"},
		{"nested url", withExt(ext(`{"extension":[{"valueString":"y"}]}`)), "extension[1].extension[0].url", "required"},
		{"not an object", withExt(ext(`["valueCode"]`)), "extension[1]", "not a JSON object"},
		{"url member differs", withExt(ext(`{"url":"` + ExtChannel + `","valueCode":"x"}`)), "extension[1].url", "does not match"},
	})
}

// Official R4 examples (organization-example, location-example,
// patient-example), transcribed to the model, stay valid under the rules
// above: no home address or telecom on the organization, home ones on the
// patient, a telecom with a use only.
func TestR4ExamplesValidate(t *testing.T) {
	yes := true
	runValidation(t, []vcase{
		{"organization-example", &Organization{Meta: Meta{ID: "hl7"}, Name: "Health Level Seven International",
			Alias: []string{"HL7 International"},
			Telecom: []ContactPoint{{System: "phone", Value: "(+1) 734-677-7777"}, {System: "fax", Value: "(+1) 734-677-6622"},
				{System: "email", Value: "hq@HL7.org"}},
			Address: []Address{{Line: []string{"3300 Washtenaw Avenue, Suite 227"}, City: "Ann Arbor", State: "MI",
				PostalCode: "48104", Country: "USA"}}}, "", ""},
		{"location-example", &Location{Meta: Meta{ID: "1"}, Identifier: []Identifier{{Value: "B1-S.F2"}}, Status: "active",
			Name: "South Wing, second floor", Mode: "instance",
			Telecom: []ContactPoint{{System: "phone", Value: "2328", Use: "work"}, {System: "fax", Value: "2329", Use: "work"},
				{System: "email", Value: "second wing admissions"}, {System: "url", Value: "http://sampleorg.com/southwing", Use: "work"}},
			Address: &Address{Use: "work", Line: []string{"Galapagosweg 91, Building A"}, City: "Den Burg",
				PostalCode: "9105 PZ", Country: "NLD"},
			PhysicalType:         &CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/location-physical-type", Code: "wi", Display: "Wing"}}},
			ManagingOrganization: &Reference{Reference: "Organization/f001"}}, "", ""},
		{"patient-example", &Patient{Meta: Meta{ID: "example"}, Active: &yes, Gender: "male", BirthDate: "1974-12-25",
			Identifier: []Identifier{{Use: "usual", Type: &CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "MR"}}},
				System: "urn:oid:1.2.36.146.595.217.0.1", Value: "12345", Period: &Period{Start: time.Date(2001, 5, 6, 0, 0, 0, 0, time.UTC)},
				Assigner: &Reference{Display: "Acme Healthcare"}}},
			Name: []HumanName{{Use: "official", Family: "Chalmers", Given: []string{"Peter", "James"}}, {Use: "usual", Given: []string{"Jim"}},
				{Use: "maiden", Family: "Windsor", Given: []string{"Peter", "James"}, Period: &Period{End: time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC)}}},
			Telecom: []ContactPoint{{Use: "home"}, {System: "phone", Value: "(03) 5555 6473", Use: "work", Rank: 1},
				{System: "phone", Value: "(03) 3410 5613", Use: "mobile", Rank: 2},
				{System: "phone", Value: "(03) 5555 8834", Use: "old", Period: &Period{End: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)}}},
			Address: []Address{{Use: "home", Type: "both", Text: "534 Erewhon St PeasantVille, Rainbow, Vic  3999",
				Line: []string{"534 Erewhon St"}, City: "PleasantVille", District: "Rainbow", State: "Vic", PostalCode: "3999",
				Period: &Period{Start: time.Date(1974, 12, 25, 0, 0, 0, 0, time.UTC)}}}}, "", ""},
	})
}
