// Package sqlite is the SQLite adapter of the SDK, the embedded default:
// a storage.Store in one database file, through modernc.org/sqlite (pure
// Go, no cgo). It links no other database driver.
//
//	store, err := sqlite.Open(ctx, "/var/lib/app/leads.db", nil)
//	if err != nil {
//		return err // names the path and why it cannot be opened
//	}
//	defer store.Close()
//
// Open creates the file if needed and migrates it. Every connection runs
// with journal_mode=WAL, synchronous=FULL, foreign_keys=ON,
// secure_delete=ON (deleted content is overwritten with zeros),
// temp_store=MEMORY (statement and savepoint journals hold the old content
// of changed pages: in memory they cost no file writes and leave no erased
// bytes in temp files), busy_timeout (sqlstore.Options.BusyTimeout,
// default 5 s) and a 64 MiB page cache, set as _pragma DSN parameters so a
// replaced connection gets them too, and transactions begin with BEGIN
// IMMEDIATE. The writers' pool holds a single connection: SQLite has one
// writer at a time, and queueing in the pool is cheaper and fairer than
// polling the file lock. View runs on a second pool of read-only
// (query_only) connections, GOMAXPROCS of them and at least two, whose
// deferred transactions read their WAL snapshot beside the writer: a
// dial-time check or a ChangeLog verification does not wait for a long
// upload. Several processes may share the file; WithTx retries busy
// errors.
//
// The Store is a *sqlstore.Store: package sqlstore documents the schema,
// transactions, errors, Compact and Attach (the SDK's operations inside the
// host's own *sql.Tx). A host that opens the database itself (driver name
// "sqlite") uses sqlstore.New.
package sqlite
