package sqlstore

// TEMPORARY (branch base only, never merged to main): the SQL registries
// and erasures views are being written on branch stor. Until then every
// method fails, so services can be built against memstore.

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

var errUnimplemented = errors.New("leadprivacy: sqlstore: registries and erasures not implemented yet")

type registries struct{ t *txn }

func (registries) Create(context.Context, lp.Registry) error { return errUnimplemented }
func (registries) Get(context.Context, uuid.UUID, string) (lp.Registry, error) {
	return lp.Registry{}, errUnimplemented
}
func (registries) List(context.Context, uuid.UUID) ([]lp.Registry, error) {
	return nil, errUnimplemented
}
func (registries) Update(context.Context, lp.Registry) error          { return errUnimplemented }
func (registries) Delete(context.Context, uuid.UUID, uuid.UUID) error { return errUnimplemented }
func (registries) WriteSnapshot(context.Context, uuid.UUID, uuid.UUID, int64, []byte) error {
	return errUnimplemented
}
func (registries) ReadSnapshot(context.Context, uuid.UUID, uuid.UUID, int64) ([]byte, error) {
	return nil, errUnimplemented
}
func (registries) DeleteSnapshots(context.Context, uuid.UUID, uuid.UUID, int64) (int, error) {
	return 0, errUnimplemented
}

type erasures struct{ t *txn }

func (erasures) Add(context.Context, lp.PendingErasure) error { return errUnimplemented }
func (erasures) Get(context.Context, uuid.UUID, uuid.UUID) (lp.PendingErasure, error) {
	return lp.PendingErasure{}, errUnimplemented
}
func (erasures) List(context.Context, uuid.UUID, time.Time, storage.Page) ([]lp.PendingErasure, error) {
	return nil, errUnimplemented
}
func (erasures) Update(context.Context, lp.PendingErasure) error    { return errUnimplemented }
func (erasures) Delete(context.Context, uuid.UUID, uuid.UUID) error { return errUnimplemented }

func (t *txn) Registries() storage.Registries { return registries{t} }
func (t *txn) Erasures() storage.Erasures     { return erasures{t} }
