package fhir

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Errors an Authorizer returns. The handler answers ErrUnauthorized with
// 401 Unauthorized (and a WWW-Authenticate: Bearer challenge) and
// ErrForbidden with 403 Forbidden, each as an OperationOutcome.
var (
	// ErrUnauthorized: the request carries no credentials, or credentials
	// that are not valid.
	ErrUnauthorized = errors.New("fhir: unauthorized")
	// ErrForbidden: the caller is known but may not do what it asks.
	ErrForbidden = errors.New("fhir: forbidden")
)

// Mode is one kind of access to a resource type, named by the letters of
// SMART on FHIR v2 scopes.
type Mode byte

// The modes of access.
const (
	ModeCreate Mode = 'c'
	ModeRead   Mode = 'r'
	ModeUpdate Mode = 'u'
	ModeSearch Mode = 's'
)

// Need is one permission a request needs: a mode of access to a resource
// type.
type Need struct {
	ResourceType string
	Mode         Mode
}

// Access describes a request to an Authorizer: what it is and every
// permission it needs. An operation lists what it reads and writes: $find
// searches Appointment (and reads Schedule), $hold and $book create
// Appointment, Slot $hold creates Appointment and updates Slot. A search
// with _include also needs read access to each included type.
type Access struct {
	// Interaction is "capabilities", "read", "search", "create", "update" or
	// "operation". A vread is authorized as a read.
	Interaction string
	// ResourceType is the type in the URL ("" for /metadata).
	ResourceType string
	// ID is the id in the URL, if any.
	ID string
	// Operation is the operation's name with its "$" ("$find"), if any.
	Operation string
	// Needs are the permissions the request needs; none for /metadata.
	Needs []Need
}

// Grant is what an Authorizer allows.
type Grant struct {
	// Subject names the caller, for logs.
	Subject string
	// Patient, when not empty, confines the caller to the compartment of
	// Patient/<Patient>: it reads, finds and changes only that patient's
	// Appointments, AppointmentResponses and Patient resource, never those
	// of another patient, whether by id, search, _include or operation, and
	// it writes no resource outside the compartment.
	Patient string
}

// Authorizer decides, for every request, whether it may proceed. It
// returns the Grant the request runs under, or an error wrapping
// ErrUnauthorized or ErrForbidden. The handler enforces Grant.Patient.
type Authorizer interface {
	Authorize(r *http.Request, a Access) (Grant, error)
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(r *http.Request, a Access) (Grant, error)

// Authorize calls f.
func (f AuthorizerFunc) Authorize(r *http.Request, a Access) (Grant, error) { return f(r, a) }

// Principal is the caller as the application's token validation sees it.
type Principal struct {
	// Subject names the caller (a user, a client application), for logs.
	Subject string
	// Scopes are SMART on FHIR scopes: "patient/Appointment.read",
	// "user/Appointment.write", "system/*.*", and SMART v2 forms such as
	// "patient/Appointment.rs" and "user/*.cruds". Scopes with a "?" query
	// (v2 granular scopes) and scopes that are not resource scopes (openid,
	// launch, ...) grant nothing.
	Scopes []string
	// Patient is the id of the patient the caller acts for (the SMART
	// launch context); patient/ scopes need it.
	Patient string
}

// SMARTAuthorizer is an Authorizer for SMART on FHIR style scopes. It asks
// Principal for the caller of each request (token validation is the
// application's job), then grants a request when every permission it needs
// is covered by a scope. A need covered only by a patient/ scope confines
// the request to the principal's patient compartment; user/ and system/
// scopes do not. /metadata is public.
type SMARTAuthorizer struct {
	// Principal returns the caller of a request, or an error (answered with
	// 401 Unauthorized). It must not be nil.
	Principal func(r *http.Request) (Principal, error)
}

// NewSMARTAuthorizer returns a SMARTAuthorizer that identifies callers with
// principal.
func NewSMARTAuthorizer(principal func(r *http.Request) (Principal, error)) *SMARTAuthorizer {
	return &SMARTAuthorizer{Principal: principal}
}

// Authorize implements Authorizer.
func (s *SMARTAuthorizer) Authorize(r *http.Request, a Access) (Grant, error) {
	if len(a.Needs) == 0 {
		return Grant{}, nil
	}
	if s.Principal == nil {
		return Grant{}, fmt.Errorf("%w: no way to identify callers is configured", ErrUnauthorized)
	}
	p, err := s.Principal(r)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden) {
			return Grant{}, err
		}
		return Grant{}, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	g := Grant{Subject: p.Subject}
	scopes := parseScopes(p.Scopes)
	compartment := false
	for _, n := range a.Needs {
		switch {
		case covered(scopes, n, "system", "user"):
		case covered(scopes, n, "patient"):
			compartment = true
		default:
			return Grant{}, fmt.Errorf("%w: no scope grants %s access to %s", ErrForbidden, n.Mode.verb(), n.ResourceType)
		}
	}
	if compartment {
		if p.Patient == "" {
			return Grant{}, fmt.Errorf("%w: patient/ scopes need a patient in context", ErrForbidden)
		}
		g.Patient = p.Patient
	}
	return g, nil
}

func (m Mode) verb() string {
	switch m {
	case ModeCreate:
		return "create"
	case ModeRead:
		return "read"
	case ModeUpdate:
		return "update"
	case ModeSearch:
		return "search"
	}
	return string(m)
}

// scope is one parsed resource scope: context/type.modes.
type scope struct {
	context, resourceType string
	modes                 string // SMART v2 letters
}

func parseScopes(raw []string) []scope {
	var out []scope
	for _, s := range raw {
		if strings.ContainsRune(s, '?') {
			continue
		}
		ctx, rest, ok := strings.Cut(s, "/")
		if !ok || (ctx != "patient" && ctx != "user" && ctx != "system") {
			continue
		}
		typ, perm, ok := strings.Cut(rest, ".")
		if !ok || typ == "" {
			continue
		}
		var modes string
		switch perm {
		case "read":
			modes = "rs"
		case "write":
			modes = "cud"
		case "*":
			modes = "cruds"
		default:
			if perm == "" || strings.Trim(perm, "cruds") != "" {
				continue
			}
			modes = perm
		}
		out = append(out, scope{context: ctx, resourceType: typ, modes: modes})
	}
	return out
}

func covered(scopes []scope, n Need, contexts ...string) bool {
	return slices.ContainsFunc(scopes, func(s scope) bool {
		return slices.Contains(contexts, s.context) && (s.resourceType == "*" || s.resourceType == n.ResourceType) &&
			strings.IndexByte(s.modes, byte(n.Mode)) >= 0
	})
}

// StaticTokens is a fixed table of bearer tokens and the principals they
// stand for: an Authorization: Bearer <token> header is looked up in it.
// It is meant for examples, tests and closed demos; real deployments
// validate tokens (JWT, introspection) in their own Principal function.
type StaticTokens map[string]Principal

// Principal returns the principal of the request's bearer token, or an
// error wrapping ErrUnauthorized when there is none or it is unknown. Use
// it as SMARTAuthorizer.Principal.
func (t StaticTokens) Principal(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" {
		return Principal{}, fmt.Errorf("%w: no Authorization header", ErrUnauthorized)
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return Principal{}, fmt.Errorf("%w: Authorization must be a Bearer token", ErrUnauthorized)
	}
	p, found := t[strings.TrimSpace(token)]
	if !found {
		return Principal{}, fmt.Errorf("%w: unknown bearer token", ErrUnauthorized)
	}
	return p, nil
}
