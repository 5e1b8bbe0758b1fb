package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// anonymiseBatch is the leads per transaction of BenchmarkAnonymiseMany:
// a retention purge batch.
const anonymiseBatch = 1000

// BenchmarkAnonymiseMany forgets the older half of benchRows leads, each
// with one contact attempt, anonymiseBatch leads per transaction, in two
// ways on the same store, batches alternating so both see the same table
// sizes and caches: the adapter's set-based calls (Leads.AnonymiseMany
// and Contacts.EraseByLeads, "sdk") and hand-written set-based SQL on the
// same schema, one statement per table ("sql": UPDATE leads, DELETE FROM
// lead_phones, UPDATE contacts, in a plain database/sql transaction). It
// reports ns/lead of each and their ratio, x-handwritten, which retention
// needs within 1.5.
func BenchmarkAnonymiseMany(b *testing.B) {
	n := benchRows(b)
	dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
		var sdk, raw time.Duration
		var sdkLeads, rawLeads int
		for b.Loop() {
			b.StopTimer()
			s := open()
			w := newWorld(b, s)
			leads := fillLeads(b, s, w, n)
			addContacts(b, s)
			ids := make([]uuid.UUID, n/2) // the older half: created first
			for i := range ids {
				ids[i] = leads[i].ID
			}
			b.StartTimer()
			for i := 0; i*anonymiseBatch < len(ids); i++ {
				batch := ids[i*anonymiseBatch : min((i+1)*anonymiseBatch, len(ids))]
				start := time.Now()
				if i%2 == 0 {
					sdkLeads += anonymiseSDK(b, s, w, batch)
					sdk += time.Since(start)
				} else {
					rawLeads += anonymiseSQL(b, s, w, batch)
					raw += time.Since(start)
				}
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
		sdkNs, rawNs := float64(sdk.Nanoseconds())/float64(sdkLeads), float64(raw.Nanoseconds())/float64(rawLeads)
		b.ReportMetric(sdkNs, "sdk-ns/lead")
		b.ReportMetric(rawNs, "sql-ns/lead")
		b.ReportMetric(sdkNs/rawNs, "x-handwritten")
	})
}

// addContacts gives every lead one contact attempt with notes and a
// recording reference, in one statement.
func addContacts(b *testing.B, s *sqlstore.Store) {
	b.Helper()
	q := `INSERT INTO contacts (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
		SELECT org_id, randomblob(16), id, created_at, id, 'answered', 60000000000, 'call back', 'rec/' || hex(id) FROM leads`
	if s.Dialect() == sqlstore.Postgres {
		q = `INSERT INTO contacts (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
		SELECT org_id, gen_random_uuid(), id, created_at, id, 'answered', 60000000000, 'call back', 'rec/' || id FROM leads`
	}
	if _, err := s.DB().Exec(q); err != nil {
		b.Fatalf("add contacts: %v", err)
	}
	analyze(b, s)
}

// anonymiseSDK forgets batch in one transaction through the adapter.
func anonymiseSDK(b *testing.B, s *sqlstore.Store, w world, batch []uuid.UUID) int {
	var n int
	err := s.WithTx(context.Background(), func(ctx context.Context, tx storage.Tx) error {
		var err error
		if n, err = tx.Leads().AnonymiseMany(ctx, w.org, batch, w.now); err != nil {
			return err
		}
		_, _, err = tx.Contacts().EraseByLeads(ctx, w.org, batch)
		return err
	})
	if err != nil || n != len(batch) {
		b.Fatalf("AnonymiseMany: %d of %d leads: %v", n, len(batch), err)
	}
	return n
}

// anonymiseSQL forgets batch in one transaction with hand-written SQL, the
// id list one parameter (json_each on SQLite, an array on PostgreSQL).
func anonymiseSQL(b *testing.B, s *sqlstore.Store, w world, batch []uuid.UUID) int {
	ctx := context.Background()
	pg := s.Dialect() == sqlstore.Postgres
	var org, list, at any
	stmts := []string{
		`UPDATE leads SET phones = '', fields = '{}', forgotten_at = ?
		 WHERE org_id = ? AND id IN (SELECT unhex(value) FROM json_each(?)) AND forgotten_at IS NULL AND NOT legal_hold`,
		`DELETE FROM lead_phones WHERE org_id = ? AND lead_id IN (SELECT unhex(value) FROM json_each(?))`,
		`UPDATE contacts SET notes = '', recording_ref = ''
		 WHERE org_id = ? AND lead_id IN (SELECT unhex(value) FROM json_each(?)) AND (notes <> '' OR recording_ref <> '')`,
	}
	if pg {
		strs := make([]string, len(batch))
		for i, id := range batch {
			strs[i] = id.String()
		}
		org, list, at = w.org.String(), strs, w.now
		stmts = []string{
			`UPDATE leads SET phones = '', fields = '{}', forgotten_at = $1
			 WHERE org_id = $2 AND id = ANY($3::uuid[]) AND forgotten_at IS NULL AND NOT legal_hold`,
			`DELETE FROM lead_phones WHERE org_id = $1 AND lead_id = ANY($2::uuid[])`,
			`UPDATE contacts SET notes = '', recording_ref = ''
			 WHERE org_id = $1 AND lead_id = ANY($2::uuid[]) AND (notes <> '' OR recording_ref <> '')`,
		}
	} else {
		hexes := make([]string, len(batch))
		for i, id := range batch {
			hexes[i] = hex.EncodeToString(id[:])
		}
		js, _ := json.Marshal(hexes)
		org, list, at = w.org[:], string(js), w.now.UnixMicro()
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	var res sql.Result
	if res, err = tx.ExecContext(ctx, stmts[0], at, org, list); err != nil {
		b.Fatal(err)
	}
	n, _ := res.RowsAffected()
	for _, q := range stmts[1:] {
		if _, err := tx.ExecContext(ctx, q, org, list); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return int(n)
}
