package privacy

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// BatchRequest selects one batch of leads for EraseBatchTx: the first
// Limit leads of Filter after After, in id order, that are not under legal
// hold and (unless Delete) not forgotten yet.
type BatchRequest struct {
	// Filter selects the leads due, such as a retention rule's project,
	// outcomes and cut-off. Its Forgotten and LegalHold fields are set by
	// EraseBatchTx: held leads (on their own or by their project) are never
	// erased, forgotten ones never forgotten twice.
	Filter storage.LeadFilter
	// After and Limit page through Filter (storage.Page); Limit is capped
	// at lp.MaxEventLeads, so one event names every lead of the batch.
	After uuid.UUID
	Limit int
	// Delete removes the leads with their phone numbers and contact
	// history instead of anonymising them; forgotten leads are deleted
	// too.
	Delete bool
	// Rule is the object the batch's event names (ObjectID), such as the
	// retention rule that made the leads due; Run the purge run it belongs
	// to (detail run). Both may be zero.
	Rule, Run uuid.UUID
}

// BatchReceipt is what one EraseBatchTx did, without personal data.
type BatchReceipt struct {
	// LeadIDs are the leads erased, ascending: the next batch starts after
	// the last one.
	LeadIDs []uuid.UUID
	// Forgotten and Deleted count the leads anonymised or deleted.
	Forgotten, Deleted int
	// AttemptsScrubbed counts the contact attempts whose notes or
	// recording reference were erased (of forgotten leads).
	AttemptsScrubbed int
	// RecordingsQueued counts the recording references handed to the
	// erasers (zero without registered erasers).
	RecordingsQueued int
	// Erasures are the external erasures the batch owes, one per lead and
	// registered eraser; RunBatchErasures runs them after the commit.
	Erasures []ErasureStatus
	pending  []lp.PendingErasure
}

// EraseBatchTx erases one batch of leads set-based inside tx, for a
// retention purge: it selects the batch (BatchRequest), anonymises the
// leads like Forget (Leads.AnonymiseMany, Contacts.EraseByLeads) or
// deletes them (Leads.DeleteMany), writes one pending erasure per lead
// and registered eraser holding the lead's recording references (the same
// record Forget writes), and records ONE lead.forgotten or lead.deleted
// event naming every lead of the batch (Entry.LeadIDs), so a ChangeLog
// query by lead id still answers who erased the lead, when, and under
// which rule (ObjectID) and run. A few statements per batch whatever its
// size, never one per lead (except the pending erasures).
//
// It needs lp.PermManageRetention: it serves retention, which erases
// leads organisation-wide by rule, not leads one user may see. The
// selection is part of the call so that a batch can only erase leads that
// are due, not held, and not forgotten when it runs; in a serializable
// transaction, a rerun after a failed commit selects exactly what is
// still left, so nothing is erased twice or missed. The erasers cannot run
// before tx commits: call RunBatchErasures after the commit.
func (s *Service) EraseBatchTx(ctx context.Context, tx storage.Tx, actor lp.Actor, req BatchRequest) (BatchReceipt, error) {
	action := audit.ActionLeadForgotten
	if req.Delete {
		action = audit.ActionLeadDeleted
	}
	if err := s.authorizeTx(ctx, tx, actor, lp.PermManageRetention, action); err != nil {
		return BatchReceipt{}, wrap("EraseBatchTx", err)
	}
	r, err := s.eraseBatch(ctx, tx, actor, req, action)
	return r, wrap("EraseBatchTx", err)
}

func (s *Service) eraseBatch(ctx context.Context, tx storage.Tx, actor lp.Actor, req BatchRequest, action lp.Action) (BatchReceipt, error) {
	if req.Limit < 0 {
		return BatchReceipt{}, invalid("BatchRequest.Limit", "must not be negative")
	}
	f := req.Filter
	notHeld, notForgotten := false, false
	f.LegalHold = &notHeld
	if !req.Delete {
		f.Forgotten = &notForgotten
	}
	page := storage.Page{After: req.After, Limit: min(storage.Page{Limit: req.Limit}.Size(), lp.MaxEventLeads)}
	ids, err := tx.Leads().ListIDs(ctx, actor.OrgID, f, page)
	if err != nil || len(ids) == 0 {
		return BatchReceipt{}, err
	}
	r := BatchReceipt{LeadIDs: ids}
	now := s.clock()
	var refs map[uuid.UUID][]string
	if !req.Delete || len(s.erasers) > 0 {
		// A delete reads the references only for the erasers; the rows go.
		if refs, r.AttemptsScrubbed, err = tx.Contacts().EraseByLeads(ctx, actor.OrgID, ids); err != nil {
			return BatchReceipt{}, err
		}
	}
	var n int
	if req.Delete {
		n, err = tx.Leads().DeleteMany(ctx, actor.OrgID, ids)
		r.Deleted, r.AttemptsScrubbed = n, 0
	} else {
		n, err = tx.Leads().AnonymiseMany(ctx, actor.OrgID, ids, now)
		r.Forgotten = n
	}
	if err != nil {
		return BatchReceipt{}, err
	}
	if n != len(ids) {
		// The transaction selected them: only a store breaking its
		// serializability promise gets here, and the caller rolls back.
		return BatchReceipt{}, lperr.Wrap(fmt.Sprintf("batch: %d of the %d leads selected changed", n, len(ids)), lp.ErrConflict)
	}
	erasers := s.eraserNames()
	for _, id := range ids {
		pes, err := owe(ctx, tx, actor.OrgID, id, erasers, refs[id], now)
		if err != nil {
			return BatchReceipt{}, err
		}
		r.pending = append(r.pending, pes...)
		if len(pes) > 0 {
			r.RecordingsQueued += len(refs[id])
		}
	}
	for _, pe := range r.pending {
		r.Erasures = append(r.Erasures, statusOf(pe))
	}
	details := []audit.Detail{audit.Count(audit.KeyLeads, n), audit.Count(audit.KeyContacts, r.AttemptsScrubbed),
		audit.Count(audit.KeyRecordings, r.RecordingsQueued)}
	if req.Run != uuid.Nil {
		details = append(details, audit.ID(audit.KeyRun, req.Run))
	}
	_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: action, LeadIDs: ids, ProjectID: req.Filter.ProjectID,
		ObjectID: req.Rule, Details: details})
	if err != nil {
		return BatchReceipt{}, lperr.Wrap("event of "+strconv.Itoa(n)+" leads", err)
	}
	return r, nil
}

// RunBatchErasures runs the erasers an EraseBatchTx owes once its
// transaction committed, as Forget does after its commit, and returns the
// statuses (also stored in r.Erasures). A failure stays pending for
// RunErasures. It needs lp.PermManageRetention, like EraseBatchTx.
func (s *Service) RunBatchErasures(ctx context.Context, actor lp.Actor, r *BatchReceipt) ([]ErasureStatus, error) {
	if len(r.pending) == 0 {
		return r.Erasures, nil
	}
	if err := s.authorize(ctx, actor, lp.PermManageRetention, audit.ActionErasureCompleted); err != nil {
		return nil, wrap("RunBatchErasures", err)
	}
	r.Erasures = s.runErasures(ctx, actor, r.pending)
	r.pending = nil
	return r.Erasures, nil
}
