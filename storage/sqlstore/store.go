package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

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
	// reporting busy (PRAGMA busy_timeout). 0 means 5 s. sqlite.Open only.
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
	return r
}

// Store is a storage.Store on a SQL database.
type Store struct {
	db      *sql.DB
	read    *sql.DB // SQLite: the pool of View, beside db's single writer; nil: View uses db
	dialect Dialect
	opts    Options
	ownsDB  bool     // Close closes db (and read): opened by Driver.Open
	copy    CopyFunc // Driver.Copy: bulk loads on the Store's own transactions
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
// single connection of sqlite.Open, preparing on the pool inside one would
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

// New returns a Store on the host's own db, which it does not configure,
// migrate or close: call Migrate once before use. For SQLite the host's
// DSN should set the pragmas sqlite.Open documents (foreign_keys is
// required for ErrNotFound on missing references); _txlock=immediate, as
// sqlite.Open's writers use it, is fine: View begins deferred regardless.
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

// Close closes the database if a driver package (storage/sqlite,
// storage/postgres) opened it; a Store made by New leaves the host's
// *sql.DB open.
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
	return s.run(ctx, false, fn)
}

// View runs fn in a read-only transaction (storage.Store), retried like
// WithTx. On a Store of sqlite.Open it runs on a pool of read-only
// connections of its own (GOMAXPROCS of them, at least 2), beside the
// single writer, on the WAL snapshot of its first read; on PostgreSQL it
// is a READ ONLY, REPEATABLE READ transaction. A SQLite Store made by New
// runs it on the host's pool with query_only set for the transaction,
// begun with a plain (deferred) BEGIN whatever the DSN's _txlock says.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, tx storage.Tx) error) error {
	return s.run(ctx, true, fn)
}

// run is WithTx and View: fn gets a txn on the transaction and a ctx
// marked with it, and a txn made unusable by a failure is not committed.
func (s *Store) run(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx storage.Tx) error) error {
	hot := &s.hot
	if readOnly && s.read != nil {
		hot = &s.readHot
	}
	return s.inTx(ctx, readOnly, func(ctx context.Context, conn *sql.Conn, tx *sql.Tx) error {
		t := s.attach(tx, hot)
		if !readOnly {
			t.conn = conn
		}
		defer t.done.Store(true)
		ctx, end := storage.MarkTx(ctx, s)
		defer end()
		if err := fn(ctx, t); err != nil {
			return err
		}
		return t.failed
	})
}

// inTx is WithTx on a raw *sql.Tx. Called with the ctx of one of the
// Store's open transactions it fails at once with storage.ErrNestedTx: on
// SQLite's single writer it would wait for itself, on PostgreSQL it would
// commit apart from the outer transaction.
func (s *Store) inTx(ctx context.Context, readOnly bool, fn func(ctx context.Context, conn *sql.Conn, tx *sql.Tx) error) error {
	if storage.InTx(ctx, s) {
		return fmt.Errorf("%w: sqlstore", storage.ErrNestedTx)
	}
	backoff := time.Millisecond
	lockCounters := false
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, readOnly, lockCounters, fn)
		if err == nil || !retryable(err) {
			return err
		}
		lockCounters = serializationFailure(err)
		if attempt >= s.opts.MaxAttempts {
			return &dbError{op: "transaction", sentinel: ErrBusy, cause: err}
		}
		s.opts.Logger.DebugContext(ctx, "leadprivacy: sqlstore: retrying transaction", "attempt", attempt, "dialect", s.dialect.String())
		if lockCounters && attempt == 1 {
			// The counter lock queues the first retry; a backoff would only
			// idle the counters. A serialization failure behind the lock was
			// not on a counter, so later retries back off.
			continue
		}
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

// pgWriteIsolation is the isolation of WithTx on PostgreSQL. SERIALIZABLE
// keeps the contract that write transactions behave as if run one at a
// time: at READ COMMITTED a Get, then an Update overlapping another
// transaction wrote a stale row back (a forgotten lead's phones and
// fields returned). Its serialization failures are retried by inTx. Only
// the isolation benchmark changes it, to measure the old level beside it.
var pgWriteIsolation = sql.LevelSerializable

// lockCountersSQL begins the retry of a SERIALIZABLE transaction that
// failed with a serialization failure. Every ChangeLog append updates its
// organisation's event counter row, and a serializable transaction fails
// when it updates a row changed since its snapshot, so concurrent
// appenders of one organisation fail each other; with backoff alone one
// could lose every attempt (ErrBusy, with four erasers in
// BenchmarkEraseLeadWithEvent). LOCK takes no snapshot: the retry waits
// for the appenders before it and holds new ones back until it commits,
// so it cannot fail on a counter again. Appenders of other organisations
// wait for it without failing. A transaction that holds a row the retry
// needs and waits here is a deadlock, which PostgreSQL breaks (after
// deadlock_timeout) and WithTx retries.
const lockCountersSQL = "LOCK TABLE event_counters IN SHARE ROW EXCLUSIVE MODE"

func (s *Store) runTx(ctx context.Context, readOnly, lockCounters bool, fn func(ctx context.Context, conn *sql.Conn, tx *sql.Tx) error) (err error) {
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
		default:
			// A plain BEGIN (modernc ignores _txlock for ReadOnly): a
			// host DSN's _txlock=immediate would take the write lock,
			// which query_only refuses with SQLITE_READONLY.
			opts = &sql.TxOptions{ReadOnly: true}
		}
	} else if s.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: pgWriteIsolation}
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
	if lockCounters && opts != nil && opts.Isolation == sql.LevelSerializable {
		if _, err = sqlTx.ExecContext(ctx, lockCountersSQL); err != nil {
			return translate(ctx, "begin", err)
		}
	}
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
// On PostgreSQL begin tx with sql.LevelSerializable, as WithTx does, and
// retry it on SQLSTATE 40001: at a weaker level a host transaction that
// reads a lead, then updates it, can undo a forget committed in between.
//
// On PostgreSQL a failed statement aborts the host's transaction; the
// methods that report ErrConflict or ErrNotFound as an expected outcome
// (the Create methods, Users.AddMember, Contacts.Add) detect it without a
// failing statement, so the transaction stays usable after them.
//
// A method that fails with another error than those outcomes leaves the
// Tx unusable (storage.Store.WithTx): its later calls fail, and the host
// must roll tx back, since SQLite may have ended the transaction already
// (a full disk) and runs the host's later statements in autocommit.
//
// The host's tx may come from another *sql.DB than the Store's, so it
// does not reuse the statements the Store prepared.
func (s *Store) Attach(tx *sql.Tx) storage.Tx { return &txn{q: tx, d: s.dialect} }

// attach returns the txn of a transaction begun on the pool whose
// prepared statements hot holds, which it reuses.
func (s *Store) attach(tx *sql.Tx, hot *atomic.Pointer[map[string]*sql.Stmt]) *txn {
	t := &txn{q: tx, d: s.dialect, copy: s.copy}
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
