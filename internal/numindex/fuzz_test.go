package numindex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
)

// FuzzLoad feeds Load arbitrary bytes: it must refuse them with
// ErrInvalidArgument or return a Set that serializes back to them and
// Contains every key its All yields, however its codes were damaged.
// LoadInPlace must answer as Load does.
func FuzzLoad(f *testing.F) {
	for _, keys := range [][]uint64{nil, {1}, {4520000000, 4520000001, 447700900123}, gen(newRand(), "mobiles", 3*partSize+7)} {
		b, _ := Build(keys).AppendBinary(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Load(b)
		in, errIn := LoadInPlace(bytes.Clone(b))
		if (err == nil) != (errIn == nil) || err != nil && err.Error() != errIn.Error() {
			t.Fatalf("Load: %v; LoadInPlace: %v", err, errIn)
		}
		if err != nil {
			if !errors.Is(err, lp.ErrInvalidArgument) {
				t.Fatalf("Load error %v does not match ErrInvalidArgument", err)
			}
			return
		}
		if b2, _ := s.AppendBinary(nil); !bytes.Equal(b2, b) {
			t.Fatal("a loaded Set serializes to other bytes")
		}
		var all []uint64
		for k := range s.All() {
			if !s.Contains(k) {
				t.Fatalf("All yields %d, which Contains denies", k)
			}
			all = append(all, k)
		}
		if len(all) > s.Len() {
			t.Fatalf("All yields %d keys, Len is %d", len(all), s.Len())
		}
		if inAll := slices.Collect(in.All()); !slices.Equal(inAll, all) {
			t.Fatalf("LoadInPlace's Set yields %d keys, Load's %d", len(inAll), len(all))
		}
		slices.Sort(all)
		out := make([]bool, len(all))
		s.ContainsSorted(all, out)
		if i := slices.Index(out, false); i >= 0 {
			t.Fatalf("ContainsSorted denies %d, which All yields", all[i])
		}
		for _, k := range []uint64{0, 1, maxKey, ^uint64(0)} {
			s.Contains(k) // must not panic
		}
	})
}

// FuzzSet builds a Set from the fuzzer's keys (8 bytes each, narrowed to
// a few ranges so that runs, repeats and partition edges occur) and
// compares it, and its serialized copy, with a map.
func FuzzSet(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 40), uint8(12))
	f.Add(bytes.Repeat([]byte{0xff}, 8*300), uint8(63))
	f.Fuzz(func(t *testing.T, b []byte, width uint8) {
		mask := uint64(1)<<(width%64) - 1
		if width%64 == 0 {
			mask = ^uint64(0)
		}
		in := map[uint64]bool{}
		var keys []uint64
		for len(b) >= 8 {
			k := binary.LittleEndian.Uint64(b) & mask
			b = b[8:]
			keys = append(keys, k)
			in[k] = true
		}
		want := slices.Sorted(maps.Keys(in))
		s := Build(keys)
		var extra []uint64
		for _, k := range want {
			extra = append(extra, k^1, k>>1, k<<1)
		}
		checkSet(t, s, want, extra)
		roundTrip(t, s, want, extra)
	})
}

// FuzzContainsSorted builds a Set from the fuzzer's keys (as FuzzSet) and
// looks up, in batches of a size the fuzzer picks, its queries (8 bytes
// each, narrowed alike), the keys and their neighbours, sorted and some
// repeated, comparing ContainsSorted on the Set and on its loaded copy
// with a map.
func FuzzContainsSorted(f *testing.F) {
	f.Add([]byte{}, []byte{}, uint8(0), uint16(1))
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 300), bytes.Repeat([]byte{7, 0, 0, 0, 0, 0, 0, 0}, 20), uint8(14), uint16(63))
	f.Add(bytes.Repeat([]byte{0xff, 0, 0x80}, 8*200), bytes.Repeat([]byte{0xff}, 8*70), uint8(63), uint16(65))
	f.Add(bytes.Repeat([]byte{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}, 8*100), []byte{}, uint8(9), uint16(0))
	f.Fuzz(func(t *testing.T, b, q []byte, width uint8, size uint16) {
		mask := uint64(1)<<(width%64) - 1
		if width%64 == 0 {
			mask = ^uint64(0)
		}
		in := map[uint64]bool{}
		var keys, qs []uint64
		for ; len(b) >= 8; b = b[8:] {
			k := binary.LittleEndian.Uint64(b) & mask
			keys = append(keys, k)
			in[k] = true
			qs = append(qs, k, k-1, k+1)
		}
		for ; len(q) >= 8; q = q[8:] {
			k := binary.LittleEndian.Uint64(q) & mask
			for range 1 + int(q[0]%3) { // repeats in the batch
				qs = append(qs, k)
			}
		}
		slices.Sort(qs)
		s := Build(keys)
		ser, _ := s.AppendBinary(nil)
		l, err := Load(ser)
		if err != nil {
			t.Fatalf("Load(AppendBinary): %v", err)
		}
		n := max(1, int(size))
		out := make([]bool, n)
		for lo := 0; lo < len(qs); lo += n {
			batch := qs[lo:min(lo+n, len(qs))]
			for _, set := range []*Set{s, l} {
				set.ContainsSorted(batch, out)
				for i, k := range batch {
					if out[i] != in[k] {
						t.Fatalf("batch of %d from %d: key %d = %v, want %v", n, lo, k, out[i], in[k])
					}
				}
			}
		}
	})
}
