package store

import "strings"

// NormalizeName is how name terms are written: lower case with surrounding
// spaces removed. Build a name search term as Term("name", NormalizeName(s)).
func NormalizeName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
