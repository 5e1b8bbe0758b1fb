package memstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type organisations struct{ tx *txn }

func (v organisations) Create(ctx context.Context, o lp.Organisation) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if _, ok := v.tx.s.orgs[o.ID]; ok {
		return idExists("organisation", o.ID)
	}
	o.CreatedAt = utc(o.CreatedAt)
	set(&v.tx.undo, v.tx.s.orgs, o.ID, o)
	return nil
}

func (v organisations) Get(ctx context.Context, org uuid.UUID) (lp.Organisation, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.Organisation{}, err
	}
	o, ok := v.tx.s.orgs[org]
	if !ok {
		return lp.Organisation{}, notFound("organisation", org)
	}
	return o, nil
}

func (v organisations) Update(ctx context.Context, o lp.Organisation) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if _, ok := v.tx.s.orgs[o.ID]; !ok {
		return notFound("organisation", o.ID)
	}
	o.CreatedAt = utc(o.CreatedAt)
	set(&v.tx.undo, v.tx.s.orgs, o.ID, o)
	return nil
}

type projects struct{ tx *txn }

func (v projects) Create(ctx context.Context, p lp.Project) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	d, err := v.tx.addTo(p.OrgID)
	if err != nil {
		return err
	}
	if _, ok := d.projects.get(p.ID); ok {
		return idExists("project", p.ID)
	}
	p.CreatedAt, p.LegalHoldSince = utc(p.CreatedAt), utc(p.LegalHoldSince)
	d.projects.put(&v.tx.undo, p.ID, p)
	return nil
}

func (v projects) Get(ctx context.Context, org, id uuid.UUID) (lp.Project, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.Project{}, err
	}
	p, ok := v.tx.org(org).projects.get(id)
	if !ok {
		return lp.Project{}, notFound("project", id)
	}
	return p, nil
}

func (v projects) List(ctx context.Context, org uuid.UUID, page storage.Page) ([]lp.Project, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	return pageOf(v.tx.org(org).projects, page, nil, ident), nil
}

func (v projects) SetLegalHold(ctx context.Context, org, id uuid.UUID, since time.Time) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := lp.ValidTime("since", since); err != nil {
		return err
	}
	d := v.tx.org(org) // an unknown organisation has no project: nothing to create
	p, ok := d.projects.get(id)
	if !ok {
		return notFound("project", id)
	}
	p.LegalHoldSince = utc(since)
	d.projects.put(&v.tx.undo, p.ID, p)
	return nil
}

type templates struct{ tx *txn }

func (v templates) Create(ctx context.Context, t lp.CampaignTemplate) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	d, err := v.tx.addTo(t.OrgID)
	if err != nil {
		return err
	}
	if _, ok := d.templates.get(t.ID); ok {
		return idExists("template", t.ID)
	}
	d.templates.put(&v.tx.undo, t.ID, copyTemplate(t))
	return nil
}

func (v templates) Get(ctx context.Context, org, id uuid.UUID) (lp.CampaignTemplate, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.CampaignTemplate{}, err
	}
	t, ok := v.tx.org(org).templates.get(id)
	if !ok {
		return lp.CampaignTemplate{}, notFound("template", id)
	}
	return copyTemplate(t), nil
}

func (v templates) Update(ctx context.Context, t lp.CampaignTemplate) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(t.OrgID)
	if _, ok := d.templates.get(t.ID); !ok {
		return notFound("template", t.ID)
	}
	d.templates.put(&v.tx.undo, t.ID, copyTemplate(t))
	return nil
}

func (v templates) List(ctx context.Context, org uuid.UUID, page storage.Page) ([]lp.CampaignTemplate, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	return pageOf(v.tx.org(org).templates, page, nil, copyTemplate), nil
}

type users struct{ tx *txn }

func (v users) Create(ctx context.Context, u lp.User) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	d, err := v.tx.addTo(u.OrgID)
	if err != nil {
		return err
	}
	if _, ok := d.users.get(u.ID); ok {
		return idExists("user", u.ID)
	}
	d.users.put(&v.tx.undo, u.ID, u)
	return nil
}

func (v users) Get(ctx context.Context, org, id uuid.UUID) (lp.User, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.User{}, err
	}
	u, ok := v.tx.org(org).users.get(id)
	if !ok {
		return lp.User{}, notFound("user", id)
	}
	return u, nil
}

func (v users) List(ctx context.Context, org uuid.UUID, page storage.Page) ([]lp.User, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	return pageOf(v.tx.org(org).users, page, nil, ident), nil
}

func (v users) AddMember(ctx context.Context, m lp.ProjectMember) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	d := v.tx.writeOrg(m.OrgID)
	if _, ok := d.users.get(m.UserID); !ok {
		return notFound("user", m.UserID)
	}
	if _, ok := d.projects.get(m.ProjectID); !ok {
		return notFound("project", m.ProjectID)
	}
	if _, ok := d.members[m]; !ok {
		set(&v.tx.undo, d.members, m, struct{}{})
	}
	return nil
}

func (v users) RemoveMember(ctx context.Context, m lp.ProjectMember) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	d := v.tx.writeOrg(m.OrgID)
	if _, ok := d.members[m]; !ok {
		return notFound("project membership of user", m.UserID)
	}
	del(&v.tx.undo, d.members, m)
	return nil
}

func (v users) WithAccess(ctx context.Context, org, project uuid.UUID) ([]lp.User, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	return d.users.page(uuid.Nil, len(d.users.rows), func(u lp.User) bool {
		if u.Role == lp.RoleAdmin {
			return true
		}
		_, member := d.members[lp.ProjectMember{OrgID: org, ProjectID: project, UserID: u.ID}]
		return member
	}), nil
}
