package scheduling

import (
	"errors"
	"testing"
)

// An appointment whose patient (or slot) is referenced by display only
// (Reference{Type: "Patient", Display: ...}, which Validate accepts and
// IsType reads as a patient) must accept an update that leaves those
// references as they are; changing them is still refused.
func TestCheckUpdateKeepsDisplayOnlyReferences(t *testing.T) {
	old := fixture(AppointmentBooked)
	old.Participant[0].Actor = &Reference{Type: "Patient", Display: "Ada"}
	old.Slot = []Reference{{Display: "Mon 09:00"}, {Type: "Slot", Identifier: &Identifier{System: "urn:ehr"}, Display: "Mon 09:15"}}
	if err := old.Validate(); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	updated := old.Clone()
	updated.Comment = "fasting"
	if err := CheckUpdate(old, updated); err != nil {
		t.Fatalf("CheckUpdate of an unchanged patient and slots = %v, want nil", err)
	}

	otherPatient := old.Clone()
	otherPatient.Participant[0].Actor.Display = "Bob"
	if err := CheckUpdate(old, otherPatient); !errors.Is(err, ErrPatientImmutable) {
		t.Errorf("another display-only patient: %v, want ErrPatientImmutable", err)
	}
	otherSlot := old.Clone()
	otherSlot.Slot[0].Display = "Mon 10:00"
	if err := CheckUpdate(old, otherSlot); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("another display-only slot: %v, want ErrInvalidTransition", err)
	}
}

// R4 Device.deviceName: name 1..1 and type 1..1 with the required binding
// device-nametype.
func TestDeviceNameValidated(t *testing.T) {
	runValidation(t, []vcase{
		{"device name", &Device{DeviceName: []DeviceName{{Name: "MRI 1", Type: "user-friendly-name"}}}, "", ""},
		{"device name without name", &Device{DeviceName: []DeviceName{{Name: "MRI 1", Type: "model-name"}, {Type: "other"}}},
			"deviceName[1].name", "required"},
		{"device name without type", &Device{DeviceName: []DeviceName{{Name: "MRI 1"}}}, "deviceName[0].type", "required"},
		{"device name type code", &Device{DeviceName: []DeviceName{{Name: "MRI 1", Type: "nickname"}}},
			"deviceName[0].type", `"nickname" is not one of`},
	})
}

// time.LoadLocation accepts "Local", the machine's zone, which is no IANA
// name; package availability refuses it when it compiles the schedule, so
// Validate must refuse it too.
func TestScheduleRefusesLocalTimeZone(t *testing.T) {
	s := &Schedule{Actor: []Reference{Ref("Practitioner", "d1")}, Availability: Availability{TimeZone: "Local"}}
	runValidation(t, []vcase{{"Local", s, "availability.timeZone", "not a known IANA time zone"}})
}
