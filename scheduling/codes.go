package scheduling

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// AppointmentStatus is the status of an Appointment (FHIR R4 value set
// http://hl7.org/fhir/appointmentstatus, a required binding).
type AppointmentStatus string

// The appointment statuses of FHIR R4.
const (
	AppointmentProposed       AppointmentStatus = "proposed"
	AppointmentPending        AppointmentStatus = "pending"
	AppointmentBooked         AppointmentStatus = "booked"
	AppointmentArrived        AppointmentStatus = "arrived"
	AppointmentFulfilled      AppointmentStatus = "fulfilled"
	AppointmentCancelled      AppointmentStatus = "cancelled"
	AppointmentNoShow         AppointmentStatus = "noshow"
	AppointmentEnteredInError AppointmentStatus = "entered-in-error"
	AppointmentCheckedIn      AppointmentStatus = "checked-in"
	AppointmentWaitlist       AppointmentStatus = "waitlist"
)

// AppointmentStatuses lists every valid AppointmentStatus in the order of the
// FHIR value set.
func AppointmentStatuses() []AppointmentStatus {
	return []AppointmentStatus{AppointmentProposed, AppointmentPending, AppointmentBooked, AppointmentArrived,
		AppointmentFulfilled, AppointmentCancelled, AppointmentNoShow, AppointmentEnteredInError,
		AppointmentCheckedIn, AppointmentWaitlist}
}

// ParseAppointmentStatus returns the AppointmentStatus spelled s, or an
// error wrapping ErrInvalid.
func ParseAppointmentStatus(s string) (AppointmentStatus, error) {
	return parseCode("appointment status", s, AppointmentStatuses())
}

// Valid reports whether s is a member of the value set.
func (s AppointmentStatus) Valid() bool { return slices.Contains(AppointmentStatuses(), s) }

// SlotStatus is the status of a Slot (FHIR R4 value set
// http://hl7.org/fhir/slotstatus, a required binding).
type SlotStatus string

// The slot statuses of FHIR R4.
const (
	SlotBusy            SlotStatus = "busy"
	SlotFree            SlotStatus = "free"
	SlotBusyUnavailable SlotStatus = "busy-unavailable"
	SlotBusyTentative   SlotStatus = "busy-tentative"
	SlotEnteredInError  SlotStatus = "entered-in-error"
)

// SlotStatuses lists every valid SlotStatus.
func SlotStatuses() []SlotStatus {
	return []SlotStatus{SlotBusy, SlotFree, SlotBusyUnavailable, SlotBusyTentative, SlotEnteredInError}
}

// ParseSlotStatus returns the SlotStatus spelled s, or an error wrapping
// ErrInvalid.
func ParseSlotStatus(s string) (SlotStatus, error) {
	return parseCode("slot status", s, SlotStatuses())
}

// Valid reports whether s is a member of the value set.
func (s SlotStatus) Valid() bool { return slices.Contains(SlotStatuses(), s) }

// ParticipationStatus is a participant's answer to an appointment (FHIR R4
// value set http://hl7.org/fhir/participationstatus, a required binding),
// used by Appointment.participant.status and
// AppointmentResponse.participantStatus.
type ParticipationStatus string

// The participation statuses of FHIR R4.
const (
	ParticipationAccepted    ParticipationStatus = "accepted"
	ParticipationDeclined    ParticipationStatus = "declined"
	ParticipationTentative   ParticipationStatus = "tentative"
	ParticipationNeedsAction ParticipationStatus = "needs-action"
)

// ParticipationStatuses lists every valid ParticipationStatus.
func ParticipationStatuses() []ParticipationStatus {
	return []ParticipationStatus{ParticipationAccepted, ParticipationDeclined, ParticipationTentative,
		ParticipationNeedsAction}
}

// ParseParticipationStatus returns the ParticipationStatus spelled s, or an
// error wrapping ErrInvalid.
func ParseParticipationStatus(s string) (ParticipationStatus, error) {
	return parseCode("participation status", s, ParticipationStatuses())
}

// Valid reports whether s is a member of the value set.
func (s ParticipationStatus) Valid() bool { return slices.Contains(ParticipationStatuses(), s) }

// ParticipantRequired says whether a participant must attend (FHIR R4 value
// set http://hl7.org/fhir/participantrequired, a required binding). The
// empty value means the element is absent, which FHIR reads as required.
type ParticipantRequired string

// The participant-required codes of FHIR R4.
const (
	ParticipantRequiredRequired        ParticipantRequired = "required"
	ParticipantRequiredOptional        ParticipantRequired = "optional"
	ParticipantRequiredInformationOnly ParticipantRequired = "information-only"
)

// ParticipantRequiredCodes lists every valid ParticipantRequired.
func ParticipantRequiredCodes() []ParticipantRequired {
	return []ParticipantRequired{ParticipantRequiredRequired, ParticipantRequiredOptional,
		ParticipantRequiredInformationOnly}
}

// ParseParticipantRequired returns the ParticipantRequired spelled s, or an
// error wrapping ErrInvalid.
func ParseParticipantRequired(s string) (ParticipantRequired, error) {
	return parseCode("participant required", s, ParticipantRequiredCodes())
}

// Valid reports whether s is a member of the value set.
func (s ParticipantRequired) Valid() bool { return slices.Contains(ParticipantRequiredCodes(), s) }

// DayOfWeek is a day code of FHIR R4 availableTime.daysOfWeek (value set
// http://hl7.org/fhir/days-of-week, a required binding).
type DayOfWeek string

// The days of the week as FHIR spells them.
const (
	Monday    DayOfWeek = "mon"
	Tuesday   DayOfWeek = "tue"
	Wednesday DayOfWeek = "wed"
	Thursday  DayOfWeek = "thu"
	Friday    DayOfWeek = "fri"
	Saturday  DayOfWeek = "sat"
	Sunday    DayOfWeek = "sun"
)

// DaysOfWeek lists every valid DayOfWeek, Monday first.
func DaysOfWeek() []DayOfWeek {
	return []DayOfWeek{Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday}
}

// ParseDayOfWeek returns the DayOfWeek spelled s, or an error wrapping
// ErrInvalid.
func ParseDayOfWeek(s string) (DayOfWeek, error) { return parseCode("day of week", s, DaysOfWeek()) }

// Valid reports whether d is a member of the value set.
func (d DayOfWeek) Valid() bool { return slices.Contains(DaysOfWeek(), d) }

// Weekday converts d to a time.Weekday. It returns -1 for an invalid value.
func (d DayOfWeek) Weekday() time.Weekday {
	switch d {
	case Sunday:
		return time.Sunday
	case Monday:
		return time.Monday
	case Tuesday:
		return time.Tuesday
	case Wednesday:
		return time.Wednesday
	case Thursday:
		return time.Thursday
	case Friday:
		return time.Friday
	case Saturday:
		return time.Saturday
	}
	return -1
}

func parseCode[T ~string](what, s string, valid []T) (T, error) {
	for _, v := range valid {
		if string(v) == s {
			return v, nil
		}
	}
	names := make([]string, len(valid))
	for i, v := range valid {
		names[i] = string(v)
	}
	return "", fmt.Errorf("%w: %s %q is not one of %s", ErrInvalid, what, s, strings.Join(names, ", "))
}
