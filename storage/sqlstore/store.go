package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/leadprivacy/leadprivacy/storage"
)

// Options configures a Store. A nil *Options means the defaults.
type Options struct {
	// Logger receives retries and compaction notes; nil discards them.
	// Nothing logged contains personal data.
	Logger *slog.Logger
	// MaxAttempts bounds how often WithTx runs a transaction that fails
	// with a busy lock or a serialization failure. 0 means 10.
	MaxAttempts int
	// BusyTimeout is how long a SQLite connection waits for a lock before
	// reporting busy (PRAGMA busy_timeout). 0 means 5 s. OpenSQLite only.
	BusyTimeout time.Duration
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 10
	}
	if r.BusyTimeout <= 0 {
		r.BusyTimeout = 5 * time.Second
	}
	return r
}

// Store is a storage.Store on a SQL database.
type Store struct {
	db      *sql.DB
	read    *sql.DB // SQLite: the pool of View, beside db's single writer; nil: View uses db
	dialect Dialect
	opts    Options
	ownsDB  bool // Close closes db: opened by OpenSQLite or OpenPostgres
	// hot holds the statements prepareHot prepared, by their SQL as
	// written (before Dialect.sql), so a hit skips the rewrite.
	hot     atomic.Pointer[map[string]*sql.Stmt]
	readHot atomic.Pointer[map[string]*sql.Stmt] // hot, prepared on read
}

// hotSQL are the statements every audit.Record and audit.Verify page
// runs. On SQLite parsing and planning them costs more than running
// them, so Migrate prepares them once and transactions reuse them on
// their connection (database/sql prepares them again on a new one).
// PostgreSQL needs none of it: pgx caches prepared statements per
// connection itself.
var hotSQL = []string{eventCounterSQL, eventInsertSQL, eventRangeSQL, writeHashesSQL(sqliteHashRows), readRunSQL, readHashesSQL[SQLite],
	userGetSQL, projectGetSQL}

// prepareHot prepares hotSQL on SQLite, on the writer and the readers,
// replacing any prepared before. It runs outside a transaction: with the
// single connection of OpenSQLite, preparing on the pool inside one would
// wait for itself.
func (s *Store) prepareHot(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	if err := prepareOn(ctx, s.db, &s.hot); err != nil || s.read == nil {
		return err
	}
	return prepareOn(ctx, s.read, &s.readHot)
}

func prepareOn(ctx context.Context, db *sql.DB, dst *atomic.Pointer[map[string]*sql.Stmt]) error {
	hot := make(map[string]*sql.Stmt, len(hotSQL))
	for _, q := range hotSQL {
		st, err := db.PrepareContext(ctx, SQLite.sql(q))
		if err != nil {
			closeStmts(hot)
			return translate(ctx, "prepare", err)
		}
		hot[q] = st
	}
	if old := dst.Swap(&hot); old != nil {
		closeStmts(*old)
	}
	return nil
}

func closeStmts(m map[string]*sql.Stmt) {
	for _, st := range m {
		st.Close()
	}
}

var _ storage.Store = (*Store)(nil)

// OpenSQLite opens (creating if needed) the SQLite database file at path
// and migrates it to the newest schema.
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
// least 2) that read their WAL snapshot beside the writer. Several processes may open the same file; their lock waits
// are bounded by busy_timeout and retried by WithTx.
func OpenSQLite(ctx context.Context, path string, opts *Options) (*Store, error) {
	o := opts.withDefaults()
	db, err := sql.Open("sqlite", sqliteDSN(path, o.BusyTimeout, true))
	if err != nil {
		return nil, fmt.Errorf("leadprivacy: sqlstore: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", sqliteDSN(path, o.BusyTimeout, false))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("leadprivacy: sqlstore: open sqlite: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	s := &Store{db: db, read: read, dialect: SQLite, opts: o, ownsDB: true}
	if err := s.Migrate(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// sqliteDSN returns the modernc.org/sqlite DSN for path with the pragmas
// OpenSQLite documents. They are set per connection, so a connection the
// pool replaces gets them too.
func sqliteDSN(path string, busy time.Duration, writer bool) string {
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

// OpenPostgres connects to the PostgreSQL database at dsn (any DSN or URL
// github.com/jackc/pgx/v5 accepts) and migrates it to the newest schema.
// Tables are created in the connection's search_path schema.
func OpenPostgres(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("leadprivacy: sqlstore: open postgres: %w", err)
	}
	return open(ctx, db, Postgres, opts.withDefaults())
}

func open(ctx context.Context, db *sql.DB, d Dialect, o Options) (*Store, error) {
	s := &Store{db: db, dialect: d, opts: o, ownsDB: true}
	if err := s.Migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return s, nil
}

// New returns a Store on the host's own db, which it does not configure,
// migrate or close: call Migrate once before use. For SQLite the host's
// DSN should set the pragmas OpenSQLite documents (foreign_keys is
// required for ErrNotFound on missing references).
func New(db *sql.DB, d Dialect, opts *Options) (*Store, error) {
	if db == nil || !d.valid() {
		return nil, errors.New("leadprivacy: sqlstore: New needs a *sql.DB and a known dialect")
	}
	return &Store{db: db, dialect: d, opts: opts.withDefaults()}, nil
}

// DB returns the underlying database handle, for hosts that run their own
// statements next to the Store.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's SQL dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the database if OpenSQLite or OpenPostgres opened it; a
// Store made by New leaves the host's *sql.DB open.
func (s *Store) Close() error {
	for _, hot := range []*atomic.Pointer[map[string]*sql.Stmt]{&s.hot, &s.readHot} {
		if old := hot.Swap(nil); old != nil {
			closeStmts(*old)
		}
	}
	if !s.ownsDB {
		return nil
	}
	if s.read != nil {
		return errors.Join(s.read.Close(), s.db.Close())
	}
	return s.db.Close()
}

// WithTx runs fn in a transaction (storage.Store). A transaction that
// fails with SQLite busy/locked or a PostgreSQL serialization failure or
// deadlock is rolled back and run again, up to Options.MaxAttempts times
// with jittered exponential backoff; then it fails with ErrBusy.
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context, tx storage.Tx) error) error {
	return s.inTx(ctx, false, func(ctx context.Context, conn *sql.Conn, tx *sql.Tx) error {
		t := s.attach(tx, &s.hot)
		t.conn = conn
		defer t.done.Store(true)
		return fn(ctx, t)
	})
}

// View runs fn in a read-only transaction (storage.Store), retried like
// WithTx. On a Store of OpenSQLite it runs on a pool of read-only
// connections of its own (GOMAXPROCS of them, at least 2), beside the
// single writer, on the WAL snapshot of its first read; on PostgreSQL it
// is a READ ONLY, REPEATABLE READ transaction. A SQLite Store made by New
// runs it on the host's pool with query_only set for the transaction.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, tx storage.Tx) error) error {
	hot := &s.hot
	if s.read != nil {
		hot = &s.readHot
	}
	return s.inTx(ctx, true, func(ctx context.Context, _ *sql.Conn, tx *sql.Tx) error {
		t := s.attach(tx, hot)
		defer t.done.Store(true)
		return fn(ctx, t)
	})
}

// inTx is WithTx on a raw *sql.Tx.
func (s *Store) inTx(ctx context.Context, readOnly bool, fn func(ctx context.Context, conn *sql.Conn, tx *sql.Tx) error) error {
	backoff := time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, readOnly, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= s.opts.MaxAttempts {
			return &dbError{op: "transaction", sentinel: ErrBusy, cause: err}
		}
		s.opts.Logger.DebugContext(ctx, "leadprivacy: sqlstore: retrying transaction", "attempt", attempt, "dialect", s.dialect.String())
		wait := backoff/2 + rand.N(backoff)
		backoff = min(backoff*2, 200*time.Millisecond)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("leadprivacy: sqlstore: transaction: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func (s *Store) runTx(ctx context.Context, readOnly bool, fn func(ctx context.Context, conn *sql.Conn, tx *sql.Tx) error) (err error) {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("leadprivacy: sqlstore: transaction: %w", cerr)
	}
	db, opts := s.db, (*sql.TxOptions)(nil)
	if readOnly {
		switch {
		case s.read != nil:
			db = s.read
		case s.dialect == Postgres:
			opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
		}
	}
	// The transaction runs on a connection of its own, so that PostgreSQL
	// bulk inserts can reach the driver's COPY (txn.conn).
	conn, err := db.Conn(ctx)
	if err != nil {
		return translate(ctx, "begin", err)
	}
	defer conn.Close()
	if readOnly && s.dialect == SQLite && s.read == nil {
		if err := queryOnly(ctx, conn, true); err != nil {
			return err
		}
		defer queryOnly(context.WithoutCancel(ctx), conn, false)
	}
	sqlTx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return translate(ctx, "begin", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		rbErr := sqlTx.Rollback()
		if p := recover(); p != nil {
			panic(p)
		}
		if err != nil && rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			s.opts.Logger.WarnContext(ctx, "leadprivacy: sqlstore: rollback failed", "error", rbErr.Error())
		}
	}()
	if err = fn(ctx, conn, sqlTx); err != nil {
		return err
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("leadprivacy: sqlstore: commit: %w", err)
	}
	committed = true // Commit ends the transaction whether it succeeds or not
	return translate(ctx, "commit", sqlTx.Commit())
}

// Attach returns a storage.Tx running the SDK's operations inside the
// host's own transaction, so they commit or roll back with the host's
// changes. The host owns tx: it commits or rolls it back, and nothing is
// retried (a busy or serialization error is returned to the host, who runs
// its whole transaction again). The returned Tx is valid until tx ends.
//
// On PostgreSQL a failed statement aborts the host's transaction; the
// methods that report ErrConflict or ErrNotFound as an expected outcome
// (the Create methods, Users.AddMember, Contacts.Add) detect it without a
// failing statement, so the transaction stays usable after them.
//
// The host's tx may come from another *sql.DB than the Store's, so it
// does not reuse the statements the Store prepared.
func (s *Store) Attach(tx *sql.Tx) storage.Tx { return &txn{q: tx, d: s.dialect} }

// attach returns the txn of a transaction begun on the pool whose
// prepared statements hot holds, which it reuses.
func (s *Store) attach(tx *sql.Tx, hot *atomic.Pointer[map[string]*sql.Stmt]) *txn {
	t := &txn{q: tx, d: s.dialect}
	if m := hot.Load(); m != nil {
		t.hot = *m
	}
	return t
}

// queryOnly sets SQLite's query_only on conn, a connection of a host's
// pool that View borrows. A connection that cannot be set back to
// writable is discarded rather than returned to the host's pool.
func queryOnly(ctx context.Context, conn *sql.Conn, on bool) error {
	_, err := conn.ExecContext(ctx, "PRAGMA query_only = "+strconv.FormatBool(on))
	if err != nil && !on {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return translate(ctx, "view", err)
}
