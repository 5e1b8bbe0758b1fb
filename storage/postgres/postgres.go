package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// driver is the shared SQL code on pgx, with COPY for bulk loads.
var driver = sqlstore.Driver{Dialect: sqlstore.Postgres, Copy: copyFrom}

// Open connects to the PostgreSQL database at dsn (any DSN or URL
// github.com/jackc/pgx/v5 accepts) and migrates it to the newest schema.
// Tables are created in the connection's search_path schema. A nil opts
// means the defaults.
func Open(ctx context.Context, dsn string, opts *sqlstore.Options) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("leadprivacy: postgres: open: %w", err)
	}
	return driver.Open(ctx, db, nil, opts)
}

// New returns a Store on the host's own db, opened with the "pgx" driver,
// which it does not configure, migrate or close: call Migrate once before
// use. Unlike sqlstore.New, its Blocks.CreateMany loads through COPY.
func New(db *sql.DB, opts *sqlstore.Options) (*sqlstore.Store, error) {
	return driver.New(db, opts)
}

// copyFrom is the sqlstore.CopyFunc of pgx: binary COPY on the
// transaction's connection.
func copyFrom(ctx context.Context, driverConn any, table string, columns []string, rows sqlstore.CopyRows) error {
	c, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return fmt.Errorf("leadprivacy: postgres: COPY needs a pgx connection, not %T: %w", driverConn, errors.ErrUnsupported)
	}
	_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, uuidRows{rows})
	return err
}

// uuidRows passes uuids to COPY as pgtype.UUID, which pgx encodes several
// times faster than a uuid.UUID (BenchmarkCopyUUID).
type uuidRows struct{ sqlstore.CopyRows }

func (r uuidRows) Values() ([]any, error) {
	vs, err := r.CopyRows.Values()
	for i, v := range vs {
		if u, ok := v.(uuid.UUID); ok {
			vs[i] = pgtype.UUID{Bytes: u, Valid: true}
		}
	}
	return vs, err
}
