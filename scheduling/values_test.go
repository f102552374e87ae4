package scheduling

import (
	"errors"
	"testing"
	"time"
)

func TestPeriodOverlapsAndContains(t *testing.T) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	var open time.Time
	tests := []struct {
		p, q Period
		want bool
	}{
		{Period{h(0), h(2)}, Period{h(1), h(3)}, true},
		{Period{h(0), h(2)}, Period{h(2), h(3)}, false}, // touching half-open ranges
		{Period{h(2), h(3)}, Period{h(0), h(2)}, false},
		{Period{h(0), h(4)}, Period{h(1), h(2)}, true}, // containment
		{Period{h(0), h(1)}, Period{h(5), h(6)}, false},
		{Period{open, h(1)}, Period{h(0), h(2)}, true}, // open start
		{Period{open, h(1)}, Period{h(1), h(2)}, false},
		{Period{h(3), open}, Period{h(0), h(4)}, true}, // open end
		{Period{h(3), open}, Period{h(0), h(3)}, false},
		{Period{}, Period{h(0), h(1)}, true}, // unbounded
	}
	for _, tt := range tests {
		if got := tt.p.Overlaps(tt.q); got != tt.want {
			t.Errorf("%v.Overlaps(%v) = %v, want %v", tt.p, tt.q, got, tt.want)
		}
		if got := tt.q.Overlaps(tt.p); got != tt.want {
			t.Errorf("Overlaps is not symmetric for %v, %v", tt.p, tt.q)
		}
	}
	p := Period{h(0), h(1)}
	if !p.Contains(h(0)) || p.Contains(h(1)) || p.Contains(h(-1)) || !(Period{End: h(1)}).Contains(h(-100)) {
		t.Errorf("Contains is not half-open [start, end)")
	}
	if !(Period{}).IsZero() || p.IsZero() || (Period{End: h(1)}).IsZero() {
		t.Errorf("IsZero")
	}
}

func TestReferenceSplit(t *testing.T) {
	tests := []struct{ ref, typ, id string }{
		{"Practitioner/123", "Practitioner", "123"},
		{"Practitioner/123/_history/2", "Practitioner", "123"},
		{"https://x.example/fhir/Practitioner/123", "Practitioner", "123"},
		{"https://x.example/fhir/Practitioner/123/_history/7", "Practitioner", "123"},
		{"#contained", "", ""},
		{"123", "", ""},
		{"Practitioner/", "", ""},
		{"/123", "", ""},
		{"practitioner/123", "", ""},
		{"urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		typ, id := Reference{Reference: tt.ref}.Split()
		if typ != tt.typ || id != tt.id {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", tt.ref, typ, id, tt.typ, tt.id)
		}
	}
	if !Ref("Patient", "p1").IsType("Patient") || Ref("Patient", "p1").IsType("Practitioner") ||
		!(Reference{Type: "Patient", Display: "Ada"}).IsType("Patient") ||
		(Reference{Reference: "Practitioner/1", Type: "Patient"}).IsType("Patient") {
		t.Errorf("IsType")
	}
	if r := Ref("Slot", "s1"); r.Reference != "Slot/s1" {
		t.Errorf("Ref = %+v", r)
	}
	if r := ExternalSlot("cerner", "24477854"); r.Type != "Slot" || r.Identifier.System != "cerner" || r.Identifier.Value != "24477854" {
		t.Errorf("ExternalSlot = %+v", r)
	}
}

func TestParseTimeOfDay(t *testing.T) {
	valid := map[string]TimeOfDay{
		"00:00": 0, "09:30": Clock(9, 30, 0), "23:59:59": Clock(23, 59, 59), "24:00": Clock(24, 0, 0),
		"24:00:00": Clock(24, 0, 0), "07:05:09": 7*3600 + 5*60 + 9,
	}
	for s, want := range valid {
		got, err := ParseTimeOfDay(s)
		if err != nil || got != want {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "9:30", "09:3", "24:01", "25:00", "12:60", "12:00:60", "+9:00", " 9:00", "09:+5",
		"09:00:-1", "0x:00", "09-30", "09:30:", "09:30:00.5", "09:30Z", "０9:30"} {
		if got, err := ParseTimeOfDay(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v; want ErrInvalid", s, got, err)
		}
	}
	if s := Clock(7, 5, 9).String(); s != "07:05:09" {
		t.Errorf("String = %q", s)
	}
	if d := Clock(1, 30, 0).Duration(); d != 90*time.Minute {
		t.Errorf("Duration = %v", d)
	}
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2024-02-29")
	if err != nil || d != (Date{2024, time.February, 29}) || d.String() != "2024-02-29" {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "2024-1-01", "20240101", "", "2024-01-01T00:00:00Z"} {
		if _, err := ParseDate(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDate(%q) err = %v, want ErrInvalid", s, err)
		}
	}
	if !(Date{}).IsZero() || d.IsZero() {
		t.Errorf("IsZero")
	}
	if got := (Date{2024, 12, 31}).AddDays(1); got != (Date{2025, 1, 1}) {
		t.Errorf("AddDays over a year = %v", got)
	}
	if got := (Date{2024, 3, 1}).AddDays(-1); got != (Date{2024, 2, 29}) {
		t.Errorf("AddDays back over a leap day = %v", got)
	}
	// AddDays counts calendar days, not 24-hour steps, across a DST change.
	if got := (Date{2025, 3, 29}).AddDays(2); got != (Date{2025, 3, 31}) {
		t.Errorf("AddDays across DST = %v", got)
	}
	if !(Date{2024, 12, 31}).Before(Date{2025, 1, 1}) || !(Date{2025, 1, 31}).Before(Date{2025, 2, 1}) ||
		!(Date{2025, 2, 1}).Before(Date{2025, 2, 2}) || d.Before(d) || (Date{2025, 1, 1}).Before(Date{2024, 12, 31}) {
		t.Errorf("Before")
	}
	if wd := (Date{2025, 6, 2}).Weekday(); wd != time.Monday {
		t.Errorf("Weekday = %v", wd)
	}
	vienna, err := time.LoadLocation("Europe/Vienna")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	in := (Date{2025, 3, 30}).In(Clock(9, 15, 0), vienna) // the day clocks go forward
	if in.Format(time.RFC3339) != "2025-03-30T09:15:00+02:00" {
		t.Errorf("In = %v", in)
	}
	if got := DateOf(time.Date(2025, 3, 30, 23, 30, 0, 0, time.UTC).In(vienna)); got != (Date{2025, 3, 31}) {
		t.Errorf("DateOf uses the time's location: %v", got)
	}
}

func TestConceptsAndParticipants(t *testing.T) {
	c := Concept("http://snomed.info/sct", "394814009", "General practice")
	if !c.HasCode("http://snomed.info/sct", "394814009") || !c.HasCode("", "394814009") ||
		c.HasCode("http://loinc.org", "394814009") || c.HasCode("", "x") {
		t.Errorf("HasCode")
	}
	if !(Participant{}).IsRequired() || !(Participant{Required: ParticipantRequiredRequired}).IsRequired() ||
		(Participant{Required: ParticipantRequiredOptional}).IsRequired() ||
		(Participant{Required: ParticipantRequiredInformationOnly}).IsRequired() {
		t.Errorf("IsRequired")
	}
	a := fixture(AppointmentBooked)
	a.Participant[0], a.Participant[1] = a.Participant[1], a.Participant[0]
	if i := a.PatientIndex(); i != 1 {
		t.Errorf("PatientIndex = %d", i)
	}
	a.Participant = a.Participant[2:]
	if i := a.PatientIndex(); i != -1 {
		t.Errorf("PatientIndex without a patient = %d", i)
	}
	no := false
	if !(&Schedule{}).IsActive() || (&Schedule{Active: &no}).IsActive() {
		t.Errorf("IsActive")
	}
}
