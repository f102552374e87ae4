package fhir

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// toResource maps a FHIR resource of one of the eleven model types to a
// pointer to its model value.
func toResource(f Resource) (scheduling.Resource, error) {
	m, err := ToModel(f)
	if err != nil {
		return nil, err
	}
	switch v := m.(type) {
	case scheduling.Organization:
		return &v, nil
	case scheduling.Location:
		return &v, nil
	case scheduling.HealthcareService:
		return &v, nil
	case scheduling.Practitioner:
		return &v, nil
	case scheduling.PractitionerRole:
		return &v, nil
	case scheduling.Patient:
		return &v, nil
	case scheduling.Device:
		return &v, nil
	case scheduling.Schedule:
		return &v, nil
	case scheduling.Slot:
		return &v, nil
	case scheduling.Appointment:
		return &v, nil
	case scheduling.AppointmentResponse:
		return &v, nil
	}
	return nil, fmt.Errorf("%w: %T is not a model resource", ErrUnsupported, m)
}

// fromResource maps a model resource to FHIR.
func fromResource(m scheduling.Resource) (Resource, error) { return FromModel(m) }

// lookup returns the stored resource, or the computed Slot or proposed
// Appointment an offer id stands for.
func (h *handler) lookup(ctx context.Context, resourceType, id string) (scheduling.Resource, error) {
	r, err := h.s.Get(ctx, resourceType, id)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	switch resourceType {
	case "Slot":
		if o, ok, err := h.decodeOffer(ctx, id, offerSlot); err != nil {
			return nil, err
		} else if ok {
			return h.computedSlot(ctx, o)
		}
	case "Appointment":
		if o, ok, err := h.decodeOffer(ctx, id, offerAppointment); err != nil {
			return nil, err
		} else if ok {
			return h.proposal(ctx, o)
		}
	}
	return nil, notFound(resourceType, id)
}

// read answers GET /{type}/{id}.
func (h *handler) read(w http.ResponseWriter, r *http.Request) error { return h.readVersion(w, r, "") }

// vread answers GET /{type}/{id}/_history/{vid}. The stores keep only the
// current version: vread of it is a read, an older version answers 404
// saying so, a later one 404 as unknown. The checks of read come first,
// so that a caller confined to a compartment learns nothing more.
func (h *handler) vread(w http.ResponseWriter, r *http.Request) error {
	return h.readVersion(w, r, r.PathValue("vid"))
}

// readVersion reads a resource, and with a vid ("" for read) only that
// version of it.
func (h *handler) readVersion(w http.ResponseWriter, r *http.Request, vid string) error {
	typ, id := r.PathValue("type"), r.PathValue("id")
	if !knownType(typ) {
		return unknownType(typ)
	}
	g, err := h.authorize(r, Access{Interaction: "read", ResourceType: typ, ID: id,
		Needs: []Need{{ResourceType: typ, Mode: ModeRead}}})
	if err != nil {
		return err
	}
	var version int64
	if vid != "" {
		if version, err = parseVersionID(vid); err != nil {
			return err
		}
	}
	m, err := h.lookup(r.Context(), typ, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !inCompartment(g.Patient, m)) {
		return notFound(typ, id)
	}
	if err != nil {
		return err
	}
	if current := m.Metadata().Version; vid != "" && version != current {
		if version < current {
			return &httpError{status: http.StatusNotFound, code: IssueNotFound,
				msg: fmt.Sprintf("version %d of %s/%s is not kept: this server keeps only the current version (%d)", version, typ, id, current)}
		}
		return &httpError{status: http.StatusNotFound, code: IssueNotFound,
			msg: fmt.Sprintf("%s/%s has no version %s", typ, id, vid)}
	}
	if v := ifNoneMatch(r); v != 0 && v == m.Metadata().Version {
		w.Header().Set("ETag", etag(v))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	f, err := fromResource(m)
	if err != nil {
		return err
	}
	return h.writeResource(w, http.StatusOK, f, m.Metadata())
}

// parseVersionID reads the vid of a version URL: a version number in
// decimal without sign or leading zeros. One too large for int64 is
// returned as math.MaxInt64, a version no store reaches.
func parseVersionID(vid string) (int64, error) {
	if vid == "" || vid[0] == '0' || strings.Trim(vid, "0123456789") != "" {
		return 0, badRequest("version %q is not a version number such as 3", vid)
	}
	n, err := strconv.ParseInt(vid, 10, 64)
	if err != nil {
		return math.MaxInt64, nil // all digits: only too large
	}
	return n, nil
}

// ifNoneMatch returns the version of an If-None-Match header, 0 when absent
// or not a version.
func ifNoneMatch(r *http.Request) int64 {
	n, _ := parseETag(r.Header.Get("If-None-Match"))
	return n
}

func (h *handler) search(w http.ResponseWriter, r *http.Request) error {
	typ := r.PathValue("type")
	if !knownType(typ) {
		return unknownType(typ)
	}
	values := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.Is(err, os.ErrDeadlineExceeded) {
				return err
			}
			return badRequest("the _search body is not a form: %v", err)
		}
		values = r.Form
	}
	spec, err := parseSearch(typ, values, h.opts.Now(), strictHandling(r))
	if err != nil {
		return err
	}
	needs := []Need{{ResourceType: typ, Mode: ModeSearch}}
	for _, inc := range spec.includes {
		for _, t := range includeTargets(typ, inc) {
			needs = append(needs, Need{ResourceType: t, Mode: ModeRead})
		}
	}
	g, err := h.authorize(r, Access{Interaction: "search", ResourceType: typ, Needs: needs})
	if err != nil {
		return err
	}
	base := h.base(r)
	var res searchResult
	switch {
	case !confine(&spec.query, g.Patient):
		res.total = 0
	case typ == "Slot" && computedSlotSearch(spec):
		res, err = h.searchSlots(r.Context(), spec)
	default:
		res, err = h.runSearch(r.Context(), spec)
	}
	if err != nil {
		return err
	}
	b, err := h.bundle(r.Context(), base, typ, spec, res, g)
	if err != nil {
		return err
	}
	return h.writeResource(w, http.StatusOK, b, nil)
}

// includeTargets are the served types an _include can bring in.
func includeTargets(typ string, inc include) []string {
	if inc.target != "" {
		return []string{inc.target}
	}
	var out []string
	for _, t := range searchParams[typ][inc.param].targets {
		if knownType(t) {
			out = append(out, t)
		}
	}
	return out
}

// searchResult is one page of a search.
type searchResult struct {
	matches []scheduling.Resource
	next    string // cursor of the next page
	total   int    // -1 when unknown
}

// runSearch answers a search from the store.
func (h *handler) runSearch(ctx context.Context, spec *searchSpec) (searchResult, error) {
	q := spec.query
	q.Total = !spec.noTotal && len(spec.filters) == 0
	if spec.count == 0 {
		q.Limit = 1
		if len(spec.filters) > 0 {
			n, err := h.countFiltered(ctx, spec)
			return searchResult{total: n}, err
		}
		p, err := h.s.Search(ctx, q)
		return searchResult{total: p.Total}, err
	}
	if len(spec.filters) == 0 {
		q.Limit = spec.count
		p, err := h.s.Search(ctx, q)
		if err != nil {
			return searchResult{}, err
		}
		return searchResult{matches: p.Resources, next: p.Next, total: p.Total}, nil
	}
	var res searchResult
	for {
		q.Limit = spec.count - len(res.matches)
		p, err := h.s.Search(ctx, q)
		if err != nil {
			return searchResult{}, err
		}
		for _, m := range p.Resources {
			if passes(spec.filters, m) {
				res.matches = append(res.matches, m)
			}
		}
		res.next = p.Next
		if p.Next == "" || len(res.matches) >= spec.count {
			break
		}
		q.After = p.Next
	}
	res.total = -1
	if !spec.noTotal {
		n, err := h.countFiltered(ctx, spec)
		if err != nil {
			return searchResult{}, err
		}
		res.total = n
	}
	return res, nil
}

// maxFilteredCount bounds how many matches a filtered search counts for
// Bundle.total; beyond it the total is left out.
const maxFilteredCount = 10 * store.MaxLimit

func (h *handler) countFiltered(ctx context.Context, spec *searchSpec) (int, error) {
	q := spec.query
	q.After, q.Limit, q.Total = "", store.MaxLimit, false
	n, seen := 0, 0
	for {
		p, err := h.s.Search(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, m := range p.Resources {
			if passes(spec.filters, m) {
				n++
			}
		}
		seen += len(p.Resources)
		if p.Next == "" {
			return n, nil
		}
		if seen >= maxFilteredCount {
			return -1, nil
		}
		q.After = p.Next
	}
}

func passes(filters []func(scheduling.Resource) bool, r scheduling.Resource) bool {
	for _, f := range filters {
		if !f(r) {
			return false
		}
	}
	return true
}

// bundle builds the searchset of one page: matches, includes, warnings,
// self and next links.
func (h *handler) bundle(ctx context.Context, base, typ string, spec *searchSpec, res searchResult, g Grant) (*Bundle, error) {
	next := ""
	if res.next != "" {
		next = pageURL(base, typ, spec.values, res.next)
	}
	b := NewSearchset(max(res.total, 0), next)
	if res.total < 0 {
		b.Total = nil
	}
	b.Link = append([]BundleLink{{Relation: "self", URL: pageURL(base, typ, spec.values, spec.query.After)}}, b.Link...)
	seen := map[string]bool{}
	for _, m := range res.matches {
		f, err := fromResource(m)
		if err != nil {
			return nil, err
		}
		b.AddMatch(base, f)
		seen[m.ResourceType()+"/"+m.Metadata().ID] = true
	}
	for _, m := range res.matches {
		if len(spec.includes) == 0 {
			break
		}
		terms, _ := store.Indexed(m)
		for _, inc := range spec.includes {
			for _, t := range terms {
				val, ok := strings.CutPrefix(t, inc.param+"=")
				if !ok {
					continue
				}
				rt, id, ok := strings.Cut(val, "/")
				if !ok || !knownType(rt) || (inc.target != "" && rt != inc.target) || seen[val] {
					continue
				}
				seen[val] = true
				r, err := h.lookup(ctx, rt, id)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, err
				}
				if !inCompartment(g.Patient, r) {
					continue
				}
				f, err := fromResource(r)
				if err != nil {
					return nil, err
				}
				b.AddInclude(base, f)
			}
		}
	}
	if len(spec.warnings) > 0 {
		oo := &OperationOutcome{}
		for _, w := range spec.warnings {
			oo.Issue = append(oo.Issue, OperationOutcomeIssue{Severity: SeverityWarning, Code: IssueNotSupported, Diagnostics: w})
		}
		b.AddOutcome(oo)
	}
	return b, nil
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) error {
	typ := r.PathValue("type")
	if !knownType(typ) {
		return unknownType(typ)
	}
	g, err := h.authorize(r, Access{Interaction: "create", ResourceType: typ,
		Needs: []Need{{ResourceType: typ, Mode: ModeCreate}}})
	if err != nil {
		return err
	}
	m, err := h.body(r, typ)
	if err != nil {
		return err
	}
	m.Metadata().ID = ""
	if err := checkWrite(g.Patient, m, false); err != nil {
		return err
	}
	var key string // only the holds and bookings of Appointments take one
	if a, ok := m.(*scheduling.Appointment); ok &&
		(a.Status == scheduling.AppointmentBooked || a.Status == scheduling.AppointmentPending) {
		in, err := fromResource(a)
		if err != nil {
			return err
		}
		if key, err = h.requestKey(r, g, in); err != nil {
			return err
		}
	}
	stored, err := h.store(r.Context(), m, key, g.Patient)
	if err != nil {
		return err
	}
	f, err := fromResource(stored)
	if err != nil {
		return err
	}
	return h.writeStored(w, r, http.StatusCreated, f, *stored.Metadata())
}

// body reads the request body as a resource of type typ and maps it to the
// model.
func (h *handler) body(r *http.Request, typ string) (scheduling.Resource, error) {
	f, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if f.ResourceType() != typ {
		return nil, badRequest("the body is a %s, the URL names %s", f.ResourceType(), typ)
	}
	return toResource(f)
}

// store creates a new resource through the Scheduler for a caller
// confined to patient ("" when not confined): an Appointment by its status,
// an AppointmentResponse with Respond, others with Create. key is the
// caller's idempotency key (see callerKey).
func (h *handler) store(ctx context.Context, m scheduling.Resource, key, patient string) (scheduling.Resource, error) {
	switch v := m.(type) {
	case *scheduling.Appointment:
		return h.createAppointment(ctx, v, key, patient)
	case *scheduling.AppointmentResponse:
		if err := h.checkResponseTarget(ctx, v, patient); err != nil {
			return nil, err
		}
		if v.ID == "" {
			v.ID = openslot.RandomID()
		}
		if _, err := h.s.Respond(ctx, *v); err != nil {
			return nil, err
		}
		return h.s.Get(ctx, "AppointmentResponse", v.ID)
	}
	if err := h.s.Create(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

func (h *handler) update(w http.ResponseWriter, r *http.Request) error {
	typ, id := r.PathValue("type"), r.PathValue("id")
	if !knownType(typ) {
		return unknownType(typ)
	}
	g, err := h.authorize(r, Access{Interaction: "update", ResourceType: typ, ID: id,
		Needs: []Need{{ResourceType: typ, Mode: ModeUpdate}}})
	if err != nil {
		return err
	}
	expect, err := ifMatch(r)
	if err != nil {
		return err
	}
	m, err := h.body(r, typ)
	if err != nil {
		return err
	}
	if m.Metadata().ID != id {
		return badRequest("the body's id %q must equal the id in the URL %q", m.Metadata().ID, id)
	}
	ctx := r.Context()
	old, err := h.s.Get(ctx, typ, id)
	if errors.Is(err, store.ErrNotFound) {
		if err := checkClientID(typ, id); err != nil {
			return err
		}
		if g.Patient != "" && inCompartmentType(typ) && (typ != "Patient" || id != g.Patient) {
			// A confined caller gets for an unknown id what it gets for
			// the id of another patient's resource (checkWrite below),
			// with or without If-Match, so that PUT reveals nothing about
			// other patients: it creates its appointments and responses
			// with POST.
			return notFound(typ, id)
		}
		if expect != 0 {
			return &httpError{status: http.StatusPreconditionFailed, code: IssueConflict,
				msg: fmt.Sprintf("If-Match names version %d of %s/%s, which does not exist", expect, typ, id)}
		}
		return h.updateCreate(w, r, g, m)
	}
	if err != nil {
		return err
	}
	if err := checkWrite(g.Patient, old, true); err != nil {
		return err
	}
	if err := checkWrite(g.Patient, m, false); err != nil {
		return err
	}
	if expect != 0 && expect != old.Metadata().Version {
		return stale(typ, id, expect, old.Metadata().Version)
	}
	var stored scheduling.Resource
	switch v := m.(type) {
	case *scheduling.Appointment:
		stored, err = h.updateAppointment(ctx, old.(*scheduling.Appointment), v, expect)
	case *scheduling.AppointmentResponse:
		return &httpError{status: http.StatusUnprocessableEntity, code: issueBusinessRule,
			msg: "an AppointmentResponse is a participant's answer and is never changed: POST a new one"}
	default:
		m.Metadata().Version = expect
		err = h.s.Update(ctx, m)
		stored = m
	}
	if err != nil {
		return staleIf(err, expect, typ, id)
	}
	f, err := fromResource(stored)
	if err != nil {
		return err
	}
	return h.writeStored(w, r, http.StatusOK, f, *stored.Metadata())
}

// updateCreate answers a PUT of a new id by creating the resource with that
// id (FHIR update as create).
func (h *handler) updateCreate(w http.ResponseWriter, r *http.Request, g Grant, m scheduling.Resource) error {
	typ := m.ResourceType()
	g2, err := h.authorize(r, Access{Interaction: "create", ResourceType: typ, ID: m.Metadata().ID,
		Needs: []Need{{ResourceType: typ, Mode: ModeCreate}}})
	if err != nil {
		return err
	}
	if g2.Patient != g.Patient && g2.Patient != "" {
		g = g2
	}
	if err := checkClientID(typ, m.Metadata().ID); err != nil {
		return err
	}
	if err := checkWrite(g.Patient, m, false); err != nil {
		return err
	}
	if a, ok := m.(*scheduling.Appointment); ok && a.Status != "" && a.Status != scheduling.AppointmentProposed {
		return &httpError{status: http.StatusUnprocessableEntity, code: issueBusinessRule,
			msg: fmt.Sprintf("a %s appointment gets its id from the server: POST it, or use $book", a.Status)}
	}
	stored, err := h.store(r.Context(), m, "", g.Patient)
	if err != nil {
		return err
	}
	f, err := fromResource(stored)
	if err != nil {
		return err
	}
	return h.writeStored(w, r, http.StatusCreated, f, *stored.Metadata())
}

// checkResponseTarget refuses, for a caller confined to patient, an
// AppointmentResponse to an appointment outside its compartment with the
// same 404 as one to an appointment that does not exist.
func (h *handler) checkResponseTarget(ctx context.Context, ar *scheduling.AppointmentResponse, patient string) error {
	if patient == "" {
		return nil
	}
	typ, id := ar.Appointment.Split()
	if typ != "Appointment" {
		return badRequest("AppointmentResponse.appointment must be a literal reference to an Appointment")
	}
	a, err := h.s.Get(ctx, "Appointment", id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !inCompartment(patient, a)) {
		return notFound("Appointment", id)
	}
	return err
}

func stale(typ, id string, expect, stored int64) error {
	return &httpError{status: http.StatusPreconditionFailed, code: IssueConflict,
		msg: fmt.Sprintf("%s/%s: If-Match names version %d, the current version is %d: read it again", typ, id, expect, stored)}
}

// staleIf turns a version conflict of a request with If-Match into 412.
func staleIf(err error, expect int64, typ, id string) error {
	var se *openslot.SlotError
	if expect != 0 && errors.Is(err, openslot.ErrConflict) && !errors.As(err, &se) {
		return &httpError{status: http.StatusPreconditionFailed, code: IssueConflict,
			msg: fmt.Sprintf("%s/%s changed since version %d: read it again", typ, id, expect), err: err}
	}
	return err
}
