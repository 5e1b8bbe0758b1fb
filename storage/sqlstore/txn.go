package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"

	"github.com/leadprivacy/leadprivacy/storage"
)

// txn is an open transaction: the storage.Tx and, since its views are
// stateless, every view of it too.
type txn struct {
	q    *sql.Tx
	conn *sql.Conn // the connection of q when the Store began it; nil when attached
	copy CopyFunc  // the Store's Driver.Copy; nil when it has none
	d    Dialect
	done atomic.Bool          // set when WithTx returns
	hot  map[string]*sql.Stmt // the store's prepared statements (SQLite), read-only
	// failed is the first failure that made the transaction unusable
	// (see fail); alive refuses every statement after it.
	failed error
}

// prepared returns q (as written, before Dialect.sql) as a statement of
// the transaction when the store prepared it, else nil. The caller closes it,
// which keeps it prepared on the connection.
func (t *txn) prepared(ctx context.Context, q string) *sql.Stmt {
	st, ok := t.hot[q]
	if !ok {
		return nil
	}
	return t.q.StmtContext(ctx, st) // an error (a host tx of another *sql.DB) surfaces on use
}

// queryRows runs a query, prepared if it is a hot statement.
func (t *txn) queryRows(ctx context.Context, q string, args ...any) (*sql.Rows, func(), error) {
	if err := t.alive(); err != nil {
		return nil, func() {}, err
	}
	if st := t.prepared(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, func() { st.Close() }, err
	}
	rows, err := t.q.QueryContext(ctx, t.d.sql(q), args...)
	return rows, func() {}, err
}

// alive returns storage.ErrTxDone once the transaction has ended, and the
// first failure once one made it unusable. Every statement checks it
// first, and so do the methods that return early without a statement.
func (t *txn) alive() error {
	if t.done.Load() {
		return fmt.Errorf("%w: sqlstore", storage.ErrTxDone)
	}
	if t.failed != nil {
		return fmt.Errorf("%w; sqlstore: the transaction is unusable after this failure", t.failed)
	}
	return nil
}

// fail translates the error of operation op and, unless it is one of the
// outcomes after which the transaction stays usable (ErrNotFound,
// ErrConflict, ErrInvalidArgument), makes the transaction unusable with
// it. SQLite rolls the whole transaction back on some failures (a full
// disk, an I/O error) and then runs later statements in autocommit, each
// committing at once; PostgreSQL aborts the transaction on any failed
// statement. So after such a failure nothing may run, and WithTx must not
// commit.
func (t *txn) fail(ctx context.Context, op string, err error) error {
	if err == nil || t.failed != nil || errors.Is(err, storage.ErrTxDone) {
		return err // nil, or the error of alive: already translated
	}
	err = translate(ctx, op, err)
	if !errors.Is(err, lp.ErrNotFound) && !errors.Is(err, lp.ErrConflict) && !errors.Is(err, lp.ErrInvalidArgument) {
		t.failed = err
	}
	return err
}

// undo runs q, which undoes the changes of a method that has just failed,
// although the failure made the transaction unusable: a host may still
// commit its own transaction (Attach). The first failure is kept.
func (t *txn) undo(ctx context.Context, op, q string, args ...any) error {
	failed := t.failed
	t.failed = nil
	_, err := t.exec(ctx, op, q, args...)
	t.failed = cmp.Or(failed, t.failed)
	return err
}

// row runs a query for one row, like QueryRowContext, unless the
// transaction is no longer alive: then Scan returns why.
func (t *txn) row(ctx context.Context, q string, args ...any) scanner {
	if err := t.alive(); err != nil {
		return errRow{err}
	}
	return t.q.QueryRowContext(ctx, t.d.sql(q), args...)
}

// errRow is a row whose query did not run.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

var _ storage.Tx = (*txn)(nil)

func (t *txn) Organisations() storage.Organisations   { return orgs{t} }
func (t *txn) Projects() storage.Projects             { return projects{t} }
func (t *txn) Templates() storage.Templates           { return templates{t} }
func (t *txn) Users() storage.Users                   { return users{t} }
func (t *txn) Leads() storage.Leads                   { return leads{t} }
func (t *txn) Contacts() storage.Contacts             { return contacts{t} }
func (t *txn) Blocks() storage.Blocks                 { return blocks{t} }
func (t *txn) Suppressions() storage.Suppressions     { return suppressions{t} }
func (t *txn) RetentionRules() storage.RetentionRules { return rules{t} }
func (t *txn) Events() storage.Events                 { return events{t} }
func (t *txn) Registries() storage.Registries         { return registries{t} }
func (t *txn) Erasures() storage.Erasures             { return erasures{t} }
func (t *txn) Leases() storage.Leases                 { return leases{t} }

// exec runs a statement written with ? placeholders and type markers.
func (t *txn) exec(ctx context.Context, op, q string, args ...any) (sql.Result, error) {
	if err := t.alive(); err != nil {
		return nil, err
	}
	if st := t.prepared(ctx, q); st != nil {
		defer st.Close()
		r, err := st.ExecContext(ctx, args...)
		return r, t.fail(ctx, op, err)
	}
	r, err := t.q.ExecContext(ctx, t.d.sql(q), args...)
	return r, t.fail(ctx, op, err)
}

// affected runs a statement and returns how many rows it changed.
func (t *txn) affected(ctx context.Context, op, q string, args ...any) (int64, error) {
	r, err := t.exec(ctx, op, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return n, t.fail(ctx, op, err)
}

// mustAffect runs a statement that must change a row; none is ErrNotFound.
func (t *txn) mustAffect(ctx context.Context, op, q string, args ...any) error {
	n, err := t.affected(ctx, op, q, args...)
	if err == nil && n == 0 {
		return notFound(op, "")
	}
	return err
}

// insertNew runs an INSERT ... ON CONFLICT DO NOTHING; a row that was not
// inserted is ErrConflict. Detecting the conflict without a failing
// statement keeps a PostgreSQL transaction usable afterwards.
func (t *txn) insertNew(ctx context.Context, op, q string, args ...any) error {
	n, err := t.affected(ctx, op, q, args...)
	if err == nil && n == 0 {
		return conflict(op, "")
	}
	return err
}

// queryOne runs a query for one row, prepared if it is a hot statement,
// and scans it; no row is sql.ErrNoRows. Errors are untranslated.
func (t *txn) queryOne(ctx context.Context, q string, args []any, dest ...any) error {
	rows, done, err := t.queryRows(ctx, q, args...)
	defer done()
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// exists reports whether a query returns a row.
func (t *txn) exists(ctx context.Context, op, q string, args ...any) (bool, error) {
	var one int
	err := t.row(ctx, q, args...).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, t.fail(ctx, op, err)
}

// orgExists is the condition that the organisation given as its argument
// exists. Inserts are guarded with it, so that an unknown organisation is
// told apart without a failing statement, which would abort a PostgreSQL
// transaction; the foreign keys to organisations (schema version 4) back
// it up.
const orgExists = `EXISTS (SELECT 1 FROM organisations WHERE org_id = ?)`

// insertInOrg runs q, an INSERT ... SELECT ... WHERE orgExists ON CONFLICT
// DO NOTHING whose last argument is org: a row not inserted is ErrNotFound
// if the organisation does not exist, else ErrConflict.
func (t *txn) insertInOrg(ctx context.Context, op string, org uuid.UUID, q string, args ...any) error {
	n, err := t.affected(ctx, op, q, append(args, t.d.id(org))...)
	if err != nil || n > 0 {
		return err
	}
	if err := t.requireOrg(ctx, op, org); err != nil {
		return err
	}
	return conflict(op, "")
}

// requireOrg returns ErrNotFound unless the organisation exists.
func (t *txn) requireOrg(ctx context.Context, op string, org uuid.UUID) error {
	ok, err := t.exists(ctx, op, `SELECT 1 FROM organisations WHERE org_id = ?`, t.d.id(org))
	if err == nil && !ok {
		return notFound(op, object("organisation", org))
	}
	return err
}

// conflictOrNotFound explains a guarded insert or update that changed no
// row: ErrConflict if q finds a row, else ErrNotFound.
func (t *txn) conflictOrNotFound(ctx context.Context, op, q string, args ...any) error {
	found, err := t.exists(ctx, op, q, args...)
	switch {
	case err != nil:
		return err
	case found:
		return conflict(op, "")
	}
	return notFound(op, "")
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// get runs a query for one row and scans it; no row is ErrNotFound.
// A hot statement runs prepared.
func get[T any](ctx context.Context, t *txn, op string, scan func(scanner) (T, error), q string, args ...any) (T, error) {
	if err := t.alive(); err != nil {
		var zero T
		return zero, err
	}
	if st := t.prepared(ctx, q); st != nil {
		defer st.Close()
		v, err := scan(st.QueryRowContext(ctx, args...))
		return v, t.fail(ctx, op, err)
	}
	v, err := scan(t.row(ctx, q, args...))
	return v, t.fail(ctx, op, err)
}

// list runs a query and scans every row.
func list[T any](ctx context.Context, t *txn, op string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	return listCap(ctx, t, op, scan, 0, q, args...)
}

// listCap is list with room for capHint rows allocated ahead.
func listCap[T any](ctx context.Context, t *txn, op string, scan func(scanner) (T, error), capHint int, q string, args ...any) ([]T, error) {
	rows, done, err := t.queryRows(ctx, q, args...)
	defer done()
	if err != nil {
		return nil, t.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []T
	if capHint > 0 {
		out = make([]T, 0, capHint)
	}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, t.fail(ctx, op, err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		out = nil // as without capHint
	}
	return out, t.fail(ctx, op, rows.Err())
}

// maxParams bounds the parameters of one SQLite statement (at most 32766).
const maxParams = 32000

// maxRowsPerInsert bounds the rows of one multi-row INSERT on SQLite;
// bigger statements stop paying off.
const maxRowsPerInsert = 1000

// pgRowsPerInsert bounds the rows of one unnest INSERT on PostgreSQL: big
// enough that the round trip and planning vanish per row, small enough to
// bound the memory of one statement.
const pgRowsPerInsert = 10_000

// table names a table and the columns insertRows fills, with their types
// (type markers as in the migrations) for PostgreSQL array parameters.
type table struct {
	name  string
	cols  string
	types []string
}

// insertRows inserts rows into tb set-based and returns how many it
// inserted: args holds one value per column per row. verb is "INSERT" or
// a variant such as "INSERT OR IGNORE"; suffix follows the
// rows (such as "ON CONFLICT DO NOTHING"). PostgreSQL gets one INSERT ...
// SELECT FROM unnest(typed arrays) per pgRowsPerInsert rows, each column
// one array parameter; SQLite gets multi-row VALUES statements of
// maxRowsPerInsert rows, the full-size one prepared once per call. Never
// one statement per row.
func (t *txn) insertRows(ctx context.Context, op, verb string, tb table, suffix string, args []any) (int64, error) {
	width := len(tb.types)
	rows := len(args) / width
	if rows == 0 {
		return 0, nil
	}
	if err := t.alive(); err != nil {
		return 0, err
	}
	head := verb + " INTO " + tb.name + " (" + tb.cols + ") "
	if t.d == Postgres {
		return t.insertUnnest(ctx, op, head, suffix, tb.types, args)
	}
	chunk := min(maxRowsPerInsert, maxParams/width)
	tuple := "(" + strings.Repeat("?, ", width-1) + "?)"
	values := func(n int) string {
		return head + "VALUES " + strings.Repeat(tuple+", ", n-1) + tuple + " " + suffix
	}
	var full *sql.Stmt
	if rows > chunk {
		var err error
		if full, err = t.q.PrepareContext(ctx, values(chunk)); err != nil {
			return 0, t.fail(ctx, op, err)
		}
		defer full.Close()
	}
	var total int64
	for start := 0; start < rows; start += chunk {
		n := min(chunk, rows-start)
		part := args[start*width : (start+n)*width]
		var r sql.Result
		var err error
		if n == chunk && full != nil {
			r, err = full.ExecContext(ctx, part...)
		} else {
			r, err = t.q.ExecContext(ctx, values(n), part...)
		}
		if err != nil {
			return total, t.fail(ctx, op, err)
		}
		c, err := r.RowsAffected()
		if err != nil {
			return total, t.fail(ctx, op, err)
		}
		total += c
	}
	return total, nil
}

// insertUnnest is insertRows on PostgreSQL: the rows go column by column
// as typed arrays, expanded by unnest.
func (t *txn) insertUnnest(ctx context.Context, op, head, suffix string, types []string, args []any) (int64, error) {
	width := len(types)
	rows := len(args) / width
	casts := make([]string, width)
	for j, typ := range types {
		casts[j] = "CAST(? AS " + typ + "[])"
	}
	stmt := head + "SELECT * FROM unnest(" + strings.Join(casts, ", ") + ") " + suffix
	var total int64
	cols := make([]any, width)
	for start := 0; start < rows; start += pgRowsPerInsert {
		n := min(pgRowsPerInsert, rows-start)
		for j, typ := range types {
			cols[j] = pgArray(typ, n, func(i int) any { return args[(start+i)*width+j] })
		}
		c, err := t.affected(ctx, op, stmt, cols...)
		if err != nil {
			return total, err
		}
		total += c
	}
	return total, nil
}

// pgArray returns the n values at(0..n-1) of a column of type typ as a
// typed slice, which pgx encodes as one array without a per-element
// type look-up. NULLs (nil) become nil pointers.
func pgArray(typ string, n int, at func(i int) any) any {
	switch typ {
	case "{{UUID}}", "TEXT":
		return typed[string](n, at)
	case "{{TIME}}":
		out := make([]*time.Time, n)
		for i := range out {
			if v, ok := at(i).(time.Time); ok {
				out[i] = &v
			}
		}
		return out
	case "BOOLEAN":
		return typed[bool](n, at)
	case "BIGINT":
		return typed[int64](n, at)
	}
	return typed[[]byte](n, at) // {{BYTES}}
}

func typed[T any](n int, at func(i int) any) []T {
	out := make([]T, n)
	for i := range out {
		out[i], _ = at(i).(T)
	}
	return out
}

// savepoint runs fn inside a savepoint: if fn fails, its changes are
// undone while the enclosing transaction stays usable.
func (t *txn) savepoint(ctx context.Context, op string, fn func() error) error {
	if _, err := t.exec(ctx, op, "SAVEPOINT lp_batch"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rbErr := t.exec(ctx, op, "ROLLBACK TO SAVEPOINT lp_batch"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		_, relErr := t.exec(ctx, op, "RELEASE SAVEPOINT lp_batch")
		return errors.Join(err, relErr)
	}
	_, err := t.exec(ctx, op, "RELEASE SAVEPOINT lp_batch")
	return err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
