package numindex

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"unsafe"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

// maxKey is the largest key of an E.164 number: 15 nines.
const maxKey = 999_999_999_999_999

// checkSet asserts that s holds exactly want (ascending, no repeats):
// Len, All, Contains and ContainsSorted on every key, every key's
// neighbours, every partition's edges and the extra queries.
func checkSet(t *testing.T, s *Set, want []uint64, extra []uint64) {
	t.Helper()
	if s.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(want))
	}
	if got := slices.Collect(s.All()); !slices.Equal(got, want) {
		t.Fatalf("All yields %d keys, differing from the %d built (first %v, want %v)", len(got), len(want), head(got), head(want))
	}
	in := make(map[uint64]bool, len(want))
	for _, k := range want {
		in[k] = true
	}
	qs := slices.Clone(extra)
	for _, k := range want {
		qs = append(qs, k, k-1, k+1)
	}
	qs = append(qs, 0, 1, 2, maxKey, maxKey+1, ^uint64(0))
	for _, k := range qs {
		if s.Contains(k) != in[k] {
			t.Fatalf("Contains(%d) = %v, want %v", k, !in[k], in[k])
		}
	}
	slices.Sort(qs)
	out := make([]bool, len(qs)+1)
	s.ContainsSorted(qs, out)
	for i, k := range qs {
		if out[i] != in[k] {
			t.Fatalf("ContainsSorted: key %d = %v, want %v", k, out[i], in[k])
		}
	}
	// batches that start anywhere, as a caller's batches do
	for lo := 0; lo < len(qs); lo += 1 + len(qs)/7 {
		hi := min(len(qs), lo+1+len(qs)/5)
		s.ContainsSorted(qs[lo:hi], out)
		for i, k := range qs[lo:hi] {
			if out[i] != in[k] {
				t.Fatalf("ContainsSorted batch %d: key %d = %v, want %v", lo, k, out[i], in[k])
			}
		}
	}
}

func head(ks []uint64) []uint64 { return ks[:min(len(ks), 5)] }

// roundTrip checks that s serializes deterministically and loads back to
// the same bytes and answers.
func roundTrip(t *testing.T, s *Set, want, extra []uint64) {
	t.Helper()
	b, err := s.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := Build(slices.Clone(want)).AppendBinary([]byte("x"))
	if !bytes.Equal(b, b2[1:]) {
		t.Fatal("AppendBinary differs between two builds of the same keys")
	}
	l, err := Load(b)
	if err != nil {
		t.Fatalf("Load(AppendBinary): %v", err)
	}
	clear(b) // Load copies
	checkSet(t, l, want, extra)
	b3, _ := l.AppendBinary(nil)
	if !bytes.Equal(b3, b2[1:]) {
		t.Fatal("a loaded Set serializes differently")
	}
	// LoadInPlace answers from b's memory where its words are aligned (b3,
	// a fresh allocation), and copies them where they are not (b2[1:]).
	kept, err := LoadInPlace(b3)
	if err != nil {
		t.Fatalf("LoadInPlace(AppendBinary): %v", err)
	}
	checkSet(t, kept, want, extra)
	if littleEndian && len(want) > 0 && unsafe.SliceData(kept.words) != (*uint64)(unsafe.Pointer(&b3[8*header])) {
		t.Fatal("LoadInPlace copied aligned words")
	}
	copied, err := LoadInPlace(b2[1:])
	if err != nil {
		t.Fatalf("LoadInPlace(AppendBinary), unaligned: %v", err)
	}
	clear(b2)
	checkSet(t, copied, want, extra)
}

// gen draws n keys of a kind, unsorted, possibly repeated.
func gen(r *rand.Rand, kind string, n int) []uint64 {
	ks := make([]uint64, n)
	switch kind {
	case "uniform": // anywhere in E.164's range
		for i := range ks {
			ks[i] = 1 + r.Uint64N(maxKey)
		}
	case "mobiles": // two countries' mobile ranges, a huge gap between
		for i := range ks {
			if r.IntN(10) < 3 {
				ks[i] = 45_20000000 + r.Uint64N(80000000)
			} else {
				ks[i] = 447_000000000 + r.Uint64N(1000000000)
			}
		}
	case "dense": // runs of consecutive numbers with gaps of any size
		k := 1 + r.Uint64N(1000)
		for i := range ks {
			ks[i] = k
			switch r.IntN(20) {
			case 0:
				k += r.Uint64N(1 << 40)
			case 1, 2:
				k += 2 + r.Uint64N(300)
			default:
				k++
			}
			k = min(k, maxKey)
		}
	case "repeats":
		for i := range ks {
			ks[i] = 1 + r.Uint64N(uint64(n/3+1))
		}
	case "full": // the whole of uint64
		for i := range ks {
			ks[i] = r.Uint64()
		}
		if n > 1 {
			ks[0], ks[1] = 0, ^uint64(0)
		}
	}
	return ks
}

func TestSetDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	sizes := []int{0, 1, 2, partSize - 1, partSize, partSize + 1, 2*partSize - 1, 2 * partSize, 2*partSize + 1, 7*partSize + 3, 100_000}
	for _, kind := range []string{"uniform", "mobiles", "dense", "repeats", "full"} {
		for _, n := range sizes {
			keys := gen(r, kind, n)
			want := slices.Compact(slices.Sorted(slices.Values(keys)))
			s := Build(keys)
			clear(keys) // Build keeps no reference to them
			var extra []uint64
			for i := 0; i < 2000; i++ {
				extra = append(extra, 1+r.Uint64N(maxKey))
			}
			if len(want) > 0 {
				lo, hi := want[0], want[len(want)-1]
				for i := 0; i < 2000; i++ {
					k := r.Uint64() // hi-lo+1 may wrap to 0
					if hi-lo < ^uint64(0) {
						k = lo + r.Uint64N(hi-lo+1)
					}
					extra = append(extra, k)
				}
			}
			checkSet(t, s, want, extra)
			roundTrip(t, s, want, extra)
		}
	}
}

func TestSetEdges(t *testing.T) {
	for _, keys := range [][]uint64{
		{1}, {maxKey}, {1, maxKey}, {0}, {^uint64(0)}, {0, ^uint64(0)},
		{4520000000, 4520000000, 4520000000},
		append(slices.Collect(func(y func(uint64) bool) {
			for k := uint64(4520000000); k < 4520000000+3*partSize; k++ {
				y(k)
			}
		}), 447999999999, maxKey),
	} {
		want := slices.Compact(slices.Sorted(slices.Values(keys)))
		s := Build(slices.Clone(keys))
		checkSet(t, s, want, nil)
		roundTrip(t, s, want, nil)
	}
}

// TestContainsSortedBatches checks the batch walk against a map on batches
// that start and end anywhere, cross its chunks' edges, repeat keys, hold
// every partition's first and last keys and their neighbours, or lie wholly
// below or above the set.
func TestContainsSortedBatches(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for _, kind := range []string{"mobiles", "dense", "full"} {
		for _, n := range []int{0, 1, partSize, 4*partSize + 1, 40*partSize + 9} {
			want := slices.Compact(slices.Sorted(slices.Values(gen(r, kind, n))))
			s := Build(slices.Clone(want))
			in := make(map[uint64]bool, len(want))
			for _, k := range want {
				in[k] = true
			}
			var edges []uint64 // every partition's first and last keys, and their neighbours
			for p := 0; p < len(want); p += partSize {
				for _, k := range []uint64{want[p], want[min(p+partSize, len(want))-1]} {
					edges = append(edges, k-1, k, k+1)
				}
			}
			var below, above []uint64
			if len(want) > 0 {
				for i := range 3 * chunkKeys {
					below = append(below, want[0]-min(want[0], uint64(i)*7+1))
					above = append(above, want[len(want)-1]+max(^want[len(want)-1]/1000, 1)*uint64(i+1)/uint64(3*chunkKeys+1)+1)
				}
			}
			var mixed []uint64 // keys, near misses and random keys, each 1-3 times
			for _, k := range append(slices.Clone(want), edges...) {
				for range 1 + r.IntN(3) {
					mixed = append(mixed, k)
				}
				mixed = append(mixed, k^1)
			}
			for range 500 {
				mixed = append(mixed, r.Uint64())
			}
			batches := map[string][]uint64{"empty": nil, "edges": edges, "below": below, "above": above, "mixed": mixed,
				"below and above": append(slices.Clone(below), above...)}
			for name, qs := range batches {
				slices.Sort(qs)
				for _, size := range []int{1, 2, chunkKeys - 1, chunkKeys, chunkKeys + 1, 2*chunkKeys + 1, len(qs)} {
					for lo := 0; lo < len(qs) || lo == 0; lo += max(1, size/3) {
						batch := qs[lo:min(lo+size, len(qs))]
						out := make([]bool, len(batch))
						s.ContainsSorted(batch, out)
						for i, k := range batch {
							if out[i] != in[k] {
								t.Fatalf("%s %d keys, batch %q of %d from %d: key %d = %v, want %v", kind, n, name, size, lo, k, out[i], in[k])
							}
						}
						if lo+size >= len(qs) {
							break
						}
					}
				}
			}
		}
	}
}

func TestKey(t *testing.T) {
	for _, n := range []phone.Number{"+1", "+4520123456", "+447700900123", "+999999999999999", "+100000000000000"} {
		k, ok := Key(n)
		if !ok || Number(k) != n {
			t.Errorf("Key(%q) = %d, %v; Number = %q", n, k, ok, Number(k))
		}
	}
	for _, n := range []phone.Number{"", "+", "4520123456", "+0", "+045", "+1000000000000000", "+45 20", "+45a", "++45", "+4520123456\n"} {
		if k, ok := Key(n); ok {
			t.Errorf("Key(%q) = %d, true; want false", n, k)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	r := newRand()
	s := Build(gen(r, "mobiles", 3*partSize+5))
	for s.total%64 == 0 { // leave spare bits in the last word
		s = Build(gen(r, "mobiles", 3*partSize+5))
	}
	good, _ := s.AppendBinary(nil)
	word := func(i int, f func(b []byte)) []byte {
		b := slices.Clone(good)
		f(b[8*i:])
		return b
	}
	ent := func(p int) int { return header + 2*p }
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short":          good[:16],
		"odd length":     good[:len(good)-3],
		"truncated":      good[:len(good)-8],
		"trailing word":  append(slices.Clone(good), make([]byte, 8)...),
		"magic":          word(0, func(b []byte) { b[0] = 'X' }),
		"version":        word(0, func(b []byte) { b[4] = 2 }),
		"count":          word(1, func(b []byte) { b[0]++ }),
		"count huge":     word(1, func(b []byte) { b[7] = 0xff }),
		"bit length":     word(2, func(b []byte) { b[0]++ }),
		"bit words":      word(2, func(b []byte) { b[1]++ }),
		"bases equal":    word(ent(2), func(b []byte) { copy(b, good[8*ent(1):]) }),
		"start not 0":    word(ent(0)+1, func(b []byte) { b[2] = 1 }),
		"gap":            word(ent(2)+1, func(b []byte) { b[2]++ }),
		"no high bits":   word(ent(1)+1, func(b []byte) { b[0] &= lowMask; b[1] = 0 }),
		"wider low bits": word(ent(3)+1, func(b []byte) { b[0]++ }),
		"after the end":  word(len(good)/8-1, func(b []byte) { b[7] |= 0x80 }),
	} {
		if _, err := Load(b); !errors.Is(err, lp.ErrInvalidArgument) {
			t.Errorf("%s: Load error %v, want ErrInvalidArgument", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func found(ks []uint64, k uint64) bool {
	_, ok := slices.BinarySearch(ks, k)
	return ok
}

func TestConcurrentContains(t *testing.T) {
	keys := gen(rand.New(rand.NewPCG(3, 4)), "mobiles", 50_000)
	want := slices.Compact(slices.Sorted(slices.Values(keys)))
	s := Build(keys)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			out := make([]bool, 100)
			for i := g; i < len(want); i += 8 {
				if !s.Contains(want[i]) || s.Contains(want[i]+1) != found(want, want[i]+1) {
					t.Errorf("Contains wrong around key %d", i)
					return
				}
				if i+100 < len(want) && i%800 == g {
					s.ContainsSorted(want[i:i+100], out)
					if slices.Contains(out, false) {
						t.Errorf("ContainsSorted misses a key near %d", i)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// newRand is the tests' seeded source of random keys.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// TestDirectory checks the partition the directory finds against a search
// of the partitions' first keys, and Contains against the keys, at every
// slot's first and last key and their neighbours (slots with no key, one
// or several partitions' first keys among them), every partition's and
// region's first key, and the edges of regions; and that a region keeps
// within its slots' bound.
func TestDirectory(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 3))
	crowded := gen(r, "mobiles", 20*partSize) // sparse, then a run that crowds a few slots
	for k := uint64(447_500_000_000); len(crowded) < 60*partSize; k += 3 {
		crowded = append(crowded, k)
	}
	var edges []uint64 // across regions' edges, a region of one key, keys at the top of uint64
	for _, hi := range []uint64{1, 2, 104, 1<<32 - 1} {
		for i := range uint64(3 * partSize) {
			edges = append(edges, hi<<regionShift-1-i*5, hi<<regionShift+i*7)
		}
	}
	edges = append(edges, 3<<regionShift+9, ^uint64(0), ^uint64(0)-1)
	sets := map[string][]uint64{"crowded": crowded, "edges": edges}
	for _, kind := range []string{"uniform", "mobiles", "dense", "full"} {
		for _, n := range []int{1, partSize + 1, 5000} {
			sets[fmt.Sprintf("%s %d", kind, n)] = gen(r, kind, n)
		}
	}
	sawCrowded := false
	for name, keys := range sets {
		want := slices.Compact(slices.Sorted(slices.Values(keys)))
		s := Build(slices.Clone(want))
		bases := make([]uint64, len(s.ent)/2)
		for p := range bases {
			bases[p] = s.ent[2*p]
		}
		qs := slices.Clone(want)
		add := func(k uint64) { qs = append(qs, k-1, k, k+1) }
		for _, b := range bases {
			add(b)
			add(b &^ (1<<regionShift - 1))
		}
		for ri, rg := range s.dir.regs {
			n := rg.end - rg.start
			parts := int(s.dir.slots[rg.end-1]) - rg.p0 + 1
			if n < 2 || n > maxSlotsPerPart*parts+1 {
				t.Fatalf("%s: region %d has %d slots for %d partitions", name, ri, n, parts)
			}
			for j := range n - 1 {
				first := rg.first + uint64(j)<<rg.shift
				if first < rg.first { // past the top of uint64
					break
				}
				add(first)
				add(first + (1<<rg.shift - 1)) // the slot's last key
				lo, _ := slices.BinarySearch(want, first)
				if lo < len(want) && want[lo]-first < 1<<rg.shift {
					add(want[lo]) // the slot's first key present
				}
				if p, q := s.dir.slots[rg.start+j], s.dir.slots[rg.start+j+1]; q-p > 1 {
					sawCrowded = true
				}
			}
		}
		in := make(map[uint64]bool, len(want))
		for _, k := range want {
			in[k] = true
		}
		for _, k := range qs {
			i, ok := slices.BinarySearch(bases, k)
			if !ok {
				i--
			}
			if p := s.find(k); p != i {
				t.Fatalf("%s: find(%d) = partition %d, want %d", name, k, p, i)
			}
			if s.Contains(k) != in[k] {
				t.Fatalf("%s: Contains(%d) = %v, want %v", name, k, !in[k], in[k])
			}
		}
	}
	if !sawCrowded {
		t.Error("no set crowds a slot with partitions: the search among them is not tested")
	}
}
