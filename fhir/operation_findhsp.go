package fhir

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// findHSP answers HealthcareService/$findHSP (HL7 Austria): the providers
// of a healthcare service. The service is given by
// healthcareService-reference (a HealthcareService resource or reference)
// or by healthcareService-category, -type and -specialty codes
// ("system|code"), one of each at most; a request without any is refused.
// healthcareService-location (a Reference; also "location") and
// healthcareService-zipCodeArea (a prefix of the location's postal code;
// also "postal-code") narrow the services, each repeated meaning any of
// them; start and end (together; an end written as a date includes that
// date) keep only the PractitionerRoles with free time between them. The
// answer is a searchset Bundle: the services as matches, and their
// providing Organizations, PractitionerRoles, Practitioners and Locations
// as includes.
func (h *handler) findHSP(w http.ResponseWriter, r *http.Request) error {
	needs := []Need{{ResourceType: "HealthcareService", Mode: ModeSearch}}
	for _, t := range []string{"Organization", "PractitionerRole", "Practitioner", "Location"} {
		needs = append(needs, Need{ResourceType: t, Mode: ModeRead})
	}
	if _, err := h.authorize(r, Access{Interaction: "operation", ResourceType: "HealthcareService", Operation: "$findHSP",
		Needs: needs}); err != nil {
		return err
	}
	params, err := opParams(r, "healthcareService-reference")
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := store.Query{ResourceType: "HealthcareService", Terms: [][]string{{store.Term("active", "true")}}}
	var serviceID string
	var postal, locations []string // any of them
	var from, to time.Time
	service := false
	for _, name := range []string{"healthcareService-reference", "healthcareService-category", "healthcareService-type",
		"healthcareService-specialty", "start", "end"} {
		if _, err := single(params, name); err != nil {
			return err
		}
	}
	for _, pp := range params.Parameter {
		switch pp.Name {
		case "healthcareService-reference":
			service = true
			switch {
			case pp.Resource != nil:
				hs, ok := pp.Resource.(*HealthcareService)
				if !ok || hs.ID == "" {
					return badRequest("healthcareService-reference must be a HealthcareService with an id")
				}
				serviceID = hs.ID
			default:
				ref, err := paramRef(pp, "HealthcareService")
				if err != nil {
					return err
				}
				_, serviceID = ref.Split()
			}
		case "healthcareService-category", "healthcareService-type", "healthcareService-specialty":
			service = true
			cs, err := paramConcepts(pp)
			if err != nil {
				return err
			}
			param := map[string]string{"healthcareService-category": "service-category",
				"healthcareService-type": "service-type", "healthcareService-specialty": "specialty"}[pp.Name]
			var alts []string
			for _, c := range cs {
				if len(c.Coding) == 0 || c.Coding[0].Code == "" {
					return badRequest("%s: a code is required", pp.Name)
				}
				alts = append(alts, store.TokenTerm(param, c.Coding[0].System, c.Coding[0].Code))
			}
			q.Terms = append(q.Terms, alts) // any of them
		case "healthcareService-location", "location":
			ref, err := paramRef(pp, "Location")
			if err != nil {
				return err
			}
			typ, id := ref.Split()
			locations = append(locations, store.RefTerm("location", typ, id))
		case "healthcareService-zipCodeArea", "postal-code":
			code, _ := pp.Text()
			if code == "" {
				return badRequest("%s: a postal code is required", pp.Name)
			}
			postal = append(postal, code)
		case "start":
			if from, err = paramTime(pp); err != nil {
				return err
			}
		case "end":
			if to, err = paramTime(pp); err != nil {
				return err
			}
			s, _ := pp.Text()
			to = partialEnd(s, to)
		default:
			return badRequest("$findHSP has no parameter %q", pp.Name)
		}
	}
	if !service {
		return &httpError{status: http.StatusBadRequest, code: IssueRequired,
			msg: "$findHSP needs the service: healthcareService-reference, -category, -type or -specialty"}
	}
	if from.IsZero() != to.IsZero() {
		return &httpError{status: http.StatusBadRequest, code: IssueRequired, msg: "$findHSP takes start and end together"}
	}
	if len(locations) > 0 {
		q.Terms = append(q.Terms, locations)
	}
	if serviceID != "" {
		q.IDs = []string{serviceID}
	}
	found, err := h.searchAll(ctx, q)
	if err != nil {
		return err
	}
	base := h.base(r)
	b := NewSearchset(0, "")
	var includes []scheduling.Resource
	seen := map[string]bool{}
	add := func(res scheduling.Resource) {
		key := res.ResourceType() + "/" + res.Metadata().ID
		if !seen[key] {
			seen[key] = true
			includes = append(includes, res)
		}
	}
	get := func(ref *scheduling.Reference) (scheduling.Resource, error) {
		if ref == nil {
			return nil, nil
		}
		typ, id := ref.Split()
		if !knownType(typ) {
			return nil, nil
		}
		res, err := h.s.Get(ctx, typ, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return res, err
	}
	matches := 0
	for _, res := range found {
		hs := res.(*scheduling.HealthcareService)
		var locs []scheduling.Resource
		for i := range hs.Location {
			l, err := get(&hs.Location[i])
			if err != nil {
				return err
			}
			if l != nil {
				locs = append(locs, l)
			}
		}
		if len(postal) > 0 && !slices.ContainsFunc(locs, func(l scheduling.Resource) bool {
			a := l.(*scheduling.Location).Address
			return a != nil && slices.ContainsFunc(postal, func(p string) bool { return strings.HasPrefix(a.PostalCode, p) })
		}) {
			continue
		}
		roles, err := h.searchAll(ctx, store.Query{ResourceType: "PractitionerRole", Terms: [][]string{
			{store.RefTerm("service", "HealthcareService", hs.ID)}, {store.Term("active", "true")}}})
		if err != nil {
			return err
		}
		if !from.IsZero() && !to.IsZero() {
			var free []scheduling.Resource
			for _, role := range roles {
				ok, err := h.hasFreeTime(ctx, role.(*scheduling.PractitionerRole), from, to)
				if err != nil {
					return err
				}
				if ok {
					free = append(free, role)
				}
			}
			if len(free) == 0 {
				continue
			}
			roles = free
		}
		matches++
		b.AddMatch(base, FromHealthcareService(*hs))
		if org, err := get(hs.ProvidedBy); err != nil {
			return err
		} else if org != nil {
			add(org)
		}
		for _, role := range roles {
			pr := role.(*scheduling.PractitionerRole)
			add(pr)
			for _, ref := range []*scheduling.Reference{pr.Practitioner, pr.Organization} {
				if res, err := get(ref); err != nil {
					return err
				} else if res != nil {
					add(res)
				}
			}
		}
		for _, l := range locs {
			add(l)
		}
	}
	*b.Total = matches
	for _, res := range includes {
		f, err := fromResource(res)
		if err != nil {
			return err
		}
		b.AddInclude(base, f)
	}
	return h.writeResource(w, http.StatusOK, b, nil)
}

// hasFreeTime reports whether a PractitionerRole (or its practitioner) has
// a free time between from and to on any of its schedules.
func (h *handler) hasFreeTime(ctx context.Context, role *scheduling.PractitionerRole, from, to time.Time) (bool, error) {
	actors := [][]string{{store.RefTerm("actor", "PractitionerRole", role.ID)}}
	if role.Practitioner != nil {
		if typ, id := role.Practitioner.Split(); typ != "" {
			actors[0] = append(actors[0], store.RefTerm("actor", typ, id))
		}
	}
	scheds, err := h.searchSchedules(ctx, actors)
	if err != nil {
		return false, err
	}
	var ids []string
	for _, sc := range scheds {
		if sc.IsActive() {
			ids = append(ids, sc.ID)
		}
	}
	if len(ids) == 0 {
		return false, nil
	}
	offers, err := h.s.Find(ctx, openslot.FindRequest{Resources: [][]string{ids}, From: from, To: to, Limit: 1})
	return len(offers) > 0, err
}
