package numindex

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
)

// The serialized form is a run of little-endian 64-bit words (doc.go).
const (
	magic   = "LPNI"
	version = 1
	header  = 3 // words: magic and version, key count, code bits
)

// littleEndian is whether words can be copied to and from bytes as they
// lie in memory.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// AppendBinary appends the serialized form (encoding.BinaryAppender);
// deterministic: equal sets give equal bytes.
func (s *Set) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, uint64(s.n))
	b = binary.LittleEndian.AppendUint64(b, s.total)
	if littleEndian {
		return append(b, wordBytes(s.words)...), nil
	}
	for _, w := range s.words {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return b, nil
}

// words returns the little-endian words of b: b's own memory when keep
// is set, else a copy made in one pass (append's copy, which, unlike
// make, does not clear the memory first). ok is false on a big-endian
// machine or if the memory is not 8-byte aligned (the allocator's is, for
// a pointer-free block of 8 bytes or more; a slice of it need not be).
func words(b []byte, keep bool) (w []uint64, ok bool) {
	if !littleEndian || len(b) == 0 {
		return nil, false
	}
	if !keep {
		b = append([]byte(nil), b...)
	}
	p := unsafe.SliceData(b)
	if uintptr(unsafe.Pointer(p))%8 != 0 {
		return nil, false
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(p)), len(b)/8), true
}

// wordBytes is w's memory as bytes.
func wordBytes(w []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), 8*len(w))
}

// Load returns the set serialized in b, which it copies (b may be reused
// afterwards; LoadInPlace does not copy). It checks the structure —
// header, lengths, partition bases ascending, partition offsets and widths
// in range — so that no look-up on the Set can fail, but it does not
// decode key by key: a flipped bit inside a partition's codes gives a Set
// that answers wrongly, which the content hash the caller keeps must
// catch. Errors wrap lp.ErrInvalidArgument and name the byte offset and
// what is wrong there.
func Load(b []byte) (*Set, error) { return load(b, false) }

// LoadInPlace is Load for bytes the caller hands over, such as a snapshot
// just read from the store: the Set answers from b's memory, with no
// copy, so b must not change afterwards. It copies only on a big-endian
// machine or when b's words are not 8-byte aligned.
func LoadInPlace(b []byte) (*Set, error) { return load(b, true) }

// load is Load, or LoadInPlace with keep.
func load(b []byte, keep bool) (*Set, error) {
	if len(b) < 8*header || len(b)%8 != 0 {
		return nil, corrupt(0, fmt.Sprintf("length %d is not a whole number of 8-byte words of at least %d", len(b), header))
	}
	if string(b[:4]) != magic {
		return nil, corrupt(0, "no "+magic+" magic")
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != version {
		return nil, corrupt(4, fmt.Sprintf("version %d, want %d", v, version))
	}
	nw := uint64(len(b)/8 - header)
	n := binary.LittleEndian.Uint64(b[8:])
	np := n/partSize + min(n%partSize, 1)
	if np > nw/2 {
		return nil, corrupt(8, fmt.Sprintf("%d keys need %d partitions, more than the %d words after the header hold", n, np, nw))
	}
	s := &Set{n: int(n), total: binary.LittleEndian.Uint64(b[16:])}
	if nd := nw - 2*np; s.total > 64*nd || s.total+63 < 64*nd {
		return nil, corrupt(16, fmt.Sprintf("%d bits of codes do not fill the %d words after the partitions", s.total, nd))
	}
	if w, ok := words(b[8*header:], keep); ok {
		s.setWords(int(np), w)
	} else {
		s.alloc(int(np))
		for i := range s.words {
			s.words[i] = binary.LittleEndian.Uint64(b[8*(header+i):])
		}
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	s.setDir()
	return s, nil
}

// check verifies what a look-up relies on: ascending bases, and each
// partition's width in range and codes of the right lengths (room for its
// low parts and a high bit vector of a bit a key and a closing zero, whose
// largest bucket stays below 2^64), back to back up to the total.
func (s *Set) check() error {
	np := len(s.ent) / 2
	var off, prev uint64
	for p := range np {
		base, meta := s.ent[2*p], s.ent[2*p+1]
		l, hlen, m := meta&lowMask, meta>>6&hlenMask, uint64(partSize)
		if p == np-1 {
			m = uint64(s.n - p*partSize)
		}
		// One test for the common case, then the reasons.
		if (p == 0 || base > prev) && meta>>offShift == off && hlen > m && hlen-m-1 <= ^base>>l {
			off += m*l + hlen
			prev = base
			continue
		}
		at := 8 * (header + 2*p) // byte of the partition's entry
		switch {
		case p > 0 && base <= prev:
			return corrupt(at, fmt.Sprintf("partition %d's first key is not above partition %d's", p, p-1))
		case meta>>offShift != off:
			return corrupt(at+8, fmt.Sprintf("partition %d starts at bit %d, not %d where the codes before it end", p, meta>>offShift, off))
		case hlen <= m:
			return corrupt(at+8, fmt.Sprintf("partition %d's high bit vector has %d bits, fewer than its %d keys and one", p, hlen, m))
		default:
			return corrupt(at+8, fmt.Sprintf("partition %d's buckets pass 2^64", p))
		}
	}
	if off != s.total {
		return corrupt(16, fmt.Sprintf("the partitions end at bit %d, not %d", off, s.total))
	}
	if r := s.total % 64; r != 0 && s.data[len(s.data)-1]>>r != 0 {
		return corrupt(8*(header+2*np+len(s.data)-1), "bits set after the end")
	}
	return nil
}

// corrupt reports what is wrong at byte offset at of a serialized Set.
func corrupt(at int, why string) error {
	return lperr.Wrap("numindex: Load", &lp.FieldError{Field: "snapshot", Reason: fmt.Sprintf("byte %d: %s", at, why)})
}
