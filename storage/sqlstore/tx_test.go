package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestFullDiskCommitsNothing fills a SQLite database (max_page_count) in
// the middle of a transaction, as a full disk does. SQLite then rolls the
// whole transaction back; a host that swallows the failed CreateMany and
// records a "failed upload" event must not get that event committed in
// autocommit: every later call fails with ErrFull, WithTx returns it
// although fn returns nil, and nothing of the transaction is stored.
func TestFullDiskCommitsNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := openSQLite(t, nil)
	w := newWorld(t, s)
	var pages int
	require.NoError(t, s.DB().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages))
	// The writers' pool holds one connection, so the cap holds for WithTx.
	_, err := s.DB().ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages+8))
	require.NoError(t, err)

	big := strings.Repeat("x", 4000)
	leads := make([]lp.Lead, 200)
	for i := range leads {
		leads[i] = w.lead(number(i))
		leads[i].Fields["name"] = big
	}
	var createErr, eventErr, readErr error
	err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Blocks().Create(ctx, w.block(number(1000))); err != nil {
			return err
		}
		if _, err := tx.Events().Append(ctx, w.event(uuid.Nil)); err != nil {
			return err
		}
		createErr = tx.Leads().CreateMany(ctx, w.org, leads)
		// The host swallows the failure and records it.
		_, eventErr = tx.Events().Append(ctx, w.event(uuid.Nil))
		_, readErr = tx.Organisations().Get(ctx, w.org)
		return nil
	})
	require.ErrorIs(t, createErr, storage.ErrFull, "a full database is a typed error")
	require.ErrorIs(t, eventErr, storage.ErrFull, "a write after the transaction failed")
	require.ErrorIs(t, readErr, storage.ErrFull, "a read after the transaction failed")
	require.ErrorIs(t, err, storage.ErrFull, "WithTx must return the failure, not commit")

	var blocks, events int
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM blocks").Scan(&blocks))
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&events))
	require.Zero(t, blocks, "the block of the failed transaction was committed")
	require.Zero(t, events, "an event of the failed transaction was committed")
}

// TestViewOnHostImmediateSQLite runs View on a Store made by New on a
// host's pool whose DSN sets _txlock=immediate (as sqlite.Open's writer
// does): View must read, not fail with ErrReadOnly at BEGIN IMMEDIATE,
// and writes in it still fail with ErrReadOnly.
func TestViewOnHostImmediateSQLite(t *testing.T) {
	ctx := context.Background()
	_, s := openHostSQLite(t) // its DSN sets _txlock=immediate
	require.NoError(t, s.Migrate(ctx))
	w := newWorld(t, s)
	var got lp.Organisation
	require.NoError(t, s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		got, err = tx.Organisations().Get(ctx, w.org)
		return err
	}))
	require.Equal(t, w.org, got.ID)
	err := s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Blocks().Create(ctx, w.block(number(1)))
	})
	require.ErrorIs(t, err, storage.ErrReadOnly)
}
