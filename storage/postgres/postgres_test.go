package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// TestMain says when the PostgreSQL tests will skip.
func TestMain(m *testing.M) {
	pgtest.Notice("storage/postgres")
	os.Exit(m.Run())
}

// TestCopy checks that Blocks.CreateMany loads through the Driver's Copy
// hook, that copyFrom stores every column (uuids in binary) as INSERT
// would, and that a hook reporting errors.ErrUnsupported falls back to
// INSERT.
func TestCopy(t *testing.T) {
	for _, c := range []struct {
		name      string
		copy      sqlstore.CopyFunc
		wantCalls int
	}{
		{"copy", copyFrom, 1},
		{"unsupported", func(context.Context, any, string, []string, sqlstore.CopyRows) error {
			return fmt.Errorf("test: %w", errors.ErrUnsupported)
		}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			calls := 0
			d := sqlstore.Driver{Dialect: sqlstore.Postgres, Copy: func(ctx context.Context, dc any, table string, cols []string, rows sqlstore.CopyRows) error {
				calls++
				return c.copy(ctx, dc, table, cols, rows)
			}}
			db, err := sql.Open("pgx", pgtest.Schema(t))
			if err != nil {
				t.Fatal(err)
			}
			s, err := d.Open(ctx, db, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			org := lp.Organisation{ID: uuid.New(), Name: "Copy ApS", DefaultRegion: "DK", CreatedAt: time.Now().UTC()}
			at := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
			want := []lp.BlockEntry{
				{OrgID: org.ID, ID: uuid.New(), Number: phone.Number("+4520000001"), BlockedBy: uuid.New(), BlockedAt: at,
					ExpiresAt: at.Add(time.Hour), Reason: "asked", Source: lp.SourceManual},
				{OrgID: org.ID, ID: uuid.New(), Number: phone.Number("+4520000002"), BlockedBy: uuid.New(), BlockedAt: at,
					Source: lp.SourceManual},
			}
			err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				if err := tx.Organisations().Create(ctx, org); err != nil {
					return err
				}
				n, err := tx.Blocks().CreateMany(ctx, org.ID, want)
				if err == nil && n != len(want) {
					err = fmt.Errorf("CreateMany = %d, want %d", n, len(want))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if calls != c.wantCalls {
				t.Errorf("Copy called %d times, want %d", calls, c.wantCalls)
			}
			err = s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
				for _, w := range want {
					got, err := tx.Blocks().Get(ctx, org.ID, w.ID)
					if err != nil {
						return err
					}
					if !got.BlockedAt.Equal(w.BlockedAt) || !got.ExpiresAt.Equal(w.ExpiresAt) {
						return fmt.Errorf("times: got %v/%v, want %v/%v", got.BlockedAt, got.ExpiresAt, w.BlockedAt, w.ExpiresAt)
					}
					got.BlockedAt, got.ExpiresAt = w.BlockedAt, w.ExpiresAt
					if got != w {
						return fmt.Errorf("got %+v, want %+v", got, w)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
