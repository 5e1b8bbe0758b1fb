package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
)

type rules struct{ t *txn }

const ruleCols = `org_id, id, project_id, outcome, keep_for, action, basis, created_by, created_at`

func scanRule(r scanner) (lp.RetentionRule, error) {
	var x lp.RetentionRule
	var keep int64
	err := r.Scan(uuidCol{&x.OrgID}, uuidCol{&x.ID}, uuidCol{&x.ProjectID}, &x.Outcome, &keep,
		&x.Action, &x.Basis, uuidCol{&x.CreatedBy}, timeCol{&x.CreatedAt})
	x.KeepFor = time.Duration(keep)
	return x, err
}

func (v rules) Create(ctx context.Context, r lp.RetentionRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	const op = "retention_rules.create"
	d := v.t.d
	n, err := v.t.affected(ctx, op, `INSERT INTO retention_rules (`+ruleCols+`)
		SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS BIGINT),
		       CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS {{UUID}}), CAST(? AS {{TIME}})
		WHERE EXISTS (SELECT 1 FROM projects WHERE org_id = ? AND id = ?) ON CONFLICT DO NOTHING`,
		d.id(r.OrgID), d.id(r.ID), d.id(r.ProjectID), r.Outcome, int64(r.KeepFor), string(r.Action),
		string(r.Basis), d.id(r.CreatedBy), d.time(r.CreatedAt), d.id(r.OrgID), d.id(r.ProjectID))
	if err != nil || n > 0 {
		return err
	}
	return v.why(ctx, op, r, false)
}

// why explains a create or update of r that changed no row: ErrNotFound if
// the project (or, for an update, the rule) is missing, else ErrConflict.
func (v rules) why(ctx context.Context, op string, r lp.RetentionRule, update bool) error {
	d := v.t.d
	org := d.id(r.OrgID)
	if update {
		found, err := v.t.exists(ctx, op, `SELECT 1 FROM retention_rules WHERE org_id = ? AND id = ?`, org, d.id(r.ID))
		if err != nil {
			return err
		}
		if !found {
			return notFound(op, object("retention rule", r.ID))
		}
	}
	err := v.t.conflictOrNotFound(ctx, op, `SELECT 1 FROM projects WHERE org_id = ? AND id = ?`, org, d.id(r.ProjectID))
	taken := "project already has a rule for this outcome"
	if !update {
		taken += ", or " + object("retention rule", r.ID) + " exists"
	}
	return about(err, object("project", r.ProjectID), taken)
}

func (v rules) Get(ctx context.Context, org, id uuid.UUID) (lp.RetentionRule, error) {
	r, err := get(ctx, v.t, "retention_rules.get", scanRule,
		`SELECT `+ruleCols+` FROM retention_rules WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	return r, aboutID(err, "retention rule", id)
}

func (v rules) Update(ctx context.Context, r lp.RetentionRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	const op = "retention_rules.update"
	d := v.t.d
	org, id := d.id(r.OrgID), d.id(r.ID)
	// Skipping a colliding update instead of letting the unique index fail
	// keeps a PostgreSQL transaction usable after ErrConflict.
	n, err := v.t.affected(ctx, op, `UPDATE retention_rules
		SET project_id = ?, outcome = ?, keep_for = ?, action = ?, basis = ?, created_by = ?, created_at = ?
		WHERE org_id = ? AND id = ? AND EXISTS (SELECT 1 FROM projects WHERE org_id = ? AND id = ?) AND NOT EXISTS (
		  SELECT 1 FROM retention_rules o WHERE o.org_id = ? AND o.project_id = ? AND o.outcome = ? AND o.id <> ?)`,
		d.id(r.ProjectID), r.Outcome, int64(r.KeepFor), string(r.Action), string(r.Basis), d.id(r.CreatedBy),
		d.time(r.CreatedAt), org, id, org, d.id(r.ProjectID), org, d.id(r.ProjectID), r.Outcome, id)
	if err != nil || n > 0 {
		return err
	}
	return v.why(ctx, op, r, true)
}

func (v rules) Delete(ctx context.Context, org, id uuid.UUID) error {
	err := v.t.mustAffect(ctx, "retention_rules.delete",
		`DELETE FROM retention_rules WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	return aboutID(err, "retention rule", id)
}

func (v rules) List(ctx context.Context, org, project uuid.UUID) ([]lp.RetentionRule, error) {
	d := v.t.d
	q := `SELECT ` + ruleCols + ` FROM retention_rules WHERE org_id = ?`
	args := []any{d.id(org)}
	if project != uuid.Nil {
		q += ` AND project_id = ?`
		args = append(args, d.id(project))
	}
	return list(ctx, v.t, "retention_rules.list", scanRule, q+` ORDER BY project_id, outcome`, args...)
}
