package blocklist

import (
	"math/bits"
	"runtime"
	"sync"
)

// keySet is a set of number keys (see key; never 0): the numbers an
// import accepted, looked up for every number it checks. Open addressing
// with linear probing in one []uint64, at most half full: a look-up
// reads one cache line, most of the time, where a Go map reads its
// control word and then the slot, and a key costs 16 to 32 bytes.
type keySet struct {
	slots []uint64 // 0: empty
	n     int      // keys held
	shift uint8    // 64 - log2(len(slots))
}

// keySets keeps the sets of finished imports, emptied, for the next ones:
// a stream of imports then neither allocates nor rehashes its set again
// as it grows. The pool lets them go when they stay unused (sync.Pool).
var keySets = sync.Pool{New: func() any { return new(keySet) }}

// reset empties s, keeping its table.
func (s *keySet) reset() {
	clear(s.slots)
	s.n = 0
}

// home is the slot where k's probe starts (Fibonacci hashing).
func (s *keySet) home(k uint64) int { return int((k * 0x9e3779b97f4a7c15) >> s.shift) }

// add puts k in s and reports whether it was not there yet: the look-up
// and the insertion in one probe.
func (s *keySet) add(k uint64) bool {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := len(s.slots) - 1
	i := s.home(k)
	for ; s.slots[i] != 0; i = (i + 1) & mask {
		if s.slots[i] == k {
			return false
		}
	}
	s.slots[i] = k
	s.n++
	return true
}

// grow doubles the table (64 slots at first) and places the keys again.
func (s *keySet) grow() {
	old := s.slots
	size := max(64, 2*len(old))
	s.slots, s.shift, s.n = make([]uint64, size), uint8(64-bits.TrailingZeros(uint(size))), 0
	for _, k := range old {
		if k != 0 {
			s.add(k)
		}
	}
}

// remove takes k out of s, moving back the keys after it whose probe
// would otherwise cross the emptied slot (no tombstones).
func (s *keySet) remove(k uint64) {
	if s.n == 0 {
		return
	}
	mask := len(s.slots) - 1
	i := s.home(k)
	for ; s.slots[i] != k; i = (i + 1) & mask {
		if s.slots[i] == 0 {
			return
		}
	}
	s.n--
	for j := i; ; {
		s.slots[i] = 0
		for {
			j = (j + 1) & mask
			if s.slots[j] == 0 {
				return
			}
			// The key at j stays unless its home is cyclically outside (i, j].
			if h := s.home(s.slots[j]); (i <= j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
				break
			}
		}
		s.slots[i] = s.slots[j]
		i = j
	}
}

// warm reads the slot where each of keys' probe starts, so that the cache
// lines a batch's look-ups need are fetched together, the loads being
// independent, instead of one miss after another.
func (s *keySet) warm(keys []uint64) {
	if s.n == 0 {
		return
	}
	var x uint64
	for _, k := range keys {
		x ^= s.slots[s.home(k)]
	}
	runtime.KeepAlive(x)
}
