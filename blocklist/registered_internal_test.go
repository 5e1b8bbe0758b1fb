package blocklist

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/leadprivacy/leadprivacy/internal/numindex"
	"github.com/leadprivacy/leadprivacy/phone"
)

// TestRegisteredAll checks the batch look-up against registered, a number
// at a time: numbers in any order, repeated, invalid or without a key, on
// several overlapping registries (the first that lists a number wins), on
// none, and an empty batch.
func TestRegisteredAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	const lo, span = 4520000000, 5000
	draw := func(n int) []uint64 {
		ks := make([]uint64, n)
		for i := range ks {
			ks[i] = lo + rng.Uint64N(span)
		}
		return ks
	}
	var regs []registryView
	for i, n := range []int{1500, 700, 3000} {
		regs = append(regs, registryView{RegistryRef{string(rune('a' + i)), int64(i + 1)}, numindex.Build(draw(n))})
	}
	var numbers []phone.Number
	for _, k := range draw(4000) {
		numbers = append(numbers, numindex.Number(k))
	}
	numbers = append(numbers, numbers[:300]...) // repeats, out of order
	numbers = append(numbers, "", "+", "4520000001", "+0452", "+45200000x1", numindex.Number(lo-1), numindex.Number(lo+span))
	rng.Shuffle(len(numbers), func(i, j int) { numbers[i], numbers[j] = numbers[j], numbers[i] })
	for _, c := range []struct {
		name    string
		regs    []registryView
		numbers []phone.Number
	}{
		{"three registries", regs, numbers},
		{"one registry", regs[1:2], numbers},
		{"no registry", nil, numbers},
		{"empty batch", regs, nil},
		{"one number", regs, numbers[:1]},
		{"more than a chunk", regs, slices.Concat(numbers, numbers, numbers, numbers)}, // 2^packBits numbers a chunk
	} {
		keys := make([]uint64, len(c.numbers))
		for i, n := range c.numbers {
			keys[i] = key(n)
		}
		at := make([]int32, len(keys))
		var sc registryScratch
		sc.registeredAll(c.regs, keys, at)
		hits := 0
		for i, n := range c.numbers {
			ref, ok := registered(c.regs, n)
			switch {
			case !ok && at[i] != -1:
				t.Fatalf("%s: number %d: registered in %d, want none", c.name, i, at[i])
			case ok && (at[i] < 0 || c.regs[at[i]].ref != ref):
				t.Fatalf("%s: number %d: registry %d, want %v", c.name, i, at[i], ref)
			}
			if ok {
				hits++
			}
		}
		if c.name == "three registries" && (hits == 0 || hits == len(c.numbers)) {
			t.Fatalf("%s: %d of %d registered: the test needs both outcomes", c.name, hits, len(c.numbers))
		}
	}
}

// BenchmarkRegisteredAll compares the batch look-up with registered, a
// number at a time, on batches of 1000 numbers against a registry of 1M
// (about half of the numbers listed), in ns a number.
//
//	go test ./blocklist -run '^$' -bench RegisteredAll -benchtime 200x -count 3
func BenchmarkRegisteredAll(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	keys := make([]uint64, 1_000_000)
	for i := range keys {
		keys[i] = 447_000000000 + rng.Uint64N(2_000_000)
	}
	regs := []registryView{{RegistryRef{"tps", 1}, numindex.Build(keys)}}
	numbers := make([]phone.Number, 1000)
	for i := range numbers {
		numbers[i] = numindex.Number(447_000000000 + rng.Uint64N(2_000_000))
	}
	b.Run("registeredAll", func(b *testing.B) {
		var sc registryScratch
		keys, at := make([]uint64, len(numbers)), make([]int32, len(numbers))
		for b.Loop() {
			for i, n := range numbers {
				keys[i] = key(n)
			}
			sc.registeredAll(regs, keys, at)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(numbers)), "ns/number")
	})
	b.Run("registered", func(b *testing.B) {
		for b.Loop() {
			for _, n := range numbers {
				registered(regs, n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(numbers)), "ns/number")
	})
}

// registered returns the first of regs that lists n, one look-up a
// number: the reference registeredAll is tested against.
func registered(regs []registryView, n phone.Number) (RegistryRef, bool) {
	if len(regs) == 0 {
		return RegistryRef{}, false
	}
	k, ok := numindex.Key(n)
	if !ok {
		return RegistryRef{}, false
	}
	for _, r := range regs {
		if r.set.Contains(k) {
			return r.ref, true
		}
	}
	return RegistryRef{}, false
}

// TestSortPacked checks the radix sort of packed keys against a
// comparison sort of the keys, at sizes on both sides of its cut-over,
// with repeated keys and keys that differ in few bytes or in many.
func TestSortPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, n := range []int{0, 1, 63, 64, 1000, 1 << packBits} {
		for _, span := range []uint64{10, 1 << 20, 999_999_999_999_999} {
			a := make([]uint64, n)
			for i := range a {
				a[i] = (1+rng.Uint64N(span))<<packBits | uint64(i)
			}
			want := make([]uint64, n)
			for i, v := range a {
				want[i] = v >> packBits
			}
			slices.Sort(want)
			got, _ := sortPacked(a, make([]uint64, n))
			keys := make([]uint64, len(got))
			places := map[uint64]bool{}
			for i, v := range got {
				keys[i] = v >> packBits
				places[v&(1<<packBits-1)] = true
			}
			if !slices.Equal(keys, want) || len(places) != n {
				t.Fatalf("n %d, span %d: keys not sorted, or places lost", n, span)
			}
		}
	}
}
