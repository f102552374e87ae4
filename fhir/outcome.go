package fhir

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error the package returns for bad input wraps one
// of them; check with errors.Is.
var (
	// ErrInvalid marks input that is not valid FHIR R4 for this package:
	// malformed JSON, an unknown element, a wrong type, a missing required
	// element, a code outside a required value set, a broken invariant.
	ErrInvalid = errors.New("fhir: invalid")
	// ErrUnsupported marks a resource type or element the package does not
	// handle.
	ErrUnsupported = errors.New("fhir: unsupported")
)

// Issue severities (R4 value set issue-severity).
const (
	SeverityFatal       = "fatal"
	SeverityError       = "error"
	SeverityWarning     = "warning"
	SeverityInformation = "information"
)

// Issue codes used by this package (R4 value set issue-type).
const (
	IssueInvalid      = "invalid"
	IssueStructure    = "structure"
	IssueRequired     = "required"
	IssueValue        = "value"
	IssueInvariant    = "invariant"
	IssueCodeInvalid  = "code-invalid"
	IssueNotSupported = "not-supported"
	IssueNotFound     = "not-found"
	IssueConflict     = "conflict"
	IssueException    = "exception"
	IssueProcessing   = "processing"
)

// OperationOutcome is a FHIR R4 OperationOutcome: a set of issues found
// while processing a request.
type OperationOutcome struct {
	ID        string                  `json:"id"`
	Meta      *Meta                   `json:"meta"`
	Extension []Extension             `json:"extension"`
	Issue     []OperationOutcomeIssue `json:"issue"`
	// Other holds the R4 elements not modelled above and primitive
	// extensions, as JSON.
	Other Elements
}

// OperationOutcomeIssue is one issue of an OperationOutcome.
type OperationOutcomeIssue struct {
	ID          string           `json:"id"`
	Extension   []Extension      `json:"extension"`
	Severity    string           `json:"severity"`
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details"`
	Diagnostics string           `json:"diagnostics"`
	Location    []string         `json:"location"`
	Expression  []string         `json:"expression"`
	Other       Elements
}

// ResourceType returns "OperationOutcome".
func (*OperationOutcome) ResourceType() string { return "OperationOutcome" }

// NewOperationOutcome returns an OperationOutcome with one issue. Severity
// and code come from the R4 value sets (e.g. SeverityError, IssueNotFound);
// expression holds FHIRPath expressions of the elements concerned.
func NewOperationOutcome(severity, code, diagnostics string, expression ...string) *OperationOutcome {
	return &OperationOutcome{Issue: []OperationOutcomeIssue{{Severity: severity, Code: code,
		Diagnostics: diagnostics, Expression: expression}}}
}

func newIssue(code, path, format string, args ...any) OperationOutcomeIssue {
	is := OperationOutcomeIssue{Severity: SeverityError, Code: code, Diagnostics: fmt.Sprintf(format, args...)}
	if path != "" {
		is.Expression = []string{path}
	}
	return is
}

// OutcomeError is the error for input that failed: it carries the
// OperationOutcome to return to the client, listing every problem found.
// errors.Is(err, ErrInvalid) holds for it, and errors.Is(err,
// ErrUnsupported) as well when an issue has code not-supported.
type OutcomeError struct {
	Outcome *OperationOutcome
}

func newOutcomeError(issues []OperationOutcomeIssue) *OutcomeError {
	return &OutcomeError{Outcome: &OperationOutcome{Issue: issues}}
}

// Error lists the issues as "path: diagnostics", separated by "; ".
func (e *OutcomeError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalid.Error())
	for i, is := range e.Outcome.Issue {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if len(is.Expression) > 0 {
			b.WriteString(strings.Join(is.Expression, ", "))
			b.WriteString(": ")
		}
		b.WriteString(is.Diagnostics)
	}
	return b.String()
}

// Is reports whether target is ErrInvalid, or ErrUnsupported when an issue
// is not-supported.
func (e *OutcomeError) Is(target error) bool {
	switch target {
	case ErrInvalid:
		return true
	case ErrUnsupported:
		for _, is := range e.Outcome.Issue {
			if is.Code == IssueNotSupported {
				return true
			}
		}
	}
	return false
}

// OutcomeOf returns the OperationOutcome that describes err: the one an
// *OutcomeError carries, or a single issue built from the error's message
// (code not-supported for ErrUnsupported, invalid for ErrInvalid, exception
// otherwise). It returns nil for a nil error.
func OutcomeOf(err error) *OperationOutcome {
	if err == nil {
		return nil
	}
	var oe *OutcomeError
	if errors.As(err, &oe) {
		return oe.Outcome
	}
	code := IssueException
	switch {
	case errors.Is(err, ErrUnsupported):
		code = IssueNotSupported
	case errors.Is(err, ErrInvalid):
		code = IssueInvalid
	}
	return NewOperationOutcome(SeverityError, code, err.Error())
}
