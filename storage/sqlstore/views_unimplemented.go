package sqlstore

// TEMPORARY (branch rstor only, removed before it is merged): the SQL forms
// of Leads.Count, Leads.AnonymiseMany, Contacts.EraseByLeads and Leases
// are being written. Until then they fail, so services can be built
// against memstore.

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/storage"
)

var errUnimplemented = errors.New("leadprivacy: sqlstore: retention storage not implemented yet")

func (leads) Count(context.Context, uuid.UUID, storage.LeadFilter) (int, error) {
	return 0, errUnimplemented
}

func (leads) AnonymiseMany(context.Context, uuid.UUID, []uuid.UUID, time.Time) (int, error) {
	return 0, errUnimplemented
}

func (contacts) EraseByLeads(context.Context, uuid.UUID, []uuid.UUID) (map[uuid.UUID][]string, int, error) {
	return nil, 0, errUnimplemented
}

type leases struct{ t *txn }

func (leases) Acquire(context.Context, uuid.UUID, string, uuid.UUID, time.Time, time.Time) (bool, error) {
	return false, errUnimplemented
}
func (leases) Release(context.Context, uuid.UUID, string, uuid.UUID) error { return errUnimplemented }
func (leases) Get(context.Context, uuid.UUID, string) (uuid.UUID, time.Time, error) {
	return uuid.Nil, time.Time{}, errUnimplemented
}
