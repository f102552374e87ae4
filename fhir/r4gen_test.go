package fhir

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite r4.json from testdata/fhir.schema.json")

// buildR4Table derives the structural table the package embeds (r4.json)
// from the official R4 JSON schema: every definition reachable from the
// resources the package types, with each property's type, array-ness and
// required codes, and the pattern of every primitive.
func buildR4Table(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/fhir.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type prop struct {
		Ref   string   `json:"$ref"`
		Type  string   `json:"type"`
		Items *prop    `json:"items"`
		Enum  []string `json:"enum"`
		Const string   `json:"const"`
		Pat   string   `json:"pattern"`
	}
	type def struct {
		Properties map[string]prop `json:"properties"`
		Required   []string        `json:"required"`
		Pattern    string          `json:"pattern"`
		Type       string          `json:"type"`
	}
	var schema struct {
		Definitions map[string]def `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	defs := schema.Definitions
	prims := map[string]r4Prim{}
	byPattern := map[string]string{}
	var primNames []string
	for name, d := range defs {
		if d.Properties == nil && name != "ResourceList" {
			primNames = append(primNames, name)
		}
	}
	sort.Strings(primNames)
	for _, name := range primNames {
		d := defs[name]
		typ := d.Type
		if typ == "" {
			typ = "string" // xhtml
		}
		prims[name] = r4Prim{T: typ, P: d.Pattern}
		if _, ok := byPattern[d.Type+d.Pattern]; !ok && d.Pattern != "" {
			byPattern[d.Type+d.Pattern] = name
		}
	}
	refName := func(pname string, p prop) string {
		switch {
		case p.Ref != "":
			return strings.TrimPrefix(p.Ref, "#/definitions/")
		case p.Enum != nil:
			return "code"
		case p.Pat != "":
			if n, ok := byPattern[p.Type+p.Pat]; ok {
				return n
			}
			// a pattern the schema gives only inline (valueBase64Binary):
			// a primitive of its own, named after the type
			n := strings.ToLower(pname[5:6]) + pname[6:] + "-inline"
			if !strings.HasPrefix(pname, "value") {
				t.Fatalf("%s: no primitive with pattern %q", pname, p.Pat)
			}
			prims[n] = r4Prim{T: p.Type, P: p.Pat}
			return n
		}
		return ""
	}
	out := r4Table{Prim: prims, Defs: map[string]r4Def{}}
	queue := []string{"Element"}
	for name := range resourceFactories {
		queue = append(queue, name)
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := out.Defs[name]; done || prims[name].T != "" || name == "ResourceList" {
			continue
		}
		d, ok := defs[name]
		if !ok {
			t.Fatalf("schema has no definition %s", name)
		}
		rd := r4Def{P: map[string]r4Prop{}}
		for _, r := range d.Required {
			if r != "resourceType" {
				rd.Req = append(rd.Req, r)
			}
		}
		for pname, p := range d.Properties {
			if p.Const != "" {
				continue
			}
			rp := r4Prop{}
			if p.Type == "array" && p.Items != nil {
				rp.A = true
				p = *p.Items
			}
			rp.T = refName(pname, p)
			rp.E = p.Enum
			if slices.Contains(rp.E, "4.0.0") && !slices.Contains(rp.E, "4.0.1") {
				// the schema's FHIRVersion codes stop at 4.0.0, a known
				// defect: 4.0.1 is the version of R4 itself
				rp.E = append(slices.Clip(rp.E), "4.0.1")
			}
			if rp.T == "" {
				t.Fatalf("%s.%s: cannot type property", name, pname)
			}
			rd.P[pname] = rp
			queue = append(queue, rp.T)
		}
		out.Defs[name] = rd
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestR4TableMatchesSchema(t *testing.T) {
	want := buildR4Table(t)
	if *update {
		if err := os.WriteFile("r4.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(want, r4JSON) {
		t.Fatal("r4.json is stale: run go test -run TestR4TableMatchesSchema -update")
	}
}
