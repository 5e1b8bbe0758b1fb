// Package servicetest holds what the tests of the services (blocklist,
// privacy, retention) share: the adapters each test body runs on, and a
// settable clock. Only tests import it, so no host binary links both
// database drivers through it.
package servicetest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
	"github.com/leadprivacy/leadprivacy/storage/postgres"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
)

// Kind is an adapter a service is tested on. Open returns a store on path
// (file-backed kinds) that the caller closes; every fixture makes its own
// organisations, so tests can share a store.
type Kind struct {
	Name string
	Open func(t testing.TB, path string) storage.Store
}

// Kinds are memstore, SQLite and PostgreSQL, in this order. PostgreSQL
// skips the test unless LEADPRIVACY_TEST_POSTGRES_DSN is set (see pgtest).
var Kinds = []Kind{
	{"memstore", func(testing.TB, string) storage.Store { return memstore.New() }},
	{"sqlite", OpenSQLite},
	{"postgres", OpenPostgres},
}

// OpenSQLite opens the SQLite store at path.
func OpenSQLite(t testing.TB, path string) storage.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// OpenPostgres opens a store in a schema of its own, named after path so
// that two Stores opened with one path share it (as two on one SQLite file
// do); the schema is dropped when the test ends.
func OpenPostgres(t testing.TB, path string) storage.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.SharedSchema(t, path), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Clock is a settable clock a test shares between a service and its
// ChangeLog, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the time last set.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set makes the clock read t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// ForEach runs fn as a subtest on every kind with a new store, opened on a
// path of its own (path is what reopens it: a second Store on one SQLite
// file or PostgreSQL schema) and closed when the subtest ends.
func ForEach(t *testing.T, fn func(t *testing.T, s storage.Store, path string)) {
	for _, k := range Kinds {
		t.Run(k.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lp.db")
			s := k.Open(t, path)
			t.Cleanup(func() { s.Close() })
			fn(t, s, path)
		})
	}
}
