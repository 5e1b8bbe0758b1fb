package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// BenchmarkRecordUploadBatch measures what naming an upload batch's 1000
// numbers in its event costs: each iteration commits one upload batch as
// blocklist.Upload writes it, 1000 new entries by Blocks.CreateMany and
// the block.uploaded event, once with counts only (the event before sets
// existed, the baseline) and once with the 1000 numbers' fingerprints,
// alternating, so both see the same load. Then it asks the ChangeLog about
// a number of a set and about a number of an event's own Fingerprint (the
// baseline) on the log it wrote.
func BenchmarkRecordUploadBatch(b *testing.B) {
	const batch = 1000
	benchStores(b, func(b *testing.B, kind string, open func(testing.TB) storage.Store) {
		f := newFixture(b, open(b))
		upload := uuid.New()
		seq := 0
		record := func(withNumbers bool) time.Duration {
			e := audit.Entry{Action: audit.ActionBlocksUploaded, ObjectID: upload,
				Details: []audit.Detail{audit.Count(audit.KeyRows, batch), audit.Count(audit.KeyBlocked, batch)}}
			entries := make([]lp.BlockEntry, batch)
			numbers := make([]phone.Number, batch)
			for i := range entries {
				numbers[i] = phone.Number(fmt.Sprintf("+452%07d", seq))
				entries[i] = lp.BlockEntry{OrgID: f.org.ID, ID: uuid.New(), Number: numbers[i], BlockedBy: f.admin.UserID,
					BlockedAt: clockStart, Reason: "dnc_list", Source: lp.SourceUpload}
				seq++
			}
			if withNumbers {
				e.Numbers = numbers
			} else {
				e.Number = numbers[0] // a number of the event itself, for the query baseline
			}
			start := time.Now()
			err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
				if _, err := tx.Blocks().CreateMany(ctx, f.org.ID, entries); err != nil {
					return err
				}
				_, err := f.log.Record(ctx, tx, f.admin, e)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			return time.Since(start)
		}
		var plain, named time.Duration
		for b.Loop() {
			plain += record(false)
			named += record(true)
		}
		b.ReportMetric(float64(plain.Microseconds())/float64(b.N), "µs/batch-counts-only")
		b.ReportMetric(float64(named.Microseconds())/float64(b.N), "µs/batch-with-set")
		b.ReportMetric(float64(named)/float64(plain), "x-counts-only")

		query := func(n phone.Number) time.Duration {
			start := time.Now()
			p, err := f.log.Query(f.ctx, f.admin, audit.Query{Number: string(n)})
			if err != nil || len(p.Events) != 1 {
				b.Fatalf("query: %d events, %v; want 1", len(p.Events), err)
			}
			return time.Since(start)
		}
		var single, inSet time.Duration
		const queries = 200
		for i := range queries {
			k := i * 7919 % (seq / (2 * batch)) * 2 * batch // the first number of a counts-only batch
			single += query(phone.Number(fmt.Sprintf("+452%07d", k)))
			inSet += query(phone.Number(fmt.Sprintf("+452%07d", k+batch+i%batch)))
		}
		b.ReportMetric(float64(single.Microseconds())/queries, "µs/query-own-number")
		b.ReportMetric(float64(inSet.Microseconds())/queries, "µs/query-number-in-set")
	})
}
