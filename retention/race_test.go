//go:build race

package retention_test

// raceEnabled shrinks the fault-injection purge under the race detector,
// which makes every store call several times slower.
const raceEnabled = true
