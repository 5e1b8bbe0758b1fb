package sqlstore

import (
	"context"
	"database/sql"
)

// MigrateTo exports migrateTo to the tests of package sqlstore_test.
func MigrateTo(ctx context.Context, s *Store, version int) error { return s.migrateTo(ctx, version) }

// SetPostgresWriteIsolation makes WithTx on PostgreSQL begin at level
// until restore is called, so the isolation benchmark can measure the old
// READ COMMITTED beside SERIALIZABLE. Not for tests running in parallel.
func SetPostgresWriteIsolation(level sql.IsolationLevel) (restore func()) {
	old := pgWriteIsolation
	pgWriteIsolation = level
	return func() { pgWriteIsolation = old }
}
