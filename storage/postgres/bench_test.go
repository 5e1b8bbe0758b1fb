package postgres

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
)

// BenchmarkCopyUUID loads 10,000 rows of four uuids by COPY: through
// copyFrom, given uuid.UUID as sqlstore passes them, beside pgx given
// pgtype.UUID (what sqlstore passed before it stopped importing pgx) and
// pgx given uuid.UUID unconverted.
func BenchmarkCopyUUID(b *testing.B) {
	const rows = 10000
	db, err := sql.Open("pgx", pgtest.Schema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (a uuid, b uuid, c uuid, d uuid)"); err != nil {
		b.Fatal(err)
	}
	ids := make([]uuid.UUID, rows)
	for i := range ids {
		ids[i] = uuid.New()
	}
	cols := []string{"a", "b", "c", "d"}
	asIs := func(u uuid.UUID) any { return u }
	viaPgx := func(conv func(uuid.UUID) any) func(dc any) error {
		return func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"t"}, cols, &uuidSource{ids: ids, i: -1, conv: conv})
			return err
		}
	}
	for _, c := range []struct {
		name string
		load func(dc any) error
	}{
		{"copyFrom", func(dc any) error {
			return copyFrom(ctx, dc, "t", cols, &uuidSource{ids: ids, i: -1, conv: asIs})
		}},
		{"pgx/pgtype.UUID", viaPgx(func(u uuid.UUID) any { return pgtype.UUID{Bytes: u, Valid: true} })},
		{"pgx/uuid.UUID", viaPgx(asIs)},
	} {
		b.Run(c.name, func(b *testing.B) {
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, "TRUNCATE t"); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := conn.Raw(c.load); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// uuidSource is rows of four copies of each id, converted by conv.
type uuidSource struct {
	ids  []uuid.UUID
	i    int
	conv func(uuid.UUID) any
	row  [4]any
}

func (s *uuidSource) Next() bool { s.i++; return s.i < len(s.ids) }
func (s *uuidSource) Err() error { return nil }
func (s *uuidSource) Values() ([]any, error) {
	u := s.conv(s.ids[s.i])
	s.row = [4]any{u, u, u, u}
	return s.row[:], nil
}
