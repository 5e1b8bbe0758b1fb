package privacy

import (
	"context"
	"maps"
	"slices"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

// ForgetRequest selects the leads Preview plans to forget: LeadIDs, or
// every lead holding Number. Give one of them.
type ForgetRequest struct {
	LeadIDs []uuid.UUID
	// Number as typed or in E.164, like ForgetNumber's.
	Number string
}

// Plan is what a Forget of the same request would do now. It holds no
// personal data: field keys and counts, never values.
type Plan struct {
	// Leads are the leads a Forget would anonymise.
	Leads []LeadPlan
	// Held are the leads it would skip because they are under legal hold.
	Held []LeadRef
	// AlreadyForgotten are the leads forgotten before: nothing to do.
	AlreadyForgotten []LeadRef
}

// LeadPlan is what a Forget would erase of one lead.
type LeadPlan struct {
	LeadRef
	// FieldKeys are the keys of the lead's field values, sorted: a
	// forgotten lead keeps none.
	FieldKeys []string
	// Phones counts the lead's phone numbers.
	Phones int
	// Attempts counts the lead's contact attempts; AttemptsToScrub those
	// with notes or a recording reference to erase, Recordings those with
	// a recording reference.
	Attempts, AttemptsToScrub, Recordings int
	// Erasers are the registered erasers (Options.Erasers) that would be
	// owed an erasure of the lead, sorted.
	Erasers []string
}

// Preview returns what Forget (req.LeadIDs) or ForgetNumber (req.Number)
// would do now, changing nothing: it shares their selection and planning
// and reads in a read-only transaction. It needs lp.PermForget, like
// Forget; a lead id the actor may not see is ErrNotFound, a number no
// visible lead holds gives an empty plan. Nothing is recorded but a
// refusal.
func (s *Service) Preview(ctx context.Context, actor lp.Actor, req ForgetRequest) (Plan, error) {
	if err := s.authorize(ctx, actor, lp.PermForget, audit.ActionLeadForgotten); err != nil {
		return Plan{}, wrap("Preview", err)
	}
	switch {
	case len(req.LeadIDs) > 0 && req.Number != "":
		return Plan{}, wrap("Preview", invalid("ForgetRequest", "give LeadIDs or Number, not both"))
	case len(req.LeadIDs) == 0 && req.Number == "":
		return Plan{}, wrap("Preview", invalid("ForgetRequest", "give LeadIDs or Number"))
	}
	var plan Plan
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		f := s.newForgetter(tx, actor, ForgetOptions{}, uuid.Nil)
		f.plan = &Plan{}
		if req.Number != "" {
			if err := f.number(ctx, req.Number); err != nil {
				return err
			}
		}
		for _, id := range req.LeadIDs {
			if err := f.lead(ctx, id); err != nil {
				return err
			}
		}
		plan = *f.plan
		plan.Held, plan.AlreadyForgotten = f.receipt.Held, f.receipt.AlreadyForgotten
		return nil
	})
	if err != nil {
		return Plan{}, wrap("Preview", err)
	}
	return plan, nil
}

// planLead returns what forgetting l erases, but for its contact
// attempts (readContacts).
func planLead(l lp.Lead, erasers []string) LeadPlan {
	return LeadPlan{LeadRef: LeadRef{LeadID: l.ID, ProjectID: l.ProjectID}, FieldKeys: slices.Sorted(maps.Keys(l.Fields)),
		Phones: len(l.Phones), Erasers: erasers}
}

// readContacts counts what forgetting l erases of its contact attempts,
// read in tx, and returns their recording references (for the erasers).
func (p *LeadPlan) readContacts(ctx context.Context, tx storage.Tx, l lp.Lead) ([]string, error) {
	attempts, err := tx.Contacts().ListByLead(ctx, l.OrgID, l.ID)
	if err != nil {
		return nil, err
	}
	p.Attempts = len(attempts)
	var refs []string
	for _, a := range attempts {
		if a.Notes != "" || a.RecordingRef != "" {
			p.AttemptsToScrub++
		}
		if a.RecordingRef != "" {
			p.Recordings++
			refs = append(refs, a.RecordingRef)
		}
	}
	return refs, nil
}
