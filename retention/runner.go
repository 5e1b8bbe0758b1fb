package retention

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
)

// DefaultInterval is RunnerOptions.Interval's default.
const DefaultInterval = time.Hour

// RunnerOptions tune a Runner.
type RunnerOptions struct {
	// Interval is the time between the start of one purge and the next;
	// 0 means DefaultInterval.
	Interval time.Duration
	// Jitter is the most a wait is randomly lengthened by, so processes
	// started together do not contend for the lease at the same moment;
	// 0 means none.
	Jitter time.Duration
	// Logger receives one line per purge; nil means the Service's logger.
	Logger *slog.Logger
	// Purge are the options of every purge.
	Purge PurgeOptions
}

// Runner purges an organisation periodically, as the system actor the
// host names. Every process of a host may run one: the purge lease
// (LeaseName) makes sure only one of them purges at a time.
type Runner struct {
	svc    *Service
	actor  lp.Actor
	opts   RunnerOptions
	logger *slog.Logger
}

// NewRunner returns a Runner of svc purging the organisation of actor, a
// system actor the host names (it needs lp.PermManageRetention, and
// lp.PermBlock with Options.Blocklist).
func NewRunner(svc *Service, actor lp.Actor, opts RunnerOptions) *Runner {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	r := &Runner{svc: svc, actor: actor, opts: opts, logger: svc.logger}
	if opts.Logger != nil {
		r.logger = opts.Logger
	}
	return r
}

// Run purges at once and then every Interval (plus up to Jitter) until
// ctx ends, and then returns nil: put it in the host's errgroup. A purge
// another process is running (ErrBusy) is skipped; any other failure is
// logged and retried at the next interval, as a rerun resumes where it
// stopped. A refused actor (lp.ErrForbidden) ends Run with that error,
// since no later run could succeed.
func (r *Runner) Run(ctx context.Context) error {
	for {
		if err := r.runOnce(ctx); err != nil {
			return err
		}
		wait := r.opts.Interval
		if r.opts.Jitter > 0 {
			wait += rand.N(r.opts.Jitter)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// runOnce runs one purge and logs it; it returns only errors that end Run.
func (r *Runner) runOnce(ctx context.Context) error {
	start := time.Now()
	rep, err := r.svc.Purge(ctx, r.actor, r.svc.clock(), r.opts.Purge)
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.Is(err, ErrBusy):
		r.logger.InfoContext(ctx, "retention: purge skipped: another process is purging", "org", r.actor.OrgID)
	case errors.Is(err, lp.ErrForbidden):
		return err
	case err != nil:
		r.logger.WarnContext(ctx, "retention: purge failed; the next run resumes it", "org", r.actor.OrgID, "run", rep.Run, "error", err)
	default:
		forgotten, deleted, held := 0, 0, 0
		for _, rr := range rep.Rules {
			forgotten, deleted, held = forgotten+rr.Forgotten, deleted+rr.Deleted, held+rr.SkippedLegalHold
		}
		r.logger.InfoContext(ctx, "retention: purge done", "org", r.actor.OrgID, "run", rep.Run, "rules", len(rep.Rules),
			"forgotten", forgotten, "deleted", deleted, "skipped_legal_hold", held, "blocks_expired", rep.BlocksExpired,
			"erasures_pending", rep.ErasuresPending, "took", time.Since(start))
	}
	return nil
}
