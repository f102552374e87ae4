package fhir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// Defaults of HandlerOptions.
const (
	// DefaultMaxBodyBytes is the largest request body the handler reads when
	// HandlerOptions.MaxBodyBytes is zero; larger bodies get 413.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultTimeout bounds the work of one request when
	// HandlerOptions.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// DefaultCount is the page size of searches and $find without _count.
	DefaultCount = 50
	// DefaultSlotWindow is how far after its start a Slot search for a
	// schedule computes free slots when no end is given.
	DefaultSlotWindow = 31 * 24 * time.Hour
)

// ContentType is the media type the handler answers with.
const ContentType = "application/fhir+json; charset=utf-8"

// HandlerOptions configures NewHandler. The zero value (and a nil
// *HandlerOptions) gives the defaults.
type HandlerOptions struct {
	// BaseURL is the handler's FHIR base as clients see it, for example
	// "https://clinic.example/fhir", used for fullUrl, Location and paging
	// links. Empty means: derived from each request (scheme, Host and the
	// path prefix the handler is mounted under, for example by
	// http.StripPrefix).
	BaseURL string
	// Authorizer is consulted on every request. Nil allows every request
	// with full access: set one (for example a SMARTAuthorizer) whenever the
	// handler is reachable by anyone but trusted code.
	Authorizer Authorizer
	// MaxBodyBytes limits request bodies; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Timeout bounds the work of one request through its context, and
	// reading its body through the connection's read deadline (where the
	// ResponseWriter supports http.ResponseController.SetReadDeadline);
	// zero means DefaultTimeout. A request that runs out of time gets 503.
	Timeout time.Duration
	// Logger receives one record per request that failed with a server
	// error (5xx): method, path (segments that are not ids redacted),
	// status and error kind, never the error's text, which can quote
	// patient data. Nil discards.
	Logger *slog.Logger
	// Now is the clock for defaults that depend on the time (the start of
	// a Slot search window); nil means the Scheduler's clock.
	Now func() time.Time
	// Software and Version name the server in the CapabilityStatement;
	// empty means "openslot" and "dev".
	Software, Version string
}

// handler serves FHIR R4 over a Scheduler.
type handler struct {
	s       *openslot.Scheduler
	opts    HandlerOptions
	mux     *http.ServeMux
	allow   map[string]string // Allow of the fixed paths (metadata, operations)
	star    http.HandlerFunc  // the answer to the request target "*"
	started time.Time
}

// NewHandler returns an http.Handler that serves FHIR R4 (JSON) over s:
//
//	GET  /metadata                       CapabilityStatement
//	POST /{type}                         create
//	GET  /{type}/{id}                    read (ETag, Last-Modified)
//	GET  /{type}/{id}/_history/{vid}     vread: the current version as
//	                                     read; 404 for an older one (only
//	                                     the current version is kept)
//	PUT  /{type}/{id}                    update (If-Match; 412 when stale);
//	                                     creates when the id is new (ids
//	                                     starting "o." or "h." are offers'
//	                                     and refused)
//	GET  /{type}?params, POST /{type}/_search
//	                                     search (Bundle with total and next)
//	POST|GET /Appointment/$find          IHE ITI-115
//	POST /Appointment/$hold              IHE ITI-116
//	POST /Appointment/$book              IHE ITI-117 (new, modify, cancel);
//	                                     HL7 Austria (Parameters response)
//	POST /Slot/$hold                     HL7 Austria hold and release
//	POST|GET /HealthcareService/$findHSP HL7 Austria
//
// for Organization, Location, HealthcareService, Practitioner,
// PractitionerRole, Patient, Device, Schedule, Slot, Appointment and
// AppointmentResponse. Mount it on a mux, under a prefix with
// http.StripPrefix:
//
//	mux.Handle("/fhir/", http.StripPrefix("/fhir", fhir.NewHandler(sched, nil)))
//
// Appointments change state only through the Scheduler: POST of a booked
// Appointment books it, of a pending one holds it, of a waitlist one puts
// it on the waiting list; PUT with a new status cancels, confirms, checks
// in, records arrival, no-show or fulfilment, or enters in error; PUT of a
// booked Appointment with a new start and end (or slot) reschedules it.
// An AppointmentResponse is recorded with Scheduler.Respond.
//
// Slot searches that name a schedule return the stored slots and the free
// slots the engine computes for the date range asked. Computed slots and
// the proposed Appointments of $find have ids that encode what they offer,
// so Slot/{id}, Slot/$hold, Appointment/{id}, $hold and $book work on them
// without any state kept between requests.
//
// Every failure is an OperationOutcome with its HTTP status: 400 invalid
// input, 401 and 403 security, 404 unknown, 405 method (with an Allow
// header), 406 and 415 media types, 409 time taken or a lost race, 412
// stale If-Match, 413 body too large, 422 business rule (an illegal
// transition, a time the schedule does not offer), 503 timeout, 500
// anything else (logged, not shown).
func NewHandler(s *openslot.Scheduler, opts *HandlerOptions) http.Handler {
	h := &handler{s: s}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.MaxBodyBytes <= 0 {
		h.opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if h.opts.Timeout <= 0 {
		h.opts.Timeout = DefaultTimeout
	}
	if h.opts.Logger == nil {
		h.opts.Logger = slog.New(slog.DiscardHandler)
	}
	if h.opts.Now == nil {
		h.opts.Now = s.Now
	}
	if h.opts.Software == "" {
		h.opts.Software = "openslot"
	}
	if h.opts.Version == "" {
		h.opts.Version = "dev"
	}
	h.opts.BaseURL = strings.TrimSuffix(h.opts.BaseURL, "/")
	h.started = h.opts.Now()
	h.routes()
	return h
}

func (h *handler) routes() {
	m := http.NewServeMux()
	// Fixed paths, with the handler of each method they take (GET also
	// answers HEAD). GET, POST and PUT of a fixed path always route here,
	// so that none falls into the search, create, read or update of the
	// shapes below; other methods reach the shapes' 405, which looks the
	// path up in h.allow.
	fixed := []struct {
		path      string
		get, post func(http.ResponseWriter, *http.Request) error
	}{
		{"/metadata", h.capabilities, nil},
		{"/Appointment/$find", h.find, h.find},
		{"/Appointment/$hold", nil, h.holdAppointment},
		{"/Appointment/$book", nil, h.book},
		{"/Slot/$hold", nil, h.holdSlot},
		{"/HealthcareService/$findHSP", h.findHSP, h.findHSP},
	}
	h.allow = make(map[string]string, len(fixed))
	for _, p := range fixed {
		var methods []string
		if p.get != nil {
			methods = append(methods, http.MethodGet, http.MethodHead)
		}
		if p.post != nil {
			methods = append(methods, http.MethodPost)
		}
		h.allow[p.path] = strings.Join(methods, ", ")
		na := h.notAllowed("")
		route := func(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
			if fn == nil {
				return na
			}
			return h.wrap(fn)
		}
		m.HandleFunc("GET "+p.path, route(p.get))
		m.HandleFunc("POST "+p.path, route(p.post))
		m.HandleFunc("PUT "+p.path, na)
	}
	m.HandleFunc("GET /{type}", h.wrap(h.search))
	m.HandleFunc("POST /{type}/_search", h.wrap(h.search))
	m.HandleFunc("POST /{type}", h.wrap(h.create))
	m.HandleFunc("GET /{type}/{id}", h.wrap(h.read))
	m.HandleFunc("PUT /{type}/{id}", h.wrap(h.update))
	m.HandleFunc("GET /{type}/{id}/_history/{vid}", h.wrap(h.vread))
	// Everything else: 405 for a known shape with another method, 404 for
	// any other path.
	m.HandleFunc("/{type}", h.notAllowed("GET, HEAD, POST"))
	m.HandleFunc("/{type}/{id}", h.notAllowed("GET, HEAD, PUT"))
	m.HandleFunc("/{type}/{id}/_history/{vid}", h.notAllowed("GET, HEAD"))
	m.HandleFunc("/{type}/{id}/{rest...}", h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusNotFound, code: IssueNotSupported,
			msg: fmt.Sprintf("%s is not an interaction this server supports", r.URL.Path)}
	}))
	m.HandleFunc("/", h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusNotFound, code: IssueNotFound, msg: "no FHIR endpoint at " + r.URL.Path}
	}))
	h.mux = m
	h.star = h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return badRequest("the request target * names no FHIR endpoint")
	})
}

// notAllowed answers 405 with an Allow header: the methods of the path
// when it is a fixed one (h.allow), "POST" for /{type}/_search, allow
// otherwise. A path whose type is not served answers 404, as for any
// method.
func (h *handler) notAllowed(allow string) http.HandlerFunc {
	return h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		a, ok := h.allow[r.URL.Path]
		if !ok {
			if typ := r.PathValue("type"); !knownType(typ) {
				return unknownType(typ)
			}
			a = allow
			if r.PathValue("id") == "_search" && r.PathValue("vid") == "" {
				a = http.MethodPost
			}
		}
		return &httpError{status: http.StatusMethodNotAllowed, code: IssueNotSupported, allow: a,
			msg: fmt.Sprintf("method %s is not supported on %s; allowed: %s", r.Method, r.URL.Path, a)}
	})
}

// ServeHTTP implements http.Handler. The request target "*" (other than
// OPTIONS *, which net/http answers itself) gets an OperationOutcome: the
// ServeMux would answer it with a bare 400.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.RequestURI == "*" {
		h.star(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// wrap adds what every route shares: the timeout, the body limit, content
// negotiation and the mapping of errors to OperationOutcomes.
func (h *handler) wrap(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		// The context does not stop a read of the body that waits for a
		// slow client: the connection's read deadline does. A writer that
		// cannot set one (httptest.ResponseRecorder, some middleware) is
		// left as it is.
		if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.opts.Timeout)); err != nil &&
			!errors.Is(err, http.ErrNotSupported) {
			h.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "fhir: cannot bound the request body read",
				slog.String("path", logPath(r.URL.Path)), slog.String("error", errorKind(err)))
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
		}
		err := negotiate(r)
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			h.fail(w, r, err)
		}
	}
}

// negotiate refuses requests whose Accept, _format or Content-Type is not
// FHIR JSON.
func negotiate(r *http.Request) error {
	if f := r.URL.Query().Get("_format"); f != "" && !jsonFormat(f) {
		return &httpError{status: http.StatusNotAcceptable, code: IssueNotSupported,
			msg: fmt.Sprintf("_format %q is not supported: this server speaks FHIR JSON only", f)}
	}
	if acc := r.Header.Get("Accept"); acc != "" {
		ok := false
		for _, part := range strings.Split(acc, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && (jsonFormat(mt) || mt == "*/*" || mt == "application/*") {
				ok = true
				break
			}
		}
		if !ok {
			return &httpError{status: http.StatusNotAcceptable, code: IssueNotSupported,
				msg: fmt.Sprintf("Accept %q: this server answers application/fhir+json only", acc)}
		}
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			return nil
		}
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(jsonFormat(mt) || (mt == "application/x-www-form-urlencoded" && strings.HasSuffix(r.URL.Path, "/_search"))) {
			return &httpError{status: http.StatusUnsupportedMediaType, code: IssueNotSupported,
				msg: fmt.Sprintf("Content-Type %q: send application/fhir+json", ct)}
		}
	}
	return nil
}

func jsonFormat(f string) bool {
	switch strings.ToLower(f) {
	case "json", "application/json", "application/fhir+json", "application/json+fhir":
		return true
	}
	return false
}

// authorize consults the Authorizer.
func (h *handler) authorize(r *http.Request, a Access) (Grant, error) {
	if h.opts.Authorizer == nil {
		return Grant{}, nil
	}
	return h.opts.Authorizer.Authorize(r, a)
}

// base returns the FHIR base URL of the request, without a trailing slash.
func (h *handler) base(r *http.Request) string {
	if h.opts.BaseURL != "" {
		return h.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	prefix := ""
	if full := strings.SplitN(r.RequestURI, "?", 2)[0]; strings.HasSuffix(full, r.URL.EscapedPath()) {
		prefix = strings.TrimSuffix(full, r.URL.EscapedPath())
	}
	if strings.HasPrefix(prefix, "http://") || strings.HasPrefix(prefix, "https://") {
		return strings.TrimSuffix(prefix, "/")
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(prefix, "/")
}

// readBody reads the request body and decodes it as a FHIR resource.
func readBody(r *http.Request) (Resource, error) {
	if r.Body == nil {
		return nil, &httpError{status: http.StatusBadRequest, code: IssueRequired, msg: "the request has no body"}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, &httpError{status: http.StatusBadRequest, code: IssueRequired, msg: "the request has no body"}
	}
	return Decode(data)
}

// writeResource writes r with status and the headers of a stored version
// when meta is not nil.
func (h *handler) writeResource(w http.ResponseWriter, status int, r Resource, meta *scheduling.Meta) error {
	data, err := Marshal(r)
	if err != nil {
		return err
	}
	if meta != nil && meta.Version > 0 {
		w.Header().Set("ETag", etag(meta.Version))
		if !meta.LastUpdated.IsZero() {
			w.Header().Set("Last-Modified", meta.LastUpdated.UTC().Format(http.TimeFormat))
		}
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_, _ = w.Write(data) // a failed write means the client has gone: nothing more can be said to it
	return nil
}

// writeStored answers a create or update following the Prefer header:
// return=representation (the default), return=minimal (no body) or
// return=OperationOutcome.
func (h *handler) writeStored(w http.ResponseWriter, r *http.Request, status int, res Resource, meta scheduling.Meta) error {
	if status == http.StatusCreated {
		w.Header().Set("Location", h.base(r)+"/"+res.ResourceType()+"/"+meta.ID+"/_history/"+strconv.FormatInt(meta.Version, 10))
	}
	switch preferReturn(r) {
	case "minimal":
		w.Header().Set("ETag", etag(meta.Version))
		if !meta.LastUpdated.IsZero() {
			w.Header().Set("Last-Modified", meta.LastUpdated.UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(status)
		return nil
	case "OperationOutcome":
		return h.writeResource(w, status, NewOperationOutcome(SeverityInformation, "informational",
			fmt.Sprintf("%s/%s version %d stored", res.ResourceType(), meta.ID, meta.Version)), &meta)
	}
	return h.writeResource(w, status, res, &meta)
}

// preferReturn returns the return= preference of the Prefer header.
func preferReturn(r *http.Request) string {
	for _, v := range r.Header.Values("Prefer") {
		for _, part := range strings.Split(v, ";") {
			for _, p := range strings.Split(part, ",") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "return") {
					return strings.Trim(val, `"`)
				}
			}
		}
	}
	return ""
}

// strictHandling reports whether the client asked for Prefer:
// handling=strict (unknown search parameters are errors).
func strictHandling(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		if strings.Contains(strings.ReplaceAll(v, " ", ""), "handling=strict") {
			return true
		}
	}
	return false
}

func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch returns the version of the If-Match header, 0 when absent.
func ifMatch(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, nil
	}
	n, ok := parseETag(v)
	if !ok {
		return 0, &httpError{status: http.StatusBadRequest, code: IssueInvalid,
			msg: fmt.Sprintf("If-Match %q is not a version ETag such as W/\"3\"", v)}
	}
	return n, nil
}

// parseETag reads a version ETag (W/"3", "3" or 3).
func parseETag(v string) (int64, bool) {
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(strings.TrimSpace(v), "W/"), `"`), 10, 64)
	return n, err == nil && n > 0
}

// knownType reports whether t is one of the resource types served.
func knownType(t string) bool {
	return scheduling.NewResource(t) != nil
}

func unknownType(t string) error {
	return &httpError{status: http.StatusNotFound, code: IssueNotSupported,
		msg: fmt.Sprintf("resource type %q is not served here; served: %s", t, strings.Join(scheduling.ResourceTypes(), ", "))}
}

// notFound is the one answer for a resource that does not exist and for
// one outside the caller's compartment, so that the two cannot be told
// apart.
func notFound(resourceType, id string) error {
	return &httpError{status: http.StatusNotFound, code: IssueNotFound,
		msg: fmt.Sprintf("%s/%s is not known", resourceType, id)}
}

// errorsAsHTTP reports whether err is an *httpError.
func errorsAsHTTP(err error) (*httpError, bool) {
	var he *httpError
	ok := errors.As(err, &he)
	return he, ok
}
