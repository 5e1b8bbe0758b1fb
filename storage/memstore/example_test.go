package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// A change and its ChangeLog event commit together; an error rolls back both.
func ExampleStore_WithTx() {
	ctx := context.Background()
	store := memstore.New()
	org := uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	alice := uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, lp.Organisation{ID: org, Name: "Nordic Sales ApS", DefaultRegion: "DK"}); err != nil {
			return err
		}
		block := lp.BlockEntry{OrgID: org, ID: uuid.New(), Number: "+4520123456", BlockedBy: alice, BlockedAt: now, Reason: "customer_request", Source: lp.SourceManual}
		if err := tx.Blocks().Create(ctx, block); err != nil {
			return err
		}
		seq, err := tx.Events().Append(ctx, lp.Event{OrgID: org, Time: now, ActorID: alice, Action: "block.created", ObjectID: block.ID})
		fmt.Println("event seq:", seq)
		return err
	})
	fmt.Println("first tx:", err)

	errOops := errors.New("oops")
	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if _, err := tx.Events().Append(ctx, lp.Event{OrgID: org, Time: now, ActorID: alice, Action: "block.deleted"}); err != nil {
			return err
		}
		return errOops // rolls the append back
	})
	fmt.Println("second tx:", err)

	_ = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Events().Count(ctx, org)
		fmt.Println("events:", n)
		return err
	})
	// Output:
	// event seq: 0
	// first tx: <nil>
	// second tx: oops
	// events: 1
}
