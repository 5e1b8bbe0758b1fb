package blocklist_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// BenchmarkList lists the first page (100 rows) of LEADPRIVACY_BENCH_ROWS
// org-wide blocks, p50 and p99 latencies side by side: the service with
// its total, for every entry and for a number prefix matching 500 of
// them, and the storage calls alone (Blocks.List and Blocks.Count in a
// View). On SQLite it also runs the prefix page as bare SELECTs, on the
// number index (INDEXED BY, as sqlstore does) and as SQLite plans it
// without (the organisation's primary key), to show what the index is for.
//
//	go test -run '^$' -bench 'List$' -benchtime 200x ./blocklist
func BenchmarkList(b *testing.B) {
	const prefix = "+4530001" // benchNumber(1000) to benchNumber(1999): 500 even ones
	for _, k := range servicetest.Kinds[1:] {
		b.Run(k.Name, func(b *testing.B) {
			s := k.Open(b, filepath.Join(b.TempDir(), "lp.db"))
			b.Cleanup(func() { s.Close() })
			f := newFixture(b, s)
			svc := blocklist.New(s, f.log, nil)
			n := benchBlocks(b)
			fillBlocks(f, n)
			analyze(b, k.Name, s)
			for _, c := range []struct {
				name  string
				req   blocklist.ListRequest
				total int
			}{{"all", blocklist.ListRequest{}, n}, {"prefix", blocklist.ListRequest{NumberPrefix: prefix}, 500}} {
				b.Run("service-"+c.name, func(b *testing.B) {
					latencies(b, func() {
						res, err := svc.List(f.ctx, f.alice, c.req)
						if err != nil || res.Total != c.total || len(res.Rows) != storage.DefaultLimit {
							b.Fatal(res.Total, err)
						}
					})
				})
				b.Run("store-List-Count-"+c.name, func(b *testing.B) {
					filter := storage.BlockFilter{NumberPrefix: c.req.NumberPrefix}
					latencies(b, func() {
						err := s.View(f.ctx, func(ctx context.Context, tx storage.Tx) error {
							if _, err := tx.Blocks().List(ctx, f.org.ID, filter, storage.Page{}); err != nil {
								return err
							}
							_, err := tx.Blocks().Count(ctx, f.org.ID, filter)
							return err
						})
						if err != nil {
							b.Fatal(err)
						}
					})
				})
			}
			if k.Name != "sqlite" {
				return
			}
			for name, hint := range map[string]string{"select-prefix-number-index": "INDEXED BY blocks_number", "select-prefix-primary-key": ""} {
				b.Run(name, func(b *testing.B) {
					stmt, err := s.(*sqlstore.Store).DB().PrepareContext(f.ctx, `SELECT id, number FROM blocks `+hint+`
						WHERE org_id = ? AND number >= ? AND number < ? AND id > ? ORDER BY id LIMIT 100`)
					if err != nil {
						b.Fatal(err)
					}
					defer stmt.Close()
					latencies(b, func() {
						rows, err := stmt.Query(f.org.ID[:], prefix, "+4530002", uuid.Nil[:])
						if err != nil {
							b.Fatal(err)
						}
						for rows.Next() {
						}
						if err := rows.Close(); err != nil {
							b.Fatal(err)
						}
					})
				})
			}
		})
	}
}

// BenchmarkSweep sweeps 10,000 expired entries from among
// LEADPRIVACY_BENCH_ROWS active ones, in transactions of DefaultBatchSize,
// side by side with Sweep as it was before Blocks.DeleteMany (each batch
// listed from the start of the list, deleted entry by entry) and with the
// storage calls alone (keyset List and DeleteMany, no events). It reports
// entries/s.
//
//	go test -run '^$' -bench Sweep -benchtime 2x ./blocklist
func BenchmarkSweep(b *testing.B) {
	const n = 10_000
	for _, k := range servicetest.Kinds[1:] {
		b.Run(k.Name, func(b *testing.B) {
			s := k.Open(b, filepath.Join(b.TempDir(), "lp.db"))
			b.Cleanup(func() { s.Close() })
			f := newFixture(b, s)
			svc := blocklist.New(s, f.log, &blocklist.Options{Now: f.clock.Now})
			fillBlocks(f, benchBlocks(b)) // the even numbers
			// expire stores n entries, of odd numbers, that expired before
			// the fixture's clock.
			expire := func(b *testing.B) {
				b.StopTimer()
				defer b.StartTimer()
				entries := make([]lp.BlockEntry, n)
				for i := range entries {
					entries[i] = lp.BlockEntry{OrgID: f.org.ID, ID: uuid.New(), Number: benchNumber(2*i + 1),
						BlockedBy: f.alice.UserID, BlockedAt: start.Add(-2 * time.Hour), ExpiresAt: start.Add(-time.Hour),
						Reason: "bench", Source: lp.SourceUpload}
				}
				f.tx(func(tx storage.Tx) error {
					_, err := tx.Blocks().CreateMany(f.ctx, f.org.ID, entries)
					return err
				})
				analyze(b, k.Name, s)
			}
			perSecond := func(b *testing.B, sweep func(b *testing.B)) {
				for b.Loop() {
					expire(b)
					sweep(b)
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
			}
			// batches runs tx on every batch of expired entries until one
			// is short; keyset lists each batch after the last.
			batches := func(b *testing.B, keyset bool, tx func(ctx context.Context, tx storage.Tx, batch []lp.BlockEntry) error) {
				var after uuid.UUID
				for size := blocklist.DefaultBatchSize; size == blocklist.DefaultBatchSize; {
					err := s.WithTx(f.ctx, func(ctx context.Context, t storage.Tx) error {
						page := storage.Page{Limit: blocklist.DefaultBatchSize}
						if keyset {
							page.After = after
						}
						batch, err := t.Blocks().List(ctx, f.org.ID, storage.BlockFilter{ExpiredAt: start}, page)
						if err != nil || len(batch) == 0 {
							size = 0
							return err
						}
						size, after = len(batch), batch[len(batch)-1].ID
						return tx(ctx, t, batch)
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			// The first 10,000 events of a fresh PostgreSQL schema record
			// about 4x slower than the next (seen at 270 against 1000
			// entries/s): one untimed sweep first, so that no side pays it.
			sweep := func(b *testing.B) {
				if res, err := svc.Sweep(f.ctx, f.alice, blocklist.SweepRequest{}); err != nil || res.Removed != n {
					b.Fatal(res, err)
				}
			}
			expire(b)
			sweep(b)
			b.Run("service", func(b *testing.B) { perSecond(b, sweep) })
			b.Run("before-DeleteMany", func(b *testing.B) {
				perSecond(b, func(b *testing.B) {
					batches(b, false, func(ctx context.Context, tx storage.Tx, batch []lp.BlockEntry) error {
						for _, e := range batch {
							if err := tx.Blocks().Delete(ctx, f.org.ID, e.ID); err != nil {
								return err
							}
							if _, err := f.log.Record(ctx, tx, f.alice, audit.Entry{Action: audit.ActionBlockExpired, ObjectID: e.ID, Number: e.Number}); err != nil {
								return err
							}
						}
						return nil
					})
				})
			})
			b.Run("store-DeleteMany-alone", func(b *testing.B) {
				perSecond(b, func(b *testing.B) {
					batches(b, true, func(ctx context.Context, tx storage.Tx, batch []lp.BlockEntry) error {
						ids := make([]uuid.UUID, len(batch))
						for i, e := range batch {
							ids[i] = e.ID
						}
						_, err := tx.Blocks().DeleteMany(ctx, f.org.ID, ids)
						return err
					})
				})
			})
		})
	}
}

// analyze has PostgreSQL gather the statistics that autovacuum keeps on a
// live database, so that the plans measured are those of a live one.
// SQLite is left without statistics, as sqlstore runs it.
func analyze(b *testing.B, kind string, s storage.Store) {
	if kind != "postgres" {
		return
	}
	if _, err := s.(*sqlstore.Store).DB().Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
