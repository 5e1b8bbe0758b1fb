// Package memstore is the in-memory storage adapter: the complete
// implementation of the storage contract without a database, for tests,
// examples and small hosts that do not need durability.
//
// A Store is safe for concurrent use. Transactions are serialised: WithTx
// and View (read-only) hold the store's lock for the whole callback, so a
// transaction always sees
// a consistent state and ChangeLog sequence numbers are gapless in commit
// order. Every change a transaction makes is recorded in an undo log; an
// error, a panic or a cancelled context replays the log backwards and leaves
// the store exactly as it was.
//
// Values are deep-copied on the way in and out, and times are kept in UTC
// truncated to microseconds, the precision the SQL adapters keep, so code
// tested against memstore behaves the same on a database.
//
// memstore passes the conformance suite in storage/storagetest.
package memstore
