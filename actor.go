package leadprivacy

import (
	"context"

	"github.com/google/uuid"
)

// Permission is a set of rights an actor holds. Services check the one they
// need and fail with ErrForbidden otherwise.
type Permission uint32

// Permissions. A host maps its own roles onto these.
const (
	PermSearch          Permission = 1 << iota // search leads by phone number and view lead details
	PermForget                                 // forget leads and numbers
	PermBlock                                  // block, unblock and upload numbers
	PermImport                                 // check lead imports
	PermManageRetention                        // set retention rules and run purges
	PermReadChangeLog                          // query, export and verify the ChangeLog
)

// PermAll holds every permission: an organisation admin.
const PermAll = PermSearch | PermForget | PermBlock | PermImport | PermManageRetention | PermReadChangeLog

// Has reports whether p includes every permission in want.
func (p Permission) Has(want Permission) bool { return want != 0 && p&want == want }

// Actor is the user on whose behalf a service call runs. Every service call
// takes one explicitly; it scopes the call to the actor's organisation and is
// recorded in the ChangeLog.
type Actor struct {
	OrgID       uuid.UUID
	UserID      uuid.UUID
	Permissions Permission
}

// Authorize returns nil if a is a complete actor holding want. A zero or
// partial actor fails closed with ErrForbidden.
func (a Actor) Authorize(want Permission) error {
	if a.OrgID == uuid.Nil || a.UserID == uuid.Nil {
		return forbidden("no actor")
	}
	if !a.Permissions.Has(want) {
		return forbidden("missing permission")
	}
	return nil
}

func forbidden(reason string) error {
	return &permissionError{reason: reason}
}

type permissionError struct{ reason string }

func (e *permissionError) Error() string        { return ErrForbidden.Error() + ": " + e.reason }
func (e *permissionError) Is(target error) bool { return target == ErrForbidden }

// KeyProvider supplies an organisation's secrets. The host keeps them outside
// the lead database (a secret manager, KMS, environment), so a copy of the
// database alone cannot reverse a fingerprint or forge a ChangeLog checkpoint.
type KeyProvider interface {
	// FingerprintKey returns the organisation's key for phone.Fingerprinter
	// (at least 16 bytes; 32 random bytes recommended). It must stay the same
	// for the organisation's lifetime, or earlier fingerprints stop matching.
	FingerprintKey(ctx context.Context, org uuid.UUID) ([]byte, error)
}
