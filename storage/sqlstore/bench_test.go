package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// Benchmarks run only with -bench. Dataset size: LEADPRIVACY_BENCH_ROWS
// leads and block entries (default 100000; the figures use
// 1000000; purge batch size: LEADPRIVACY_BENCH_PURGE_BATCH, default
// 10000). PostgreSQL benchmarks need LEADPRIVACY_TEST_POSTGRES_DSN.
//
//	LEADPRIVACY_BENCH_ROWS=1000000 go test -run '^$' -bench . -benchtime 1x ./storage/sqlstore
//
// Every benchmark measures a whole workload per iteration (all rows, or
// benchOps single-lead operations), so -benchtime 1x is the intended use.

func benchRows(b *testing.B) int {
	if v := os.Getenv("LEADPRIVACY_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("LEADPRIVACY_BENCH_ROWS=%q: want an integer >= 1000", v)
		}
		return n
	}
	return 100_000
}

// dialects runs fn as a sub-benchmark per dialect, with a fresh store maker.
func dialects(b *testing.B, fn func(b *testing.B, open func() *sqlstore.Store)) {
	b.Run("sqlite", func(b *testing.B) {
		fn(b, func() *sqlstore.Store { s, _ := openSQLite(b, nil); return s })
	})
	b.Run("postgres", func(b *testing.B) {
		pgtest.DSN(b)
		fn(b, func() *sqlstore.Store { return openPostgres(b, nil) })
	})
}

const benchChunk = 10_000 // rows per CreateMany call and transaction

// benchOps is the number of single-lead operations (look-ups, erases) per
// benchmark iteration, so -benchtime 1x still measures a steady state.
const benchOps = 2000

// leadSpan is the time over which the benchmark leads were created.
const leadSpan = 2 * 365 * 24 * time.Hour

// benchLead returns the i-th benchmark lead, created at created: two
// numbers (2i and 2i+1), seven fields as a lead import carries, and a
// version 7 id stamped with its creation time, as the SDK assigns.
func benchLead(w world, i int, created time.Time) lp.Lead {
	l := w.lead(number(2*i), number(2*i+1))
	l.ID = idAt(created)
	l.CreatedAt, l.LastContactAt = created, created
	s := strconv.Itoa(i)
	l.Fields = map[string]string{"name": "Person " + s, "email": "person" + s + "@example.com",
		"street": s + " Main Street", "city": "Aarhus", "zip": "8000", "segment": "b2c", "source": "webform"}
	return l
}

// fillLeads stores n leads created evenly over leadSpan up to w.now, in
// creation order (so ids ascend), in transactions of benchChunk leads.
func fillLeads(b testing.TB, s *sqlstore.Store, w world, n int) []lp.Lead {
	b.Helper()
	all := make([]lp.Lead, n)
	first := w.now.Add(-leadSpan)
	for i := range all {
		all[i] = benchLead(w, i, first.Add(time.Duration(int64(leadSpan)/int64(n)*int64(i))).Truncate(time.Microsecond))
	}
	ctx := context.Background()
	for start := 0; start < n; start += benchChunk {
		chunk := all[start:min(start+benchChunk, n)]
		if err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().CreateMany(ctx, w.org, chunk)
		}); err != nil {
			b.Fatalf("fill leads: %v", err)
		}
	}
	analyze(b, s)
	return all
}

// analyze gives the query planner the statistics it has on a database in
// use (autovacuum gathers them on PostgreSQL a minute or so after a bulk
// load; SQLite has none unless asked, and the adapter never asks).
// Without them PostgreSQL plans the purge's "id = ANY(batch)" as a scan of
// every lead of the organisation, once per batch.
func analyze(b testing.TB, s *sqlstore.Store) {
	b.Helper()
	if s.Dialect() != sqlstore.Postgres {
		return
	}
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
}

// BenchmarkBlocksCreateMany inserts n block entries into an empty store,
// benchChunk per CreateMany call, either in a transaction per call
// ("tx=10k") or all in one transaction ("tx=upload"), as a service that
// commits an upload whole runs it.
func BenchmarkBlocksCreateMany(b *testing.B) {
	n := benchRows(b)
	dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
		for _, mode := range []struct {
			name  string
			perTx int
		}{{"tx=10k", benchChunk}, {"tx=upload", n}} {
			b.Run(mode.name, func(b *testing.B) {
				var entries []lp.BlockEntry
				freshRuns(b, open, func(s *sqlstore.Store, w world) {
					entries = make([]lp.BlockEntry, n)
					for i := range entries {
						entries[i] = w.block(number(i))
					}
				}, func(s *sqlstore.Store, w world) int {
					insertBlocks(b, s, w, entries, mode.perTx)
					return n
				})
			})
		}
	})
}

// freshRuns runs one workload per iteration on a fresh store: prepare,
// untimed, then run, timed, which returns how many rows it handled. It
// reports rows/s.
func freshRuns(b *testing.B, open func() *sqlstore.Store, prepare func(s *sqlstore.Store, w world), run func(s *sqlstore.Store, w world) int) {
	var rows int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		s := open()
		w := newWorld(b, s)
		prepare(s, w)
		b.StartTimer()
		start := time.Now()
		rows += run(s, w)
		elapsed += time.Since(start)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
}

// insertBlocks stores entries with CreateMany calls of benchChunk, perTx
// entries per transaction.
func insertBlocks(b *testing.B, s *sqlstore.Store, w world, entries []lp.BlockEntry, perTx int) {
	ctx := context.Background()
	for i := 0; i < len(entries); i += perTx {
		txEntries := entries[i:min(i+perTx, len(entries))]
		if err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			for j := 0; j < len(txEntries); j += benchChunk {
				chunk := txEntries[j:min(j+benchChunk, len(txEntries))]
				got, err := tx.Blocks().CreateMany(ctx, w.org, chunk)
				if err == nil && got != len(chunk) {
					err = fmt.Errorf("inserted %d of %d", got, len(chunk))
				}
				if err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlocksFindByNumbersPrefixes looks up batches of benchOps
// numbers (half of them blocked) among n exact entries, in an
// organisation without prefix entries and in one with 1000 (of one
// length, as a list of ranges has), interleaving FindByNumbers with the
// same look-up of the numbers alone (FindExactBlocks), what it cost
// before prefix blocks. It reports both in numbers/s and their ratio.
func BenchmarkBlocksFindByNumbersPrefixes(b *testing.B) {
	n := benchRows(b)
	dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
		s := open()
		w := newWorld(b, s)
		entries := make([]lp.BlockEntry, 0, n)
		for i := range n {
			entries = append(entries, w.block(number(2*i)))
		}
		insertBlocks(b, s, w, entries, len(entries))
		ctx := context.Background()
		batch := make([]phone.Number, benchOps)
		for i := range batch {
			batch[i] = number(i)
		}
		timed := func(b *testing.B, took *time.Duration, find func(ctx context.Context, tx storage.Tx) ([]lp.BlockEntry, error)) {
			t0 := time.Now()
			err := s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
				got, err := find(ctx, tx)
				if err == nil && len(got) != benchOps/2 {
					err = fmt.Errorf("found %d entries", len(got))
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			*took += time.Since(t0)
		}
		for _, prefixes := range []int{0, 1000} {
			if prefixes > 0 { // ranges of 1000 numbers, outside the blocked ones
				ps := make([]lp.BlockEntry, prefixes)
				for i := range ps {
					ps[i] = w.block(phone.Number(fmt.Sprintf("+459%04d", i)))
					ps[i].Prefix = true
				}
				insertBlocks(b, s, w, ps, len(ps))
			}
			analyze(b, s)
			b.Run(fmt.Sprintf("prefixes=%d", prefixes), func(b *testing.B) {
				var service, exact time.Duration
				for b.Loop() {
					timed(b, &service, func(ctx context.Context, tx storage.Tx) ([]lp.BlockEntry, error) {
						return tx.Blocks().FindByNumbers(ctx, w.org, batch)
					})
					timed(b, &exact, func(ctx context.Context, tx storage.Tx) ([]lp.BlockEntry, error) {
						return sqlstore.FindExactBlocks(ctx, tx, w.org, batch)
					})
				}
				b.ReportMetric(float64(b.N*benchOps)/service.Seconds(), "numbers/s")
				b.ReportMetric(float64(b.N*benchOps)/exact.Seconds(), "exact-only-numbers/s")
				b.ReportMetric(service.Seconds()/exact.Seconds(), "x-exact-only")
			})
		}
	})
}

func BenchmarkLeadsFindByNumber(b *testing.B) {
	n := benchRows(b)
	dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
		s := open()
		w := newWorld(b, s)
		fillLeads(b, s, w, n)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		b.ResetTimer()
		for b.Loop() {
			for range benchOps {
				want := number(rng.IntN(2 * n))
				err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					got, err := tx.Leads().FindByNumbers(ctx, w.org, []phone.Number{want})
					if err == nil && len(got) != 1 {
						err = fmt.Errorf("found %d leads", len(got))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N*benchOps), "ms/lookup")
	})
}

// eraseWorkers is the number of concurrent erasers in the throughput
// half of BenchmarkEraseLeadWithEvent, as a service forgetting several
// people's data at once runs them.
const eraseWorkers = 4

// BenchmarkEraseLeadWithEvent forgets single leads durably, each with its
// ChangeLog entry in the same transaction: first one at a time (the
// latency, ms/erase, and the rate of one stream, erases/s), then
// eraseWorkers at once (parallel-erases/s). Appends of one organisation
// serialise on its counter row, so the workers share its lock, not only
// the disk.
func BenchmarkEraseLeadWithEvent(b *testing.B) {
	n := benchRows(b)
	dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
		s := open()
		w := newWorld(b, s)
		leads := fillLeads(b, s, w, n)
		ctx := context.Background()
		var next atomic.Int64
		erase := func() error {
			l := leads[int(next.Add(1)-1)%len(leads)]
			return s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				l.Phones, l.Fields, l.ForgottenAt = nil, nil, w.now
				if err := tx.Leads().Update(ctx, l); err != nil {
					return err
				}
				if _, err := tx.Contacts().EraseByLead(ctx, w.org, l.ID); err != nil {
					return err
				}
				_, err := tx.Events().Append(ctx, w.event(l.ID))
				return err
			})
		}
		var serial, parallel time.Duration
		for b.Loop() {
			start := time.Now()
			for range benchOps {
				if err := erase(); err != nil {
					b.Fatal(err)
				}
			}
			serial += time.Since(start)
			start = time.Now()
			var g errgroup
			for range eraseWorkers {
				g.Go(func() error {
					for range benchOps / eraseWorkers {
						if err := erase(); err != nil {
							return err
						}
					}
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			parallel += time.Since(start)
		}
		ops := float64(b.N * benchOps)
		b.ReportMetric(ops/serial.Seconds(), "erases/s")
		b.ReportMetric(serial.Seconds()*1000/ops, "ms/erase")
		b.ReportMetric(ops/parallel.Seconds(), "parallel-erases/s")
	})
}

// errgroup runs functions concurrently and keeps the first error.
type errgroup struct {
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

func (g *errgroup) Go(fn func() error) {
	g.wg.Go(func() {
		if err := fn(); err != nil {
			g.once.Do(func() { g.err = err })
		}
	})
}

func (g *errgroup) Wait() error { g.wg.Wait(); return g.err }

// purgeBatch returns the leads per purge transaction:
// LEADPRIVACY_BENCH_PURGE_BATCH, by default storage.MaxLimit, the widest
// page List serves. Wide batches share each commit's WAL flush, and on
// SQLite the scattered number-index pages a batch's deletes dirty, among
// more rows; narrow ones widen the gap to LIMIT/OFFSET, which rescans the
// skipped rows once per batch.
func purgeBatch(b *testing.B) int {
	if v := os.Getenv("LEADPRIVACY_BENCH_PURGE_BATCH"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > storage.MaxLimit {
			b.Fatalf("LEADPRIVACY_BENCH_PURGE_BATCH=%q: want 1..%d", v, storage.MaxLimit)
		}
		return n
	}
	return storage.MaxLimit
}

// BenchmarkPurgeExpired deletes the due half of benchRows leads (created
// more than a year ago) in batches of purgeBatch(b): keyset paging
// (Leads.ListIDs after the last id, then DeleteMany), a transaction per batch
// or per ten batches, beside naive LIMIT/OFFSET paging of the same query.
func BenchmarkPurgeExpired(b *testing.B) {
	n := benchRows(b)
	batch := purgeBatch(b)
	for _, mode := range []string{"keyset", "keyset-10-pages-per-tx", "offset"} {
		b.Run(mode, func(b *testing.B) {
			dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
				freshRuns(b, open, func(s *sqlstore.Store, w world) {
					fillLeads(b, s, w, n)
				}, func(s *sqlstore.Store, w world) int {
					filter := storage.LeadFilter{ProjectID: w.project, Basis: lp.SinceCreated, Before: w.now.Add(-leadSpan / 2)}
					switch mode {
					case "keyset":
						return purgeKeyset(b, s, w, filter, batch, 1)
					case "keyset-10-pages-per-tx":
						return purgeKeyset(b, s, w, filter, batch, 10)
					}
					return purgeOffset(b, s, w, filter, batch)
				})
			})
		})
	}
}

// purgeKeyset deletes the leads f selects, batch at a time (ListIDs after
// the last id, then DeleteMany), pagesPerTx batches per transaction.
func purgeKeyset(b *testing.B, s *sqlstore.Store, w world, f storage.LeadFilter, batch, pagesPerTx int) int {
	ctx := context.Background()
	var after uuid.UUID
	total := 0
	for done := false; !done; {
		err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			for range pagesPerTx {
				ids, err := tx.Leads().ListIDs(ctx, w.org, f, storage.Page{After: after, Limit: batch})
				if err != nil || len(ids) == 0 {
					done = true
					return err
				}
				after = ids[len(ids)-1]
				n, err := tx.Leads().DeleteMany(ctx, w.org, ids)
				total += n
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return total
}

// purgeOffset pages the due leads' ids with LIMIT/OFFSET first (deleting
// while paging by offset would skip rows), then deletes them in batches,
// so it differs from purgeKeyset only in how it pages.
func purgeOffset(b *testing.B, s *sqlstore.Store, w world, f storage.LeadFilter, batch int) int {
	ctx := context.Background()
	q := `SELECT id FROM leads WHERE org_id = ? AND project_id = ? AND created_at < ? ORDER BY id LIMIT ? OFFSET ?`
	org, project, before := any(w.org[:]), any(w.project[:]), any(f.Before.UnixMicro())
	if s.Dialect() == sqlstore.Postgres {
		q = `SELECT id FROM leads WHERE org_id = $1 AND project_id = $2 AND created_at < $3 ORDER BY id LIMIT $4 OFFSET $5`
		org, project, before = w.org.String(), w.project.String(), f.Before
	}
	var raw any
	var pages [][]uuid.UUID
	for offset := 0; ; offset += batch {
		rows, err := s.DB().QueryContext(ctx, q, org, project, before, batch, offset)
		if err != nil {
			b.Fatal(err)
		}
		var page []uuid.UUID
		for rows.Next() {
			if err := rows.Scan(&raw); err != nil {
				b.Fatal(err)
			}
			var id uuid.UUID
			switch v := raw.(type) {
			case []byte:
				copy(id[:], v)
			case string:
				id = uuid.MustParse(v)
			}
			page = append(page, id)
		}
		rows.Close()
		if len(page) == 0 {
			break
		}
		pages = append(pages, page)
	}
	total := 0
	for _, ids := range pages {
		err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			n, err := tx.Leads().DeleteMany(ctx, w.org, ids)
			total += n
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return total
}

// BenchmarkDurableCommit is the floor under BenchmarkEraseLeadWithEvent:
// the smallest durable write transaction (SQLite: BEGIN IMMEDIATE, bump
// user_version, COMMIT; PostgreSQL: BEGIN, take a transaction id, COMMIT),
// which costs one WAL flush and fsync.
func BenchmarkDurableCommit(b *testing.B) {
	dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
		s := open()
		ctx := context.Background()
		stmt := "SELECT txid_current()"
		b.ResetTimer()
		for b.Loop() {
			for i := range benchOps {
				if s.Dialect() == sqlstore.SQLite {
					stmt = "PRAGMA user_version = " + strconv.Itoa(i+1)
				}
				tx, err := s.DB().BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*benchOps)/b.Elapsed().Seconds(), "commits/s")
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N*benchOps), "ms/commit")
	})
}
