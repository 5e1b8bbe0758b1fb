package leadprivacy

import (
	"time"

	"github.com/google/uuid"
)

// PendingErasure is an external erasure still owed after a Forget
// committed: the host's eraser registered as Eraser must erase what the
// lead referenced outside the database (its call recordings, its CRM
// record, its entries in backup indexes). The forgotten lead keeps no
// recording reference; this record is the only place they remain, until
// the eraser succeeds and the record is deleted. A failure leaves it
// pending, listable with its attempts and last error, for a later run.
type PendingErasure struct {
	OrgID  uuid.UUID
	ID     uuid.UUID
	LeadID uuid.UUID
	// Eraser is the name the host registered the eraser under, a code
	// (see ValidCode).
	Eraser string
	// RecordingRefs are the recording references the forgotten lead's
	// contact attempts held (each at most MaxTextLen bytes): personal data,
	// kept only until the eraser confirms.
	RecordingRefs []string
	CreatedAt     time.Time
	// Attempts counts the eraser's failed runs; LastError is the latest
	// failure's message as the service recorded it (at most MaxTextLen
	// bytes, no personal data), NextAttemptAt when to try again.
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
}

// Validate reports whether e can be stored.
func (e PendingErasure) Validate() error {
	if err := validateKey("PendingErasure", e.OrgID, e.ID); err != nil {
		return err
	}
	if e.LeadID == uuid.Nil {
		return invalid("PendingErasure.LeadID", "must not be zero")
	}
	if e.Attempts < 0 {
		return invalid("PendingErasure.Attempts", "must not be negative")
	}
	if e.CreatedAt.IsZero() {
		return invalid("PendingErasure.CreatedAt", "must be set")
	}
	for _, ref := range e.RecordingRefs {
		if err := ValidText("PendingErasure.RecordingRefs", ref, MaxTextLen); err != nil {
			return err
		}
	}
	return firstErr(
		ValidCode("PendingErasure.Eraser", e.Eraser),
		ValidText("PendingErasure.LastError", e.LastError, MaxTextLen),
		ValidTime("PendingErasure.CreatedAt", e.CreatedAt),
		ValidTime("PendingErasure.NextAttemptAt", e.NextAttemptAt),
	)
}
