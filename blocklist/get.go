package blocklist

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// attemptGet names Get in the access.denied event of a refused call: Get
// records no event of its own to name it.
const attemptGet lp.Action = "blocklist.get"

// GetRequest names the entry to show.
type GetRequest struct {
	ID uuid.UUID
}

// Row is a block entry as the "Block Phone Numbers" table shows it.
type Row struct {
	ID uuid.UUID
	// Number is the blocked number: in E.164 if the actor holds
	// lp.PermSearch (who may look leads up by number may see numbers),
	// masked with phone.Mask otherwise (Masked set).
	Number string
	Masked bool
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
			return &inputError{input: "GetRequest.ID " + req.ID.String(), err: err}
		}
		res.Row, err = row(ctx, tx, actor, b, now)
		return err
	})
	return res, wrap("Get", err)
}

// row fills in the names of b's scope and blocker.
func row(ctx context.Context, tx storage.Tx, actor lp.Actor, b lp.BlockEntry, now time.Time) (Row, error) {
	r := Row{ID: b.ID, Number: string(b.Number), ProjectID: b.ProjectID, BlockedBy: b.BlockedBy,
		BlockedAt: b.BlockedAt, ExpiresAt: b.ExpiresAt, Active: b.ActiveAt(now), Reason: b.Reason, Source: b.Source}
	if !actor.Permissions.Has(lp.PermSearch) {
		r.Number, r.Masked = phone.Mask(b.Number), true
	}
	if !b.OrgWide() {
		p, err := tx.Projects().Get(ctx, actor.OrgID, b.ProjectID)
		if err != nil {
			return Row{}, err
		}
		r.ProjectName = p.Name
	}
	u, err := tx.Users().Get(ctx, actor.OrgID, b.BlockedBy)
	switch {
	case err == nil:
		r.BlockedByName = u.Name
	case !errors.Is(err, lp.ErrNotFound):
		return Row{}, err
	}
	return r, nil
}
