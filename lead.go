package leadprivacy

import (
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
)

// Lead is a person to call in a project. Its phone numbers and personal field
// values are personal data; after Forget it stays as an anonymous row
// (project, template, outcome, timestamps) so statistics remain true.
//
// Times are UTC with microsecond precision; a zero time means "not set".
type Lead struct {
	OrgID      uuid.UUID
	ID         uuid.UUID
	ProjectID  uuid.UUID
	TemplateID uuid.UUID

	// Phones are the lead's numbers in E.164, without duplicates. Empty
	// after the lead was forgotten.
	Phones []phone.Number
	// Fields holds the template's field values by TemplateField.Key: keys
	// of at most MaxNameLen and values of at most MaxTextLen bytes (see
	// ValidText).
	Fields map[string]string

	// Outcome is the call result that closed the lead or the latest one, such
	// as "success" or "not_interested": a code (see ValidCode) or empty.
	// Retention rules select by it.
	Outcome string

	CreatedAt     time.Time
	LastContactAt time.Time // zero if never called
	ClosedAt      time.Time // zero while the lead is open
	ForgottenAt   time.Time // zero unless the lead was anonymised

	// LegalHold exempts the lead from erasure (Forget and retention) while set.
	LegalHold bool
}

// Forgotten reports whether the lead was anonymised.
func (l Lead) Forgotten() bool { return !l.ForgottenAt.IsZero() }

// Validate reports whether l can be stored.
func (l Lead) Validate() error {
	if err := validateKey("Lead", l.OrgID, l.ID); err != nil {
		return err
	}
	if l.ProjectID == uuid.Nil {
		return invalid("Lead.ProjectID", "must not be zero")
	}
	if l.TemplateID == uuid.Nil {
		return invalid("Lead.TemplateID", "must not be zero")
	}
	seen := make(map[phone.Number]bool, len(l.Phones))
	for _, n := range l.Phones {
		if !phone.IsE164(string(n)) {
			return invalid("Lead.Phones", "number "+phone.MaskInput(string(n))+" is not in E.164 form")
		}
		if seen[n] {
			return invalid("Lead.Phones", "number "+phone.Mask(n)+" is listed twice")
		}
		seen[n] = true
	}
	if l.Forgotten() && (len(l.Phones) > 0 || len(l.Fields) > 0) {
		return invalid("Lead", "a forgotten lead must hold no phone numbers and no field values")
	}
	return firstErr(
		validTexts("Lead.Fields", l.Fields, MaxTextLen),
		optionalCode("Lead.Outcome", l.Outcome),
		ValidTime("Lead.CreatedAt", l.CreatedAt),
		ValidTime("Lead.LastContactAt", l.LastContactAt),
		ValidTime("Lead.ClosedAt", l.ClosedAt),
		ValidTime("Lead.ForgottenAt", l.ForgottenAt),
	)
}

// ContactAttempt is one call to a lead: the lead's contact history. Forget
// erases Notes and RecordingRef and keeps the non-personal call facts.
type ContactAttempt struct {
	OrgID   uuid.UUID
	ID      uuid.UUID
	LeadID  uuid.UUID
	At      time.Time     // when the call was placed (UTC, microseconds)
	AgentID uuid.UUID     // the user who made the call; zero for automated calls
	Result  string        // call result, a code such as "not_interested" (see ValidCode), or empty
	Talk    time.Duration // talk time
	// Notes is the agent's free text about the call (at most MaxTextLen
	// bytes): personal data.
	Notes string
	// RecordingRef points at the call recording in the host's recording
	// store (at most MaxTextLen bytes): personal data. Forget tells the
	// host's erasers to delete it.
	RecordingRef string
}

// Validate reports whether c can be stored.
func (c ContactAttempt) Validate() error {
	if err := validateKey("ContactAttempt", c.OrgID, c.ID); err != nil {
		return err
	}
	if c.LeadID == uuid.Nil {
		return invalid("ContactAttempt.LeadID", "must not be zero")
	}
	if c.At.IsZero() {
		return invalid("ContactAttempt.At", "must be set")
	}
	if c.Talk < 0 {
		return invalid("ContactAttempt.Talk", "must not be negative")
	}
	return firstErr(
		ValidTime("ContactAttempt.At", c.At),
		optionalCode("ContactAttempt.Result", c.Result),
		ValidText("ContactAttempt.Notes", c.Notes, MaxTextLen),
		ValidText("ContactAttempt.RecordingRef", c.RecordingRef, MaxTextLen),
	)
}
