package fhir

// Hand-written matchers for the R4 primitive patterns that nearly every
// element uses. Each accepts exactly the strings its pattern in r4.json
// accepts (TestPrimitiveMatchersAgreeWithPatterns and
// FuzzPrimitiveMatchers hold them to that) and costs a fraction of a
// regexp match. The rarer primitives keep their regexp.

var primitiveMatchers = map[string]func(string) bool{
	"id":        isID,
	"code":      isCode,
	"string":    isString,
	"markdown":  isString,
	"uri":       hasNoSpace,
	"url":       hasNoSpace,
	"canonical": hasNoSpace,
	"date":      isDate,
	"dateTime":  isDateTime,
	"instant":   isInstant,
	"time":      isTime,
}

// isSpace reports whether c is white space as the patterns' \s means it.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// isID matches ^[A-Za-z0-9\-\.]{1,64}$.
func isID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// isCode matches ^[^\s]+(\s[^\s]+)*$: no leading, trailing or doubled
// white space.
func isCode(s string) bool {
	if len(s) == 0 || isSpace(s[0]) || isSpace(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if isSpace(s[i]) && isSpace(s[i-1]) {
			return false
		}
	}
	return true
}

// isString matches ^[ \r\n\t\S]+$: not empty and no form feed.
func isString(s string) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\f' {
			return false
		}
	}
	return true
}

// hasNoSpace matches ^\S*$ (uri, url, canonical).
func hasNoSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) {
			return false
		}
	}
	return true
}

// isDate matches the date pattern: YYYY, YYYY-MM or YYYY-MM-DD.
func isDate(s string) bool {
	_, n := datePrefix(s)
	return n > 0 && n == len(s)
}

// isDateTime matches the dateTime pattern: a date, or a full date with a
// time and a zone.
func isDateTime(s string) bool {
	parts, n := datePrefix(s)
	return n > 0 && (n == len(s) || parts == 3 && isZonedTime(s[n:]))
}

// isInstant matches the instant pattern: a full date, time and zone.
func isInstant(s string) bool {
	parts, n := datePrefix(s)
	return parts == 3 && isZonedTime(s[n:])
}

// isTime matches the time pattern: hh:mm:ss with optional fractions.
func isTime(s string) bool { return clockLen(s) == len(s) }

// datePrefix returns how many parts (year, month, day) of an R4 date s
// starts with and how many bytes they take: a year is four digits other
// than 0000, a month 01..12, a day 01..31.
func datePrefix(s string) (parts, n int) {
	if len(s) < 4 || !allDigits(s[:4]) || s[:4] == "0000" {
		return 0, 0
	}
	if len(s) < 7 || s[4] != '-' || !inRange(s[5:7], "01", "12") {
		return 1, 4
	}
	if len(s) < 10 || s[7] != '-' || !inRange(s[8:10], "01", "31") {
		return 2, 7
	}
	return 3, 10
}

// isZonedTime matches T, a clock time, and Z or an offset from -14:00 to
// +14:00 (hours 00..13 with any minutes, or exactly 14:00).
func isZonedTime(s string) bool {
	if len(s) < 2 || s[0] != 'T' {
		return false
	}
	n := clockLen(s[1:])
	if n < 0 {
		return false
	}
	z := s[1+n:]
	if z == "Z" {
		return true
	}
	if len(z) != 6 || (z[0] != '+' && z[0] != '-') || z[3] != ':' {
		return false
	}
	return inRange(z[1:3], "00", "13") && inRange(z[4:6], "00", "59") || z[1:] == "14:00"
}

// clockLen returns the length of the clock time s starts with (hh 00..23,
// mm 00..59, ss 00..60, optional fractions), or -1.
func clockLen(s string) int {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' || !inRange(s[:2], "00", "23") || !inRange(s[3:5], "00", "59") ||
		!inRange(s[6:8], "00", "60") {
		return -1
	}
	n := 8
	if n < len(s) && s[n] == '.' {
		j := n + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > n+1 {
			n = j
		}
	}
	return n
}

// inRange reports whether the two digits s lie in [lo, hi].
func inRange(s, lo, hi string) bool { return allDigits(s) && s >= lo && s <= hi }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
