package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// Many processes asking for a free lease at once: exactly one gets it,
// renews it, and loses it to another only once it has run out.
func TestLeaseOneWinnerUnderContention(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t), nil)
	ctx := context.Background()
	try := func(holder string, now time.Time) bool {
		var got bool
		if err := s.Update(ctx, func(tx store.Tx) (err error) {
			got, err = tx.TryLease(ctx, "sweeper", holder, now, time.Minute)
			return err
		}); err != nil {
			t.Fatalf("TryLease for %s: %v", holder, err)
		}
		return got
	}
	var wins atomic.Int32
	var winner atomic.Value
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 8 {
		wg.Go(func() {
			<-start
			h := fmt.Sprintf("proc-%d", i)
			if try(h, t0) {
				wins.Add(1)
				winner.Store(h)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d processes got the free lease at once; want exactly 1", wins.Load())
	}
	w := winner.Load().(string)
	other := "proc-x"
	if !try(w, t0.Add(30*time.Second)) {
		t.Error("the holder could not renew its lease")
	}
	if try(other, t0.Add(89*time.Second)) {
		t.Error("another process took the lease before the renewed lease ran out")
	}
	if !try(other, t0.Add(90*time.Second)) {
		t.Error("another process could not take the lease once it ran out")
	}
}
