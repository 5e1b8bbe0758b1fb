package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// BenchmarkLeadHoldSelection measures on SQLite what the project-level
// legal hold costs a purge's selection: the first batch of 1,000 ids
// (Leads.ListIDs) and the count of a rule's due leads (Leads.Count) with
// LegalHold=false, on 100,000 leads of one project (half due; one in 50,
// not due, held on its own), with the condition before the project hold (the
// lead's legal_hold only) and after (the lead's or its project's), side by
// side in the same run. A third organisation-wide count (no ProjectID)
// takes the other form of the condition (NOT IN the held projects).
//
//	go test ./storage/sqlstore -run '^$' -bench LeadHoldSelection -count 3 -benchtime 2s
func BenchmarkLeadHoldSelection(b *testing.B) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "hold.db")+"?_pragma=foreign_keys(ON)&_pragma=journal_mode(WAL)")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Driver{Dialect: SQLite}.Open(ctx, db, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	org, energy, other, tmpl := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	const leads, perTx = 100_000, 10_000
	err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, lp.Organisation{ID: org, Name: "Org", DefaultRegion: "DK", CreatedAt: now}); err != nil {
			return err
		}
		for _, p := range []uuid.UUID{energy, other} {
			if err := tx.Projects().Create(ctx, lp.Project{OrgID: org, ID: p, Name: "P", CreatedAt: now}); err != nil {
				return err
			}
		}
		// Another project held: the selection must still find Energy's leads.
		if err := tx.Projects().SetLegalHold(ctx, org, other, now); err != nil {
			return err
		}
		return tx.Templates().Create(ctx, lp.CampaignTemplate{OrgID: org, ID: tmpl, Name: "T", Fields: []lp.TemplateField{{Key: "name", Label: "Name", Personal: true}}})
	})
	if err != nil {
		b.Fatal(err)
	}
	for lo := 0; lo < leads; lo += perTx {
		batch := make([]lp.Lead, 0, perTx)
		for i := lo; i < lo+perTx; i++ {
			last := now.Add(-20 * 24 * time.Hour)
			if i%2 == 0 {
				last = now.Add(-40 * 24 * time.Hour)
			}
			batch = append(batch, lp.Lead{OrgID: org, ID: uuid.Must(uuid.NewV7()), ProjectID: energy, TemplateID: tmpl,
				Phones: []phone.Number{phone.Number(fmt.Sprintf("+459%07d", i))}, Fields: map[string]string{"name": "N"},
				Outcome: "success", CreatedAt: now.Add(-100 * 24 * time.Hour), LastContactAt: last, LegalHold: i%50 == 1})
		}
		if err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().CreateMany(ctx, org, batch) }); err != nil {
			b.Fatal(err)
		}
	}
	notHeld, notForgotten := false, false
	due := storage.LeadFilter{ProjectID: energy, Outcomes: []string{"success"}, Basis: lp.SinceLastContact,
		Before: now.Add(-30 * 24 * time.Hour), Forgotten: &notForgotten, LegalHold: &notHeld}
	orgWide := storage.LeadFilter{Forgotten: &notForgotten, LegalHold: &notHeld}
	page := storage.Page{Limit: 1000}

	// before is the condition as it was: the lead's own flag.
	before := func(f storage.LeadFilter) (string, []any) {
		f.LegalHold = nil
		where, args, err := leadFilterWhere(SQLite, org, f)
		if err != nil {
			b.Fatal(err)
		}
		return where + " AND legal_hold = ?", append(args, false)
	}
	after := func(f storage.LeadFilter) (string, []any) {
		where, args, err := leadFilterWhere(SQLite, org, f)
		if err != nil {
			b.Fatal(err)
		}
		return where, args
	}
	type variant struct {
		name string
		stmt string
		args []any
		want int
	}
	var vs []variant
	for _, form := range []struct {
		name string
		cond func(storage.LeadFilter) (string, []any)
	}{{"before", before}, {"after", after}} {
		where, args := form.cond(due)
		vs = append(vs, variant{form.name + "-batch", `SELECT id FROM leads WHERE ` + where + ` AND id > ? ORDER BY id LIMIT ?`,
			append(args, SQLite.id(page.After), page.Size()), 1000})
		vs = append(vs, variant{form.name + "-count", leadCountSQL(SQLite, due, where), args, leads / 2})
		where, args = form.cond(orgWide)
		vs = append(vs, variant{form.name + "-orgcount", leadCountSQL(SQLite, orgWide, where), args, leads - leads/50})
	}
	run := func(v variant) int {
		rows, err := s.db.QueryContext(ctx, SQLite.sql(v.stmt), v.args...)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			if strings.HasPrefix(v.stmt, "SELECT COUNT") {
				if err := rows.Scan(&n); err != nil {
					b.Fatal(err)
				}
			} else {
				n++
			}
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		return n
	}
	for _, v := range vs {
		if got := run(v); got != v.want {
			b.Fatalf("%s selects %d leads, want %d", v.name, got, v.want)
		}
		plan, err := explainSQLite(ctx, s.db, v.stmt, v.args...)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %s", v.name, plan)
	}
	// One sub-benchmark per selection, before and after interleaved so
	// that the machine's noise hits both alike.
	for i := range len(vs) / 2 {
		pair := [2]variant{vs[i], vs[len(vs)/2+i]}
		b.Run(strings.TrimPrefix(pair[0].name, "before-"), func(b *testing.B) {
			var took [2]time.Duration
			for range b.N {
				for j, v := range pair {
					t0 := time.Now()
					run(v)
					took[j] += time.Since(t0)
				}
			}
			b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N), "before-ns")
			b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N), "after-ns")
			b.ReportMetric(float64(took[1])/float64(took[0]), "x-before")
		})
	}
}
