package numindex

import (
	"math/bits"
	"sort"
	"unsafe"
)

// regionShift cuts the key space into regions of 2^32 keys, about 4·10^9:
// a country's numbers fall in one or a few, and the gaps between
// countries in none, so a region's partitions are spread about evenly
// over its part of the key space.
const regionShift = 32

// maxSlotsPerPart bounds a region's directory: at most 2 slots a
// partition (8 bytes for 128 keys), and so a slot about half a
// partition's span, which holds at most one partition's first key when
// the keys are about evenly spread.
const maxSlotsPerPart = 2

// dir finds the partition of a key by the key's value, with no search
// among partitions. It is derived from their first keys by Build and Load,
// not stored.
type dir struct {
	his   []uint64 // each region's key>>regionShift, ascending
	regs  []region // the regions, as his
	slots []uint32 // the regions' slots, back to back
}

// region is the directory of the partitions whose first keys share
// key>>regionShift.
type region struct {
	first uint64 // the first key of its first partition
	shift uint64 // a slot spans 2^shift keys from first
	start int    // its slots are slots[start:end]
	end   int
	p0    int // its first partition
}

// setDir derives s.dir from s.ent. A region of partitions pa..pb-1 and
// first keys f_p, from f_pa, gets L slots: slot j is the last partition
// whose first key is at most f_pa + j<<shift, with shift the smallest
// that keeps L = (f_(pb-1)-f_pa)>>shift + 2 within maxSlotsPerPart a
// partition and one; the last slot is pb-1. It runs on every Load, so it
// finds a region's end by a binary search and fills each partition's
// slots without a branch.
func (s *Set) setDir() {
	np := len(s.ent) / 2
	var d dir
	nslots := 0
	for pa := 0; pa < np; {
		hi := s.ent[2*pa] >> regionShift
		pb := np
		if hi < 1<<(64-regionShift)-1 { // else the region runs to the end
			pb = pa + sort.Search(np-pa, func(i int) bool { return s.ent[2*(pa+i)]>>regionShift > hi })
		}
		r := region{first: s.ent[2*pa], p0: pa, start: nslots}
		span, most := s.ent[2*(pb-1)]-r.first, uint64(maxSlotsPerPart*(pb-pa)-1)
		r.shift = uint64(max(0, bits.Len64(span)-bits.Len64(most)))
		for span>>r.shift > most {
			r.shift++
		}
		nslots += int(span>>r.shift) + 2
		r.end = nslots
		d.his = append(d.his, hi)
		d.regs = append(d.regs, r)
		pa = pb
	}
	const spare = 4 // slots a partition writes unconditionally
	slots := make([]uint32, nslots+spare)
	for i, r := range d.regs {
		pb := np
		if i+1 < len(d.regs) {
			pb = d.regs[i+1].p0
		}
		sl := slots[r.start : r.end+spare]
		next := s.ent[2*r.p0+2 : 2*pb] // the first keys of the region's other partitions
		j := 0
		for p := r.p0; p < pb-1; p++ {
			// up to the slot from which partition p+1 counts:
			// ceil(o/2^shift), o > 0 as first keys ascend
			o := next[2*(p-r.p0)] - r.first
			end := int((o-1)>>r.shift + 1)
			// spare slots, then the rest if more; those past end are
			// the next partition's, which it writes over
			v := uint32(p)
			sl[j], sl[j+1], sl[j+2], sl[j+3] = v, v, v, v
			for k := j + spare; k < end; k++ {
				sl[k] = v
			}
			j = end
		}
		for ; j < r.end-r.start; j++ {
			sl[j] = uint32(pb - 1)
		}
	}
	d.slots = slots[:nslots:nslots]
	s.dir = d
}

// find returns the partition whose keys k would be among, or -1 if k
// is below every key: the region by k's high bits (a search of a handful
// of regions), then two adjacent slots, then, as a rule, one entry's
// first key, read without a branch.
func (s *Set) find(k uint64) int {
	j, p := s.slot(k)
	if j < 0 {
		return p
	}
	p, q := int(s.dir.slots[j]), int(s.dir.slots[j+1])
	if q-p > 1 { // slots crowded by uneven keys: a search of the few
		return p + lastBase(s.ent[2*p+2:2*q+2], k) + 1
	}
	_, below := bits.Sub64(k, s.ent[2*q], 0) // 1 if k < it
	return q - int(below)*(q-p)
}

// slot returns the slot j whose partition and the next slot's bound k's
// partition, or j = -1 and k's partition p (-1 if k is below every key)
// when k is below its region's first partition. It reads only the
// regions, which stay in cache.
func (s *Set) slot(k uint64) (j, p int) {
	r := last(s.dir.his, k>>regionShift)
	if r < 0 {
		return -1, -1
	}
	rg := &s.dir.regs[r]
	if k < rg.first {
		return -1, rg.p0 - 1
	}
	return rg.start + int(min((k-rg.first)>>rg.shift, uint64(rg.end-rg.start-2))), 0
}

// lastBase returns the index of the last partition entry of ent (pairs of
// words, first keys ascending) whose first key is not above k, or -1.
func lastBase(ent []uint64, k uint64) int {
	i, n := -1, len(ent)/2
	for n > 0 {
		half := n / 2
		if ent[2*(i+1+half)] <= k {
			i += half + 1
			n -= half + 1
		} else {
			n = half
		}
	}
	return i
}

// memoryBytes is the heap d holds.
func (d *dir) memoryBytes() int {
	return 8*cap(d.his) + int(unsafe.Sizeof(region{}))*cap(d.regs) + 4*cap(d.slots)
}
