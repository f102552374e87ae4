package openslot_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// Booking throughput, run with two cores:
//
//	go test -run '^$' -bench BenchmarkBook -cpu 2 .
//
// Uncontended: every booking picks one of 200 practitioners at random and
// takes a free grid slot of it, in a random order of its weekday slots
// (see slotPicker), so nothing is refused. Contended: every booking goes
// for one of 8 slots of one practitioner and, when it wins, cancels right
// away so the slot frees up. Baseline: a map of sorted intervals behind one
// mutex that only checks overlap and inserts (and removes, in the
// contended case), fed the same way. Writes (uncontended only): the
// memstore transaction of a booking with no Scheduler around it, the same
// appointment, slot, busy entry and event written with no check (see
// writeBooking), so that the run shows how much of a booking is the store.

const benchPractitioners = 200

// benchSlot maps the k-th booking of a practitioner to a weekday slot from
// Monday 2026-03-09 on: 16 half-hour slots a day, 5 days a week.
func benchSlot(k int) (time.Time, time.Time) {
	week, day, slot := k/80, k/16%5, k%16
	start := at(7+7*week+day, 9, 0).Add(time.Duration(slot) * 30 * time.Minute)
	return start, start.Add(30 * time.Minute)
}

// slotPicker hands out free grid slots of random practitioners: each pick
// chooses a practitioner at random and gives it the next slot of its own
// random order of the 80 weekday slots of a week (then of the next week,
// ...), so that no two picks ask for the same slot of one practitioner.
type slotPicker struct {
	ids   [benchPractitioners]string
	next  [benchPractitioners]atomic.Int64
	order [benchPractitioners][80]int
}

func newSlotPicker() *slotPicker {
	p := &slotPicker{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range benchPractitioners {
		p.ids[i] = fmt.Sprintf("dr-%d", i)
		for j, k := range rng.Perm(80) {
			p.order[i][j] = k
		}
	}
	return p
}

// pick returns a schedule id and a free slot of it.
func (p *slotPicker) pick(rng *rand.Rand) (string, time.Time, time.Time) {
	i := rng.IntN(benchPractitioners)
	k := int(p.next[i].Add(1) - 1)
	start, end := benchSlot(k/80*80 + p.order[i][k%80])
	return p.ids[i], start, end
}

func benchScheduler(b *testing.B, n int) *openslot.Scheduler {
	b.Helper()
	now := at(0, 8, 0)
	st := memstore.New(nil)
	s := openslot.New(st, &openslot.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	for i := range n {
		sc := &scheduling.Schedule{
			Meta:         scheduling.Meta{ID: fmt.Sprintf("dr-%d", i)},
			Actor:        []scheduling.Reference{scheduling.Ref("Practitioner", fmt.Sprint(i))},
			Availability: weekdays(),
			Policy:       scheduling.SlotPolicy{Duration: 30 * time.Minute},
		}
		if err := s.Create(ctx, sc); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkBook(b *testing.B) {
	b.Run("uncontended/scheduler", func(b *testing.B) {
		s := benchScheduler(b, benchPractitioners)
		p := newSlotPicker()
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				id, start, end := p.pick(rng)
				_, err := s.Book(ctx, openslot.BookRequest{Appointment: appt("p", start, end), Schedules: []string{id}})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("uncontended/writes", func(b *testing.B) {
		st := memstore.New(nil)
		p := newSlotPicker()
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				id, start, end := p.pick(rng)
				if err := st.Update(ctx, func(tx store.Tx) error { return writeBooking(ctx, tx, id, start, end) }); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("uncontended/baseline", func(b *testing.B) {
		m := newIntervalMap()
		p := newSlotPicker()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				id, start, end := p.pick(rng)
				if !m.book(id, start, end) {
					b.Error("baseline refused a free slot")
					return
				}
			}
		})
	})
	b.Run("contended/scheduler", func(b *testing.B) {
		s := benchScheduler(b, 1)
		ctx := context.Background()
		var conflicts atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				start, end := benchSlot(rng.IntN(8))
				a, err := s.Book(ctx, openslot.BookRequest{Appointment: appt("p", start, end), Schedules: []string{"dr-0"}})
				switch {
				case errors.Is(err, openslot.ErrConflict):
					conflicts.Add(1)
				case err != nil:
					b.Error(err)
					return
				default:
					if _, err := s.Cancel(ctx, a.ID, nil); err != nil {
						b.Error(err)
						return
					}
				}
			}
		})
		b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
	})
	b.Run("contended/baseline", func(b *testing.B) {
		m := newIntervalMap()
		var conflicts atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				start, end := benchSlot(rng.IntN(8))
				if !m.book("dr-0", start, end) {
					conflicts.Add(1)
					continue
				}
				m.remove("dr-0", start)
			}
		})
		b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
	})
}

// writeBooking writes what a booking of schedule id stores, with no check
// before: the appointment, its slot, its busy entry and its event. Its
// benchmark is the floor under the Scheduler's rate that the store's
// contract sets (values copied in and out, records indexed, the event in
// the same transaction), whatever the Scheduler does around it.
func writeBooking(ctx context.Context, tx store.Tx, id string, start, end time.Time) error {
	a := appt("p", start, end, "Practitioner/"+id)
	a.ID, a.Status = openslot.RandomID(), scheduling.AppointmentBooked
	sl := &scheduling.Slot{Meta: scheduling.Meta{ID: openslot.RandomID()}, Schedule: scheduling.Ref("Schedule", id),
		Status: scheduling.SlotBusy, Start: start, End: end}
	a.Slot = []scheduling.Reference{scheduling.Ref("Slot", sl.ID)}
	if err := tx.Create(ctx, &a); err != nil {
		return err
	}
	if err := tx.Create(ctx, sl); err != nil {
		return err
	}
	busy := store.Busy{ScheduleID: id, Start: start, End: end, Count: 1, AppointmentID: a.ID, Booking: true, Exclusive: true}
	if err := tx.AddBusy(ctx, busy); err != nil {
		return err
	}
	return tx.AppendEvent(ctx, scheduling.Event{Type: scheduling.EventBooked, AppointmentID: a.ID, At: start,
		From: scheduling.AppointmentProposed, To: scheduling.AppointmentBooked, Appointment: a.Clone()})
}

// intervalMap is the baseline: sorted intervals per key behind one mutex.
type intervalMap struct {
	mu sync.Mutex
	m  map[string][]benchInterval
}

type benchInterval struct{ start, end time.Time }

func newIntervalMap() *intervalMap { return &intervalMap{m: map[string][]benchInterval{}} }

// book inserts [start, end) under key unless it overlaps an interval there.
func (im *intervalMap) book(key string, start, end time.Time) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	ivs := im.m[key]
	i, _ := slices.BinarySearchFunc(ivs, start, func(iv benchInterval, t time.Time) int { return iv.start.Compare(t) })
	if i > 0 && ivs[i-1].end.After(start) || i < len(ivs) && ivs[i].start.Before(end) {
		return false
	}
	im.m[key] = slices.Insert(ivs, i, benchInterval{start, end})
	return true
}

func (im *intervalMap) remove(key string, start time.Time) {
	im.mu.Lock()
	defer im.mu.Unlock()
	ivs := im.m[key]
	if i, ok := slices.BinarySearchFunc(ivs, start, func(iv benchInterval, t time.Time) int { return iv.start.Compare(t) }); ok {
		im.m[key] = slices.Delete(ivs, i, i+1)
	}
}
