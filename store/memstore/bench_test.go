package memstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// The benchmarks compare memstore with a baseline in the same run: a plain
// map behind a mutex that copies values in and out like memstore does, and
// answers searches and overlap queries by scanning.

const (
	benchAppointments  = 10_000
	benchPractitioners = 100
	benchBusy          = 20_000 // one schedule: more than a year of 30-minute bookings
)

var benchStart = time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)

func benchAppointment(i int) *scheduling.Appointment {
	return &scheduling.Appointment{
		Meta:            scheduling.Meta{ID: fmt.Sprintf("a%06d", i)},
		Status:          scheduling.AppointmentBooked,
		ServiceType:     []scheduling.CodeableConcept{scheduling.Concept("http://snomed.info/sct", "394814009", "")},
		Start:           benchStart.Add(time.Duration(i) * 30 * time.Minute),
		End:             benchStart.Add(time.Duration(i)*30*time.Minute + 30*time.Minute),
		MinutesDuration: 30,
		Identifier:      []scheduling.Identifier{{System: "urn:x", Value: fmt.Sprint(i)}},
		Participant: []scheduling.Participant{
			{Actor: &scheduling.Reference{Reference: fmt.Sprintf("Patient/p%d", i)}, Status: scheduling.ParticipationAccepted},
			{Actor: &scheduling.Reference{Reference: fmt.Sprintf("Practitioner/dr%d", i%benchPractitioners)}, Status: scheduling.ParticipationAccepted},
		},
	}
}

// baseline is the simplest correct store of appointments and busy time.
type baseline struct {
	mu    sync.RWMutex
	appts map[string]*baselineRecord
	busy  []store.Busy
}

type baselineRecord struct {
	a     *scheduling.Appointment
	terms []string
}

func newBaseline() *baseline { return &baseline{appts: map[string]*baselineRecord{}} }

func (b *baseline) create(a *scheduling.Appointment) {
	c := a.Clone()
	terms, _ := store.Indexed(&c)
	b.mu.Lock()
	b.appts[c.ID] = &baselineRecord{&c, terms}
	b.mu.Unlock()
}

func (b *baseline) get(id string) *scheduling.Appointment {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if r := b.appts[id]; r != nil {
		c := r.a.Clone()
		return &c
	}
	return nil
}

func (b *baseline) search(term string, limit int) []*scheduling.Appointment {
	b.mu.RLock()
	var hits []*scheduling.Appointment
	for _, r := range b.appts {
		if slices.Contains(r.terms, term) {
			hits = append(hits, r.a)
		}
	}
	b.mu.RUnlock()
	slices.SortFunc(hits, func(x, y *scheduling.Appointment) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		return cmpString(x.ID, y.ID)
	})
	hits = hits[:min(limit, len(hits))]
	for i, a := range hits {
		c := a.Clone()
		hits[i] = &c
	}
	return hits
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (b *baseline) overlapping(sched string, from, to time.Time) []store.Busy {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []store.Busy
	for _, e := range b.busy {
		if e.ScheduleID == sched && e.Start.Before(to) && e.End.After(from) {
			out = append(out, e)
		}
	}
	return out
}

func loadedMemstore(b *testing.B) *memstore.Store {
	b.Helper()
	ctx := context.Background()
	s := memstore.New(nil)
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range benchAppointments {
			if err := tx.Create(ctx, benchAppointment(i)); err != nil {
				return err
			}
		}
		for i := range benchBusy {
			start := benchStart.Add(time.Duration(i) * 30 * time.Minute)
			if err := tx.AddBusy(ctx, store.Busy{ScheduleID: "s1", Start: start, End: start.Add(30 * time.Minute)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func loadedBaseline() *baseline {
	bl := newBaseline()
	for i := range benchAppointments {
		bl.create(benchAppointment(i))
	}
	for i := range benchBusy {
		start := benchStart.Add(time.Duration(i) * 30 * time.Minute)
		bl.busy = append(bl.busy, store.Busy{ID: fmt.Sprint(i), ScheduleID: "s1", Start: start, End: start.Add(30 * time.Minute)})
	}
	return bl
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	b.Run("memstore", func(b *testing.B) {
		s := loadedMemstore(b)
		i := 0
		for b.Loop() {
			id := fmt.Sprintf("a%06d", i%benchAppointments)
			i++
			err := s.View(ctx, func(tx store.ReadTx) error {
				_, err := tx.Get(ctx, "Appointment", id)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		bl := loadedBaseline()
		i := 0
		for b.Loop() {
			id := fmt.Sprintf("a%06d", i%benchAppointments)
			i++
			if bl.get(id) == nil {
				b.Fatal("missing")
			}
		}
	})
}

func BenchmarkCreate(b *testing.B) {
	ctx := context.Background()
	b.Run("memstore", func(b *testing.B) {
		s := memstore.New(nil)
		i := 0
		for b.Loop() {
			a := benchAppointment(i)
			i++
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, a) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		bl := newBaseline()
		i := 0
		for b.Loop() {
			bl.create(benchAppointment(i))
			i++
		}
	})
}

// BenchmarkSearchTerm finds the first page (20) of one practitioner's
// appointments: 100 of 10,000 match.
func BenchmarkSearchTerm(b *testing.B) {
	ctx := context.Background()
	term := store.RefTerm("practitioner", "Practitioner", "dr7")
	b.Run("memstore", func(b *testing.B) {
		s := loadedMemstore(b)
		for b.Loop() {
			err := s.View(ctx, func(tx store.ReadTx) error {
				p, err := tx.Search(ctx, store.Query{ResourceType: "Appointment", Terms: [][]string{{term}}, Limit: 20})
				if err == nil && len(p.Resources) != 20 {
					err = fmt.Errorf("%d results", len(p.Resources))
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		bl := loadedBaseline()
		for b.Loop() {
			if n := len(bl.search(term, 20)); n != 20 {
				b.Fatal(n)
			}
		}
	})
}

// BenchmarkBusyOverlap asks for one day of a schedule with 20,000 entries.
func BenchmarkBusyOverlap(b *testing.B) {
	ctx := context.Background()
	from := benchStart.Add(200 * 24 * time.Hour)
	to := from.Add(24 * time.Hour)
	b.Run("memstore", func(b *testing.B) {
		s := loadedMemstore(b)
		for b.Loop() {
			err := s.View(ctx, func(tx store.ReadTx) error {
				busy, err := tx.Busy(ctx, []string{"s1"}, from, to)
				if err == nil && len(busy) != 48 {
					err = fmt.Errorf("%d entries", len(busy))
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		bl := loadedBaseline()
		for b.Loop() {
			if n := len(bl.overlapping("s1", from, to)); n != 48 {
				b.Fatal(n)
			}
		}
	})
}
