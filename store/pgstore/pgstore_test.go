package pgstore_test

import (
	"testing"

	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
	"github.com/openslot/openslot/storetest"
)

// TestConformance runs the store conformance suite against PostgreSQL,
// each case on a fresh schema of its own.
func TestConformance(t *testing.T) {
	pgtest.URL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return pgstore.New(pgtest.Pool(t), nil)
	})
}
