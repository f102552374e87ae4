package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
	"github.com/openslot/openslot/store/memstore"
	"github.com/openslot/openslot/store/pgstore"
)

// EnvDatabaseURL is the environment variable read when -postgres is not
// given.
const EnvDatabaseURL = "OPENSLOT_DATABASE_URL"

func main() {
	postgres := flag.String("postgres", os.Getenv(EnvDatabaseURL),
		"run on PostgreSQL: a connection string (default $"+EnvDatabaseURL+"; empty runs in memory)")
	flag.Parse()
	// Ctrl-C (or SIGTERM) ends the demo early but still drops the schema
	// made on PostgreSQL; a second one ends the program at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	err := run(ctx, os.Stdout, *postgres)
	if ctx.Err() != nil && err != nil {
		err = fmt.Errorf("interrupted: %w", err)
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// openStore returns the store the clinic lives in: memstore when
// databaseURL is empty, else pgstore on a new schema of its own, which
// closeStore drops again.
func openStore(ctx context.Context, databaseURL string, now func() time.Time) (st store.Store, closeStore func() error, err error) {
	if databaseURL == "" {
		st := memstore.New(&memstore.Options{Now: now})
		return st, st.Close, nil
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	schema := "openslot_quickstart_" + strings.ToLower(rand.Text())
	if err := execOnce(ctx, cfg.ConnConfig, "CREATE SCHEMA "+schema); err != nil {
		return nil, nil, fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	drop := func() error {
		if err := execOnce(context.WithoutCancel(ctx), cfg.ConnConfig, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("postgres: drop schema %s: %w", schema, err)
		}
		return nil
	}
	// Every connection of the pool works in the new schema; public stays on
	// the path for the btree_gist extension.
	cfg.ConnConfig.RuntimeParams["search_path"] = schema + ", public"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("postgres: %w", err), drop())
	}
	if err := pgstore.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, errors.Join(err, drop())
	}
	ps := pgstore.New(pool, &pgstore.Options{Now: now})
	return ps, func() error {
		ps.Close()
		pool.Close()
		return drop()
	}, nil
}

// execOnce runs one statement on a connection of its own.
func execOnce(ctx context.Context, cfg *pgx.ConnConfig, sql string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// clinic is the demo's time zone.
var clinic = mustZone("Europe/Vienna")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // the zone database ships with Go (time/tzdata) and the OS
	}
	return loc
}

// clock is the demo's clock: fixed, moved on by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// sequence returns ids "id1", "id2", ... so that the output is stable.
func sequence() func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("id%d", n)
	}
}

// run is the demo, on PostgreSQL when databaseURL is not empty, else in
// memory.
func run(ctx context.Context, w io.Writer, databaseURL string) (err error) {
	clk := &clock{now: time.Date(2026, 3, 2, 8, 0, 0, 0, clinic)}
	st, closeStore, err := openStore(ctx, databaseURL, clk.Now)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeStore()) }()
	s := openslot.New(st, &openslot.Options{Now: clk.Now, HoldTTL: 10 * time.Minute, NewID: sequence()})

	// 1. The clinic: an organization, a location, two practitioners with
	// their weekly hours, and a patient.
	org := scheduling.Ref("Organization", "praxis")
	room := scheduling.Ref("Location", "ring")
	huber, novak := scheduling.Ref("Practitioner", "huber"), scheduling.Ref("Practitioner", "novak")
	patient := scheduling.Ref("Patient", "maria")
	for _, r := range []scheduling.Resource{
		&scheduling.Organization{Meta: scheduling.Meta{ID: "praxis"}, Name: "Praxis am Ring"},
		&scheduling.Location{Meta: scheduling.Meta{ID: "ring"}, Name: "Ordination Ring 1", ManagingOrganization: &org},
		&scheduling.Practitioner{Meta: scheduling.Meta{ID: "huber"}, Name: []scheduling.HumanName{{Family: "Huber", Given: []string{"Anna"}, Prefix: []string{"Dr."}}}},
		&scheduling.Practitioner{Meta: scheduling.Meta{ID: "novak"}, Name: []scheduling.HumanName{{Family: "Novak", Given: []string{"Petr"}, Prefix: []string{"Dr."}}}},
		&scheduling.Patient{Meta: scheduling.Meta{ID: "maria"}, Name: []scheduling.HumanName{{Family: "Muster", Given: []string{"Maria"}}}},
		weekly("huber", huber, room, "FREQ=WEEKLY;BYDAY=MO,WE,FR", 9, 12),
		weekly("novak", novak, room, "FREQ=WEEKLY;BYDAY=MO,TU,TH", 10, 13),
	} {
		if err := s.Create(ctx, r); err != nil {
			return err
		}
	}
	names := map[string]string{"huber": "Dr. Anna Huber", "novak": "Dr. Petr Novak"}

	// 2. The next free slots with either practitioner (Dr. Huber first).
	offers, err := s.Find(ctx, openslot.FindRequest{Resources: [][]string{{"huber", "novak"}}, Limit: 8})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Next free slots (now is Mon 2 Mar 2026 08:00, Vienna):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  DAY\tTIME\tWITH")
	for _, o := range offers {
		fmt.Fprintf(tw, "  %s\t%s-%s\t%s\n", day(o.Start), hm(o.Start), hm(o.End), names[o.Schedules[0]])
	}
	tw.Flush()

	// 3. Hold the first slot while the patient confirms, then book it.
	first := offers[0]
	visit := scheduling.Appointment{
		Start: first.Start, End: first.End,
		Participant: []scheduling.Participant{{Actor: &patient}, {Actor: &huber}, {Actor: &room}},
		Description: "Check-up",
	}
	held, err := s.Hold(ctx, openslot.BookRequest{Appointment: visit, Schedules: first.Schedules, IdempotencyKey: "web-1"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nHeld %s %s at %s until %s.\n", held.ID, day(held.Start), hm(held.Start), hm(held.HeldUntil))
	// Meanwhile someone else tries the same time: the hold blocks it.
	other := scheduling.Ref("Patient", "max")
	_, err = s.Book(ctx, openslot.BookRequest{Appointment: scheduling.Appointment{Start: first.Start, End: first.End,
		Participant: []scheduling.Participant{{Actor: &other}}}, Schedules: first.Schedules})
	fmt.Fprintf(w, "Another booking of that time fails (conflict: %v):\n  %v\n", errors.Is(err, openslot.ErrConflict), err)

	// 4. Two minutes later the patient confirms: book the hold.
	clk.Set(clk.Now().Add(2 * time.Minute))
	booked, err := s.Book(ctx, openslot.BookRequest{AppointmentID: held.ID, IdempotencyKey: "web-2"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Booked %s: %s.\n", booked.ID, booked.Status)

	// 5. Move the visit to Wednesday 09:30 with the same practitioner.
	wed := time.Date(2026, 3, 4, 9, 30, 0, 0, clinic)
	moved, err := s.Reschedule(ctx, booked.ID, openslot.RescheduleRequest{Start: wed, End: wed.Add(30 * time.Minute), IfVersion: booked.Version})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Rescheduled %s to %s %s (still %s).\n", moved.ID, day(moved.Start), hm(moved.Start), moved.Status)

	// 6. A second appointment with Dr. Novak, cancelled by the patient.
	second := offers[len(offers)-1]
	for _, o := range offers {
		if o.Schedules[0] == "novak" {
			second = o
			break
		}
	}
	extra, err := s.Book(ctx, openslot.BookRequest{Appointment: scheduling.Appointment{Start: second.Start, End: second.End,
		Participant: []scheduling.Participant{{Actor: &patient}, {Actor: &novak}}}, Schedules: second.Schedules})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Booked %s with %s, %s %s.\n", extra.ID, names[second.Schedules[0]], day(extra.Start), hm(extra.Start))
	cancelled, err := s.Cancel(ctx, extra.ID, &scheduling.CodeableConcept{Text: "patient request"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Cancelled %s: %s.\n", cancelled.ID, cancelled.CancelationReason.Text)

	// 7. Wednesday: the patient arrives and checks in.
	clk.Set(time.Date(2026, 3, 4, 9, 20, 0, 0, clinic))
	in, err := s.CheckIn(ctx, moved.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Checked in %s: %s.\n", in.ID, in.Status)

	// 8. Every change recorded its event in the same transaction.
	events, err := s.Events(ctx, 0, 100)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nEvents:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tEVENT\tAPPOINTMENT\tSTATUS\tTIME")
	for _, e := range events {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s -> %s\t%s %s\n", e.Cursor, e.Type, e.AppointmentID, e.From, e.To,
			day(e.Appointment.Start), hm(e.Appointment.Start))
	}
	return tw.Flush()
}

// weekly is a schedule for a practitioner at a location: the given days,
// from h1 to h2 o'clock, 30-minute slots, an hour's notice.
func weekly(id string, who, where scheduling.Reference, rrule string, h1, h2 int) *scheduling.Schedule {
	return &scheduling.Schedule{
		Meta:  scheduling.Meta{ID: id},
		Actor: []scheduling.Reference{who, where},
		Availability: scheduling.Availability{
			TimeZone: clinic.String(),
			Rules: []scheduling.AvailabilityRule{{
				RRule:     rrule,
				StartDate: scheduling.Date{Year: 2026, Month: time.January, Day: 5},
				Start:     scheduling.Clock(h1, 0, 0),
				End:       scheduling.Clock(h2, 0, 0),
			}},
		},
		Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute, MinNotice: time.Hour},
	}
}

func day(t time.Time) string { return t.In(clinic).Format("Mon 2 Jan") }

func hm(t time.Time) string { return t.In(clinic).Format("15:04") }
