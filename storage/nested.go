package storage

import (
	"context"
	"sync/atomic"
)

// txMark is the mark MarkTx puts on a context: which store's transaction
// the context belongs to, whether it is still open, and the marks of the
// enclosing transactions of other stores.
type txMark struct {
	store  Store
	open   atomic.Bool
	parent *txMark
}

type txMarkKey struct{}

// MarkTx returns ctx marked as the context of an open transaction of
// store, for an adapter to hand to the callback of WithTx or View, and a
// function that marks the transaction ended; call it when the callback
// returns. store must be comparable (usually a pointer). A context saved
// from a finished transaction is no longer marked.
func MarkTx(ctx context.Context, store Store) (context.Context, func()) {
	parent, _ := ctx.Value(txMarkKey{}).(*txMark)
	m := &txMark{store: store, parent: parent}
	m.open.Store(true)
	return context.WithValue(ctx, txMarkKey{}, m), func() { m.open.Store(false) }
}

// InTx reports whether ctx is the context of a transaction of store that is
// still open: a WithTx or View of store called with it would nest, and
// should fail at once with ErrNestedTx.
func InTx(ctx context.Context, store Store) bool {
	m, _ := ctx.Value(txMarkKey{}).(*txMark)
	for ; m != nil; m = m.parent {
		if m.store == store && m.open.Load() {
			return true
		}
	}
	return false
}
