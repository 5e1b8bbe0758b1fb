package sqlstore_test

import (
	"testing"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/storagetest"
)

func TestConformanceSQLite(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, _ := openSQLite(t, nil)
		return s
	}, nil)
}

func TestConformancePostgres(t *testing.T) {
	pgtest.DSN(t)
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) storage.Store { return openPostgres(t, nil) }, nil)
}
