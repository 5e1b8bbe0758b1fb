package phone

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"sync"
)

// Fingerprint is a keyed fingerprint of a Number: HMAC-SHA256 of its E.164
// text under an organisation's secret. It lets the ChangeLog and the
// "never upload again" suppression list answer "was this number forgotten
// or blocked?" without storing the number: fingerprint the number you look
// for with the same key and compare.
type Fingerprint [32]byte

// ErrInvalidFingerprint is returned by ParseFingerprint and UnmarshalText
// for text that is not 64 hexadecimal digits.
var ErrInvalidFingerprint = errors.New("leadprivacy: invalid fingerprint: want 64 hex digits")

// ErrShortKey is returned by NewFingerprinter for keys under MinKeyLen
// bytes: a short key is guessable, and a guessed key makes every
// fingerprint reversible by enumeration.
var ErrShortKey = errors.New("leadprivacy: fingerprint key too short: want at least 16 bytes")

// MinKeyLen is the shortest key NewFingerprinter accepts (128 bits).
const MinKeyLen = 16

// String returns the fingerprint as 64 lower-case hex digits.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// IsZero reports whether f is the zero value, i.e. "no fingerprint"
// (a real HMAC output is all zeros with negligible probability).
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// MarshalText encodes f as 64 lower-case hex digits (JSON, CSV, SQL text).
func (f Fingerprint) MarshalText() ([]byte, error) {
	out := make([]byte, hex.EncodedLen(len(f)))
	hex.Encode(out, f[:])
	return out, nil
}

// UnmarshalText decodes 64 hex digits (either case) into f.
func (f *Fingerprint) UnmarshalText(text []byte) error {
	if len(text) != hex.EncodedLen(len(f)) {
		return ErrInvalidFingerprint
	}
	var tmp Fingerprint
	if _, err := hex.Decode(tmp[:], text); err != nil {
		return ErrInvalidFingerprint
	}
	*f = tmp
	return nil
}

// ParseFingerprint decodes the String form of a fingerprint.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	err := f.UnmarshalText([]byte(s))
	return f, err
}

// Fingerprinter computes keyed fingerprints under one secret key. It is
// safe for concurrent use and cheap per call: HMAC states keyed once are
// reused from a pool, so a call costs two SHA-256 compressions and no
// allocation.
//
// A plain hash (SHA-256 of the number) is never used: phone numbers are a
// small, structured space (a country has at most a few billion), so anyone
// holding a plain hash recovers the number by hashing every candidate in
// minutes. With HMAC, enumeration needs the key, which the host keeps
// outside the data (one key per organisation, from its secret store).
type Fingerprinter struct {
	pool sync.Pool // of *hmacState
}

type hmacState struct {
	mac hash.Hash
	buf [64]byte // input staging and output, so nothing escapes per call
}

// NewFingerprinter returns a Fingerprinter for key, which it copies. Keys
// shorter than MinKeyLen bytes are rejected with ErrShortKey; use 32 random
// bytes per organisation.
func NewFingerprinter(key []byte) (*Fingerprinter, error) {
	if len(key) < MinKeyLen {
		return nil, ErrShortKey
	}
	k := append([]byte(nil), key...)
	f := &Fingerprinter{}
	f.pool.New = func() any { return &hmacState{mac: hmac.New(sha256.New, k)} }
	return f, nil
}

// Fingerprint returns HMAC-SHA256(key, n's E.164 bytes). Parse the number
// first: fingerprints of the same number written two ways only match when
// both are the canonical Number.
func (f *Fingerprinter) Fingerprint(n Number) Fingerprint {
	st := f.pool.Get().(*hmacState)
	st.mac.Reset()
	for s := string(n); len(s) > 0; {
		c := copy(st.buf[:], s)
		st.mac.Write(st.buf[:c])
		s = s[c:]
	}
	var fp Fingerprint
	copy(fp[:], st.mac.Sum(st.buf[:0]))
	f.pool.Put(st)
	return fp
}
