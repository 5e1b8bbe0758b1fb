package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// compactTables are the tables that hold personal data or churn with it.
var compactTables = []string{"leads", "lead_phones", "contacts", "blocks", "suppressions", "events"}

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
// images). Other connections' open read transactions make the checkpoint
// fail with ErrBusy after the retries: close them and run it again.
//
// PostgreSQL: it runs VACUUM (ANALYZE) on the tables holding lead data.
// That removes dead row versions and their index entries, so erased data
// can no longer be read through SQL or by a page-level scan of live
// tuples, and the space is reused; it does not overwrite the freed bytes
// in the data files, nor erase the server's WAL segments, replicas or
// backups. Physical erasure on PostgreSQL needs the operator's retention
// of WAL and backups (and VACUUM FULL or encrypted storage for the data
// files). Compact must not run inside a transaction; it is unavailable for
// an attached host transaction.
func (s *Store) Compact(ctx context.Context) error {
	if s.dialect == Postgres {
		_, err := s.db.ExecContext(ctx, "VACUUM (ANALYZE) "+strings.Join(compactTables, ", "))
		return translate(ctx, "compact", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return translate(ctx, "compact", err)
	}
	defer conn.Close()
	checkpoint := func() error {
		backoff := 5 * time.Millisecond
		for attempt := 1; ; attempt++ {
			var busy, logFrames, checkpointed int
			err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed)
			if err != nil && !retryable(err) {
				return translate(ctx, "compact.checkpoint", err)
			}
			if err == nil && busy == 0 {
				return nil
			}
			if attempt >= s.opts.MaxAttempts {
				return fmt.Errorf("%w: sqlstore: compact.checkpoint: other connections are reading", ErrBusy)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("leadprivacy: sqlstore: compact: %w", ctx.Err())
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 200*time.Millisecond)
		}
	}
	if err := checkpoint(); err != nil {
		return err
	}
	for _, stmt := range []string{"PRAGMA temp_store = MEMORY", "VACUUM", "PRAGMA temp_store = DEFAULT", "PRAGMA optimize"} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return translate(ctx, "compact", err)
		}
	}
	return checkpoint()
}
