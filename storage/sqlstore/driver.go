package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// Driver is what a driver package (storage/sqlite, storage/postgres) adds
// to the shared SQL code, so that the shared code links no database
// driver and a host links only the driver it imports.
type Driver struct {
	Dialect Dialect
	// Copy, if set, bulk-loads rows on the transactions the Store begins
	// (Blocks.CreateMany on PostgreSQL); nil means INSERT statements.
	Copy CopyFunc
}

// CopyFunc bulk-loads rows into table's columns through driverConn, the
// driver connection of a transaction (what sql.Conn.Raw passes). It
// returns an error wrapping errors.ErrUnsupported, having loaded nothing,
// when driverConn is not its driver's; the Store then INSERTs.
type CopyFunc func(ctx context.Context, driverConn any, table string, columns []string, rows CopyRows) error

// CopyRows is the rows a CopyFunc loads, in the method set of pgx's
// CopyFromSource. Values are encoded as the Dialect encodes them, except
// uuids, which are uuid.UUID.
type CopyRows interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}

// Open returns a Store that owns db, migrated to the newest schema. read,
// if not nil, is a pool of read-only connections View runs on; nil means
// View runs on db. Close closes both. If Open fails it closes them.
func (d Driver) Open(ctx context.Context, db, read *sql.DB, opts *Options) (*Store, error) {
	if db == nil || !d.Dialect.valid() {
		err := errors.New("leadprivacy: sqlstore: Driver.Open needs a *sql.DB and a known dialect")
		for _, p := range []*sql.DB{db, read} {
			if p != nil {
				err = errors.Join(err, p.Close())
			}
		}
		return nil, err
	}
	s := &Store{db: db, read: read, dialect: d.Dialect, opts: opts.withDefaults(), ownsDB: true, copy: d.Copy}
	if err := s.Migrate(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// New returns a Store on the host's own db, which it does not configure,
// migrate or close, as the package's New does, and which bulk-loads with
// d.Copy.
func (d Driver) New(db *sql.DB, opts *Options) (*Store, error) {
	s, err := New(db, d.Dialect, opts)
	if err != nil {
		return nil, err
	}
	s.copy = d.Copy
	return s, nil
}
