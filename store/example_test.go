package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// A search is built from the terms store.Indexed gives every resource: here
// the booked appointments of one patient in March 2026, one page at a time.
func ExampleQuery() {
	ctx := context.Background()
	st := memstore.New(nil)
	patient := scheduling.Ref("Patient", "p1")
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	_ = st.Update(ctx, func(tx store.Tx) error {
		for i, status := range []scheduling.AppointmentStatus{scheduling.AppointmentBooked,
			scheduling.AppointmentCancelled, scheduling.AppointmentBooked} {
			start := day.AddDate(0, 0, i)
			err := tx.Create(ctx, &scheduling.Appointment{
				Meta:   scheduling.Meta{ID: fmt.Sprintf("a%d", i+1)},
				Status: status, Start: start, End: start.Add(30 * time.Minute),
				Participant: []scheduling.Participant{{Actor: &patient, Status: scheduling.ParticipationAccepted}},
			})
			if err != nil {
				return err
			}
		}
		return nil
	})

	q := store.Query{
		Terms: [][]string{
			{store.RefTerm("patient", "Patient", "p1")},
			{store.Term("status", "booked")},
		},
		From:  time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		To:    time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Total: true,
	}
	_ = st.View(ctx, func(tx store.ReadTx) error {
		found, err := store.SearchAll[scheduling.Appointment](ctx, tx, q, 0)
		for _, a := range found {
			fmt.Println(a.ID, a.Status, a.Start.Format(time.DateOnly))
		}
		return err
	})
	// Output:
	// a1 booked 2026-03-02
	// a3 booked 2026-03-04
}
