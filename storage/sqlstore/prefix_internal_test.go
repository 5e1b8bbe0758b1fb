package sqlstore

import (
	"database/sql"
	"os"
	"strings"
	"testing"
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
