package sqlstore_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testMigration6 writes a signed ChangeLog with the schema before version
// 6, migrates (event_fingerprints) and checks that the log still verifies
// against its checkpoint and is found by number as before, that events
// with a fingerprint set can be recorded, found by any number of the set
// and verified.
func testMigration6(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	require.NoError(t, sqlstore.MigrateTo(ctx, s, 5)) // whatever came before 6
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
	for range 3 {
		record(audit.Entry{Action: audit.ActionBlockCreated, Number: number(1)})
	}
	checkpoint, err := changelog.Checkpoint(ctx, admin)
	require.NoError(t, err)

	require.NoError(t, s.Migrate(ctx))

	tree, err := audit.Verify(ctx, s, w.org, checkpoint, verifier)
	require.NoError(t, err, "the ChangeLog verifies after the migration")
	require.EqualValues(t, 3, tree.N)
	record(audit.Entry{Action: audit.ActionBlocksUploaded, Numbers: []phone.Number{number(2), number(1), number(3)}})
	for n, want := range map[phone.Number]int{number(1): 4, number(2): 1, number(4): 0} {
		page, err := changelog.Query(ctx, admin, audit.Query{Number: string(n)})
		require.NoError(t, err)
		require.Len(t, page.Events, want, "events of %s", phone.Mask(n))
	}
	checkpoint, err = changelog.Checkpoint(ctx, admin)
	require.NoError(t, err)
	_, err = audit.Verify(ctx, s, w.org, checkpoint, verifier)
	require.NoError(t, err, "a log with a set verifies")
}

func TestMigration6(t *testing.T) { onHostDatabases(t, testMigration6) }
