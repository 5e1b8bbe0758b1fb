// Package storage is the contract between the leadprivacy services and a
// database: small interfaces per kind of object, grouped in a transaction
// (Tx) so that a change and its ChangeLog event commit together.
//
// The SDK ships three adapters: storage/memstore (in memory, for tests and
// examples) and storage/sqlstore (SQLite, the embedded default, and
// PostgreSQL). A host can plug in its own database by implementing Store;
// storage/storagetest is the conformance suite such an adapter must pass,
// the same suite the shipped adapters run. storage/storagemock has generated
// mocks for unit tests of code that calls a Store.
//
// Each method's doc comment says which sentinel error of package leadprivacy
// it returns in which case; adapters translate their backend's errors
// (sql.ErrNoRows to ErrNotFound, unique violations to ErrConflict).
package storage
