package audit_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// benchEvents is the log size of the Verify and query benchmarks:
// LEADPRIVACY_BENCH_EVENTS, default 100,000 (the targets are for 1M).
func benchEvents(b *testing.B) int {
	if s := os.Getenv("LEADPRIVACY_BENCH_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("LEADPRIVACY_BENCH_EVENTS=%q is not a positive number", s)
		}
		return n
	}
	return 100_000
}

// benchNumber is the i-th of the distinct numbers of a log of n events:
// each number has about 10 events.
func benchNumber(i, n int) phone.Number {
	return phone.Number(fmt.Sprintf("+452%07d", i%max(n/10, 1)))
}

// filledLog is a log of n events about benchNumber numbers.
type filledLog struct {
	f  *fixture
	cp []byte
}

// filled caches one filled log per adapter, shared by the benchmarks.
var filled = map[string]filledLog{}

func fillLog(b *testing.B, kind string, open func(testing.TB) storage.Store, n int) filledLog {
	key := kind + "/" + strconv.Itoa(n)
	if l, ok := filled[key]; ok {
		return l
	}
	f := newFixture(b, open(b))
	f.t = nil // the fixture outlives b; fill reports through b
	start := time.Now()
	for done := 0; done < n; {
		err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			for k := done; k < min(done+1000, n); k++ {
				e := audit.Entry{Action: audit.ActionNumberSearched, LeadID: uuid.New(), Number: benchNumber(k, n),
					Details: []audit.Detail{audit.Count(audit.KeyMatched, k%3)}}
				if _, err := f.log.Record(ctx, tx, f.admin, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done = min(done+1000, n)
	}
	cp, err := f.log.Checkpoint(f.ctx, f.admin)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: recorded %d events in %v", kind, n, time.Since(start).Round(time.Millisecond))
	filled[key] = filledLog{f, cp}
	return filled[key]
}

// benchDir holds the SQLite files of the filled logs; TestMain removes it.
var benchDir string

// TestMain says when the PostgreSQL tests will skip, and closes the stores
// the benchmarks shared and removes their files.
func TestMain(m *testing.M) {
	pgtest.Notice("audit")
	code := m.Run()
	for _, l := range filled {
		l.f.store.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchStores runs fn on every adapter. The stores live until TestMain
// closes them, because benchmarks share them.
func benchStores(b *testing.B, fn func(b *testing.B, kind string, open func(testing.TB) storage.Store)) {
	for _, k := range storeKinds {
		b.Run(k.name, func(b *testing.B) {
			fn(b, k.name, func(tb testing.TB) storage.Store {
				if benchDir == "" {
					dir, err := os.MkdirTemp("", "audit-bench-")
					if err != nil {
						tb.Fatal(err)
					}
					benchDir = dir
				}
				dir, err := os.MkdirTemp(benchDir, k.name+"-")
				if err != nil {
					tb.Fatal(err)
				}
				return k.open(tb, dir)
			})
		})
	}
}

// BenchmarkVerify re-reads and re-hashes a whole log against its
// checkpoint (target: 1M events in ≤ 2 s).
func BenchmarkVerify(b *testing.B) {
	n := benchEvents(b)
	benchStores(b, func(b *testing.B, kind string, open func(testing.TB) storage.Store) {
		l := fillLog(b, kind, open, n)
		// One page reader is the baseline of the default two.
		for _, readers := range []int{1, 2} {
			b.Run(fmt.Sprintf("readers=%d", readers), func(b *testing.B) {
				defer audit.SetVerifyReaders(readers)()
				for b.Loop() {
					if _, err := audit.Verify(l.f.ctx, l.f.store, l.f.org.ID, l.cp, l.f.verifier); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n), "events")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6/float64(n), "s/1M-events")
			})
		}
	})
}

// BenchmarkQueryByNumber asks "who did what to this number?" over a log of
// n events (target ≤ 5 ms): parse, fingerprint, indexed lookup.
func BenchmarkQueryByNumber(b *testing.B) {
	n := benchEvents(b)
	benchStores(b, func(b *testing.B, kind string, open func(testing.TB) storage.Store) {
		l := fillLog(b, kind, open, n)
		found, i := 0, 0
		b.ResetTimer()
		for b.Loop() {
			num := string(benchNumber(i*7919, n))[3:] // as typed: national form
			i++
			p, err := l.f.log.Query(l.f.ctx, l.f.admin, audit.Query{Number: num})
			if err != nil {
				b.Fatal(err)
			}
			found += len(p.Events)
		}
		b.ReportMetric(float64(n), "events")
		b.ReportMetric(float64(found)/float64(b.N), "found/query")
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms/query")
	})
}

// BenchmarkRecordOverhead measures what recording costs on a durable
// single-lead change: on SQLite (WAL, synchronous=FULL) each iteration
// commits one Leads.Update alone and one Leads.Update with its Record in
// the same transaction, alternating, so both see the same machine load
// (target: ≤ 20% overhead).
func BenchmarkRecordOverhead(b *testing.B) {
	store := openSQLite(b, b.TempDir())
	defer store.Close()
	f := newFixture(b, store)
	project, template := uuid.New(), uuid.New()
	lead := lp.Lead{OrgID: f.org.ID, ID: uuid.New(), ProjectID: project, TemplateID: template,
		Phones: []phone.Number{"+4520123499"}, Fields: map[string]string{"tariff": "a"}, CreatedAt: clockStart}
	f.tx(func(tx storage.Tx) error {
		if err := tx.Projects().Create(f.ctx, lp.Project{OrgID: f.org.ID, ID: project, Name: "Energy", CreatedAt: clockStart}); err != nil {
			return err
		}
		if err := tx.Templates().Create(f.ctx, lp.CampaignTemplate{OrgID: f.org.ID, ID: template, Name: "Energy",
			Fields: []lp.TemplateField{{Key: "tariff"}}}); err != nil {
			return err
		}
		return tx.Leads().Create(f.ctx, lead)
	})
	change := func(i int, audited bool) time.Duration {
		start := time.Now()
		err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			l, err := tx.Leads().Get(ctx, f.org.ID, lead.ID)
			if err != nil {
				return err
			}
			l.Fields["tariff"] = strconv.Itoa(i)
			if err := tx.Leads().Update(ctx, l); err != nil {
				return err
			}
			if !audited {
				return nil
			}
			_, err = f.log.Record(ctx, tx, f.admin, audit.Entry{Action: audit.ActionLeadChanged, LeadID: l.ID,
				ProjectID: l.ProjectID, Details: []audit.Detail{audit.Count(audit.KeyFields, 1)}})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var plain, audited time.Duration
	i := 0
	for b.Loop() {
		plain += change(i, false)
		audited += change(i, true)
		i++
	}
	b.ReportMetric(float64(plain.Microseconds())/float64(b.N), "µs/plain-change")
	b.ReportMetric(float64(audited.Microseconds())/float64(b.N), "µs/audited-change")
	b.ReportMetric(100*(float64(audited)/float64(plain)-1), "%overhead")
}
