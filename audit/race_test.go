//go:build race

package audit_test

// raceEnabled shrinks the logs of the slowest tests under the race
// detector, which makes hashing code ten times slower.
const raceEnabled = true
