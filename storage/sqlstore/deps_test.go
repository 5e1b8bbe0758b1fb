package sqlstore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDriverDeps checks that a host links only the driver it uses: the
// shared SQL code links neither, storage/sqlite no pgx, storage/postgres
// no modernc, and a SQLite host (the quickstart) no pgx.
func TestDriverDeps(t *testing.T) {
	const (
		pgx     = "github.com/jackc/pgx/"
		modernc = "modernc.org/"
	)
	cases := []struct {
		pkg       string
		forbidden []string
	}{
		{"github.com/leadprivacy/leadprivacy", []string{pgx, modernc}},
		{"github.com/leadprivacy/leadprivacy/storage/sqlstore", []string{pgx, modernc}},
		{"github.com/leadprivacy/leadprivacy/storage/sqlite", []string{pgx}},
		{"github.com/leadprivacy/leadprivacy/storage/postgres", []string{modernc}},
		{"github.com/leadprivacy/leadprivacy/examples/quickstart", []string{pgx}},
	}
	for _, c := range cases {
		out, err := exec.Command("go", "list", "-deps", c.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", c.pkg, err, out)
		}
		for _, f := range c.forbidden {
			for dep := range strings.Lines(string(out)) {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s links %s", c.pkg, strings.TrimSpace(dep))
					break
				}
			}
		}
	}
}
