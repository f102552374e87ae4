package storetest_test

import (
	"testing"

	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/storetest"
)

// A store implementation proves itself with one test that hands the suite
// a fresh, empty store per case. This is how memstore runs it; a store on
// your own database would open a new schema or database here and drop it
// in t.Cleanup.
func ExampleRun() {
	_ = func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return memstore.New(nil) })
	}
}
