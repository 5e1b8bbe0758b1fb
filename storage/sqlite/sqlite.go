package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	msqlite "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// defaultBusyTimeout is Options.BusyTimeout's default.
const defaultBusyTimeout = 5 * time.Second

// Open opens (creating if needed) the SQLite database file at path and
// migrates it to the newest schema. A nil opts means the defaults.
//
// Every connection runs with journal_mode=WAL, synchronous=FULL (a
// committed transaction survives power loss), foreign_keys=ON,
// secure_delete=ON (deleted content is overwritten with zeros),
// temp_store=MEMORY (statement journals, which hold old page content,
// never reach a temp file), busy_timeout and a 64 MiB page cache, and
// begins transactions with BEGIN IMMEDIATE. The writers' pool holds one
// connection: SQLite runs one writer at a time, and queueing writers in
// the pool is fairer and cheaper than letting them poll the file lock.
// View runs on a second pool of query_only connections (GOMAXPROCS, at
// least 2) that read their WAL snapshot beside the writer. Several
// processes may open the same file; their lock waits are bounded by
// busy_timeout and retried by WithTx.
func Open(ctx context.Context, path string, opts *sqlstore.Options) (*sqlstore.Store, error) {
	busy := defaultBusyTimeout
	if opts != nil && opts.BusyTimeout > 0 {
		busy = opts.BusyTimeout
	}
	db, err := sql.Open("sqlite", dsn(path, busy, true))
	if err != nil {
		return nil, fmt.Errorf("leadprivacy: sqlite: open: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := pingWhileBusy(ctx, db, busy); err != nil {
		return nil, errors.Join(openError(path, err), db.Close())
	}
	read, err := sql.Open("sqlite", dsn(path, busy, false))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("leadprivacy: sqlite: open: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return sqlstore.Driver{Dialect: sqlstore.SQLite}.Open(ctx, db, read, opts)
}

// pingWhileBusy opens the writer connection, trying again for up to busy
// while another process holds the lock: setting WAL mode on a new file
// does not wait on busy_timeout, so processes opening one fresh file at
// once would otherwise fail with SQLITE_BUSY.
func pingWhileBusy(ctx context.Context, db *sql.DB, busy time.Duration) error {
	deadline := time.Now().Add(busy)
	for {
		err := db.PingContext(ctx)
		var se *msqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != 5 || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// openError is the error of a database file that cannot be opened, which
// names the path and, where SQLite does not say why ("unable to open
// database file"), the reason.
func openError(path string, err error) error {
	why := ""
	var pe *fs.PathError
	if _, serr := os.Stat(filepath.Dir(path)); errors.As(serr, &pe) {
		why = " (directory " + pe.Path + ": " + pe.Err.Error() + ")"
	} else if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
		why = " (a directory)"
	}
	return fmt.Errorf("leadprivacy: sqlite: cannot open %s%s: %w", path, why, err)
}

// dsn returns the modernc.org/sqlite DSN for path with the pragmas Open
// documents. They are set per connection, so a connection the pool
// replaces gets them too.
func dsn(path string, busy time.Duration, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "secure_delete(ON)")
	q.Add("_pragma", "cache_size(-65536)") // 64 MiB page cache: bulk writes touch many pages
	// Statement and savepoint journals in memory: they hold the old
	// content of every page a bulk statement changes (personal data
	// included), so on disk they cost a write per page and leave erased
	// bytes in temp files.
	q.Add("_pragma", "temp_store(MEMORY)")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		// View's connections: BEGIN DEFERRED takes no write lock, so
		// readers run beside the writer on their WAL snapshots.
		q.Add("_pragma", "query_only(ON)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}
