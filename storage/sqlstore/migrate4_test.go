package sqlstore_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testMigration4 writes, with schema version 3, an organisation's leads and
// signed ChangeLog and, behind the adapter's back as version 3 allowed, a
// project, a user and ChangeLog rows of an organisation never created. It
// migrates to version 4 (foreign keys to organisations) and checks that
// nothing was lost: the missing organisation exists, the ChangeLog still
// verifies against its checkpoint, and no object of an unknown
// organisation can be stored any more.
func testMigration4(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	require.NoError(t, sqlstore.MigrateTo(ctx, s, 3))
	w := newWorld(t, s)
	kept := w.lead(number(1))
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Leads().Create(ctx, kept)
	}))
	skey, vkey, err := note.GenerateKey(rand.Reader, "migration-test")
	require.NoError(t, err)
	signer, err := note.NewSigner(skey)
	require.NoError(t, err)
	verifier, err := note.NewVerifier(vkey)
	require.NoError(t, err)
	admin := lp.Actor{OrgID: w.org, UserID: w.admin, Permissions: lp.PermAll}
	changelog := audit.New(s, lp.StaticKeys{w.org: []byte("a fingerprint key of 32 bytes...")}, signer, nil)
	for range 5 {
		require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := changelog.Record(ctx, tx, admin, audit.Entry{Action: audit.ActionNumberSearched, Number: number(1)})
			return err
		}))
	}
	checkpoint, err := changelog.Checkpoint(ctx, admin)
	require.NoError(t, err)

	ghost, ghostProject, ghostUser := newID(), newID(), newID()
	id := func(u uuid.UUID) any { return u[:] }
	if s.Dialect() == sqlstore.Postgres {
		id = func(u uuid.UUID) any { return u.String() }
	}
	for _, stmt := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO projects (org_id, id, name) VALUES (?, ?, 'Orphan')`, []any{id(ghost), id(ghostProject)}},
		{`INSERT INTO users (org_id, id, name, role) VALUES (?, ?, 'Orphan', 'admin')`, []any{id(ghost), id(ghostUser)}},
		{`INSERT INTO event_counters (org_id, next_seq) VALUES (?, 1)`, []any{id(ghost)}},
		{`INSERT INTO event_hashes (org_id, idx, hash) VALUES (?, 0, ?)`, []any{id(ghost), make([]byte, 32)}},
	} {
		_, err := s.DB().ExecContext(ctx, placeholders(s, stmt.q), stmt.args...)
		require.NoError(t, err, stmt.q)
	}

	require.NoError(t, s.Migrate(ctx))

	require.NoError(t, s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		o, err := tx.Organisations().Get(ctx, ghost)
		require.NoError(t, err, "the organisation the orphans belong to is created")
		require.Contains(t, o.Name, "unknown organisation")
		_, err = tx.Projects().Get(ctx, ghost, ghostProject)
		require.NoError(t, err)
		_, err = tx.Users().Get(ctx, ghost, ghostUser)
		require.NoError(t, err)
		found, err := tx.Leads().FindByNumbers(ctx, w.org, []phone.Number{number(1)})
		require.NoError(t, err)
		require.Len(t, found, 1)
		return nil
	}))
	tree, err := audit.Verify(ctx, s, w.org, checkpoint, verifier)
	require.NoError(t, err, "the ChangeLog survives the rebuilt tables")
	require.EqualValues(t, 5, tree.N)

	// Unknown organisations are refused: by the adapter, and by the
	// database's foreign keys for a statement that bypasses it.
	never := newID()
	err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Projects().Create(ctx, lp.Project{OrgID: never, ID: newID(), Name: "P"})
	})
	require.ErrorIs(t, err, lp.ErrNotFound)
	for q, args := range map[string][]any{
		`INSERT INTO projects (org_id, id, name) VALUES (?, ?, 'P')`:                                 {id(never), id(newID())},
		`INSERT INTO users (org_id, id, name, role) VALUES (?, ?, 'U', 'admin')`:                     {id(never), id(newID())},
		`INSERT INTO event_counters (org_id, next_seq) VALUES (?, 1)`:                                {id(never)},
		`INSERT INTO suppressions (org_id, fingerprint, created_by, created_at) VALUES (?, ?, ?, ?)`: {id(never), make([]byte, 32), id(never), timeArg(s)},
	} {
		_, err := s.DB().ExecContext(ctx, placeholders(s, q), args...)
		require.Error(t, err, q)
		require.Contains(t, strings.ToUpper(err.Error()), "FOREIGN KEY", q)
	}
}

// timeArg is a time column's value in s's dialect.
func timeArg(s *sqlstore.Store) any {
	if s.Dialect() == sqlstore.Postgres {
		return testTime
	}
	return testTime.UnixMicro()
}

// placeholders rewrites the ? placeholders of q for s's dialect.
func placeholders(s *sqlstore.Store, q string) string {
	if s.Dialect() != sqlstore.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + string(rune('0'+n)))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestMigration4(t *testing.T) { onHostDatabases(t, testMigration4) }
