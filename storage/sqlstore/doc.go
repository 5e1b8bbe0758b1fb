// Package sqlstore is the SQL shared by the storage.Store adapters of
// storage/sqlite (the embedded default) and storage/postgres: statements,
// migrations, transactions and error translation. One Store on
// database/sql serves both databases; a Dialect fills in column types,
// placeholders and list parameters, so every statement is written once.
// It links no database driver: a host opens its store with the driver
// package it imports, and links only that driver.
//
// # Opening
//
//	store, err := sqlite.Open(ctx, "/var/lib/app/leads.db", nil)           // storage/sqlite: pure Go, no cgo
//	store, err := postgres.Open(ctx, "host=/run/postgresql dbname=app", nil) // storage/postgres
//	store, err := sqlstore.New(hostDB, sqlstore.SQLite, nil)                 // the host's *sql.DB; then store.Migrate(ctx)
//
// The driver packages document how they configure their connections. New
// takes a *sql.DB the host opened and configured with a driver it
// registered itself; postgres.New does the same for a pgx *sql.DB and
// keeps COPY for bulk loads. A Driver is how a driver package plugs in:
// its Dialect and, optionally, a CopyFunc for bulk loads.
//
// WithTx retries SQLite busy errors, PostgreSQL serialization failures
// (40001) and deadlocks (40P01), so "database is locked" never reaches the
// caller (after Options.MaxAttempts it fails with ErrBusy). View is a
// read-only transaction: on SQLite's reader pool, or on PostgreSQL a READ
// ONLY, REPEATABLE READ transaction (one snapshot for all its reads).
//
// On PostgreSQL the tables are created in the connection's search_path
// schema, and WithTx transactions are SERIALIZABLE, so write transactions
// behave as if run one at a time (storage.Store.WithTx); at the server's
// default READ COMMITTED, a Get, then an Update overlapping another
// transaction wrote back a stale row (lost updates; a forgotten lead's
// phones and fields restored). A retry first locks the event counters
// (before its snapshot), so the ChangeLog appends of one organisation,
// which fail each other when concurrent, cannot starve it into ErrBusy.
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
// retention scans page a project's leads in id order on (org_id,
// project_id, id) (migration 3; the three (project, outcome, basis time)
// indexes before it were never chosen for keyset pages and cost three
// B-tree changes per lead written or deleted); lead_phones and contacts
// have no foreign keys to leads since migration 3: Leads.Delete and
// DeleteMany remove them explicitly after the lead, one set-based
// statement per table, where ON DELETE CASCADE ran per deleted lead (on
// PostgreSQL as a trigger query per row and table), and Contacts.Add
// inserts only for an existing lead, which it locks (FOR KEY SHARE) on
// PostgreSQL so a concurrent delete waits and then removes the new
// attempt too (a race test checks no attempt outlives its lead); blocks are
// unique per (org_id, number, project_id), and only blocks that can expire
// are in the expiry index (migration 2); the ChangeLog is keyed by
// (org_id, seq) with indexes per query column. Events.Append takes the
// next number from a per-organisation counter row (an upsert in the
// transaction), which gives gapless sequence numbers and serialises the
// appends of one organisation.
//
// Bulk methods are set-based. Leads.CreateMany sends, on PostgreSQL, one
// INSERT ... SELECT FROM unnest(...) per 10,000 rows with each column as
// one typed array parameter (one round trip and one plan per batch); on
// SQLite, multi-row INSERTs of 1000 rows, the full-size statement
// prepared once per call. Blocks.CreateMany, the upload path, goes
// further. On PostgreSQL it COPYs the batch in binary through pgx
// (Driver.Copy, on the *sql.Conn the Store's transactions run on); if a
// row's scope is taken, the savepoint undoes that, it looks up which
// scopes are taken (one index-only query) and COPYs the others; should a
// row still conflict (an id collision, or a scope another transaction took
// meanwhile), INSERT ... ON CONFLICT sorts it out. On SQLite it runs without savepoint
// or statement journal, which copy every page a statement changes before
// changing it (40% of an upload's time): id conflicts are checked first,
// INSERT OR IGNORE skips the taken scopes, and rows of a batch that fails
// halfway for another reason are deleted again. Number and id look-ups pass the whole batch as
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
// The ChangeLog (package audit) runs Events on every recorded event and
// reads it back whole to verify it. Events.Query on SQLite names the index
// of its most selective equality filter (INDEXED BY events_fingerprint,
// events_lead, events_object or events_actor, in that order): without
// statistics SQLite satisfies ORDER BY seq DESC LIMIT by walking the
// primary key backwards through every event of the organisation; a test
// checks the plans with EXPLAIN QUERY PLAN. PostgreSQL gathers statistics
// itself and picks the fingerprint index (checked with EXPLAIN ANALYZE).
// ReadHashes reads runs of consecutive indexes (audit.Verify asks for one
// per page of events) as primary-key ranges and the scattered rest as one
// list. WriteHashes is one INSERT ... ON CONFLICT DO NOTHING that inserts
// nothing if an index is stored with another hash, and reads back only
// when it inserted fewer rows than given. On SQLite, Migrate prepares the
// statements that run per recorded event and per Verify page once, and
// transactions reuse them (parsing cost more than running them); a
// recorded event is the counter upsert and insert of Append, at most one
// ReadHashes and one WriteHashes. Range and Query do not read org_id back,
// and flat JSON objects of strings (event details, lead fields) are
// decoded without encoding/json.
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
// inside. On PostgreSQL the host must begin it SERIALIZABLE
// (sql.TxOptions{Isolation: sql.LevelSerializable}) for the SDK's writes
// to keep the contract of storage.Store.WithTx.
//
// # Registries and pending erasures
//
// A registry's compiled snapshot (storage.Registries) is stored as rows of
// registry_chunks, at most storage.SnapshotChunkSize bytes each, written
// one prepared INSERT a chunk: at a megabyte a chunk the statements cost
// nothing beside the bytes, where a multi-row insert copied the chunks
// over and over. ReadSnapshot reads the version's size first (LENGTH reads
// no chunk's bytes) and copies the chunks, in order, once, into one buffer
// of that size; ReadSnapshotTo hands each chunk to its writer as the row
// is read. A new version is written with its registry row in one
// transaction, so a reader's snapshot (a View) has the old row and chunks
// or the new ones, never a mix. Pending erasures (storage.Erasures) keep
// their recording references, personal data, as a JSON array in one
// column; Compact covers their table and the chunks.
//
// # Retention
//
// A retention purge forgets leads a batch at a time, each batch a few
// statements whatever its size (migration 8). Leads.AnonymiseMany is, on
// PostgreSQL, one statement (the lead update and, as a data-modifying CTE,
// the delete of their phone index rows); on SQLite the phone rows, then
// the leads, by primary key per listed id. Contacts.EraseByLeads reads the
// attempts it clears on contacts_lead (on SQLite the table's own key: it
// keeps attempts in lead order since migration 11, so a batch of leads in
// id order changes adjacent pages), with their recording references in
// the contract's order, and clears them: one statement on PostgreSQL (the
// update joins the rows a CTE read, which it returns as they were), a
// read and an update on SQLite, whose RETURNING gives new values only.
// Leads.Count is one COUNT on the index List pages (leads_project for a
// project, named with INDEXED BY on SQLite). Leads.CountMany is one
// statement too, a COUNT(*) FILTER per filter over one walk of the
// organisation's primary key range (kept to the filters' projects), the
// conditions every filter shares in its WHERE: a retention plan counts
// every rule's due and held leads in one pass (TestPlansSQLite checks the
// walk; BenchmarkPlan in package retention compares it with hand-written
// counting SQL). A batch's ChangeLog event
// keeps its leads (lp.Event.LeadIDs) in event_leads, one row each, as
// event_fingerprints keeps an upload's numbers: its primary key
// (org_id, lead_id, seq) finds a lead's events, event_leads_seq reads an
// event's set back, and Events.Query by lead is the union of the
// events_lead and event_leads look-ups (with a number as well, the
// number's look-up with each event probed in event_leads). Leases are rows
// of leases keyed by (org_id, name); Acquire is one INSERT ... ON CONFLICT
// DO UPDATE whose WHERE lets only the holder or an expired lease be
// overwritten, so two processes racing for a lease serialise on its row.
// The screening generation (Blocks.ScreeningGeneration) is a column of
// the organisation's event_counters row (schema version 9): every Blocks,
// Suppressions and Registries method that changes a row (but the
// snapshot ones: a registry's version switches with Update) ends with one
// INSERT ... ON CONFLICT DO UPDATE adding 1, in its transaction, and the
// read is a primary-key look-up. Every such change
// appends its ChangeLog event in the same transaction, which updates that
// row anyway, so writers of one organisation meet on no row they did not
// meet on before, and a retry behind lockCountersSQL covers the bump.
// BenchmarkAnonymiseMany compares a batch with hand-written SQL on the
// same schema.
//
// # Erasure on disk
//
// Compact makes erased data physically unrecoverable where the database
// allows it. On SQLite it checkpoints and truncates the WAL, VACUUMs with
// temp_store=MEMORY and checkpoints again: a test writes canary strings
// into every personal field, forgets and deletes, compacts and finds none
// of them in the raw bytes of the database, -wal and -shm files (without
// Compact the WAL still holds them). It waits for open readers of the WAL
// as long as its ctx allows, without holding up writers meanwhile. On
// PostgreSQL the SDK guarantees logical erasure; Compact runs VACUUM
// (ANALYZE) on the tables of personal data (leads and their children,
// blocks, suppressions, events, pending erasures) and on registry chunks,
// which removes dead rows and index entries
// but does not overwrite freed bytes, WAL segments, replicas or backups:
// Compact's documentation lists what the operator must do for physical
// erasure.
//
// # Crash safety
//
// TestCrashSQLite runs the test binary again as a child that commits
// blocks, lead uploads and their ChangeLog events, SIGKILLs it at random
// moments (and children migrating a new database), and after each kill
// checks integrity_check and foreign_key_check, that every commit the child
// acknowledged is there, that the ChangeLog verifies against the
// checkpoint signed before the kill, and that a database killed while it
// migrated reopens to the same schema as a clean one. TestCrashPostgres
// does the same to PostgreSQL clients. -crash.kills sets their budget
// (default 30 each):
//
//	go test ./storage/sqlstore -run TestCrash -crash.kills 1000
//
// # Benchmarks
//
// Measured figures, their commands and their history are in BENCHMARKS.md
// at the module root.
package sqlstore
