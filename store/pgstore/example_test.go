package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/pgstore"
)

// A program opens a pool, migrates the schema once at start-up (safe when
// several instances start together), and hands the store to the
// Scheduler or uses it directly, as here.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	s := pgstore.New(pool, nil)
	defer s.Close()

	start := time.Date(2030, 6, 3, 9, 0, 0, 0, time.UTC)
	appt := &scheduling.Appointment{Status: scheduling.AppointmentBooked, Start: start, End: start.Add(30 * time.Minute)}
	err = s.Update(ctx, func(tx store.Tx) error {
		// Lock first, then read busy time, then write: the check cannot go
		// stale before the write.
		if err := tx.LockSchedules(ctx, "dr-lee"); err != nil {
			return err
		}
		busy, err := tx.Busy(ctx, []string{"dr-lee"}, appt.Start, appt.End)
		if err != nil {
			return err
		}
		if len(busy) > 0 {
			return fmt.Errorf("dr-lee is busy at %s", appt.Start)
		}
		if err := tx.Create(ctx, appt); err != nil {
			return err
		}
		return tx.AddBusy(ctx, store.Busy{ScheduleID: "dr-lee", Start: appt.Start, End: appt.End,
			AppointmentID: appt.ID, Booking: true, Exclusive: true})
	})
	if err != nil {
		log.Fatal(err)
	}

	err = s.View(ctx, func(tx store.ReadTx) error {
		a, err := store.Get[scheduling.Appointment](ctx, tx, appt.ID)
		if err != nil {
			return err
		}
		fmt.Println(a.Status, a.Start, a.Version)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Several applications (or tenants) can share one database: give each a
// schema of its own through the pool's search_path, and Migrate each.
func ExampleMigrate_schema() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	// The schema must exist (CREATE SCHEMA clinic_a); public stays on the
	// path for the btree_gist extension.
	cfg.ConnConfig.RuntimeParams["search_path"] = "clinic_a, public"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	fmt.Println("schema clinic_a at version", pgstore.SchemaVersion)
}
