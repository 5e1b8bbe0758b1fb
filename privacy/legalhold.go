package privacy

import (
	"context"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

// HoldRequest names the lead whose legal hold is set or lifted.
type HoldRequest struct {
	LeadID uuid.UUID
	// Reason is an optional reason code from the host's list, such as
	// "litigation" (see lp.ValidCode), recorded with the event.
	Reason string
}

// HoldResult is the lead's hold after the call.
type HoldResult struct {
	LeadRef
	Held bool
	// Changed is false when the lead already was as asked: nothing was
	// written or recorded.
	Changed bool
}

// SetLegalHold puts a lead under legal hold and records lead.hold_set in
// the same transaction: Forget, ForgetNumber and retention leave it as it
// is until the hold is lifted. It needs lp.PermForget. A lead the actor may
// not see is ErrNotFound; a lead already held is not changed.
func (s *Service) SetLegalHold(ctx context.Context, actor lp.Actor, req HoldRequest) (HoldResult, error) {
	res, err := s.hold(ctx, actor, req, true)
	return res, wrap("SetLegalHold", err)
}

// LiftLegalHold lifts a lead's legal hold and records lead.hold_lifted,
// like SetLegalHold.
func (s *Service) LiftLegalHold(ctx context.Context, actor lp.Actor, req HoldRequest) (HoldResult, error) {
	res, err := s.hold(ctx, actor, req, false)
	return res, wrap("LiftLegalHold", err)
}

func (s *Service) hold(ctx context.Context, actor lp.Actor, req HoldRequest, held bool) (HoldResult, error) {
	action := audit.ActionLegalHoldSet
	if !held {
		action = audit.ActionLegalHoldLifted
	}
	if err := s.authorize(ctx, actor, lp.PermForget, action); err != nil {
		return HoldResult{}, err
	}
	var details []audit.Detail
	if req.Reason != "" {
		if err := lp.ValidCode("HoldRequest.Reason", req.Reason); err != nil {
			return HoldResult{}, err
		}
		details = []audit.Detail{audit.Code(audit.KeyReason, req.Reason)}
	}
	var res HoldResult
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		r, err := newReader(ctx, tx, actor)
		if err != nil {
			return err
		}
		l, err := r.lead(ctx, req.LeadID)
		if err != nil {
			return err
		}
		res = HoldResult{LeadRef: LeadRef{LeadID: l.ID, ProjectID: l.ProjectID}, Held: held}
		if l.LegalHold == held {
			return nil
		}
		l.LegalHold = held
		if err := tx.Leads().Update(ctx, l); err != nil {
			return err
		}
		res.Changed = true
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: action, LeadID: l.ID, ProjectID: l.ProjectID, Details: details})
		return err
	})
	return res, err
}
