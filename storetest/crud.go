package storetest

import (
	"context"
	"errors"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

var crudCases = []testCase{
	{"CreateGetEveryType", testCreateGetEveryType},
	{"CreateExistingID", testCreateExistingID},
	{"PutVersions", testPutVersions},
	{"Delete", testDelete},
	{"OwnWritesVisible", testOwnWritesVisible},
}

func testCreateGetEveryType(t tb, s store.Store) {
	for _, typ := range scheduling.ResourceTypes() {
		auto := fixture(typ, 1)
		named := fixture(typ, 2)
		named.Metadata().ID = "named-" + typ
		create(t, s, auto, named)
		for _, r := range []scheduling.Resource{auto, named} {
			m := r.Metadata()
			if m.ID == "" {
				broke(t, "Create with an empty ID must assign one on the value passed in", "%s with an empty ID", typ)
				continue
			}
			if m.Version != 1 {
				broke(t, "Create must set Version 1 on the value passed in", "%s/%s version %d", typ, m.ID, m.Version)
			}
			if m.LastUpdated.IsZero() {
				broke(t, "Create must set LastUpdated on the value passed in", "%s/%s with a zero LastUpdated", typ, m.ID)
			}
			got := get(t, s, typ, m.ID)
			if got == nil {
				broke(t, "a committed Create must be readable with Get", "ErrNotFound for %s/%s", typ, m.ID)
				continue
			}
			if got.ResourceType() != typ {
				broke(t, "Get must return the type asked for", "%s for %s/%s", got.ResourceType(), typ, m.ID)
				continue
			}
			if d := diff(r, got); d != "" {
				broke(t, "Get must return what Create stored", "%s/%s differs (-created +got):\n%s", typ, m.ID, d)
			}
		}
		if named.Metadata().ID != "named-"+typ {
			broke(t, "Create must keep a given ID", "%q for %q", named.Metadata().ID, "named-"+typ)
		}
		if auto.Metadata().ID == named.Metadata().ID {
			broke(t, "assigned IDs must be unique", "%q twice", auto.Metadata().ID)
		}
	}
	ctx := t.Context()
	err := s.View(ctx, func(tx store.ReadTx) error {
		_, err := tx.Get(ctx, "Patient", "no-such-patient")
		return err
	})
	wantErr(t, err, store.ErrNotFound, "Get of an id that does not exist")
}

func testCreateExistingID(t tb, s store.Store) {
	create(t, s, patient("p1", "First"))
	refused(t, s, store.ErrConflict, "Create of an existing id", func(ctx context.Context, tx store.Tx) error {
		return tx.Create(ctx, patient("p1", "Second"))
	})
	refused(t, s, store.ErrConflict, "Create of an id created earlier in the same transaction", func(ctx context.Context, tx store.Tx) error {
		if err := tx.Create(ctx, patient("p2", "New")); err != nil {
			return err
		}
		return tx.Create(ctx, patient("p2", "Again"))
	})
	if got := get(t, s, "Patient", "p1").(*scheduling.Patient); got.Name[0].Family != "First" || got.Version != 1 {
		broke(t, "a failed Create must change nothing", "p1 family %q version %d", got.Name[0].Family, got.Version)
	}
	if get(t, s, "Patient", "p2") != nil {
		broke(t, "a failed transaction must leave nothing behind", "p2 stored")
	}
}

func testPutVersions(t tb, s store.Store) {
	p := patient("p1", "One")
	create(t, s, p)
	created := p.LastUpdated
	time.Sleep(2 * time.Millisecond)

	p.Name[0].Family = "Two"
	update(t, s, "Put with the stored version", func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, p) })
	if p.Version != 2 {
		broke(t, "Put must increment the version on the value passed in", "version %d after one Put of version 1", p.Version)
	}
	if p.LastUpdated.Before(created) {
		broke(t, "Put must set LastUpdated to the commit clock", "%s, before the Create's %s", fmtTime(p.LastUpdated), fmtTime(created))
	}
	got := get(t, s, "Patient", "p1").(*scheduling.Patient)
	if got.Version != 2 || got.Name[0].Family != "Two" || !got.LastUpdated.Equal(p.LastUpdated) {
		broke(t, "Put must store the value with the incremented version and LastUpdated",
			"version %d family %q lastUpdated %s (want 2, Two, %s)", got.Version, got.Name[0].Family, fmtTime(got.LastUpdated), fmtTime(p.LastUpdated))
	}

	for _, v := range []int64{1, 3, 0} {
		stale := patient("p1", "Stale")
		stale.Version = v
		refused(t, s, store.ErrConflict, "Put with a stale version", func(ctx context.Context, tx store.Tx) error {
			return tx.Put(ctx, stale)
		})
	}
	missing := patient("nobody", "X")
	missing.Version = 1
	refused(t, s, store.ErrNotFound, "Put of an id that does not exist", func(ctx context.Context, tx store.Tx) error {
		return tx.Put(ctx, missing)
	})
	if get(t, s, "Patient", "nobody") != nil {
		broke(t, "a failed Put must change nothing", "nobody stored")
	}

	if got := get(t, s, "Patient", "p1").(*scheduling.Patient); got.Version != 2 || got.Name[0].Family != "Two" {
		broke(t, "a failed Put must change nothing", "version %d family %q", got.Version, got.Name[0].Family)
	}
	update(t, s, "Put with the stored version", func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, p) })
	if got := get(t, s, "Patient", "p1"); got.Metadata().Version != 3 || p.Version != 3 {
		broke(t, "every Put must increment the version by one", "stored %d, on the value %d (want 3)", got.Metadata().Version, p.Version)
	}
}

func testDelete(t tb, s store.Store) {
	create(t, s, patient("p1", "One"), patient("p2", "Two"))
	refused(t, s, store.ErrConflict, "Delete with a stale version", func(ctx context.Context, tx store.Tx) error {
		return tx.Delete(ctx, "Patient", "p1", 2)
	})
	if get(t, s, "Patient", "p1") == nil {
		broke(t, "a failed Delete must change nothing", "p1 gone")
	}
	update(t, s, "Delete with the stored version", func(ctx context.Context, tx store.Tx) error {
		return tx.Delete(ctx, "Patient", "p1", 1)
	})
	if get(t, s, "Patient", "p1") != nil {
		broke(t, "a deleted resource must not be found", "p1 still stored")
	}
	update(t, s, "Delete with version 0 (any version)", func(ctx context.Context, tx store.Tx) error {
		return tx.Delete(ctx, "Patient", "p2", 0)
	})
	if get(t, s, "Patient", "p2") != nil {
		broke(t, "a deleted resource must not be found", "p2 still stored")
	}
	refused(t, s, store.ErrNotFound, "Delete of an id that does not exist", func(ctx context.Context, tx store.Tx) error {
		if err := tx.Create(ctx, patient("p3", "Three")); err != nil {
			return err
		}
		return tx.Delete(ctx, "Patient", "p1", 0)
	})
	if get(t, s, "Patient", "p3") != nil {
		broke(t, "a failed transaction must leave nothing behind", "p3, created before the failed Delete, stored")
	}
	if n := searchIDs(t, s, store.Query{ResourceType: "Patient"}); len(n) != 0 {
		broke(t, "a deleted resource must not be found by Search", "%v", n)
	}
}

func testOwnWritesVisible(t tb, s store.Store) {
	create(t, s, patient("old", "Old"), patient("gone", "Gone"))
	update(t, s, "a transaction reading its own writes", func(ctx context.Context, tx store.Tx) error {
		if err := tx.Create(ctx, patient("new", "New")); err != nil {
			return err
		}
		old := patient("old", "Changed")
		old.Version = 1
		if err := tx.Put(ctx, old); err != nil {
			return err
		}
		if err := tx.Delete(ctx, "Patient", "gone", 0); err != nil {
			return err
		}
		if r, err := tx.Get(ctx, "Patient", "new"); err != nil || r.(*scheduling.Patient).Name[0].Family != "New" {
			broke(t, "Get inside a transaction must see the transaction's own Create", "%v", err)
		}
		if r, err := tx.Get(ctx, "Patient", "old"); err != nil || r.(*scheduling.Patient).Name[0].Family != "Changed" || r.Metadata().Version != 2 {
			broke(t, "Get inside a transaction must see the transaction's own Put", "%v %v", r, err)
		}
		if _, err := tx.Get(ctx, "Patient", "gone"); !errors.Is(err, store.ErrNotFound) {
			broke(t, "Get inside a transaction must not see what it deleted", "%v", err)
		}
		got := ids(searchAll(t, tx, store.Query{ResourceType: "Patient"}))
		if d := diff([]string{"new", "old"}, sorted(got)); d != "" {
			broke(t, "Search inside a transaction must see its own writes", "ids %v (-want +got):\n%s", got, d)
		}
		got = ids(searchAll(t, tx, store.Query{ResourceType: "Patient", Terms: [][]string{{store.Term("name", "changed")}}}))
		if d := diff([]string{"old"}, got); d != "" {
			broke(t, "Search inside a transaction must match the terms of its own Put", "ids %v", got)
		}
		got = ids(searchAll(t, tx, store.Query{ResourceType: "Patient", Terms: [][]string{{store.Term("name", "old")}}}))
		if len(got) != 0 {
			broke(t, "Search inside a transaction must not match the terms its own Put replaced", "ids %v", got)
		}
		return nil
	})
}
