// Package storagetest is the conformance suite for storage adapters: every
// adapter of the storage contract, shipped or written by a host, runs it from
// its own test.
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store { return mystore.Open(t) }, nil)
//	}
//
// Run exercises every method of every view: the happy path, the sentinel
// errors each method documents (tested with errors.Is), validation, keyset
// paging, filters, bulk methods, aliasing of passed and returned values,
// rollback on error and on panic, commit visibility, tenant isolation on every
// method, cancelled contexts, use of a finished transaction, time precision
// and gapless ChangeLog sequence numbers under concurrent transactions. The
// Values group pushes hostile texts (NUL, invalid UTF-8, bidi controls,
// 10 MB) and edge times through every write: each must be stored exactly or
// refused with ErrInvalidArgument, as the value's Validate says; error
// messages must name the object concerned. Reflection checks that the
// every-method sweeps cover every method of the contract.
//
// Each subtest gets its own store from newStore, named after the view and
// method it tests ("Leads/CreateMany"), so a failure points at one method and
// an adapter can isolate subtests (a fresh schema or database per store).
package storagetest
