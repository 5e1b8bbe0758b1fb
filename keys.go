package leadprivacy

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// StaticKeys is a KeyProvider that holds each organisation's fingerprint key
// in memory: for tests, examples, and hosts that load their keys from a
// secret manager at start-up. An organisation without a key fails with
// ErrNotFound.
type StaticKeys map[uuid.UUID][]byte

// FingerprintKey returns a copy of org's key.
func (k StaticKeys) FingerprintKey(_ context.Context, org uuid.UUID) ([]byte, error) {
	key, ok := k[org]
	if !ok {
		return nil, fmt.Errorf("%w: no fingerprint key for organisation %s", ErrNotFound, org)
	}
	return append([]byte(nil), key...), nil
}
