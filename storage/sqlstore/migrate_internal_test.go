package sqlstore

import (
	"slices"
	"testing"
)

// TestMigrationsCoverBothDialects checks that a version split into one file
// per dialect has both: a version missing on one dialect would leave its
// databases behind with schema_version claiming otherwise.
func TestMigrationsCoverBothDialects(t *testing.T) {
	versions := func(d Dialect) []int {
		ms, err := migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var vs []int
		for _, m := range ms {
			vs = append(vs, m.version)
		}
		return vs
	}
	lite, pg := versions(SQLite), versions(Postgres)
	if !slices.Equal(lite, pg) || len(slices.Compact(slices.Clone(lite))) != len(lite) {
		t.Errorf("migration versions: SQLite %v, PostgreSQL %v; want the same, each once", lite, pg)
	}
}
