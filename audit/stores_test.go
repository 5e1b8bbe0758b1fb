package audit_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
	"github.com/leadprivacy/leadprivacy/storage/postgres"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
)

// storeKinds are the adapters the ChangeLog is tested on. open returns a
// new store (file-backed ones in dir) that the caller closes. Every
// fixture makes its own organisation, so tests can share a PostgreSQL
// database.
var storeKinds = []struct {
	name string
	open func(t testing.TB, dir string) storage.Store
}{
	{"memstore", func(testing.TB, string) storage.Store { return memstore.New() }},
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

// forEachStore runs fn as a subtest on every adapter; open returns a
// store closed when the subtest ends.
func forEachStore(t *testing.T, fn func(t *testing.T, open func(testing.TB) storage.Store)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			fn(t, func(tb testing.TB) storage.Store {
				s := k.open(tb, tb.TempDir())
				tb.Cleanup(func() { s.Close() })
				return s
			})
		})
	}
}

// openSQLite opens a SQLite store on a fresh file in dir (durable: WAL,
// synchronous=FULL).
func openSQLite(t testing.TB, dir string) storage.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "audit.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openPostgres opens the test database; the test is skipped when
// LEADPRIVACY_TEST_POSTGRES_DSN is unset, and fails then under CI=true.
func openPostgres(t testing.TB, _ string) storage.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.DSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
