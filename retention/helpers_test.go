package retention_test

import (
	"errors"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/blocklist"
)

func isNotFound(err error) bool { return errors.Is(err, lp.ErrNotFound) }

// blocklistRequest blocks a number organisation-wide until expires.
func blocklistRequest(expires time.Time) blocklist.BlockRequest {
	return blocklist.BlockRequest{Number: "+4570707070", Reason: "customer_request", ExpiresAt: expires}
}
