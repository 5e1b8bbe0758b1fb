package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// BenchmarkWriteIsolation measures write transactions per second on
// PostgreSQL at READ COMMITTED (the old level, which lost updates) beside
// SERIALIZABLE (WithTx's level, whose retries take lockCountersSQL), from
// 4×GOMAXPROCS goroutines at once in one organisation, for three
// workloads:
//
//   - block+event: create a block entry and append its ChangeLog event, as
//     blocklist.Block does; every transaction takes the organisation's
//     event counter.
//   - lead_spread: Get a random one of 1000 leads, change its outcome,
//     Update it (little contention).
//   - lead_hot: the same on a single lead (all contention; READ COMMITTED
//     loses most of these updates).
//
// tx/s counts committed transactions; retries/tx the serialization
// failures WithTx retried; busy/tx the transactions that failed with
// ErrBusy after Options.MaxAttempts.
//
//	go test -run '^$' -bench WriteIsolation -benchtime 3s ./storage/sqlstore
func BenchmarkWriteIsolation(b *testing.B) {
	pgtest.DSN(b)
	workloads := []struct {
		name  string
		leads int // leads to create; 0 for none
		tx    func(ctx context.Context, tx storage.Tx, w world, leads []uuid.UUID, n int) error
	}{
		{"block+event", 0, func(ctx context.Context, tx storage.Tx, w world, _ []uuid.UUID, n int) error {
			blk := w.block(number(n))
			if err := tx.Blocks().Create(ctx, blk); err != nil {
				return err
			}
			e := w.event(uuid.Nil)
			e.Action, e.ObjectID = "number.blocked", blk.ID
			_, err := tx.Events().Append(ctx, e)
			return err
		}},
		{"lead_spread", 1000, updateOutcome},
		{"lead_hot", 1, updateOutcome},
	}
	levels := []struct {
		name  string
		level sql.IsolationLevel
	}{{"read_committed", sql.LevelReadCommitted}, {"serializable", sql.LevelSerializable}}
	for _, wl := range workloads {
		for _, lv := range levels {
			b.Run(wl.name+"/"+lv.name, func(b *testing.B) {
				defer sqlstore.SetPostgresWriteIsolation(lv.level)()
				var retries retryCounter
				s := openPostgres(b, &sqlstore.Options{Logger: slog.New(&retries)})
				w := newWorld(b, s)
				ids := make([]uuid.UUID, wl.leads)
				all := make([]lp.Lead, wl.leads)
				for i := range all {
					all[i] = w.lead(number(i))
					ids[i] = all[i].ID
				}
				if len(all) > 0 {
					if err := s.WithTx(b.Context(), func(ctx context.Context, tx storage.Tx) error {
						return tx.Leads().CreateMany(ctx, w.org, all)
					}); err != nil {
						b.Fatal(err)
					}
				}
				var seq, committed, busy atomic.Int64
				seq.Store(int64(wl.leads))
				b.SetParallelism(4)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := int(seq.Add(1))
						err := s.WithTx(b.Context(), func(ctx context.Context, tx storage.Tx) error {
							return wl.tx(ctx, tx, w, ids, n)
						})
						switch {
						case err == nil:
							committed.Add(1)
						case errors.Is(err, sqlstore.ErrBusy):
							busy.Add(1)
						default:
							b.Error(err)
						}
					}
				})
				b.ReportMetric(float64(committed.Load())/b.Elapsed().Seconds(), "tx/s")
				b.ReportMetric(float64(retries.n.Load())/float64(b.N), "retries/tx")
				b.ReportMetric(float64(busy.Load())/float64(b.N), "busy/tx")
			})
		}
	}
}

// updateOutcome is a Get → modify → Update of a random lead among ids.
func updateOutcome(ctx context.Context, tx storage.Tx, w world, ids []uuid.UUID, n int) error {
	l, err := tx.Leads().Get(ctx, w.org, ids[rand.N(len(ids))])
	if err != nil {
		return err
	}
	l.Outcome = []string{"success", "not_interested", "call_back"}[n%3]
	return tx.Leads().Update(ctx, l)
}

// retryCounter is a slog.Handler counting WithTx's retries.
type retryCounter struct{ n atomic.Int64 }

func (c *retryCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *retryCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "leadprivacy: sqlstore: retrying transaction" {
		c.n.Add(1)
	}
	return nil
}
func (c *retryCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *retryCounter) WithGroup(string) slog.Handler      { return c }
