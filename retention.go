package leadprivacy

import (
	"time"

	"github.com/google/uuid"
)

// RetentionAction says what a retention rule does to a lead that is due.
type RetentionAction string

// Retention actions.
const (
	// ActionForget anonymises the lead like Forget: statistics stay.
	ActionForget RetentionAction = "forget"
	// ActionDelete removes the lead and its contact history entirely.
	ActionDelete RetentionAction = "delete"
)

// RetentionBasis is the lead timestamp a rule's KeepFor counts from.
type RetentionBasis string

// Retention bases.
const (
	SinceLastContact RetentionBasis = "last_contact" // Lead.LastContactAt (CreatedAt if never called)
	SinceCreated     RetentionBasis = "created"      // Lead.CreatedAt
	SinceClosed      RetentionBasis = "closed"       // Lead.ClosedAt (open leads are never due)
)

// RetentionRule keeps the leads of a project with a given outcome for a
// period, then forgets or deletes them ("successes kept 60 days").
type RetentionRule struct {
	OrgID     uuid.UUID
	ID        uuid.UUID
	ProjectID uuid.UUID
	// Outcome selects the leads by Lead.Outcome, a code (see ValidCode).
	// The empty outcome is the project's catch-all: it applies to leads whose outcome no other rule of
	// the project names.
	Outcome string
	KeepFor time.Duration
	Action  RetentionAction
	Basis   RetentionBasis
	// CreatedBy and CreatedAt record who set the rule.
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

// DueBefore returns the cut-off: leads whose basis time is before it are due at now.
func (r RetentionRule) DueBefore(now time.Time) time.Time { return now.Add(-r.KeepFor) }

// Validate reports whether r can be stored.
func (r RetentionRule) Validate() error {
	if err := validateKey("RetentionRule", r.OrgID, r.ID); err != nil {
		return err
	}
	if r.ProjectID == uuid.Nil {
		return invalid("RetentionRule.ProjectID", "must not be zero")
	}
	if r.KeepFor <= 0 {
		return invalid("RetentionRule.KeepFor", "must be positive")
	}
	switch r.Action {
	case ActionForget, ActionDelete:
	default:
		return invalid("RetentionRule.Action", "must be forget or delete")
	}
	switch r.Basis {
	case SinceLastContact, SinceCreated, SinceClosed:
	default:
		return invalid("RetentionRule.Basis", "must be last_contact, created or closed")
	}
	return firstErr(
		optionalCode("RetentionRule.Outcome", r.Outcome),
		ValidTime("RetentionRule.CreatedAt", r.CreatedAt),
	)
}
