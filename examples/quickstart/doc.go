// Command quickstart is the first program to run with openslot: an
// in-memory clinic with two practitioners, a patient, and one appointment
// taken through hold, book, reschedule and check-in, plus a second one that
// is cancelled. It prints the free slots it finds and the events the
// changes recorded.
//
//	go run ./examples/quickstart
//
// The clinic's clock is fixed at Monday 2 March 2026, 08:00 in Vienna, so
// the output is the same on every run (a test compares it with
// testdata/output.golden).
//
// By default the clinic lives in memory (store/memstore). To run the same
// program on PostgreSQL (store/pgstore), give it a connection string with
// -postgres or in OPENSLOT_DATABASE_URL:
//
//	go run ./examples/quickstart -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// It then creates a schema of its own, openslot_quickstart_<random>,
// migrates it with pgstore.Migrate, and drops it when it ends (also when
// interrupted with Ctrl-C), so it never touches anything else in the
// database and prints the same output.
// The role needs CREATE on the database, and btree_gist must be installed
// or installable (docs/postgres.md).
package main
