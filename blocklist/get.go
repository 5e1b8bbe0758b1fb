package blocklist

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// attemptGet and attemptList name Get and List in the access.denied
// event of a refused call: they record no event of their own to name them.
const (
	attemptGet  lp.Action = "blocklist.get"
	attemptList lp.Action = "blocklist.list"
)

// GetRequest names the entry to show.
type GetRequest struct {
	ID uuid.UUID
}

// Row is a block entry as the "Block Phone Numbers" table shows it.
type Row struct {
	ID uuid.UUID
	// Number is the blocked number, or with Prefix set the blocked
	// range's prefix ("+4570"): in E.164 if the actor holds lp.PermSearch
	// (who may look leads up by number may see numbers), masked with
	// phone.Mask otherwise (Masked set). Prefixes are masked by the same
	// rule: a long prefix narrows a range down to a few numbers.
	Number string
	Masked bool
	// Prefix marks a prefix block: it stops every number starting with
	// Number.
	Prefix bool
	// ProjectID and ProjectName are the scope; zero and "" for an
	// organisation-wide block.
	ProjectID   uuid.UUID
	ProjectName string
	BlockedBy   uuid.UUID
	// BlockedByName is the user's name; "" if the user is not (or no
	// longer) a user of the organisation.
	BlockedByName string
	BlockedAt     time.Time
	ExpiresAt     time.Time // zero: never
	// Active is whether the block is in force now (ExpiresAt not reached).
	Active bool
	Reason string
	Source lp.BlockSource
}

// OrgWide reports whether the block applies to every project.
func (r Row) OrgWide() bool { return r.ProjectID == uuid.Nil }

// GetResult holds the entry.
type GetResult struct {
	Row Row
}

// Get returns one block entry with the names of its scope and blocker, in a
// read-only transaction. It needs lp.PermBlock. An entry of another
// organisation is ErrNotFound. It records nothing: the taxonomy logs looks
// at lead data, and a block entry is not a lead.
func (s *Service) Get(ctx context.Context, actor lp.Actor, req GetRequest) (GetResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, attemptGet); err != nil {
		return GetResult{}, wrap("Get", err)
	}
	now := s.clock()
	var res GetResult
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		b, err := tx.Blocks().Get(ctx, actor.OrgID, req.ID)
		if err != nil {
			return lperr.Wrap("GetRequest.ID "+req.ID.String(), err)
		}
		res.Row, err = newNames().row(ctx, tx, actor, b, now)
		return err
	})
	return res, wrap("Get", err)
}

// names looks up, once per call, the names a page of rows shows.
type names struct {
	projects, users map[uuid.UUID]string
}

func newNames() *names {
	return &names{projects: map[uuid.UUID]string{}, users: map[uuid.UUID]string{}}
}

// row fills in the names of b's scope and blocker.
func (nm *names) row(ctx context.Context, tx storage.Tx, actor lp.Actor, b lp.BlockEntry, now time.Time) (Row, error) {
	r := Row{ID: b.ID, Number: string(b.Number), Prefix: b.Prefix, ProjectID: b.ProjectID, BlockedBy: b.BlockedBy,
		BlockedAt: b.BlockedAt, ExpiresAt: b.ExpiresAt, Active: b.ActiveAt(now), Reason: b.Reason, Source: b.Source}
	if !actor.Permissions.Has(lp.PermSearch) {
		r.Number, r.Masked = phone.Mask(b.Number), true
	}
	if !b.OrgWide() {
		name, ok := nm.projects[b.ProjectID]
		if !ok {
			p, err := tx.Projects().Get(ctx, actor.OrgID, b.ProjectID)
			if err != nil {
				return Row{}, err
			}
			name = p.Name
			nm.projects[b.ProjectID] = name
		}
		r.ProjectName = name
	}
	name, ok := nm.users[b.BlockedBy]
	if !ok {
		u, err := tx.Users().Get(ctx, actor.OrgID, b.BlockedBy)
		switch {
		case err == nil:
			name = u.Name
		case !errors.Is(err, lp.ErrNotFound):
			return Row{}, err
		}
		nm.users[b.BlockedBy] = name
	}
	r.BlockedByName = name
	return r, nil
}

// Status selects entries by whether they are in force.
type Status uint8

// Statuses.
const (
	AnyStatus Status = iota // active and expired
	Active                  // in force now
	Expired                 // expired, not yet swept
)

// ListRequest selects one page of the blocklist. Set fields are combined
// with AND.
type ListRequest struct {
	// ProjectID keeps the entries scoped to this project; OrgWideOnly keeps
	// the organisation-wide ones. Neither: every scope.
	ProjectID   uuid.UUID
	OrgWideOnly bool
	// BlockedBy keeps the entries this user blocked.
	BlockedBy uuid.UUID
	// NumberPrefix keeps the entries whose number starts with this E.164
	// prefix: "+" and 1 to 15 digits, such as "+4520".
	NumberPrefix string
	Status       Status
	// ExpiringBefore keeps the entries with an expiry before this time
	// (with Status Active: those still in force that will expire by then);
	// entries that never expire do not match.
	ExpiringBefore time.Time
	// Page is the keyset page: entries ordered by id, after Page.After.
	Page storage.Page
}

// ListResult is one page of rows.
type ListResult struct {
	Rows []Row
	// Total is how many entries the request selects over every page.
	Total int
	// Next is the Page.After of the next page; zero after the last page.
	Next uuid.UUID
}

// List returns one page of the blocklist as the "Block Phone Numbers"
// table shows it, with the names of scopes and blockers and the total of
// the filter, in a read-only transaction. It needs lp.PermBlock, shows
// numbers as Get does, and records nothing. A project or user of another
// organisation lists nothing.
//
// The total is counted in the page's transaction. Its cost grows with the
// entries the count passes: those of a number prefix (on the number
// index), all of the organisation's otherwise; see BenchmarkList.
func (s *Service) List(ctx context.Context, actor lp.Actor, req ListRequest) (ListResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, attemptList); err != nil {
		return ListResult{}, wrap("List", err)
	}
	now := s.clock()
	f, err := listFilter(req, now)
	if err != nil {
		return ListResult{}, wrap("List", err)
	}
	var res ListResult
	err = s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		// One entry past the page tells whether another page follows, so
		// the last page has Next zero even when it is full; at MaxLimit
		// the store caps the look-ahead, and a full page keeps a Next.
		size := req.Page.Size()
		entries, err := tx.Blocks().List(ctx, actor.OrgID, f, storage.Page{After: req.Page.After, Limit: size + 1})
		if err != nil {
			return err
		}
		switch {
		case len(entries) > size:
			entries = entries[:size]
			res.Next = entries[size-1].ID
		case len(entries) == storage.MaxLimit: // the look-ahead was capped
			res.Next = entries[size-1].ID
		}
		if res.Total, err = tx.Blocks().Count(ctx, actor.OrgID, f); err != nil {
			return err
		}
		nm := newNames()
		res.Rows = make([]Row, len(entries))
		for i, b := range entries {
			if res.Rows[i], err = nm.row(ctx, tx, actor, b, now); err != nil {
				return err
			}
		}
		return nil
	})
	return res, wrap("List", err)
}

// listFilter translates req to the store's filter at now, or says which
// field of req is invalid.
func listFilter(req ListRequest, now time.Time) (storage.BlockFilter, error) {
	f := storage.BlockFilter{ProjectID: req.ProjectID, OrgWideOnly: req.OrgWideOnly, BlockedBy: req.BlockedBy,
		NumberPrefix: req.NumberPrefix, ExpiresBefore: req.ExpiringBefore}
	if req.ProjectID != uuid.Nil && req.OrgWideOnly {
		return f, invalid("ListRequest.OrgWideOnly", "cannot be combined with ProjectID")
	}
	switch req.Status {
	case AnyStatus:
	case Active:
		f.ActiveAt = now
	case Expired:
		f.ExpiredAt = now
	default:
		return f, invalid("ListRequest.Status", "must be AnyStatus, Active or Expired")
	}
	if (storage.BlockFilter{NumberPrefix: f.NumberPrefix}).Validate() != nil {
		return f, invalid("ListRequest.NumberPrefix", `must be "+" and 1 to 15 digits, such as "+4520"`)
	}
	if err := lp.ValidTime("ListRequest.ExpiringBefore", f.ExpiresBefore); err != nil {
		return f, err
	}
	return f, f.Validate() // the clock's time, as ActiveAt or ExpiredAt
}
