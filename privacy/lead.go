package privacy

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// LeadDetail is a lead's data and its full contact history.
type LeadDetail struct {
	LeadSummary
	Phones []phone.Number `json:"phones"`
	// Fields are every field of the lead's template in template order,
	// with labels and values, then any values under keys the template does
	// not define, by key.
	Fields []Field `json:"fields"`
	// Contacts is the contact history, oldest first.
	Contacts []Contact `json:"contacts"`
}

// Contact is one call of a lead's contact history.
type Contact struct {
	ID        uuid.UUID `json:"id"`
	At        time.Time `json:"at"`
	AgentID   uuid.UUID `json:"agent_id,omitzero"`    // zero for an automated call
	AgentName string    `json:"agent_name,omitempty"` // empty for an automated call
	Result    string    `json:"result,omitempty"`
	// Talk is the talk time; JSON has it as talk_seconds.
	Talk         time.Duration `json:"-"`
	Notes        string        `json:"notes,omitempty"`
	RecordingRef string        `json:"recording_ref,omitempty"`
}

// MarshalJSON writes the contact with its talk time in seconds, which a
// person reading an export understands, rather than nanoseconds.
func (c Contact) MarshalJSON() ([]byte, error) {
	type plain Contact // without this method
	return json.Marshal(struct {
		plain
		TalkSeconds float64 `json:"talk_seconds"`
	}{plain(c), c.Talk.Seconds()})
}

// Lead returns a lead's data with its field labels and its full contact
// history (when, which agent, the call result, talk time, notes and the
// recording reference). It needs lp.PermSearch and records lead.viewed in
// the transaction of the read, so the ChangeLog answers who looked at
// which lead (audit.Log.AccessSummary). A lead of another organisation or
// of a project the actor may not see fails with lp.ErrNotFound, exactly
// like an id that exists nowhere, and records nothing.
func (s *Service) Lead(ctx context.Context, actor lp.Actor, id uuid.UUID) (LeadDetail, error) {
	if err := s.authorize(ctx, actor, lp.PermSearch, audit.ActionLeadViewed); err != nil {
		return LeadDetail{}, wrap("Lead", err)
	}
	var d LeadDetail
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		r, err := newReader(ctx, tx, actor)
		if err != nil {
			return err
		}
		l, err := r.lead(ctx, id)
		if err != nil {
			return err
		}
		if d, err = r.detail(ctx, l); err != nil {
			return err
		}
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionLeadViewed, LeadID: l.ID, ProjectID: l.ProjectID})
		return err
	})
	if err != nil {
		return LeadDetail{}, wrap("Lead", err)
	}
	return d, nil
}

// detail reads the detail of l: labels and contact history with the
// agents' names.
func (r *reader) detail(ctx context.Context, l lp.Lead) (LeadDetail, error) {
	sum, err := r.summary(ctx, l)
	if err != nil {
		return LeadDetail{}, err
	}
	t, err := r.template(ctx, l.TemplateID)
	if err != nil {
		return LeadDetail{}, err
	}
	calls, err := r.tx.Contacts().ListByLead(ctx, r.org, l.ID)
	if err != nil {
		return LeadDetail{}, lperr.Wrap("contacts of lead "+l.ID.String(), err)
	}
	d := LeadDetail{LeadSummary: sum, Phones: l.Phones, Fields: fields(t, l.Fields, false), Contacts: make([]Contact, len(calls))}
	if d.Phones == nil {
		d.Phones = []phone.Number{}
	}
	for i, c := range calls {
		name, err := r.userName(ctx, c.AgentID)
		if err != nil {
			return LeadDetail{}, err
		}
		d.Contacts[i] = Contact{ID: c.ID, At: c.At, AgentID: c.AgentID, AgentName: name, Result: c.Result, Talk: c.Talk,
			Notes: c.Notes, RecordingRef: c.RecordingRef}
	}
	return d, nil
}
