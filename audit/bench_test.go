package audit_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

// benchEvents is the log size of the Verify and query benchmarks:
// LEADPRIVACY_BENCH_EVENTS, default 100,000 (the target is 1M in ≤ 2 s).
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

// fill records n varied events, 1,000 per transaction.
func fill(b *testing.B, f *fixture, n int) {
	b.Helper()
	for done := 0; done < n; {
		err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			for k := 0; k < 1000 && done+k < n; k++ {
				if _, err := f.log.Record(ctx, tx, f.admin, varied(done+k)); err != nil {
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
}

// BenchmarkVerify re-reads and re-hashes a whole log against its
// checkpoint; events/s is the figure to compare with the target.
func BenchmarkVerify(b *testing.B) {
	n := benchEvents(b)
	f := newMemFixture(b)
	fill(b, f, n)
	cp := f.checkpoint()
	b.ResetTimer()
	for b.Loop() {
		if _, err := audit.Verify(f.ctx, f.store, f.org.ID, cp, f.verifier); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n), "events")
}
