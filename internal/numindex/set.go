package numindex

import (
	"iter"
	"math/bits"
	"runtime"
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
	n int
	// ent holds two words a partition: its first key, and its meta: the
	// bit where its codes start in data, shifted left 16, ORed with the
	// length of its high bit vector shifted left 6, ORed with its count of
	// low bits l. Four partitions' entries fill one 64-byte cache line, so
	// a look-up reads the bases it compares and the meta it needs at once.
	ent []uint64
	// data holds the partitions' codes, total bits.
	data  []uint64
	total uint64
	words []uint64 // the one allocation ent and data share
	// dir finds a key's partition from the key's value (dir.go).
	dir dir
}

// The fields of an entry's meta word.
const (
	lowMask  = 1<<6 - 1
	hlenMask = 1<<10 - 1 // a high bit vector is at most 3*partSize bits
	offShift = 16
)

// Build sorts keys in place, drops repeats, and compiles them. The Set keeps
// no reference to keys.
func Build(keys []uint64) *Set {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	np := (len(keys) + partSize - 1) / partSize
	s := &Set{n: len(keys)}
	for p := range np {
		s.total += partBits(keys[p*partSize : min(len(keys), (p+1)*partSize)])
	}
	s.alloc(np)
	var off uint64
	for p := range np {
		part := keys[p*partSize : min(len(keys), (p+1)*partSize)]
		l := lowBits(part)
		s.ent[2*p] = part[0]
		s.ent[2*p+1] = off<<offShift | highBits(part, l)<<6 | l
		off = s.encode(part, off, l)
	}
	s.setDir()
	return s
}

// alloc sets up s's slices for np partitions of s.total bits, the entries
// at the start of a fresh allocation (page-aligned when large, so an
// entry's two words never straddle lines).
func (s *Set) alloc(np int) {
	s.setWords(np, make([]uint64, 2*np+int((s.total+63)/64)))
}

// setWords makes words, the entries of np partitions and their codes, s's.
func (s *Set) setWords(np int, words []uint64) {
	s.words = words
	s.ent = words[: 2*np : 2*np]
	s.data = words[2*np:]
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
	return uint64(len(part))*l + highBits(part, l)
}

// highBits is the length of part's high bit vector.
func highBits(part []uint64, l uint64) uint64 {
	return uint64(len(part)) + (part[len(part)-1]-part[0])>>l + 1
}

// encode writes part's encoding at bit off of s.data and returns the bit
// where it ends.
func (s *Set) encode(part []uint64, off, l uint64) uint64 {
	base, mask := part[0], uint64(1)<<l-1
	hs := off + uint64(len(part))*l
	for i, k := range part {
		d := k - base
		s.setLow(off+uint64(i)*l, d&mask, l)
		pos := hs + d>>l + uint64(i)
		s.data[pos>>6] |= 1 << (pos & 63)
	}
	return off + partBits(part)
}

// setLow ORs the l-bit value v into data at bit pos.
func (s *Set) setLow(pos, v, l uint64) {
	w, o := pos>>6, pos&63
	s.data[w] |= v << o
	if o+l > 64 {
		s.data[w+1] |= v >> (64 - o)
	}
}

// bitsAt returns the 64 bits of data from bit pos on (pos below the
// codes' end). Past the last word it returns junk, which callers mask
// off: reading the last word again saves a branch.
func (s *Set) bitsAt(pos uint64) uint64 {
	w, o := pos>>6, pos&63
	return s.data[w]>>o | s.data[min(w+1, uint64(len(s.data)-1))]<<(64-o) // a shift by 64 is 0
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
}

func (s *Set) part(p int) part {
	meta := s.ent[2*p+1]
	pt := part{base: s.ent[2*p], off: meta >> offShift, l: meta & lowMask, m: partSize}
	if p == len(s.ent)/2-1 {
		pt.m = uint64(s.n - p*partSize)
	}
	hlen := meta >> 6 & hlenMask
	pt.hs = pt.off + pt.m*pt.l
	pt.end = pt.hs + hlen
	pt.zeros = hlen - pt.m
	return pt
}

// low returns the low part of the partition's i-th key.
func (s *Set) low(pt *part, i uint64) uint64 {
	return s.bitsAt(pt.off+i*pt.l) & (1<<pt.l - 1)
}

// has reports whether partition pt holds k (k >= pt.base, and below the
// next partition's base). It finds k's
// bucket by the zeros before it and compares k's low part with each low part
// of the bucket; buckets hold 2 keys at most on average.
func (s *Set) has(pt *part, k uint64) bool {
	d := k - pt.base
	h := d >> pt.l
	if h >= pt.zeros {
		return false
	}
	pos := pt.hs
	if h > 0 {
		pos = s.select0(pt.hs, pt.end, h-1) + 1
	}
	want := d & (1<<pt.l - 1)
	i := pos - pt.hs - h // the bucket's first key
	for pos < pt.end && i < pt.m {
		run := min(uint64(bits.TrailingZeros64(^s.bitsAt(pos))), pt.end-pos, pt.m-i)
		for j := i; j < i+run; j++ {
			if s.low(pt, j) == want {
				return true
			}
		}
		if run < 64 {
			break
		}
		pos, i = pos+run, i+run
	}
	return false
}

// select0 returns the position of the r-th zero (from 0) of data at or after
// bit from and before end (from < end), or end if there are not that many.
// It reads whole words: the first from bit from on, the zeros that shift
// into its top not counted.
func (s *Set) select0(from, end, r uint64) uint64 {
	w, pos := from>>6, from
	x := ^s.data[w] >> (from & 63)
	for {
		if end-pos < 64 {
			x &= 1<<(end-pos) - 1
		}
		c := uint64(bits.OnesCount64(x))
		if r < c {
			return pos + select64(x, r)
		}
		r -= c
		w++
		if pos = w << 6; pos >= end {
			return end
		}
		x = ^s.data[w]
	}
}

// select64 returns the position of the r-th one (from 0) of w, which has
// more than r ones, without a branch: the bytes' running counts, compared
// with r all at once, give the byte, and a table the bit in it.
func select64(w, r uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	c := w - w>>1&0x5555555555555555
	c = c&0x3333333333333333 + c>>2&0x3333333333333333
	c = (c + c>>4) & 0x0f0f0f0f0f0f0f0f * ones // byte i: ones in bytes 0..i
	at := uint64(bits.OnesCount64(((r*ones|highs)-c)&highs)) * 8
	r -= c << 8 >> at & 0xff // minus the ones below the byte
	return at + uint64(selectInByte[r<<8|w>>at&0xff])
}

// selectInByte[r<<8|b] is the position of b's r-th one (from 0).
var selectInByte = func() (t [8 << 8]uint8) {
	for b := range 256 {
		r := 0
		for i := range 8 {
			if b>>i&1 == 1 {
				t[r<<8|b] = uint8(i)
				r++
			}
		}
	}
	return t
}()

// Len returns the number of keys in s.
func (s *Set) Len() int { return s.n }

// last returns the index of the last of ks (ascending) not above k, or -1.
// Its halving loop compiles to conditional moves: a look-up's comparisons
// are random, and mispredicted branches would cost more than the loads.
func last(ks []uint64, k uint64) int {
	if len(ks) == 0 || ks[0] > k {
		return -1
	}
	i, n := 0, len(ks)
	for n > 1 {
		half := n / 2
		if ks[i+half] <= k {
			i += half
		}
		n -= half
	}
	return i
}

// Contains reports whether k is in s.
func (s *Set) Contains(k uint64) bool {
	p := s.find(k)
	if p < 0 {
		return false
	}
	pt := s.part(p)
	runtime.KeepAlive(s.touch(&pt))
	return s.has(&pt, k)
}

// touch reads a word of each cache line of partition pt's codes and
// returns their XOR, so that the CPU fetches the lines at once, their
// loads independent of one another, instead of the high bit vector's
// and then, once it is searched, the low parts'.
func (s *Set) touch(pt *part) (warm uint64) {
	first, end := pt.off>>6, (pt.end-1)>>6
	for w := first; w < end; w += 8 { // a word a line, and the last
		warm ^= s.data[w]
	}
	return warm ^ s.data[end]
}

// chunkKeys is the keys ContainsSorted looks up together: enough that the
// misses of a stage keep the memory busy, few enough that the stages'
// arrays stay on the stack.
const chunkKeys = 64

// ContainsSorted reports for each key of ks (ascending, repeats allowed)
// whether it is in s, into out[i] (len(out) >= len(ks)); a sorted batch walk,
// faster than len(ks) Contains calls. It works in chunks of keys, in
// stages: touch every key's directory slots, then the entry they point
// to, find its partition (dir.go), read its entry, touch every line of
// its codes, then search the partitions. A stage's loads do not depend on
// one another, so the CPU fetches their cache lines in parallel rather
// than one look-up's after another's.
func (s *Set) ContainsSorted(ks []uint64, out []bool) {
	const chunk = chunkKeys
	var (
		ps   [chunk]int  // each key's slot, then its partition
		pts  [chunk]part // its description
		warm uint64      // the words read only to fetch their lines
	)
	out = out[:len(ks)]
	lo := 0
	for lo < len(ks) && (s.n == 0 || ks[lo] < s.ent[0]) { // below every key
		out[lo] = false
		lo++
	}
	for ; lo < len(ks); lo += chunk {
		keys := ks[lo:min(lo+chunk, len(ks))]
		for i, k := range keys {
			ps[i], _ = s.slot(k)
			warm ^= uint64(s.dir.slots[max(ps[i], 0)])
		}
		for _, j := range ps[:len(keys)] {
			warm ^= s.ent[2*s.dir.slots[max(j, 0)+1]]
		}
		for j, k := range keys {
			ps[j] = s.find(k)
		}
		for j, p := range ps[:len(keys)] {
			pts[j] = s.part(p)
		}
		for j := range keys {
			warm ^= s.touch(&pts[j])
		}
		for j, k := range keys {
			out[lo+j] = s.has(&pts[j], k)
		}
	}
	runtime.KeepAlive(warm)
}

// All yields the keys in ascending order. A Set loaded from damaged bytes
// yields only keys it Contains.
func (s *Set) All() iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		np := len(s.ent) / 2
		for p := range np {
			pt := s.part(p)
			lim := ^pt.base // the largest offset from base a key can have
			if p+1 < np {
				lim = s.ent[2*p+2] - 1 - pt.base
			}
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
					if h < pt.zeros && d <= lim && !yield(pt.base+d) {
						return
					}
				}
			}
		}
	}
}

// MemoryBytes is the heap the set holds.
func (s *Set) MemoryBytes() int { return 8*cap(s.words) + s.dir.memoryBytes() }
