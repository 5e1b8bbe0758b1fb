package privacy_test

import (
	"crypto/sha256"
	"database/sql"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// benchGroups is how many numbers, each held by groupSize leads, the
// ForgetNumber benchmark adds to the world: each iteration forgets two.
var benchGroups = flag.Int("privacy.groups", 800, "numbers held by 10 leads each, for BenchmarkForgetNumber")

const groupSize = 10

// BenchmarkForget measures Forget of one lead (two numbers on odd leads,
// every field, three contact attempts with notes and recordings; durable,
// with its lead.forgotten event) on SQLite and PostgreSQL, interleaved
// (see interleaved) with hand-sql: the same change as hand-made SQL in one
// transaction of the same isolation on the store's own *sql.DB (update
// the lead, delete its phone index rows, scrub its contact attempts,
// append the event with its fingerprints and one tree hash). Each
// iteration forgets another lead with each. It reports their p50 and p99
// and service's as multiples of hand-sql's ("x-hand-sql-p50").
//
//	go test ./privacy -run '^$' -bench 'Forget$' -benchtime 1000x
func BenchmarkForget(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			w := newBenchWorld(b, kind)
			svc := w.service(&privacy.Options{BatchSize: privacy.DefaultBatchSize})
			h := w.handSQL(b)
			next := 0
			lead := func() int {
				if next >= w.n {
					b.Fatalf("the world's %d leads are all forgotten: use a smaller -benchtime or a larger -privacy.leads", w.n)
				}
				next++
				return next - 1
			}
			got := interleaved(b,
				variant{"service", func() {
					r, err := svc.Forget(w.ctx, w.alice, w.ids[lead()], privacy.ForgetOptions{})
					if err != nil || len(r.Leads) != 1 {
						b.Fatalf("forget: %+v, %v", r, err)
					}
				}},
				variant{"hand-sql", func() { h.forget(b, []lp.Lead{w.benchLead(lead())}) }},
			)
			reportRatio(b, got, "service", "hand-sql")
		})
	}
}

// BenchmarkForgetNumber measures ForgetNumber of a number held by 10
// leads (each with every field and three contact attempts), interleaved
// with hand-sql, the same change as hand-made SQL in one transaction (the
// leads found by the number index, then forgotten as in BenchmarkForget,
// one event each).
//
//	go test ./privacy -run '^$' -bench 'ForgetNumber$' -benchtime 300x
func BenchmarkForgetNumber(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			w := newBenchWorld(b, kind)
			groups := w.addGroups(b, *benchGroups)
			svc := w.service(&privacy.Options{BatchSize: privacy.DefaultBatchSize})
			h := w.handSQL(b)
			next := 0
			group := func() phone.Number {
				if next >= len(groups) {
					b.Fatalf("all %d groups are forgotten: raise -privacy.groups", len(groups))
				}
				next++
				return groups[next-1]
			}
			got := interleaved(b,
				variant{"service", func() {
					r, err := svc.ForgetNumber(w.ctx, w.alice, string(group()), privacy.ForgetOptions{})
					if err != nil || len(r.Leads) != groupSize {
						b.Fatalf("forget: %d leads, %v", len(r.Leads), err)
					}
				}},
				variant{"hand-sql", func() { h.forgetNumber(b, group()) }},
			)
			reportRatio(b, got, "service", "hand-sql")
		})
	}
}

// reportRatio reports the p50 and p99 of variant of as multiples of
// base's.
func reportRatio(b *testing.B, got map[string][2]time.Duration, of, base string) {
	for i, p := range []string{"p50", "p99"} {
		b.ReportMetric(float64(got[of][i])/float64(got[base][i]), "x-"+base+"-"+p)
	}
}

// BenchmarkForgetFile measures ForgetFile of a CSV of the first numbers of
// every lead of the world (100,000 by default), in batches of
// DefaultBatchSize numbers per transaction, and reports forgets/s (leads
// forgotten per second). It forgets the whole world, so it runs once:
//
//	go test -run '^$' -bench ForgetFile -benchtime 1x ./privacy
func BenchmarkForgetFile(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			w := newBenchWorld(b, kind)
			svc := w.service(&privacy.Options{BatchSize: privacy.DefaultBatchSize})
			var csv strings.Builder
			for i := range w.n {
				csv.WriteString(string(benchNumber(i)))
				csv.WriteByte('\n')
			}
			runs := 0
			for b.Loop() {
				if runs++; runs > 1 {
					b.Fatal("the world is forgotten after one run: use -benchtime 1x")
				}
				res, err := svc.ForgetFile(w.ctx, w.alice, strings.NewReader(csv.String()), privacy.BulkForgetOptions{})
				if err != nil || res.Forgotten != w.n {
					b.Fatalf("ForgetFile: %+v, %v", res, err)
				}
			}
			b.ReportMetric(float64(w.n)/b.Elapsed().Seconds(), "forgets/s")
		})
	}
}

// addGroups adds n numbers held by groupSize leads each (Energy leads
// with every field and three contact attempts) and returns the numbers.
func (w *benchWorld) addGroups(b *testing.B, n int) []phone.Number {
	b.Helper()
	numbers := make([]phone.Number, n)
	for lo := 0; lo < n; lo += 500 {
		hi := min(n, lo+500)
		var leads []lp.Lead
		for g := lo; g < hi; g++ {
			numbers[g] = phone.Number(fmt.Sprintf("+457%07d", g))
			for k := range groupSize {
				leads = append(leads, lp.Lead{OrgID: w.org.ID, ID: uuid.New(), ProjectID: w.energy.ID, TemplateID: w.energyTmpl.ID,
					Phones: []phone.Number{numbers[g]}, Outcome: "no_answer", CreatedAt: start.AddDate(0, 0, -30),
					LastContactAt: start.AddDate(0, 0, -1), Fields: map[string]string{"first_name": "G" + strconv.Itoa(k),
						"last_name": "L", "email": "g@example.dk", "address": "Street", "meter_size": "25A", "tariff": "flex"}})
			}
		}
		w.tx(func(tx storage.Tx) error {
			if err := tx.Leads().CreateMany(w.ctx, w.org.ID, leads); err != nil {
				return err
			}
			for _, l := range leads {
				for c := range 3 {
					if err := tx.Contacts().Add(w.ctx, lp.ContactAttempt{OrgID: w.org.ID, ID: uuid.New(), LeadID: l.ID,
						At: l.LastContactAt.Add(-time.Duration(c) * time.Hour), AgentID: w.bob.UserID, Result: "no_answer",
						Notes: "note", RecordingRef: "rec://group/" + l.ID.String()}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	return numbers
}

// handForget is the baseline: Forget's change as hand-made SQL on the
// store's *sql.DB. Its events go to Dave's organisation, so that the
// service's ChangeLog tree is not asked to hash events Record never saw.
type handForget struct {
	w       *benchWorld
	db      *sql.DB
	dialect sqlstore.Dialect
	opts    *sql.TxOptions
	fp      *phone.Fingerprinter
	org     uuid.UUID // the events' organisation
}

func (w *benchWorld) handSQL(b *testing.B) *handForget {
	sq, ok := w.store.(*sqlstore.Store)
	if !ok {
		b.Fatalf("hand-sql needs a SQL store, not %T", w.store)
	}
	fp, err := phone.NewFingerprinter(w.keys[w.org.ID])
	if err != nil {
		b.Fatal(err)
	}
	h := &handForget{w: w, db: sq.DB(), dialect: sq.Dialect(), fp: fp, org: w.daveOrg.ID}
	if h.dialect == sqlstore.Postgres {
		h.opts = &sql.TxOptions{Isolation: sql.LevelSerializable} // as the store's WithTx
	}
	return h
}

// q rewrites ? placeholders as $n on PostgreSQL.
func (h *handForget) q(s string) string {
	if h.dialect != sqlstore.Postgres {
		return s
	}
	var out strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			out.WriteString("$" + strconv.Itoa(n))
			continue
		}
		out.WriteRune(r)
	}
	return out.String()
}

func (h *handForget) id(u uuid.UUID) any {
	if h.dialect == sqlstore.SQLite {
		return u[:]
	}
	return u.String()
}

func (h *handForget) time(t time.Time) any {
	if h.dialect == sqlstore.SQLite {
		return t.UnixMicro()
	}
	return t
}

// forget forgets leads in one transaction.
func (h *handForget) forget(b *testing.B, leads []lp.Lead) {
	tx, err := h.db.BeginTx(h.w.ctx, h.opts)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for _, l := range leads {
		h.forgetLead(b, tx, l)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// forgetNumber forgets the leads holding n, found by the number index,
// in one transaction.
func (h *handForget) forgetNumber(b *testing.B, n phone.Number) {
	tx, err := h.db.BeginTx(h.w.ctx, h.opts)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(h.w.ctx, h.q(`SELECT l.id, l.project_id FROM lead_phones p JOIN leads l ON l.org_id = p.org_id AND l.id = p.lead_id
		WHERE p.org_id = ? AND p.number = ?`), h.id(h.w.org.ID), string(n))
	if err != nil {
		b.Fatal(err)
	}
	var leads []lp.Lead
	for rows.Next() {
		var id, project any
		if err := rows.Scan(&id, &project); err != nil {
			b.Fatal(err)
		}
		leads = append(leads, lp.Lead{ID: parseID(b, id), ProjectID: parseID(b, project), Phones: []phone.Number{n}})
	}
	if err := rows.Err(); err != nil || len(leads) != groupSize {
		b.Fatalf("found %d leads, %v", len(leads), err)
	}
	for _, l := range leads {
		h.forgetLead(b, tx, l)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func parseID(b *testing.B, v any) uuid.UUID {
	switch v := v.(type) {
	case []byte:
		if len(v) == 16 {
			return uuid.UUID(v)
		}
		return uuid.MustParse(string(v))
	case string:
		return uuid.MustParse(v)
	}
	b.Fatalf("id of type %T", v)
	return uuid.Nil
}

// forgetLead is one lead's change and event in tx.
func (h *handForget) forgetLead(b *testing.B, tx *sql.Tx, l lp.Lead) {
	ctx, org := h.w.ctx, h.id(h.w.org.ID)
	exec := func(q string, args ...any) sql.Result {
		res, err := tx.ExecContext(ctx, h.q(q), args...)
		if err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		return res
	}
	exec(`UPDATE leads SET phones = '', fields = '{}', forgotten_at = ? WHERE org_id = ? AND id = ?`, h.time(start), org, h.id(l.ID))
	exec(`DELETE FROM lead_phones WHERE org_id = ? AND lead_id = ?`, org, h.id(l.ID))
	scrubbed, err := exec(`UPDATE contacts SET notes = '', recording_ref = '' WHERE org_id = ? AND lead_id = ? AND (notes <> '' OR recording_ref <> '')`,
		org, h.id(l.ID)).RowsAffected()
	if err != nil {
		b.Fatal(err)
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, h.q(`INSERT INTO event_counters (org_id, next_seq) VALUES (?, 1)
		ON CONFLICT (org_id) DO UPDATE SET next_seq = event_counters.next_seq + 1 RETURNING next_seq - 1`), h.id(h.org)).Scan(&seq); err != nil {
		b.Fatal(err)
	}
	details := fmt.Sprintf(`{"contacts":"%d","fields":"%d","phones":"%d","recordings":"0","suppressed":"false"}`, scrubbed, len(l.Fields), len(l.Phones))
	exec(`INSERT INTO events (org_id, seq, occurred_at, actor_id, action, lead_id, project_id, object_id, masked_number, fingerprint, details)
		VALUES (?, ?, ?, ?, 'lead.forgotten', ?, ?, ?, '', NULL, ?)`,
		h.id(h.org), seq, h.time(start), h.id(h.w.dave.UserID), h.id(l.ID), h.id(h.w.daveProject.ID), h.id(uuid.New()), details)
	for _, n := range l.Phones {
		fp := h.fp.Fingerprint(n)
		exec(`INSERT INTO event_fingerprints (org_id, fingerprint, seq) VALUES (?, ?, ?)`, h.id(h.org), fp[:], seq)
	}
	leaf := sha256.Sum256([]byte(details))
	exec(`INSERT INTO event_hashes (org_id, idx, hash) VALUES (?, ?, ?)`, h.id(h.org), 1<<40+seq, leaf[:])
}
