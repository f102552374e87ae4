//go:build race

package fhir

// raceEnabled is true in a -race build: compiling the 4 MB R4 schema takes
// most of a minute there, so the schema checks run only in the plain test
// run (go test ./fhir), which covers exactly the same outputs.
const raceEnabled = true
