package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

// EncodingVersion is the version of the canonical event encoding, its
// first byte. A different encoding would get a new version, and the
// verifier would dispatch on it, so old logs stay verifiable.
const EncodingVersion = 1

// AppendCanonical appends the canonical encoding of e to dst and returns
// the extended slice. The Merkle tree's leaves are the tlog.RecordHash of
// this encoding, so it is exact and deterministic (details sorted by key,
// never Go map order) and every field is length-prefixed or fixed-size, so
// two different events never encode alike:
//
//	version   1 byte, EncodingVersion
//	OrgID     16 bytes
//	Seq       8 bytes, big-endian two's complement
//	Time      8 bytes, big-endian microseconds since 1970-01-01 UTC
//	ActorID   16 bytes
//	Action    uvarint length, bytes
//	LeadID    16 bytes
//	ProjectID 16 bytes
//	ObjectID  16 bytes
//	MaskedNumber uvarint length, bytes
//	Fingerprint  32 bytes
//	Details   uvarint count, then per key in ascending byte order:
//	          uvarint length, key bytes, uvarint length, value bytes
//	Fingerprints  only if not empty or LeadIDs is not: uvarint count,
//	          then 32 bytes each in ascending byte order
//	LeadIDs   only if not empty: uvarint count, then 16 bytes each in
//	          ascending byte order
//
// A zero id or fingerprint is encoded as zero bytes; nil and empty Details
// encode alike. An event without Fingerprints and LeadIDs encodes as
// before they existed, and one without LeadIDs as before those existed, so
// the leaves of existing logs are unchanged; one with a set cannot encode
// like one without, as every field before is delimited, and an event with
// LeadIDs writes the Fingerprints count even when it is 0, so the two
// sets never read as each other.
func AppendCanonical(dst []byte, e lp.Event) []byte {
	dst = append(dst, EncodingVersion)
	dst = append(dst, e.OrgID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Seq))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Time.UnixMicro()))
	dst = append(dst, e.ActorID[:]...)
	dst = appendString(dst, string(e.Action))
	dst = append(dst, e.LeadID[:]...)
	dst = append(dst, e.ProjectID[:]...)
	dst = append(dst, e.ObjectID[:]...)
	dst = appendString(dst, e.MaskedNumber)
	dst = append(dst, e.Fingerprint[:]...)
	dst = binary.AppendUvarint(dst, uint64(len(e.Details)))
	var small [16]string
	for _, k := range appendSortedKeys(small[:0], e.Details) {
		dst = appendString(dst, k)
		dst = appendString(dst, e.Details[k])
	}
	if len(e.Fingerprints) == 0 && len(e.LeadIDs) == 0 {
		return dst
	}
	dst = appendSet(dst, e.Fingerprints, compareFingerprints, func(b []byte, fp phone.Fingerprint) []byte { return append(b, fp[:]...) })
	if len(e.LeadIDs) == 0 {
		return dst
	}
	return appendSet(dst, e.LeadIDs, compareIDs, func(b []byte, id uuid.UUID) []byte { return append(b, id[:]...) })
}

// appendSet appends the uvarint count of set, then its members (each by
// appendOne) in the order of cmp: stores return sets sorted; a hand-made
// event may not be.
func appendSet[E any](dst []byte, set []E, cmp func(a, b E) int, appendOne func([]byte, E) []byte) []byte {
	if !slices.IsSortedFunc(set, cmp) {
		set = slices.SortedFunc(slices.Values(set), cmp)
	}
	dst = binary.AppendUvarint(dst, uint64(len(set)))
	for _, x := range set {
		dst = appendOne(dst, x)
	}
	return dst
}

func compareFingerprints(a, b phone.Fingerprint) int { return bytes.Compare(a[:], b[:]) }

func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// RecordHash returns the Merkle tree leaf hash of e: the tlog.RecordHash of
// its canonical encoding.
func RecordHash(e lp.Event) tlog.Hash {
	var buf [256]byte
	h, _ := recordHash(buf[:0], e)
	return h
}

// recordHash is tlog.RecordHash(AppendCanonical(nil, e)), SHA-256 of 0x00
// followed by the encoding (the RFC 6962 leaf hash), computed in buf
// without allocating. It returns buf, grown if need be, for reuse.
func recordHash(buf []byte, e lp.Event) (tlog.Hash, []byte) {
	buf = AppendCanonical(append(buf[:0], 0x00), e)
	return sha256.Sum256(buf), buf
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendSortedKeys appends the keys of m to keys in ascending byte order.
func appendSortedKeys(keys []string, m map[string]string) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
