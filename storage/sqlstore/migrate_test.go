package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage/postgres"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// versions returns the rows of schema_version.
func versions(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.Query(`SELECT version FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_version: %v", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// testMigrations runs the migration tests against stores made by open, all
// on the same database.
func testMigrations(t *testing.T, open func(context.Context) (*sqlstore.Store, error)) {
	ctx := context.Background()
	want := sqlstore.SchemaVersion()
	if want < 1 {
		t.Fatalf("SchemaVersion() = %d, want >= 1", want)
	}

	// Two migrators start at once on the fresh database.
	var wg sync.WaitGroup
	stores := make([]*sqlstore.Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = open(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrator %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	s := stores[0]
	vs := versions(t, s.DB())
	if len(vs) != want || vs[len(vs)-1] != want {
		t.Fatalf("schema_version after concurrent migrations = %v, want 1..%d once each", vs, want)
	}

	// Re-running is a no-op.
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if again := versions(t, s.DB()); len(again) != len(vs) {
		t.Fatalf("schema_version after re-run = %v, want %v", again, vs)
	}

	// A database migrated by newer code is refused.
	if _, err := s.DB().Exec(`INSERT INTO schema_version (version, applied_at) VALUES (999, ` + nowLiteral(s) + `)`); err != nil {
		t.Fatalf("fake newer version: %v", err)
	}
	_, err := open(ctx)
	var ve *sqlstore.SchemaVersionError
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) || !errors.As(err, &ve) {
		t.Fatalf("open newer database: err = %v, want *SchemaVersionError", err)
	}
	if ve.Database != 999 || ve.Code != want {
		t.Fatalf("SchemaVersionError = %+v, want Database 999, Code %d", ve, want)
	}
	if err := s.Migrate(ctx); !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Fatalf("Migrate on newer database: err = %v, want ErrSchemaTooNew", err)
	}
}

func nowLiteral(s *sqlstore.Store) string {
	if s.Dialect() == sqlstore.Postgres {
		return "now()"
	}
	return "0"
}

func TestMigrationsSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "migrate.db")
	testMigrations(t, func(ctx context.Context) (*sqlstore.Store, error) {
		return sqlite.Open(ctx, path, nil)
	})
}

func TestMigrationsPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	t.Parallel()
	testMigrations(t, func(ctx context.Context) (*sqlstore.Store, error) {
		return postgres.Open(ctx, dsn, nil)
	})
}

func TestNewNeedsMigrate(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "host.db")+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := sqlstore.New(db, sqlstore.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close left the host's db open.
	if err := db.Ping(); err != nil {
		t.Fatalf("host db closed by Store.Close: %v", err)
	}
	if _, err := sqlstore.New(nil, sqlstore.SQLite, nil); err == nil {
		t.Fatal("New(nil db) succeeded")
	}
}
