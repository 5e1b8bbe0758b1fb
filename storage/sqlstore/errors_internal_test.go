package sqlstore

import (
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
)

// TestTranslateDataErrors checks that a value the database cannot hold,
// reported by the real backend, is ErrInvalidArgument with one
// "leadprivacy:" prefix and no quote of the value, not an error matching no
// sentinel.
func TestTranslateDataErrors(t *testing.T) {
	type backend struct {
		driver, dsn string
		queries     map[string]string // what it refuses: query
	}
	backends := []backend{{"sqlite", "file:" + t.TempDir() + "/t.db", map[string]string{
		"SQLITE_TOOBIG": "SELECT zeroblob(2000000000)",
	}}}
	if dsn := os.Getenv("LEADPRIVACY_TEST_POSTGRES_DSN"); dsn != "" {
		backends = append(backends, backend{"pgx", dsn, map[string]string{
			"22021 invalid UTF-8":               "SELECT convert_from('\\xff'::bytea, 'UTF8')",
			"22008 timestamp out of range":      "SELECT '300000-01-01'::timestamptz",
			"22P02 invalid text representation": "SELECT 'secret'::int",
			"54000 program limit exceeded":      "SELECT repeat('x', 1073741824)",
		}})
	}
	for _, b := range backends {
		db, err := sql.Open(b.driver, b.dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		for name, q := range b.queries {
			var v any
			err := translate(t.Context(), "test.op", db.QueryRowContext(t.Context(), q).Scan(&v))
			if !errors.Is(err, lp.ErrInvalidArgument) {
				t.Errorf("%s %s: %v, want ErrInvalidArgument", b.driver, name, err)
				continue
			}
			if msg := err.Error(); strings.Count(msg, "leadprivacy:") != 1 || strings.Contains(msg, "secret") || !strings.Contains(msg, "test.op") {
				t.Errorf("%s %s: message %q", b.driver, name, msg)
			}
		}
	}
}
