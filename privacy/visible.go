package privacy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// viewer decides which leads an actor may see: an organisation admin sees
// every lead of the organisation, an agent the leads of the projects it is
// a member of. Anything else is treated as not found.
type viewer struct {
	tx       storage.Tx
	actor    lp.Actor
	admin    bool
	projects map[uuid.UUID]bool // agents: membership per project asked about
}

// viewerOf reads the actor's role in tx.
func viewerOf(ctx context.Context, tx storage.Tx, actor lp.Actor) (*viewer, error) {
	u, err := tx.Users().Get(ctx, actor.OrgID, actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	return &viewer{tx: tx, actor: actor, admin: u.Role == lp.RoleAdmin, projects: map[uuid.UUID]bool{}}, nil
}

// sees reports whether the actor may see leads of project.
func (v *viewer) sees(ctx context.Context, project uuid.UUID) (bool, error) {
	if v.admin {
		return true, nil
	}
	if ok, known := v.projects[project]; known {
		return ok, nil
	}
	users, err := v.tx.Users().WithAccess(ctx, v.actor.OrgID, project)
	if err != nil {
		return false, err
	}
	ok := slices.ContainsFunc(users, func(u lp.User) bool { return u.ID == v.actor.UserID })
	v.projects[project] = ok
	return ok, nil
}

// lead returns the lead with id if the actor may see it; a lead of another
// organisation or of a project the actor is not in is ErrNotFound, as an
// unknown id is.
func (v *viewer) lead(ctx context.Context, id uuid.UUID) (lp.Lead, error) {
	l, err := v.tx.Leads().Get(ctx, v.actor.OrgID, id)
	if errors.Is(err, lp.ErrNotFound) {
		return lp.Lead{}, lp.ErrNotFound // the same error as a lead not visible
	}
	if err != nil {
		return lp.Lead{}, err
	}
	switch ok, err := v.sees(ctx, l.ProjectID); {
	case err != nil:
		return lp.Lead{}, err
	case !ok:
		return lp.Lead{}, lp.ErrNotFound
	}
	return l, nil
}

// filter keeps the leads the actor may see.
func (v *viewer) filter(ctx context.Context, leads []lp.Lead) ([]lp.Lead, error) {
	out := leads[:0]
	for _, l := range leads {
		ok, err := v.sees(ctx, l.ProjectID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, l)
		}
	}
	return out, nil
}
