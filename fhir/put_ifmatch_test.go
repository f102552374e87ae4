package fhir

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// interleavingStore runs, once armed, another writer's transaction right
// before the next Update: that writer changes appointment id (a new
// version), after the handler has read it and before the handler's own
// write begins.
type interleavingStore struct {
	store.Store
	armed atomic.Bool
	id    string
	fired atomic.Bool
}

func (s *interleavingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.armed.CompareAndSwap(true, false) {
		err := s.Store.Update(ctx, func(tx store.Tx) error {
			a, err := store.Get[scheduling.Appointment](ctx, tx, s.id)
			if err != nil {
				return err
			}
			a.Comment = "changed meanwhile"
			return tx.Put(ctx, a)
		})
		if err != nil {
			return err
		}
		s.fired.Store(true)
	}
	return s.Store.Update(ctx, fn)
}

// TestPutWithIfMatchBooksOnlyTheVersionItNamed: a PUT with If-Match that
// books or holds a proposed or waitlisted appointment checks the version in
// the transaction of the booking. When another writer changes the
// appointment between the handler's read and the booking, the PUT gets 412
// and books nothing (no lost update).
func TestPutWithIfMatchBooksOnlyTheVersionItNamed(t *testing.T) {
	waitlisted := `{"resourceType":"Appointment","status":"waitlist",` +
		`"participant":[{"actor":{"reference":"Patient/pat-a"},"status":"accepted"},` +
		`{"actor":{"reference":"Practitioner/dr-a"},"status":"accepted"}],` +
		`"requestedPeriod":[{"start":"2026-03-03T00:00:00Z","end":"2026-03-07T00:00:00Z"}]}`
	cases := []struct {
		name, create, from, to string
	}{
		{"book a proposal", apptBody("proposed", "09:00", "Patient/pat-a", "Practitioner/dr-a"), "proposed", "booked"},
		{"hold a proposal", apptBody("proposed", "09:00", "Patient/pat-a", "Practitioner/dr-a"), "proposed", "pending"},
		{"book a waitlist entry", waitlisted, "waitlist", "booked"},
		{"hold a waitlist entry", waitlisted, "waitlist", "pending"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var st *interleavingStore
			f := newFixtureOn(t, false, func(clock func() time.Time) store.Store {
				st = &interleavingStore{Store: memstore.New(&memstore.Options{Now: clock})}
				return st
			})
			id := f.do("POST", "/Appointment", tc.create).want(t, http.StatusCreated).str("id")
			cur := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
			if cur.str("status") != tc.from {
				t.Fatalf("created as %s, want %s", cur.str("status"), tc.from)
			}
			v, n := versionOf(t, cur), f.eventCount()
			body := edited(t, cur, map[string]any{"status": tc.to, "start": "2026-03-03T09:00:00Z",
				"end": "2026-03-03T09:30:00Z", "description": "from the PUT"})

			st.id = id
			st.armed.Store(true)
			r := f.do("PUT", "/Appointment/"+id, body, "If-Match: "+cur.header.Get("ETag"))
			if !st.fired.Load() {
				t.Fatal("the other writer never ran: the PUT wrote nothing")
			}
			r.want(t, http.StatusPreconditionFailed)

			got := f.do("GET", "/Appointment/"+id, "").want(t, http.StatusOK)
			if got.str("status") != tc.from || versionOf(t, got) != v+1 || got.str("comment") != "changed meanwhile" ||
				got.str("description") != "" {
				t.Errorf("after the refused PUT: status %s v%d comment %q description %q; want %s v%d with only the "+
					"other writer's comment", got.str("status"), versionOf(t, got), got.str("comment"),
					got.str("description"), tc.from, v+1)
			}
			if m := f.eventCount(); m != n {
				t.Errorf("%d events recorded by the refused PUT", m-n)
			}
			busy := 0
			err := st.View(t.Context(), func(tx store.ReadTx) error {
				b, err := tx.Busy(t.Context(), []string{"sched-dr-a"}, fixtureNow, fixtureNow.Add(14*24*time.Hour))
				busy = len(b)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if busy != 0 {
				t.Errorf("%d busy entries on sched-dr-a after the refused PUT, want none", busy)
			}
		})
	}
}
