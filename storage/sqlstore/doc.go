// Package sqlstore is the storage.Store adapter for SQL databases: SQLite,
// the embedded default, and PostgreSQL for scale. One adapter on
// database/sql serves both; a Dialect fills in column types, placeholders
// and list parameters, so every statement is written once.
//
// # Opening
//
//	store, err := sqlstore.OpenSQLite(ctx, "/var/lib/app/leads.db", nil)   // pure Go, no cgo
//	store, err := sqlstore.OpenPostgres(ctx, "host=/run/postgresql dbname=app", nil)
//	store, err := sqlstore.New(hostDB, sqlstore.Postgres, nil)             // the host's *sql.DB; then store.Migrate(ctx)
//
// OpenSQLite uses modernc.org/sqlite (driver "sqlite"). Every connection
// runs with journal_mode=WAL, synchronous=FULL, foreign_keys=ON,
// secure_delete=ON (deleted content is overwritten with zeros),
// temp_store=MEMORY (statement and savepoint journals hold the old content
// of changed pages: in memory they cost no file writes and leave no erased
// bytes in temp files), busy_timeout (Options.BusyTimeout, default 5 s)
// and a 64 MiB page cache,
// set as _pragma DSN parameters so a replaced connection gets them too,
// and transactions begin with BEGIN IMMEDIATE. The pool holds a single
// connection: SQLite has one writer at a time, and queueing in the pool
// is cheaper and fairer than polling the file lock. Several processes may
// share the file; WithTx retries busy errors, so "database is locked"
// never reaches the caller (after Options.MaxAttempts it fails with
// ErrBusy).
//
// OpenPostgres uses github.com/jackc/pgx/v5/stdlib (driver "pgx") and
// creates the tables in the connection's search_path schema. Transactions
// run at the server's default isolation (READ COMMITTED); serialization
// failures (40001) and deadlocks (40P01) are retried by WithTx.
//
// # Schema and migrations
//
// Migrations are embedded (migrations/NNNN_name.sql), recorded in the
// schema_version table and applied in one transaction under a lock
// (pg_advisory_xact_lock keyed by schema on PostgreSQL, BEGIN IMMEDIATE on
// SQLite), so two processes starting at once are safe and a re-run is a
// no-op. A database migrated by newer code fails with *SchemaVersionError
// (errors.Is ErrSchemaTooNew).
//
// The schema is ready for distributed PostgreSQL (Citus-style, distributed
// by org_id): every table has org_id and every primary key and index
// starts with it. uuids are 16-byte BLOBs on SQLite and uuid on
// PostgreSQL, both ordered by their bytes, so keyset pages (id > after)
// follow uuid order; times are INTEGER unix microseconds on SQLite and
// timestamptz on PostgreSQL; fingerprints and tree hashes are bytes. Lead
// phone numbers are indexed in lead_phones (org_id, number, lead_id);
// retention scans use (org_id, project_id, outcome, basis time); blocks are
// unique per (org_id, number, project_id), and only blocks that can expire
// are in the expiry index (migration 2); the ChangeLog is keyed by
// (org_id, seq) with indexes per query column. Events.Append takes the
// next number from a per-organisation counter row (an upsert in the
// transaction), which gives gapless sequence numbers and serialises the
// appends of one organisation.
//
// Bulk methods are set-based. CreateMany sends, on PostgreSQL, one
// INSERT ... SELECT FROM unnest(...) per 10,000 rows with each column as
// one typed array parameter (one round trip and one plan per batch); on
// SQLite, multi-row INSERTs of 1000 rows, the full-size statement
// prepared once per call. Number and id look-ups pass the whole batch as
// one parameter (json_each on SQLite, = ANY(array) on PostgreSQL);
// DeleteMany is one DELETE. On PostgreSQL Leads.Update (with the phone
// index rows it implies) and Events.Append (counter and event) are one
// statement each, so a forget with its ChangeLog entry is BEGIN, three
// statements (Leads.Update, Contacts.EraseByLead, Events.Append) and
// COMMIT. Methods that report ErrConflict or ErrNotFound as an expected
// outcome detect it without a failing statement (ON CONFLICT DO NOTHING,
// guarded INSERT ... SELECT, savepoints for bulk), so the transaction
// stays usable, which PostgreSQL requires.
//
// Errors: unique violations are lp.ErrConflict, missing rows and missing
// referenced objects lp.ErrNotFound, a cancelled context wraps ctx.Err(),
// use after the transaction ended storage.ErrTxDone. Messages name the
// operation and the backend's error code, never the backend's message
// (which can quote row values); the driver error stays reachable with
// errors.As.
//
// # Host transactions
//
// Attach runs the SDK's operations inside the host's own *sql.Tx (from the
// same database): the host owns the transaction, commits or rolls it back,
// and retries it on busy or serialization errors; nothing is retried
// inside.
//
// # Erasure on disk
//
// Compact makes erased data physically unrecoverable where the database
// allows it. On SQLite it checkpoints and truncates the WAL, VACUUMs with
// temp_store=MEMORY and checkpoints again: a test writes canary strings
// into every personal field, forgets and deletes, compacts and finds none
// of them in the raw bytes of the database, -wal and -shm files (without
// Compact the WAL still holds them). On PostgreSQL it runs VACUUM (ANALYZE)
// on the lead tables, which removes dead rows and index entries but does
// not overwrite freed bytes, WAL segments or backups; see Compact.
//
// # Benchmarks
//
// Measured on a 2-core AMD EPYC VM, Go 1.26, SQLite 3.54 (modernc), and
// PostgreSQL 15 on a unix socket with fsync on (LP_PG_FSYNC=on
// .ci/postgres.sh), one run:
//
// LEADPRIVACY_BENCH_ROWS=100000 go test -run '^$' -bench . -benchtime 1x
// (100,000 leads or block entries; 10,000 rows per transaction; purge
// deletes the due half in batches of 1,000):
//
//	BenchmarkBlocksCreateMany/sqlite         28,705 rows/s
//	BenchmarkBlocksCreateMany/postgres       48,864 rows/s
//	BenchmarkLeadsFindByNumber/sqlite        0.104 ms/lookup
//	BenchmarkLeadsFindByNumber/postgres      0.402 ms/lookup
//	BenchmarkEraseLeadWithEvent/sqlite       1,051 erases/s, 0.95 ms/erase
//	BenchmarkEraseLeadWithEvent/postgres       303 erases/s, 3.30 ms/erase (fsync-bound)
//	BenchmarkPurgeExpired/keyset/sqlite      12,410 rows/s
//	BenchmarkPurgeExpired/offset/sqlite      10,180 rows/s
//	BenchmarkPurgeExpired/keyset/postgres    23,112 rows/s
//	BenchmarkPurgeExpired/offset/postgres    14,166 rows/s
//
// Look-ups meet the 1 ms target; bulk insert, durable erase on
// PostgreSQL and purge throughput do not yet (random uuid keys spread each
// batch over every index page, and each deleted lead touches about ten
// B-tree entries).
package sqlstore
