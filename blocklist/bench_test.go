package blocklist_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// benchBlocks is the number of block entries of the benchmark store:
// LEADPRIVACY_BENCH_ROWS, default 100000.
func benchBlocks(b *testing.B) int {
	if v := os.Getenv("LEADPRIVACY_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("LEADPRIVACY_BENCH_ROWS=%q: want an integer >= 1000", v)
		}
		return n
	}
	return 100_000
}

// benchNumber is the i-th number of the benchmark: +4530000000 + i.
func benchNumber(i int) phone.Number { return phone.Number("+453" + fmt.Sprintf("%07d", i)) }

// BenchmarkCheckOne measures the dial-time check of one number on a warm
// store of LEADPRIVACY_BENCH_ROWS org-wide blocks (half of the numbers
// asked about are blocked), side by side with the storage primitive it
// calls (Blocks.FindByNumbers in a View) and one bare indexed SELECT of
// the number's block rows on the same database: the least any check
// costs. Both report p50 and p99 latencies.
//
//	go test -run '^$' -bench CheckOne -benchtime 2000x ./blocklist
func BenchmarkCheckOne(b *testing.B) {
	for _, k := range storeKinds[1:] { // the SQL stores: memstore has no SELECT to compare with
		b.Run(k.name, func(b *testing.B) {
			s := k.open(b, filepath.Join(b.TempDir(), "lp.db"))
			b.Cleanup(func() { s.Close() })
			f := newFixture(b, s)
			svc := blocklist.New(s, f.log, &blocklist.Options{Keys: f.keys})
			n := benchBlocks(b)
			for startAt := 0; startAt < n; startAt += 10_000 {
				entries := make([]lp.BlockEntry, 0, 10_000)
				for i := startAt; i < min(n, startAt+10_000); i++ {
					entries = append(entries, lp.BlockEntry{OrgID: f.org.ID, ID: uuid.New(), Number: benchNumber(2 * i),
						BlockedBy: f.alice.UserID, BlockedAt: start, Reason: "bench", Source: lp.SourceUpload})
				}
				f.tx(func(tx storage.Tx) error {
					_, err := tx.Blocks().CreateMany(f.ctx, f.org.ID, entries)
					return err
				})
			}
			db := s.(*sqlstore.Store).DB()
			// INDEXED BY: without it SQLite scans the organisation's
			// primary-key range instead of the (org_id, number) index.
			query := `SELECT project_id, expires_at FROM blocks INDEXED BY blocks_number WHERE org_id = ? AND number = ?`
			org := any(f.org.ID[:])
			if k.name == "postgres" {
				query = `SELECT project_id, expires_at FROM blocks WHERE org_id = $1 AND number = $2`
				org = f.org.ID.String()
			}
			stmt, err := db.PrepareContext(f.ctx, query)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			rng := rand.New(rand.NewPCG(1, 2))

			b.Run("service", func(b *testing.B) {
				latencies(b, func() {
					res, err := svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: []string{string(benchNumber(rng.IntN(2 * n)))}})
					if err != nil || len(res.Verdicts) != 1 {
						b.Fatal(err)
					}
				})
			})
			b.Run("store-FindByNumbers", func(b *testing.B) {
				latencies(b, func() {
					err := s.View(f.ctx, func(ctx context.Context, tx storage.Tx) error {
						_, err := tx.Blocks().FindByNumbers(ctx, f.org.ID, []phone.Number{benchNumber(rng.IntN(2 * n))})
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("bare-select", func(b *testing.B) {
				latencies(b, func() {
					rows, err := stmt.QueryContext(f.ctx, org, string(benchNumber(rng.IntN(2*n))))
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						var project any
						var expires sql.NullInt64
						if k.name == "postgres" {
							var at sql.NullTime
							err = rows.Scan(&project, &at)
						} else {
							err = rows.Scan(&project, &expires)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					if err := rows.Close(); err != nil {
						b.Fatal(err)
					}
				})
			})
		})
	}
}

// latencies runs op b.N times and reports its p50 and p99 latency.
func latencies(b *testing.B, op func()) {
	var took []time.Duration
	for b.Loop() {
		t0 := time.Now()
		op()
		took = append(took, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds())/1e3, "p99-µs")
}
