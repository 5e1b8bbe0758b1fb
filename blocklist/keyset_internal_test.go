package blocklist

import (
	"math/rand/v2"
	"testing"
)

// TestKeySet checks keySet against a Go map under random adds, removes
// and look-ups, with keys drawn from a small range so that probes collide
// and wrap around the table.
func TestKeySet(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 5))
	for _, span := range []uint64{50, 1_000, 100_000} {
		var s keySet
		want := map[uint64]bool{}
		for op := range 200_000 {
			k := 4520000000 + rng.Uint64N(span)
			switch rng.IntN(3) {
			case 0:
				if added := s.add(k); added == want[k] {
					t.Fatalf("span %d, op %d: add(%d) = %v with the key held: %v", span, op, k, added, want[k])
				}
				want[k] = true
			case 1:
				s.remove(k)
				delete(want, k)
			}
			if got := s.has(k); got != want[k] {
				t.Fatalf("span %d, op %d: has(%d) = %v, want %v", span, op, k, got, want[k])
			}
			if s.n != len(want) {
				t.Fatalf("span %d, op %d: %d keys, want %d", span, op, s.n, len(want))
			}
		}
		for k := range want {
			if !s.has(k) {
				t.Fatalf("span %d: lost %d", span, k)
			}
		}
		for i := range uint64(span) {
			if k := 4520000000 + i; s.has(k) != want[k] {
				t.Fatalf("span %d: has(%d) = %v at the end", span, k, !want[k])
			}
		}
	}
}

// has reports whether k is in s: the reference the test reads s by (the
// importer only ever adds, learning from add whether a key was there).
func (s *keySet) has(k uint64) bool {
	if s.n == 0 {
		return false
	}
	mask := len(s.slots) - 1
	for i := s.home(k); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}
