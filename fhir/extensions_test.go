package fhir

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// extensionURLs are the URLs of every extension openslot emits: the model's
// (package scheduling), the root package's and this package's own.
var extensionURLs = []string{
	scheduling.ExtPaymentMode, scheduling.ExtChannel, scheduling.ExtWorkType, scheduling.ExtSourceSystem,
	scheduling.ExtHeldUntil, scheduling.ExtTimeZone, scheduling.ExtSlotActor, scheduling.ExtAvailability,
	scheduling.ExtSlotPolicy, scheduling.ExtServicePolicy,
	openslot.ExtWaitlistSchedule,
	ExtPreviousPeriod, ExtCoarseEvent,
}

// TestExtensionConstantsAreDefined finds every extension URL constant
// declared in the module's library code (a const whose value is
// ExtBase/ExtensionBase + "name") and requires a StructureDefinition and a
// section of docs/fhir-extensions.md for each, so that a new constant
// without them fails here.
func TestExtensionConstantsAreDefined(t *testing.T) {
	declared := declaredExtensions(t, "..")
	if len(declared) == 0 {
		t.Fatal("found no extension constants in the module: the scan is broken")
	}
	sds := StructureDefinitions()
	doc, err := os.ReadFile(filepath.Join("..", "docs", "fhir-extensions.md"))
	if err != nil {
		t.Fatal(err)
	}
	headings := docHeadings(string(doc))
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		url := ExtensionBase + name
		if _, ok := sds[url]; !ok {
			t.Errorf("%s (declared in %s) has no StructureDefinition in structuredefinitions/%s.json", url, declared[name], name)
		}
		if !slices.Contains(headings, name) {
			t.Errorf("%s (declared in %s) has no section in docs/fhir-extensions.md", url, declared[name])
		}
		if !strings.Contains(string(doc), `"url": "`+url+`"`) {
			t.Errorf("docs/fhir-extensions.md has no JSON example of %s", url)
		}
		if !slices.Contains(extensionURLs, url) {
			t.Errorf("%s (declared in %s) is missing from extensionURLs", url, declared[name])
		}
	}
	for url := range sds {
		if declared[strings.TrimPrefix(url, ExtensionBase)] == "" {
			t.Errorf("StructureDefinition %s belongs to no extension constant", url)
		}
	}
	for _, url := range extensionURLs {
		if declared[strings.TrimPrefix(url, ExtensionBase)] == "" {
			t.Errorf("the scan missed the constant of %s", url)
		}
	}
}

// TestEmittedExtensionsAreDefined collects the extension URLs of what the
// package writes (resources with every model extension, a reschedule
// notification) and requires a StructureDefinition for each.
func TestEmittedExtensionsAreDefined(t *testing.T) {
	appt := fullAppointment()
	appt.Extension = []scheduling.Extension{
		rawExt(t, scheduling.ExtTimeZone, `"valueCode":"Europe/Vienna"`),
		rawExt(t, scheduling.ExtSlotActor, `"extension":[{"url":"slot","valueReference":{"reference":"Slot/x1"}},`+
			`{"url":"actor","valueReference":{"reference":"Practitioner/p1"}}]`),
	}
	waiting := fullAppointment()
	waiting.Status, waiting.HeldUntil = scheduling.AppointmentWaitlist, time.Time{}
	waiting.Extension = []scheduling.Extension{rawExt(t, openslot.ExtWaitlistSchedule, `"valueReference":{"reference":"Schedule/s1"}`)}
	msg, err := NewMessage(msgEvent(scheduling.EventRescheduled), MessageOptions{Source: "https://fhir.example"})
	if err != nil {
		t.Fatal(err)
	}
	emitted := map[string]bool{}
	for _, r := range []Resource{FromSchedule(fullSchedule()), FromAppointment(appt), FromAppointment(waiting), msg} {
		var doc any
		if err := json.Unmarshal(mustMarshalT(t, r), &doc); err != nil {
			t.Fatal(err)
		}
		extensionURLsIn(doc, emitted)
	}
	sds := StructureDefinitions()
	for _, url := range extensionURLs {
		if !emitted[url] {
			t.Errorf("%s was not emitted: the fixture does not cover it", url)
		}
	}
	for url := range emitted {
		if _, ok := sds[url]; !ok {
			t.Errorf("%s is emitted but has no StructureDefinition", url)
		}
	}
}

// rawExt is a model extension kept as JSON.
func rawExt(t *testing.T, url, members string) scheduling.Extension {
	t.Helper()
	data := []byte(`{"url":` + strconv.Quote(url) + `,` + members + `}`)
	if !json.Valid(data) {
		t.Fatalf("bad extension JSON %s", data)
	}
	return scheduling.Extension{URL: url, JSON: data}
}

// extensionURLsIn adds the url of every openslot extension in a decoded
// JSON document (sub-extensions have plain names and are skipped).
func extensionURLsIn(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "extension" {
				es, _ := x.([]any)
				for _, e := range es {
					if u, _ := e.(map[string]any)["url"].(string); strings.HasPrefix(u, ExtensionBase) {
						into[u] = true
					}
				}
			}
			extensionURLsIn(x, into)
		}
	case []any:
		for _, x := range v {
			extensionURLsIn(x, into)
		}
	}
}

// declaredExtensions parses the non-test Go files of the module under root
// (not examples or testdata) and returns the names of the extension URL
// constants, with where each is declared.
func declaredExtensions(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "examples" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					if name, ok := extensionName(v); ok {
						rel, _ := filepath.Rel(root, path)
						out[name] = rel + ": " + vs.Names[i].Name
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// extensionName returns "name" for the expression ExtBase + "name" (or
// ExtensionBase, either qualified by a package).
func extensionName(e ast.Expr) (string, bool) {
	be, ok := e.(*ast.BinaryExpr)
	if !ok || be.Op != token.ADD {
		return "", false
	}
	var base string
	switch x := be.X.(type) {
	case *ast.Ident:
		base = x.Name
	case *ast.SelectorExpr:
		base = x.Sel.Name
	}
	lit, ok := be.Y.(*ast.BasicLit)
	if (base != "ExtBase" && base != "ExtensionBase") || !ok || lit.Kind != token.STRING {
		return "", false
	}
	name, err := strconv.Unquote(lit.Value)
	return name, err == nil
}

// docHeadings returns the names of the "## a, b, c" headings of a
// Markdown document.
func docHeadings(doc string) []string {
	var out []string
	for line := range strings.Lines(doc) {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			for name := range strings.SplitSeq(h, ",") {
				out = append(out, strings.TrimSpace(name))
			}
		}
	}
	return out
}

// TestDocExamplesDecode decodes every JSON example of
// docs/fhir-extensions.md inside a minimal resource of the extension's
// context and maps it to the model, so that the documentation shows only
// what the package accepts.
func TestDocExamplesDecode(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "fhir-extensions.md"))
	if err != nil {
		t.Fatal(err)
	}
	skeletons := map[string]string{
		"Appointment": `{"resourceType":"Appointment","status":"booked","start":"2026-03-02T09:00:00Z","end":"2026-03-02T09:30:00Z",` +
			`"participant":[{"actor":{"reference":"Patient/p1"},"status":"accepted"}]`,
		"Slot": `{"resourceType":"Slot","schedule":{"reference":"Schedule/s1"},"status":"busy-tentative",` +
			`"start":"2026-03-02T09:00:00Z","end":"2026-03-02T09:30:00Z"`,
		"Schedule":      `{"resourceType":"Schedule","actor":[{"reference":"Practitioner/d1"}]`,
		"MessageHeader": `{"resourceType":"MessageHeader","eventUri":"` + EventURIUpdated + `","source":{"endpoint":"https://fhir.example"}`,
	}
	sds := StructureDefinitions()
	seen := map[string]bool{}
	rest := string(doc)
	for {
		_, after, ok := strings.Cut(rest, "```json\n")
		if !ok {
			break
		}
		block, tail, _ := strings.Cut(after, "```")
		rest = tail
		dec := json.NewDecoder(strings.NewReader(block))
		for dec.More() {
			var ext json.RawMessage
			if err := dec.Decode(&ext); err != nil {
				t.Fatalf("docs example is not JSON: %v\n%s", err, block)
			}
			var head struct {
				URL string `json:"url"`
			}
			_ = json.Unmarshal(ext, &head)
			var sd struct {
				Context []struct {
					Expression string `json:"expression"`
				} `json:"context"`
			}
			if err := json.Unmarshal(sds[head.URL], &sd); err != nil || len(sd.Context) == 0 {
				t.Errorf("docs example of %q: no StructureDefinition with a context", head.URL)
				continue
			}
			seen[head.URL] = true
			for _, c := range sd.Context {
				data := skeletons[c.Expression] + `,"extension":[` + string(ext) + `]}`
				r, err := Decode([]byte(data))
				if err != nil {
					t.Errorf("docs example of %s on %s: %v", head.URL, c.Expression, err)
					continue
				}
				if c.Expression == "MessageHeader" {
					continue
				}
				if _, err := ToModel(r); err != nil {
					t.Errorf("docs example of %s on %s does not map: %v", head.URL, c.Expression, err)
				}
			}
		}
	}
	for _, url := range extensionURLs {
		if !seen[url] {
			t.Errorf("docs/fhir-extensions.md has no example of %s", url)
		}
	}
}
