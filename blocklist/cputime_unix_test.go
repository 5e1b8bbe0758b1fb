//go:build unix

package blocklist_test

import (
	"syscall"
	"testing"
)

// cpuTime returns the CPU time the process has used so far, user and
// system, in nanoseconds, on every goroutine: on this shared machine a
// steadier figure than wall-clock time (which also counts waiting for a
// core), though it adds rather than overlaps the work of CheckImport's two
// goroutines.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
