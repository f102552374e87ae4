//go:build !race

package fhir

// raceEnabled is false outside -race builds; see race_test.go.
const raceEnabled = false
