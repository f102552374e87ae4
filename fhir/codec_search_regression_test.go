package fhir

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// A Period whose end is a partial date covers the whole of that date
// (R4 Period: "the end value includes any matching date/time"): the
// official healthcareservice-example.json, whose New Year's Day
// notAvailable runs 2016-01-01..2016-01-01, maps to the model, is stored
// and comes back as it was sent.
func TestPartialPeriodEndCoversItsPrecision(t *testing.T) {
	data, err := os.ReadFile("testdata/examples/healthcareservice-example.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ToModel(mustDecode(t, data))
	if err != nil {
		t.Fatal(err)
	}
	hs := m.(scheduling.HealthcareService)
	want := []scheduling.Period{
		{Start: time.Date(2015, 12, 25, 0, 0, 0, 0, time.UTC), End: time.Date(2015, 12, 27, 0, 0, 0, 0, time.UTC)},
		{Start: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2016, 1, 2, 0, 0, 0, 0, time.UTC)},
	}
	for i, na := range hs.NotAvailable {
		if !na.During.Start.Equal(want[i].Start) || !na.During.End.Equal(want[i].End) {
			t.Errorf("notAvailable[%d].during = %v..%v, want %v..%v", i, na.During.Start, na.During.End, want[i].Start, want[i].End)
		}
	}
	back, err := FromModel(hs)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, data, mustMarshalT(t, back))

	// a year and a year-month end cover the year and the month
	r := mustDecode(t, []byte(`{"resourceType":"Schedule","actor":[{"reference":"Practitioner/dr-a"}],
		"planningHorizon":{"start":"2026","end":"2026-06"}}`))
	sm, err := ToSchedule(r.(*Schedule))
	if err != nil {
		t.Fatal(err)
	}
	if ph := sm.PlanningHorizon; !ph.End.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("planningHorizon.end 2026-06 maps to %v, want the end of June", ph.End)
	}

	f := newFixture(t, false)
	res := f.do("POST", "/HealthcareService", string(data)).want(t, 201)
	got := f.do("GET", "/HealthcareService/"+idOf(res), "").want(t, 200)
	if got.str("notAvailable.1.during.end") != "2016-01-01" {
		t.Errorf("stored notAvailable[1] came back as %v", got.at("notAvailable.1"))
	}
}

// R4 time allows fractional seconds ("08:00:00.000"): Decode accepts them
// in availableTime and hoursOfOperation, the model holds the whole second,
// and the JSON round-trips as sent.
func TestFractionalTimeOfDay(t *testing.T) {
	for _, s := range []string{
		`{"resourceType":"Location","hoursOfOperation":[{"daysOfWeek":["mon"],"openingTime":"08:00:00.000","closingTime":"17:00:00.5"}]}`,
		`{"resourceType":"PractitionerRole","availableTime":[{"daysOfWeek":["tue"],"availableStartTime":"09:30:00.25","availableEndTime":"12:00:00.0"}]}`,
	} {
		r, err := Decode([]byte(s))
		if err != nil {
			t.Fatalf("Decode(%s): %v", s, err)
		}
		m, err := ToModel(r)
		if err != nil {
			t.Fatal(err)
		}
		var at scheduling.AvailableTime
		switch v := m.(type) {
		case scheduling.Location:
			at = v.HoursOfOperation[0]
			if at.Start != scheduling.Clock(8, 0, 0) || at.End != scheduling.Clock(17, 0, 0) {
				t.Errorf("hoursOfOperation %v..%v", at.Start, at.End)
			}
		case scheduling.PractitionerRole:
			at = v.AvailableTime[0]
			if at.Start != scheduling.Clock(9, 30, 0) || at.End != scheduling.Clock(12, 0, 0) {
				t.Errorf("availableTime %v..%v", at.Start, at.End)
			}
		}
		back, err := FromModel(m)
		if err != nil {
			t.Fatal(err)
		}
		assertSameJSON(t, []byte(s), mustMarshalT(t, back))
	}
}

// integer is 32-bit signed (-2147483648 is valid); unsignedInt is never
// negative, even though the pattern of the official R4 JSON schema
// ("^[0]|([1-9][0-9]*)$") lets "-1" through.
func TestIntegerRanges(t *testing.T) {
	const appt = `{"resourceType":"Appointment","status":"proposed","participant":[{"status":"accepted","type":[{"text":"x"}]}]`
	for _, ok := range []string{
		`{"resourceType":"Patient","extension":[{"url":"http://x.org/e","valueInteger":-2147483648}]}`,
		`{"resourceType":"Patient","multipleBirthInteger":2147483647}`,
		appt + `,"priority":0}`,
	} {
		if _, err := Decode([]byte(ok)); err != nil {
			t.Errorf("Decode(%s): %v", ok, err)
		}
	}
	for _, bad := range []string{
		appt + `,"priority":-1}`,
		`{"resourceType":"Patient","extension":[{"url":"http://x.org/e","valueUnsignedInt":-1}]}`,
		`{"resourceType":"Patient","multipleBirthInteger":2147483648}`,
		`{"resourceType":"Patient","multipleBirthInteger":9999999999}`,
		`{"resourceType":"Bundle","type":"searchset","total":-1}`,
	} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) accepted it", bad)
		}
	}
}

// A chained parameter with a type (patient:Patient.name) is a chain like
// patient.name: ignored with a warning, or 400 under handling=strict; it
// is not a bad type modifier.
func TestChainWithTypeIsIgnoredLikeAChain(t *testing.T) {
	f := newFixture(t, false)
	f.do("POST", "/Appointment", apptBody("booked", "08:00", "Patient/pat-a", "Practitioner/dr-a")).want(t, http.StatusCreated)
	for _, q := range []string{"patient.name=Beta", "patient:Patient.name=Beta", "actor:Patient.identifier=urn:x|1"} {
		r := f.do("GET", "/Appointment?"+q, "").want(t, http.StatusOK)
		if r.total() != 1 || len(r.entries("outcome")) != 1 {
			t.Errorf("%s: total %d, want 1 with a warning:\n%s", q, r.total(), r.body)
		}
		r = f.do("GET", "/Appointment?"+q, "", "Prefer: handling=strict").want(t, http.StatusBadRequest)
		if r.str("issue.0.code") != IssueNotSupported {
			t.Errorf("%s strict: %s", q, r.body)
		}
	}
}

// name:exact matches the whole name part or full name as written, case
// and all; without the modifier the match ignores case.
func TestStringExactIsCaseSensitive(t *testing.T) {
	f := newFixture(t, false)
	f.do("POST", "/Practitioner", `{"resourceType":"Practitioner","name":[{"family":"van Berg","given":["Anna"]}]}`).
		want(t, http.StatusCreated)
	cases := []struct {
		q    string
		want int
	}{
		{"/Patient?name=alpha", 1},
		{"/Patient?name:exact=Alpha", 1},
		{"/Patient?name:exact=alpha", 0},
		{"/Patient?name:exact=ALPHA,Beta", 1},
		{"/Patient?name:exact=alpha&_count=0", 0},
		{"/Practitioner?name:exact=van%20Berg", 1},
		{"/Practitioner?name:exact=Van%20Berg", 0},
		{"/Organization?name:exact=Praxis%20Mitte", 1},
		{"/Organization?name:exact=praxis%20mitte", 0},
		{"/Device?device-name:exact=x-ray", 0},
		{"/Device?device-name:exact=X-ray", 1},
	}
	for _, c := range cases {
		r := f.do("GET", c.q, "").want(t, http.StatusOK)
		if r.total() != c.want {
			t.Errorf("%s: total %d, want %d", c.q, r.total(), c.want)
		}
		if c.want == 0 && len(r.entries("match")) != 0 {
			t.Errorf("%s: %d matches", c.q, len(r.entries("match")))
		}
	}
}

// The self link says what the search was run on (R4 search: the server
// returns the parameters it actually used): an ignored parameter is left
// out of it and out of the next link, and reported in the Bundle.
func TestSelfLinkLeavesOutIgnoredParameters(t *testing.T) {
	f := newFixture(t, false)
	r := f.do("GET", "/Patient?name=alpha&shoe-size=44&patient.name=x&_count=1", "").want(t, http.StatusOK)
	self := ""
	for _, l := range r.at("link").([]any) {
		if l.(map[string]any)["relation"] == "self" {
			self = l.(map[string]any)["url"].(string)
		}
	}
	if self != "http://fhir.test/Patient?_count=1&name=alpha" {
		t.Errorf("self link %q", self)
	}
	if r.total() != 1 || len(r.entries("outcome")) != 1 {
		t.Errorf("total %d, want 1 with a warning:\n%s", r.total(), r.body)
	}
}

// An upper bound at the first instant Go can hold (0001-01-01T00:00:00Z,
// also the zero time.Time) still bounds the search: lt0001-01-01 matches
// nothing instead of everything.
func TestDateUpperBoundAtYearOne(t *testing.T) {
	f := newFixture(t, false)
	f.do("POST", "/Appointment", apptBody("booked", "08:00", "Patient/pat-a", "Practitioner/dr-a")).want(t, http.StatusCreated)
	for _, q := range []string{
		"/Appointment?date=lt0001-01-01",
		"/Appointment?date=eb0001",
		"/Appointment?_lastUpdated=lt0001-01-01T00:00:00Z",
		"/Slot?schedule=sched-dr-a&start=lt0001-01-01",
	} {
		if r := f.do("GET", q, "").want(t, http.StatusOK); r.total() != 0 || len(r.entries("match")) != 0 {
			t.Errorf("%s: total %d, want 0", q, r.total())
		}
	}
	if r := f.do("GET", "/Appointment?date=ge0001-01-01", "").want(t, http.StatusOK); r.total() != 1 {
		t.Errorf("ge0001-01-01: total %d, want 1", r.total())
	}
}
