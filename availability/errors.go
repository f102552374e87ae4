package availability

import "errors"

// Sentinel errors. Check them with errors.Is; the wrapped message names the
// field, time or rule that failed.
var (
	// ErrInvalidRule marks availability data that cannot be compiled: bad
	// RRULE text, an unknown time zone, a window or policy out of range.
	ErrInvalidRule = errors.New("invalid availability rule")
	// ErrInvalidQuery marks a Query that cannot be answered, such as one with
	// neither From nor Now, or a To before From.
	ErrInvalidQuery = errors.New("invalid availability query")

	// ErrOutsideAvailability means the time is not bookable on this schedule:
	// not inside a window, inside a block, notAvailable period or outside
	// the planning horizon, off the grid, of a wrong length, or the schedule
	// is inactive.
	ErrOutsideAvailability = errors.New("outside availability")
	// ErrTooSoon means the time starts before Now plus the minimum notice.
	ErrTooSoon = errors.New("inside minimum notice")
	// ErrTooFar means the time starts after Now plus the booking horizon.
	ErrTooFar = errors.New("beyond booking horizon")
	// ErrFull means busy time (widened by the buffers) uses all capacity.
	ErrFull = errors.New("no capacity left")
	// ErrLimit means a per-day or per-week booking limit is reached.
	ErrLimit = errors.New("booking limit reached")
)
