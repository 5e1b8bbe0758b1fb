package retention_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/retention"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/postgres"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

var (
	benchLeads = flag.Int("retention.leads", 20_000,
		"leads in the retention benchmarks' world, half of them due, 3 contact attempts each")
	benchFull = flag.Bool("retention.full", false,
		"BenchmarkPurge at the issue's size: 1M due leads of 2M, 3 contact attempts each (overrides -retention.leads)")
	benchBatch = flag.Int("retention.batch", 0,
		"BenchmarkPurge's service batch size (Options.BatchSize); 0: adaptive, aiming at -retention.batch-time")
	benchNoPages   = flag.Bool("retention.no-pages", false, "BenchmarkPurge without its pages variant (hours at the full size)")
	benchBatchTime = flag.Duration("retention.batch-time", 0,
		"BenchmarkPurge's service batch time (Options.BatchTime); 0: retention.DefaultBatchTime")
)

// purgeBenchLeads is the size of BenchmarkPurge's world.
func purgeBenchLeads() int {
	if *benchFull {
		return 2_000_000
	}
	return *benchLeads
}

// benchWorld is a fixture holding n leads of Energy: even ones due (last
// contact 40 days ago), odd ones not (20 days ago), outcomes alternating
// between success and not_interested by pairs, each lead with two
// fields, one number and three contact attempts with notes and a
// recording reference.
type benchWorld struct {
	*fixture
	sq  *sqlstore.Store
	due int
}

// fill stores n leads and their phone index rows, then their contact
// attempts, each table in one set-based statement (lead ids random, as
// CreateMany's callers make them), and analyses the tables. A lead's
// number, fields and dates follow from its creation index i.
func (w *benchWorld) fill(b *testing.B, n int) {
	b.Helper()
	h := w.hand()
	seq := `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?),
		gen(i, id) AS (SELECT i, randomblob(16) FROM seq)`
	phone, email := `printf('+459%07d', i)`, `'{"email":"' || i || '@example.dk","first_name":"F' || i || '"}'`
	at := `?`
	if h.d == sqlstore.Postgres {
		seq = `WITH gen(i, id) AS (SELECT i, gen_random_uuid() FROM generate_series(0, CAST(? AS bigint) - 1) AS s(i))`
		phone, at = `'+459' || lpad(i::text, 7, '0')`, `CAST(? AS timestamptz)`
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{seq + ` INSERT INTO leads (org_id, id, project_id, template_id, phones, fields, outcome, created_at, last_contact_at, legal_hold)
			SELECT ?, id, ?, ?, ` + phone + `, ` + email + `, CASE WHEN i % 4 >= 2 THEN 'not_interested' ELSE 'success' END,
			       ?, CASE WHEN i % 2 = 0 THEN ` + at + ` ELSE ` + at + ` END, false
			FROM gen ORDER BY id`,
			[]any{n, h.id(w.org.ID), h.id(w.energy.ID), h.id(w.tmpl.ID), h.time(start.Add(-100 * day)), h.time(start.Add(-40 * day)), h.time(start.Add(-20 * day))}},
		{`INSERT INTO lead_phones (org_id, lead_id, number) SELECT org_id, id, phones FROM leads WHERE org_id = ?`, []any{h.id(w.org.ID)}},
	}
	tx, err := w.sq.DB().BeginTx(w.ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for _, st := range stmts {
		if _, err := tx.ExecContext(w.ctx, h.sql(st.q), st.args...); err != nil {
			b.Fatalf("%s: %v", st.q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	w.due = (n + 1) / 2
	w.addContacts(b)
	analyse := "ANALYZE"
	if w.sq.Dialect() == sqlstore.Postgres {
		analyse = "VACUUM ANALYZE"
	}
	if _, err := w.sq.DB().Exec(analyse); err != nil {
		b.Fatal(err)
	}
}

// addContacts inserts three contact attempts per lead in one set-based
// statement (the storage API adds one at a time, too slow for millions),
// in the order the leads were created (their numbers), as a dialer adds
// them: not in lead id order.
func (w *benchWorld) addContacts(b *testing.B) {
	h := w.hand()
	q := `INSERT INTO contacts (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
		SELECT l.org_id, randomblob(16), l.id, l.last_contact_at - c.n * 3600000000, ?, 'no_answer', c.n * 60000000000,
		       'note ' || c.n, 'rec://bench/' || lower(hex(l.id))
		FROM leads l CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2) c
		WHERE l.org_id = ? ORDER BY l.phones, c.n`
	if h.d == sqlstore.Postgres {
		q = `INSERT INTO contacts (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
		SELECT l.org_id, gen_random_uuid(), l.id, l.last_contact_at - c.n * interval '1 hour', ?, 'no_answer', c.n * 60000000000,
		       'note ' || c.n, 'rec://bench/' || l.id
		FROM leads l CROSS JOIN generate_series(0, 2) AS c(n)
		WHERE l.org_id = ? ORDER BY l.phones, c.n`
	}
	if _, err := w.sq.DB().ExecContext(w.ctx, h.sql(q), h.id(w.alice.UserID), h.id(w.org.ID)); err != nil {
		b.Fatal(err)
	}
}

// benchSeed is a world built once per store kind and copied for every
// variant of BenchmarkPurge, so that each starts from the same database:
// a SQLite file copied after a checkpoint, a PostgreSQL database created
// from the seed's as template.
type benchSeed struct {
	kind string
	seed *benchWorld // its store is closed
	path string      // SQLite: the seed file
	dsn  string      // PostgreSQL: the server, and the seed database
	db   string
}

// pgDatabase returns dsn (keyword/value form) naming database db.
func pgDatabase(dsn, db string) string {
	return regexp.MustCompile(`dbname=\S+`).ReplaceAllString(dsn, "") + " dbname=" + db
}

// pgAdmin runs a statement on the test server's own database.
func pgAdmin(b *testing.B, q string) {
	b.Helper()
	admin, err := sql.Open("pgx", pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(q); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
}

// pgCreateDatabase creates a database (from template, if set), dropped when
// b ends.
func pgCreateDatabase(b *testing.B, template string) string {
	b.Helper()
	db := "lp_bench_" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	q := "CREATE DATABASE " + db
	if template != "" {
		q += " TEMPLATE " + template + " STRATEGY FILE_COPY"
	}
	pgAdmin(b, q)
	b.Cleanup(func() { pgAdmin(b, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)") })
	return db
}

// seedPurgeWorld builds a world of n leads in a store of kind and closes
// it, for copies.
func seedPurgeWorld(b *testing.B, kind string, n int) *benchSeed {
	b.Helper()
	sd := &benchSeed{kind: kind}
	var sq *sqlstore.Store
	var err error
	if kind == "sqlite" {
		sd.path = filepath.Join(b.TempDir(), "seed.db")
		sq = servicetest.OpenSQLite(b, sd.path).(*sqlstore.Store)
	} else {
		sd.dsn = pgtest.DSN(b)
		sd.db = pgCreateDatabase(b, "")
		if sq, err = postgres.Open(context.Background(), pgDatabase(sd.dsn, sd.db), nil); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	sd.seed = &benchWorld{fixture: newFixture(b, sq), sq: sq}
	sd.seed.fill(b, n)
	if kind == "sqlite" {
		if _, err := sq.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
	}
	if err := sq.Close(); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("purge %s: seeded %d leads (%d due) in %v\n", b.Name(), n, sd.seed.due, time.Since(t0).Round(time.Second))
	return sd
}

// open returns a world on a fresh copy of the seed, closed when b ends.
func (sd *benchSeed) open(b *testing.B) *benchWorld {
	b.Helper()
	var sq *sqlstore.Store
	var err error
	if sd.kind == "sqlite" {
		path := filepath.Join(b.TempDir(), "lp.db")
		copyFile(b, sd.path, path)
		// On disk before the variant starts: else its first checkpoint's
		// fsync writes the whole copy back.
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		sq = servicetest.OpenSQLite(b, path).(*sqlstore.Store)
	} else {
		db := pgCreateDatabase(b, sd.db)
		if sq, err = postgres.Open(context.Background(), pgDatabase(sd.dsn, db), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { sq.Close() })
	f := *sd.seed.fixture
	f.t, f.store, f.clock = b, sq, servicetest.NewClock(start)
	f.wire()
	return &benchWorld{fixture: &f, sq: sq, due: sd.seed.due}
}

// handSQL writes statements for the store's dialect.
type handSQL struct{ d sqlstore.Dialect }

func (w *benchWorld) hand() handSQL { return handSQL{w.sq.Dialect()} }

func (h handSQL) id(u uuid.UUID) any {
	if h.d == sqlstore.SQLite {
		return u[:]
	}
	return u.String()
}

func (h handSQL) time(t time.Time) any {
	if h.d == sqlstore.SQLite {
		return t.UnixMicro()
	}
	return t
}

// sql numbers the ? placeholders on PostgreSQL.
func (h handSQL) sql(q string) string {
	if h.d == sqlstore.SQLite {
		return q
	}
	var sb strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// purgeByHand is the purge of the rule's due leads as hand-written
// set-based SQL: one statement per table, one transaction, no events.
func (w *benchWorld) purgeByHand(b *testing.B, outcome string, cutoff time.Time, action lp.RetentionAction) int {
	h := w.hand()
	due := `SELECT id FROM leads WHERE org_id = ? AND project_id = ? AND outcome = ? AND COALESCE(last_contact_at, created_at) < ?
		AND NOT legal_hold`
	if action == lp.ActionForget {
		due += ` AND forgotten_at IS NULL`
	}
	args := []any{h.id(w.org.ID), h.id(w.energy.ID), outcome, h.time(cutoff)}
	stmts := []string{
		`DELETE FROM lead_phones WHERE org_id = ? AND lead_id IN (` + due + `)`,
		`UPDATE contacts SET notes = '', recording_ref = '' WHERE org_id = ? AND lead_id IN (` + due + `)`,
		`UPDATE leads SET phones = '', fields = '{}', forgotten_at = ? WHERE id IN (` + due + `) AND org_id = ?`,
	}
	if action == lp.ActionDelete {
		stmts[1] = `DELETE FROM contacts WHERE org_id = ? AND lead_id IN (` + due + `)`
		stmts[2] = `DELETE FROM leads WHERE id IN (` + due + `) AND org_id = ?`
	}
	tx, err := w.sq.DB().BeginTx(w.ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	var n int64
	for i, s := range stmts {
		a := append([]any{h.id(w.org.ID)}, args...)
		if i == 2 {
			a = append(args, h.id(w.org.ID))
			if action == lp.ActionForget {
				a = append([]any{h.time(start)}, a...)
			}
		}
		res, err := tx.Exec(h.sql(s), a...)
		if err != nil {
			b.Fatalf("%s: %v", s, err)
		}
		if i == 2 {
			n, _ = res.RowsAffected()
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return int(n)
}

// purgeByPages is the same change through today's storage calls without
// AnonymiseMany and EraseByLeads: ListIDs pages, then DeleteMany (delete)
// or, per lead, Get, Update and EraseByLead (forget), a transaction per
// page, no events.
func (w *benchWorld) purgeByPages(b *testing.B, rule lp.RetentionRule) int {
	notHeld, notForgotten := false, false
	f := storage.LeadFilter{ProjectID: rule.ProjectID, Outcomes: []string{rule.Outcome}, Basis: rule.Basis, Before: rule.DueBefore(start),
		LegalHold: &notHeld}
	if rule.Action == lp.ActionForget {
		f.Forgotten = &notForgotten
	}
	total := 0
	var after uuid.UUID
	for {
		var ids []uuid.UUID
		err := w.store.WithTx(w.ctx, func(ctx context.Context, tx storage.Tx) error {
			var err error
			if ids, err = tx.Leads().ListIDs(ctx, w.org.ID, f, storage.Page{After: after, Limit: retention.DefaultBatchSize}); err != nil || len(ids) == 0 {
				return err
			}
			if rule.Action == lp.ActionDelete {
				_, err = tx.Leads().DeleteMany(ctx, w.org.ID, ids)
				return err
			}
			for _, id := range ids {
				l, err := tx.Leads().Get(ctx, w.org.ID, id)
				if err != nil {
					return err
				}
				l.Phones, l.Fields, l.ForgottenAt = nil, nil, start
				if err := tx.Leads().Update(ctx, l); err != nil {
					return err
				}
				if _, err := tx.Contacts().EraseByLead(ctx, w.org.ID, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		total += len(ids)
		if len(ids) < retention.DefaultBatchSize {
			return total
		}
		after = ids[len(ids)-1]
	}
}

// BenchmarkPurge purges the due half of a world of -retention.leads leads
// (3 contact attempts each; -retention.full: the 1M due of 2M)
// under two rules, on SQLite and PostgreSQL, for both actions, three ways,
// each on its own copy of one world seeded per store:
//
//   - service: Purge (adaptive batches, or -retention.batch, each with its event
//     naming every lead, the lease renewal, the rule's purge.run; no
//     compaction);
//   - hand-sql: the same change as hand-written set-based SQL, one
//     statement per table in one transaction, no events;
//   - pages: today's storage path without the set-based calls (ListIDs
//     pages, then DeleteMany, or Get+Update+EraseByLead per lead), no
//     events.
//
// It reports each one's ns/lead and service's time as a multiple of
// hand-sql's (x-hand-sql) and of pages' (x-pages). Seeding and copying are
// untimed; run it once:
//
//	go test ./retention -run '^$' -bench Purge -benchtime 1x -timeout 2h [-retention.full]
func BenchmarkPurge(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			sd := seedPurgeWorld(b, kind, purgeBenchLeads())
			for _, action := range []lp.RetentionAction{lp.ActionDelete, lp.ActionForget} {
				b.Run(string(action), func(b *testing.B) { benchPurge(b, sd, action) })
			}
		})
	}
}

func benchPurge(b *testing.B, sd *benchSeed, action lp.RetentionAction) {
	took := map[string]time.Duration{}
	leads := 0
	for range b.N {
		b.StopTimer()
		variants := []string{"service", "hand-sql", "pages"}
		if *benchNoPages {
			variants = variants[:2]
		}
		for _, variant := range variants {
			w := sd.open(b)
			rule := w.setRule(retention.RuleRequest{ProjectID: w.energy.ID, Outcome: "success", KeepFor: 30 * day, Action: action})
			w.setRule(retention.RuleRequest{ProjectID: w.energy.ID, Outcome: "not_interested", KeepFor: 30 * day, Action: action})
			svc := retention.New(w.store, w.log, w.priv, &retention.Options{Now: w.clock.Now, Blocklist: w.block,
				BatchSize: *benchBatch, BatchTime: *benchBatchTime})
			t0 := time.Now()
			n, batches := 0, 0
			switch variant {
			case "service":
				rep, err := svc.Purge(w.ctx, w.system, start, retention.PurgeOptions{NoCompact: true,
					Progress: func(retention.Progress) { batches++ }})
				if err != nil {
					b.Fatal(err)
				}
				for _, rr := range rep.Rules {
					n += rr.Forgotten + rr.Deleted
				}
			case "hand-sql":
				for _, o := range []string{"success", "not_interested"} {
					n += w.purgeByHand(b, o, rule.DueBefore(start), action)
				}
			case "pages":
				for _, o := range []string{"success", "not_interested"} {
					r := rule
					r.Outcome = o
					n += w.purgeByPages(b, r)
				}
			}
			d := time.Since(t0)
			took[variant] += d
			if n != w.due {
				b.Fatalf("%s erased %d leads, want %d", variant, n, w.due)
			}
			// Printed at once: a full-size run takes long, and a cut run
			// keeps the rows it finished.
			fmt.Printf("purge %s %s: %d leads in %v, %.0f ns/lead", b.Name(), variant, n, d.Round(time.Millisecond), float64(d.Nanoseconds())/float64(n))
			if batches > 0 {
				fmt.Printf(", %d batches", batches)
			}
			fmt.Println()

			leads += n
		}
	}
	per := float64(leads / len(took))
	for v, d := range took {
		b.ReportMetric(float64(d.Nanoseconds())/per, v+"-ns/lead")
	}
	b.ReportMetric(float64(took["service"])/float64(took["hand-sql"]), "x-hand-sql")
	if took["pages"] > 0 {
		b.ReportMetric(float64(took["service"])/float64(took["pages"]), "x-pages")
	}
}
