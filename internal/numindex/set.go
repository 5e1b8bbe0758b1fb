package numindex

import (
	"encoding/binary"
	"fmt"
	"iter"
	"slices"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
)

// Set is an immutable set of keys, safe for concurrent use by any number of
// goroutines.
type Set struct {
	keys []uint64
}

// Build sorts keys in place, drops repeats, and compiles them. The Set keeps
// no reference to keys.
func Build(keys []uint64) *Set {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	return &Set{keys: slices.Clone(keys)}
}

// Len returns the number of keys in s.
func (s *Set) Len() int { return len(s.keys) }

// Contains reports whether k is in s.
func (s *Set) Contains(k uint64) bool {
	_, ok := slices.BinarySearch(s.keys, k)
	return ok
}

// ContainsSorted reports for each key of ks (ascending, repeats allowed)
// whether it is in s, into out[i] (len(out) >= len(ks)); a sorted batch walk,
// faster than len(ks) Contains calls.
func (s *Set) ContainsSorted(ks []uint64, out []bool) {
	for i, k := range ks {
		out[i] = s.Contains(k)
	}
}

// All yields the keys in ascending order.
func (s *Set) All() iter.Seq[uint64] { return slices.Values(s.keys) }

// MemoryBytes is the heap the set holds.
func (s *Set) MemoryBytes() int { return 8 * cap(s.keys) }

const magic = "LPNI"

// AppendBinary appends the serialized form (encoding.BinaryAppender);
// deterministic: equal sets give equal bytes.
func (s *Set) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s.keys)))
	for _, k := range s.keys {
		b = binary.LittleEndian.AppendUint64(b, k)
	}
	return b, nil
}

// Load returns the set serialized in b; it copies b.
func Load(b []byte) (*Set, error) {
	if len(b) < 16 || string(b[:4]) != magic || binary.LittleEndian.Uint32(b[4:]) != 0 {
		return nil, corrupt(0, "no numindex header")
	}
	n := binary.LittleEndian.Uint64(b[8:])
	if uint64(len(b)-16)/8 != n || (len(b)-16)%8 != 0 {
		return nil, corrupt(8, "length does not match the count")
	}
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = binary.LittleEndian.Uint64(b[16+8*i:])
		if i > 0 && keys[i] <= keys[i-1] {
			return nil, corrupt(16+8*i, "keys not ascending")
		}
	}
	return &Set{keys: keys}, nil
}

// corrupt reports what is wrong at byte offset at of a serialized Set.
func corrupt(at int, why string) error {
	return lperr.Wrap("numindex: Load", &lp.FieldError{Field: "snapshot", Reason: fmt.Sprintf("byte %d: %s", at, why)})
}
