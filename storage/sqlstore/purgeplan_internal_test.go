package sqlstore

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
)

// TestPlanPurgeWritesPostgres checks the generic plans (pgx prepares every
// statement, and PostgreSQL switches to the generic plan after five runs)
// of a purge batch's contact writes on PostgreSQL: EraseByLeads' update
// finds the attempts on contacts_lead as its read does, with no look-up
// per attempt in the primary key (the join on id it replaced cost a
// quarter of the statement in BenchmarkPurge).
func TestPlanPurgeWritesPostgres(t *testing.T) {
	ctx := t.Context()
	_, conn := openPlanPostgres(t)
	org := uuid.New()
	// The attempts of 20,000 leads (contacts has no foreign key), so that
	// the planner weighs the indexes against real sizes.
	if _, err := conn.ExecContext(ctx, `INSERT INTO contacts (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
		SELECT $1, gen_random_uuid(), l.id, now(), $1, 'no_answer', 0, 'note', 'rec://' || l.id
		FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 20000)) l CROSS JOIN generate_series(1, 3)`, org.String()); err != nil {
		t.Fatal(err)
	}
	ids := "'{" + uuid.NewString() + "," + uuid.NewString() + "}'"
	orgLit := "'" + org.String() + "'"
	got := queryLines(t, conn, "ANALYZE contacts", "SET plan_cache_mode = force_generic_plan",
		"PREPARE erase AS "+Postgres.sql(eraseByLeadsSQL), "EXPLAIN EXECUTE erase("+strings.Join([]string{orgLit, ids, orgLit, ids}, ", ")+")")
	if !strings.Contains(got, "Update on contacts") || !strings.Contains(got, "Index Scan using contacts_lead on contacts") ||
		strings.Contains(got, "contacts_v3_pkey") {
		t.Errorf("generic plan of EraseByLeads:\n%s\nwant the update and the read on contacts_lead, no look-up in contacts_v3_pkey", got)
	}
}

// openPlanPostgres opens a Store on a schema of its own on the test
// server (skipping without one) and one connection of its pool, for
// statements that must share a session (SET, PREPARE); both are closed
// when t ends.
func openPlanPostgres(t *testing.T) (*Store, *sql.Conn) {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Driver{Dialect: Postgres}.Open(t.Context(), db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return s, conn
}

// queryLines runs stmts on conn in order and returns the first column of
// every row they returned (the lines of an EXPLAIN), one per line.
func queryLines(t *testing.T, conn *sql.Conn, stmts ...string) string {
	t.Helper()
	var lines []string
	for _, stmt := range stmts {
		rows, err := conn.QueryContext(t.Context(), stmt)
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, line)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(lines, "\n")
}

// TestPlanPurgeDeletesPostgres checks the plans of DeleteMany's
// statements on PostgreSQL for a batch that is a quarter of the table, as
// PostgreSQL plans the first five runs of a prepared statement (with the
// parameters' values): each finds its rows by index probes, one per id,
// never by a scan of the whole table (which every batch of a purge paid
// again while the list was visible to the planner).
func TestPlanPurgeDeletesPostgres(t *testing.T) {
	ctx := t.Context()
	_, conn := openPlanPostgres(t)
	org := uuid.New()
	leads := make([][16]byte, 20000)
	for i := range leads {
		leads[i] = uuid.New()
	}
	// leads, lead_phones and contacts for 20,000 leads, so that the
	// planner weighs the indexes against real sizes (the leads' project
	// and template do not exist: foreign keys off for the inserts).
	if _, err := conn.ExecContext(ctx, "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO leads (org_id, id, project_id, template_id, phones, fields, outcome, legal_hold)
		SELECT $1, l, $1, $1, '', '{}', 'success', false FROM unnest($2::uuid[]) l`,
		`INSERT INTO lead_phones (org_id, lead_id, number) SELECT $1, l, '+4930' || n FROM unnest($2::uuid[]) WITH ORDINALITY AS u(l, n)`,
		`INSERT INTO contacts (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
		SELECT $1, gen_random_uuid(), l, now(), $1, 'no_answer', 0, '', '' FROM unnest($2::uuid[]) l CROSS JOIN generate_series(1, 3)`,
	} {
		if _, err := conn.ExecContext(ctx, q, org.String(), leads); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	batch := make([]string, 5000)
	for i := range batch {
		batch[i] = uuid.UUID(leads[i*4]).String()
	}
	args := "'" + org.String() + "', '{" + strings.Join(batch, ",") + "}'"
	for _, c := range []struct{ table, col, index string }{
		{"leads", "id", "leads_pkey"}, {"lead_phones", "lead_id", "lead_phones_v3_pkey"}, {"contacts", "lead_id", "contacts_lead"},
	} {
		in, _ := idsIn(Postgres, c.col, nil)
		got := queryLines(t, conn, "ANALYZE "+c.table, "SET plan_cache_mode = force_custom_plan",
			"PREPARE del_"+c.table+" AS "+Postgres.sql(deleteManySQL(c.table, in)), "EXPLAIN EXECUTE del_"+c.table+"("+args+")")
		if !strings.Contains(got, "Index Scan using "+c.index+" on "+c.table) || strings.Contains(got, "Seq Scan") {
			if len(got) > 2000 {
				got = got[:2000] + "..."
			}
			t.Errorf("plan of DeleteMany on %s with 5,000 of 20,000 ids:\n%s\nwant index probes on %s, no sequential scan", c.table, got, c.index)
		}
	}
}
