package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testViewBesideWriter holds a write transaction open, with a block added
// but not committed, and runs View meanwhile: View must not wait for the
// writer, must not see its uncommitted block, and must keep its snapshot
// when the writer commits before View ends.
func testViewBesideWriter(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	count := func(ctx context.Context, tx storage.Tx) int {
		all, err := tx.Blocks().List(ctx, w.org, storage.BlockFilter{}, storage.Page{})
		require.NoError(t, err)
		return len(all)
	}
	added, release, committed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		committed <- s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			if err := tx.Blocks().Create(ctx, w.block(number(1))); err != nil {
				return err
			}
			close(added)
			<-release
			return nil
		})
	}()
	<-added
	viewed := make(chan error, 1)
	go func() {
		viewed <- s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
			if n := count(ctx, tx); n != 0 {
				return errors.New("View saw an uncommitted block")
			}
			close(release) // the writer commits while this View is open
			if err := <-committed; err != nil {
				return err
			}
			if n := count(ctx, tx); n != 0 {
				return errors.New("View's snapshot changed when a writer committed")
			}
			return nil
		})
	}()
	select {
	case err := <-viewed:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("View waited for the open write transaction")
	}
	require.NoError(t, s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		require.Equal(t, 1, count(ctx, tx), "a new View sees the commit")
		return nil
	}))
}

func TestViewBesideWriterSQLite(t *testing.T) {
	s, _ := openSQLite(t, nil)
	testViewBesideWriter(t, s)
}

func TestViewBesideWriterPostgres(t *testing.T) {
	testViewBesideWriter(t, openPostgres(t, nil))
}

// TestViewOnHostSQLite runs View on a Store made by New on a host's pool
// of one connection: writes fail with ErrReadOnly, and the connection the
// host gets back is writable again.
func TestViewOnHostSQLite(t *testing.T) {
	ctx := context.Background()
	db, s := openHostSQLite(t)
	require.NoError(t, s.Migrate(ctx))
	w := newWorld(t, s)
	err := s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Blocks().Create(ctx, w.block(number(1)))
	})
	require.ErrorIs(t, err, storage.ErrReadOnly)
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Blocks().Create(ctx, w.block(number(1)))
	}), "the host's connection is writable after View")
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM blocks").Scan(&n))
	require.Equal(t, 1, n)
}
