package sqlstore_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testMigration8 writes a signed ChangeLog with the schema before version
// 8 (events of one lead, and of a set of numbers), migrates (event_leads,
// leases) and checks that the log still verifies against its checkpoint
// and is found by lead as before, that an event with a lead set can be
// recorded, found by any lead of the set and verified, and that leases
// work.
func testMigration8(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	require.NoError(t, sqlstore.MigrateTo(ctx, s, 7))
	w := newWorld(t, s)
	skey, vkey, err := note.GenerateKey(rand.Reader, "migration-test")
	require.NoError(t, err)
	signer, err := note.NewSigner(skey)
	require.NoError(t, err)
	verifier, err := note.NewVerifier(vkey)
	require.NoError(t, err)
	admin := lp.Actor{OrgID: w.org, UserID: w.admin, Permissions: lp.PermAll}
	changelog := audit.New(s, lp.StaticKeys{w.org: []byte("a fingerprint key of 32 bytes...")}, signer, nil)
	record := func(e audit.Entry) {
		require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := changelog.Record(ctx, tx, admin, e)
			return err
		}))
	}
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	record(audit.Entry{Action: audit.ActionLeadForgotten, LeadID: a})
	record(audit.Entry{Action: audit.ActionBlocksUploaded, Numbers: []phone.Number{number(2), number(1)}})
	record(audit.Entry{Action: audit.ActionLeadForgotten, LeadID: b})
	checkpoint, err := changelog.Checkpoint(ctx, admin)
	require.NoError(t, err)

	require.NoError(t, s.Migrate(ctx))

	tree, err := audit.Verify(ctx, s, w.org, checkpoint, verifier)
	require.NoError(t, err, "the ChangeLog verifies after the migration")
	require.EqualValues(t, 3, tree.N)
	record(audit.Entry{Action: audit.ActionPurgeRun, LeadIDs: []uuid.UUID{c, a}})
	for lead, want := range map[uuid.UUID]int{a: 2, b: 1, c: 1, uuid.New(): 0} {
		page, err := changelog.Query(ctx, admin, audit.Query{LeadID: lead})
		require.NoError(t, err)
		require.Len(t, page.Events, want, "events of lead %s", lead)
	}
	page, err := changelog.Query(ctx, admin, audit.Query{Number: string(number(1))})
	require.NoError(t, err)
	require.Len(t, page.Events, 1, "the number set still found")
	checkpoint, err = changelog.Checkpoint(ctx, admin)
	require.NoError(t, err)
	_, err = audit.Verify(ctx, s, w.org, checkpoint, verifier)
	require.NoError(t, err, "a log with a lead set verifies")
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		held, err := tx.Leases().Acquire(ctx, w.org, "retention", w.admin, w.now, w.now.Add(time.Minute))
		require.True(t, held)
		return err
	}))
}

func TestMigration8(t *testing.T) { onHostDatabases(t, testMigration8) }
