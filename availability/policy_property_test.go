package availability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// Property tests of the slot policy: booking limits, capacity with buffers,
// notice and horizon, services, busy sources and multi-resource searches,
// on random schedules (randCase) with harsher policies and busy sets that
// reach weeks around the searched range.

// everythingSource is a BusySource that ignores the range it is asked for
// and returns every entry, as a careless server might.
type everythingSource struct{ l BusyList }

func (s everythingSource) Busy(context.Context, time.Time, time.Time) ([]Busy, error) {
	return s.l, nil
}

// genericSource serves a BusyList through the generic BusySource path (not
// the engine's BusyList fast path).
type genericSource struct{ l BusyList }

func (s genericSource) Busy(ctx context.Context, from, to time.Time) ([]Busy, error) {
	return s.l.Busy(ctx, from, to)
}

// harshPolicy makes p stricter at random: long buffers, small limits,
// capacity up to 3. Times stay on 5-minute multiples.
func harshPolicy(r *rand.Rand, p *scheduling.SlotPolicy) {
	if r.IntN(3) == 0 {
		return
	}
	p.BufferBefore = time.Duration(r.IntN(37)) * 5 * time.Minute
	p.BufferAfter = time.Duration(r.IntN(37)) * 5 * time.Minute
	p.Capacity = r.IntN(4)
	p.MaxPerDay = r.IntN(4)
	p.MaxPerWeek = r.IntN(9)
}

// wideBusy adds busy entries up to three weeks either side of c.lo: short
// and multi-day, across midnight, some with sub-second bounds, some empty or
// reversed (which are ignored), bookings and plain busy time, in random
// order.
func wideBusy(r *rand.Rand, c *propCase) BusyList {
	busy := slices.Clone(c.q.Busy.(BusyList))
	for range 10 + r.IntN(40) {
		s := c.lo.Add(time.Duration(r.IntN(42*24*12)-21*24*12) * 5 * time.Minute)
		if r.IntN(4) == 0 {
			s = s.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
		}
		d := time.Duration(1+r.IntN(36)) * 5 * time.Minute
		switch r.IntN(10) {
		case 0:
			d = time.Duration(1+r.IntN(72)) * time.Hour
		case 1:
			d = -d * time.Duration(r.IntN(2)) // empty or reversed
		}
		busy = append(busy, Busy{Start: s, End: s.Add(d), Count: r.IntN(3), Booking: r.IntN(3) != 0})
	}
	r.Shuffle(len(busy), func(i, j int) { busy[i], busy[j] = busy[j], busy[i] })
	return busy
}

func harshCase(r *rand.Rand) (propCase, *Schedule, BusyList) {
	c := randCase(r)
	harshPolicy(r, &c.sch.Policy)
	for i := range c.sch.ServicePolicies {
		harshPolicy(r, &c.sch.ServicePolicies[i].Policy)
	}
	busy := wideBusy(r, &c)
	c.q.Busy = busy
	c.describe = fmt.Sprintf("%+v\nquery %+v", c.sch, c.q)
	sch, err := Compile(c.sch)
	if err != nil {
		panic(err)
	}
	return c, sch, busy
}

// Only busy time inside BusyRange may change Check's answer: Check gives
// the same answer (to the word) with every entry, with a source that returns
// every entry whatever it is asked, and with only the entries overlapping
// the range BusyRange names.
func TestBusyOutsideBusyRangeNeverChangesCheck(t *testing.T) {
	n := 80
	if testing.Short() || raceEnabled {
		n = 12
	}
	r := rand.New(rand.NewPCG(2026, 11))
	ctx := context.Background()
	accepted, refused := 0, 0
	for i := range n {
		c, sch, busy := harshCase(r)
		pol := sch.Policy(c.q.Service)
		for u := c.lo.Unix(); u < c.hi.Unix(); u += 15 * 60 {
			start := time.Unix(u, 0)
			end := start.Add(pol.Duration + time.Duration(r.IntN(2))*pol.GridInterval)
			want := fmt.Sprint(sch.Check(ctx, c.q, start, end))
			if want == "<nil>" {
				accepted++
			} else {
				refused++
			}
			var inRange BusyList
			if from, to, ok := sch.BusyRange(c.q, start, end); ok {
				for _, b := range busy {
					if b.Start.Before(to) && b.End.After(from) {
						inRange = append(inRange, b)
					}
				}
			}
			for name, src := range map[string]BusySource{
				"every entry from a source ignoring the range": everythingSource{busy},
				"only the entries inside BusyRange":            inRange,
				"the entries inside BusyRange, generic source": genericSource{inRange},
			} {
				q := c.q
				q.Busy = src
				if got := fmt.Sprint(sch.Check(ctx, q, start, end)); got != want {
					t.Fatalf("case %d: Check(%s-%s) with %s: %s; with the whole list: %s\n%s", i,
						start.In(c.loc).Format(time.RFC3339), end.In(c.loc).Format(time.RFC3339), name, got, want, c.describe)
				}
			}
		}
	}
	if accepted == 0 || refused == 0 {
		t.Fatalf("%d accepted, %d refused: the test exercises too little", accepted, refused)
	}
}

// Over several weeks, with limits, buffers and capacity, Search yields the
// same slots whether busy time comes as a BusyList, through a generic
// source or from a source that ignores the range; every slot passes Check;
// and every 5-minute start of slot length that Check accepts is a slot.
func TestSearchCheckAgreeOverWeeksWithLimits(t *testing.T) {
	n := 25
	if testing.Short() || raceEnabled {
		n = 5
	}
	r := rand.New(rand.NewPCG(2026, 12))
	ctx := context.Background()
	total := 0
	for i := range n {
		c, sch, busy := harshCase(r)
		// Three weeks from a random point of the first day.
		c.q.To = c.q.From.AddDate(0, 0, 21)
		var results [3][]Slot
		for k, src := range []BusySource{busy, genericSource{busy}, everythingSource{busy}} {
			q := c.q
			q.Busy = src
			search := sch.Search(ctx, q)
			results[k] = slices.Collect(search.All())
			if err := search.Err(); err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
		}
		same := func(a, b Slot) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Free == b.Free }
		if !slices.EqualFunc(results[0], results[1], same) || !slices.EqualFunc(results[0], results[2], same) {
			t.Fatalf("case %d: Search depends on the busy source\nlist %s\ngeneric %s\nevery entry %s\n%s", i,
				fmtSlots(results[0]), fmtSlots(results[1]), fmtSlots(results[2]), c.describe)
		}
		slots := map[int64]bool{}
		for _, s := range results[0] {
			slots[s.Start.Unix()] = true
			if err := sch.Check(ctx, c.q, s.Start, s.End); err != nil {
				t.Fatalf("case %d: Check refuses %s, which Search yields: %v\n%s", i, s.Start, err, c.describe)
			}
		}
		total += len(results[0])
		dur := int64(sch.Policy(c.q.Service).Duration / time.Second)
		for u := c.q.From.Unix(); u+dur <= c.q.To.Unix(); u += 5 * 60 {
			err := sch.Check(ctx, c.q, time.Unix(u, 0), time.Unix(u+dur, 0))
			if (err == nil) != slots[u] {
				t.Fatalf("case %d: Check(%s) = %v, but Search yields it: %v\n%s", i,
					time.Unix(u, 0).In(c.loc).Format(time.RFC3339), err, slots[u], c.describe)
			}
		}
	}
	if total == 0 {
		t.Fatal("no case yielded any slot")
	}
}

// AllOf yields exactly the lead's slots that CheckAllOf accepts, and AnyOf
// the union of the members' slots, each picked as its Choice says; members
// are in different zones, with their own harsh policies and busy time.
func TestMultiResourceAgreesWithSingleSchedules(t *testing.T) {
	n := 200
	if testing.Short() || raceEnabled {
		n = 40
	}
	r := rand.New(rand.NewPCG(2026, 13))
	ctx := context.Background()
	allOfTotal := 0
	for i := range n {
		lead, leadSch, leadBusy := harshCase(r)
		members := []Member{{Schedule: leadSch, Busy: leadBusy}}
		for range 1 + r.IntN(2) {
			// Another resource in another zone, open at some hours of
			// every day, with its own policy and busy time.
			c, _, _ := harshCase(r)
			c.sch.Availability = scheduling.Availability{TimeZone: c.sch.Availability.TimeZone,
				AvailableTimes: []scheduling.AvailableTime{{StartSet: true, Start: randTOD(r), EndSet: true, End: randTOD(r)}}}
			c.sch.PlanningHorizon = nil
			c.lo, c.hi = lead.lo, lead.hi
			c.q.Busy = BusyList(nil)
			busy := wideBusy(r, &c)
			members = append(members, Member{Schedule: mustCompile(t, c.sch), Busy: busy})
		}
		q := lead.q
		q.Busy = nil

		all := AllOf(ctx, q, members...)
		var got []string
		for s := range all.All() {
			got = append(got, s.Start.UTC().Format(time.RFC3339)+" "+s.End.UTC().Format(time.RFC3339))
		}
		if err := all.Err(); err != nil {
			t.Fatal(err)
		}
		var want []string
		search := leadSch.Search(ctx, memberQuery(q, members[0]))
		for s := range search.All() {
			if CheckAllOf(ctx, q, s.Start, s.End, members...) == nil {
				want = append(want, s.Start.UTC().Format(time.RFC3339)+" "+s.End.UTC().Format(time.RFC3339))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: AllOf yields\n%v\nthe lead's slots CheckAllOf accepts are\n%v\n%s", i, got, want, lead.describe)
		}
		allOfTotal += len(got)

		for _, choice := range []Choice{PreferenceOrder, LeastBooked} {
			type key struct{ s, e int64 }
			owners := map[key][]int{}
			var keys []key
			for m, mb := range members {
				for s := range mb.Schedule.Search(ctx, memberQuery(q, mb)).All() {
					k := key{s.Start.Unix(), s.End.Unix()}
					if owners[k] == nil {
						keys = append(keys, k)
					}
					owners[k] = append(owners[k], m)
				}
			}
			slices.SortFunc(keys, func(a, b key) int {
				if a.s != b.s {
					return int(a.s - b.s)
				}
				return int(a.e - b.e)
			})
			anyOf := AnyOf(ctx, q, choice, members...)
			j := 0
			for s := range anyOf.All() {
				if j == len(keys) || s.Start.Unix() != keys[j].s || s.End.Unix() != keys[j].e {
					t.Fatalf("case %d choice %d: AnyOf slot %d is %s-%s, not the members' merged slots", i, choice, j, s.Start, s.End)
				}
				pick, fewest := -1, 0
				for _, m := range owners[keys[j]] {
					n := 0
					if choice == LeastBooked {
						loc := members[m].Schedule.Location()
						day := dateOf(s.Start.In(loc))
						for _, b := range members[m].Busy.(BusyList) {
							if b.Booking && b.End.After(b.Start) && dateOf(b.Start.In(loc)) == day {
								n++
							}
						}
					}
					if pick < 0 || n < fewest {
						pick, fewest = m, n
					}
				}
				if !slices.Equal(s.Members, []int{pick}) {
					t.Fatalf("case %d choice %d: AnyOf picks %v for %s, want %d (free: %v)", i, choice, s.Members, s.Start, pick, owners[keys[j]])
				}
				j++
			}
			if err := anyOf.Err(); err != nil || j != len(keys) {
				t.Fatalf("case %d choice %d: AnyOf yields %d slots, the members %d; err %v", i, choice, j, len(keys), err)
			}
		}
	}
	t.Logf("AllOf yielded %d slots", allOfTotal)
	if allOfTotal == 0 {
		t.Fatal("AllOf never yielded a slot: the test exercises too little")
	}
}
