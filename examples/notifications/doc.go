// Command notifications shows openslot's notifications end to end, in one
// process: a webhook receiver that verifies every delivery's signature, and
// an in-memory clinic whose Scheduler books, reschedules and cancels an
// appointment while reminders fall due. Two subscribers get the events as
// FHIR message Bundles: an EHR (detailed form, every event) and a patient
// app (lightweight form, bookings, reschedules, cancellations and
// reminders).
//
//	go run ./examples/notifications
//
// The clinic is in New York and its clock is fixed (the week clocks go
// forward, so the day-before reminder shows that a day is 23 hours long),
// and ids come from a sequence, so the output is the same on every run (a
// test compares it with testdata/output.golden). The receiver listens on
// 127.0.0.1 on a free port and the program exits 0 when every delivery
// arrived and verified.
package main
