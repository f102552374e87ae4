package scheduling

import "errors"

// Sentinel errors of the state machine that are not a plain ErrInvalid or
// ErrInvalidTransition. Each is its own sentinel: neither wraps another.
var (
	// ErrHoldExpired marks a change to a pending hold whose HeldUntil is at or
	// before the time of the change. An expired hold accepts only
	// ActionExpireHold, ActionCancel and ActionEnterInError.
	ErrHoldExpired = errors.New("hold expired")
	// ErrPatientImmutable marks an update that would change the patient
	// participant(s) of an appointment. The patient of an appointment is fixed
	// once it is stored; book a new appointment for another patient.
	ErrPatientImmutable = errors.New("patient participant cannot change")
)
