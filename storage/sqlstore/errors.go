package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

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

// dbError is a database error or an outcome the adapter detected itself.
// Its message names the object concerned where known ("lead <id>"), the
// operation and the backend's error code, but never the backend's message,
// which can quote the values of a row (personal data). The backend error
// stays reachable with errors.As for debugging.
type dbError struct {
	op       string // such as "leads.create"
	sentinel error  // a root sentinel, ErrBusy, or nil
	what     string // the object concerned, such as "project <id>"; may be empty
	code     string // backend error code, such as "SQLSTATE 23505"
	cause    error  // the backend error, or nil
}

// Error reads like memstore's messages, with the operation after them:
// "leadprivacy: not found: project <id> (sqlstore: leads.create)".
func (e *dbError) Error() string {
	where := "sqlstore: " + e.op
	if e.code != "" {
		where += ", " + e.code
	}
	switch {
	case e.sentinel == nil:
		return "leadprivacy: " + where
	case e.what == "":
		return e.sentinel.Error() + " (" + where + ")"
	}
	return e.sentinel.Error() + ": " + e.what + " (" + where + ")"
}

func (e *dbError) Unwrap() []error {
	var out []error
	for _, err := range []error{e.sentinel, e.cause} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// notFound is the ErrNotFound of operation op about what, such as
// object("lead", id).
func notFound(op, what string) error { return &dbError{op: op, sentinel: lp.ErrNotFound, what: what} }

// conflict is the ErrConflict of operation op about what, such as
// "number already blocked in this scope".
func conflict(op, what string) error { return &dbError{op: op, sentinel: lp.ErrConflict, what: what} }

// object names one object in a message: "lead <id>".
func object(kind string, id uuid.UUID) string { return kind + " " + id.String() }

// aboutID is about for one object: "<kind> <id>" if it is missing,
// "<kind> <id> exists" if it is taken. It formats nothing when err is nil,
// so the success path of a Get pays nothing for the message.
func aboutID(err error, kind string, id uuid.UUID) error {
	if err == nil {
		return nil
	}
	what := object(kind, id)
	return about(err, what, what+" exists")
}

// about says what an ErrNotFound (missing) or ErrConflict (taken) of a
// shared helper or a batch statement concerns. err may wrap the dbError
// (a savepoint joins it with a nil rollback error) if it says nothing
// more; other errors, and errors that already say, are returned as they are.
func about(err error, missing, taken string) error {
	var de *dbError
	if !errors.As(err, &de) || de.what != "" || err.Error() != de.Error() {
		return err
	}
	c := *de
	switch de.sentinel {
	case lp.ErrNotFound:
		c.what = missing
	case lp.ErrConflict:
		c.what = taken
	}
	return &c
}

// translate maps a database/sql or driver error of operation op to the
// root sentinels: no rows is ErrNotFound, a unique violation ErrConflict, a
// foreign key violation ErrNotFound (the referenced object is missing), a
// value the database cannot hold (PostgreSQL data exceptions, class 22, and
// program_limit_exceeded; SQLite TOOBIG, MISMATCH, RANGE)
// ErrInvalidArgument, and a cancelled context wraps ctx.Err(). Busy and serialization errors keep
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
		case sqlite3.SQLITE_FULL:
			return &dbError{op: op, sentinel: storage.ErrFull, code: code, cause: err}
		case sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
			return &dbError{op: op, sentinel: lp.ErrInvalidArgument, code: code, cause: err}
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
		case "53100": // disk_full
			return &dbError{op: op, sentinel: storage.ErrFull, code: code, cause: err}
		case "54000": // program_limit_exceeded, such as a value too large for an index row
			return &dbError{op: op, sentinel: lp.ErrInvalidArgument, code: code, cause: err}
		}
		if strings.HasPrefix(pe.SQLState(), "22") { // data exception: a value the column cannot hold
			return &dbError{op: op, sentinel: lp.ErrInvalidArgument, code: code, cause: err}
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

// inEntry says which entry of a batch a message concerns: " in lead 3 of
// the batch".
func inEntry(kind string, i int) string {
	return " in " + kind + " " + strconv.Itoa(i) + " of the batch"
}

// firstTaken returns the index of the first of ids that appears earlier in
// ids or has a row in table for org, or -1. Like firstMissing it explains
// a failed batch, so it runs on that error path only.
func (t *txn) firstTaken(ctx context.Context, op, table string, org uuid.UUID, ids []uuid.UUID) (int, error) {
	present, err := t.present(ctx, op, table, org, ids)
	if err != nil {
		return -1, err
	}
	seen := make(map[uuid.UUID]bool, len(ids))
	for i, id := range ids {
		if seen[id] || present[id] {
			return i, nil
		}
		seen[id] = true
	}
	return -1, nil
}

// firstMissing returns the index of the first of ids, other than uuid.Nil,
// that has no row in table for org, or -1.
func (t *txn) firstMissing(ctx context.Context, op, table string, org uuid.UUID, ids []uuid.UUID) (int, error) {
	present, err := t.present(ctx, op, table, org, ids)
	if err != nil {
		return -1, err
	}
	for i, id := range ids {
		if id != uuid.Nil && !present[id] {
			return i, nil
		}
	}
	return -1, nil
}

// present returns which of ids have a row in table (a constant of this
// package: projects, templates, leads, blocks) for org.
func (t *txn) present(ctx context.Context, op, table string, org uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	d := t.d
	found, err := list(ctx, t, op, func(r scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, r.Scan(uuidCol{&id})
	}, `SELECT id FROM `+table+` WHERE org_id = ? AND `+d.in("id", listUUID), d.id(org), d.uuidList(ids))
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// serializationFailure reports whether err is a PostgreSQL serialization
// failure (40001), which WithTx retries behind lockCountersSQL.
func serializationFailure(err error) bool {
	var pe pgError
	return errors.As(err, &pe) && pe.SQLState() == "40001"
}
