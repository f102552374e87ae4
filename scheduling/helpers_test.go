package scheduling

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// addrs records every slice backing array, map and pointer reachable from v
// (time.Time is left alone: its *Location is shared on purpose).
func addrs(v reflect.Value, path string, seen map[uintptr]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		seen[v.Pointer()] = path
		addrs(v.Elem(), path, seen)
	case reflect.Slice:
		if v.IsNil() || v.Cap() == 0 {
			return
		}
		seen[v.Pointer()] = path
		for i := 0; i < v.Len(); i++ {
			addrs(v.Index(i), path+"[]", seen)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		seen[v.Pointer()] = path
		for _, k := range v.MapKeys() {
			addrs(v.MapIndex(k), path+"{}", seen)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			addrs(v.Field(i), path+"."+v.Type().Field(i).Name, seen)
		}
	}
}

// assertNoAlias fails when a and b share any slice, map or pointer.
func assertNoAlias(t *testing.T, what string, a, b any) {
	t.Helper()
	sa, sb := map[uintptr]string{}, map[uintptr]string{}
	addrs(reflect.ValueOf(a), "a", sa)
	addrs(reflect.ValueOf(b), "b", sb)
	for p, path := range sa {
		if other, ok := sb[p]; ok {
			t.Errorf("%s: %s and %s share memory", what, path, other)
		}
	}
}

// fill sets every field reachable from v to a non-zero value, with slices
// of two elements and maps of one entry; pointers nest up to depth levels.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("Patient/x")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		if depth == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth-1)
		v.Set(p)
	case reflect.Slice:
		if v.Type() == reflect.TypeOf(json.RawMessage{}) {
			v.SetBytes([]byte(`{"a":1}`))
			return
		}
		if depth == 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			fill(s.Index(i), depth-1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, depth)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, depth)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth)
			}
		}
	}
}

var (
	// t0 is the start of the fixture appointments; at is "now" in the tests.
	t0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	at = t0.Add(-2 * time.Hour)
)

func participants(practitioner ParticipationStatus) []Participant {
	return []Participant{
		{Actor: &Reference{Reference: "Patient/p1", Display: "Ada"}, Required: ParticipantRequiredRequired,
			Status: ParticipationAccepted},
		{Actor: &Reference{Reference: "Practitioner/d1"}, Status: practitioner},
		{Type: []CodeableConcept{Concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "ATND", "")},
			Actor: &Reference{Reference: "Location/l1"}, Required: ParticipantRequiredOptional,
			Status: ParticipationNeedsAction},
	}
}

// fixture returns a valid appointment in status s with two slots. Offers
// (proposed, pending, waitlist) have a practitioner who has not answered.
func fixture(s AppointmentStatus) Appointment {
	a := Appointment{
		Meta:            Meta{ID: "a1", Version: 3},
		Status:          s,
		ServiceType:     []CodeableConcept{Concept("http://example.org/service", "checkup", "Check-up")},
		Start:           t0,
		End:             t0.Add(30 * time.Minute),
		Slot:            []Reference{Ref("Slot", "s1"), Ref("Slot", "s2")},
		Participant:     participants(ParticipationAccepted),
		RequestedPeriod: []Period{{Start: t0.Add(-24 * time.Hour), End: t0.Add(24 * time.Hour)}},
		Comment:         "bring the referral",
	}
	switch s {
	case AppointmentProposed, AppointmentWaitlist:
		a.Participant = participants(ParticipationNeedsAction)
	case AppointmentPending:
		a.Participant = participants(ParticipationNeedsAction)
		a.HeldUntil = at.Add(10 * time.Minute)
	case AppointmentCancelled, AppointmentNoShow:
		r := Concept("http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "pat", "Patient")
		a.CancelationReason = &r
	}
	return a
}
