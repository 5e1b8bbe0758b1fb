package blocklist

import (
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
