package fhir

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/memstore"
)

// benchClinic is a clinic of n practitioners, each with a schedule open
// Monday to Friday 08:00-16:00 Europe/Vienna in 30-minute slots, and one
// patient.
func benchClinic(b *testing.B, n int) (*openslot.Scheduler, *handler, []string) {
	b.Helper()
	ctx := b.Context()
	now := func() time.Time { return fixtureNow }
	s := openslot.New(memstore.New(&memstore.Options{Now: now}), &openslot.Options{Now: now})
	h := NewHandler(s, &HandlerOptions{Now: now}).(*handler)
	rule := scheduling.AvailabilityRule{RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
		StartDate: scheduling.Date{Year: 2025, Month: 1, Day: 6}, Start: scheduling.Clock(8, 0, 0), End: scheduling.Clock(16, 0, 0)}
	if err := s.Create(ctx, &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"}}); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for i := range n {
		id := fmt.Sprintf("dr-%02d", i)
		rs := []scheduling.Resource{
			&scheduling.Practitioner{Meta: scheduling.Meta{ID: id}},
			&scheduling.Schedule{Meta: scheduling.Meta{ID: "s-" + id}, Actor: []scheduling.Reference{scheduling.Ref("Practitioner", id)},
				Availability: scheduling.Availability{TimeZone: "Europe/Vienna", Rules: []scheduling.AvailabilityRule{rule}},
				Policy:       scheduling.SlotPolicy{Duration: 30 * time.Minute}},
		}
		for _, r := range rs {
			if err := s.Create(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
		ids = append(ids, "s-"+id)
	}
	return s, h, ids
}

func serve(b *testing.B, h http.Handler, method, path, body string) {
	req := httptest.NewRequest(method, "http://bench.test"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/fhir+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
}

// BenchmarkFind90Days50Practitioners measures $find over 90 days for a
// 50-practitioner clinic (any of them; Bundle.total counts every free time
// of the window, the page holds 20), through the handler, against the
// same search made with Scheduler.Find as the baseline.
func BenchmarkFind90Days50Practitioners(b *testing.B) {
	s, h, ids := benchClinic(b, 50)
	start := fixtureNow.Add(24 * time.Hour)
	end := start.Add(90 * 24 * time.Hour)
	var ps []string
	ps = append(ps, pDateTime("start", start.Format(time.RFC3339)), pDateTime("end", end.Format(time.RFC3339)),
		pRef("patient-reference", "Patient/p1"), `{"name":"_count","valueInteger":20}`)
	for i := range 50 {
		ps = append(ps, pRef("practitioner", fmt.Sprintf("Practitioner/dr-%02d", i)))
	}
	body := params(ps...)
	b.Run("baseline=Scheduler.Find", func(b *testing.B) {
		for b.Loop() {
			offers, err := s.Find(b.Context(), openslot.FindRequest{Resources: [][]string{ids}, From: start, To: end, Limit: 100000})
			if err != nil || len(offers) == 0 {
				b.Fatal(len(offers), err)
			}
		}
	})
	b.Run("handler=$find", func(b *testing.B) {
		for b.Loop() {
			serve(b, h, "POST", "/Appointment/$find", body)
		}
	})
}

// BenchmarkBook measures booking one offer of $find with $book through the
// handler, against Scheduler.Book of the same kind of offer as the
// baseline. Each iteration books another free time of a 50-practitioner
// clinic.
func BenchmarkBook(b *testing.B) {
	offers := func(b *testing.B, s *openslot.Scheduler, ids []string) []openslot.Offer {
		var out []openslot.Offer
		for _, id := range ids {
			o, err := s.Find(b.Context(), openslot.FindRequest{Resources: [][]string{{id}}, From: fixtureNow.Add(24 * time.Hour),
				To: fixtureNow.Add(400 * 24 * time.Hour), Limit: 5000})
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, o...)
		}
		return out
	}
	patient := scheduling.Ref("Patient", "p1")
	b.Run("baseline=Scheduler.Book", func(b *testing.B) {
		s, _, ids := benchClinic(b, 50)
		all := offers(b, s, ids)
		i := 0
		for b.Loop() {
			if i >= len(all) {
				b.Fatal("out of offers")
			}
			o := all[i]
			i++
			dr := scheduling.Ref("Practitioner", strings.TrimPrefix(o.Schedules[0], "s-"))
			_, err := s.Book(b.Context(), openslot.BookRequest{Schedules: o.Schedules, Appointment: scheduling.Appointment{
				Start: o.Start, End: o.End, Participant: []scheduling.Participant{{Actor: &patient}, {Actor: &dr}}}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handler=$book", func(b *testing.B) {
		s, h, ids := benchClinic(b, 50)
		all := offers(b, s, ids)
		bodies := make([]string, 0, len(all))
		for _, o := range all {
			id, err := h.offerID(b.Context(), offer{kind: offerAppointment, start: o.Start, end: o.End, schedules: o.Schedules,
				patients: []string{"p1"}, serviceSchedule: -1})
			if err != nil {
				b.Fatal(err)
			}
			bodies = append(bodies, params(pRef("appointment-reference", "Appointment/"+id)))
		}
		i := 0
		for b.Loop() {
			if i >= len(bodies) {
				b.Fatal("out of offers")
			}
			serve(b, h, "POST", "/Appointment/$book", bodies[i])
			i++
		}
	})
}
