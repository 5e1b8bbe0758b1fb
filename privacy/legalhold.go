package privacy

import (
	"context"
	"time"

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
	details, err := s.authorizeHold(ctx, actor, action, "HoldRequest.Reason", req.Reason)
	if err != nil {
		return HoldResult{}, err
	}
	var res HoldResult
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
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

// ProjectHoldRequest names the project whose legal hold is set or lifted.
type ProjectHoldRequest struct {
	ProjectID uuid.UUID
	// Reason is an optional reason code from the host's list, such as
	// "litigation" (see lp.ValidCode), recorded with the event.
	Reason string
}

// ProjectHoldResult is the project's hold after the call.
type ProjectHoldResult struct {
	ProjectID uuid.UUID
	// Since is when the project was put under hold; zero when it is not
	// held.
	Since time.Time
	// Changed is false when the project already was as asked: nothing was
	// written or recorded.
	Changed bool
}

// SetProjectHold puts a whole project under legal hold and records
// project.hold_set in the same transaction: every lead of the project,
// those added later included, is held as if SetLegalHold had been called
// on it (Forget and ForgetNumber report it in Receipt.Held, retention
// counts it as skipped_legal_hold) until LiftProjectHold. It needs
// lp.PermForget, like SetLegalHold. A project the actor may not see (of
// another organisation, or one an agent is not a member of) is
// ErrNotFound; a project already held is not changed.
func (s *Service) SetProjectHold(ctx context.Context, actor lp.Actor, req ProjectHoldRequest) (ProjectHoldResult, error) {
	res, err := s.projectHold(ctx, actor, req, true)
	return res, wrap("SetProjectHold", err)
}

// LiftProjectHold lifts a project's legal hold and records
// project.hold_lifted, like SetProjectHold. Leads held on their own
// (SetLegalHold) stay held.
func (s *Service) LiftProjectHold(ctx context.Context, actor lp.Actor, req ProjectHoldRequest) (ProjectHoldResult, error) {
	res, err := s.projectHold(ctx, actor, req, false)
	return res, wrap("LiftProjectHold", err)
}

func (s *Service) projectHold(ctx context.Context, actor lp.Actor, req ProjectHoldRequest, held bool) (ProjectHoldResult, error) {
	action := audit.ActionProjectHoldSet
	if !held {
		action = audit.ActionProjectHoldLifted
	}
	details, err := s.authorizeHold(ctx, actor, action, "ProjectHoldRequest.Reason", req.Reason)
	if err != nil {
		return ProjectHoldResult{}, err
	}
	var res ProjectHoldResult
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		r, err := newReader(ctx, tx, actor)
		if err != nil {
			return err
		}
		p, err := r.visibleProject(ctx, req.ProjectID)
		if err != nil {
			return err
		}
		res = ProjectHoldResult{ProjectID: p.ID, Since: p.LegalHoldSince}
		if p.OnLegalHold() == held {
			return nil
		}
		res.Since = time.Time{}
		if held {
			res.Since = s.clock()
		}
		if err := tx.Projects().SetLegalHold(ctx, actor.OrgID, p.ID, res.Since); err != nil {
			return err
		}
		res.Changed = true
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: action, ProjectID: p.ID, Details: details})
		return err
	})
	if err != nil {
		return ProjectHoldResult{}, err
	}
	return res, nil
}

// authorizeHold checks lp.PermForget for a hold call of action and its
// optional reason code, and returns the event's details.
func (s *Service) authorizeHold(ctx context.Context, actor lp.Actor, action lp.Action, field, reason string) ([]audit.Detail, error) {
	if err := s.authorize(ctx, actor, lp.PermForget, action); err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, nil
	}
	if err := lp.ValidCode(field, reason); err != nil {
		return nil, err
	}
	return []audit.Detail{audit.Code(audit.KeyReason, reason)}, nil
}
