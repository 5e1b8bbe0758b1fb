package lperr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
)

func TestWrap(t *testing.T) {
	inner := fmt.Errorf("%w: sqlstore: events.range", lp.ErrNotFound) // "leadprivacy: not found: ..."
	for _, c := range []struct {
		err  error
		want string
	}{
		{lperr.Wrap("audit: verify", inner), "leadprivacy: audit: verify: not found: sqlstore: events.range"},
		{lperr.Wrap("blocklist: Check", lperr.Wrap("audit: verify", inner)), "leadprivacy: blocklist: Check: audit: verify: not found: sqlstore: events.range"},
		{lperr.Wrap("audit: query", context.Canceled), "leadprivacy: audit: query: context canceled"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("message %q, want %q", got, c.want)
		}
	}
	if err := lperr.Wrap("audit: verify", inner); !errors.Is(err, lp.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
	}
	if lperr.Wrap("audit", nil) != nil {
		t.Error("Wrap of nil is not nil")
	}
}
