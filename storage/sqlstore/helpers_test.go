package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage/postgres"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// TestMain says when the PostgreSQL tests will skip.
func TestMain(m *testing.M) {
	pgtest.Notice("storage/sqlstore")
	os.Exit(m.Run())
}

// openSQLite opens a store on a fresh database file in t's temp dir.
func openSQLite(t testing.TB, opts *sqlstore.Options) (*sqlstore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lp.db")
	s, err := sqlite.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// openPostgres opens a store in a fresh schema.
func openPostgres(t testing.TB, opts *sqlstore.Options) *sqlstore.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.Schema(t), opts)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openHostSQLite opens a SQLite database as a host would, a pool of one
// connection with foreign keys on, and a Store on it made by New (not
// migrated).
func openHostSQLite(t testing.TB) (*sql.DB, *sqlstore.Store) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "host.db")+"?_pragma=foreign_keys(ON)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	s, err := sqlstore.New(db, sqlstore.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

// onHostDatabases runs test on a Store made by New on a host's own *sql.DB,
// as a migration meets the database: a SQLite file and a PostgreSQL schema.
func onHostDatabases(t *testing.T, test func(t *testing.T, s *sqlstore.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		_, s := openHostSQLite(t)
		test(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := sql.Open("pgx", pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := sqlstore.New(db, sqlstore.Postgres, nil)
		if err != nil {
			t.Fatal(err)
		}
		test(t, s)
	})
}
