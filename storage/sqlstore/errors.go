package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore/internal/sqlite3"
)

// ErrBusy means the database stayed locked or kept reporting serialization
// failures through every retry of WithTx. The transaction was rolled back;
// the caller may try again later.
var ErrBusy = errors.New("leadprivacy: sqlstore: database busy, retries exhausted")

// ErrSchemaTooNew matches a *SchemaVersionError: the database was migrated
// by a newer version of the SDK than this one.
var ErrSchemaTooNew = errors.New("leadprivacy: sqlstore: database schema is newer than this code")

// SchemaVersionError reports a database whose schema version is newer than
// the newest migration this code knows. Opening it fails rather than risk
// writing data an older schema does not describe; upgrade the SDK.
type SchemaVersionError struct {
	Database int // version recorded in the database's schema_version table
	Code     int // newest version this code can migrate to
}

func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("leadprivacy: sqlstore: database schema version %d is newer than this code supports (%d); upgrade the SDK", e.Database, e.Code)
}

// Is reports whether target is ErrSchemaTooNew.
func (e *SchemaVersionError) Is(target error) bool { return target == ErrSchemaTooNew }

// dbError is a translated database error. Its message names the operation
// and the backend's error code but never the backend's message, which can
// quote the values of a row (personal data). The backend error stays
// reachable with errors.As for debugging.
type dbError struct {
	op       string // such as "leads.create"
	sentinel error  // a root sentinel, ErrBusy, or nil
	code     string // backend error code, such as "SQLSTATE 23505"
	cause    error
}

func (e *dbError) Error() string {
	msg := "leadprivacy: sqlstore: " + e.op
	if e.sentinel != nil {
		msg = e.sentinel.Error() + ": sqlstore: " + e.op
	}
	if e.code != "" {
		msg += " (" + e.code + ")"
	}
	return msg
}

func (e *dbError) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.cause}
	}
	return []error{e.sentinel, e.cause}
}

// notFound is the ErrNotFound of operation op.
func notFound(op string) error { return fmt.Errorf("%w: sqlstore: %s", lp.ErrNotFound, op) }

// conflict is the ErrConflict of operation op.
func conflict(op string) error { return fmt.Errorf("%w: sqlstore: %s", lp.ErrConflict, op) }

// translate maps a database/sql or driver error of operation op to the
// root sentinels: no rows is ErrNotFound, a unique violation ErrConflict, a
// foreign key violation ErrNotFound (the referenced object is missing), and
// a cancelled context wraps ctx.Err(). Busy and serialization errors keep
// their cause so WithTx can recognise and retry them.
func translate(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var de *dbError
	if errors.As(err, &de) {
		return err // already translated by an inner call
	}
	if errors.Is(err, lp.ErrNotFound) || errors.Is(err, lp.ErrConflict) || errors.Is(err, lp.ErrInvalidArgument) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("leadprivacy: sqlstore: %s: %w", op, cerr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("leadprivacy: sqlstore: %s: %w", op, err)
	}
	if errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("%w: sqlstore: %s", storage.ErrTxDone, op)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &dbError{op: op, sentinel: lp.ErrNotFound, cause: err}
	}
	var se sqliteError
	if errors.As(err, &se) {
		code := fmt.Sprintf("SQLITE %d", se.Code())
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return &dbError{op: op, sentinel: lp.ErrConflict, code: code, cause: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &dbError{op: op, sentinel: lp.ErrNotFound, code: code, cause: err}
		case sqlite3.SQLITE_READONLY:
			return &dbError{op: op, sentinel: storage.ErrReadOnly, code: code, cause: err}
		}
		return &dbError{op: op, code: code, cause: err}
	}
	var pe pgError
	if errors.As(err, &pe) {
		code := "SQLSTATE " + pe.SQLState()
		switch pe.SQLState() {
		case "23505":
			return &dbError{op: op, sentinel: lp.ErrConflict, code: code, cause: err}
		case "23503":
			return &dbError{op: op, sentinel: lp.ErrNotFound, code: code, cause: err}
		case "25006": // read_only_sql_transaction
			return &dbError{op: op, sentinel: storage.ErrReadOnly, code: code, cause: err}
		}
		return &dbError{op: op, code: code, cause: err}
	}
	return &dbError{op: op, cause: err}
}

// sqliteError is modernc.org/sqlite's *Error, read through its method so
// that the shared code links no driver.
type sqliteError interface {
	error
	Code() int // the extended result code
}

// pgError is pgx's *pgconn.PgError, read through its method so that the
// shared code links no driver.
type pgError interface {
	error
	SQLState() string
}

// retryable reports whether a transaction that failed with err may succeed
// when run again: SQLite busy or locked, PostgreSQL serialization failure or
// deadlock.
func retryable(err error) bool {
	var se sqliteError
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	var pe pgError
	if errors.As(err, &pe) {
		return pe.SQLState() == "40001" || pe.SQLState() == "40P01"
	}
	return false
}
