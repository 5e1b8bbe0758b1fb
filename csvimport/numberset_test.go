package csvimport

import "testing"

// TestNumberSetFarLines checks lines beyond what the table's 32-bit line
// array holds: only a file of billions of (blank) lines has them, too big
// to generate in a test.
func TestNumberSetFarLines(t *testing.T) {
	var s numberSet
	const far = 1<<32 + 7
	for i, line := range []int{3, far, 1 << 32, 1<<32 - 1} {
		if _, dup := s.firstLine(uint64(i+1), line); dup {
			t.Fatalf("key %d reported as a duplicate on first sight", i+1)
		}
	}
	for i, want := range []int{3, far, 1 << 32, 1<<32 - 1} {
		if got, dup := s.firstLine(uint64(i+1), far+100); !dup || got != want {
			t.Errorf("key %d: first line %d, %v; want %d, true", i+1, got, dup, want)
		}
	}
	// Growing the table keeps both kinds of line.
	for k := uint64(100); k < 3000; k++ {
		s.firstLine(k, int(k))
	}
	if got, _ := s.firstLine(2, 1); got != far {
		t.Errorf("after growth: first line %d, want %d", got, far)
	}
	if got, _ := s.firstLine(2999, 1); got != 2999 {
		t.Errorf("after growth: first line %d, want 2999", got)
	}
}
