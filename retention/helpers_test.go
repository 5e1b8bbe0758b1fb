package retention_test

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/storage"
)

func isNotFound(err error) bool { return errors.Is(err, lp.ErrNotFound) }

// blocklistRequest blocks a number organisation-wide until expires.
func blocklistRequest(expires time.Time) blocklist.BlockRequest {
	return blocklist.BlockRequest{Number: "+4570707070", Reason: "customer_request", ExpiresAt: expires}
}

// uuidFor returns a readable id for examples.
func uuidFor(n byte) uuid.UUID { return uuid.UUID{15: n} }

// setUpOrg stores an organisation and its user for examples.
func setUpOrg(ctx context.Context, store storage.Store, org lp.Organisation, user lp.Actor) {
	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, org); err != nil {
			return err
		}
		return tx.Users().Create(ctx, lp.User{OrgID: org.ID, ID: user.UserID, Name: "Retention", Role: lp.RoleAdmin})
	})
	if err != nil {
		panic(err)
	}
}
