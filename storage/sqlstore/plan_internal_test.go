package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // registers the "sqlite" driver: the internal test cannot import storage/sqlite

	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestPlansSQLite checks with EXPLAIN QUERY PLAN that the ChangeLog's
// statements use their indexes on SQLite, which has no statistics to go
// by: Events.Query the index of its selective filter (else SQLite walks
// the primary key backwards for ORDER BY seq DESC LIMIT, filtering every
// event of the organisation), WriteHashes' conflict guard and ReadHashes'
// runs the primary key of event_hashes (else every call scans the
// organisation's tree), and the number look-ups of checks and imports
// their number indexes.
func TestPlansSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "plan.db")+"?_pragma=foreign_keys(ON)")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Driver{Dialect: SQLite}.Open(ctx, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org, id := uuid.New(), uuid.New()
	fp := phone.Fingerprint{1}
	query := func(q storage.EventQuery) (string, []any) { return eventQuery(SQLite, org, q) }
	type planCase struct {
		name, stmt string
		args       []any
		want       string
		sorts      bool     // sorts the rows it found (a temporary B-tree)
		wants      []string // of a set look-up: each in the plan, and no scan of events
		writes     bool     // a write of a batch: no table-valued function
	}
	cases := []planCase{
		{name: "no filter", want: "SEARCH events USING PRIMARY KEY (org_id=?"},
		{name: "write hashes", stmt: writeHashesSQL(sqliteHashRows),
			args: []any{hashPairs([]int64{1}, [][32]byte{{1}}), org[:], org[:], org[:]},
			want: "SEARCH h USING PRIMARY KEY (org_id=? AND idx=?)"},
		{name: "read hash run", stmt: readRunSQL, args: []any{org[:], 4, 8},
			want: "SEARCH event_hashes USING PRIMARY KEY (org_id=? AND idx>? AND idx<?)"},
	}
	var fpCases []planCase
	cases[0].stmt, cases[0].args = query(storage.EventQuery{})
	// The number look-ups of every check and import: the number index, not
	// the organisation's whole primary key range (ORDER BY id tempted SQLite
	// into the latter, 14 ms a check at 100k blocks).
	numbers := SQLite.textList([]string{"+4520123456"})
	cases = append(cases,
		// sorts: the DISTINCT over the lengths of the organisation's prefix entries.
		planCase{name: "blocks by number", stmt: blocksByNumbersSQL[SQLite], args: []any{org[:], numbers, org[:], org[:], numbers},
			want: "SEARCH blocks USING INDEX blocks_number (org_id=? AND number=?)", sorts: true},
		planCase{name: "blocks by prefix", stmt: blocksByNumbersSQL[SQLite], args: []any{org[:], numbers, org[:], org[:], numbers},
			want: "SEARCH blocks USING INDEX blocks_prefix (org_id=? AND number=?)", sorts: true},
		planCase{name: "leads by number", stmt: leadsByNumbersSQL[SQLite], args: []any{org[:], org[:], numbers},
			want: "SEARCH lead_phones USING"})
	// A number prefix filter of the blocklist: a range of the number index,
	// not the primary key range with every entry's number compared; a page
	// sorts the prefix's entries by id.
	for _, f := range []storage.BlockFilter{{NumberPrefix: "+4520"}, {NumberPrefix: "+9", ActiveAt: time.Unix(1e9, 0)}} {
		list, listArgs, err := blockListQuery(SQLite, org, f, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		count, countArgs, err := blockCountQuery(SQLite, org, f)
		if err != nil {
			t.Fatal(err)
		}
		want := "INDEX blocks_number (org_id=? AND number>? AND number<?)" // COVERING for the count
		if f.NumberPrefix == "+9" {
			want = "INDEX blocks_number (org_id=? AND number>?)" // no upper bound
		}
		cases = append(cases,
			planCase{name: "blocks count " + f.NumberPrefix, stmt: count, args: countArgs, want: want},
			planCase{name: "blocks list " + f.NumberPrefix, stmt: list, args: listArgs, want: want, sorts: true})
	}
	for name, q := range map[string]storage.EventQuery{
		"object": {ObjectID: id},
		"actor":  {ActorID: id, Until: time.Unix(2e9, 0)},
	} {
		stmt, args := query(q)
		cases = append(cases, planCase{name: name, stmt: stmt, args: args, want: "SEARCH events USING INDEX events_" + name + " (org_id=? AND " + name + "_id=?"})
	}
	// The events of a number or a lead: both legs of the union on their
	// indexes, then a sort of what they found (the events of one number or
	// lead) only. A lead with a number: the number's look-up, each event
	// found probed in event_leads by its primary key.
	byFingerprint := []string{"SEARCH events USING INDEX events_fingerprint (org_id=? AND fingerprint=?",
		"SEARCH f USING PRIMARY KEY (org_id=? AND fingerprint=?)", "SEARCH e USING PRIMARY KEY (org_id=? AND seq=?)"}
	for name, c := range map[string]struct {
		q     storage.EventQuery
		wants []string
	}{
		"fingerprint":           {storage.EventQuery{Fingerprint: fp, Since: time.Unix(1e9, 0)}, byFingerprint},
		"fingerprint and actor": {storage.EventQuery{Fingerprint: fp, ActorID: id}, byFingerprint},
		"lead": {storage.EventQuery{LeadID: id, BeforeSeq: 10}, []string{"SEARCH events USING INDEX events_lead (org_id=? AND lead_id=?",
			"SEARCH f USING PRIMARY KEY (org_id=? AND lead_id=?", "SEARCH e USING PRIMARY KEY (org_id=? AND seq=?)"}},
		"fingerprint and lead": {storage.EventQuery{Fingerprint: fp, LeadID: id},
			append(slices.Clone(byFingerprint), "SEARCH s USING PRIMARY KEY (org_id=? AND lead_id=? AND seq=?)")},
	} {
		stmt, args := query(c.q)
		fpCases = append(fpCases, planCase{name: name, stmt: stmt, args: args, wants: c.wants})
	}
	// Reading the sets of a page of events: by event_fingerprints_seq and
	// event_leads_seq, in the order they return, sorting nothing.
	cases = append(cases, planCase{name: "event sets", stmt: eventSetsSQL[SQLite],
		args: []any{org[:], SQLite.intList([]int64{1, 2}), org[:], SQLite.intList([]int64{1, 2})},
		want: "SEARCH event_fingerprints USING COVERING INDEX event_fingerprints_seq (org_id=? AND seq=?)"},
		planCase{name: "event sets", stmt: eventSetsSQL[SQLite],
			args: []any{org[:], SQLite.intList([]int64{1, 2}), org[:], SQLite.intList([]int64{1, 2})},
			want: "SEARCH event_leads USING COVERING INDEX event_leads_seq (org_id=? AND seq=?)"})
	no := false
	notHeld := storage.LeadFilter{ProjectID: id, Outcomes: []string{"sale"}, Basis: "created", Before: time.Unix(2e9, 0), LegalHold: &no}
	// Retention: a count on the index List pages (the project's, or the
	// organisation's primary key range), never a scan of the leads table;
	// AnonymiseMany and EraseByLeads find their rows by key per id.
	for name, c := range map[string]struct {
		f    storage.LeadFilter
		want string
	}{
		"count project": {storage.LeadFilter{ProjectID: id, Outcomes: []string{"sale"}, Basis: "created", Before: time.Unix(2e9, 0)},
			"SEARCH leads USING INDEX leads_project (org_id=? AND project_id=?)"},
		"count org": {storage.LeadFilter{ExcludeOutcomes: []string{"sale"}}, "SEARCH leads USING PRIMARY KEY (org_id=?)"},
		// A purge's count of the leads not held: the same lead index, and
		// the project's hold read once by its key (not CORRELATED: per lead).
		"count project not held":                     {notHeld, "SEARCH leads USING INDEX leads_project (org_id=? AND project_id=?)"},
		"count project not held, the project's hold": {notHeld, "; SCALAR SUBQUERY 2; SEARCH projects USING PRIMARY KEY (org_id=? AND id=?)"},
	} {
		where, args, err := leadFilterWhere(SQLite, org, c.f)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, planCase{name: name, stmt: leadCountSQL(SQLite, c.f, where), args: args, want: c.want})
	}
	// CountMany: one walk of the organisation's primary key range, also
	// for the rules of one project (not a look-up per lead through
	// leads_project), sorting nothing.
	no, yes := false, true
	rules := []storage.LeadFilter{{ProjectID: id, Outcomes: []string{"sale"}, Forgotten: &no, LegalHold: &no},
		{ProjectID: id, Outcomes: []string{"sale"}, Forgotten: &no, LegalHold: &yes},
		{ProjectID: id, ExcludeOutcomes: []string{"sale"}, Basis: "closed", Before: time.Unix(2e9, 0), LegalHold: &no}}
	for name, fs := range map[string][]storage.LeadFilter{"count many project": rules, "count many org": {{}, {Outcomes: []string{"sale"}}}} {
		stmt, args, err := leadCountManySQL(SQLite, org, fs)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, planCase{name: name, stmt: stmt, args: args, want: "SEARCH leads USING PRIMARY KEY (org_id=?)"})
	}
	ids := SQLite.uuidList([]uuid.UUID{id})
	// Their writes bind the ids one parameter each (idsIn), no json_each:
	// a table-valued function in a write statement costs a statement
	// journal.
	in, inArgs := idsIn(SQLite, "id", []uuid.UUID{id, org})
	leadIn, _ := idsIn(SQLite, "lead_id", []uuid.UUID{id, org})
	withOrg := func(args ...any) []any { return append(append(args, org[:]), inArgs...) }
	cases = append(cases,
		planCase{name: "anonymise phones", stmt: `DELETE FROM lead_phones WHERE org_id = ? AND lead_id IN (SELECT id FROM leads WHERE ` + anonymisable(in) + `)`,
			args: withOrg(org[:]), want: "SEARCH leads USING PRIMARY KEY (org_id=? AND id=?)", writes: true},
		planCase{name: "anonymise leads", stmt: `UPDATE leads SET forgotten_at = ? WHERE ` + anonymisable(in),
			args: withOrg(1), want: "SEARCH leads USING PRIMARY KEY (org_id=? AND id=?)", writes: true},
		planCase{name: "erase refs", stmt: eraseRefsSQL, args: []any{org[:], ids},
			want: "SEARCH contacts USING PRIMARY KEY (org_id=? AND lead_id=?)"},
		planCase{name: "erase contacts", stmt: eraseContactsSQL(leadIn), args: withOrg(),
			want: "SEARCH contacts USING PRIMARY KEY (org_id=? AND lead_id=?)", writes: true},
		planCase{name: "delete leads", stmt: `DELETE FROM leads WHERE org_id = ? AND ` + in, args: withOrg(),
			want: "SEARCH leads USING PRIMARY KEY (org_id=? AND id=?)", writes: true},
		planCase{name: "delete contacts", stmt: `DELETE FROM contacts WHERE org_id = ? AND ` + leadIn, args: withOrg(),
			want: "SEARCH contacts USING PRIMARY KEY (org_id=? AND lead_id=?)", writes: true},
		// An attempt by its id (Contacts.Add's conflict check) on the
		// index of ids: the table is in lead order since migration 11.
		planCase{name: "contact by id", stmt: `SELECT 1 FROM contacts WHERE org_id = ? AND id = ?`, args: []any{org[:], id[:]},
			want: "SEARCH contacts USING COVERING INDEX contacts_id (org_id=? AND id=?)"},
		planCase{name: "delete phones", stmt: `DELETE FROM lead_phones WHERE org_id = ? AND ` + leadIn, args: withOrg(),
			want: "SEARCH lead_phones USING PRIMARY KEY (org_id=? AND lead_id=?)", writes: true},
	)
	plan := func(c planCase) string {
		got, err := explainSQLite(ctx, s.db, c.stmt, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		return got
	}
	for _, c := range cases {
		if got := plan(c); !strings.Contains(got, c.want) || strings.Contains(got, "TEMP B-TREE") != c.sorts ||
			c.writes && strings.Contains(got, "VIRTUAL TABLE") {
			t.Errorf("%s: plan %q, want %q, sorting %v, a table-valued function %v", c.name, got, c.want, c.sorts, !c.writes)
		}
	}
	for _, c := range fpCases {
		got := plan(c)
		for _, want := range c.wants {
			if !strings.Contains(got, want) || strings.Contains(got, "SCAN events") {
				t.Errorf("%s: plan %q, want %q and no scan of events", c.name, got, want)
			}
		}
	}
}

// explainSQLite returns the steps of SQLite's plan of stmt (EXPLAIN QUERY
// PLAN), joined by "; ".
func explainSQLite(ctx context.Context, db *sql.DB, stmt string, args ...any) (string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+SQLite.sql(stmt), args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "; "), rows.Err()
}
