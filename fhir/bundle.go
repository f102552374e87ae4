package fhir

import (
	"reflect"
	"strings"
)

// Bundle is an R4 Bundle: search results, message Bundles, transactions.
type Bundle struct {
	ID         string        `json:"id"`
	Meta       *Meta         `json:"meta"`
	Identifier *Identifier   `json:"identifier"`
	Type       string        `json:"type"`
	Timestamp  string        `json:"timestamp"`
	Total      *int          `json:"total"`
	Link       []BundleLink  `json:"link"`
	Entry      []BundleEntry `json:"entry"`
	// Other holds the R4 elements not modelled above (implicitRules,
	// language, signature) and primitive extensions, as JSON.
	Other Elements
}

// BundleLink is a link of a Bundle or an entry (relation "self", "next",
// ...).
type BundleLink struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Relation  string      `json:"relation"`
	URL       string      `json:"url"`
	Other     Elements
}

// BundleEntry is one entry of a Bundle.
type BundleEntry struct {
	ID        string          `json:"id"`
	Extension []Extension     `json:"extension"`
	Link      []BundleLink    `json:"link"`
	FullURL   string          `json:"fullUrl"`
	Resource  Resource        `json:"resource"`
	Search    *BundleSearch   `json:"search"`
	Request   *BundleRequest  `json:"request"`
	Response  *BundleResponse `json:"response"`
	Other     Elements
}

// BundleSearch is Bundle.entry.search: why the entry is in a searchset.
type BundleSearch struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Mode      string      `json:"mode"`
	Other     Elements
}

// BundleRequest is Bundle.entry.request of a batch or transaction.
type BundleRequest struct {
	ID          string      `json:"id"`
	Extension   []Extension `json:"extension"`
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	IfMatch     string      `json:"ifMatch"`
	IfNoneExist string      `json:"ifNoneExist"`
	Other       Elements
}

// BundleResponse is Bundle.entry.response of a batch or transaction
// response.
type BundleResponse struct {
	ID           string      `json:"id"`
	Extension    []Extension `json:"extension"`
	Status       string      `json:"status"`
	Location     string      `json:"location"`
	Etag         string      `json:"etag"`
	LastModified string      `json:"lastModified"`
	Outcome      Resource    `json:"outcome"`
	Other        Elements
}

// ResourceType returns "Bundle".
func (*Bundle) ResourceType() string { return "Bundle" }

// Search modes of Bundle.entry.search.mode.
const (
	SearchModeMatch   = "match"
	SearchModeInclude = "include"
	SearchModeOutcome = "outcome"
)

// NewSearchset returns a searchset Bundle with Total set to total (the
// number of matches over all pages) and, when next is not empty, a "next"
// link. Add entries with AddMatch, AddInclude and AddOutcome.
func NewSearchset(total int, next string) *Bundle {
	b := &Bundle{Type: "searchset", Total: &total}
	if next != "" {
		b.Link = append(b.Link, BundleLink{Relation: "next", URL: next})
	}
	return b
}

// AddMatch appends r as a search match; its fullUrl is base/Type/id (base
// is the server's FHIR base URL without a trailing slash).
func (b *Bundle) AddMatch(base string, r Resource) *Bundle {
	return b.add(base, r, SearchModeMatch)
}

// AddInclude appends r as a resource included by _include.
func (b *Bundle) AddInclude(base string, r Resource) *Bundle {
	return b.add(base, r, SearchModeInclude)
}

// AddOutcome appends an OperationOutcome with warnings or information about
// the search.
func (b *Bundle) AddOutcome(oo *OperationOutcome) *Bundle {
	return b.add("", oo, SearchModeOutcome)
}

func (b *Bundle) add(base string, r Resource, mode string) *Bundle {
	e := BundleEntry{Resource: r, Search: &BundleSearch{Mode: mode}}
	if id := ResourceID(r); id != "" && base != "" {
		e.FullURL = strings.TrimSuffix(base, "/") + "/" + r.ResourceType() + "/" + id
	}
	b.Entry = append(b.Entry, e)
	return b
}

// LinkURL returns the URL of the link with the given relation, or "".
func (b *Bundle) LinkURL(relation string) string {
	for _, l := range b.Link {
		if l.Relation == relation {
			return l.URL
		}
	}
	return ""
}

// Resources returns the resources of the entries, in order, skipping
// entries without one.
func (b *Bundle) Resources() []Resource {
	var rs []Resource
	for _, e := range b.Entry {
		if e.Resource != nil {
			rs = append(rs, e.Resource)
		}
	}
	return rs
}

// ResourceID returns the logical id of r, or "".
func ResourceID(r Resource) string {
	v := reflect.ValueOf(r)
	if r == nil || v.Kind() != reflect.Pointer || v.IsNil() {
		return ""
	}
	f := v.Elem().FieldByName("ID")
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}
