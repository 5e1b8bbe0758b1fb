package privacy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// reader reads lead admin data for one actor in one transaction, and
// decides what the actor may see: an organisation admin (lp.RoleAdmin)
// sees every lead of the organisation; an agent sees the leads of the
// projects it is a member of (Users.WithAccess of the project lists it).
// Whatever the actor may not see is treated exactly as if it did not
// exist: a lead id yields the same ErrNotFound as an unknown one, and a
// number's leads are left out. Another organisation's data is never read,
// since every query is scoped to the actor's organisation.
//
// It reads each project, template, access list and user at most once per
// call, so a search costs one query per distinct project and template,
// not per lead. A reader is valid only inside the transaction it was made
// in.
type reader struct {
	tx    storage.Tx
	org   uuid.UUID
	actor lp.User

	projects  map[uuid.UUID]lp.Project
	templates map[uuid.UUID]lp.CampaignTemplate
	access    map[uuid.UUID][]lp.User // by project
	users     map[uuid.UUID]lp.User   // names of agents and blockers
}

// newReader reads the actor's role. An actor that is not a user of its
// organisation is refused with ErrForbidden, as audit.Log.Record would.
func newReader(ctx context.Context, tx storage.Tx, actor lp.Actor) (*reader, error) {
	u, err := tx.Users().Get(ctx, actor.OrgID, actor.UserID)
	if errors.Is(err, lp.ErrNotFound) {
		return nil, fmt.Errorf("%w: actor %s is not a user of organisation %s", lp.ErrForbidden, actor.UserID, actor.OrgID)
	}
	if err != nil {
		return nil, lperr.Wrap("actor", err)
	}
	return &reader{tx: tx, org: actor.OrgID, actor: u,
		projects: map[uuid.UUID]lp.Project{}, templates: map[uuid.UUID]lp.CampaignTemplate{},
		access: map[uuid.UUID][]lp.User{}, users: map[uuid.UUID]lp.User{u.ID: u}}, nil
}

// admin reports whether the actor sees every lead of the organisation.
func (r *reader) admin() bool { return r.actor.Role == lp.RoleAdmin }

// withAccess returns the users who can see the project's leads.
func (r *reader) withAccess(ctx context.Context, project uuid.UUID) ([]lp.User, error) {
	if us, ok := r.access[project]; ok {
		return us, nil
	}
	us, err := r.tx.Users().WithAccess(ctx, r.org, project)
	if err != nil {
		return nil, lperr.Wrap("access of project "+project.String(), err)
	}
	r.access[project] = us
	return us, nil
}

// seesProject reports whether the actor sees the project's leads.
func (r *reader) seesProject(ctx context.Context, project uuid.UUID) (bool, error) {
	if r.admin() {
		return true, nil
	}
	us, err := r.withAccess(ctx, project)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(us, func(u lp.User) bool { return u.ID == r.actor.ID }), nil
}

// visible returns the leads the actor sees, in their order.
func (r *reader) visible(ctx context.Context, leads []lp.Lead) ([]lp.Lead, error) {
	out := leads[:0:0]
	for _, l := range leads {
		ok, err := r.seesProject(ctx, l.ProjectID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, l)
		}
	}
	return out, nil
}

// lead returns the lead with id if the actor sees it. A lead that does
// not exist in the organisation and one the actor may not see fail with
// the same error, which names only the id asked for.
func (r *reader) lead(ctx context.Context, id uuid.UUID) (lp.Lead, error) {
	notFound := lperr.Wrap("lead "+id.String(), lp.ErrNotFound)
	l, err := r.tx.Leads().Get(ctx, r.org, id)
	if errors.Is(err, lp.ErrNotFound) {
		return lp.Lead{}, notFound
	}
	if err != nil {
		return lp.Lead{}, lperr.Wrap("lead "+id.String(), err)
	}
	ok, err := r.seesProject(ctx, l.ProjectID)
	if err != nil {
		return lp.Lead{}, err
	}
	if !ok {
		return lp.Lead{}, notFound
	}
	return l, nil
}

// visibleProject returns the project with id if the actor sees its
// leads. A project that does not exist in the organisation and one the
// actor may not see fail with the same error, which names only the id.
func (r *reader) visibleProject(ctx context.Context, id uuid.UUID) (lp.Project, error) {
	notFound := lperr.Wrap("project "+id.String(), lp.ErrNotFound)
	p, err := r.project(ctx, id)
	if errors.Is(err, lp.ErrNotFound) {
		return lp.Project{}, notFound
	}
	if err != nil {
		return lp.Project{}, err
	}
	ok, err := r.seesProject(ctx, id)
	if err != nil {
		return lp.Project{}, err
	}
	if !ok {
		return lp.Project{}, notFound
	}
	return p, nil
}

// held reports whether l is under legal hold, by itself or by its
// project.
func (r *reader) held(ctx context.Context, l lp.Lead) (bool, error) {
	if l.LegalHold {
		return true, nil
	}
	p, err := r.project(ctx, l.ProjectID)
	if err != nil {
		return false, err
	}
	return p.OnLegalHold(), nil
}

// project returns the project.
func (r *reader) project(ctx context.Context, id uuid.UUID) (lp.Project, error) {
	if p, ok := r.projects[id]; ok {
		return p, nil
	}
	p, err := r.tx.Projects().Get(ctx, r.org, id)
	if err != nil {
		return lp.Project{}, lperr.Wrap("project "+id.String(), err)
	}
	r.projects[id] = p
	return p, nil
}

// template returns the campaign template.
func (r *reader) template(ctx context.Context, id uuid.UUID) (lp.CampaignTemplate, error) {
	if t, ok := r.templates[id]; ok {
		return t, nil
	}
	t, err := r.tx.Templates().Get(ctx, r.org, id)
	if err != nil {
		return lp.CampaignTemplate{}, lperr.Wrap("template "+id.String(), err)
	}
	r.templates[id] = t
	return t, nil
}

// userName returns the name of the organisation's user id, or "" for the
// zero id (an automated call) and a user the store does not hold.
func (r *reader) userName(ctx context.Context, id uuid.UUID) (string, error) {
	if id == uuid.Nil {
		return "", nil
	}
	if u, ok := r.users[id]; ok {
		return u.Name, nil
	}
	u, err := r.tx.Users().Get(ctx, r.org, id)
	if err != nil && !errors.Is(err, lp.ErrNotFound) {
		return "", lperr.Wrap("user "+id.String(), err)
	}
	r.users[id] = u
	return u.Name, nil
}

// persons returns who can see the leads of projects and why, ordered by
// name, then id: the organisation's admins, and the members of each
// project with the projects they are members of, in the order given.
func (r *reader) persons(ctx context.Context, projects []uuid.UUID) ([]Person, error) {
	byID := map[uuid.UUID]*Person{}
	for _, pid := range projects {
		us, err := r.withAccess(ctx, pid)
		if err != nil {
			return nil, err
		}
		p, err := r.project(ctx, pid)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			per := byID[u.ID]
			if per == nil {
				per = &Person{UserID: u.ID, Name: u.Name, Role: u.Role}
				byID[u.ID] = per
			}
			if u.Role != lp.RoleAdmin {
				per.Projects = append(per.Projects, ProjectRef{ID: p.ID, Name: p.Name})
			}
		}
	}
	out := make([]Person, 0, len(byID))
	for _, p := range byID {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Person) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), slices.Compare(a.UserID[:], b.UserID[:]))
	})
	return out, nil
}
