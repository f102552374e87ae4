package scheduling

import "errors"

// Sentinel errors of the domain. Check them with errors.Is; the wrapped
// message says which field or transition failed.
var (
	// ErrInvalid marks input that breaks a rule of the model: a bad code, a
	// missing required element, a violated invariant.
	ErrInvalid = errors.New("invalid")
	// ErrInvalidTransition marks a requested change that the appointment's
	// current status does not allow.
	ErrInvalidTransition = errors.New("invalid transition")
)
