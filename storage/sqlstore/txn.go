package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/leadprivacy/leadprivacy/storage"
)

// txn is an open transaction: the storage.Tx and, since its views are
// stateless, every view of it too.
type txn struct {
	q    *sql.Tx
	d    Dialect
	done atomic.Bool // set when WithTx returns
}

// alive returns storage.ErrTxDone once the transaction has ended, for the
// methods that return early without a statement (which would report it).
func (t *txn) alive() error {
	if t.done.Load() {
		return fmt.Errorf("%w: sqlstore", storage.ErrTxDone)
	}
	return nil
}

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

// exec runs a statement written with ? placeholders and type markers.
func (t *txn) exec(ctx context.Context, op, q string, args ...any) (sql.Result, error) {
	r, err := t.q.ExecContext(ctx, t.d.sql(q), args...)
	return r, translate(ctx, op, err)
}

// affected runs a statement and returns how many rows it changed.
func (t *txn) affected(ctx context.Context, op, q string, args ...any) (int64, error) {
	r, err := t.exec(ctx, op, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return n, translate(ctx, op, err)
}

// mustAffect runs a statement that must change a row; none is ErrNotFound.
func (t *txn) mustAffect(ctx context.Context, op, q string, args ...any) error {
	n, err := t.affected(ctx, op, q, args...)
	if err == nil && n == 0 {
		return notFound(op)
	}
	return err
}

// insertNew runs an INSERT ... ON CONFLICT DO NOTHING; a row that was not
// inserted is ErrConflict. Detecting the conflict without a failing
// statement keeps a PostgreSQL transaction usable afterwards.
func (t *txn) insertNew(ctx context.Context, op, q string, args ...any) error {
	n, err := t.affected(ctx, op, q, args...)
	if err == nil && n == 0 {
		return conflict(op)
	}
	return err
}

// exists reports whether a query returns a row.
func (t *txn) exists(ctx context.Context, op, q string, args ...any) (bool, error) {
	var one int
	err := t.q.QueryRowContext(ctx, t.d.sql(q), args...).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, translate(ctx, op, err)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// get runs a query for one row and scans it; no row is ErrNotFound.
func get[T any](ctx context.Context, t *txn, op string, scan func(scanner) (T, error), q string, args ...any) (T, error) {
	v, err := scan(t.q.QueryRowContext(ctx, t.d.sql(q), args...))
	return v, translate(ctx, op, err)
}

// list runs a query and scans every row.
func list[T any](ctx context.Context, t *txn, op string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := t.q.QueryContext(ctx, t.d.sql(q), args...)
	if err != nil {
		return nil, translate(ctx, op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, translate(ctx, op, err)
		}
		out = append(out, v)
	}
	return out, translate(ctx, op, rows.Err())
}

// maxParams bounds the parameters of one statement: SQLite allows 32766,
// PostgreSQL 65535.
const maxParams = 32000

// maxRowsPerInsert bounds the rows of one multi-row INSERT; bigger
// statements stop paying off and cost parse time.
const maxRowsPerInsert = 1000

// insertRows inserts rows set-based: args holds width values per row, sent
// as multi-row INSERTs of up to maxRowsPerInsert rows, never one statement
// per row. head is "INSERT INTO t (cols) VALUES ", suffix follows the
// values (such as "ON CONFLICT DO NOTHING"). It returns the rows inserted.
func (t *txn) insertRows(ctx context.Context, op, head, suffix string, width int, args []any) (int64, error) {
	rows := len(args) / width
	chunk := min(maxRowsPerInsert, maxParams/width)
	tuple := "(" + strings.Repeat("?, ", width-1) + "?)"
	var total int64
	var stmt string
	stmtRows := 0
	for start := 0; start < rows; start += chunk {
		n := min(chunk, rows-start)
		if n != stmtRows { // the statement text only changes for the last chunk
			stmt = head + strings.Repeat(tuple+", ", n-1) + tuple + " " + suffix
			stmtRows = n
		}
		c, err := t.affected(ctx, op, stmt, args[start*width:(start+n)*width]...)
		if err != nil {
			return total, err
		}
		total += c
	}
	return total, nil
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
