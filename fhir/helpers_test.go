package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// r4Compiler loads the official R4 JSON schema once per test binary.
var r4Compiler = sync.OnceValues(func() (*jsonschema.Compiler, error) {
	f, err := os.Open("testdata/fhir.schema.json")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///fhir.schema.json", doc); err != nil {
		return nil, err
	}
	return c, nil
})

var (
	schemaMu sync.Mutex
	schemas  = map[string]*jsonschema.Schema{}
)

// schemaCheck reports whether data validates against the R4 JSON schema:
// against the definition its resourceType names, which is the branch of the
// schema's top-level oneOf that applies and gives readable errors.
func schemaCheck(data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	rt, _ := inst.(map[string]any)["resourceType"].(string)
	schemaMu.Lock()
	defer schemaMu.Unlock()
	sch, ok := schemas[rt]
	if !ok {
		c, err := r4Compiler()
		if err != nil {
			return err
		}
		if sch, err = c.Compile("file:///fhir.schema.json#/definitions/" + rt); err != nil {
			return err
		}
		schemas[rt] = sch
	}
	return sch.Validate(inst)
}

func assertSchemaValid(t testing.TB, data []byte) {
	t.Helper()
	if raceEnabled {
		return
	}
	if err := schemaCheck(data); err != nil {
		t.Fatalf("output does not validate against the R4 schema: %v\n%s", err, data)
	}
}

func tree(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return v
}

// assertSameJSON compares two JSON documents as parsed trees.
func assertSameJSON(t testing.TB, want, got []byte) {
	t.Helper()
	if d := cmp.Diff(tree(t, want), tree(t, got)); d != "" {
		t.Fatalf("JSON differs (-want +got):\n%s", d)
	}
}

func mustDecode(t testing.TB, data []byte) Resource {
	t.Helper()
	r, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return r
}

func mustMarshalT(t testing.TB, r Resource) []byte {
	t.Helper()
	b, err := Marshal(r)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return b
}
