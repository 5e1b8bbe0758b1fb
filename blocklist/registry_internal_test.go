package blocklist

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/leadprivacy/leadprivacy/internal/numindex"
)

// TestMerge checks ApplyDelta's merge against a map on random sets from a
// small range, so additions, removals, repeats and overlaps all meet,
// including keys at both ends.
func TestMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	draw := func(n int) []uint64 {
		ks := make([]uint64, n)
		for i := range ks {
			ks[i] = 4520000000 + rng.Uint64N(200)
		}
		return ks
	}
	for round := range 500 {
		cur, added, removed := draw(rng.IntN(120)), draw(rng.IntN(40)), draw(rng.IntN(40))
		want := map[uint64]bool{}
		for _, k := range cur {
			want[k] = true
		}
		wantAdded, wantRemoved := 0, 0
		for _, k := range removed {
			if want[k] {
				delete(want, k)
				wantRemoved++
			}
		}
		drop := map[uint64]bool{}
		for _, k := range removed {
			drop[k] = true
		}
		before := numindex.Build(slices.Clone(cur))
		for _, k := range added {
			if !drop[k] && !want[k] && !before.Contains(k) {
				want[k] = true
				wantAdded++
			}
		}
		got, nAdded, nRemoved := merge(before, slices.Clone(added), slices.Clone(removed))
		gotKeys := slices.Collect(got.All())
		var wantKeys []uint64
		for k := range want {
			wantKeys = append(wantKeys, k)
		}
		slices.Sort(wantKeys)
		if !slices.Equal(gotKeys, wantKeys) || nAdded != wantAdded || nRemoved != wantRemoved {
			t.Fatalf("round %d: got %d keys +%d -%d, want %d keys +%d -%d", round, len(gotKeys), nAdded, nRemoved, len(wantKeys), wantAdded, wantRemoved)
		}
	}
}

// TestReadSnapshot checks readSnapshot against a direct hash: for
// snapshots written in random pieces (as a store's chunks arrive), with
// size hints exact, missing, short and long, it returns the bytes written
// and the SHA-256 of those past skip, and a read's error as it is.
func TestReadSnapshot(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	for round := range 300 {
		data := make([]byte, rng.IntN(200))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		skip := []int{0, sha256.Size}[round%2]
		hint := []int64{int64(len(data)), 0, int64(len(data) / 2), int64(2*len(data) + 1)}[round%4]
		read := func(w io.Writer) error {
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(50))
				if _, err := w.Write(rest[:n]); err != nil {
					return err
				}
				rest = rest[n:]
			}
			return nil
		}
		b, sum, err := readSnapshot(read, hint, skip)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("round %d: %d bytes back of %d written", round, len(b), len(data))
		}
		if want := sha256.Sum256(data[min(skip, len(data)):]); sum != want {
			t.Fatalf("round %d (%d bytes, skip %d, hint %d): hash differs", round, len(data), skip, hint)
		}
	}
	stop := errors.New("the store fails")
	_, _, err := readSnapshot(func(w io.Writer) error {
		w.Write([]byte("half a snapshot"))
		return stop
	}, 100, 0)
	if err != stop {
		t.Fatalf("readSnapshot returned %v, want the read's error as it is", err)
	}
}
