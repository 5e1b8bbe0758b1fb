package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// TestNestedAcrossStores opens a transaction of store b inside one of
// store a (allowed: they are different stores), and in it a transaction of
// a again: the marks of enclosing transactions are kept, so it fails with
// ErrNestedTx instead of waiting for a's lock.
func TestNestedAcrossStores(t *testing.T) {
	a, b := memstore.New(), memstore.New()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var inner error
	err := a.WithTx(ctx, func(ctx context.Context, _ storage.Tx) error {
		return b.WithTx(ctx, func(ctx context.Context, _ storage.Tx) error {
			if !storage.InTx(ctx, a) || !storage.InTx(ctx, b) {
				t.Error("InTx does not see both open transactions")
			}
			inner = a.View(ctx, func(context.Context, storage.Tx) error { return nil })
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, storage.ErrNestedTx) {
		t.Fatalf("a.View inside b's transaction inside a's = %v, want ErrNestedTx", inner)
	}
}

// TestMarkEnds checks that a context stays marked only until its
// transaction ends.
func TestMarkEnds(t *testing.T) {
	s := memstore.New()
	ctx, end := storage.MarkTx(t.Context(), s)
	if !storage.InTx(ctx, s) || storage.InTx(ctx, memstore.New()) {
		t.Fatal("InTx must report the marked store only")
	}
	end()
	if storage.InTx(ctx, s) {
		t.Fatal("InTx reports a transaction that ended")
	}
}
