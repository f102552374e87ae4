// Package openslot is an embeddable library for healthcare appointment
// scheduling: publish bookable availability, take bookings without ever
// double-booking, move appointments through their life cycle, and tell the
// outside world what changed. No process of ours has to run: import it,
// plug a store, call the Scheduler.
//
// # The packages
//
//   - scheduling: the FHIR R4-aligned model (Schedule, Slot, Appointment,
//     AppointmentResponse and the actors), validation, and the booking state
//     machine as pure functions (scheduling.Apply).
//   - availability: recurring availability (RRULE, FHIR availableTime,
//     overrides, blocks) and slot policy (duration, grid, buffers, notice,
//     horizon, capacity, limits) turned into free slots.
//   - store: the storage interfaces; store/memstore (in memory) and
//     store/pgstore (PostgreSQL) implement them, storetest proves any other.
//   - openslot (this package): the Scheduler, which ties them together in
//     transactions, and the Dispatcher, which delivers the event log.
//   - fhir: FHIR R4 JSON and an http.Handler for the REST interactions and
//     the IHE/HL7 Austria scheduling operations, and events as FHIR message
//     Bundles.
//   - notify: signed webhook delivery of those Bundles with retries and dead
//     letters, and appointment reminders.
//
// # A first booking
//
//	st := memstore.New(nil)
//	s := openslot.New(st, nil)
//	_ = s.Create(ctx, &scheduling.Schedule{
//		Meta:  scheduling.Meta{ID: "dr-a"},
//		Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "a")},
//		Availability: scheduling.Availability{TimeZone: "Europe/Vienna",
//			Rules: []scheduling.AvailabilityRule{{RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
//				StartDate: scheduling.Date{Year: 2026, Month: 1, Day: 5},
//				Start: scheduling.Clock(9, 0, 0), End: scheduling.Clock(17, 0, 0)}}},
//		Policy: scheduling.SlotPolicy{Duration: 30 * time.Minute},
//	})
//	offers, _ := s.Find(ctx, openslot.FindRequest{Resources: [][]string{{"dr-a"}}, Limit: 5})
//	appt, err := s.Book(ctx, openslot.BookRequest{
//		Appointment: scheduling.Appointment{Start: offers[0].Start, End: offers[0].End,
//			Participant: []scheduling.Participant{
//				{Actor: &patientRef}, {Actor: &practitionerRef}}},
//		Schedules:      offers[0].Schedules,
//		IdempotencyKey: requestID,
//	})
//
// The runnable version is examples/quickstart.
//
// # What the Scheduler guarantees
//
//   - No double booking. For every schedule, at every instant, the
//     appointments and live holds that occupy it never exceed its capacity,
//     under any number of concurrent callers and processes sharing a store,
//     and through reschedules (a move onto an appointment's own old time
//     succeeds).
//   - Every state change is a legal transition of scheduling.Apply; an
//     illegal one fails with scheduling.ErrInvalidTransition and changes
//     nothing.
//   - Holds end. An expired hold blocks no one whether or not the sweeper
//     (ExpireHolds, RunSweeper) has run; a booking that meets one expires it
//     in its own transaction.
//   - Events match state: each change records its event in the same
//     transaction (an outbox), exactly one per transition. Events returns the
//     log from a cursor; a Dispatcher delivers it at least once, in order.
//   - Bad input gets a clear error and changes nothing; every write is one
//     transaction.
//   - The same rules on every path: availability, minimum notice, horizon,
//     capacity and booking limits are checked by Hold, Book and Reschedule
//     alike, and again by Book, Confirm and Respond when they turn a hold
//     into a booking. A live hold keeps the time it was granted: notice and
//     horizon, which only depend on the clock, are judged when it is placed.
//   - Idempotency: Book, Hold and Reschedule take an IdempotencyKey; a
//     retried request returns what the first one made.
//
// # How a booking is written
//
// Hold, Book, Confirm and Reschedule run one store transaction: lock the
// schedules involved (store.Tx.LockSchedules, in id order), read their busy
// time, check every schedule with availability.Schedule.Check (the
// appointment's own busy time excluded), and only then write: the
// Appointment, one stored Slot per schedule (busy, or busy-tentative with
// heldUntil for a hold), one store.Busy per schedule (Exclusive when the
// schedule's capacity is 1, so a store with a database constraint refuses
// overlaps as a second line), the event, and the idempotency key. Cancel,
// expiry and entered-in-error free the slots and remove the busy time; a
// no-show or a fulfilled appointment keeps it. Compiled availability is
// cached per schedule version.
//
// A transaction that loses a race (store.ErrConflict) runs again, up to
// Options.MaxRetries times with a short jittered backoff. A time that is
// really taken is not retried: it fails at once with a *SlotError that
// names the schedule and the time and matches ErrConflict (and
// availability.ErrFull). A time a schedule does not offer matches
// ErrUnavailable and the availability sentinel that says why. Nor is a
// Create (or Respond) with an id that is already stored: it fails at once
// with ErrConflict.
//
// # Plugging a store
//
// Implement store.Store (see the package documentation of store for the
// contract) and prove it with storetest.Run, which includes the Scheduler's
// own concurrency cases (storetest.RunScheduler). The Scheduler never
// relies on a database constraint; it relies on Update being atomic,
// LockSchedules serialising the transactions that lock the same schedule,
// and Put refusing a stale version.
//
// # Logging
//
// Options.Logger receives Debug records with ids, statuses, times and
// error kinds; never names, identifiers or free text of patients.
package openslot
