package numindex

import (
	"iter"
	"math/bits"
	"slices"
)

// partLog is log2 of the keys a partition holds: partitions of 128 keys keep
// a look-up to a few words of one partition while their per-partition cost
// (base and meta, 16 bytes) stays at 1 bit a key.
const (
	partLog  = 7
	partSize = 1 << partLog
)

// Set is an immutable set of keys, safe for concurrent use by any number of
// goroutines: nothing changes it after Build or Load.
//
// The keys are cut, in ascending order, into partitions of partSize keys
// (the last may hold fewer), each Elias–Fano coded on its own relative to its
// first key (see doc.go).
type Set struct {
	n     int
	bases []uint64 // first key of each partition, ascending
	// meta[p] is the bit offset in data where partition p starts, shifted
	// left 8, ORed with its count of low bits l; meta[len(bases)] is the
	// total length of data in bits, shifted left 8.
	meta []uint64
	// data holds the partitions' bits and one more zero word, so that 64
	// bits can be read at any position inside them without a bounds branch.
	data  []uint64
	words []uint64 // the one allocation bases, meta and data share
}

// Build sorts keys in place, drops repeats, and compiles them. The Set keeps
// no reference to keys.
func Build(keys []uint64) *Set {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	np := (len(keys) + partSize - 1) / partSize
	s := &Set{n: len(keys)}
	var total uint64
	for p := range np {
		part := keys[p*partSize : min(len(keys), (p+1)*partSize)]
		total += partBits(part)
	}
	s.alloc(np, total)
	var off uint64
	for p := range np {
		part := keys[p*partSize : min(len(keys), (p+1)*partSize)]
		s.bases[p] = part[0]
		l := lowBits(part)
		s.meta[p] = off<<8 | l
		off = s.encode(part, off, l)
	}
	if np > 0 {
		s.meta[np] = off << 8
	}
	return s
}

// alloc sets up s's slices for np partitions of total bits.
func (s *Set) alloc(np int, total uint64) {
	nd := int((total + 63) / 64)
	nm := 0
	if np > 0 {
		nm = np + 1
	}
	s.words = make([]uint64, np+nm+nd+1)
	s.bases = s.words[:np:np]
	s.meta = s.words[np : np+nm : np+nm]
	s.data = s.words[np+nm:]
}

// lowBits is the Elias–Fano split of an ascending partition: l =
// floor(log2(span/len)) low bits a key are stored verbatim, so that the
// high parts, written in unary, take at most 2 bits a key.
func lowBits(part []uint64) uint64 {
	span := part[len(part)-1] - part[0]
	if q := span / uint64(len(part)); q > 0 {
		return uint64(bits.Len64(q) - 1)
	}
	return 0
}

// partBits is the length in bits of part's encoding: len(part) low parts of
// l bits, then the high parts as a bit vector with a one for each key and a
// zero closing each bucket of 2^l values up to the last key's.
func partBits(part []uint64) uint64 {
	l := lowBits(part)
	m := uint64(len(part))
	return m*l + m + (part[len(part)-1]-part[0])>>l + 1
}

// encode writes part's encoding at bit off of s.data and returns the bit
// where it ends.
func (s *Set) encode(part []uint64, off, l uint64) uint64 {
	base, mask := part[0], uint64(1)<<l-1
	hs := off + uint64(len(part))*l
	for i, k := range part {
		d := k - base
		s.setLow(off+uint64(i)*l, d&mask)
		pos := hs + d>>l + uint64(i)
		s.data[pos>>6] |= 1 << (pos & 63)
	}
	return off + partBits(part)
}

// setLow ORs v into data at bit pos; the spare last word takes the spill.
func (s *Set) setLow(pos, v uint64) {
	w, o := pos>>6, pos&63
	s.data[w] |= v << o
	s.data[w+1] |= v >> (64 - o) // a shift by 64 is 0 in Go
}

// bitsAt returns the 64 bits of data from bit pos on (pos below the
// encoding's end, so data[w+1] is at most the spare word).
func (s *Set) bitsAt(pos uint64) uint64 {
	w, o := pos>>6, pos&63
	return s.data[w]>>o | s.data[w+1]<<(64-o)
}

// part describes partition p for a look-up.
type part struct {
	base  uint64 // first key
	off   uint64 // bit where the low parts start
	l     uint64 // low bits a key
	hs    uint64 // bit where the high bit vector starts
	end   uint64 // bit where the partition ends
	m     uint64 // keys in the partition
	zeros uint64 // buckets of the high bit vector (its zeros if well formed)
	lim   uint64 // the largest offset from base the partition may hold
}

func (s *Set) part(p int) part {
	m0, m1 := s.meta[p], s.meta[p+1]
	pt := part{base: s.bases[p], off: m0 >> 8, l: m0 & 0xff, end: m1 >> 8, m: partSize}
	if p == len(s.bases)-1 {
		pt.m = uint64(s.n - p*partSize)
		pt.lim = ^pt.base
	} else {
		pt.lim = s.bases[p+1] - 1 - pt.base
	}
	pt.hs = pt.off + pt.m*pt.l
	pt.zeros = pt.end - pt.hs - pt.m
	return pt
}

// low returns the low part of the partition's i-th key.
func (s *Set) low(pt *part, i uint64) uint64 {
	return s.bitsAt(pt.off+i*pt.l) & (1<<pt.l - 1)
}

// has reports whether partition pt holds k (k >= pt.base). It finds k's
// bucket by the zeros before it and compares k's low part with each low part
// of the bucket; buckets hold 2 keys at most on average.
func (s *Set) has(pt *part, k uint64) bool {
	d := k - pt.base
	h := d >> pt.l
	if d > pt.lim || h >= pt.zeros {
		return false
	}
	pos := pt.hs
	if h > 0 {
		pos = s.select0(pt.hs, pt.end, h-1) + 1
	}
	want := d & (1<<pt.l - 1)
	for i := pos - pt.hs - h; pos < pt.end && i < pt.m; pos, i = pos+1, i+1 {
		if s.data[pos>>6]>>(pos&63)&1 == 0 {
			break
		}
		if s.low(pt, i) == want {
			return true
		}
	}
	return false
}

// select0 returns the position of the r-th zero (from 0) of data at or after
// bit from and before end, or end if there are not that many.
func (s *Set) select0(from, end, r uint64) uint64 {
	for pos := from; pos < end; pos += 64 {
		w := ^s.bitsAt(pos)
		if end-pos < 64 {
			w &= 1<<(end-pos) - 1
		}
		c := uint64(bits.OnesCount64(w))
		if r < c {
			return pos + select64(w, r)
		}
		r -= c
	}
	return end
}

// select64 returns the position of the r-th one (from 0) of w, which has
// more than r ones: bytes are skipped by their counts, then bits cleared.
func select64(w, r uint64) uint64 {
	var pos uint64
	for {
		c := uint64(bits.OnesCount8(uint8(w)))
		if r < c {
			break
		}
		r -= c
		w >>= 8
		pos += 8
	}
	for ; r > 0; r-- {
		w &= w - 1
	}
	return pos + uint64(bits.TrailingZeros64(w))
}

// Len returns the number of keys in s.
func (s *Set) Len() int { return s.n }

// find returns the partition whose keys k would be among, or -1 if k is
// below every key.
func (s *Set) find(k uint64) int {
	p, found := slices.BinarySearch(s.bases, k)
	if !found {
		p--
	}
	return p
}

// Contains reports whether k is in s.
func (s *Set) Contains(k uint64) bool {
	p := s.find(k)
	if p < 0 {
		return false
	}
	pt := s.part(p)
	return s.has(&pt, k)
}

// ContainsSorted reports for each key of ks (ascending, repeats allowed)
// whether it is in s, into out[i] (len(out) >= len(ks)); a sorted batch walk,
// faster than len(ks) Contains calls: the partition search gallops on from
// the previous key's partition, and a partition is described once for all
// the keys that fall in it.
func (s *Set) ContainsSorted(ks []uint64, out []bool) {
	out = out[:len(ks)]
	np := len(s.bases)
	p := -1
	var pt part
	for i, k := range ks {
		if p+1 < np && s.bases[p+1] <= k {
			lo, step := p+1, 1 // bases[lo] <= k
			for lo+step < np && s.bases[lo+step] <= k {
				lo += step
				step *= 2
			}
			hi := min(lo+step, np) // bases[hi] > k or hi == np
			j, found := slices.BinarySearch(s.bases[lo+1:hi], k)
			if found {
				j++
			}
			p = lo + j
			pt = s.part(p)
		}
		out[i] = p >= 0 && s.has(&pt, k)
	}
}

// All yields the keys in ascending order. A Set loaded from damaged bytes
// yields only keys it Contains.
func (s *Set) All() iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		for p := range s.bases {
			pt := s.part(p)
			var i uint64
			for wp := pt.hs; wp < pt.end && i < pt.m; wp += 64 {
				x := s.bitsAt(wp)
				if pt.end-wp < 64 {
					x &= 1<<(pt.end-wp) - 1
				}
				for ; x != 0 && i < pt.m; i++ {
					h := wp + uint64(bits.TrailingZeros64(x)) - pt.hs - i
					x &= x - 1
					d := h<<pt.l | s.low(&pt, i)
					if h < pt.zeros && d <= pt.lim && !yield(pt.base+d) {
						return
					}
				}
			}
		}
	}
}

// MemoryBytes is the heap the set holds.
func (s *Set) MemoryBytes() int { return 8 * cap(s.words) }
