package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type erasures struct{ t *txn }

const erasureCols = `org_id, id, lead_id, eraser, recording_refs, created_at, attempts, last_error, next_attempt_at`

func scanErasure(r scanner) (lp.PendingErasure, error) {
	var e lp.PendingErasure
	var attempts int64
	err := r.Scan(uuidCol{&e.OrgID}, uuidCol{&e.ID}, uuidCol{&e.LeadID}, &e.Eraser, jsonCol{&e.RecordingRefs},
		timeCol{&e.CreatedAt}, &attempts, &e.LastError, timeCol{&e.NextAttemptAt})
	e.Attempts = int(attempts)
	if len(e.RecordingRefs) == 0 {
		e.RecordingRefs = nil // "[]": none, as the memory store returns none
	}
	return e, err
}

// refsText encodes recording references for the recording_refs column: a
// JSON array, which gives back exactly the valid UTF-8 strings stored.
// No references is "[]", so an equality test in SQL sees nil and empty as
// the same list.
func refsText(refs []string) string {
	if refs == nil {
		refs = []string{}
	}
	return jsonText(refs)
}

func (v erasures) Add(ctx context.Context, e lp.PendingErasure) error {
	if err := e.Validate(); err != nil {
		return err
	}
	const op = "erasures.add"
	d := v.t.d
	err := v.t.insertInOrg(ctx, op, e.OrgID, `INSERT INTO pending_erasures (`+erasureCols+`)
		SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS TEXT),
		       CAST(? AS {{TIME}}), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS {{TIME}})
		WHERE `+orgExists+` ON CONFLICT DO NOTHING`,
		d.id(e.OrgID), d.id(e.ID), d.id(e.LeadID), e.Eraser, refsText(e.RecordingRefs),
		d.time(e.CreatedAt), int64(e.Attempts), e.LastError, d.time(e.NextAttemptAt))
	return about(err, "", object("pending erasure", e.ID)+" exists")
}

func (v erasures) Get(ctx context.Context, org, id uuid.UUID) (lp.PendingErasure, error) {
	e, err := get(ctx, v.t, "erasures.get", scanErasure,
		`SELECT `+erasureCols+` FROM pending_erasures WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	return e, aboutID(err, "pending erasure", id)
}

func (v erasures) List(ctx context.Context, org uuid.UUID, dueAt time.Time, page storage.Page) ([]lp.PendingErasure, error) {
	if err := lp.ValidTime("dueAt", dueAt); err != nil {
		return nil, err
	}
	d := v.t.d
	q := `SELECT ` + erasureCols + ` FROM pending_erasures WHERE org_id = ? AND id > ?`
	args := []any{d.id(org), d.id(page.After)}
	if !dueAt.IsZero() {
		q += ` AND (next_attempt_at IS NULL OR next_attempt_at <= ?)`
		args = append(args, d.time(dueAt))
	}
	return list(ctx, v.t, "erasures.list", scanErasure, q+` ORDER BY id LIMIT ?`, append(args, page.Size())...)
}

func (v erasures) Update(ctx context.Context, e lp.PendingErasure) error {
	if err := e.Validate(); err != nil {
		return err
	}
	const op = "erasures.update"
	d := v.t.d
	org, id := d.id(e.OrgID), d.id(e.ID)
	// The fields that cannot change are part of the condition: a row
	// found by id but not updated is ErrInvalidArgument.
	n, err := v.t.affected(ctx, op, `UPDATE pending_erasures SET attempts = ?, last_error = ?, next_attempt_at = ?
		WHERE org_id = ? AND id = ? AND lead_id = ? AND eraser = ? AND recording_refs = ? AND created_at = ?`,
		int64(e.Attempts), e.LastError, d.time(e.NextAttemptAt),
		org, id, d.id(e.LeadID), e.Eraser, refsText(e.RecordingRefs), d.time(e.CreatedAt))
	if err != nil || n > 0 {
		return err
	}
	found, err := v.t.exists(ctx, op, `SELECT 1 FROM pending_erasures WHERE org_id = ? AND id = ?`, org, id)
	switch {
	case err != nil:
		return err
	case found:
		return &lp.FieldError{Field: "PendingErasure", Reason: "only Attempts, LastError and NextAttemptAt can change"}
	}
	return notFound(op, object("pending erasure", e.ID))
}

func (v erasures) Delete(ctx context.Context, org, id uuid.UUID) error {
	err := v.t.mustAffect(ctx, "erasures.delete",
		`DELETE FROM pending_erasures WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	return aboutID(err, "pending erasure", id)
}
