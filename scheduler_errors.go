package openslot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/openslot/openslot/availability"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Sentinel errors of the Scheduler. Check them with errors.Is. Invalid input
// and illegal status changes use the sentinels of package scheduling:
// scheduling.ErrInvalid, scheduling.ErrInvalidTransition,
// scheduling.ErrHoldExpired and scheduling.ErrPatientImmutable.
var (
	// ErrConflict: the time is taken or the change lost a race. It marks a
	// booking refused because a schedule has no capacity left (a *SlotError
	// that also wraps availability.ErrFull), an update whose expected version
	// is stale, an idempotency key reused with another operation, a Create
	// or Respond with the id of a stored resource (not retried; that error
	// wraps store.ErrConflict too), and a transaction that still failed with
	// store.ErrConflict after Options.MaxRetries retries (that error wraps
	// store.ErrConflict too).
	ErrConflict = errors.New("conflict")
	// ErrNotFound is store.ErrNotFound: errors.Is matches either name.
	ErrNotFound = store.ErrNotFound
	// ErrUnavailable: a schedule does not offer the time asked for. The
	// *SlotError also wraps the reason from package availability:
	// availability.ErrOutsideAvailability (outside the windows, in a block, off
	// the grid, inactive schedule), availability.ErrTooSoon (minimum notice),
	// availability.ErrTooFar (horizon) or availability.ErrLimit (bookings per
	// day or week).
	ErrUnavailable = errors.New("unavailable")
)

// SlotError is why a schedule refused a time: which schedule, which time,
// and the reason from package availability. errors.Is matches the reason
// (for example availability.ErrFull) and the Scheduler's class: ErrConflict
// when the schedule's capacity is used up, ErrUnavailable otherwise.
type SlotError struct {
	// ScheduleID is the schedule that refused.
	ScheduleID string
	// Start and End are the time asked for.
	Start, End time.Time
	// Err is the reason, wrapping one of the sentinels of package
	// availability.
	Err error
}

// Error reads "schedule s1 at 2026-03-02T09:00:00Z: slot taken: ...".
func (e *SlotError) Error() string {
	what := "unavailable"
	if e.Kind() == ErrConflict {
		what = "slot taken"
	}
	return fmt.Sprintf("schedule %s at %s: %s: %v", e.ScheduleID, e.Start.UTC().Format(time.RFC3339), what, e.Err)
}

// Kind returns ErrConflict when the schedule had no capacity left and
// ErrUnavailable for every other reason.
func (e *SlotError) Kind() error {
	if errors.Is(e.Err, availability.ErrFull) {
		return ErrConflict
	}
	return ErrUnavailable
}

// Unwrap returns the class (Kind) and the reason.
func (e *SlotError) Unwrap() []error { return []error{e.Kind(), e.Err} }

// unavailable builds a SlotError for a schedule that cannot be used at all.
func unavailable(scheduleID string, start, end time.Time, format string, args ...any) *SlotError {
	return &SlotError{ScheduleID: scheduleID, Start: start, End: end,
		Err: fmt.Errorf("%w: "+format, append([]any{availability.ErrOutsideAvailability}, args...)...)}
}

// ErrorKind names an error's class for a log line: "conflict",
// "unavailable", "not-found", "invalid", "invalid-transition",
// "hold-expired", "patient-immutable", "invalid-rule", "timeout",
// "canceled", "commit-unknown", "store-closed", "not-implemented",
// "invalid-query", or "error" for any other. Log it instead of the error's
// text, which may quote input or stored patient data (a driver error
// quoting a row): nothing this library logs holds a name, an identifier
// value or free text, and an application that logs errors the same way
// keeps that promise too.
func ErrorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, store.ErrCommitUnknown):
		return "commit-unknown"
	case errors.Is(err, store.ErrClosed):
		return "store-closed"
	case errors.Is(err, store.ErrNotImplemented):
		return "not-implemented"
	case errors.Is(err, store.ErrInvalidQuery):
		return "invalid-query"
	case errors.Is(err, ErrConflict), errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	case errors.Is(err, ErrNotFound):
		return "not-found"
	case errors.Is(err, availability.ErrInvalidRule):
		return "invalid-rule"
	case errors.Is(err, scheduling.ErrInvalid):
		return "invalid"
	case errors.Is(err, scheduling.ErrInvalidTransition):
		return "invalid-transition"
	case errors.Is(err, scheduling.ErrHoldExpired):
		return "hold-expired"
	case errors.Is(err, scheduling.ErrPatientImmutable):
		return "patient-immutable"
	}
	return "error"
}
