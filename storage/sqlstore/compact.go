package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"
)

// compactTables are the tables that hold personal data or churn with it.
var compactTables = []string{"leads", "lead_phones", "contacts", "blocks", "suppressions", "events",
	"pending_erasures", "registry_chunks"}

// Compact makes erased data physically unrecoverable from the database
// files, as far as the database allows. Run it after a Forget or a Purge
// (it is slow on big databases: schedule it, e.g. after each retention run).
//
// SQLite: it checkpoints the WAL into the database file and truncates the
// WAL (PRAGMA wal_checkpoint(TRUNCATE)), rebuilds the database with VACUUM
// (temp_store=MEMORY, so no temporary file holds a copy), and checkpoints
// and truncates again. Afterwards no byte of deleted or overwritten data
// remains in the database, -wal or -shm file (secure_delete=ON already
// zeroes freed content between compactions; the WAL is what keeps old page
// images). It leaves every connection configured as it found it.
//
// A checkpoint cannot truncate the WAL while another connection (a View, or
// another process) still reads a snapshot from it. Compact then waits for
// those readers, for as long as ctx allows, without blocking writers: each
// attempt gives way at once instead of waiting on the lock, and the writer
// connection is free for WithTx between attempts (VACUUM itself holds the
// write lock while it runs). If ctx ends first, Compact returns ctx's error
// and erased data may stay in the WAL until a later Compact completes; give
// ctx a deadline, or a long-running View delays it for as long as it runs.
//
// PostgreSQL: it runs VACUUM (ANALYZE) on the tables holding lead data.
// What the SDK guarantees there is logical erasure: once a Forget or Purge
// commits, no statement on any connection can read the erased values, and
// the ChangeLog never held them (TestCanaryErasurePostgres plants canaries
// in every personal field and, after erasure, finds none in any row of any
// table). VACUUM removes the dead row versions and their index entries so
// their space is reused, but it does not overwrite the freed bytes: they
// stay in the table, TOAST and index files until new rows take the space,
// and in the server's WAL segments until they are recycled. For physical
// erasure the operator must:
//
//   - before Compact, end the transactions and replication slots that
//     still see the old rows (pg_stat_activity.backend_xmin,
//     pg_replication_slots.xmin, pg_prepared_xacts, standbys with
//     hot_standby_feedback): VACUUM keeps every row version one of them
//     may read;
//   - run VACUUM FULL (or another table rewrite) on these tables: it writes
//     new files and unlinks the old ones, under an ACCESS EXCLUSIVE lock
//     that stalls the SDK meanwhile; the unlinked blocks stay on the device
//     until the file system reuses them, so keep the data directory on
//     encrypted storage;
//   - bound the retention of WAL (wal_keep_size, max_slot_wal_keep_size,
//     the WAL archive), base backups, dumps and their copies by the erasure
//     deadline the organisation promises: they hold the erased rows until
//     they expire, and a restore brings them back, so after a restore the
//     Forgets and Purges made since must be run again;
//   - do the same on every streaming replica, which has its own data files
//     and WAL.
//
// Compact must not run inside a transaction; it is unavailable for an
// attached host transaction.
func (s *Store) Compact(ctx context.Context) error {
	if s.dialect == Postgres {
		_, err := s.db.ExecContext(ctx, "VACUUM (ANALYZE) "+strings.Join(compactTables, ", "))
		return translate(ctx, "compact", err)
	}
	if err := s.checkpoint(ctx); err != nil {
		return err
	}
	if err := s.vacuum(ctx); err != nil {
		return err
	}
	return s.checkpoint(ctx)
}

// checkpoint checkpoints and truncates the SQLite WAL, trying again
// while readers keep it from completing, until ctx ends.
func (s *Store) checkpoint(ctx context.Context) error {
	backoff := 5 * time.Millisecond
	for {
		done, err := s.tryCheckpoint(ctx)
		if err != nil || done {
			return err
		}
		s.opts.Logger.DebugContext(ctx, "leadprivacy: sqlstore: compact: readers hold the WAL, checkpoint retried")
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("leadprivacy: sqlstore: compact.checkpoint: other connections still read the WAL: %w", ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// tryCheckpoint runs PRAGMA wal_checkpoint(TRUNCATE) once and reports
// whether it completed. It runs with busy_timeout 0: a TRUNCATE checkpoint
// blocks new writers while it waits for readers, so it must not wait.
func (s *Store) tryCheckpoint(ctx context.Context) (done bool, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, translate(ctx, "compact.checkpoint", err)
	}
	defer conn.Close()
	restore, err := setPragma(ctx, conn, "busy_timeout", "0")
	if err != nil {
		return false, err
	}
	defer func() { err = errors.Join(err, restore()) }()
	var busy, logFrames, checkpointed int
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed)
	switch {
	case err != nil && retryable(err):
		return false, nil
	case err != nil:
		return false, translate(ctx, "compact.checkpoint", err)
	}
	return busy == 0, nil
}

// vacuum rebuilds the SQLite database with temp_store=MEMORY, so that the
// copy VACUUM makes of every row never reaches a temporary file.
func (s *Store) vacuum(ctx context.Context) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return translate(ctx, "compact.vacuum", err)
	}
	defer conn.Close()
	restore, err := setPragma(ctx, conn, "temp_store", "MEMORY")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, restore()) }()
	for _, stmt := range []string{"VACUUM", "PRAGMA optimize"} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return translate(ctx, "compact.vacuum", err)
		}
	}
	return nil
}

// setPragma sets PRAGMA name to value on conn and returns the function
// that sets it back to the value it had, even after ctx ends. A connection
// that cannot be set back is discarded, so its pool opens a fresh one
// configured by the DSN instead of reusing a changed one.
func setPragma(ctx context.Context, conn *sql.Conn, name, value string) (restore func() error, err error) {
	op := "compact.pragma." + name
	var old string
	if err := conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&old); err != nil {
		return nil, translate(ctx, op, err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA "+name+" = "+value); err != nil {
		return nil, translate(ctx, op, err)
	}
	return func() error {
		bg := context.WithoutCancel(ctx)
		_, err := conn.ExecContext(bg, "PRAGMA "+name+" = "+old)
		if err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		return translate(bg, op, err)
	}, nil
}
