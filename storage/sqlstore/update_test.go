package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// TestUpdateKeepsAndReplacesNumbers checks the phone index after an Update
// that keeps one number, drops one and adds one (PostgreSQL does it in one
// statement, SQLite in three).
func TestUpdateKeepsAndReplacesNumbers(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *sqlstore.Store{
		"sqlite":   func(t *testing.T) *sqlstore.Store { s, _ := openSQLite(t, nil); return s },
		"postgres": func(t *testing.T) *sqlstore.Store { return openPostgres(t, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			w := newWorld(t, s)
			ctx := context.Background()
			l := w.lead(number(1), number(2))
			other := w.lead(number(9))
			run := func(fn func(ctx context.Context, tx storage.Tx) error) {
				t.Helper()
				if err := s.WithTx(ctx, fn); err != nil {
					t.Fatal(err)
				}
			}
			run(func(ctx context.Context, tx storage.Tx) error {
				return tx.Leads().CreateMany(ctx, w.org, []lp.Lead{l, other})
			})
			l.Phones = []phone.Number{number(3), number(1)}
			run(func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Update(ctx, l) })
			owner := func(n phone.Number) []uuid.UUID {
				var ids []uuid.UUID
				run(func(ctx context.Context, tx storage.Tx) error {
					got, err := tx.Leads().FindByNumbers(ctx, w.org, []phone.Number{n})
					for _, g := range got {
						ids = append(ids, g.ID)
					}
					return err
				})
				return ids
			}
			for n, want := range map[phone.Number]int{number(1): 1, number(2): 0, number(3): 1, number(9): 1} {
				if got := owner(n); len(got) != want {
					t.Errorf("number %s: %d leads, want %d", phone.Mask(n), len(got), want)
				}
			}
			if got := owner(number(1)); len(got) == 1 && got[0] != l.ID {
				t.Errorf("kept number found lead %v, want %v", got[0], l.ID)
			}
		})
	}
}
