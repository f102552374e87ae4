package scheduling

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCloneIsDeep fills every field of every resource (so a field added
// later without a Clone line fails here) and checks that the clone is equal
// and shares no memory with the original.
func TestCloneIsDeep(t *testing.T) {
	check := func(name string, orig any, clone func() any) {
		t.Run(name, func(t *testing.T) {
			fill(reflect.ValueOf(orig).Elem(), 4)
			c := clone()
			if diff := cmp.Diff(reflect.ValueOf(orig).Elem().Interface(), c); diff != "" {
				t.Fatalf("clone differs (-orig +clone):\n%s", diff)
			}
			assertNoAlias(t, name, reflect.ValueOf(orig).Elem().Interface(), c)
		})
	}
	var (
		org  Organization
		loc  Location
		hs   HealthcareService
		pr   Practitioner
		role PractitionerRole
		pat  Patient
		dev  Device
		sch  Schedule
		slot Slot
		app  Appointment
		resp AppointmentResponse
	)
	check("Organization", &org, func() any { return org.Clone() })
	check("Location", &loc, func() any { return loc.Clone() })
	check("HealthcareService", &hs, func() any { return hs.Clone() })
	check("Practitioner", &pr, func() any { return pr.Clone() })
	check("PractitionerRole", &role, func() any { return role.Clone() })
	check("Patient", &pat, func() any { return pat.Clone() })
	check("Device", &dev, func() any { return dev.Clone() })
	check("Schedule", &sch, func() any { return sch.Clone() })
	check("Slot", &slot, func() any { return slot.Clone() })
	check("Appointment", &app, func() any { return app.Clone() })
	check("AppointmentResponse", &resp, func() any { return resp.Clone() })
}

func TestCloneKeepsNilAndEmpty(t *testing.T) {
	a := Appointment{Slot: []Reference{}, Unmapped: Elements{}}
	c := a.Clone()
	if c.Slot == nil || len(c.Slot) != 0 || c.Unmapped == nil || c.Participant != nil || c.Priority != nil || c.Extension != nil {
		t.Fatalf("Clone changed nil/empty: %#v", c)
	}
	if !cmp.Equal(a, c) {
		t.Fatalf("Clone of a near-empty appointment differs")
	}
}
