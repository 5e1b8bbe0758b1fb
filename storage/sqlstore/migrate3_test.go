package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testMigration3 writes leads, numbers and contact attempts with schema
// version 2 (cascading foreign keys), migrates to version 3 (rebuilt
// lead_phones and contacts without them) and checks that everything is
// still found, and that deleting a lead still removes its children.
func testMigration3(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	require.NoError(t, sqlstore.MigrateTo(ctx, s, 2))
	w := newWorld(t, s)
	kept, gone := w.lead(number(1), number(2)), w.lead(number(3))
	call := func(l lp.Lead) lp.ContactAttempt {
		return lp.ContactAttempt{OrgID: w.org, ID: newID(), LeadID: l.ID, At: w.now, AgentID: w.admin,
			Result: "no_answer", Talk: time.Minute, Notes: "call back", RecordingRef: "rec-1"}
	}
	keptCall := call(kept)
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Leads().CreateMany(ctx, w.org, []lp.Lead{kept, gone}); err != nil {
			return err
		}
		if err := tx.Contacts().Add(ctx, keptCall); err != nil {
			return err
		}
		return tx.Contacts().Add(ctx, call(gone))
	}))
	require.NoError(t, s.Migrate(ctx))
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		found, err := tx.Leads().FindByNumbers(ctx, w.org, []phone.Number{number(2), number(3)})
		require.NoError(t, err)
		require.Len(t, found, 2)
		calls, err := tx.Contacts().ListByLead(ctx, w.org, kept.ID)
		require.NoError(t, err)
		require.Equal(t, []lp.ContactAttempt{keptCall}, calls)
		return tx.Leads().Delete(ctx, w.org, gone.ID)
	}))
	// What is left is the kept lead's: two numbers, one contact attempt.
	for table, want := range map[string]int{"lead_phones": 2, "contacts": 1} {
		var n int
		require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
		require.Equal(t, want, n, "%s rows after deleting a lead", table)
	}
}

func TestMigration3(t *testing.T) { onHostDatabases(t, testMigration3) }
