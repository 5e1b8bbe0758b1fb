package retention

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// RuleRequest sets the rule of a project for one outcome, or the
// project's catch-all.
type RuleRequest struct {
	ProjectID uuid.UUID
	// Outcome is the lead outcome code the rule selects, such as
	// "not_interested"; empty sets the project's catch-all, which selects
	// every outcome (no outcome included) that no other rule of the
	// project names.
	Outcome string
	// KeepFor is how long a lead is kept after its basis time; it must be
	// positive.
	KeepFor time.Duration
	// Action is what happens to a lead that is due; empty means
	// lp.ActionForget (anonymise, statistics stay).
	Action lp.RetentionAction
	// Basis is the lead time KeepFor counts from; empty means
	// lp.SinceLastContact.
	Basis lp.RetentionBasis
}

// RuleResult is the rule after SetRule.
type RuleResult struct {
	Rule lp.RetentionRule
	// Created is set when the project had no rule for the outcome;
	// Changed when the stored rule changed (false: it already was as
	// asked, and nothing was written or recorded).
	Created, Changed bool
}

// validate checks req and fills its defaults, before any transaction.
func (req *RuleRequest) validate() error {
	if req.Action == "" {
		req.Action = lp.ActionForget
	}
	if req.Basis == "" {
		req.Basis = lp.SinceLastContact
	}
	switch {
	case req.ProjectID == uuid.Nil:
		return invalid("RuleRequest.ProjectID", "must not be zero")
	case req.KeepFor <= 0:
		return invalid("RuleRequest.KeepFor", "must be positive, such as 720h for 30 days")
	case req.Action != lp.ActionForget && req.Action != lp.ActionDelete:
		return invalid("RuleRequest.Action", "must be forget or delete")
	case req.Basis != lp.SinceLastContact && req.Basis != lp.SinceCreated && req.Basis != lp.SinceClosed:
		return invalid("RuleRequest.Basis", "must be last_contact, created or closed")
	}
	if req.Outcome != "" {
		return lp.ValidCode("RuleRequest.Outcome", req.Outcome)
	}
	return nil
}

// SetRule creates the project's rule for req.Outcome, or changes the one it
// has, and records retention_rule.created or retention_rule.updated in the
// same transaction. It needs lp.PermManageRetention. An unknown project is
// ErrNotFound; a KeepFor that is not positive, an unknown Action or Basis
// or an Outcome that is not a code is ErrInvalidArgument (*lp.FieldError
// naming the field). A rule already as asked is left alone.
//
// The rule that names a lead's outcome wins over the project's
// catch-all: a lead is due under exactly one rule of its project.
func (s *Service) SetRule(ctx context.Context, actor lp.Actor, req RuleRequest) (RuleResult, error) {
	if err := s.authorize(ctx, actor, audit.ActionRetentionRuleUpdated); err != nil {
		return RuleResult{}, wrap("SetRule", err)
	}
	if err := req.validate(); err != nil {
		return RuleResult{}, wrap("SetRule", err)
	}
	var res RuleResult
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		res = RuleResult{}
		rules, err := projectRules(ctx, tx, actor.OrgID, req.ProjectID)
		if err != nil {
			return err
		}
		now := s.clock()
		r := lp.RetentionRule{OrgID: actor.OrgID, ID: uuid.New(), ProjectID: req.ProjectID, Outcome: req.Outcome,
			KeepFor: req.KeepFor, Action: req.Action, Basis: req.Basis, CreatedBy: actor.UserID, CreatedAt: now}
		details := []audit.Detail{audit.Duration(audit.KeyKeepFor, r.KeepFor),
			audit.Code(audit.KeyRuleAction, string(r.Action)), audit.Code(audit.KeyBasis, string(r.Basis))}
		if r.Outcome != "" {
			details = append(details, audit.Code(audit.KeyOutcome, r.Outcome))
		}
		action := audit.ActionRetentionRuleCreated
		if i := slices.IndexFunc(rules, func(o lp.RetentionRule) bool { return o.Outcome == req.Outcome }); i >= 0 {
			old := rules[i]
			if old.KeepFor == r.KeepFor && old.Action == r.Action && old.Basis == r.Basis {
				res.Rule = old
				return nil
			}
			// The rule keeps its id; CreatedBy and CreatedAt say who set it last.
			r.ID = old.ID
			if err := tx.RetentionRules().Update(ctx, r); err != nil {
				return err
			}
			action = audit.ActionRetentionRuleUpdated
			details = append(details, audit.Duration(audit.KeyPreviousKeepFor, old.KeepFor))
		} else {
			if err := tx.RetentionRules().Create(ctx, r); err != nil {
				return err
			}
			res.Created = true
		}
		res.Rule, res.Changed = r, true
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: action, ObjectID: r.ID, ProjectID: r.ProjectID, Details: details})
		return err
	})
	if err != nil {
		return RuleResult{}, wrap("SetRule", err)
	}
	return res, nil
}

// Rules returns the organisation's rules ordered by project, then outcome
// (the catch-all first), or those of one project if project is not zero.
// It needs lp.PermManageRetention. An unknown project is ErrNotFound.
func (s *Service) Rules(ctx context.Context, actor lp.Actor, project uuid.UUID) ([]lp.RetentionRule, error) {
	if err := s.authorize(ctx, actor, audit.ActionRetentionRuleUpdated); err != nil {
		return nil, wrap("Rules", err)
	}
	var rules []lp.RetentionRule
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		if project == uuid.Nil {
			rules, err = tx.RetentionRules().List(ctx, actor.OrgID, uuid.Nil)
		} else {
			rules, err = projectRules(ctx, tx, actor.OrgID, project)
		}
		return err
	})
	return rules, wrap("Rules", err)
}

// DeleteRule deletes the rule with id and records retention_rule.deleted
// in the same transaction; it returns the deleted rule. It needs
// lp.PermManageRetention. An unknown rule is ErrNotFound. The project's
// leads of that outcome fall under its catch-all, if it has one.
func (s *Service) DeleteRule(ctx context.Context, actor lp.Actor, id uuid.UUID) (lp.RetentionRule, error) {
	if err := s.authorize(ctx, actor, audit.ActionRetentionRuleDeleted); err != nil {
		return lp.RetentionRule{}, wrap("DeleteRule", err)
	}
	var r lp.RetentionRule
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		if r, err = tx.RetentionRules().Get(ctx, actor.OrgID, id); err != nil {
			return lperr.Wrap("rule "+id.String(), err)
		}
		if err := tx.RetentionRules().Delete(ctx, actor.OrgID, id); err != nil {
			return err
		}
		var details []audit.Detail
		if r.Outcome != "" {
			details = []audit.Detail{audit.Code(audit.KeyOutcome, r.Outcome)}
		}
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionRetentionRuleDeleted, ObjectID: r.ID,
			ProjectID: r.ProjectID, Details: details})
		return err
	})
	if err != nil {
		return lp.RetentionRule{}, wrap("DeleteRule", err)
	}
	return r, nil
}

// projectRules returns the rules of a project, ErrNotFound (naming the
// field) if the project does not exist.
func projectRules(ctx context.Context, tx storage.Tx, org, project uuid.UUID) ([]lp.RetentionRule, error) {
	if _, err := tx.Projects().Get(ctx, org, project); err != nil {
		if errors.Is(err, lp.ErrNotFound) {
			return nil, lperr.Wrap("RuleRequest.ProjectID "+project.String(), err)
		}
		return nil, err
	}
	return tx.RetentionRules().List(ctx, org, project)
}

// dueFilter selects the leads due under r at now, given every rule of the
// organisation: a rule for an outcome selects that outcome; the
// catch-all selects every outcome no other rule of its project names.
// Held and forgotten leads are left to the caller's filter.
func dueFilter(r lp.RetentionRule, all []lp.RetentionRule, now time.Time) storage.LeadFilter {
	// A cut-off before the first storable time selects nothing, as MinTime does.
	f := storage.LeadFilter{ProjectID: r.ProjectID, Basis: r.Basis, Before: r.DueBefore(now)}
	if f.Before.Before(lp.MinTime) {
		f.Before = lp.MinTime
	}
	if r.Outcome != "" {
		f.Outcomes = []string{r.Outcome}
		return f
	}
	for _, o := range all {
		if o.ProjectID == r.ProjectID && o.Outcome != "" {
			f.ExcludeOutcomes = append(f.ExcludeOutcomes, o.Outcome)
		}
	}
	return f
}
