package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the one JSON parser of the package. Decode parses its
// input once into a jdoc, checks the tree against R4 (walker, r4.go) and
// copies it into the Go types (filler, codec.go). The tree is compact: one
// string holds the text, strings without escapes and numbers are slices of
// it, and the children of every object and array lie side by side in one
// slice, so a document costs a handful of allocations instead of one per
// value. It accepts exactly what encoding/json accepts; duplicate member
// names keep the last value, as encoding/json does when it decodes into a
// map.

// jkind is the JSON type of a jnode.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jnode is one JSON value. Objects and arrays keep their children in
// jdoc.kids[first:first+n]; an object's children carry their member name
// in key.
type jnode struct {
	kind  jkind
	truth bool   // the value of a jBool
	text  string // the unescaped value of a jString, the literal of a jNumber
	key   string // the member name, for a child of an object
	first int32
	n     int32
}

// jdoc is a parsed JSON document. Its strings share memory with the text
// parsed; copy them (strings.Clone) before keeping them beyond the document.
type jdoc struct {
	root jnode
	kids []jnode
}

// children returns the members of an object or the items of an array.
func (d *jdoc) children(n *jnode) []jnode { return d.kids[n.first : n.first+n.n] }

// member returns the member of object n named key, or nil.
func (d *jdoc) member(n *jnode, key string) *jnode {
	if n.kind != jObject {
		return nil
	}
	kids := d.children(n)
	for i := range kids {
		if kids[i].key == key {
			return &kids[i]
		}
	}
	return nil
}

// maxDepth bounds the nesting of arrays and objects, as encoding/json does.
const maxDepth = 10000

// parseJSON parses data, which must hold exactly one JSON value (with
// optional white space around it) in UTF-8. A failure is an *OutcomeError
// with one structure issue.
func parseJSON(data []byte) (*jdoc, error) {
	doc, err := parseTree(data)
	if err != nil {
		return nil, newOutcomeError([]OperationOutcomeIssue{newIssue(IssueStructure, "", "malformed JSON: %v", err)})
	}
	return doc, nil
}

func parseTree(data []byte) (*jdoc, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	// FHIR JSON as people write it takes some 20 to 40 bytes a value
	p := jparser{src: string(data), doc: &jdoc{kids: make([]jnode, 0, len(data)/24+8)}, stack: make([]jnode, 0, 16)}
	p.skipSpace()
	root, err := p.value()
	if err != nil {
		return nil, err
	}
	p.doc.root = root
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, fmt.Errorf("data after the JSON value at offset %d", p.pos)
	}
	return p.doc, nil
}

type jparser struct {
	src   string
	pos   int
	depth int
	doc   *jdoc
	stack []jnode // children of the open containers, innermost last
}

func (p *jparser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) fail(what string) error {
	if p.pos >= len(p.src) {
		return errors.New("unexpected end of JSON input")
	}
	c, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return fmt.Errorf("invalid character %q %s at offset %d", c, what, p.pos)
}

// value parses the value at p.pos.
func (p *jparser) value() (n jnode, err error) {
	if p.pos >= len(p.src) {
		return n, p.fail("")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		err = p.container(&n, jObject, '}')
	case c == '[':
		err = p.container(&n, jArray, ']')
	case c == '"':
		n.kind = jString
		n.text, err = p.str()
	case c == '-' || c >= '0' && c <= '9':
		err = p.number(&n)
	case strings.HasPrefix(p.src[p.pos:], "true"):
		n.kind, n.truth = jBool, true
		p.pos += 4
	case strings.HasPrefix(p.src[p.pos:], "false"):
		n.kind = jBool
		p.pos += 5
	case strings.HasPrefix(p.src[p.pos:], "null"):
		n.kind = jNull
		p.pos += 4
	default:
		err = p.fail("looking for beginning of value")
	}
	return n, err
}

// container parses an object or an array; its children go to the stack
// while it is open and to doc.kids, side by side, when it closes.
func (p *jparser) container(n *jnode, kind jkind, end byte) error {
	p.depth++
	if p.depth > maxDepth {
		return errors.New("exceeded max depth")
	}
	p.pos++
	mark := len(p.stack)
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == end {
		p.pos++
	} else {
		for {
			key := ""
			if kind == jObject {
				if p.pos >= len(p.src) || p.src[p.pos] != '"' {
					return p.fail("looking for beginning of object key string")
				}
				var err error
				if key, err = p.str(); err != nil {
					return err
				}
				p.skipSpace()
				if p.pos >= len(p.src) || p.src[p.pos] != ':' {
					return p.fail("after object key")
				}
				p.pos++
				p.skipSpace()
			}
			kid, err := p.value()
			if err != nil {
				return err
			}
			kid.key = key
			p.stack = append(p.stack, kid)
			p.skipSpace()
			if p.pos < len(p.src) && p.src[p.pos] == ',' {
				p.pos++
				p.skipSpace()
				continue
			}
			if p.pos < len(p.src) && p.src[p.pos] == end {
				p.pos++
				break
			}
			if kind == jObject {
				return p.fail("after object key:value pair")
			}
			return p.fail("after array element")
		}
	}
	kids := p.stack[mark:]
	if kind == jObject {
		kids = dedupe(kids)
	}
	n.kind, n.first, n.n = kind, int32(len(p.doc.kids)), int32(len(kids))
	p.doc.kids = append(p.doc.kids, kids...)
	p.stack = p.stack[:mark]
	p.depth--
	return nil
}

// dedupe drops the earlier of two members with the same name, keeping the
// first one's place and the last one's value.
func dedupe(kids []jnode) []jnode {
	if len(kids) < 2 {
		return kids
	}
	var seen map[string]int
	if len(kids) > 32 {
		seen = make(map[string]int, len(kids))
	}
	out := kids[:0]
	for _, k := range kids {
		j := -1
		if seen != nil {
			if i, ok := seen[k.key]; ok {
				j = i
			}
		} else {
			for i := range out {
				if out[i].key == k.key {
					j = i
					break
				}
			}
		}
		if j >= 0 {
			out[j] = k
			continue
		}
		if seen != nil {
			seen[k.key] = len(out)
		}
		out = append(out, k)
	}
	return out
}

// number parses a JSON number; its text is kept as written.
func (p *jparser) number(n *jnode) error {
	s, start := p.src, p.pos
	i := start
	if s[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		digits()
	default:
		p.pos = i
		return p.fail("in numeric literal")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			p.pos = i
			return p.fail("after decimal point in numeric literal")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			p.pos = i
			return p.fail("in exponent of numeric literal")
		}
	}
	n.kind, n.text = jNumber, s[start:i]
	p.pos = i
	return nil
}

// str parses the string starting at the quote at p.pos. Without escapes the
// result is a slice of the source; with them, a new string decoded the way
// encoding/json decodes it (a lone surrogate becomes U+FFFD).
func (p *jparser) str() (string, error) {
	s := p.src
	start := p.pos + 1
	i := start
	for i < len(s) {
		c := s[i]
		if c == '"' {
			p.pos = i + 1
			return s[start:i], nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			p.pos = i
			return "", p.fail("in string literal")
		}
		i++
	}
	b := make([]byte, 0, i-start+16)
	b = append(b, s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(b), nil
		case c < 0x20:
			p.pos = i
			return "", p.fail("in string literal")
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(s, i+2)
			if r < 0 {
				p.pos = i + 2
				return "", p.fail("in \\u hexadecimal character escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if s2 := hex4(s, i+2); i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' && s2 >= 0 {
					if d := utf16.DecodeRune(r, s2); d != utf8.RuneError {
						i += 6
						b = utf8.AppendRune(b, d)
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			p.pos = i + 1
			return "", p.fail("in string escape code")
		}
		i += 2
	}
	p.pos = len(s)
	return "", p.fail("")
}

// hex4 returns the value of the four hex digits at s[i:], or -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// toAny converts n to the values encoding/json decodes into an any (with
// numbers as json.Number).
func (d *jdoc) toAny(n *jnode) any {
	switch n.kind {
	case jBool:
		return n.truth
	case jNumber:
		return json.Number(n.text)
	case jString:
		return n.text
	case jArray:
		kids := d.children(n)
		out := make([]any, len(kids))
		for i := range kids {
			out[i] = d.toAny(&kids[i])
		}
		return out
	case jObject:
		kids := d.children(n)
		out := make(map[string]any, len(kids))
		for i := range kids {
			out[kids[i].key] = d.toAny(&kids[i])
		}
		return out
	}
	return nil
}
