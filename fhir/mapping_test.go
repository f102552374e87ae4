package fhir

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openslot/openslot/scheduling"
)

// Model -> FHIR -> JSON -> FHIR -> model gives the model back.
func TestModelRoundTrip(t *testing.T) {
	opt := cmpopts.EquateEmpty()
	s := fullSchedule()
	r := mustDecode(t, mustMarshalT(t, FromSchedule(s)))
	got, err := ToSchedule(r.(*Schedule))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, got, opt); d != "" {
		t.Errorf("Schedule (-want +got):\n%s", d)
	}
	a := fullAppointment()
	r = mustDecode(t, mustMarshalT(t, FromAppointment(a)))
	gotA, err := ToAppointment(r.(*Appointment))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, gotA, opt); d != "" {
		t.Errorf("Appointment (-want +got):\n%s", d)
	}
	if gotA.SourceSystem != "urn:oid:1.2.3.4" || !strings.Contains(string(mustMarshalT(t, r)), `"valueUri":"urn:oid:1.2.3.4"`) {
		t.Errorf("source system not written as valueUri")
	}
}

const apptJSON = `{"resourceType":"Appointment","id":"a1",
 "meta":{"versionId":"4","lastUpdated":"2025-03-01T08:00:00.000+01:00","tag":[{"system":"http://x.org","code":"t"}]},
 "extension":[{"url":"http://other.org/ext","valueString":"keep me"},
   {"url":"https://openslot.dev/fhir/StructureDefinition/held-until","valueInstant":"2025-03-10T09:10:00.000Z"}],
 "status":"pending","_status":{"extension":[{"url":"http://other.org/why","valueString":"waiting"}]},
 "serviceType":[{"coding":[{"code":"x","extension":[{"url":"http://other.org/c","valueBoolean":true}]}]}],
 "start":"2025-03-10T10:00:00+10:00","end":"2025-03-10T10:30:00+10:00","created":"2025-03",
 "participant":[{"actor":{"reference":"Patient/p1"},"status":"accepted","modifierExtension":[{"url":"http://other.org/m","valueCode":"y"}]}]}`

func TestMappingKeepsWhatTheModelLacks(t *testing.T) {
	r := mustDecode(t, []byte(apptJSON))
	m, err := ToAppointment(r.(*Appointment))
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 4 || !m.HeldUntil.Equal(time.Date(2025, 3, 10, 9, 10, 0, 0, time.UTC)) || len(m.Extension) != 1 ||
		m.Extension[0].URL != "http://other.org/ext" {
		t.Fatalf("model: version %d heldUntil %v extensions %+v", m.Version, m.HeldUntil, m.Extension)
	}
	if _, off := m.Start.Zone(); off != 10*3600 {
		t.Errorf("start lost its offset: %v", m.Start)
	}
	// unchanged: byte-for-byte semantic equality
	assertSameJSON(t, []byte(apptJSON), mustMarshalT(t, FromAppointment(m)))

	// a state change keeps everything else, including the unknown extension
	// and the primitive extension on status
	m.Status = scheduling.AppointmentBooked
	m.Version = 5
	out := string(mustMarshalT(t, FromAppointment(m)))
	for _, want := range []string{`"status":"booked"`, `"versionId":"5"`, `"keep me"`, `"_status"`, `"created":"2025-03"`,
		`"http://other.org/c"`, `"modifierExtension"`, `"tag"`, `"start":"2025-03-10T10:00:00+10:00"`, `"2025-03-10T09:10:00.000Z"`} {
		if !strings.Contains(out, want) {
			t.Errorf("after a status change the JSON lacks %s:\n%s", want, out)
		}
	}
	// a changed value wins over the kept original
	m.Created = time.Date(2025, 3, 2, 12, 0, 0, 0, time.UTC)
	m.ServiceType = []scheduling.CodeableConcept{scheduling.Concept("", "y", "")}
	m.HeldUntil = time.Time{}
	out = string(mustMarshalT(t, FromAppointment(m)))
	for _, want := range []string{`"created":"2025-03-02T12:00:00Z"`, `"serviceType":[{"coding":[{"code":"y"}]}]`} {
		if !strings.Contains(out, want) {
			t.Errorf("the changed value is missing %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "held-until") || !strings.Contains(out, "keep me") {
		t.Errorf("held-until should be gone and the unknown extension kept:\n%s", out)
	}
	if err := Validate(FromAppointment(m)); err != nil {
		t.Fatal(err)
	}
}

func TestStandardAvailability(t *testing.T) {
	data := []byte(`{"resourceType":"PractitionerRole","id":"r",
	 "availableTime":[{"daysOfWeek":["mon","tue"],"availableStartTime":"09:00:00","availableEndTime":"16:30:00"},{"daysOfWeek":["sat"],"allDay":true}],
	 "notAvailable":[{"description":"Leave","during":{"start":"2025-07-01","end":"2025-07-14"}}]}`)
	r := mustDecode(t, data)
	m, err := ToPractitionerRole(r.(*PractitionerRole))
	if err != nil {
		t.Fatal(err)
	}
	want := []scheduling.AvailableTime{
		{DaysOfWeek: []scheduling.DayOfWeek{scheduling.Monday, scheduling.Tuesday}, Start: scheduling.Clock(9, 0, 0), StartSet: true,
			End: scheduling.Clock(16, 30, 0), EndSet: true},
		{DaysOfWeek: []scheduling.DayOfWeek{scheduling.Saturday}, AllDay: true},
	}
	if d := cmp.Diff(want, m.AvailableTime); d != "" {
		t.Errorf("availableTime (-want +got):\n%s", d)
	}
	if len(m.NotAvailable) != 1 || !m.NotAvailable[0].During.Start.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("notAvailable: %+v", m.NotAvailable)
	}
	assertSameJSON(t, data, mustMarshalT(t, FromPractitionerRole(m)))
}

func TestEndOfDayTime(t *testing.T) {
	s := scheduling.Schedule{Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "p")},
		Availability: scheduling.Availability{TimeZone: "UTC", Rules: []scheduling.AvailabilityRule{{
			RRule: "FREQ=DAILY", StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 1},
			Start: scheduling.Clock(18, 0, 0), End: scheduling.Clock(24, 0, 0)}}}}
	f := FromSchedule(s)
	if err := Validate(f); err != nil {
		t.Fatal(err)
	}
	data := mustMarshalT(t, f)
	assertSchemaValid(t, data)
	if !strings.Contains(string(data), `"url":"end","valueTime":"00:00:00"`) {
		t.Errorf("24:00 should be written as 00:00:00: %s", data)
	}
}

func TestToModelRefusesOtherTypes(t *testing.T) {
	if _, err := ToModel(&Bundle{Type: "collection"}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("ToModel(Bundle) = %v", err)
	}
	if _, err := FromModel(42); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("FromModel(42) = %v", err)
	}
	bad := &Slot{Schedule: &Reference{Reference: "Schedule/1"}, Status: "free", Start: "yesterday", End: "2025-01-01T10:00:00Z"}
	if _, err := ToSlot(bad); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Slot.start") {
		t.Fatalf("ToSlot with a bad start = %v", err)
	}
}

func TestBundleAndParametersHelpers(t *testing.T) {
	b := NewSearchset(3, "https://x/Appointment?page=2").AddMatch("https://x/", &Appointment{ID: "a"})
	if b.LinkURL("next") != "https://x/Appointment?page=2" || b.Entry[0].FullURL != "https://x/Appointment/a" ||
		*b.Total != 3 || len(b.Resources()) != 1 || b.LinkURL("prev") != "" {
		t.Fatalf("bundle: %+v", b)
	}
	n := 5
	p := (&Parameters{}).Add(ParametersParameter{Name: "count", ChoiceValue: ChoiceValue{ValuePositiveInt: &n}}).
		Add(ParametersParameter{Name: "start", ChoiceValue: ChoiceValue{ValueInstant: "2025-01-01T10:00:00+01:00"}}).
		Add(ParametersParameter{Name: "start", ChoiceValue: ChoiceValue{ValueDate: "2025-01-02"}})
	if v, ok := p.Get("count").Int(); !ok || v != 5 {
		t.Fatalf("Int = %d %v", v, ok)
	}
	if tm, err := p.Get("start").Time(); err != nil || !tm.Equal(time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("Time = %v %v", tm, err)
	}
	if s, ok := p.All("start")[1].Text(); !ok || s != "2025-01-02" || len(p.All("start")) != 2 || p.Get("none") != nil {
		t.Fatalf("Text/All = %q %v", s, ok)
	}
	if _, err := p.Get("count").Time(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Time of an int = %v", err)
	}
	if _, ok := p.Get("count").Bool(); ok {
		t.Fatal("Bool of an int")
	}
}
