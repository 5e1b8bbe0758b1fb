package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// The tree hashes of a log are stored for a prefix of its events: Record
// hashes each event it appends, but storage.Events.Append is part of the
// adapter contract and a host can call it directly, leaving events without
// hashes. Rather than refuse such a log for good, the Log completes the
// tree from the stored events, in the transaction that next needs it
// (Record, Checkpoint, Prove, ProveConsistency). This vouches for nothing
// new: events that were never hashed could have been changed before anyway,
// and Verify recomputes every event's hash itself, so a change to an event
// that a checkpoint covers is detected whether its stored hashes exist,
// were rewritten or were deleted and recomputed.

// completeTree stores the tree hashes of every event among the first n of
// org's log that lacks them, hashing the events as stored. Hashes are
// written in sequence order, so the hashed events are a prefix of the log:
// the first event without a record hash is found by binary search, and a
// log whose event n-1 is hashed costs one read.
func completeTree(ctx context.Context, events storage.Events, org uuid.UUID, n int64) error {
	if n == 0 {
		return nil
	}
	hashed := func(seq int64) (bool, error) {
		_, err := events.ReadHashes(ctx, org, []int64{tlog.StoredHashIndex(0, seq)})
		if errors.Is(err, lp.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, lperr.Wrap("audit: complete tree", err)
		}
		return true, nil
	}
	ok, err := hashed(n - 1)
	if ok || err != nil {
		return err
	}
	lo, hi := int64(0), n-1 // the first unhashed event is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		ok, err := hashed(mid)
		if err != nil {
			return err
		}
		if ok {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for from := lo; from < n; from += verifyPageSize {
		to := min(from+verifyPageSize, n)
		evs, err := events.Range(ctx, org, from, to)
		if err != nil {
			return lperr.Wrap("audit: complete tree", err)
		}
		if int64(len(evs)) != to-from {
			return fmt.Errorf("leadprivacy: audit: complete tree: the store returned %d events of %d to %d", len(evs), from, to)
		}
		if err := extendTree(ctx, events, org, evs); err != nil {
			return err
		}
	}
	return nil
}

// extendTree stores the tree hashes of evs, consecutive events of org's
// log, in one write; the hashes of every earlier event must be stored.
func extendTree(ctx context.Context, events storage.Events, org uuid.UUID, evs []lp.Event) error {
	base := tlog.StoredHashIndex(0, evs[0].Seq)
	var computed []tlog.Hash // the hashes from storage index base on
	stored := storeHashReader(ctx, events, org)
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		var older []int64
		for i, x := range indexes {
			if x >= base {
				out[i] = computed[x-base]
			} else {
				older = append(older, x)
			}
		}
		hs, err := stored(older)
		if err != nil {
			return nil, err
		}
		for i, x := range indexes {
			if x < base {
				out[i], hs = hs[0], hs[1:]
			}
		}
		return out, nil
	})
	for i, e := range evs {
		if e.OrgID != org || e.Seq != evs[0].Seq+int64(i) {
			return fmt.Errorf("leadprivacy: audit: extend tree: event %d is not event %d of the organisation's log", e.Seq, evs[0].Seq+int64(i))
		}
		hs, err := tlog.StoredHashesForRecordHash(e.Seq, RecordHash(e), reader)
		if err != nil {
			return lperr.Wrap("audit: extend tree", err)
		}
		computed = append(computed, hs...)
	}
	indexes := make([]int64, len(computed))
	raw := make([][32]byte, len(computed))
	for i, h := range computed {
		indexes[i] = base + int64(i)
		raw[i] = h
	}
	if err := events.WriteHashes(ctx, org, indexes, raw); err != nil {
		return lperr.Wrap("audit: write tree hashes", err)
	}
	return nil
}

// readTree runs fn, which reads org's tree hashes, in a read-only
// transaction. If hashes are missing (events appended outside Record), it
// completes the tree and runs fn again, in one write transaction.
func (l *Log) readTree(ctx context.Context, org uuid.UUID, fn func(context.Context, storage.Tx) error) error {
	err := l.store.View(ctx, fn)
	if !errors.Is(err, lp.ErrNotFound) {
		return err
	}
	return l.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Events().Count(ctx, org)
		if err != nil {
			return err
		}
		if err := completeTree(ctx, tx.Events(), org, n); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}
