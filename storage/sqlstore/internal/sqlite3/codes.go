// Package sqlite3 mirrors the result codes of SQLite's C API (sqlite3.h),
// so the shared SQL code can read the code of a driver's error without
// linking the driver. The names are SQLite's own, as modernc.org/sqlite/lib
// spells them; a test keeps the values equal to that package's.
package sqlite3

// Primary result codes: an extended code's low byte.
const (
	SQLITE_ERROR      = 1
	SQLITE_INTERNAL   = 2
	SQLITE_PERM       = 3
	SQLITE_ABORT      = 4
	SQLITE_BUSY       = 5
	SQLITE_LOCKED     = 6
	SQLITE_NOMEM      = 7
	SQLITE_READONLY   = 8
	SQLITE_INTERRUPT  = 9
	SQLITE_IOERR      = 10
	SQLITE_CORRUPT    = 11
	SQLITE_NOTFOUND   = 12
	SQLITE_FULL       = 13
	SQLITE_CANTOPEN   = 14
	SQLITE_PROTOCOL   = 15
	SQLITE_EMPTY      = 16
	SQLITE_SCHEMA     = 17
	SQLITE_TOOBIG     = 18
	SQLITE_CONSTRAINT = 19
	SQLITE_MISMATCH   = 20
	SQLITE_MISUSE     = 21
	SQLITE_NOLFS      = 22
	SQLITE_AUTH       = 23
	SQLITE_FORMAT     = 24
	SQLITE_RANGE      = 25
	SQLITE_NOTADB     = 26
)

// Extended result codes of SQLITE_CONSTRAINT: which constraint failed.
const (
	SQLITE_CONSTRAINT_CHECK      = 275
	SQLITE_CONSTRAINT_COMMITHOOK = 531
	SQLITE_CONSTRAINT_FOREIGNKEY = 787
	SQLITE_CONSTRAINT_FUNCTION   = 1043
	SQLITE_CONSTRAINT_NOTNULL    = 1299
	SQLITE_CONSTRAINT_PRIMARYKEY = 1555
	SQLITE_CONSTRAINT_TRIGGER    = 1811
	SQLITE_CONSTRAINT_UNIQUE     = 2067
	SQLITE_CONSTRAINT_VTAB       = 2323
	SQLITE_CONSTRAINT_ROWID      = 2579
	SQLITE_CONSTRAINT_PINNED     = 2835
	SQLITE_CONSTRAINT_DATATYPE   = 3091
)
