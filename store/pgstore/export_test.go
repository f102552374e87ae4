package pgstore

import "time"

// SetCommitTimeout sets the bound of Update's final round trip, for tests
// that let it run out, until the returned func restores it. Tests that
// call it must not run in parallel with others of the package.
func SetCommitTimeout(d time.Duration) (restore func()) {
	old := commitTimeout
	commitTimeout = d
	return func() { commitTimeout = old }
}
