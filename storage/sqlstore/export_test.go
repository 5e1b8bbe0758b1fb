package sqlstore

import "context"

// MigrateTo exports migrateTo to the tests of package sqlstore_test.
func MigrateTo(ctx context.Context, s *Store, version int) error { return s.migrateTo(ctx, version) }
