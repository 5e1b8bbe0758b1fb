package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testMigration5 writes block entries with schema version 4 (no is_prefix
// column: written with SQL, as version 4's adapter did), migrates to
// version 5 and checks that they come back as exact entries that still
// hold their scope, and that a prefix entry of the same digits is another
// entry beside them.
func testMigration5(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	require.NoError(t, sqlstore.MigrateTo(ctx, s, 4))
	w := newWorld(t, s)
	id := func(u uuid.UUID) any { return u[:] }
	if s.Dialect() == sqlstore.Postgres {
		id = func(u uuid.UUID) any { return u.String() }
	}
	orgWide, project := newID(), newID()
	for _, e := range []struct {
		id, project uuid.UUID
	}{{orgWide, uuid.Nil}, {project, w.project}} {
		_, err := s.DB().ExecContext(ctx, placeholders(s, `INSERT INTO blocks
			(org_id, id, number, project_id, blocked_by, blocked_at, expires_at, reason, source)
			VALUES (?, ?, ?, ?, ?, ?, NULL, 'customer_request', 'manual')`),
			id(w.org), id(e.id), string(number(1)), id(e.project), id(w.admin), timeArg(s))
		require.NoError(t, err)
	}

	require.NoError(t, s.Migrate(ctx))

	want := lp.BlockEntry{OrgID: w.org, ID: orgWide, Number: number(1), BlockedBy: w.admin, BlockedAt: testTime,
		Reason: "customer_request", Source: lp.SourceManual}
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		got, err := tx.Blocks().Get(ctx, w.org, orgWide)
		require.NoError(t, err)
		require.Equal(t, want, got, "an entry of version 4 is an exact block")
		found, err := tx.Blocks().FindByNumbers(ctx, w.org, []phone.Number{number(1)})
		require.NoError(t, err)
		require.Len(t, found, 2)
		again := want
		again.ID = newID()
		require.ErrorIs(t, tx.Blocks().Create(ctx, again), lp.ErrConflict, "the old entry still holds its scope")
		twin := again
		twin.Prefix = true
		require.NoError(t, tx.Blocks().Create(ctx, twin), "a prefix of the same digits is another entry")
		found, err = tx.Blocks().FindByNumbers(ctx, w.org, []phone.Number{number(1)})
		require.NoError(t, err)
		require.Len(t, found, 3)
		return nil
	}))
}

func TestMigration5(t *testing.T) { onHostDatabases(t, testMigration5) }
