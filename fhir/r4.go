package fhir

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// r4JSON is the structure of FHIR R4 (4.0.1) as far as this package needs
// it, derived from the official R4 JSON schema by TestR4TableMatchesSchema:
// for every definition reachable from the resources the package handles,
// each element's type, whether it repeats, and the codes of required
// bindings; for every primitive its JSON type and pattern.
//
//go:embed r4.json
var r4JSON []byte

type r4Prop struct {
	T string   `json:"t"`
	A bool     `json:"a,omitempty"`
	E []string `json:"e,omitempty"`
}

type r4Def struct {
	Req []string          `json:"req,omitempty"`
	P   map[string]r4Prop `json:"p"`
}

type r4Prim struct {
	T string `json:"t"`
	P string `json:"p,omitempty"`
}

type r4Table struct {
	Prim map[string]r4Prim `json:"prim"`
	Defs map[string]r4Def  `json:"defs"`
}

type compiledPrim struct {
	kind string // "string", "number" or "boolean"
	// match checks the lexical form: a hand-written matcher (primitives.go)
	// or the regexp of re; nil when the type has no pattern.
	match func(string) bool
	re    *regexp.Regexp
}

var r4 = sync.OnceValue(func() *struct {
	defs  map[string]r4Def
	prims map[string]compiledPrim
} {
	var t r4Table
	if err := json.Unmarshal(r4JSON, &t); err != nil {
		panic("fhir: embedded r4.json is corrupt: " + err.Error())
	}
	prims := make(map[string]compiledPrim, len(t.Prim))
	for name, p := range t.Prim {
		cp := compiledPrim{kind: p.T}
		if p.P != "" {
			cp.re = regexp.MustCompile(p.P)
			cp.match = cp.re.MatchString
		}
		if m, ok := primitiveMatchers[name]; ok && cp.re != nil {
			cp.match = m
		}
		prims[name] = cp
	}
	// fold the required bindings the schema does not spell out into the
	// table, so that the walker finds every code list in one place
	for key, codes := range extraCodes {
		def, name, _ := strings.Cut(key, ".")
		if p, ok := t.Defs[def].P[name]; ok && p.E == nil {
			p.E = codes
			t.Defs[def].P[name] = p
		}
	}
	return &struct {
		defs  map[string]r4Def
		prims map[string]compiledPrim
	}{t.Defs, prims}
})

// requiredPrimitives are the primitive elements with minimum cardinality 1
// in R4, which the JSON schema cannot require (a primitive may be present as
// "_name" only). Keyed by schema definition name.
var requiredPrimitives = map[string][]string{
	"Appointment":                        {"status"},
	"Appointment_Participant":            {"status"},
	"AppointmentResponse":                {"participantStatus"},
	"Slot":                               {"status", "start", "end"},
	"Bundle":                             {"type"},
	"Bundle_Link":                        {"relation", "url"},
	"Bundle_Request":                     {"method", "url"},
	"Bundle_Response":                    {"status"},
	"OperationOutcome_Issue":             {"severity", "code"},
	"Parameters_Parameter":               {"name"},
	"MessageHeader_Source":               {"endpoint"},
	"MessageHeader_Destination":          {"endpoint"},
	"MessageHeader_Response":             {"identifier", "code"},
	"CapabilityStatement":                {"status", "date", "kind", "fhirVersion", "format"},
	"CapabilityStatement_Rest":           {"mode"},
	"CapabilityStatement_Resource":       {"type"},
	"CapabilityStatement_Interaction":    {"code"},
	"CapabilityStatement_Interaction1":   {"code"},
	"CapabilityStatement_SearchParam":    {"name", "type"},
	"CapabilityStatement_Operation":      {"name", "definition"},
	"CapabilityStatement_Software":       {"name"},
	"CapabilityStatement_Implementation": {"description"},
	"Extension":                          {"url"},
	"Device_DeviceName":                  {"name", "type"},
	"Narrative":                          {"status"},
}

// extraCodes are required bindings the schema does not spell out as enums.
var extraCodes = map[string][]string{
	"PractitionerRole_AvailableTime.daysOfWeek":  {"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
	"HealthcareService_AvailableTime.daysOfWeek": {"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
	"Location_HoursOfOperation.daysOfWeek":       {"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
}

// sound reports whether the tree had no structural problem, so that it can
// be copied into Go types and checked further.
func (w *walker) sound() bool {
	for _, is := range w.issues {
		if is.Code == IssueStructure || is.Code == IssueNotSupported {
			return false
		}
	}
	return true
}

// merge appends the issues of b whose code and expression a does not
// already report (the checks of a and b overlap on dates and times).
func merge(a, b []OperationOutcomeIssue) []OperationOutcomeIssue {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	seen := map[string]bool{}
	key := func(is OperationOutcomeIssue) string { return is.Code + "|" + strings.Join(is.Expression, ",") }
	for _, is := range a {
		seen[key(is)] = true
	}
	for _, is := range b {
		if !seen[key(is)] {
			a = append(a, is)
		}
	}
	return a
}

// walker checks a parsed JSON tree against the R4 structure and collects
// every problem. path is the FHIRPath of the value being checked; it grows
// and shrinks as the walk goes, and becomes a string only in an issue.
type walker struct {
	doc    *jdoc
	path   []byte
	issues []OperationOutcomeIssue
}

// check walks doc as a resource and returns the walker with its issues.
func check(doc *jdoc) *walker {
	w := &walker{doc: doc, path: make([]byte, 0, 128)}
	w.resource(&doc.root)
	return w
}

// add reports an issue at the current path followed by suffix.
func (w *walker) add(code, suffix, format string, args ...any) {
	w.issues = append(w.issues, newIssue(code, string(w.path)+suffix, format, args...))
}

// push appends a member name to the path and returns the mark to pop to.
func (w *walker) push(name string) int {
	mark := len(w.path)
	w.path = append(append(w.path, '.'), name...)
	return mark
}

// resource checks a resource object (the top, a contained resource or a
// Bundle entry); at the top the resource type starts the path.
func (w *walker) resource(n *jnode) {
	if n.kind != jObject {
		w.add(IssueStructure, "", "a resource must be a JSON object")
		return
	}
	rt := ""
	if m := w.doc.member(n, "resourceType"); m != nil && m.kind == jString {
		rt = m.text
	}
	if rt == "" {
		w.add(IssueStructure, "", "resourceType is missing or not a string")
		return
	}
	if len(w.path) == 0 {
		w.path = append(w.path, rt...)
		defer func() { w.path = w.path[:0] }()
	}
	if _, ok := resourceFactories[rt]; !ok {
		w.add(IssueNotSupported, "", "resource type %q is not supported", rt)
		return
	}
	w.object(n, rt, true)
}

func (w *walker) object(n *jnode, def string, isResource bool) {
	d, ok := r4().defs[def]
	if !ok {
		w.add(IssueNotSupported, "", "type %s is not supported", def)
		return
	}
	kids := w.doc.children(n)
	if len(kids) == 0 || (isResource && len(kids) == 1) {
		w.add(IssueStructure, "", "element has no content (FHIR forbids empty objects)")
		return
	}
	// members in name order, so that issues come in a stable order
	var buf [32]int32
	order := buf[:0]
	for i := range kids {
		order = append(order, int32(i))
	}
	sortByKey(order, kids)
	for _, i := range order {
		k := &kids[i]
		if isResource && k.key == "resourceType" {
			continue
		}
		mark := w.push(k.key)
		if p, ok := d.P[k.key]; ok {
			w.element(k, def, k.key, p)
		} else {
			w.add(IssueStructure, "", "unknown element %q in %s", k.key, def)
		}
		w.path = w.path[:mark]
	}
	for _, r := range d.Req {
		if w.doc.member(n, r) == nil {
			w.add(IssueRequired, "."+r, "missing required element %s", r)
		}
	}
	for _, r := range requiredPrimitives[def] {
		if !hasPrimitive(w.doc.children(n), r) {
			w.add(IssueRequired, "."+r, "missing required element %s", r)
		}
	}
}

// sortByKey sorts the member indexes order by member name.
func sortByKey(order []int32, kids []jnode) {
	if len(order) > 32 {
		slices.SortFunc(order, func(a, b int32) int { return strings.Compare(kids[a].key, kids[b].key) })
		return
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && kids[order[j]].key < kids[order[j-1]].key; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// hasPrimitive reports whether a member holds the primitive name or its
// extension "_name".
func hasPrimitive(kids []jnode, name string) bool {
	for i := range kids {
		k := kids[i].key
		if k == name || len(k) == len(name)+1 && k[0] == '_' && k[1:] == name {
			return true
		}
	}
	return false
}

func (w *walker) element(n *jnode, def, name string, p r4Prop) {
	if !p.A {
		w.value(n, def, name, p)
		return
	}
	if n.kind != jArray {
		w.add(IssueStructure, "", "%s must be an array", name)
		return
	}
	items := w.doc.children(n)
	if len(items) == 0 {
		w.add(IssueStructure, "", "empty array (FHIR forbids empty arrays)")
		return
	}
	for i := range items {
		mark := len(w.path)
		w.path = append(strconv.AppendInt(append(w.path, '['), int64(i), 10), ']')
		w.value(&items[i], def, name, p)
		w.path = w.path[:mark]
	}
}

func (w *walker) value(n *jnode, def, name string, p r4Prop) {
	if n.kind == jNull {
		w.add(IssueStructure, "", "null is not allowed in FHIR JSON")
		return
	}
	if p.T == "ResourceList" {
		w.resource(n)
		return
	}
	if prim, ok := r4().prims[p.T]; ok {
		w.primitive(n, p.T, prim)
		if n.kind == jString && p.E != nil && !slices.Contains(p.E, n.text) {
			w.add(IssueCodeInvalid, "", "%q is not a code of the required value set (%s)", n.text, strings.Join(p.E, ", "))
		}
		return
	}
	if n.kind != jObject {
		w.add(IssueStructure, "", "%s must be a JSON object", name)
		return
	}
	w.object(n, p.T, false)
	switch p.T {
	case "Reference":
		if r := w.doc.member(n, "reference"); r != nil && r.kind == jString && !validReference(r.text) {
			w.add(IssueValue, ".reference", "reference %q is not Type/id, an absolute URL, #id, urn:uuid: or urn:oid:", r.text)
		}
	case "Extension":
		w.extension(n)
	}
}

func (w *walker) primitive(n *jnode, typ string, prim compiledPrim) {
	switch prim.kind {
	case "string":
		if n.kind != jString {
			w.add(IssueStructure, "", "a %s must be a JSON string", typ)
			return
		}
	case "number":
		if n.kind != jNumber {
			w.add(IssueStructure, "", "a %s must be a JSON number", typ)
			return
		}
	case "boolean":
		if n.kind != jBool {
			w.add(IssueStructure, "", "a boolean must be true or false")
		}
		return
	}
	text := n.text
	if prim.match != nil && !prim.match(text) {
		w.add(IssueValue, "", "%q is not a valid %s", text, typ)
		return
	}
	switch typ {
	case "integer", "positiveInt", "unsignedInt":
		// R4 integers are 32-bit signed. The schema's unsignedInt pattern
		// ("^[0]|([1-9][0-9]*)$", anchored on one side only) lets a sign
		// through: an unsignedInt is never negative.
		if _, err := strconv.ParseInt(text, 10, 32); err != nil {
			w.add(IssueValue, "", "%s is out of range for a 32-bit %s", text, typ)
		} else if typ == "unsignedInt" && strings.HasPrefix(text, "-") {
			w.add(IssueValue, "", "%q is not a valid unsignedInt: it must not be negative", text)
		}
	case "date", "dateTime", "instant":
		if _, _, err := parseDateTime(text); err != nil {
			w.add(IssueValue, "", "%q is not a valid %s: %v", text, typ, err)
		}
	}
}

// extension checks ext-1: an extension has either a value[x] or nested
// extensions, never both, and at most one value[x].
func (w *walker) extension(n *jnode) {
	values, nested := 0, false
	for _, k := range w.doc.children(n) {
		if strings.HasPrefix(k.key, "value") {
			values++
		}
		nested = nested || k.key == "extension"
	}
	switch {
	case values > 1:
		w.add(IssueStructure, "", "an extension has at most one value[x]")
	case values == 1 && nested:
		w.add(IssueInvariant, "", "ext-1: an extension must have either extensions or value[x], not both")
	case values == 0 && !nested:
		w.add(IssueInvariant, "", "ext-1: an extension must have either extensions or value[x]")
	}
}

// validReference reports whether s has one of the shapes of
// Reference.reference: "Type/id" (optionally "/_history/vid"), an absolute
// URL, a contained reference "#id", or a urn:uuid:/urn:oid: URN.
func validReference(s string) bool {
	switch {
	case strings.HasPrefix(s, "#"):
		return len(s) > 1 && isID(s[1:])
	case strings.HasPrefix(s, "urn:uuid:"), strings.HasPrefix(s, "urn:oid:"):
		return len(s) > 9 && !strings.ContainsAny(s, " \t\r\n")
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return len(s) > 8 && !strings.ContainsAny(s, " \t\r\n")
	}
	if i := strings.Index(s, "/_history/"); i >= 0 {
		if !isID(s[i+len("/_history/"):]) {
			return false
		}
		s = s[:i]
	}
	typ, id, ok := strings.Cut(s, "/")
	return ok && validTypeName(typ) && isID(id)
}
func validTypeName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
