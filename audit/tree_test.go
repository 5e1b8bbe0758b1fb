package audit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

// appendOutside appends n events through storage.Events.Append, as a host
// may, with an action outside the taxonomy: no tree hash is stored for them.
func (f *fixture) appendOutside(n int) {
	f.t.Helper()
	f.tx(func(tx storage.Tx) error {
		for range n {
			e := lp.Event{OrgID: f.org.ID, Time: clockStart, ActorID: f.admin.UserID, Action: "host.import", ObjectID: uuid.New()}
			if _, err := tx.Events().Append(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestEventsAppendedOutsideRecord appends events around Record through the
// adapter directly and requires the log to keep recording, checkpointing,
// proving and verifying, while a change to such an event after a
// checkpoint covers it is still detected, even with its tree hashes
// deleted.
func TestEventsAppendedOutsideRecord(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		for i := range 3 {
			f.mustRecord(f.admin, varied(i))
		}
		f.appendOutside(3)               // events 3-5
		f.mustRecord(f.admin, varied(3)) // event 6, hashes 3-5 first
		f.mustRecord(f.admin, varied(4)) // event 7 needs the hashes of 4-6
		f.appendOutside(2)               // events 8-9: a tail without hashes

		// Verify tolerates the unhashed tail of a log checkpointed before it.
		older := f.checkpoint()
		f.appendOutside(3) // events 10-12
		head, err := audit.Verify(f.ctx, f.store, f.org.ID, older, f.verifier)
		if err != nil || head.N != 13 {
			t.Fatalf("Verify with an unhashed tail = %v, %v; want a tree of 13", head, err)
		}
		newer := f.checkpoint() // hashes 10-12 in its own transaction
		tree, err := audit.OpenCheckpoint(newer, f.org.ID, f.verifier)
		if err != nil || tree != head {
			t.Fatalf("Checkpoint = %v, %v; want %v", tree, err, head)
		}
		if _, err := audit.Verify(f.ctx, f.store, f.org.ID, newer, f.verifier); err != nil {
			t.Fatalf("Verify = %v", err)
		}
		f.appendOutside(1) // event 13, after the checkpoint: Prove does not need it
		for _, seq := range []int64{4, 9, 12} {
			p, err := f.log.Prove(f.ctx, f.admin, seq, tree.N)
			if err != nil {
				t.Fatalf("Prove(%d) = %v", seq, err)
			}
			if err := audit.CheckProof(newer, f.org.ID, f.verifier, p); err != nil {
				t.Errorf("CheckProof(%d) = %v", seq, err)
			}
		}
		o, _ := audit.OpenCheckpoint(older, f.org.ID, f.verifier)
		cp, err := f.log.ProveConsistency(f.ctx, f.admin, o.N, tree.N)
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.CheckConsistency(older, newer, f.org.ID, f.verifier, cp); err != nil {
			t.Errorf("CheckConsistency = %v", err)
		}

		// Record hashes event 13 before its own event 14: every tree hash
		// is stored.
		f.mustRecord(f.admin, varied(5))
		f.tx(func(tx storage.Tx) error {
			idx := make([]int64, tlog.StoredHashCount(15))
			for i := range idx {
				idx[i] = int64(i)
			}
			_, err := tx.Events().ReadHashes(f.ctx, f.org.ID, idx)
			return err
		})

		// An event appended outside Record and covered by a checkpoint is
		// protected like any other: changing it is detected, also when
		// its tree hashes (and all later ones) are deleted so that they
		// would be recomputed from the changed event.
		base := snapshot(f)
		for _, seq := range []int64{4, 9, 12} {
			evs := append([]lp.Event(nil), base.events...)
			evs[seq].ObjectID = uuid.New()
			changed := base.with(evs)
			if _, err := audit.Verify(f.ctx, changed, f.org.ID, newer, f.verifier); !errors.Is(err, audit.ErrTampered) {
				t.Errorf("event %d changed: Verify = %v, want ErrTampered", seq, err)
			}
			changed.hashes = map[int64][32]byte{}
			for x, h := range base.hashes {
				if x < tlog.StoredHashIndex(0, seq) {
					changed.hashes[x] = h
				}
			}
			if _, err := audit.Verify(f.ctx, changed, f.org.ID, newer, f.verifier); !errors.Is(err, audit.ErrTampered) {
				t.Errorf("event %d changed, its hashes deleted: Verify = %v, want ErrTampered", seq, err)
			}
		}
	})
}

// TestCompleteTreeNeedsNoWriteToRead checks that a log whose tree is
// complete is checkpointed in a read-only transaction: readTree falls back
// to a write transaction only when hashes are missing.
func TestCompleteTreeNeedsNoWriteToRead(t *testing.T) {
	f := newMemFixture(t)
	f.mustRecord(f.admin, varied(0))
	ro := &writeCountingStore{Store: f.store}
	if _, err := f.logOf(ro).Checkpoint(f.ctx, f.admin); err != nil || ro.writes != 0 {
		t.Fatalf("Checkpoint of a complete tree = %v with %d write transactions", err, ro.writes)
	}
	f.appendOutside(1)
	if _, err := f.logOf(ro).Checkpoint(f.ctx, f.admin); err != nil || ro.writes != 1 {
		t.Fatalf("Checkpoint of an incomplete tree = %v with %d write transactions, want 1", err, ro.writes)
	}
}

// writeCountingStore counts the write transactions opened on it.
type writeCountingStore struct {
	storage.Store
	writes int
}

func (s *writeCountingStore) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	s.writes++
	return s.Store.WithTx(ctx, fn)
}

// TestVerifyDetectsDeletedTreeHashes deletes every tree hash of events
// whose successors keep theirs, within a page and across pages: hashes are
// stored in sequence order, so only a suffix of the log may lack them.
func TestVerifyDetectsDeletedTreeHashes(t *testing.T) {
	f := newMemFixture(t)
	cp := signedLog(t, f, 8200) // two pages of Verify
	base := snapshot(f)
	for _, c := range []struct{ from, to int64 }{{5, 6}, {100, 8000}, {8000, 8192}, {8150, 8200}} {
		s := base.with(base.events)
		s.hashes = map[int64][32]byte{}
		for x, h := range base.hashes {
			if x < tlog.StoredHashIndex(0, c.from) || x >= tlog.StoredHashIndex(0, c.to) {
				s.hashes[x] = h
			}
		}
		_, err := audit.Verify(f.ctx, s, f.org.ID, cp, f.verifier)
		if te := (*audit.TamperError)(nil); !errors.As(err, &te) || te.Index != c.from {
			t.Errorf("hashes of events %d-%d deleted: Verify = %v, want a TamperError at event %d", c.from, c.to-1, err, c.from)
		}
	}
}
