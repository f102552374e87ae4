//go:build race

package availability

const raceEnabled = true
