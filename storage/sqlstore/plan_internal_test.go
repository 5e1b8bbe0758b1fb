package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestEventQueryPlanSQLite checks with EXPLAIN QUERY PLAN that Events.Query
// reads the index of its selective filter on SQLite. Without statistics
// SQLite prefers walking the primary key backwards for ORDER BY seq DESC
// LIMIT, which filters every event of the organisation.
func TestEventQueryPlanSQLite(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := uuid.New()
	fp := phone.Fingerprint{1}
	cases := []struct {
		name string
		q    storage.EventQuery
		want string
	}{
		{"fingerprint", storage.EventQuery{Fingerprint: fp, Since: time.Unix(1e9, 0)}, "USING INDEX events_fingerprint"},
		{"lead", storage.EventQuery{LeadID: id, BeforeSeq: 10}, "USING INDEX events_lead"},
		{"object", storage.EventQuery{ObjectID: id}, "USING INDEX events_object"},
		{"actor", storage.EventQuery{ActorID: id, Until: time.Unix(2e9, 0)}, "USING INDEX events_actor"},
		{"fingerprint and actor", storage.EventQuery{Fingerprint: fp, ActorID: id}, "USING INDEX events_fingerprint"},
		{"no filter", storage.EventQuery{}, "USING PRIMARY KEY"},
	}
	for _, c := range cases {
		stmt, args := eventQuery(SQLite, uuid.New(), c.q)
		rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+SQLite.sql(stmt), args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(plan, "; ")
		if !strings.Contains(got, c.want) || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%s: plan %q, want %q without a sort", c.name, got, c.want)
		}
	}
}
