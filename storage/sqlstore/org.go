package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type orgs struct{ t *txn }

const orgCols = `org_id, name, default_region, created_at`

func scanOrg(r scanner) (lp.Organisation, error) {
	var o lp.Organisation
	err := r.Scan(uuidCol{&o.ID}, &o.Name, &o.DefaultRegion, timeCol{&o.CreatedAt})
	return o, err
}

func (v orgs) Create(ctx context.Context, o lp.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	d := v.t.d
	err := v.t.insertNew(ctx, "organisations.create",
		`INSERT INTO organisations (`+orgCols+`) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.id(o.ID), o.Name, o.DefaultRegion, d.time(o.CreatedAt))
	return aboutID(err, "organisation", o.ID)
}

func (v orgs) Get(ctx context.Context, org uuid.UUID) (lp.Organisation, error) {
	o, err := get(ctx, v.t, "organisations.get", scanOrg,
		`SELECT `+orgCols+` FROM organisations WHERE org_id = ?`, v.t.d.id(org))
	return o, aboutID(err, "organisation", org)
}

func (v orgs) Update(ctx context.Context, o lp.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	d := v.t.d
	err := v.t.mustAffect(ctx, "organisations.update",
		`UPDATE organisations SET name = ?, default_region = ?, created_at = ? WHERE org_id = ?`,
		o.Name, o.DefaultRegion, d.time(o.CreatedAt), d.id(o.ID))
	return aboutID(err, "organisation", o.ID)
}

type projects struct{ t *txn }

const projectCols = `org_id, id, name, created_at, legal_hold_since`

func scanProject(r scanner) (lp.Project, error) {
	var p lp.Project
	err := r.Scan(uuidCol{&p.OrgID}, uuidCol{&p.ID}, &p.Name, timeCol{&p.CreatedAt}, timeCol{&p.LegalHoldSince})
	return p, err
}

func (v projects) Create(ctx context.Context, p lp.Project) error {
	if err := p.Validate(); err != nil {
		return err
	}
	d := v.t.d
	err := v.t.insertInOrg(ctx, "projects.create", p.OrgID,
		`INSERT INTO projects (`+projectCols+`)
		 SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS {{TIME}}), CAST(? AS {{TIME}}) WHERE `+orgExists+`
		 ON CONFLICT DO NOTHING`,
		d.id(p.OrgID), d.id(p.ID), p.Name, d.time(p.CreatedAt), d.time(p.LegalHoldSince))
	return aboutID(err, "project", p.ID)
}

func (v projects) Get(ctx context.Context, org, id uuid.UUID) (lp.Project, error) {
	p, err := get(ctx, v.t, "projects.get", scanProject, projectGetSQL, v.t.d.id(org), v.t.d.id(id))
	return p, aboutID(err, "project", id)
}

// projectGetSQL and userGetSQL are hot: audit.Record checks the project
// and the actor of every event.
const projectGetSQL = `SELECT ` + projectCols + ` FROM projects WHERE org_id = ? AND id = ?`

func (v projects) List(ctx context.Context, org uuid.UUID, page storage.Page) ([]lp.Project, error) {
	return list(ctx, v.t, "projects.list", scanProject,
		`SELECT `+projectCols+` FROM projects WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?`,
		v.t.d.id(org), v.t.d.id(page.After), page.Size())
}

func (v projects) SetLegalHold(ctx context.Context, org, id uuid.UUID, since time.Time) error {
	if err := lp.ValidTime("since", since); err != nil {
		return err
	}
	d := v.t.d
	err := v.t.mustAffect(ctx, "projects.set_legal_hold",
		`UPDATE projects SET legal_hold_since = ? WHERE org_id = ? AND id = ?`, d.time(since), d.id(org), d.id(id))
	return aboutID(err, "project", id)
}

type templates struct{ t *txn }

const templateCols = `org_id, id, name, fields`

// templateField is the stored form of lp.TemplateField.
type templateField struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Personal bool   `json:"personal"`
}

func scanTemplate(r scanner) (lp.CampaignTemplate, error) {
	var t lp.CampaignTemplate
	var fields []templateField
	if err := r.Scan(uuidCol{&t.OrgID}, uuidCol{&t.ID}, &t.Name, jsonCol{&fields}); err != nil {
		return t, err
	}
	for _, f := range fields {
		t.Fields = append(t.Fields, lp.TemplateField(f))
	}
	return t, nil
}

func templateFields(t lp.CampaignTemplate) string {
	fields := make([]templateField, len(t.Fields))
	for i, f := range t.Fields {
		fields[i] = templateField(f)
	}
	return jsonText(fields)
}

func (v templates) Create(ctx context.Context, t lp.CampaignTemplate) error {
	if err := t.Validate(); err != nil {
		return err
	}
	d := v.t.d
	err := v.t.insertInOrg(ctx, "templates.create", t.OrgID,
		`INSERT INTO templates (`+templateCols+`)
		 SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS TEXT) WHERE `+orgExists+`
		 ON CONFLICT DO NOTHING`,
		d.id(t.OrgID), d.id(t.ID), t.Name, templateFields(t))
	return aboutID(err, "template", t.ID)
}

func (v templates) Get(ctx context.Context, org, id uuid.UUID) (lp.CampaignTemplate, error) {
	t, err := get(ctx, v.t, "templates.get", scanTemplate,
		`SELECT `+templateCols+` FROM templates WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	return t, aboutID(err, "template", id)
}

func (v templates) Update(ctx context.Context, t lp.CampaignTemplate) error {
	if err := t.Validate(); err != nil {
		return err
	}
	d := v.t.d
	err := v.t.mustAffect(ctx, "templates.update",
		`UPDATE templates SET name = ?, fields = ? WHERE org_id = ? AND id = ?`,
		t.Name, templateFields(t), d.id(t.OrgID), d.id(t.ID))
	return aboutID(err, "template", t.ID)
}

func (v templates) List(ctx context.Context, org uuid.UUID, page storage.Page) ([]lp.CampaignTemplate, error) {
	return list(ctx, v.t, "templates.list", scanTemplate,
		`SELECT `+templateCols+` FROM templates WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?`,
		v.t.d.id(org), v.t.d.id(page.After), page.Size())
}

type users struct{ t *txn }

const userCols = `org_id, id, name, role`

func scanUser(r scanner) (lp.User, error) {
	var u lp.User
	err := r.Scan(uuidCol{&u.OrgID}, uuidCol{&u.ID}, &u.Name, &u.Role)
	return u, err
}

func (v users) Create(ctx context.Context, u lp.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	d := v.t.d
	err := v.t.insertInOrg(ctx, "users.create", u.OrgID,
		`INSERT INTO users (`+userCols+`)
		 SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS TEXT) WHERE `+orgExists+`
		 ON CONFLICT DO NOTHING`,
		d.id(u.OrgID), d.id(u.ID), u.Name, string(u.Role))
	return aboutID(err, "user", u.ID)
}

func (v users) Get(ctx context.Context, org, id uuid.UUID) (lp.User, error) {
	u, err := get(ctx, v.t, "users.get", scanUser, userGetSQL, v.t.d.id(org), v.t.d.id(id))
	return u, aboutID(err, "user", id)
}

const userGetSQL = `SELECT ` + userCols + ` FROM users WHERE org_id = ? AND id = ?`

func (v users) List(ctx context.Context, org uuid.UUID, page storage.Page) ([]lp.User, error) {
	return list(ctx, v.t, "users.list", scanUser,
		`SELECT `+userCols+` FROM users WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?`,
		v.t.d.id(org), v.t.d.id(page.After), page.Size())
}

func (v users) AddMember(ctx context.Context, m lp.ProjectMember) error {
	d := v.t.d
	org, project, user := d.id(m.OrgID), d.id(m.ProjectID), d.id(m.UserID)
	// Insert only when user and project exist, so a missing one is detected
	// without a failing statement.
	n, err := v.t.affected(ctx, "users.add_member",
		`INSERT INTO project_members (org_id, project_id, user_id)
		 SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS {{UUID}})
		 WHERE EXISTS (SELECT 1 FROM users WHERE org_id = ? AND id = ?)
		   AND EXISTS (SELECT 1 FROM projects WHERE org_id = ? AND id = ?)
		 ON CONFLICT DO NOTHING`,
		org, project, user, org, user, org, project)
	if err != nil || n > 0 {
		return err
	}
	ok, err := v.t.exists(ctx, "users.add_member",
		`SELECT 1 FROM project_members WHERE org_id = ? AND project_id = ? AND user_id = ?`, org, project, user)
	if err == nil && !ok {
		return notFound("users.add_member", object("user", m.UserID)+" or "+object("project", m.ProjectID))
	}
	return err
}

func (v users) RemoveMember(ctx context.Context, m lp.ProjectMember) error {
	d := v.t.d
	err := v.t.mustAffect(ctx, "users.remove_member",
		`DELETE FROM project_members WHERE org_id = ? AND project_id = ? AND user_id = ?`,
		d.id(m.OrgID), d.id(m.ProjectID), d.id(m.UserID))
	if err != nil {
		return about(err, "project membership of "+object("user", m.UserID), "")
	}
	return nil
}

func (v users) WithAccess(ctx context.Context, org, project uuid.UUID) ([]lp.User, error) {
	d := v.t.d
	return list(ctx, v.t, "users.with_access", scanUser,
		`SELECT `+userCols+` FROM users u WHERE org_id = ? AND (role = ? OR EXISTS (
		   SELECT 1 FROM project_members m WHERE m.org_id = u.org_id AND m.project_id = ? AND m.user_id = u.id))
		 ORDER BY id`,
		d.id(org), string(lp.RoleAdmin), d.id(project))
}
