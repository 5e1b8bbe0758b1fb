package sqlstore

import (
	"context"
	"database/sql"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// MigrateTo exports migrateTo to the tests of package sqlstore_test.
func MigrateTo(ctx context.Context, s *Store, version int) error { return s.migrateTo(ctx, version) }

// CreateProjectUnheld creates p with the columns projects had before
// schema version 10 (no legal hold), so the migration tests can build
// their world on an older schema; on the newest it is Projects.Create of
// a project that is not held.
func CreateProjectUnheld(ctx context.Context, tx storage.Tx, p lp.Project) error {
	v := tx.Projects().(projects)
	d := v.t.d
	return v.t.insertNew(ctx, "projects.create_unheld", `INSERT INTO projects (org_id, id, name, created_at) VALUES (?, ?, ?, ?)`,
		d.id(p.OrgID), d.id(p.ID), p.Name, d.time(p.CreatedAt))
}

// SetPostgresWriteIsolation makes WithTx on PostgreSQL begin at level
// until restore is called, so the isolation benchmark can measure the old
// READ COMMITTED beside SERIALIZABLE. Not for tests running in parallel.
func SetPostgresWriteIsolation(level sql.IsolationLevel) (restore func()) {
	old := pgWriteIsolation
	pgWriteIsolation = level
	return func() { pgWriteIsolation = old }
}

// FindExactBlocks is Blocks.FindByNumbers without prefix blocks, as it was
// before them: the numbers alone in one IN list on the number index. The
// prefix benchmark measures what the prefixes cost beside it.
func FindExactBlocks(ctx context.Context, tx storage.Tx, org uuid.UUID, numbers []phone.Number) ([]lp.BlockEntry, error) {
	v := tx.Blocks().(blocks)
	d := v.t.d
	stmt := `SELECT ` + blockCols + ` FROM blocks INDEXED BY blocks_number WHERE org_id = ? AND ` + d.in("number", listText)
	if d == Postgres {
		stmt = `SELECT ` + blockCols + ` FROM blocks WHERE org_id = ? AND ` + d.in("number", listText)
	}
	return list(ctx, v.t, "blocks.find_exact", scanBlock, stmt, d.id(org), d.textList(numberStrings(numbers)))
}

// SnapshotChunks reads the chunks of a stored registry snapshot with a
// bare query, each scanned as database/sql copies it: the cost of moving
// the bytes out of the database, beside which the benchmark measures
// Registries.ReadSnapshot.
func SnapshotChunks(ctx context.Context, tx storage.Tx, org, id uuid.UUID, version int64) ([][]byte, error) {
	t := tx.Registries().(registries).t
	return list(ctx, t, "registries.bench_read", func(r scanner) ([]byte, error) {
		var b []byte
		return b, r.Scan(&b)
	}, `SELECT data FROM registry_chunks WHERE org_id = ? AND registry_id = ? AND version = ? ORDER BY seq`,
		t.d.id(org), t.d.id(id), version)
}

// WriteSnapshotOneRow stores data as one row of registry_chunks, one
// INSERT without chunks or checks: the bare cost of writing the bytes,
// beside which the benchmark measures Registries.WriteSnapshot.
func WriteSnapshotOneRow(ctx context.Context, tx storage.Tx, org, id uuid.UUID, version int64, data []byte) error {
	t := tx.Registries().(registries).t
	_, err := t.exec(ctx, "registries.bench_write", `INSERT INTO registry_chunks (org_id, registry_id, version, seq, data)
		VALUES (?, ?, ?, 0, ?)`, t.d.id(org), t.d.id(id), version, data)
	return err
}
