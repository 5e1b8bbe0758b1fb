package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// TestBatchWritesListForms runs the batch writes of retention with id
// lists of both forms the adapter writes them in on SQLite: one parameter
// per id (up to storage.MaxLimit ids) and, past it, one JSON list
// parameter. Each changes exactly the listed leads, phone rows and
// contact attempts included.
func TestBatchWritesListForms(t *testing.T) {
	stores := map[string]func(t *testing.T) *sqlstore.Store{
		"sqlite":   func(t *testing.T) *sqlstore.Store { s, _ := openSQLite(t, nil); return s },
		"postgres": func(t *testing.T) *sqlstore.Store { return openPostgres(t, nil) },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			for _, extra := range []int{0, storage.MaxLimit} {
				s := open(t)
				w := newWorld(t, s)
				leads := w.storeLeads(t, s, 6)
				ctx := context.Background()
				for i, l := range leads {
					c := lp.ContactAttempt{OrgID: w.org, ID: newID(), LeadID: l.ID, At: w.now, AgentID: w.admin,
						Result: "no_answer", Notes: "call back", RecordingRef: "rec://" + l.ID.String()}
					if err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return tx.Contacts().Add(ctx, c) }); err != nil {
						t.Fatalf("contact %d: %v", i, err)
					}
				}
				// Leads 0-1 erased, 2-3 deleted, 4-5 untouched; unknown ids pad the lists.
				pad := func(ids ...uuid.UUID) []uuid.UUID {
					for range extra {
						ids = append(ids, uuid.New())
					}
					return ids
				}
				err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					refs, scrubbed, err := tx.Contacts().EraseByLeads(ctx, w.org, []uuid.UUID{leads[0].ID, leads[1].ID})
					if err != nil || scrubbed != 2 || len(refs) != 2 {
						t.Errorf("EraseByLeads = %d scrubbed, %d leads' refs, %v; want 2, 2", scrubbed, len(refs), err)
					}
					n, err := tx.Leads().DeleteMany(ctx, w.org, pad(leads[2].ID, leads[3].ID, leads[3].ID))
					if err != nil || n != 2 {
						t.Errorf("DeleteMany = %d, %v; want 2", n, err)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				err = s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
					for i, l := range leads {
						_, gerr := tx.Leads().Get(ctx, w.org, l.ID)
						cs, err := tx.Contacts().ListByLead(ctx, w.org, l.ID)
						if err != nil {
							return err
						}
						found, err := tx.Leads().FindByNumbers(ctx, w.org, l.Phones)
						if err != nil {
							return err
						}
						deleted := i == 2 || i == 3
						if deleted != (gerr != nil) || deleted != (len(cs) == 0) || deleted != (len(found) == 0) {
							t.Errorf("extra %d, lead %d: get %v, %d attempts, %d by number; deleted %v", extra, i, gerr, len(cs), len(found), deleted)
						}
						if len(cs) == 1 && (cs[0].Notes == "") != (i < 2) {
							t.Errorf("extra %d, lead %d: notes %q, erased %v", extra, i, cs[0].Notes, i < 2)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
