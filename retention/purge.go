package retention

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// PurgeOptions tune one Purge.
type PurgeOptions struct {
	// Progress, if set, is called after every batch that committed.
	Progress func(Progress)
	// NoCompact skips the compaction (storage Compact, on the adapters
	// that have one) that otherwise ends a purge that erased anything.
	NoCompact bool
}

// Progress is where a Purge stands after a batch.
type Progress struct {
	Rule lp.RetentionRule
	// Due counts the rule's leads due when the purge started; Done those
	// the purge forgot or deleted under it so far.
	Due, Done int
}

// Report is what a Purge did.
type Report struct {
	// Run is the purge run's id, the run detail of its events.
	Run uuid.UUID
	// At is the time the rules were applied to.
	At    time.Time
	Rules []RuleReport
	// BlocksExpired counts the expired block entries swept
	// (Options.Blocklist).
	BlocksExpired int
	// ErasuresPending counts the external erasures the purge owes that
	// are still pending (see privacy.Service.RunErasures).
	ErasuresPending int
	// Compacted is set when the store was compacted at the end.
	Compacted bool
}

// RuleReport is what a Purge did under one rule.
type RuleReport struct {
	Rule lp.RetentionRule
	// Due counts the leads due when the purge started.
	Due int
	// Forgotten and Deleted count the leads the purge anonymised or
	// deleted; SkippedLegalHold those due but under legal hold.
	Forgotten, Deleted, SkippedLegalHold int
	// Failed counts the due leads left because a batch failed or ctx was
	// cancelled: running Purge again erases them.
	Failed int
}

// errLeaseLost stops a purge whose lease another process took over.
var errLeaseLost = fmt.Errorf("%w (the purge's lease ran out and was taken over)", ErrBusy)

// Purge applies the rules of the actor's organisation at now: under each
// rule it erases the due leads that are not under legal hold in batches
// (Options.BatchSize: fixed, or adapted to Options.BatchTime), each batch
// one transaction of its own
// (privacy.Service.EraseBatchTx: set-based, one lead.forgotten or
// lead.deleted event naming every lead of the batch, ObjectID the rule,
// detail run). After a rule's last batch it records purge.run with the
// rule's counts. Then it sweeps expired block entries (Options.Blocklist)
// and compacts the store (unless opts.NoCompact), and returns a report
// per rule. It needs lp.PermManageRetention (and lp.PermBlock for the
// sweep).
//
// A purge is resumable and idempotent: every batch selects, in its own
// transaction, the leads still due, not held and not forgotten, so a purge
// stopped at any point (a crash, a cancelled ctx, a store error on any
// write) and run again ends in exactly the state one uninterrupted run
// would have reached; nothing is erased twice and nothing missed. A rerun
// is a new run: its purge.run events count what it did, and the counts of
// all runs add up (a run that fails records its rule's purge.run with
// what it did, as far as the store lets it; a killed run's batches are
// counted by their lead.forgotten and lead.deleted events only).
//
// Only one purge of an organisation runs at a time across every process
// sharing the database: the purge holds the store lease LeaseName for
// Options.LeaseFor, renewed in every batch's transaction. A purge that
// finds the lease held fails with ErrBusy at once; one whose renewal
// finds the lease taken over stops with ErrBusy, its batch rolled back.
func (s *Service) Purge(ctx context.Context, actor lp.Actor, now time.Time, opts PurgeOptions) (Report, error) {
	if err := s.authorize(ctx, actor, audit.ActionPurgeRun); err != nil {
		return Report{}, wrap("Purge", err)
	}
	if err := validNow(now); err != nil {
		return Report{}, wrap("Purge", err)
	}
	rep := Report{Run: uuid.New(), At: now}
	release, err := s.acquire(ctx, actor.OrgID)
	if err != nil {
		return rep, wrap("Purge", err)
	}
	defer release()
	err = s.purge(ctx, actor, now, opts, &rep)
	return rep, wrap("Purge", err)
}

func (s *Service) purge(ctx context.Context, actor lp.Actor, now time.Time, opts PurgeOptions, rep *Report) error {
	var rules []lp.RetentionRule
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		if rules, err = tx.RetentionRules().List(ctx, actor.OrgID, uuid.Nil); err != nil {
			return err
		}
		due, held, err := countDue(ctx, tx, actor.OrgID, rules, now)
		if err != nil {
			return err
		}
		rep.Rules = make([]RuleReport, len(rules))
		for i, r := range rules {
			rep.Rules[i] = RuleReport{Rule: r, Due: due[i], SkippedLegalHold: held[i]}
		}
		return nil
	})
	if err != nil {
		return err
	}
	erased := 0
	size := s.firstBatch() // carried from rule to rule: the same store
	for i := range rep.Rules {
		rr := &rep.Rules[i]
		err := s.purgeRule(ctx, actor, dueFilter(rr.Rule, rules, now), rep, rr, &size, opts.Progress)
		erased += rr.Forgotten + rr.Deleted
		if err == nil {
			err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				return s.recordRun(ctx, tx, actor, rep.Run, *rr, false)
			})
		}
		if err != nil {
			for j := i; j < len(rep.Rules); j++ {
				rep.Rules[j].Failed = max(0, rep.Rules[j].Due-rep.Rules[j].Forgotten-rep.Rules[j].Deleted)
			}
			// Once more, as far as the store allows, so the counts of all
			// runs add up: its batches' events stand anyway.
			if rerr := s.store.WithTx(context.WithoutCancel(ctx), func(ctx context.Context, tx storage.Tx) error {
				return s.recordRun(ctx, tx, actor, rep.Run, *rr, false)
			}); rerr != nil {
				s.logger.WarnContext(ctx, "retention: the failed run's purge.run event could not be recorded",
					"run", rep.Run, "rule", rr.Rule.ID, "error", rerr)
			}
			return err
		}
		s.logger.InfoContext(ctx, "retention: rule applied", "run", rep.Run, "rule", rr.Rule.ID, "project", rr.Rule.ProjectID,
			"action", rr.Rule.Action, "due", rr.Due, "forgotten", rr.Forgotten, "deleted", rr.Deleted,
			"skipped_legal_hold", rr.SkippedLegalHold)
	}
	if s.blocklist != nil {
		res, err := s.blocklist.Sweep(ctx, actor, blocklist.SweepRequest{})
		rep.BlocksExpired = res.Removed
		if err != nil {
			return err
		}
	}
	if c, ok := s.store.(interface{ Compact(context.Context) error }); ok && !opts.NoCompact && erased > 0 {
		if err := c.Compact(ctx); err != nil {
			return err
		}
		rep.Compacted = true
	}
	return nil
}

// purgeRule erases the leads f selects in batches, adding to rr; *size
// is the next batch's size, adapted after every full batch (nextBatch).
func (s *Service) purgeRule(ctx context.Context, actor lp.Actor, f storage.LeadFilter, rep *Report, rr *RuleReport, size *int, progress func(Progress)) error {
	req := privacy.BatchRequest{Filter: f, Delete: rr.Rule.Action == lp.ActionDelete, Rule: rr.Rule.ID, Run: rep.Run}
	for {
		var r privacy.BatchReceipt
		req.Limit = *size
		t0 := time.Now()
		err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			if err := s.renew(ctx, tx, actor.OrgID); err != nil {
				return err
			}
			var err error
			r, err = s.privacy.EraseBatchTx(ctx, tx, actor, req)
			return err
		})
		if err != nil {
			return err
		}
		took := s.since(t0)
		rr.Forgotten += r.Forgotten
		rr.Deleted += r.Deleted
		statuses, err := s.privacy.RunBatchErasures(ctx, actor, &r)
		if err != nil {
			return err
		}
		for _, st := range statuses {
			if !st.Done {
				rep.ErasuresPending++
			}
		}
		if progress != nil && len(r.LeadIDs) > 0 {
			progress(Progress{Rule: rr.Rule, Due: rr.Due, Done: rr.Forgotten + rr.Deleted})
		}
		if len(r.LeadIDs) < req.Limit {
			return nil
		}
		*size = s.nextBatch(req.Limit, took)
		// Keyset: the leads up to here are erased, or were skipped by the
		// selection, so the next batch need not read past them again.
		req.After = r.LeadIDs[len(r.LeadIDs)-1]
	}
}

// recordRun records the purge.run event of one rule of a run or plan.
func (s *Service) recordRun(ctx context.Context, tx storage.Tx, actor lp.Actor, run uuid.UUID, rr RuleReport, dryRun bool) error {
	_, err := s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionPurgeRun, ObjectID: rr.Rule.ID, ProjectID: rr.Rule.ProjectID,
		Details: []audit.Detail{audit.ID(audit.KeyRun, run), audit.Count(audit.KeyDue, rr.Due),
			audit.Count(audit.KeyForgotten, rr.Forgotten), audit.Count(audit.KeyDeleted, rr.Deleted),
			audit.Count(audit.KeySkippedLegalHold, rr.SkippedLegalHold), audit.Count(audit.KeyFailed, rr.Failed),
			audit.Code(audit.KeyRuleAction, string(rr.Rule.Action)), audit.Flag(audit.KeyDryRun, dryRun)}})
	return err
}

// acquire takes the organisation's purge lease, in this process and in the
// store, and returns the function that releases both.
func (s *Service) acquire(ctx context.Context, org uuid.UUID) (func(), error) {
	if _, busy := s.running.LoadOrStore(org, struct{}{}); busy {
		return nil, ErrBusy
	}
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return s.renew(ctx, tx, org)
	})
	if err != nil {
		s.running.Delete(org)
		if errors.Is(err, errLeaseLost) {
			return nil, ErrBusy
		}
		return nil, err
	}
	return func() {
		defer s.running.Delete(org)
		ctx := context.WithoutCancel(ctx)
		if err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leases().Release(ctx, org, LeaseName, s.holder)
		}); err != nil {
			s.logger.WarnContext(ctx, "retention: the purge lease could not be released; it runs out by itself", "error", err)
		}
	}, nil
}

// renew takes or extends the purge lease in tx; errLeaseLost if another
// holder has it.
func (s *Service) renew(ctx context.Context, tx storage.Tx, org uuid.UUID) error {
	now := s.clock()
	ok, err := tx.Leases().Acquire(ctx, org, LeaseName, s.holder, now, now.Add(s.leaseFor))
	if err != nil {
		return err
	}
	if !ok {
		return errLeaseLost
	}
	return nil
}
