package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type leases struct{ tx *txn }

// lease is a taken lease: its holder and expiry.
type lease struct {
	holder uuid.UUID
	until  time.Time
}

func (v leases) Acquire(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID, now, until time.Time) (bool, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return false, err
	}
	if err := storage.ValidLease(name, holder, now, until); err != nil {
		return false, err
	}
	d, err := v.tx.addTo(org)
	if err != nil {
		return false, err
	}
	now, until = utc(now), utc(until)
	if l, ok := d.leases[name]; ok && l.holder != holder && l.until.After(now) {
		return false, nil
	}
	set(&v.tx.undo, d.leases, name, lease{holder: holder, until: until})
	return true, nil
}

func (v leases) Release(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := lp.ValidCode("name", name); err != nil {
		return err
	}
	d := v.tx.writeOrg(org)
	if l, ok := d.leases[name]; ok && l.holder == holder {
		del(&v.tx.undo, d.leases, name)
	}
	return nil
}

func (v leases) Get(ctx context.Context, org uuid.UUID, name string) (uuid.UUID, time.Time, error) {
	if err := v.tx.begin(ctx); err != nil {
		return uuid.Nil, time.Time{}, err
	}
	if err := lp.ValidCode("name", name); err != nil {
		return uuid.Nil, time.Time{}, err
	}
	l, ok := v.tx.org(org).leases[name]
	if !ok {
		return uuid.Nil, time.Time{}, fmt.Errorf("%w: lease %q", lp.ErrNotFound, name)
	}
	return l.holder, l.until, nil
}
