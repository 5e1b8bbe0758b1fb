package leadprivacy

import (
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
)

// BlockEntry puts a number on the do-not-call list, organisation-wide or for
// one project, optionally until an expiry time.
type BlockEntry struct {
	OrgID  uuid.UUID
	ID     uuid.UUID
	Number phone.Number
	// ProjectID scopes the block to one project; uuid.Nil blocks the number
	// in every project of the organisation.
	ProjectID uuid.UUID
	BlockedBy uuid.UUID // user who blocked the number
	BlockedAt time.Time
	// ExpiresAt ends the block; zero means it never expires.
	ExpiresAt time.Time
	// Reason is a short reason code chosen by the host, such as
	// "customer_request", or empty. It is not personal data and is written
	// to the ChangeLog, so Validate holds it to ValidCode's rule, which
	// keeps names and numbers out.
	Reason string
	Source BlockSource
}

// BlockSource says how a block entry was created.
type BlockSource string

// Block sources.
const (
	SourceManual BlockSource = "manual" // typed in by a user
	SourceUpload BlockSource = "upload" // bulk CSV upload
	SourceAPI    BlockSource = "api"    // created by the host application
)

// OrgWide reports whether the block applies to every project.
func (b BlockEntry) OrgWide() bool { return b.ProjectID == uuid.Nil }

// ActiveAt reports whether the block is in force at t.
func (b BlockEntry) ActiveAt(t time.Time) bool {
	return b.ExpiresAt.IsZero() || t.Before(b.ExpiresAt)
}

// Applies reports whether the block stops calls to its number in project at t.
func (b BlockEntry) Applies(project uuid.UUID, t time.Time) bool {
	return b.ActiveAt(t) && (b.OrgWide() || b.ProjectID == project)
}

// Validate reports whether b can be stored.
func (b BlockEntry) Validate() error {
	if err := validateKey("BlockEntry", b.OrgID, b.ID); err != nil {
		return err
	}
	if p, err := phone.Parse(string(b.Number), ""); err != nil || p != b.Number {
		return invalid("BlockEntry.Number", "must be in E.164 form")
	}
	if b.BlockedAt.IsZero() {
		return invalid("BlockEntry.BlockedAt", "must be set")
	}
	if !b.ExpiresAt.IsZero() && !b.ExpiresAt.After(b.BlockedAt) {
		return invalid("BlockEntry.ExpiresAt", "must be after BlockedAt")
	}
	return firstErr(
		ValidTime("BlockEntry.BlockedAt", b.BlockedAt),
		ValidTime("BlockEntry.ExpiresAt", b.ExpiresAt),
		optionalCode("BlockEntry.Reason", b.Reason),
		optionalCode("BlockEntry.Source", string(b.Source)),
	)
}

// Suppression marks a forgotten number that must never be imported again.
// It holds only the number's keyed fingerprint, never the number itself, so
// suppressing a number does not keep the personal data Forget erased.
type Suppression struct {
	OrgID       uuid.UUID
	Fingerprint phone.Fingerprint
	CreatedBy   uuid.UUID
	CreatedAt   time.Time
}

// Validate reports whether s can be stored.
func (s Suppression) Validate() error {
	if s.OrgID == uuid.Nil {
		return invalid("Suppression.OrgID", "must not be zero")
	}
	if s.Fingerprint.IsZero() {
		return invalid("Suppression.Fingerprint", "must not be zero")
	}
	if s.CreatedAt.IsZero() {
		return invalid("Suppression.CreatedAt", "must be set")
	}
	return ValidTime("Suppression.CreatedAt", s.CreatedAt)
}
