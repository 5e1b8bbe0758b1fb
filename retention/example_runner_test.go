package retention_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/retention"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// stopAfterPurge is a log handler that prints the Runner's lines without
// ids and stops the example once the first purge is logged.
type stopAfterPurge struct {
	slog.Handler
	stop context.CancelFunc
}

func (h stopAfterPurge) Enabled(context.Context, slog.Level) bool { return true }

func (h stopAfterPurge) Handle(_ context.Context, r slog.Record) error {
	fmt.Println(r.Message)
	h.stop()
	return nil
}

// The host runs retention in its errgroup as a system actor; every process
// may, the store lease lets one purge at a time.
func ExampleRunner() {
	store := memstore.New()
	org := lp.Organisation{ID: uuidFor(1), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: start}
	system := lp.Actor{OrgID: org.ID, UserID: uuidFor(2), Permissions: lp.PermManageRetention}
	ctx, stop := context.WithCancel(context.Background())
	setUpOrg(ctx, store, org, system)
	changelog := audit.New(store, lp.StaticKeys{org.ID: []byte("a 32-byte secret from your vault")}, nil, nil)
	logger := slog.New(stopAfterPurge{slog.DiscardHandler, stop})
	svc := retention.New(store, changelog, privacy.New(store, changelog, nil), &retention.Options{Logger: logger})

	runner := retention.NewRunner(svc, system, retention.RunnerOptions{Interval: time.Hour, Jitter: 5 * time.Minute})
	err := runner.Run(ctx) // returns once ctx ends
	fmt.Println("Run returned", err)
	// Output:
	// retention: purge done
	// Run returned <nil>
}
