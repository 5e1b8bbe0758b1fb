package privacy

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// ErasureCoder is implemented by an eraser's error that says why in a
// code (such as "timeout" or "store_unavailable", see lp.ValidCode). An
// eraser's error text may hold what it failed to erase, a recording path
// for one, so the service never stores or logs it: a pending erasure's
// LastError is "<eraser> failed", followed by the code if the error (or
// one it wraps) has a valid one.
type ErasureCoder interface {
	ErasureCode() string
}

// How erasers are retried: within the call that runs them, eraserTries
// tries eraserBackoff apart, doubling; a pending erasure that still
// failed is due again retryBase after its first failed run, doubling with
// each failed try up to retryMax.
const (
	eraserTries = 3
	retryBase   = time.Minute
	retryMax    = 24 * time.Hour
)

// eraserBackoff is the pause after an eraser's first failed try in a
// call; a variable so tests need not wait.
var eraserBackoff = 20 * time.Millisecond

// ErasureStatus is one external erasure a Forget owes, without its
// recording references.
type ErasureStatus struct {
	ID     uuid.UUID
	LeadID uuid.UUID
	Eraser string
	// Recordings counts the recording references the eraser is handed.
	Recordings int
	CreatedAt  time.Time
	// Done is set once the eraser succeeded and the pending erasure was
	// deleted.
	Done bool
	// Attempts counts the eraser's tries; LastError is the latest failure
	// as stored (see ErasureCoder), NextAttemptAt when RunErasures tries
	// again.
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
}

func statusOf(pe lp.PendingErasure) ErasureStatus {
	return ErasureStatus{ID: pe.ID, LeadID: pe.LeadID, Eraser: pe.Eraser, Recordings: len(pe.RecordingRefs), CreatedAt: pe.CreatedAt,
		Attempts: pe.Attempts, LastError: pe.LastError, NextAttemptAt: pe.NextAttemptAt}
}

// ErasureRun counts what RunErasures did.
type ErasureRun struct {
	// Completed erasures were deleted with their erasure.completed event;
	// Failed ones stay pending with their attempts and next attempt time.
	Completed, Failed int
}

// PendingErasures lists one page of the organisation's external erasures
// still owed, with their attempts and last errors, ordered by id. It
// needs lp.PermForget. The recording references are not shown: they are
// for the erasers only.
func (s *Service) PendingErasures(ctx context.Context, actor lp.Actor, page storage.Page) ([]ErasureStatus, error) {
	if err := s.authorize(ctx, actor, lp.PermForget, audit.ActionErasureCompleted); err != nil {
		return nil, wrap("PendingErasures", err)
	}
	var out []ErasureStatus
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		pes, err := tx.Erasures().List(ctx, actor.OrgID, time.Time{}, page)
		out = make([]ErasureStatus, len(pes))
		for i, pe := range pes {
			out[i] = statusOf(pe)
		}
		return err
	})
	return out, wrap("PendingErasures", err)
}

// RunErasures runs every pending erasure of the actor's organisation that
// is due (its NextAttemptAt is not after now), as Forget does after its
// commit: the host schedules it, such as every few minutes, so erasures a
// failure or a crash left pending are re-driven. It needs lp.PermForget.
// An eraser's failure is no error of the call: it is counted and stays
// pending; an error is returned only if the pending erasures cannot be
// read.
func (s *Service) RunErasures(ctx context.Context, actor lp.Actor) (ErasureRun, error) {
	if err := s.authorize(ctx, actor, lp.PermForget, audit.ActionErasureCompleted); err != nil {
		return ErasureRun{}, wrap("RunErasures", err)
	}
	now := s.clock()
	var run ErasureRun
	page := storage.Page{Limit: s.batch}
	for {
		var due []lp.PendingErasure
		err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
			var err error
			due, err = tx.Erasures().List(ctx, actor.OrgID, now, page)
			return err
		})
		if err != nil {
			return run, wrap("RunErasures", err)
		}
		for _, st := range s.runErasures(ctx, actor, due) {
			if st.Done {
				run.Completed++
			} else {
				run.Failed++
			}
		}
		if len(due) < page.Size() {
			return run, nil
		}
		page.After = due[len(due)-1].ID
	}
}

// runErasures runs the erasers of pending, one after another, and
// returns their statuses.
func (s *Service) runErasures(ctx context.Context, actor lp.Actor, pending []lp.PendingErasure) []ErasureStatus {
	out := make([]ErasureStatus, 0, len(pending))
	for _, pe := range pending {
		out = append(out, s.runErasure(ctx, actor, pe))
	}
	return out
}

// errUnregistered is the failure of a pending erasure whose eraser is not
// registered (any more).
var errUnregistered = errors.New("not registered")

// runErasure runs pe's eraser a few times; a success deletes pe and
// records erasure.completed in one transaction, a failure stores the
// attempts, a description without personal data and the next attempt
// time.
func (s *Service) runErasure(ctx context.Context, actor lp.Actor, pe lp.PendingErasure) ErasureStatus {
	tries, err := s.erase(ctx, pe)
	pe.Attempts += tries
	log := s.logger.With("erasure", pe.ID, "lead", pe.LeadID, "eraser", pe.Eraser, "attempts", pe.Attempts)
	if err == nil {
		err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			if err := tx.Erasures().Delete(ctx, pe.OrgID, pe.ID); err != nil {
				return err
			}
			_, err := s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionErasureCompleted, LeadID: pe.LeadID, ObjectID: pe.ID,
				Details: []audit.Detail{audit.Code(audit.KeyEraser, pe.Eraser), audit.Count(audit.KeyRecordings, len(pe.RecordingRefs)),
					audit.Count(audit.KeyAttempts, pe.Attempts)}})
			return err
		})
		switch {
		case errors.Is(err, lp.ErrNotFound): // completed meanwhile by another run
			return ErasureStatus{ID: pe.ID, LeadID: pe.LeadID, Eraser: pe.Eraser, Done: true}
		case err != nil:
			// The eraser succeeded but the record stays: it runs again
			// later, which an idempotent eraser allows.
			log.WarnContext(ctx, "privacy: erasure succeeded but could not be marked completed; it stays pending", "error", err)
			return statusOf(pe)
		}
		st := statusOf(pe)
		st.Done = true
		return st
	}
	pe.LastError = describeFailure(pe.Eraser, err)
	pe.NextAttemptAt = s.clock().Add(retryDelay(pe.Attempts))
	log.WarnContext(ctx, "privacy: external erasure failed; it stays pending", "last_error", pe.LastError, "next_attempt_at", pe.NextAttemptAt)
	if err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Erasures().Update(ctx, pe)
	}); err != nil {
		log.WarnContext(ctx, "privacy: could not store an erasure's failure; it stays pending as it was", "error", err)
	}
	return statusOf(pe)
}

// erase calls pe's eraser up to eraserTries times, backing off between
// tries, and returns the number of tries and the last error.
func (s *Service) erase(ctx context.Context, pe lp.PendingErasure) (int, error) {
	eraser, ok := s.erasers[pe.Eraser]
	if !ok {
		return 0, errUnregistered
	}
	req := ErasureRequest{OrgID: pe.OrgID, LeadID: pe.LeadID, RecordingRefs: pe.RecordingRefs}
	pause := eraserBackoff
	for try := 1; ; try++ {
		err := eraser.Erase(ctx, req)
		if err == nil || try == eraserTries {
			return try, err
		}
		select {
		case <-ctx.Done():
			return try, ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// describeFailure is what is stored of an eraser's failure: never the
// error's text, which may hold personal data.
func describeFailure(eraser string, err error) string {
	if errors.Is(err, errUnregistered) {
		return eraser + " is not registered"
	}
	var c ErasureCoder
	if errors.As(err, &c) && lp.ValidCode("code", c.ErasureCode()) == nil {
		return eraser + " failed: " + c.ErasureCode()
	}
	return eraser + " failed"
}

// retryDelay is how long a pending erasure waits after attempts failed
// tries: retryBase doubled per try beyond the first run, at most retryMax.
func retryDelay(attempts int) time.Duration {
	d := retryBase
	for i := eraserTries; i < attempts && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// owe writes the pending erasures a lead erased at now owes the erasers
// named, one each, holding its recording references, in the erasing
// transaction: Forget and EraseBatchTx write the same record.
func owe(ctx context.Context, tx storage.Tx, org, lead uuid.UUID, erasers, refs []string, now time.Time) ([]lp.PendingErasure, error) {
	out := make([]lp.PendingErasure, 0, len(erasers))
	for _, name := range erasers {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		pe := lp.PendingErasure{OrgID: org, ID: id, LeadID: lead, Eraser: name, RecordingRefs: refs, CreatedAt: now}
		if err := tx.Erasures().Add(ctx, pe); err != nil {
			return nil, lperr.Wrap("eraser "+name, err)
		}
		out = append(out, pe)
	}
	return out, nil
}
