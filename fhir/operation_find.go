package fhir

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// maxFindOffers bounds how many offers $find counts for Bundle.total.
const maxFindOffers = 10000

// maxFindWindow bounds the range between start and end of $find.
const maxFindWindow = 366 * 24 * time.Hour

// findQuery is a parsed $find request.
type findQuery struct {
	start, end    time.Time
	practitioners []scheduling.Reference
	locations     []scheduling.Reference
	organizations []scheduling.Reference
	specialties   []scheduling.CodeableConcept
	visitTypes    []scheduling.CodeableConcept
	patients      []string
	count, offset int
	ignored       []string
}

// parseFind reads the input parameters of $find (IHE ITI-115).
func parseFind(p *Parameters, patient string) (*findQuery, error) {
	q := &findQuery{count: DefaultCount}
	for _, name := range []string{"start", "end", "_count", "_offset"} {
		if _, err := single(p, name); err != nil {
			return nil, err
		}
	}
	for _, pp := range p.Parameter {
		var err error
		switch pp.Name {
		case "start":
			q.start, err = paramTime(pp)
		case "end":
			// a period's end written as a date includes that date
			if q.end, err = paramTime(pp); err == nil {
				s, _ := pp.Text()
				q.end = partialEnd(s, q.end)
			}
		case "practitioner":
			var ref scheduling.Reference
			if ref, err = paramRef(pp, "Practitioner", "PractitionerRole"); err == nil {
				q.practitioners = append(q.practitioners, ref)
			}
		case "location-reference":
			var ref scheduling.Reference
			if ref, err = paramRef(pp, "Location"); err == nil {
				q.locations = append(q.locations, ref)
			}
		case "organization":
			var ref scheduling.Reference
			if ref, err = paramRef(pp, "Organization"); err == nil {
				q.organizations = append(q.organizations, ref)
			}
		case "specialty":
			var cs []scheduling.CodeableConcept
			if cs, err = paramConcepts(pp); err == nil {
				q.specialties = append(q.specialties, cs...)
			}
		case "visit-type":
			var cs []scheduling.CodeableConcept
			if cs, err = paramConcepts(pp); err == nil {
				q.visitTypes = append(q.visitTypes, cs...)
			}
		case "patient-reference":
			var ref scheduling.Reference
			if ref, err = paramRef(pp, "Patient"); err == nil {
				_, id := ref.Split()
				q.patients = append(q.patients, id)
			}
		case "patient-resource":
			if pr, ok := pp.Resource.(*Patient); ok && pr.ID != "" {
				q.patients = append(q.patients, pr.ID)
			} else {
				q.ignored = append(q.ignored, "patient-resource without an id (the patient is matched by id only)")
			}
		case "_count":
			q.count, err = paramInt(pp)
			if err == nil && (q.count < 0 || q.count > store.MaxLimit) {
				err = badRequest("_count must be between 0 and %d", store.MaxLimit)
			}
		case "_offset":
			q.offset, err = paramInt(pp)
			if err == nil && q.offset < 0 {
				err = badRequest("_offset must not be negative")
			}
		case "reason", "referral-identifier", "timing", "insurance-reference", "location-string", "_format":
			q.ignored = append(q.ignored, pp.Name)
		default:
			return nil, badRequest("$find has no parameter %q", pp.Name)
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case q.start.IsZero() || q.end.IsZero():
		return nil, &httpError{status: http.StatusBadRequest, code: IssueRequired, msg: "$find needs start and end"}
	case !q.start.Before(q.end):
		return nil, badRequest("$find: start must be before end")
	case q.end.Sub(q.start) > maxFindWindow:
		return nil, badRequest("$find looks at most %d days ahead at once: narrow start and end", int(maxFindWindow.Hours()/24))
	}
	q.patients = compactStrings(q.patients)
	if patient != "" {
		for _, id := range q.patients {
			if id != patient {
				return nil, fmt.Errorf("%w: you may look for appointments for the patient you act for only", ErrForbidden)
			}
		}
		q.patients = []string{patient}
	}
	return q, nil
}

func compactStrings(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// values writes the query as GET parameters, for paging links.
func (q *findQuery) values(offset int) url.Values {
	v := url.Values{}
	v.Set("start", q.start.Format(time.RFC3339))
	v.Set("end", q.end.Format(time.RFC3339))
	for _, r := range q.practitioners {
		v.Add("practitioner", r.Reference)
	}
	for _, r := range q.locations {
		v.Add("location-reference", r.Reference)
	}
	for _, r := range q.organizations {
		v.Add("organization", r.Reference)
	}
	for _, c := range q.specialties {
		v.Add("specialty", tokenString(c))
	}
	for _, c := range q.visitTypes {
		v.Add("visit-type", tokenString(c))
	}
	for _, p := range q.patients {
		v.Add("patient-reference", "Patient/"+p)
	}
	v.Set("_count", strconv.Itoa(q.count))
	v.Set("_offset", strconv.Itoa(offset))
	return v
}

// find answers Appointment/$find (IHE ITI-115): a searchset Bundle of
// proposed Appointments for the free times where every kind of resource
// asked for is available. Practitioners (and the schedules of their
// PractitionerRoles) are alternatives in the order given, and so are
// locations; both together must be free at once (a schedule that has both
// as actors satisfies both). Without practitioner or location, the
// schedules of the organizations (in their order), or of every active
// schedule of a provider, are the alternatives; organizations also narrow
// practitioners and locations to theirs; specialty and visit-type narrow
// them. The first visit-type chooses the service policy. start and end are
// a period: an end written as a date includes that date. Live holds are
// busy, so held times never appear.
func (h *handler) find(w http.ResponseWriter, r *http.Request) error {
	g, err := h.authorize(r, Access{Interaction: "operation", ResourceType: "Appointment", Operation: "$find",
		Needs: []Need{{ResourceType: "Appointment", Mode: ModeSearch}}})
	if err != nil {
		return err
	}
	params, err := opParams(r, "")
	if err != nil {
		return err
	}
	q, err := parseFind(params, g.Patient)
	if err != nil {
		return err
	}
	ctx := r.Context()
	groups, scheds, err := h.findGroups(ctx, q)
	if err != nil {
		return err
	}
	var service *scheduling.CodeableConcept
	if len(q.visitTypes) > 0 {
		service = &q.visitTypes[0]
	}
	var page []openslot.Offer
	total := 0
	capped := false
	if len(groups) > 0 {
		seq, errf := h.s.FindSeq(ctx, openslot.FindRequest{Resources: groups, From: q.start, To: q.end, Service: service})
		for o := range seq {
			if total >= q.offset && len(page) < q.count {
				page = append(page, o)
			}
			total++
			if total >= maxFindOffers {
				capped = true
				break
			}
		}
		if err := errf(); err != nil {
			return err
		}
	}
	base := h.base(r)
	next := ""
	if q.count > 0 && q.offset+len(page) < total {
		next = base + "/Appointment/$find?" + q.values(q.offset+len(page)).Encode()
	}
	b := NewSearchset(total, next)
	if capped {
		b.Total = nil
	}
	for _, o := range page {
		a, err := h.proposalOf(ctx, o, q.patients, service, scheds)
		if err != nil {
			return err
		}
		b.AddMatch(base, FromAppointment(*a))
	}
	var notes []string
	for _, n := range q.ignored {
		notes = append(notes, "parameter "+n+" is accepted but not used to select times")
	}
	if capped {
		notes = append(notes, fmt.Sprintf("more than %d times are free: Bundle.total is left out; narrow start and end", maxFindOffers))
	}
	if len(notes) > 0 {
		oo := &OperationOutcome{}
		for _, n := range notes {
			oo.Issue = append(oo.Issue, OperationOutcomeIssue{Severity: SeverityInformation, Code: "informational", Diagnostics: n})
		}
		b.AddOutcome(oo)
	}
	return h.writeResource(w, http.StatusOK, b, nil)
}

// findGroups chooses the schedules of a $find: groups of alternatives that
// must all be free together, and the schedules read, by id.
func (h *handler) findGroups(ctx context.Context, q *findQuery) ([][]string, map[string]*scheduling.Schedule, error) {
	scheds := map[string]*scheduling.Schedule{}
	eligible := func(sc *scheduling.Schedule) bool {
		if !sc.IsActive() {
			return false
		}
		if len(q.specialties) > 0 && !slices.ContainsFunc(q.specialties, func(c scheduling.CodeableConcept) bool {
			return slices.ContainsFunc(sc.Specialty, func(s scheduling.CodeableConcept) bool { return sharesCoding(s, c) })
		}) {
			return false
		}
		if len(q.visitTypes) > 0 && len(sc.ServiceType) > 0 && !slices.ContainsFunc(q.visitTypes, func(c scheduling.CodeableConcept) bool {
			return slices.ContainsFunc(serviceCodes(sc), func(s scheduling.CodeableConcept) bool { return sharesCoding(s, c) })
		}) {
			return false
		}
		return true
	}
	// of returns the eligible schedules of actors, in the order of actors.
	of := func(actors []scheduling.Reference) ([]*scheduling.Schedule, error) {
		var out []*scheduling.Schedule
		for _, a := range actors {
			typ, id := a.Split()
			found, err := h.searchSchedules(ctx, [][]string{{store.RefTerm("actor", typ, id)}})
			if err != nil {
				return nil, err
			}
			for _, sc := range found {
				if eligible(sc) && !slices.ContainsFunc(out, func(o *scheduling.Schedule) bool { return o.ID == sc.ID }) {
					out = append(out, sc)
				}
			}
		}
		return out, nil
	}
	ids := func(ss []*scheduling.Schedule) []string {
		out := make([]string, len(ss))
		for i, sc := range ss {
			out[i] = sc.ID
			scheds[sc.ID] = sc
		}
		return out
	}

	// organizations are alternatives in the order of preference: the
	// schedules of any of them will do, those of the first one first
	orgActors := make([][]scheduling.Reference, len(q.organizations))
	for i, org := range q.organizations {
		var err error
		if orgActors[i], err = h.organizationActors(ctx, org); err != nil {
			return nil, nil, err
		}
	}
	orgOf := func(sc *scheduling.Schedule) int {
		return slices.IndexFunc(orgActors, func(actors []scheduling.Reference) bool {
			return slices.ContainsFunc(sc.Actor, func(a scheduling.Reference) bool {
				return slices.ContainsFunc(actors, func(o scheduling.Reference) bool { return sameLiteral(a, o) })
			})
		})
	}
	inOrg := func(ss []*scheduling.Schedule) []*scheduling.Schedule {
		if len(q.organizations) == 0 {
			return ss
		}
		return slices.DeleteFunc(ss, func(sc *scheduling.Schedule) bool { return orgOf(sc) < 0 })
	}

	var pracs []*scheduling.Schedule
	if len(q.practitioners) > 0 {
		actors := slices.Clone(q.practitioners)
		for _, p := range q.practitioners {
			if typ, id := p.Split(); typ == "Practitioner" {
				roles, err := h.searchRefs(ctx, "PractitionerRole", [][]string{{store.RefTerm("practitioner", "Practitioner", id)}})
				if err != nil {
					return nil, nil, err
				}
				actors = append(actors, roles...)
			}
		}
		var err error
		if pracs, err = of(actors); err != nil {
			return nil, nil, err
		}
		if pracs = inOrg(pracs); len(pracs) == 0 {
			return nil, scheds, nil
		}
	}
	var locs []*scheduling.Schedule
	if len(q.locations) > 0 {
		var err error
		if locs, err = of(q.locations); err != nil {
			return nil, nil, err
		}
		if len(locs) == 0 {
			return nil, scheds, nil
		}
	}
	switch {
	case len(pracs) > 0 && len(locs) > 0:
		both := slices.DeleteFunc(slices.Clone(pracs), func(sc *scheduling.Schedule) bool {
			return !slices.ContainsFunc(q.locations, func(l scheduling.Reference) bool {
				return slices.ContainsFunc(sc.Actor, func(a scheduling.Reference) bool { return sameLiteral(a, l) })
			})
		})
		if len(both) > 0 {
			return [][]string{ids(both)}, scheds, nil
		}
		return [][]string{ids(pracs), ids(locs)}, scheds, nil
	case len(pracs) > 0:
		return [][]string{ids(pracs)}, scheds, nil
	case len(locs) > 0:
		if locs = inOrg(locs); len(locs) == 0 {
			return nil, scheds, nil
		}
		return [][]string{ids(locs)}, scheds, nil
	}
	all, err := h.searchSchedules(ctx, [][]string{{store.Term("active", "true")}})
	if err != nil {
		return nil, nil, err
	}
	all = slices.DeleteFunc(all, func(sc *scheduling.Schedule) bool {
		return !eligible(sc) || !slices.ContainsFunc(sc.Actor, func(a scheduling.Reference) bool {
			t, _ := a.Split()
			return t == "Practitioner" || t == "PractitionerRole" || t == "HealthcareService" || t == "Organization"
		})
	})
	if all = inOrg(all); len(all) == 0 {
		return nil, scheds, nil
	}
	if len(q.organizations) > 1 {
		slices.SortStableFunc(all, func(a, b *scheduling.Schedule) int { return orgOf(a) - orgOf(b) })
	}
	return [][]string{ids(all)}, scheds, nil
}

// organizationActors are the references that belong to an organization:
// itself, its PractitionerRoles and their practitioners, its locations and
// its services.
func (h *handler) organizationActors(ctx context.Context, org scheduling.Reference) ([]scheduling.Reference, error) {
	typ, id := org.Split()
	out := []scheduling.Reference{scheduling.Ref(typ, id)}
	term := [][]string{{store.RefTerm("organization", typ, id)}}
	roles, err := h.searchAll(ctx, store.Query{ResourceType: "PractitionerRole", Terms: term})
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		pr := r.(*scheduling.PractitionerRole)
		out = append(out, scheduling.Ref("PractitionerRole", pr.ID))
		if pr.Practitioner != nil {
			out = append(out, *pr.Practitioner)
		}
	}
	for _, rt := range []string{"Location", "HealthcareService"} {
		refs, err := h.searchRefs(ctx, rt, term)
		if err != nil {
			return nil, err
		}
		out = append(out, refs...)
	}
	return out, nil
}

// searchAll returns every match of q (bounded by maxFilteredCount).
func (h *handler) searchAll(ctx context.Context, q store.Query) ([]scheduling.Resource, error) {
	q.Limit = store.MaxLimit
	var out []scheduling.Resource
	for len(out) < maxFilteredCount {
		p, err := h.s.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Resources...)
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	return out, nil
}

// searchRefs returns references to every resource of a type matching terms.
func (h *handler) searchRefs(ctx context.Context, resourceType string, terms [][]string) ([]scheduling.Reference, error) {
	rs, err := h.searchAll(ctx, store.Query{ResourceType: resourceType, Terms: terms})
	if err != nil {
		return nil, err
	}
	out := make([]scheduling.Reference, len(rs))
	for i, r := range rs {
		out[i] = scheduling.Ref(resourceType, r.Metadata().ID)
	}
	return out, nil
}

func (h *handler) searchSchedules(ctx context.Context, terms [][]string) ([]*scheduling.Schedule, error) {
	rs, err := h.searchAll(ctx, store.Query{ResourceType: "Schedule", Terms: terms})
	if err != nil {
		return nil, err
	}
	out := make([]*scheduling.Schedule, len(rs))
	for i, r := range rs {
		out[i] = r.(*scheduling.Schedule)
	}
	return out, nil
}

// proposalOf builds the proposed Appointment of an offer of $find.
func (h *handler) proposalOf(ctx context.Context, o openslot.Offer, patients []string, service *scheduling.CodeableConcept,
	known map[string]*scheduling.Schedule) (*scheduling.Appointment, error) {
	scheds := make([]*scheduling.Schedule, len(o.Schedules))
	for i, id := range o.Schedules {
		sc, ok := known[id]
		if !ok {
			var err error
			if sc, err = h.schedule(ctx, id); err != nil {
				return nil, err
			}
		}
		scheds[i] = sc
	}
	si, idx := serviceRef(scheds, service)
	return h.proposalFrom(ctx, offer{kind: offerAppointment, start: o.Start, end: o.End, schedules: o.Schedules,
		patients: patients, serviceSchedule: si, serviceIndex: idx}, scheds)
}

// proposal returns the proposed Appointment an appointment offer id stands
// for.
func (h *handler) proposal(ctx context.Context, o offer) (*scheduling.Appointment, error) {
	scheds, err := h.loadSchedules(ctx, o.schedules)
	if err != nil {
		return nil, err
	}
	return h.proposalFrom(ctx, o, scheds)
}

// proposalFrom builds the proposed Appointment of an offer: the patients
// and the actors of its schedules as participants who have not answered,
// its time, its service, and one computed Slot per schedule.
func (h *handler) proposalFrom(ctx context.Context, o offer, scheds []*scheduling.Schedule) (*scheduling.Appointment, error) {
	id, err := h.offerID(ctx, o)
	if err != nil {
		return nil, err
	}
	a := &scheduling.Appointment{Meta: scheduling.Meta{ID: id}, Status: scheduling.AppointmentProposed,
		Start: o.start.UTC(), End: o.end.UTC()}
	for _, p := range o.patients {
		ref := scheduling.Ref("Patient", p)
		a.Participant = append(a.Participant, scheduling.Participant{Actor: &ref,
			Required: scheduling.ParticipantRequiredRequired, Status: scheduling.ParticipationNeedsAction})
	}
	svc := o.service(scheds)
	if svc != nil {
		a.ServiceType = []scheduling.CodeableConcept{*svc}
	}
	for i, sc := range scheds {
		for _, act := range sc.Actor {
			if act.IsType("Patient") || slices.ContainsFunc(a.Participant, func(p scheduling.Participant) bool {
				return sameLiteral(*p.Actor, act)
			}) {
				continue
			}
			ref := act.Clone()
			a.Participant = append(a.Participant, scheduling.Participant{Actor: &ref,
				Required: scheduling.ParticipantRequiredRequired, Status: scheduling.ParticipationNeedsAction})
		}
		for _, sp := range sc.Specialty {
			if !slices.ContainsFunc(a.Specialty, func(c scheduling.CodeableConcept) bool { return sharesCoding(c, sp) }) {
				a.Specialty = append(a.Specialty, sp.Clone())
			}
		}
		so := offer{kind: offerSlot, start: o.start, end: o.end, schedules: []string{sc.ID}, serviceSchedule: -1}
		if o.serviceSchedule == i {
			so.serviceSchedule, so.serviceIndex = 0, o.serviceIndex
		}
		sid, err := h.offerID(ctx, so)
		if err != nil {
			return nil, err
		}
		a.Slot = append(a.Slot, scheduling.Ref("Slot", sid))
	}
	return a, nil
}
