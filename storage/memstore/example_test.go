package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// A change and its ChangeLog event commit together; an error rolls back both.
func ExampleStore_WithTx() {
	ctx := context.Background()
	store := memstore.New()
	org := uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	alice := lp.Actor{OrgID: org, UserID: uuid.MustParse("00000000-0000-0000-0000-0000000000b1"), Permissions: lp.PermAll}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	changelog := audit.New(store, lp.StaticKeys{org: []byte("an example key of 32 bytes or more")}, nil, nil)
	block := lp.BlockEntry{OrgID: org, ID: uuid.New(), Number: "+4520123456", BlockedBy: alice.UserID, BlockedAt: now, Reason: "customer_request", Source: lp.SourceManual}

	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, lp.Organisation{ID: org, Name: "Nordic Sales ApS", DefaultRegion: "DK"}); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, lp.User{OrgID: org, ID: alice.UserID, Name: "Alice", Role: lp.RoleAdmin}); err != nil {
			return err
		}
		if err := tx.Blocks().Create(ctx, block); err != nil {
			return err
		}
		ev, err := changelog.Record(ctx, tx, alice, audit.Entry{Action: audit.ActionBlockCreated, ObjectID: block.ID, Number: block.Number})
		fmt.Println("event seq:", ev.Seq)
		return err
	})
	fmt.Println("first tx:", err)

	errOops := errors.New("oops")
	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Blocks().Delete(ctx, org, block.ID); err != nil {
			return err
		}
		if _, err := changelog.Record(ctx, tx, alice, audit.Entry{Action: audit.ActionBlockRemoved, ObjectID: block.ID, Number: block.Number}); err != nil {
			return err
		}
		return errOops // rolls back the unblock and its event
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
