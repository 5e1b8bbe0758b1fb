package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds the schema migrations, NNNN_name.sql, applied in
// order. Each is written once for both dialects with type markers, unless
// the dialects need different statements (SQLite cannot add a constraint
// to a table): then the version has one file per dialect,
// NNNN_name.sqlite.sql and NNNN_name.postgres.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	sql     string
}

// migrations returns the embedded migrations of dialect d in version order.
func migrations(d Dialect) ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	other := ".sqlite.sql" // the other dialect's files
	if d == SQLite {
		other = ".postgres.sql"
	}
	var out []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		if strings.HasSuffix(base, other) {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("leadprivacy: sqlstore: migration %s has no version number", base)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion is the newest schema version this code migrates to.
func SchemaVersion() int {
	ms, err := migrations(SQLite)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate brings the database to the newest schema version. It is
// idempotent and safe when several processes run it at once: the whole
// migration runs in one transaction that first takes a lock (a
// transaction-scoped advisory lock on PostgreSQL, keyed by the current
// schema; the write lock of BEGIN IMMEDIATE on SQLite), then reads the
// schema_version table and applies only the missing versions. A database
// whose version is newer than this code fails with *SchemaVersionError.
// sqlite.Open and postgres.Open call it; a Store made by New needs it once.
func (s *Store) Migrate(ctx context.Context) error { return s.migrateTo(ctx, 0) }

// migrateTo is Migrate up to version target (0: the newest), for tests of
// a migration on data written by the schema before it.
func (s *Store) migrateTo(ctx context.Context, target int) error {
	ms, err := migrations(s.dialect)
	if err != nil {
		return fmt.Errorf("leadprivacy: sqlstore: read migrations: %w", err)
	}
	latest := ms[len(ms)-1].version
	if target > 0 {
		ms = slices.DeleteFunc(ms, func(m migration) bool { return m.version > target })
	}
	d := s.dialect
	err = s.inTx(ctx, false, func(ctx context.Context, _ *sql.Conn, tx *sql.Tx) error {
		if d == Postgres {
			// READ COMMITTED, not WithTx's SERIALIZABLE: a migrator that
			// waited for the lock must read the version its predecessor
			// committed, which a snapshot taken before the wait hides (it
			// would apply the migrations again).
			if _, err := tx.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL READ COMMITTED`); err != nil {
				return translate(ctx, "migrate.isolation", err)
			}
			// Serialises migrators of this schema until the transaction ends.
			if _, err := tx.ExecContext(ctx,
				`SELECT pg_advisory_xact_lock(hashtext('leadprivacy.migrate.' || current_schema()))`); err != nil {
				return translate(ctx, "migrate.lock", err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.sql(`CREATE TABLE IF NOT EXISTS schema_version (
			version    INTEGER NOT NULL PRIMARY KEY,
			applied_at {{TIME}} NOT NULL)`)); err != nil {
			return translate(ctx, "migrate.version_table", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
			return translate(ctx, "migrate.read_version", err)
		}
		if current > latest {
			return &SchemaVersionError{Database: current, Code: latest}
		}
		for _, m := range ms {
			if m.version <= current {
				continue
			}
			op := "migrate." + strconv.Itoa(m.version)
			if _, err := tx.ExecContext(ctx, d.sql(m.sql)); err != nil {
				return translate(ctx, op, err)
			}
			if _, err := tx.ExecContext(ctx, d.sql(`INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`),
				m.version, d.time(time.Now())); err != nil {
				return translate(ctx, op, err)
			}
			s.opts.Logger.InfoContext(ctx, "leadprivacy: sqlstore: applied migration", "version", m.version, "dialect", d.String())
		}
		return nil
	})
	if err != nil {
		return err
	}
	if target > 0 && target < latest {
		return nil // the hot statements are the newest schema's
	}
	return s.prepareHot(ctx)
}
