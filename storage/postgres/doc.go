// Package postgres is the PostgreSQL adapter of the SDK: a storage.Store
// on PostgreSQL 13 or newer through github.com/jackc/pgx/v5 (its
// database/sql driver, "pgx"). It links no other database driver.
//
//	store, err := postgres.Open(ctx, "host=/run/postgresql dbname=app", nil)
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//
// Open accepts any DSN or URL pgx accepts, creates the tables in the
// connection's search_path schema and migrates them. Transactions run at
// the server's default isolation (READ COMMITTED); serialization failures
// and deadlocks are retried by WithTx. Bulk uploads of blocks
// (Blocks.CreateMany) load by binary COPY.
//
// A host with its own pgx *sql.DB uses New, which keeps COPY; it calls
// Migrate once. The Store is a *sqlstore.Store: package sqlstore documents
// the schema, transactions, errors, Compact and Attach.
package postgres
