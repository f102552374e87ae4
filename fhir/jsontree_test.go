package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonCases are inputs where a JSON parser can go wrong: escapes,
// surrogates, numbers, duplicate names, nesting, white space, trailing
// data and truncation.
var jsonCases = []string{
	`{}`, `[]`, ` {"a" : [1, -2.5e+3, 0, -0, 1E2, 3.25] } `, `"x"`, `true`, `false`, `null`, `0`, `-1`,
	`{"a":"\"\\\/\b\f\n\r\t\u00e9\u20ac"}`, `{"s":"\ud83d\ude00"}`, `{"s":"\ud83d"}`, `{"s":"\ud83dx"}`,
	`{"s":"\ude00\ud83d"}`, `{"s":"\ud83d\u0041"}`, `{"s":"\uD83D\uDE00"}`, `{"s":"é€😀"}`,
	`{"a":1,"a":2}`, `{"a":1,"b":2,"a":{"c":3}}`, `[[[[[]]]]]`, `{"a":[{"b":[{"c":null}]}]}`,
	`{"a":1} {}`, `{"a":1}]`, `{"a":1} x`, `{"a":1`, `{"a":}`, `{"a" 1}`, `{a:1}`, `{"a":1,}`, `[1,]`, `[,1]`,
	`01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `tru`, `nul`, `"abc`, `"a\x"`, `"a\u12"`, `"a` + "\x01" + `"`,
	"\"\xff\"", `{"a":"b"}` + "\n\t ", "", " ", `{"\u0061":1,"a":2}`, `{"k":"a\u0000b"}`,
}

// parseStd is the reference: encoding/json, decoding into an any with
// numbers as json.Number, and refusing text that is not UTF-8 or holds
// more than one value.
func parseStd(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	if !json.Valid(data) {
		return nil, json.Unmarshal(data, new(any))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// checkParseAgrees fails when parseTree and the reference disagree about
// data: both must accept it (with equal values) or both refuse it.
func checkParseAgrees(t *testing.T, data []byte) {
	t.Helper()
	want, stdErr := parseStd(data)
	doc, err := parseTree(data)
	switch {
	case (err == nil) != (stdErr == nil):
		t.Fatalf("%q: parseTree error %v, encoding/json error %v", data, err, stdErr)
	case err == nil && !reflect.DeepEqual(doc.toAny(&doc.root), want):
		t.Fatalf("%q: parseTree gives %#v, encoding/json %#v", data, doc.toAny(&doc.root), want)
	}
}

func TestParseTreeAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range jsonCases {
		checkParseAgrees(t, []byte(c))
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := parseTree([]byte(deep)); err == nil {
		t.Fatal("nesting deeper than maxDepth accepted")
	}
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	checkParseAgrees(t, []byte(ok))
}

func TestParseTreeDuplicateNames(t *testing.T) {
	// encoding/json keeps the last value of a repeated name; so does the
	// tree, in one member, also for objects too large for a linear search
	var b strings.Builder
	b.WriteString(`{`)
	for i := range 40 {
		b.WriteString(`"k` + string(rune('a'+i%20)) + `":` + string(rune('0'+i/20)) + `,`)
	}
	b.WriteString(`"z":true}`)
	doc, err := parseTree([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(doc.children(&doc.root)); got != 21 {
		t.Fatalf("%d members, want 21", got)
	}
	if m := doc.member(&doc.root, "kc"); m == nil || m.text != "1" {
		t.Fatalf("kc = %+v, want the last value 1", m)
	}
	checkParseAgrees(t, []byte(b.String()))
}

func TestDecodeMalformedIsStructureIssue(t *testing.T) {
	for _, c := range []string{`{"resourceType":"Slot"} ]`, `{"resourceType":"Slot"} x`, "\"\xff\"", `{"a":1,}`} {
		_, err := Decode([]byte(c))
		oo := OutcomeOf(err)
		if oo == nil || len(oo.Issue) != 1 || oo.Issue[0].Code != IssueStructure ||
			!strings.HasPrefix(oo.Issue[0].Diagnostics, "malformed JSON: ") {
			t.Errorf("Decode(%q) = %v, want one malformed-JSON structure issue", c, err)
		}
	}
}

// FuzzParseJSON holds the package's parser to encoding/json: on any input
// both accept the same documents with the same values and refuse the rest.
func FuzzParseJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParseAgrees(t, data)
	})
}
