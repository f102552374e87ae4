package fhir

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Issue codes of the R4 issue-type value set that only the handler uses.
const (
	issueBusinessRule = "business-rule"
	issueForbidden    = "forbidden"
	issueLogin        = "login"
	issueTooLong      = "too-long"
	issueTimeout      = "timeout"
)

// httpError is a failure with its HTTP status and OperationOutcome issue
// code already decided.
type httpError struct {
	status   int
	code     string
	severity string // "" means error
	allow    string // the Allow header of a 405
	msg      string
	err      error // wrapped, may be nil
}

func (e *httpError) Error() string {
	if e.err != nil && e.msg == "" {
		return e.err.Error()
	}
	return e.msg
}

func (e *httpError) Unwrap() error { return e.err }

// badRequest is a 400 with issue code invalid.
func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, code: IssueInvalid, msg: fmt.Sprintf(format, args...)}
}

// classify decides the HTTP status and the OperationOutcome of err.
func classify(err error) (int, *OperationOutcome) {
	if he, ok := errorsAsHTTP(err); ok {
		sev := he.severity
		if sev == "" {
			sev = SeverityError
		}
		if he.err != nil {
			if _, inner := classify(he.err); inner != nil && he.msg == "" {
				inner.Issue[0].Severity = sev
				inner.Issue[0].Code = he.code
				return he.status, inner
			}
		}
		return he.status, NewOperationOutcome(sev, he.code, he.Error())
	}
	var mbe *http.MaxBytesError
	var se *openslot.SlotError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, NewOperationOutcome(SeverityError, issueTooLong,
			fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusServiceUnavailable, NewOperationOutcome(SeverityError, issueTimeout,
			"the request took too long and was stopped; try again or narrow it")
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, NewOperationOutcome(SeverityError, issueTimeout, "the request was cancelled")
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, NewOperationOutcome(SeverityError, issueLogin, err.Error())
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, NewOperationOutcome(SeverityError, issueForbidden, err.Error())
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrUnsupported):
		return http.StatusBadRequest, OutcomeOf(err)
	case errors.As(err, &se):
		if se.Kind() == openslot.ErrConflict {
			return http.StatusConflict, NewOperationOutcome(SeverityError, IssueConflict, err.Error())
		}
		return http.StatusUnprocessableEntity, NewOperationOutcome(SeverityError, issueBusinessRule, err.Error())
	case errors.Is(err, openslot.ErrConflict), errors.Is(err, store.ErrConflict):
		return http.StatusConflict, NewOperationOutcome(SeverityError, IssueConflict, err.Error())
	case errors.Is(err, openslot.ErrUnavailable), errors.Is(err, scheduling.ErrInvalidTransition),
		errors.Is(err, scheduling.ErrHoldExpired), errors.Is(err, scheduling.ErrPatientImmutable):
		return http.StatusUnprocessableEntity, NewOperationOutcome(SeverityError, issueBusinessRule, err.Error())
	case errors.Is(err, scheduling.ErrInvalid), errors.Is(err, store.ErrInvalidQuery):
		return http.StatusBadRequest, NewOperationOutcome(SeverityError, IssueInvalid, err.Error())
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, NewOperationOutcome(SeverityError, IssueNotFound, err.Error())
	}
	return http.StatusInternalServerError, NewOperationOutcome(SeverityError, IssueException,
		"internal server error; the server log has the details")
}

// fail answers err as an OperationOutcome.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, oo := classify(err)
	if status >= 500 && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) &&
		!errors.Is(err, context.Canceled) {
		h.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "fhir: request failed",
			slog.String("method", r.Method), slog.String("path", logPath(r.URL.Path)), slog.Int("status", status),
			slog.String("error", errorKind(err)))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="openslot"`)
	}
	if he, ok := errorsAsHTTP(err); ok && he.allow != "" {
		w.Header().Set("Allow", he.allow)
	}
	_ = h.writeResource(w, status, oo, nil)
}

// errorKind is openslot.ErrorKind, with this package's ErrInvalid and a
// closed connection named too.
func errorKind(err error) string {
	switch {
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.Is(err, net.ErrClosed):
		return "connection-closed"
	}
	return openslot.ErrorKind(err)
}

// logPath is a request path for logs: each segment that is not a FHIR id,
// an operation ($find) or a keyword (_history) is replaced, since the path
// is the client's raw input.
func logPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s != "" && !isID(strings.TrimPrefix(strings.TrimPrefix(s, "$"), "_")) {
			segs[i] = "{redacted}"
		}
	}
	return strings.Join(segs, "/")
}
