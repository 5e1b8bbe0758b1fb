package retention

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Plan is what a Purge at the same time would do now, rule by rule,
// without personal data.
type Plan struct {
	// ID is the dry run's id: the purge.run events of the plan carry it as
	// their run.
	ID uuid.UUID
	// At is the time the rules were applied to.
	At    time.Time
	Rules []RulePlan
}

// RulePlan is what a purge would do under one rule.
type RulePlan struct {
	Rule lp.RetentionRule
	// DueBefore is the rule's cut-off: leads whose basis time is before it
	// are due.
	DueBefore time.Time
	// Due counts the leads the purge would forget or delete.
	Due int
	// SkippedLegalHold counts the leads due but under legal hold: left
	// until the hold is lifted.
	SkippedLegalHold int
	// FirstIDs are the first due lead ids (Options.SampleSize), ascending.
	FirstIDs []uuid.UUID
	// FieldKeys are the keys of the templates of the FirstIDs leads,
	// sorted: the data fields a forget erases (a delete removes the lead).
	FieldKeys []string
	// FirstContacts counts the contact attempts of the FirstIDs leads that
	// the purge would scrub (forget: those with notes or a recording) or
	// remove (delete).
	FirstContacts int
}

// Plan is the dry run of Purge(ctx, actor, now, ...): per rule of the
// actor's organisation, how many leads are due, the first of them, what
// would be erased and how many are skipped on legal hold. It changes
// nothing but the ChangeLog: one purge.run event per rule with the
// detail dry_run=true and the counts, all in one transaction. It needs
// lp.PermManageRetention.
//
// Its counts are one storage Leads.CountMany for every rule (due and held
// leads; one more per storage.MaxCountFilters/2 rules): one pass over the
// organisation's leads, within 1.5x of hand-written counting SQL
// (BENCHMARKS.md, "retention"). The sample then reads Options.SampleSize
// leads per rule with leads due, each template once.
func (s *Service) Plan(ctx context.Context, actor lp.Actor, now time.Time) (Plan, error) {
	if err := s.authorize(ctx, actor, audit.ActionPurgeRun); err != nil {
		return Plan{}, wrap("Plan", err)
	}
	if err := validNow(now); err != nil {
		return Plan{}, wrap("Plan", err)
	}
	plan := Plan{ID: uuid.New(), At: now}
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		rules, err := tx.RetentionRules().List(ctx, actor.OrgID, uuid.Nil)
		if err != nil {
			return err
		}
		due, held, err := countDue(ctx, tx, actor.OrgID, rules, now)
		if err != nil {
			return err
		}
		plan.Rules = make([]RulePlan, len(rules))
		templates := map[uuid.UUID][]string{}
		for i, r := range rules {
			f := dueFilter(r, rules, now)
			plan.Rules[i] = RulePlan{Rule: r, DueBefore: f.Before, Due: due[i], SkippedLegalHold: held[i]}
			if err := s.sampleRule(ctx, tx, actor.OrgID, f, &plan.Rules[i], templates); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Plan{}, wrap("Plan", err)
	}
	if len(plan.Rules) == 0 {
		return plan, nil
	}
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		for _, rp := range plan.Rules {
			if err := s.recordRun(ctx, tx, actor, plan.ID, RuleReport{Rule: rp.Rule, Due: rp.Due, SkippedLegalHold: rp.SkippedLegalHold}, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Plan{}, wrap("Plan", err)
	}
	return plan, nil
}

// sampleRule fills the sample of rp (FirstIDs, FieldKeys, FirstContacts)
// from the first due leads f selects; templates caches the field keys of
// the templates read so far, for the rules after it. A rule with nothing
// due reads nothing: its List would find no lead however far it looked.
func (s *Service) sampleRule(ctx context.Context, tx storage.Tx, org uuid.UUID, f storage.LeadFilter, rp *RulePlan, templates map[uuid.UUID][]string) error {
	if rp.Due == 0 {
		return nil
	}
	// One List reads the sample's leads (for their templates); their data
	// is not kept.
	first, err := tx.Leads().List(ctx, org, selectable(f, rp.Rule.Action, false), storage.Page{Limit: s.sample})
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, l := range first {
		rp.FirstIDs = append(rp.FirstIDs, l.ID)
		tkeys, ok := templates[l.TemplateID]
		if !ok {
			t, err := tx.Templates().Get(ctx, org, l.TemplateID)
			if err != nil {
				return err
			}
			for _, tf := range t.Fields {
				tkeys = append(tkeys, tf.Key)
			}
			templates[l.TemplateID] = tkeys
		}
		for _, k := range tkeys {
			keys[k] = true
		}
		attempts, err := tx.Contacts().ListByLead(ctx, org, l.ID)
		if err != nil {
			return err
		}
		for _, a := range attempts {
			if rp.Rule.Action == lp.ActionDelete || a.Notes != "" || a.RecordingRef != "" {
				rp.FirstContacts++
			}
		}
	}
	rp.FieldKeys = slices.Sorted(maps.Keys(keys))
	return nil
}

// countDue counts, per rule of rules (every rule of the organisation), the
// leads due at now and those of them skipped for legal hold: both
// counts of every rule in one Leads.CountMany, one pass over the leads
// (one more per storage.MaxCountFilters/2 rules).
func countDue(ctx context.Context, tx storage.Tx, org uuid.UUID, rules []lp.RetentionRule, now time.Time) (due, held []int, err error) {
	filters := make([]storage.LeadFilter, 0, 2*len(rules))
	for _, r := range rules {
		f := dueFilter(r, rules, now)
		filters = append(filters, selectable(f, r.Action, false), selectable(f, r.Action, true))
	}
	due, held = make([]int, len(rules)), make([]int, len(rules))
	for lo := 0; lo < len(filters); lo += storage.MaxCountFilters {
		counts, err := tx.Leads().CountMany(ctx, org, filters[lo:min(len(filters), lo+storage.MaxCountFilters)])
		if err != nil {
			return nil, nil, err
		}
		for j, n := range counts {
			if k := lo + j; k%2 == 0 {
				due[k/2] = n
			} else {
				held[k/2] = n
			}
		}
	}
	return due, held, nil
}

// selectable narrows f to the leads a purge with action erases (held
// false) or skips for legal hold (held true): a forget leaves forgotten
// leads alone, a delete removes them too (as privacy.EraseBatchTx).
func selectable(f storage.LeadFilter, action lp.RetentionAction, held bool) storage.LeadFilter {
	f.LegalHold = &held
	if action == lp.ActionForget {
		forgotten := false
		f.Forgotten = &forgotten
	}
	return f
}

// validNow checks the time a plan or purge applies the rules at.
func validNow(now time.Time) error {
	if now.IsZero() {
		return invalid("now", "must be set")
	}
	return lp.ValidTime("now", now)
}
