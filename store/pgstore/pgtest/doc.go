// Package pgtest gives tests an isolated PostgreSQL schema for
// store/pgstore, so that they run in parallel against one database and leave
// nothing behind.
//
// Tests find the database through the environment variable
// OPENSLOT_TEST_DATABASE_URL, for example
//
//	OPENSLOT_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go test ./...
//
// Without it a test that asks for a pool is skipped with a message saying
// so, except under CI=true, where it fails: CI must not pass by skipping.
//
//	func TestBooking(t *testing.T) {
//		pool := pgtest.Pool(t) // a fresh, migrated schema; dropped when t ends
//		s := pgstore.New(pool, nil)
//		...
//	}
//
// Tests of several instances sharing one database make the schema first
// and open a pool per instance on it (another process can open one too,
// given the schema's name):
//
//	schema := pgtest.Schema(t)
//	a := pgtest.New(t, pgtest.Options{Schema: schema})
//	b := pgtest.New(t, pgtest.Options{Schema: schema})
package pgtest
