package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestPrefixRangeCollations checks that the range prefixRange gives holds
// exactly the numbers with the prefix, compared as SQLite compares TEXT
// and as PostgreSQL does under the C collation and under an ICU one (a
// database's default may be either; there a bound of prefix+"\x7f" ends
// the range too early).
func TestPrefixRangeCollations(t *testing.T) {
	numbers := []string{"+4520000001", "+4529", "+45290", "+4529999999", "+453", "+4530123456", "+46701234567", "+919876543210", "+999"}
	prefixes := []string{"+4", "+45", "+452", "+4529", "+4529999999", "+453", "+459", "+9", "+99", "+999", "+1"}
	type backend struct {
		name, driver, dsn, query string
	}
	backends := []backend{{"sqlite", "sqlite", "file:" + t.TempDir() + "/t.db",
		`SELECT ? >= ? AND (? = '' OR ? < ?)`}}
	if dsn := os.Getenv("LEADPRIVACY_TEST_POSTGRES_DSN"); dsn != "" {
		for _, coll := range []string{"C", "und-x-icu"} {
			c := ` AS TEXT) COLLATE "` + coll + `"`
			backends = append(backends, backend{"postgres " + coll, "pgx", dsn,
				`SELECT CAST($1` + c + ` >= $2 AND (CAST($3 AS TEXT) = '' OR CAST($4` + c + ` < $5)`})
		}
	}
	for _, b := range backends {
		db, err := sql.Open(b.driver, b.dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		for _, p := range prefixes {
			lo, hi := prefixRange(p)
			for _, n := range numbers {
				var in bool
				if err := db.QueryRowContext(t.Context(), b.query, n, lo, hi, n, hi).Scan(&in); err != nil {
					t.Fatalf("%s: %v", b.name, err)
				}
				if in != strings.HasPrefix(n, p) {
					t.Errorf("%s: %s in [%q, %q) = %v, want %v", b.name, n, lo, hi, in, !in)
				}
			}
		}
	}
}

// TestPlanPrefixPostgres checks that a page of a number prefix reads the
// number index on PostgreSQL in the generic plan of a prepared statement
// (pgx prepares every statement, and PostgreSQL switches to the generic
// plan after five runs): left to it, that plan walks the organisation's
// primary key in id order and filters every number.
func TestPlanPrefixPostgres(t *testing.T) {
	ctx := t.Context()
	s, conn := openPlanPostgres(t)
	org := uuid.New()
	err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, lp.Organisation{ID: org, Name: "o", DefaultRegion: "DK"}); err != nil {
			return err
		}
		entries := make([]lp.BlockEntry, 20_000)
		for i := range entries {
			entries[i] = lp.BlockEntry{OrgID: org, ID: uuid.New(), Number: phone.Number(fmt.Sprintf("+453%07d", i)),
				BlockedBy: org, BlockedAt: time.Unix(1e9, 0), Reason: "r", Source: lp.SourceUpload}
		}
		_, err := tx.Blocks().CreateMany(ctx, org, entries)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	q, args, err := blockListQuery(Postgres, org, storage.BlockFilter{NumberPrefix: "+4530001"}, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	literals := make([]string, len(args))
	for i, a := range args {
		literals[i] = fmt.Sprintf("'%v'", a)
	}
	plan := queryLines(t, conn, "ANALYZE blocks", "SET plan_cache_mode = force_generic_plan", "PREPARE page AS "+Postgres.sql(q),
		"EXPLAIN EXECUTE page("+strings.Join(literals, ", ")+")")
	if got := plan; !strings.Contains(got, "using blocks_number") || strings.Contains(got, "blocks_pkey") {
		t.Errorf("generic plan of a prefix page:\n%s\nwant the number index, not the primary key", got)
	}
}
