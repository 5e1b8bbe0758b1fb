package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// TestNestedCallsFailAtOnce calls, inside a transaction of the store and
// with its ctx, every audit call that opens a transaction of its own: each
// must fail at once with storage.ErrNestedTx on every adapter, also when
// the actor is permitted (so the mistake shows in every test), and a
// denied actor is still refused.
func TestNestedCallsFailAtOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		cp := f.checkpoint()
		calls := []struct {
			name string
			call func(ctx context.Context) error
		}{
			{"Authorize permitted", func(ctx context.Context) error {
				return f.log.Authorize(ctx, f.admin, lp.PermForget, audit.ActionLeadForgotten)
			}},
			{"Authorize denied", func(ctx context.Context) error {
				err := f.log.Authorize(ctx, f.agent, lp.PermForget, audit.ActionLeadForgotten)
				if !errors.Is(err, lp.ErrForbidden) {
					t.Errorf("nested Authorize of a denied actor = %v, want ErrForbidden too", err)
				}
				return err
			}},
			{"Query", func(ctx context.Context) error { _, err := f.log.Query(ctx, f.admin, audit.Query{}); return err }},
			{"Checkpoint", func(ctx context.Context) error { _, err := f.log.Checkpoint(ctx, f.admin); return err }},
			{"Prove", func(ctx context.Context) error { _, err := f.log.Prove(ctx, f.admin, 0, 1); return err }},
			{"Verify", func(ctx context.Context) error {
				_, err := audit.Verify(ctx, f.store, f.org.ID, cp, f.verifier)
				return err
			}},
		}
		before := len(f.events())
		for _, c := range calls {
			ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
			start := time.Now()
			var got error
			err := f.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				got = c.call(ctx)
				return nil
			})
			cancel()
			if err != nil {
				t.Fatalf("%s: outer transaction: %v", c.name, err)
			}
			if !errors.Is(got, storage.ErrNestedTx) {
				t.Errorf("%s inside a transaction = %v, want ErrNestedTx", c.name, got)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("%s inside a transaction took %v, want at once", c.name, d)
			}
		}
		if n := len(f.events()); n != before {
			t.Errorf("nested calls recorded %d events", n-before)
		}
	})
}

// TestDenialSurvivesHostRollback is the path of a host running the SDK in
// its own database transaction (Attach): it authorizes before beginning
// the transaction, so the denial commits on its own and survives the
// host's rollback; and a misplaced Authorize inside the transaction, whose
// ctx the host marked with storage.MarkTx, fails at once instead of
// waiting for the host's transaction (SQLite has one writer).
func TestDenialSurvivesHostRollback(t *testing.T) {
	for _, k := range storeKinds[1:] { // the SQL adapters: Attach
		t.Run(k.name, func(t *testing.T) {
			store := k.open(t, t.TempDir())
			t.Cleanup(func() { store.Close() })
			s := store.(*sqlstore.Store)
			f := newFixture(t, s)
			before := len(f.events())

			if err := f.log.Authorize(f.ctx, f.agent, lp.PermForget, audit.ActionLeadForgotten); !errors.Is(err, lp.ErrForbidden) {
				t.Fatalf("Authorize = %v, want ErrForbidden", err)
			}
			hostTx, err := s.DB().BeginTx(f.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, end := storage.MarkTx(f.ctx, s)
			tx := s.Attach(hostTx)
			if _, err := f.log.Record(ctx, tx, f.admin, audit.Entry{Action: audit.ActionLeadViewed}); err != nil {
				t.Fatal(err)
			}
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			start := time.Now()
			err = f.log.Authorize(tctx, f.agent, lp.PermForget, audit.ActionLeadForgotten)
			cancel()
			if !errors.Is(err, storage.ErrNestedTx) || time.Since(start) > time.Second {
				t.Errorf("Authorize inside the host's marked transaction = %v after %v, want ErrNestedTx at once", err, time.Since(start))
			}
			end()
			if err := hostTx.Rollback(); err != nil {
				t.Fatal(err)
			}

			evs := f.events()
			if len(evs) != before+1 || evs[before].Action != audit.ActionAccessDenied || evs[before].ActorID != f.agent.UserID {
				t.Fatalf("log after the host's rollback holds %d new events, want the one denial", len(evs)-before)
			}
		})
	}
}
