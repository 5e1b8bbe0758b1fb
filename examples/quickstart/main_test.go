package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickstart runs the whole walk-through on a fresh SQLite file and
// checks the outcomes a newcomer reads in its output.
func TestQuickstart(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), &out, filepath.Join(t.TempDir(), "lp.db")); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"dnc.csv: 5 rows, 2 blocked, 2 already blocked (1 twice in the file), 1 invalid",
		"line 3, column 1",
		"line 3: not imported, +45••••3456 is blocked org-wide",
		"line 4: not imported, +45••••4567 is blocked for Energy 2026",
		"imported 1 of 3 valid leads into Energy 2026",
		"who blocked 20 12 34 56? Alice",
		"Verify: the ChangeLog is intact",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, secret := range []string{"20123456", "anna@example.com", "Jensen"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("output shows personal data %q", secret)
		}
	}
}
