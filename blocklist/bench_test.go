package blocklist_test

import (
	"bytes"
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
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// The benchmarks' sizes default to small ones that run in seconds; the
// issue's sizes (1M blocks, 100k leads, 1M uploaded numbers) are
//
//	LEADPRIVACY_BENCH_ROWS=1000000 LEADPRIVACY_BENCH_LEADS=100000 LEADPRIVACY_BENCH_UPLOAD=1000000

// benchBlocks is the number of block entries of the benchmark store:
// LEADPRIVACY_BENCH_ROWS, default 100000.
func benchBlocks(b *testing.B) int { return benchSize(b, "LEADPRIVACY_BENCH_ROWS", 100_000) }

// benchSize reads a size from the environment variable name, or returns
// def if it is unset.
func benchSize(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1000 {
		b.Fatalf("%s=%q: want an integer >= 1000", name, v)
	}
	return n
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
	for _, k := range servicetest.Kinds[1:] { // the SQL stores: memstore has no SELECT to compare with
		b.Run(k.Name, func(b *testing.B) {
			s := k.Open(b, filepath.Join(b.TempDir(), "lp.db"))
			b.Cleanup(func() { s.Close() })
			f := newFixture(b, s)
			svc := blocklist.New(s, f.log, nil)
			n := benchBlocks(b)
			fillBlocks(f, n)
			stmt, org := bareSelect(b, k.Name, s, f)
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
				latencies(b, func() { selectBlocks(b, stmt, org, benchNumber(rng.IntN(2*n))) })
			})
		})
	}
}

// fillBlocks stores n org-wide blocks of the even benchmark numbers,
// 50000 per transaction: a million take seconds, not minutes.
func fillBlocks(f *fixture, n int) {
	const perTx = 50_000
	for startAt := 0; startAt < n; startAt += perTx {
		entries := make([]lp.BlockEntry, 0, perTx)
		for i := startAt; i < min(n, startAt+perTx); i++ {
			entries = append(entries, lp.BlockEntry{OrgID: f.org.ID, ID: uuid.New(), Number: benchNumber(2 * i),
				BlockedBy: f.alice.UserID, BlockedAt: start, Reason: "bench", Source: lp.SourceUpload})
		}
		f.tx(func(tx storage.Tx) error {
			_, err := tx.Blocks().CreateMany(f.ctx, f.org.ID, entries)
			return err
		})
	}
}

// bareSelect prepares the least a look-up of one number's blocks costs:
// one statement on the (org_id, number) index, outside any transaction.
// INDEXED BY: without it SQLite scans the organisation's primary-key range.
func bareSelect(b *testing.B, kind string, s storage.Store, f *fixture) (*sql.Stmt, any) {
	query := `SELECT project_id, expires_at FROM blocks INDEXED BY blocks_number WHERE org_id = ? AND number = ?`
	org := any(f.org.ID[:])
	if kind == "postgres" {
		query = `SELECT project_id, expires_at FROM blocks WHERE org_id = $1 AND number = $2`
		org = f.org.ID.String()
	}
	stmt, err := s.(*sqlstore.Store).DB().PrepareContext(f.ctx, query)
	if err != nil {
		b.Fatal(err)
	}
	return stmt, org
}

// selectBlocks runs the bare select for n and reads its rows.
func selectBlocks(b *testing.B, stmt *sql.Stmt, org any, n phone.Number) {
	rows, err := stmt.Query(org, string(n))
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var project, expires any
		if err := rows.Scan(&project, &expires); err != nil {
			b.Fatal(err)
		}
	}
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCheckImport checks LEADPRIVACY_BENCH_LEADS leads (default
// 10000, one number each, half of them blocked) against
// LEADPRIVACY_BENCH_ROWS blocks, side by side: the service (batches of
// DefaultBatchSize), the storage batch primitive alone
// (Blocks.FindByNumbers and Suppressions.Find per batch, in a View), and
// the naive dialler's one bare indexed SELECT per lead. It reports leads/s.
//
//	go test -run '^$' -bench CheckImport -benchtime 1x ./blocklist
func BenchmarkCheckImport(b *testing.B) {
	leads := benchLeads(b)
	for _, k := range servicetest.Kinds[1:] {
		b.Run(k.Name, func(b *testing.B) {
			s := k.Open(b, filepath.Join(b.TempDir(), "lp.db"))
			b.Cleanup(func() { s.Close() })
			f := newFixture(b, s)
			svc := blocklist.New(s, f.log, nil)
			n := benchBlocks(b)
			fillBlocks(f, n)
			numbers := make([]phone.Number, leads)
			for i := range numbers {
				numbers[i] = benchNumber(i % (2 * n))
			}
			perSecond := func(b *testing.B, run func()) {
				for b.Loop() {
					run()
				}
				b.ReportMetric(float64(leads*b.N)/b.Elapsed().Seconds(), "leads/s")
			}
			fp, err := phone.NewFingerprinter(f.keys[f.org.ID])
			if err != nil {
				b.Fatal(err)
			}
			// primitive looks the leads up batch by batch as the service
			// does; with event it then records the one import.checked
			// event the service records. On SQLite that write makes every
			// reader's next transaction drop its page cache.
			primitive := func(event bool) func() {
				return func() {
					for lo := 0; lo < leads; lo += blocklist.DefaultBatchSize {
						batch := numbers[lo:min(leads, lo+blocklist.DefaultBatchSize)]
						fps := make([]phone.Fingerprint, len(batch))
						for i, n := range batch {
							fps[i] = fp.Fingerprint(n)
						}
						err := s.View(f.ctx, func(ctx context.Context, tx storage.Tx) error {
							if _, err := tx.Blocks().FindByNumbers(ctx, f.org.ID, batch); err != nil {
								return err
							}
							_, err := tx.Suppressions().Find(ctx, f.org.ID, fps)
							return err
						})
						if err != nil {
							b.Fatal(err)
						}
					}
					if event {
						f.tx(func(tx storage.Tx) error {
							_, err := f.log.Record(f.ctx, tx, f.dialer, audit.Entry{Action: audit.ActionImportChecked, ProjectID: f.energy.ID,
								Details: []audit.Detail{audit.Count(audit.KeyChecked, leads)}})
							return err
						})
					}
				}
			}
			primitive(false)() // warm every reader's cache: the first sub-benchmark pays no more than the others
			b.Run("service", func(b *testing.B) {
				perSecond(b, func() {
					seq := func(yield func(csvimport.LeadDraft, error) bool) {
						for _, n := range numbers {
							if !yield(csvimport.LeadDraft{Phones: []phone.Number{n}}, nil) {
								return
							}
						}
					}
					res, err := svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: seq})
					if err != nil || res.Checked != leads {
						b.Fatal(res, err)
					}
				})
			})
			b.Run("store-batch-primitive", func(b *testing.B) { perSecond(b, primitive(false)) })
			b.Run("store-batch-primitive+event", func(b *testing.B) { perSecond(b, primitive(true)) })
			stmt, org := bareSelect(b, k.Name, s, f)
			defer stmt.Close()
			b.Run("select-per-lead", func(b *testing.B) {
				perSecond(b, func() {
					for _, n := range numbers {
						selectBlocks(b, stmt, org, n)
					}
				})
			})
		})
	}
}

// benchLeads is how many leads the import benchmarks read:
// LEADPRIVACY_BENCH_LEADS, default 10000.
func benchLeads(b *testing.B) int { return benchSize(b, "LEADPRIVACY_BENCH_LEADS", 10_000) }

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

// BenchmarkUpload uploads LEADPRIVACY_BENCH_UPLOAD numbers (default 10000,
// one a line, org-wide) side by side with Blocks.CreateMany alone in
// transactions of DefaultBatchSize entries, as the service commits them:
// "new" numbers nobody blocked yet, then "already" the same numbers again,
// all already blocked. It reports rows/s.
//
//	go test -run '^$' -bench Upload -benchtime 1x ./blocklist
func BenchmarkUpload(b *testing.B) {
	rows := benchSize(b, "LEADPRIVACY_BENCH_UPLOAD", 10_000)
	for _, k := range servicetest.Kinds[1:] {
		b.Run(k.Name, func(b *testing.B) {
			s := k.Open(b, filepath.Join(b.TempDir(), "lp.db"))
			b.Cleanup(func() { s.Close() })
			f := newFixture(b, s)
			svc := blocklist.New(s, f.log, nil)
			next := 0 // first number of the next fresh range
			fresh := func() int { next += rows; return next - rows }
			perSecond := func(b *testing.B, from func() int, run func(from int)) {
				for b.Loop() {
					b.StopTimer()
					lo := from()
					b.StartTimer()
					run(lo)
				}
				b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
			}
			var last int // the range the service uploaded last
			upload := func(want func(blocklist.UploadResult) bool) func(int) {
				return func(lo int) {
					b.StopTimer()
					var file bytes.Buffer
					for i := lo; i < lo+rows; i++ {
						file.WriteString(string(uploadNumber(i)) + "\n")
					}
					b.StartTimer()
					res, err := svc.Upload(f.ctx, f.alice, blocklist.UploadRequest{File: &file, Reason: "dnc_list"})
					if err != nil || res.Rows != rows || !want(res) {
						b.Fatal(res, err)
					}
					last = lo
				}
			}
			createMany := func(want func(inserted, of int) bool) func(int) {
				return func(lo int) {
					for at := lo; at < lo+rows; at += blocklist.DefaultBatchSize {
						entries := make([]lp.BlockEntry, 0, blocklist.DefaultBatchSize)
						for i := at; i < min(lo+rows, at+blocklist.DefaultBatchSize); i++ {
							entries = append(entries, lp.BlockEntry{OrgID: f.org.ID, ID: uuid.Must(uuid.NewV7()), Number: uploadNumber(i),
								BlockedBy: f.alice.UserID, BlockedAt: start, Reason: "dnc_list", Source: lp.SourceUpload})
						}
						f.tx(func(tx storage.Tx) error {
							n, err := tx.Blocks().CreateMany(f.ctx, f.org.ID, entries)
							if err == nil && !want(n, len(entries)) {
								b.Fatalf("CreateMany inserted %d of %d", n, len(entries))
							}
							return err
						})
					}
				}
			}
			again := func() int { return last }
			b.Run("new/service", func(b *testing.B) {
				perSecond(b, fresh, upload(func(r blocklist.UploadResult) bool { return r.Blocked == rows }))
			})
			b.Run("new/store-CreateMany", func(b *testing.B) {
				perSecond(b, fresh, createMany(func(n, of int) bool { return n == of }))
			})
			b.Run("already/service", func(b *testing.B) {
				perSecond(b, again, upload(func(r blocklist.UploadResult) bool { return r.AlreadyBlocked == rows }))
			})
			b.Run("already/store-CreateMany", func(b *testing.B) {
				perSecond(b, again, createMany(func(n, _ int) bool { return n == 0 }))
			})
		})
	}
}

// uploadNumber is the i-th number of the upload benchmark, +4540000000 + i:
// apart from the numbers of the other benchmarks.
func uploadNumber(i int) phone.Number { return phone.Number("+45" + strconv.Itoa(40_000_000+i)) }
