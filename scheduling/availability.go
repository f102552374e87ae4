package scheduling

import "time"

// Availability is when a Schedule's actors can be booked, as data. Package
// availability turns it into concrete free slots; this package only holds it
// and validates its shape.
//
// All wall-clock values are read in TimeZone (an IANA name such as
// "Europe/Vienna"). The windows of a local date are, in order of precedence:
// the Overrides for that date if any (an override with no windows closes the
// day), otherwise the union of every Rule and AvailableTime that applies to
// the date. NotAvailable periods and Blocks are then cut out.
type Availability struct {
	// TimeZone is the IANA zone every wall-clock value is read in.
	TimeZone string
	// Rules are recurring windows (RFC 5545 RRULE with RDATE/EXDATE).
	Rules []AvailabilityRule
	// AvailableTimes is the plain FHIR R4 form (PractitionerRole.availableTime).
	AvailableTimes []AvailableTime
	// NotAvailable periods are closed (FHIR R4 notAvailable).
	NotAvailable []NotAvailable
	// Overrides replace the windows of single local dates.
	Overrides []DateOverride
	// Blocks are busy-unavailable periods, for all services or some.
	Blocks []Block
}

// AvailabilityRule is one recurring window: on every local date the
// recurrence yields, the actor is available from Start for Duration (or until
// End). A window whose end is not after its start on the clock crosses
// midnight into the next day.
type AvailabilityRule struct {
	// RRule is an RFC 5545 RRULE value without the "RRULE:" prefix, for
	// example "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR". Only day-level recurrence is
	// meaningful (FREQ DAILY, WEEKLY, MONTHLY or YEARLY); UNTIL is read as a
	// local date. Empty means the rule occurs only on StartDate and RDates.
	RRule string
	// StartDate is the first local date of the recurrence (DTSTART's date).
	StartDate Date
	// RDates are extra local dates on which the window occurs.
	RDates []Date
	// ExDates are local dates on which the window does not occur.
	ExDates []Date
	// Start is the local start time of the window.
	Start TimeOfDay
	// End is the local end time; used when Duration is zero. An End at or
	// before Start means the window ends on the next day.
	End TimeOfDay
	// Duration is the window's length; it wins over End when set.
	Duration time.Duration
	// Services limits the rule to these services; empty means every service.
	Services []CodeableConcept
}

// AvailableTime is the FHIR R4 availableTime element: the days of the week
// an actor is available and the local times. No DaysOfWeek means every day;
// AllDay means the whole day; otherwise an absent start means midnight and
// an absent end the end of the day.
type AvailableTime struct {
	DaysOfWeek []DayOfWeek
	AllDay     bool
	Start      TimeOfDay
	End        TimeOfDay
	// StartSet and EndSet record whether availableStartTime and
	// availableEndTime were present, so that "00:00:00" and absent differ.
	StartSet bool
	EndSet   bool
}

// NotAvailable is the FHIR R4 notAvailable element: a closed period with a
// reason a person can read.
type NotAvailable struct {
	Description string
	During      Period
}

// DateOverride replaces all windows of one local date. No windows closes the
// date.
type DateOverride struct {
	Date    Date
	Windows []LocalWindow
}

// LocalWindow is a wall-clock window on a date; an End at or before Start
// crosses midnight.
type LocalWindow struct {
	Start TimeOfDay
	End   TimeOfDay
}

// Block is a busy-unavailable period (leave, maintenance, a meeting). A
// block with no Services applies to every service of the schedule; one with
// Services blocks only those.
type Block struct {
	Period   Period
	Services []CodeableConcept
	Reason   string
}

// SlotPolicy says how free time is cut into bookable slots and what may be
// booked. Zero values mean: no buffer, no notice, no horizon, no limit; a
// zero Duration or Capacity falls back to the defaults the engine documents.
type SlotPolicy struct {
	// Duration is the length of one slot.
	Duration time.Duration
	// GridInterval is the distance between slot starts; zero means Duration.
	// Starts are anchored at local midnight plus GridOffset, so the grid never
	// drifts when something is booked.
	GridInterval time.Duration
	// GridOffset shifts the grid from local midnight.
	GridOffset time.Duration
	// BufferBefore and BufferAfter must be free around a booked slot.
	BufferBefore time.Duration
	BufferAfter  time.Duration
	// MinNotice is how far ahead of now a slot must start to be bookable.
	MinNotice time.Duration
	// Horizon is how far ahead of now a slot may start; zero is unlimited.
	Horizon time.Duration
	// Capacity is how many bookings one instant can hold (group slots or
	// deliberate overbooking); zero means 1.
	Capacity int
	// MaxPerDay and MaxPerWeek limit bookings per local day and per local
	// ISO week (Monday first), counted by the local date a booking starts on;
	// zero is unlimited. They count bookings, not seats: a group booking
	// that uses several capacity units counts once.
	MaxPerDay  int
	MaxPerWeek int
}

// ServicePolicy overrides the schedule's policy for one service.
type ServicePolicy struct {
	Service CodeableConcept
	Policy  SlotPolicy
}
