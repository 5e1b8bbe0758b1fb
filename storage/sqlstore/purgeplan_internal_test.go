package sqlstore

import (
	"database/sql"
	"fmt"
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
// quarter of the statement in BenchmarkPurge), and DeleteMany's child
// deletes find their rows by lead in one statement.
func TestPlanPurgeWritesPostgres(t *testing.T) {
	ctx := t.Context()
	_, conn := openPlanPostgres(t)
	org := uuid.New()
	// Attempts and phone rows of 20,000 leads (neither table has a foreign
	// key), so that the planner weighs the indexes against real sizes.
	for _, stmt := range []string{
		`INSERT INTO contacts (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
		 SELECT $1, gen_random_uuid(), l.id, now(), $1, 'no_answer', 0, 'note', 'rec://' || l.id
		 FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 20000)) l CROSS JOIN generate_series(1, 3)`,
		`INSERT INTO lead_phones (org_id, lead_id, number) SELECT DISTINCT $1::uuid, lead_id, '+4512345678' FROM contacts`,
	} {
		if _, err := conn.ExecContext(ctx, stmt, org.String()); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	ids := "'{" + uuid.NewString() + "," + uuid.NewString() + "}'"
	orgLit := "'" + org.String() + "'"
	for i, c := range []struct {
		name, stmt, args string
		want, not        []string
	}{
		{name: "erase contacts", stmt: eraseByLeadsSQL, args: strings.Join([]string{orgLit, ids, orgLit, ids}, ", "),
			want: []string{"Update on contacts", "Index Scan using contacts_lead on contacts"}, not: []string{"contacts_v3_pkey"}},
		{name: "delete children", stmt: deleteChildrenSQL, args: strings.Join([]string{orgLit, ids, orgLit, ids}, ", "),
			want: []string{"Index Scan using lead_phones_v3_pkey on lead_phones", "Index Scan using contacts_lead on contacts"},
			not:  []string{"Seq Scan"}},
	} {
		got := queryLines(t, conn, "ANALYZE contacts", "ANALYZE lead_phones", "SET plan_cache_mode = force_generic_plan",
			fmt.Sprintf("PREPARE p%d AS %s", i, Postgres.sql(c.stmt)), fmt.Sprintf("EXPLAIN EXECUTE p%d(%s)", i, c.args))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: generic plan:\n%s\nwant %q", c.name, got, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: generic plan:\n%s\nwant no %q", c.name, got, n)
			}
		}
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
