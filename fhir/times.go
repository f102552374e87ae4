package fhir

import (
	"errors"

	"time"
)

// parseDateTime parses an R4 date, dateTime or instant. A partial value
// (YYYY, YYYY-MM, YYYY-MM-DD) yields its first instant in UTC and partial
// is true; a full value keeps the offset it was written with.
func parseDateTime(s string) (t time.Time, partial bool, err error) {
	switch len(s) {
	case 4:
		t, err = time.Parse("2006", s)
		return t, true, err
	case 7:
		t, err = time.Parse("2006-01", s)
		return t, true, err
	case 10:
		t, err = time.Parse(time.DateOnly, s)
		return t, true, err
	}
	if len(s) < 20 {
		return time.Time{}, false, errors.New("a time needs seconds and a zone")
	}
	t, err = time.Parse(time.RFC3339Nano, s)
	return t, false, err
}

// formatInstant formats t as an R4 instant in t's own offset, with
// fractional seconds only when t has them.
func formatInstant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// errorf returns an *OutcomeError with one issue of code value at path.
func errorf(path, format string, args ...any) error {
	return newOutcomeError([]OperationOutcomeIssue{newIssue(IssueValue, path, format, args...)})
}

// partialEnd returns the end of the range a partial date covers (the
// first instant after it): a Period end written as a partial date includes
// the whole of that date (R4 Period), and the model's ends are exclusive.
// A full dateTime is returned as it is.
func partialEnd(s string, t time.Time) time.Time {
	switch len(s) {
	case 4:
		return t.AddDate(1, 0, 0)
	case 7:
		return t.AddDate(0, 1, 0)
	case 10:
		return t.AddDate(0, 0, 1)
	}
	return t
}

// parseInstant parses an element holding an instant or dateTime for the
// model; "" yields the zero time.
func parseInstant(path, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, _, err := parseDateTime(s)
	if err != nil {
		return time.Time{}, errorf(path, "%q is not a FHIR dateTime: %v", s, err)
	}
	return t, nil
}
