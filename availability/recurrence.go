package availability

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/teambition/rrule-go"
)

// recurrence answers "does the window occur on this local date?" for one
// rule. Dates are day numbers (days since 1970-01-01). rrule-go is used for
// day-level expansion only, in UTC at midnight, so DST never reaches it.
//
// Simple DAILY and WEEKLY rules are periodic: their occurrences within one
// period are computed once at Compile and looked up arithmetically. Other
// rules with COUNT are expanded once at Compile. The rest are expanded per
// calendar year on demand, from a start re-anchored near that year (so the
// cost never grows with the rule's age), and cached; the cache is the only
// mutable state and is guarded by a mutex.
type recurrence struct {
	kind   recKind
	first  int64 // first day the RRULE may yield (StartDate)
	until  int64 // last day the RRULE may yield (inclusive)
	period int64 // recPeriodic: length of the pattern in days
	// pattern[i] reports an occurrence on first+i (mod period).
	pattern  []bool
	weekdays [7]bool // recWeekdays, indexed by time.Weekday
	list     []int64 // recList: every occurrence, ascending
	rdates   []int64 // ascending
	exdates  []int64 // ascending

	opt   rrule.ROption // recGeneral: normalised options (defaults explicit)
	mu    sync.Mutex
	years map[int][]int64 // recGeneral: occurrences per calendar year
	never bool            // recGeneral: the RRULE yields no date at all
}

type recKind uint8

const (
	recNone     recKind = iota // only RDATEs (and StartDate without RRULE)
	recPeriodic                // simple DAILY/WEEKLY
	recWeekdays                // FHIR availableTime days of week
	recList                    // precomputed (COUNT)
	recGeneral                 // lazily expanded per year
)

func dateDay(d scheduling.Date) int64 { return daysFromCivil(d.Year, d.Month, d.Day) }

func dayTime(day int64) time.Time {
	y, m, d := civilFromDays(day)
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// validDate reports whether d is a real calendar date in a supported range.
func validDate(d scheduling.Date) error {
	if d.Year < 1900 || d.Year > 9999 {
		return fmt.Errorf("date %s is outside the years 1900-9999", d)
	}
	y, m, dd := civilFromDays(dateDay(d))
	if y != d.Year || m != d.Month || dd != d.Day {
		return fmt.Errorf("date %s does not exist", d)
	}
	return nil
}

// parseRRule parses the RRULE text of a rule starting on start (a day
// number) into a recurrence. Only day-level recurrence is accepted.
func parseRRule(text string, start int64) (*recurrence, error) {
	text = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(text)), "RRULE:")
	if strings.ContainsAny(text, "\r\n") {
		return nil, errors.New("must be a single RRULE value without DTSTART")
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(text, ";") {
		key, value, ok := strings.Cut(part, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("%q is not NAME=VALUE", part)
		}
		switch key {
		case "DTSTART":
			return nil, errors.New("DTSTART is not allowed; use StartDate")
		case "BYHOUR", "BYMINUTE", "BYSECOND":
			return nil, fmt.Errorf("%s is not supported; a rule recurs by day and the window gives the times", key)
		case "BYEASTER":
			return nil, errors.New("BYEASTER is not part of RFC 5545")
		case "BYDAY":
			// rrule-go reads an ordinal 0 as no ordinal.
			for _, wd := range strings.Split(value, ",") {
				if n, err := strconv.Atoi(wd[:max(len(wd)-2, 0)]); err == nil && n == 0 {
					return nil, fmt.Errorf("BYDAY=%s: an ordinal must be 1 to 53 or -1 to -53", wd)
				}
			}
		}
		if seen[key] {
			return nil, fmt.Errorf("%s appears twice", key)
		}
		seen[key] = true
	}
	opt, err := rrule.StrToROption(text)
	if err != nil {
		return nil, err
	}
	switch opt.Freq {
	case rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY:
	default:
		return nil, fmt.Errorf("FREQ=%s is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY", opt.Freq)
	}
	if opt.Interval < 0 || (seen["INTERVAL"] && opt.Interval == 0) {
		return nil, errors.New("INTERVAL must be a positive integer")
	}
	if opt.Interval == 0 {
		opt.Interval = 1
	}
	if opt.Interval > 10000 {
		return nil, errors.New("INTERVAL must be at most 10000")
	}
	if opt.Count < 0 || (seen["COUNT"] && opt.Count == 0) {
		return nil, errors.New("COUNT must be a positive integer")
	}
	if seen["COUNT"] && seen["UNTIL"] {
		return nil, errors.New("COUNT and UNTIL must not both be given")
	}
	for _, w := range opt.Byweekday {
		if w.N() != 0 && opt.Freq != rrule.MONTHLY && opt.Freq != rrule.YEARLY {
			return nil, fmt.Errorf("BYDAY=%s: an ordinal needs FREQ=MONTHLY or YEARLY", w)
		}
		if w.N() != 0 && seen["BYWEEKNO"] {
			return nil, fmt.Errorf("BYDAY=%s: an ordinal must not be used with BYWEEKNO", w)
		}
		// rrule-go panics on an ordinal past the fifth weekday of a month.
		if (w.N() > 5 || w.N() < -5) && (opt.Freq == rrule.MONTHLY || seen["BYMONTH"]) {
			return nil, fmt.Errorf("BYDAY=%s: an ordinal within a month must be 1 to 5 or -1 to -5", w)
		}
	}
	// The rule-part combinations RFC 5545 (3.3.10) forbids.
	switch {
	case seen["BYWEEKNO"] && opt.Freq != rrule.YEARLY:
		return nil, errors.New("BYWEEKNO needs FREQ=YEARLY")
	case seen["BYYEARDAY"] && opt.Freq != rrule.YEARLY:
		return nil, fmt.Errorf("BYYEARDAY must not be used with FREQ=%s", opt.Freq)
	case seen["BYMONTHDAY"] && opt.Freq == rrule.WEEKLY:
		return nil, errors.New("BYMONTHDAY must not be used with FREQ=WEEKLY")
	case seen["BYSETPOS"] && !seen["BYDAY"] && !seen["BYMONTHDAY"] && !seen["BYMONTH"] &&
		!seen["BYYEARDAY"] && !seen["BYWEEKNO"]:
		return nil, errors.New("BYSETPOS needs another BY rule part")
	}
	rec := &recurrence{first: start, until: maxDay + 1}
	if !opt.Until.IsZero() {
		// UNTIL is read as the local date it names.
		y, m, d := opt.Until.Date()
		rec.until = daysFromCivil(y, m, d)
	}
	opt.Until = time.Time{}
	opt.Dtstart = dayTime(start)
	normalize(opt)
	if _, err := rrule.NewRRule(*opt); err != nil {
		return nil, err
	}
	rec.opt = *opt
	if err := rec.prepare(seen); err != nil {
		return nil, err
	}
	return rec, nil
}

// normalize makes rrule-go's implicit defaults (taken from DTSTART) explicit,
// so that the rule may be re-anchored at a later DTSTART without changing
// its meaning.
func normalize(o *rrule.ROption) {
	if len(o.Byweekno) != 0 || len(o.Byyearday) != 0 || len(o.Bymonthday) != 0 ||
		len(o.Byweekday) != 0 || len(o.Byeaster) != 0 {
		return
	}
	switch o.Freq {
	case rrule.YEARLY:
		if len(o.Bymonth) == 0 {
			o.Bymonth = []int{int(o.Dtstart.Month())}
		}
		o.Bymonthday = []int{o.Dtstart.Day()}
	case rrule.MONTHLY:
		o.Bymonthday = []int{o.Dtstart.Day()}
	case rrule.WEEKLY:
		o.Byweekday = []rrule.Weekday{[...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH,
			rrule.FR, rrule.SA}[o.Dtstart.Weekday()]}
	}
}

// prepare chooses the evaluation strategy and precomputes what it needs.
func (r *recurrence) prepare(seen map[string]bool) error {
	o := &r.opt
	simple := !seen["COUNT"] && len(o.Bysetpos) == 0 && len(o.Bymonth) == 0 && len(o.Bymonthday) == 0 &&
		len(o.Byyearday) == 0 && len(o.Byweekno) == 0 && len(o.Byeaster) == 0
	switch {
	case simple && o.Freq == rrule.DAILY && len(o.Byweekday) == 0:
		r.period = int64(o.Interval)
	case simple && o.Freq == rrule.DAILY:
		r.period = lcm(int64(o.Interval), 7)
	case simple && o.Freq == rrule.WEEKLY:
		r.period = 7 * int64(o.Interval)
	}
	if r.period > 0 && r.period <= 7000 {
		r.kind = recPeriodic
		r.pattern = make([]bool, r.period)
		for _, day := range expand(*o, r.first, r.first+r.period-1) {
			r.pattern[day-r.first] = true
		}
		return nil
	}
	if seen["COUNT"] {
		r.kind = recList
		r.list = expand(*o, r.first, min(r.until, maxDay+1))
		return nil
	}
	r.kind = recGeneral
	rr, err := rrule.NewRRule(*o)
	if err != nil {
		return err
	}
	if rr.After(dayTime(r.first), true).IsZero() {
		r.never = true
	}
	r.years = map[int][]int64{}
	return nil
}

func lcm(a, b int64) int64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// expand returns the days in [from, to] that the options yield.
func expand(o rrule.ROption, from, to int64) []int64 {
	o.Until = dayTime(to)
	rr, err := rrule.NewRRule(o)
	if err != nil {
		return nil
	}
	ts := rr.Between(dayTime(from), dayTime(to), true)
	days := make([]int64, 0, len(ts))
	for _, t := range ts {
		y, m, d := t.Date()
		days = append(days, daysFromCivil(y, m, d))
	}
	return days
}

// yearDays returns the occurrences of a recGeneral rule in calendar year y.
func (r *recurrence) yearDays(y int) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if days, ok := r.years[y]; ok {
		return days
	}
	from := daysFromCivil(y, time.January, 1)
	to := daysFromCivil(y+1, time.January, 1) - 1
	var days []int64
	if !r.never && to >= r.first && from <= r.until {
		from = max(from, r.first)
		to = min(to, r.until)
		o := r.opt
		o.Dtstart = dayTime(r.anchor(from))
		days = expand(o, from, to)
	}
	r.years[y] = days
	return days
}

// anchor returns a DTSTART no later than day from which the rule yields
// exactly the dates the original rule yields from day on: the start of the
// rule's period (INTERVAL-aligned) that contains day.
func (r *recurrence) anchor(day int64) int64 {
	n := int64(r.opt.Interval)
	switch r.opt.Freq {
	case rrule.DAILY:
		return r.first + floorDiv(day-r.first, n)*n
	case rrule.WEEKLY:
		// Align to the start of the WKST week: rrule-go builds the first
		// week from DTSTART on, so BYSETPOS must see whole weeks after
		// the original one.
		wkst := int64(r.opt.Wkst.Day()) // 0 = Monday
		week0 := r.first - floorMod(floorMod(r.first+3, 7)-wkst, 7)
		k := floorDiv(day-week0, 7*n) * 7 * n
		if k <= 0 {
			return r.first
		}
		return week0 + k
	case rrule.MONTHLY:
		fy, fm, _ := civilFromDays(r.first)
		y, m, _ := civilFromDays(day)
		k := floorDiv(int64(y*12+int(m))-int64(fy*12+int(fm)), n) * n
		if k <= 0 {
			return r.first
		}
		mi := int64(fy*12+int(fm)-1) + k
		return daysFromCivil(int(mi/12), time.Month(mi%12+1), 1)
	default: // YEARLY
		fy, _, _ := civilFromDays(r.first)
		y, _, _ := civilFromDays(day)
		k := floorDiv(int64(y-fy), n) * n
		if k <= 0 {
			return r.first
		}
		return daysFromCivil(fy+int(k), time.January, 1)
	}
}

// occurs reports whether the rule yields day.
func (r *recurrence) occurs(day int64) bool {
	if len(r.exdates) > 0 && contains(r.exdates, day) {
		return false
	}
	if len(r.rdates) > 0 && contains(r.rdates, day) {
		return true
	}
	if r.kind == recWeekdays {
		return r.weekdays[floorMod(day+4, 7)]
	}
	if day < r.first || day > r.until {
		return false
	}
	switch r.kind {
	case recNone:
		return day == r.first
	case recPeriodic:
		return r.pattern[(day-r.first)%r.period]
	case recList:
		return contains(r.list, day)
	case recGeneral:
		y, _, _ := civilFromDays(day)
		return contains(r.yearDays(y), day)
	}
	return false
}

// last returns the last day the rule may yield, or posInf when unbounded.
func (r *recurrence) last() int64 {
	last := negInf
	if len(r.rdates) > 0 {
		last = r.rdates[len(r.rdates)-1]
	}
	switch r.kind {
	case recWeekdays:
		return posInf
	case recNone:
		if r.first != posInf {
			last = max(last, r.first)
		}
	case recList:
		if len(r.list) > 0 {
			last = max(last, r.list[len(r.list)-1])
		}
	case recPeriodic, recGeneral:
		if r.until > maxDay {
			return posInf
		}
		last = max(last, r.until)
	}
	return last
}

func contains(s []int64, v int64) bool {
	_, ok := slices.BinarySearch(s, v)
	return ok
}
