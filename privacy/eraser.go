package privacy

import (
	"context"

	"github.com/google/uuid"
)

// Eraser erases what a forgotten lead referenced outside the database: the
// host registers one per external system (Options.Erasers). Forget writes
// a pending erasure per eraser in its transaction and runs the erasers
// only after it committed; a failed erasure stays pending and is run
// again later, so Erase must be idempotent: erasing what is already gone
// succeeds.
type Eraser interface {
	Erase(ctx context.Context, req ErasureRequest) error
}

// ErasureRequest is what an Eraser must erase.
type ErasureRequest struct {
	OrgID  uuid.UUID
	LeadID uuid.UUID
	// RecordingRefs are the references the lead's contact attempts held
	// in the host's recording store, before Forget erased them.
	RecordingRefs []string
}
