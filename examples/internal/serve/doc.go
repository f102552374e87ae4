// Package serve runs the HTTP example programs (clinicapi, crmbooking and
// fhirserver) alike: it reads their flags, opens the store (in memory, or
// PostgreSQL through -postgres or $OPENSLOT_DATABASE_URL), lets the
// program seed its demo data and build its handler, and serves until the
// context ends, then shuts the server down cleanly. Each program keeps
// what is its own: its seed data, its handler and its usage text.
package serve
