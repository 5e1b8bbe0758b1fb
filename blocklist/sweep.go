package blocklist

import (
	"context"

	"github.com/google/uuid"

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

// Sweep removes the entries of the actor's organisation whose expiry had
// passed when it started, BatchSize entries per transaction, each batch
// with one set-based Blocks.DeleteMany. Batches follow each other in id
// order (keyset), so a sweep reads the list once, not once per batch;
// entries that expire while it runs are left to the next Sweep.
//
// It records one block.expired event per entry removed, in the
// transaction that removes it: the event carries the number's masked form
// and fingerprint, so "when did the block of +45 20 12 34 56 end?" stays
// answerable by number, which one event per batch could not do without a
// number in it. It needs lp.PermBlock. Expired entries block nothing, so
// sweeping only tidies the list; a cancelled ctx stops between batches,
// and the batches before it stay removed (Removed counts them).
func (s *Service) Sweep(ctx context.Context, actor lp.Actor, _ SweepRequest) (SweepResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionBlockExpired); err != nil {
		return SweepResult{}, wrap("Sweep", err)
	}
	var res SweepResult
	filter := storage.BlockFilter{ExpiredAt: s.clock()}
	var after uuid.UUID
	for {
		var n int
		var last uuid.UUID // set by the transaction's last run: WithTx may run it again
		err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			n, last = 0, after
			expired, err := tx.Blocks().List(ctx, actor.OrgID, filter, storage.Page{After: after, Limit: s.batch})
			if err != nil || len(expired) == 0 {
				return err
			}
			last = expired[len(expired)-1].ID
			ids := make([]uuid.UUID, len(expired))
			for i, b := range expired {
				ids[i] = b.ID
			}
			// The write transaction is serializable: every entry listed is
			// still there to delete, so each gets its event.
			if n, err = tx.Blocks().DeleteMany(ctx, actor.OrgID, ids); err != nil {
				return err
			}
			for _, b := range expired {
				_, err := s.changelog.Record(ctx, tx, actor, audit.Entry{
					Action: audit.ActionBlockExpired, ObjectID: b.ID, ProjectID: b.ProjectID, Number: b.Number, Prefix: b.Prefix,
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, wrap("Sweep", err)
		}
		res.Removed, after = res.Removed+n, last
		if n < min(s.batch, storage.MaxLimit) {
			return res, nil
		}
	}
}
