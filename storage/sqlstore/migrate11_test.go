package sqlstore_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// testMigration11 adds contact attempts with the schema before version 11,
// migrates (SQLite keeps them in lead order) and checks that every
// attempt is still there and listed as before, that an attempt's id stays
// unique, that attempts are added and erased by lead as before, and on
// SQLite that the table now walks its rows in lead order.
func testMigration11(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	require.NoError(t, sqlstore.MigrateTo(ctx, s, 10))
	w := newWorld(t, s)
	leads := w.storeLeads(t, s, 4)
	attempt := func(lead uuid.UUID, i int) lp.ContactAttempt {
		return lp.ContactAttempt{OrgID: w.org, ID: newID(), LeadID: lead, At: w.now.Add(time.Duration(-i) * time.Hour),
			AgentID: w.admin, Result: "no_answer", Talk: time.Duration(i) * time.Second, Notes: "note", RecordingRef: "rec://x"}
	}
	want := map[uuid.UUID][]lp.ContactAttempt{}
	add := func(cs ...lp.ContactAttempt) error {
		return s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			for _, c := range cs {
				if err := tx.Contacts().Add(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Added round by round, as a dialer calls: not in lead order.
	var first lp.ContactAttempt
	for i := range 3 {
		for _, l := range leads {
			c := attempt(l.ID, i)
			require.NoError(t, add(c))
			want[l.ID] = append([]lp.ContactAttempt{c}, want[l.ID]...) // older first
			if first.ID == uuid.Nil {
				first = c
			}
		}
	}
	require.NoError(t, s.Migrate(ctx))

	list := func(lead uuid.UUID) []lp.ContactAttempt {
		var cs []lp.ContactAttempt
		require.NoError(t, s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
			var err error
			cs, err = tx.Contacts().ListByLead(ctx, w.org, lead)
			return err
		}))
		return cs
	}
	for i, l := range leads {
		require.Equal(t, want[l.ID], list(l.ID), "lead %d's attempts", i)
	}
	dup := attempt(leads[1].ID, 7)
	dup.ID = first.ID
	require.ErrorIs(t, add(dup), lp.ErrConflict, "an attempt id of the old schema, under another lead and time")
	c := attempt(leads[0].ID, 9)
	require.NoError(t, add(c))
	require.Len(t, list(leads[0].ID), 4)
	var refs map[uuid.UUID][]string
	var n int
	require.NoError(t, s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		refs, n, err = tx.Contacts().EraseByLeads(ctx, w.org, []uuid.UUID{leads[0].ID, leads[2].ID})
		return err
	}))
	require.Equal(t, 7, n, "attempts erased")
	require.Len(t, refs[leads[0].ID], 4)
	require.Len(t, refs[leads[2].ID], 3)

	if s.Dialect() != sqlstore.SQLite {
		return
	}
	// The table's own order (no ORDER BY, no index): by lead.
	rows, err := s.DB().QueryContext(ctx, `SELECT lead_id, notes FROM contacts NOT INDEXED WHERE org_id = ?`, w.org[:])
	require.NoError(t, err)
	defer rows.Close()
	var order [][]byte
	for rows.Next() {
		var id []byte
		var notes string
		require.NoError(t, rows.Scan(&id, &notes))
		order = append(order, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, order, 13)
	require.True(t, slices.IsSortedFunc(order, bytes.Compare), "contacts walked in lead order")
}

func TestMigration11(t *testing.T) { onHostDatabases(t, testMigration11) }
