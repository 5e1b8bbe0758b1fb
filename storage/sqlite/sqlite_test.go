package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadprivacy/leadprivacy/storage/sqlite"
)

// TestOpenBadPath checks that a path SQLite cannot open fails at Open with
// an error naming the path and why, not at the first transaction with an
// error code.
func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("not a database, but long enough to have a header"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path, why string
	}{
		{"missing directory", filepath.Join(dir, "missing", "lp.db"), "no such file or directory"},
		{"directory", dir, "a directory"},
		{"not a database", notDB, "not a database"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := sqlite.Open(context.Background(), c.path, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "leadprivacy: sqlite: cannot open "+c.path) || !strings.Contains(msg, c.why) {
				t.Errorf("Open: %q, want the path %s and %q", msg, c.path, c.why)
			}
		})
	}
}
