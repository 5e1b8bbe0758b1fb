package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type erasures struct{ tx *txn }

func copyErasure(e lp.PendingErasure) lp.PendingErasure {
	e.RecordingRefs = slices.Clone(e.RecordingRefs)
	e.CreatedAt, e.NextAttemptAt = utc(e.CreatedAt), utc(e.NextAttemptAt)
	return e
}

func (v erasures) Add(ctx context.Context, e lp.PendingErasure) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	d, err := v.tx.addTo(e.OrgID)
	if err != nil {
		return err
	}
	if _, ok := d.erasures.get(e.ID); ok {
		return idExists("pending erasure", e.ID)
	}
	d.erasures.put(&v.tx.undo, e.ID, copyErasure(e))
	return nil
}

func (v erasures) Get(ctx context.Context, org, id uuid.UUID) (lp.PendingErasure, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.PendingErasure{}, err
	}
	e, ok := v.tx.org(org).erasures.get(id)
	if !ok {
		return lp.PendingErasure{}, notFound("pending erasure", id)
	}
	return copyErasure(e), nil
}

func (v erasures) List(ctx context.Context, org uuid.UUID, dueAt time.Time, page storage.Page) ([]lp.PendingErasure, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	if err := lp.ValidTime("dueAt", dueAt); err != nil {
		return nil, err
	}
	due := utc(dueAt)
	keep := func(e lp.PendingErasure) bool { return due.IsZero() || !e.NextAttemptAt.After(due) }
	return pageOf(v.tx.org(org).erasures, page, keep, copyErasure), nil
}

func (v erasures) Update(ctx context.Context, e lp.PendingErasure) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(e.OrgID)
	old, ok := d.erasures.get(e.ID)
	if !ok {
		return notFound("pending erasure", e.ID)
	}
	if old.LeadID != e.LeadID || old.Eraser != e.Eraser || !slices.Equal(old.RecordingRefs, e.RecordingRefs) || !old.CreatedAt.Equal(utc(e.CreatedAt)) {
		return &lp.FieldError{Field: "PendingErasure", Reason: "only Attempts, LastError and NextAttemptAt can change"}
	}
	d.erasures.put(&v.tx.undo, e.ID, copyErasure(e))
	return nil
}

func (v erasures) Delete(ctx context.Context, org, id uuid.UUID) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	d := v.tx.writeOrg(org)
	if _, ok := d.erasures.get(id); !ok {
		return notFound("pending erasure", id)
	}
	d.erasures.del(&v.tx.undo, id)
	return nil
}
