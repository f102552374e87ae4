package fhir

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Search parameters.
//
// A search is answered by one store.Query: token and reference parameters
// become terms (store.TokenTerm, store.RefTerm) matched against what
// store.Indexed indexes, the date parameter of a type (Appointment date,
// Slot start, Schedule date, AppointmentResponse date is not served) becomes
// the query's From and To, _lastUpdated its UpdatedFrom and UpdatedTo.
// Values separated by commas are alternatives (OR); repeated parameters
// must all hold (AND).
//
//   - token: "code", "system|code" ("|code" is read as "code"; "system|" is
//     not supported).
//   - reference: "Type/id", "id" (any target type of the parameter), an
//     absolute URL (its last two segments), ":Type" to name the type,
//     ":identifier" with a token value to match Reference.identifier.
//   - string (name, device-name): the whole of one name part or of the full
//     name, without regard to case (with :exact, as written: case
//     matters); prefix and :contains matching are not supported.
//   - date: an instant or a partial date (YYYY, YYYY-MM, YYYY-MM-DD, or a
//     dateTime without seconds; partial values without a zone are read in
//     UTC), with a prefix: eq (the default: the whole precision range of the
//     value), ne (outside that range: answered by filtering), lt, le, gt,
//     ge, sa (starts after the range), eb (ends before the range: start
//     before it, then filtered on the resource's end), ap (the range
//     widened on each side by a tenth of its distance from now, at least
//     one day). Dates compare the indexed instant: Appointment.start,
//     Slot.start, Schedule.planningHorizon.start.
//
// Result parameters: _count (page size, at most store.MaxLimit; 0 returns
// only the total), _include (Type:param[:Target] for a reference parameter
// of the searched type), _sort (the date parameter, "-" for descending;
// _id for types without one), _total (none skips counting), _id,
// _lastUpdated. Paging follows the Bundle's next link (_cursor). Other
// parameters, chained ones among them (patient.name, patient:Patient.name),
// are ignored with a warning in the Bundle, or refused with 400 when the
// request says Prefer: handling=strict.

type paramKind int

const (
	kindToken paramKind = iota
	kindRef
	kindString
	kindDate
)

type paramDef struct {
	kind    paramKind
	term    string   // term name when it differs from the parameter's
	targets []string // reference target types
}

var (
	actorTargets = []string{"Patient", "Practitioner", "PractitionerRole", "RelatedPerson", "Device",
		"HealthcareService", "Location"}
	tokenParam = paramDef{kind: kindToken}
)

func refParam(targets ...string) paramDef { return paramDef{kind: kindRef, targets: targets} }

// searchParams lists, per resource type, the parameters served.
var searchParams = map[string]map[string]paramDef{
	"Appointment": {
		"actor": refParam(actorTargets...), "appointment-type": tokenParam, "based-on": refParam("ServiceRequest"),
		"date": {kind: kindDate}, "identifier": tokenParam, "location": refParam("Location"), "part-status": tokenParam,
		"patient": refParam("Patient"), "practitioner": refParam("Practitioner", "PractitionerRole"),
		"reason-code": tokenParam, "service-category": tokenParam, "service-type": tokenParam, "slot": refParam("Slot"),
		"specialty": tokenParam, "status": tokenParam,
	},
	"Slot": {
		"appointment-type": tokenParam, "identifier": tokenParam, "schedule": refParam("Schedule"), "service-category": tokenParam,
		"service-type": tokenParam, "specialty": tokenParam, "start": {kind: kindDate}, "status": tokenParam,
	},
	"Schedule": {
		"active": tokenParam, "actor": refParam(actorTargets...), "date": {kind: kindDate}, "identifier": tokenParam,
		"service-category": tokenParam, "service-type": tokenParam, "specialty": tokenParam,
	},
	"AppointmentResponse": {
		"actor": refParam(actorTargets...), "appointment": refParam("Appointment"), "identifier": tokenParam,
		"location": refParam("Location"), "part-status": tokenParam, "patient": refParam("Patient"),
		"practitioner": refParam("Practitioner", "PractitionerRole"),
	},
	"HealthcareService": {
		"active": tokenParam, "identifier": tokenParam, "location": refParam("Location"), "name": {kind: kindString},
		"organization": refParam("Organization"), "service-category": tokenParam, "service-type": tokenParam, "specialty": tokenParam,
	},
	"PractitionerRole": {
		"active": tokenParam, "identifier": tokenParam, "location": refParam("Location"), "organization": refParam("Organization"),
		"practitioner": refParam("Practitioner"), "role": tokenParam, "service": refParam("HealthcareService"), "specialty": tokenParam,
	},
	"Organization": {
		"active": tokenParam, "identifier": tokenParam, "name": {kind: kindString}, "partof": refParam("Organization"),
	},
	"Location": {
		"identifier": tokenParam, "name": {kind: kindString}, "organization": refParam("Organization"),
		"partof": refParam("Location"), "status": tokenParam,
	},
	"Practitioner": {"active": tokenParam, "identifier": tokenParam, "name": {kind: kindString}},
	"Patient":      {"active": tokenParam, "identifier": tokenParam, "name": {kind: kindString}},
	"Device": {
		"device-name": {kind: kindString, term: "name"}, "identifier": tokenParam, "location": refParam("Location"),
		"organization": refParam("Organization"), "status": tokenParam,
	},
}

// dateParam returns the name of the date parameter of a type, or "".
func dateParam(resourceType string) string {
	for name, d := range searchParams[resourceType] {
		if d.kind == kindDate {
			return name
		}
	}
	return ""
}

// include is one _include: the reference parameter of the searched type and
// an optional target type.
type include struct {
	param, target string
}

// searchSpec is a parsed search.
type searchSpec struct {
	query    store.Query
	count    int // page size; 0 asks for the total only
	includes []include
	// filters are checked on each match after the store query (ne, eb).
	filters []func(scheduling.Resource) bool
	// warnings are parameters ignored, for the Bundle's OperationOutcome.
	warnings []string
	// values are the parameters used, for the self and paging links: those
	// given, less those ignored.
	values url.Values
	// params are the served parameters present, by name, with their values.
	params  map[string][]string
	noTotal bool
}

// dateRange is a parsed date parameter value: its prefix and the range
// [lo, hi) its precision covers.
type dateRange struct {
	prefix string
	lo, hi time.Time
}

// parseSearch parses the search parameters of resourceType. Unknown
// parameters become warnings, or errors when strict.
func parseSearch(resourceType string, values url.Values, now time.Time, strict bool) (*searchSpec, error) {
	defs := searchParams[resourceType]
	sp := &searchSpec{query: store.Query{ResourceType: resourceType, Total: true}, count: DefaultCount,
		values: values, params: map[string][]string{}}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, full := range names {
		name, modifier, _ := strings.Cut(full, ":")
		vals := values[full]
		if modifier != "" && (name == "_id" || name == "_lastUpdated") {
			return nil, &httpError{status: 400, code: IssueNotSupported, msg: fmt.Sprintf("%s is not supported", full)}
		}
		var err error
		switch name {
		case "_count":
			err = sp.parseCount(vals)
		case "_cursor":
			sp.query.After = vals[len(vals)-1]
		case "_include":
			err = sp.parseIncludes(resourceType, vals)
		case "_sort":
			err = sp.parseSort(resourceType, vals)
		case "_total":
			sp.noTotal = vals[len(vals)-1] == "none"
		case "_format", "_pretty":
		case "_id":
			for _, v := range vals {
				sp.query.IDs = appendIDs(sp.query.IDs, v)
			}
			sp.params["_id"] = append(sp.params["_id"], vals...)
		case "_lastUpdated":
			for _, v := range vals {
				if err = sp.parseDate(full, v, now, true, resourceType); err != nil {
					break
				}
			}
			sp.params[name] = append(sp.params[name], vals...)
		default:
			d, ok := defs[name]
			// patient:Patient.name is a chain with a type, like patient.name
			if !ok || strings.Contains(modifier, ".") {
				msg := fmt.Sprintf("search parameter %q is not supported for %s and was ignored", full, resourceType)
				if strict {
					return nil, &httpError{status: 400, code: IssueNotSupported, msg: msg}
				}
				sp.warnings = append(sp.warnings, msg)
				// the links say what the search was run on
				sp.values = without(sp.values, full)
				continue
			}
			sp.params[name] = append(sp.params[name], vals...)
			for _, v := range vals {
				if err = sp.parseParam(resourceType, name, modifier, d, v, now); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return sp, nil
}

// without returns a copy of values without key (the caller's map is left
// as it is).
func without(values url.Values, key string) url.Values {
	out := make(url.Values, len(values))
	for k, v := range values {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func appendIDs(ids []string, v string) []string {
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func (sp *searchSpec) parseCount(vals []string) error {
	v := vals[len(vals)-1]
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return badRequest("_count %q is not a number of 0 or more", v)
	}
	sp.count = min(n, store.MaxLimit)
	return nil
}

func (sp *searchSpec) parseIncludes(resourceType string, vals []string) error {
	for _, v := range vals {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] != resourceType {
			return badRequest("_include %q: use %s:<reference parameter>[:<target type>]", v, resourceType)
		}
		d, ok := searchParams[resourceType][parts[1]]
		if !ok || d.kind != kindRef {
			return badRequest("_include %q: %q is not a reference parameter of %s", v, parts[1], resourceType)
		}
		inc := include{param: parts[1]}
		if len(parts) == 3 {
			if !slices.Contains(d.targets, parts[2]) {
				return badRequest("_include %q: %s is not a target of %s", v, parts[2], parts[1])
			}
			inc.target = parts[2]
		}
		sp.includes = append(sp.includes, inc)
	}
	return nil
}

func (sp *searchSpec) parseSort(resourceType string, vals []string) error {
	dp := dateParam(resourceType)
	for _, v := range vals {
		for _, key := range strings.Split(v, ",") {
			desc := strings.HasPrefix(key, "-")
			k := strings.TrimPrefix(key, "-")
			if (dp != "" && k == dp) || (dp == "" && k == "_id") {
				sp.query.Descending = desc
				continue
			}
			by := "_id"
			if dp != "" {
				by = dp
			}
			return badRequest("_sort %q: %s results can be sorted by %s or -%s only", key, resourceType, by, by)
		}
	}
	return nil
}

// parseParam adds one value of a served parameter.
func (sp *searchSpec) parseParam(resourceType, name, modifier string, d paramDef, v string, now time.Time) error {
	term := name
	if d.term != "" {
		term = d.term
	}
	if d.kind == kindDate {
		if modifier != "" {
			return badRequest("%s:%s: date parameters take no modifier", name, modifier)
		}
		return sp.parseDate(name, v, now, false, resourceType)
	}
	var group, alts []string
	for _, alt := range strings.Split(v, ",") {
		alt = strings.TrimSpace(alt)
		if alt == "" {
			return badRequest("%s: empty value", name)
		}
		var terms []string
		var err error
		switch d.kind {
		case kindToken:
			terms, err = tokenTerms(term, modifier, alt)
		case kindRef:
			terms, err = refTerms(term, modifier, alt, d.targets)
		case kindString:
			if modifier != "" && modifier != "exact" {
				return &httpError{status: 400, code: IssueNotSupported, msg: fmt.Sprintf("%s:%s is not supported", name, modifier)}
			}
			terms = []string{store.Term(term, store.NormalizeName(alt))}
		}
		if err != nil {
			return err
		}
		group = append(group, terms...)
		alts = append(alts, alt)
	}
	sp.query.Terms = append(sp.query.Terms, group)
	if d.kind == kindString && modifier == "exact" {
		// the terms ignore case: :exact keeps the matches whose name is
		// one of the values as written
		sp.filters = append(sp.filters, func(r scheduling.Resource) bool {
			return slices.ContainsFunc(nameValues(r), func(n string) bool { return slices.Contains(alts, n) })
		})
	}
	return nil
}

// nameValues are the names the string parameters (name, device-name) of r
// match: those store.Indexed indexes as name terms, as written.
func nameValues(r scheduling.Resource) []string {
	var out []string
	humanNames := func(ns []scheduling.HumanName) {
		for _, n := range ns {
			out = append(out, n.Text, n.Family)
			out = append(out, n.Given...)
		}
	}
	switch v := r.(type) {
	case *scheduling.HealthcareService:
		out = append(out, v.Name)
	case *scheduling.Organization:
		out = append(append(out, v.Name), v.Alias...)
	case *scheduling.Location:
		out = append(append(out, v.Name), v.Alias...)
	case *scheduling.Practitioner:
		humanNames(v.Name)
	case *scheduling.Patient:
		humanNames(v.Name)
	case *scheduling.Device:
		for _, n := range v.DeviceName {
			out = append(out, n.Name)
		}
	}
	return out
}

func tokenTerms(param, modifier, v string) ([]string, error) {
	if modifier != "" {
		return nil, &httpError{status: 400, code: IssueNotSupported, msg: fmt.Sprintf("%s:%s is not supported", param, modifier)}
	}
	system, code, hasSystem := strings.Cut(v, "|")
	if !hasSystem {
		return []string{store.TokenTerm(param, "", v)}, nil
	}
	if code == "" {
		return nil, &httpError{status: 400, code: IssueNotSupported,
			msg: fmt.Sprintf("%s=%s: a system without a code is not supported", param, v)}
	}
	return []string{store.TokenTerm(param, system, code)}, nil
}

func refTerms(param, modifier, v string, targets []string) ([]string, error) {
	switch {
	case modifier == "identifier":
		t, err := tokenTerms(param+":identifier", "", v)
		return t, err
	case modifier != "":
		if !slices.Contains(targets, modifier) {
			return nil, badRequest("%s:%s: %s is not a target of %s (targets: %s)", param, modifier, modifier, param,
				strings.Join(targets, ", "))
		}
		if strings.Contains(v, "/") {
			return nil, badRequest("%s:%s=%s: give only the id with a type modifier", param, modifier, v)
		}
		return []string{store.RefTerm(param, modifier, v)}, nil
	}
	if !strings.Contains(v, "/") {
		out := make([]string, len(targets))
		for i, t := range targets {
			out[i] = store.RefTerm(param, t, v)
		}
		return out, nil
	}
	typ, id := scheduling.Reference{Reference: v}.Split()
	if typ == "" || id == "" {
		return nil, badRequest("%s=%s is not a reference such as Type/id", param, v)
	}
	if !slices.Contains(targets, typ) {
		return nil, badRequest("%s=%s: %s is not a target of %s (targets: %s)", param, v, typ, param, strings.Join(targets, ", "))
	}
	return []string{store.RefTerm(param, typ, id)}, nil
}

// parseDateValue parses a date search value with its prefix into the range
// its precision covers.
func parseDateValue(v string) (dateRange, error) {
	dr := dateRange{prefix: "eq"}
	if len(v) >= 2 && v[0] >= 'a' && v[0] <= 'z' {
		dr.prefix, v = v[:2], v[2:]
		switch dr.prefix {
		case "eq", "ne", "lt", "le", "gt", "ge", "sa", "eb", "ap":
		default:
			return dr, fmt.Errorf("prefix %q is not one of eq, ne, lt, le, gt, ge, sa, eb, ap", dr.prefix)
		}
	}
	switch {
	case len(v) == 4:
		t, err := time.Parse("2006", v)
		dr.lo, dr.hi = t, t.AddDate(1, 0, 0)
		return dr, err
	case len(v) == 7:
		t, err := time.Parse("2006-01", v)
		dr.lo, dr.hi = t, t.AddDate(0, 1, 0)
		return dr, err
	case len(v) == 10:
		t, err := time.Parse(time.DateOnly, v)
		dr.lo, dr.hi = t, t.AddDate(0, 0, 1)
		return dr, err
	}
	// a dateTime: its precision is the last unit written
	for _, f := range []struct {
		layout string
		unit   time.Duration
	}{
		{"2006-01-02T15:04Z07:00", time.Minute},
		{"2006-01-02T15:04", time.Minute},
		{"2006-01-02T15:04:05Z07:00", time.Second},
		{"2006-01-02T15:04:05", time.Second},
	} {
		if f.unit == time.Second && strings.Contains(v, ".") {
			break // fractional seconds: the precision is that of the fraction
		}
		if t, err := time.Parse(f.layout, v); err == nil {
			dr.lo, dr.hi = t, t.Add(f.unit)
			return dr, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return dr, fmt.Errorf("%q is not a FHIR date or dateTime", v)
	}
	unit := time.Second
	if dot := strings.IndexByte(v, '.'); dot >= 0 {
		digits := 0
		for _, c := range v[dot+1:] {
			if c < '0' || c > '9' {
				break
			}
			digits++
		}
		unit = time.Second
		for range min(digits, 9) {
			unit /= 10
		}
		unit = max(unit, time.Nanosecond)
	}
	dr.lo, dr.hi = t, t.Add(unit)
	return dr, nil
}

// parseDate applies one date value to the query (lastUpdated selects
// UpdatedFrom/UpdatedTo instead of From/To).
func (sp *searchSpec) parseDate(name, v string, now time.Time, lastUpdated bool, resourceType string) error {
	dr, err := parseDateValue(v)
	if err != nil {
		return badRequest("%s=%s: %v", name, v, err)
	}
	from, to := &sp.query.From, &sp.query.To
	if lastUpdated {
		from, to = &sp.query.UpdatedFrom, &sp.query.UpdatedTo
	}
	narrowFrom := func(t time.Time) {
		if from.IsZero() || t.After(*from) {
			*from = t
		}
	}
	narrowTo := func(t time.Time) {
		if t.IsZero() {
			// 0001-01-01T00:00:00Z is also the zero time, which To reads as
			// no bound: a microsecond later (the stores' precision) bounds
			// it the same way, since nothing starts at the zero time
			t = t.Add(time.Microsecond)
		}
		if to.IsZero() || t.Before(*to) {
			*to = t
		}
	}
	instant := func(r scheduling.Resource) time.Time {
		if lastUpdated {
			return r.Metadata().LastUpdated
		}
		_, at := store.Indexed(r)
		return at
	}
	switch dr.prefix {
	case "eq":
		narrowFrom(dr.lo)
		narrowTo(dr.hi)
	case "ne":
		lo, hi := dr.lo, dr.hi
		sp.filters = append(sp.filters, func(r scheduling.Resource) bool {
			t := instant(r)
			return t.Before(lo) || !t.Before(hi)
		})
	case "lt", "eb":
		narrowTo(dr.lo)
		if dr.prefix == "eb" && !lastUpdated {
			lo := dr.lo
			sp.filters = append(sp.filters, func(r scheduling.Resource) bool {
				end := resourceEnd(r)
				return end.IsZero() || !end.After(lo)
			})
		}
	case "le":
		narrowTo(dr.hi)
	case "gt", "sa":
		narrowFrom(dr.hi)
	case "ge":
		narrowFrom(dr.lo)
	case "ap":
		d := max(now.Sub(dr.lo).Abs()/10, 24*time.Hour)
		narrowFrom(dr.lo.Add(-d))
		narrowTo(dr.hi.Add(d))
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(*to) {
		// an empty range: keep it empty (the store matches nothing)
		*to = *from
	}
	return nil
}

// resourceEnd is the end of the period a resource's date covers.
func resourceEnd(r scheduling.Resource) time.Time {
	switch v := r.(type) {
	case *scheduling.Appointment:
		return v.End
	case *scheduling.Slot:
		return v.End
	case *scheduling.AppointmentResponse:
		return v.End
	case *scheduling.Schedule:
		if v.PlanningHorizon != nil {
			return v.PlanningHorizon.End
		}
	}
	return time.Time{}
}

// matchTerms reports whether a resource with the indexed terms have
// satisfies every group of terms.
func matchTerms(groups [][]string, have []string) bool {
	for _, g := range groups {
		if !slices.ContainsFunc(g, func(t string) bool { return slices.Contains(have, t) }) {
			return false
		}
	}
	return true
}

// pageURL returns the URL of a search page with the given cursor.
func pageURL(base, resourceType string, values url.Values, cursor string) string {
	v := url.Values{}
	for k, vs := range values {
		if k != "_cursor" {
			v[k] = vs
		}
	}
	if cursor != "" {
		v.Set("_cursor", cursor)
	}
	u := base + "/" + resourceType
	if enc := v.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}
