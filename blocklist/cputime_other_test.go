//go:build !unix

package blocklist_test

import "testing"

// cpuTime is not measured here: BenchmarkRegistry's cpu-ns/lead is 0.
func cpuTime(*testing.B) int64 { return 0 }
