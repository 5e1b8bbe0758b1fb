package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testMigration10 writes a project and its leads with the schema before
// version 10, migrates (the project legal hold) and checks that the
// project is not held and its leads are selected as before, and that
// holding it then holds its leads.
func testMigration10(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	require.NoError(t, sqlstore.MigrateTo(ctx, s, 9))
	w := newWorld(t, s)
	leads := w.storeLeads(t, s, 3)
	require.NoError(t, s.Migrate(ctx))

	notHeld := false
	selected := func() (p lp.Project, n int) {
		require.NoError(t, s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
			var err error
			if p, err = tx.Projects().Get(ctx, w.org, w.project); err != nil {
				return err
			}
			n, err = tx.Leads().Count(ctx, w.org, storage.LeadFilter{ProjectID: w.project, LegalHold: &notHeld})
			return err
		}))
		return p, n
	}
	p, n := selected()
	require.False(t, p.OnLegalHold(), "a project of the old schema is not held")
	require.Equal(t, len(leads), n, "its leads are not held")

	since := w.now.Add(time.Hour)
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Projects().SetLegalHold(ctx, w.org, w.project, since)
	}))
	p, n = selected()
	require.True(t, p.LegalHoldSince.Equal(since), "held since %v", p.LegalHoldSince)
	require.Zero(t, n, "the held project's leads are held")
}

func TestMigration10(t *testing.T) { onHostDatabases(t, testMigration10) }
