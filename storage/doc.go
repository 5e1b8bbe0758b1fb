// Package storage is the contract between the leadprivacy services and a
// database: small interfaces per kind of object, grouped in a transaction
// (Tx) so that a change and its ChangeLog event commit together.
//
// The SDK ships three adapters: storage/memstore (in memory, for tests and
// examples), storage/sqlite (the embedded default) and storage/postgres,
// the last two on the SQL they share in storage/sqlstore. A host can plug
// in its own database by implementing Store; storage/storagetest is the
// conformance suite such an adapter must pass, the same suite the shipped
// adapters run. storage/storagemock has generated mocks for unit tests of
// code that calls a Store.
//
// Each method's doc comment says which sentinel error of package leadprivacy
// it returns in which case; adapters translate their backend's errors
// (sql.ErrNoRows to ErrNotFound, unique violations to ErrConflict).
//
// # Rules every method follows
//
// Every method of every view follows these rules, so they are not repeated
// on each method:
//
//   - Every method is scoped to one organisation: the org argument or the
//     OrgID of the value passed. No method reads or changes another
//     organisation's rows; an id of another organisation is ErrNotFound.
//   - Ids are unique within an organisation (every key starts with the
//     organisation id): ErrConflict means the id exists in the same
//     organisation, and the same id in another organisation is another,
//     independent object.
//   - Every object belongs to an existing organisation: a method that
//     creates one (Create, CreateMany, Add, Append, WriteHashes) in an
//     organisation that Organisations.Create never stored fails with
//     ErrNotFound (SQL adapters have foreign keys to organisations).
//   - Values are copied in and out: mutating a value passed to or returned by
//     a method (including its slices and maps) never changes the store.
//   - A value that fails its Validate method is rejected with an error
//     matching lp.ErrInvalidArgument before anything is written.
//   - A method that fails with ErrNotFound, ErrConflict or
//     ErrInvalidArgument has changed nothing, and the transaction stays
//     usable: the caller may handle the error and go on (SQL adapters check
//     first, use ON CONFLICT or a savepoint, so the database transaction is
//     not aborted).
//   - Times are returned in UTC. Adapters keep at least microsecond
//     precision; a zero time.Time is stored as "unset" and returned as zero.
//     Validate accepts only zero or times between lp.MinTime and lp.MaxTime
//     (years 1 to 9999, see lp.ValidTime), and every such time, truncated
//     to the microsecond, comes back exactly. Filters compare their time
//     bounds truncated to the microsecond (an event at T is not before
//     T+500ns). Query times (EventQuery Since and Until, LeadFilter.Before,
//     the times of BlockFilter) outside that range are ErrInvalidArgument.
//   - Texts (names, labels, field keys and values, notes, codes, detail
//     values) come back byte-exact. Validate refuses what a backend could
//     not store so: invalid UTF-8, NUL, and texts over their limit (see
//     lp.ValidText, lp.ValidCode). A backend's own data error (a value it
//     cannot represent or a size limit) is ErrInvalidArgument.
//   - Empty slices and maps may come back as nil.
//   - A cancelled context fails the call with an error wrapping ctx.Err().
//   - A method that fails with any error but ErrNotFound, ErrConflict or
//     ErrInvalidArgument (a cancelled context included) leaves the
//     transaction unusable: later calls fail with an error wrapping the
//     first one, and WithTx does not commit (see Store.WithTx).
package storage
