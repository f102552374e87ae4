// Command fhirserver runs openslot's FHIR R4 scheduling handler on a port,
// with a small demo practice, so that any FHIR client (or curl) can find,
// hold, book, reschedule and cancel appointments:
//
//	go run ./examples/fhirserver                  # in memory, 127.0.0.1:8080
//	go run ./examples/fhirserver -addr :9090
//	go run ./examples/fhirserver -postgres 'postgres://localhost/openslot'
//
// On PostgreSQL (-postgres or $OPENSLOT_DATABASE_URL) the tables go into
// the first schema of the connection's search_path, migrated at start, and
// stay: the next start finds the practice and its bookings there.
//
// Requests other than GET /metadata need a bearer token of the demo token
// table (printed at start): one with system/*.* scopes, and one of a
// patient who can see and change only their own appointments. It prints
// curl lines to try, and stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
package main
