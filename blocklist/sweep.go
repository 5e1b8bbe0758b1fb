package blocklist

import (
	"context"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

// SweepRequest asks for the removal of the organisation's expired entries.
type SweepRequest struct{}

// SweepResult counts what Sweep removed.
type SweepResult struct {
	Removed int
}

// Sweep removes the entries of the actor's organisation whose expiry has
// passed, BatchSize entries per transaction, and records one block.expired
// event per entry (with its masked number and fingerprint, so "when did the
// block of this number end?" stays answerable) in the transaction that
// removes it. It needs lp.PermBlock. Expired entries block nothing, so
// sweeping only tidies the list; a cancelled ctx stops between batches,
// and the batches before it stay removed (Removed counts them).
func (s *Service) Sweep(ctx context.Context, actor lp.Actor, _ SweepRequest) (SweepResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionBlockExpired); err != nil {
		return SweepResult{}, wrap("Sweep", err)
	}
	var res SweepResult
	for {
		n := 0
		err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			n = 0
			expired, err := tx.Blocks().List(ctx, actor.OrgID, storage.BlockFilter{ExpiredAt: s.clock()}, storage.Page{Limit: s.batch})
			if err != nil {
				return err
			}
			for _, b := range expired {
				if err := tx.Blocks().Delete(ctx, actor.OrgID, b.ID); err != nil {
					return err
				}
				_, err := s.changelog.Record(ctx, tx, actor, audit.Entry{
					Action: audit.ActionBlockExpired, ObjectID: b.ID, ProjectID: b.ProjectID, Number: b.Number, Prefix: b.Prefix,
				})
				if err != nil {
					return err
				}
			}
			n = len(expired)
			return nil
		})
		if err != nil {
			return res, wrap("Sweep", err)
		}
		res.Removed += n
		if n < min(s.batch, storage.MaxLimit) {
			return res, nil
		}
	}
}
