package memstore_test

import (
	"testing"

	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
	"github.com/leadprivacy/leadprivacy/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memstore.New() }, nil)
}
