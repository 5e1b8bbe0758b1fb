package sqlstore_test

import (
	"context"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestBlocksCreateManyUndoesFailedBatchSQLite fails the second statement of
// a batch (SQLite inserts 1,000 rows per statement) in a host's transaction
// (Attach) and checks that the rows of the first are gone although the host
// commits: CreateMany on SQLite runs without a savepoint and undoes its own
// rows. Later calls on the Tx fail (the contract's rule after a failure);
// WithTx would refuse to commit, but a host's Commit is its own.
func TestBlocksCreateManyUndoesFailedBatchSQLite(t *testing.T) {
	ctx := context.Background()
	s, _ := openSQLite(t, nil)
	w := newWorld(t, s)
	// The store holds one connection, so the temporary trigger is on it.
	if _, err := s.DB().ExecContext(ctx, `CREATE TEMP TRIGGER fail_batch BEFORE INSERT ON blocks
		WHEN NEW.reason = 'fail' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`); err != nil {
		t.Fatal(err)
	}
	batch := make([]lp.BlockEntry, 1500)
	for i := range batch {
		batch[i] = w.block(number(i))
	}
	batch[1200].Reason = "fail"
	hostTx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx := s.Attach(hostTx)
	if _, err := tx.Blocks().CreateMany(ctx, w.org, batch); err == nil {
		t.Error("CreateMany with a failing row succeeded")
	}
	if _, err := tx.Blocks().CreateMany(ctx, w.org, []lp.BlockEntry{w.block(number(100_000))}); err == nil {
		t.Error("a call after a failed one succeeded")
	}
	if err := hostTx.Commit(); err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		all, err := tx.Blocks().List(ctx, w.org, storage.BlockFilter{}, storage.Page{})
		if err != nil {
			return err
		}
		if len(all) != 0 {
			t.Errorf("after the failed batch the store holds %d entries, want none", len(all))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
