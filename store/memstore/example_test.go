package memstore_test

import (
	"context"
	"fmt"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
)

// Create a patient in a transaction, read it back in a view, and find it
// by name.
func Example() {
	ctx := context.Background()
	s := memstore.New(nil)
	defer s.Close()

	p := &scheduling.Patient{
		Meta: scheduling.Meta{ID: "p1"},
		Name: []scheduling.HumanName{{Family: "Doe", Given: []string{"Jane"}}},
	}
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Create(ctx, p) })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created", p.ID, "version", p.Version)

	err = s.View(ctx, func(tx store.ReadTx) error {
		got, err := store.Get[scheduling.Patient](ctx, tx, "p1")
		if err != nil {
			return err
		}
		fmt.Println("read", got.Name[0].Given[0], got.Name[0].Family)

		found, err := store.SearchAll[scheduling.Patient](ctx, tx, store.Query{
			Terms: [][]string{{store.Term("name", store.NormalizeName(" DOE "))}},
		}, 0)
		if err != nil {
			return err
		}
		fmt.Println("found", len(found), "named doe:", found[0].ID)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// created p1 version 1
	// read Jane Doe
	// found 1 named doe: p1
}
