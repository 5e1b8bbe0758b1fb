package blocklist

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// BlockRequest puts one number, or a whole number range, on the
// do-not-call list. Give Number or Prefix, not both.
type BlockRequest struct {
	// Number as typed ("0045 20 12 34 56", "20 12 34 56") or in E.164;
	// national numbers are read in the organisation's default region.
	Number string
	// Prefix blocks every number that starts with it, such as "+45 70"
	// for all of +4570…: written internationally, '+' and the country
	// calling code first, blanks, dashes, dots and parentheses allowed
	// (see ParsePrefix). It is a field of its own, not a wildcard in
	// Number, because '*' is a dialable character.
	Prefix string
	// ProjectID scopes the block to one project of the actor's
	// organisation; zero blocks the number in every project.
	ProjectID uuid.UUID
	// Reason is a reason code from the host's list, such as
	// "customer_request" (see audit.Code: no free text).
	Reason string
	// ExpiresAt ends the block; it must be in the future. Zero: never.
	ExpiresAt time.Time
	// Source says how the block was made; zero means lp.SourceManual.
	Source lp.BlockSource
}

// BlockResult is the entry that blocks the number after the call.
type BlockResult struct {
	Entry lp.BlockEntry
	// AlreadyBlocked is set when the number was already actively blocked in
	// the scope: Entry is that block, unchanged, and no event was recorded.
	AlreadyBlocked bool
	// Renewed is set when the number's block in the scope had expired and
	// was made anew: same entry id, new blocker, time, reason and expiry.
	Renewed bool
}

// Block puts a number on the do-not-call list, organisation-wide or for one
// project, and records block.created in the same transaction. It needs
// lp.PermBlock. Blocking a number already actively blocked in the scope is
// not an error: the result says so and nothing is recorded. Once Block has
// returned, no Check or CheckImport that starts later accepts the number.
func (s *Service) Block(ctx context.Context, actor lp.Actor, req BlockRequest) (BlockResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionBlockCreated); err != nil {
		return BlockResult{}, wrap("Block", err)
	}
	var res BlockResult
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		res, err = s.block(ctx, tx, actor, req)
		return err
	})
	return res, wrap("Block", err)
}

// BlockTx is Block inside the host's transaction tx, which must be a
// transaction of the Service's store: the block and its event commit with
// the host's other changes. A refusal is recorded in tx.
func (s *Service) BlockTx(ctx context.Context, tx storage.Tx, actor lp.Actor, req BlockRequest) (BlockResult, error) {
	if err := s.authorizeTx(ctx, tx, actor, audit.ActionBlockCreated); err != nil {
		return BlockResult{}, wrap("BlockTx", err)
	}
	res, err := s.block(ctx, tx, actor, req)
	return res, wrap("BlockTx", err)
}

func (s *Service) block(ctx context.Context, tx storage.Tx, actor lp.Actor, req BlockRequest) (BlockResult, error) {
	now := s.clock()
	if req.Reason == "" {
		return BlockResult{}, invalid("BlockRequest.Reason", "must be set to a reason code such as customer_request")
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(now) {
		return BlockResult{}, invalid("BlockRequest.ExpiresAt", "must be in the future")
	}
	source := req.Source
	switch source {
	case "":
		source = lp.SourceManual
	case lp.SourceManual, lp.SourceUpload, lp.SourceAPI:
	default:
		return BlockResult{}, invalid("BlockRequest.Source", "must be manual, upload or api")
	}
	n, prefix, err := numberOrPrefix(ctx, tx, actor.OrgID, req.Number, req.Prefix, "BlockRequest")
	if err != nil {
		return BlockResult{}, err
	}
	if err := checkProject(ctx, tx, actor.OrgID, req.ProjectID, "BlockRequest.ProjectID"); err != nil {
		return BlockResult{}, err
	}
	entry := lp.BlockEntry{OrgID: actor.OrgID, ID: uuid.New(), Number: n, Prefix: prefix, ProjectID: req.ProjectID, BlockedBy: actor.UserID,
		BlockedAt: now, ExpiresAt: req.ExpiresAt.UTC().Truncate(time.Microsecond), Reason: req.Reason, Source: source}
	for retried := false; ; retried = true {
		old, found, err := inScope(ctx, tx, actor.OrgID, n, prefix, req.ProjectID)
		if err != nil {
			return BlockResult{}, err
		}
		if found && old.ActiveAt(now) {
			return BlockResult{Entry: old, AlreadyBlocked: true}, nil
		}
		if found {
			entry.ID = old.ID
			err = tx.Blocks().Update(ctx, entry)
		} else {
			err = tx.Blocks().Create(ctx, entry)
		}
		if errors.Is(err, lp.ErrConflict) && !found && !retried {
			continue // blocked by a transaction that committed after our read: read its entry
		}
		if err != nil {
			return BlockResult{}, err
		}
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{
			Action: audit.ActionBlockCreated, ObjectID: entry.ID, ProjectID: entry.ProjectID, Number: n, Prefix: prefix,
			Details: []audit.Detail{audit.Code(audit.KeyReason, entry.Reason), audit.Code(audit.KeySource, string(source)),
				audit.At(audit.KeyExpiresAt, entry.ExpiresAt)},
		})
		if err != nil {
			return BlockResult{}, err
		}
		return BlockResult{Entry: entry, Renewed: found}, nil
	}
}

// numberOrPrefix reads the number or the prefix of a request (fields
// field+".Number" and field+".Prefix"), exactly one of which must be set,
// and reports which it is.
func numberOrPrefix(ctx context.Context, tx storage.Tx, org uuid.UUID, number, prefix, field string) (phone.Number, bool, error) {
	switch {
	case number != "" && prefix != "":
		return "", false, invalid(field, "give Number or Prefix, not both")
	case prefix != "":
		p, err := ParsePrefix(prefix)
		if err != nil {
			return "", false, lperr.Wrap(field+".Prefix "+maskedInput(prefix), err)
		}
		return p, true, nil
	}
	reg, err := region(ctx, tx, org)
	if err != nil {
		return "", false, err
	}
	n, err := parseNumber(number, reg, field+".Number")
	return n, false, err
}

// ParsePrefix reads a number range's prefix as people write it: '+', the
// country calling code and more digits, with blanks, dashes, dots and
// parentheses between them ("+45 70", "+44 (20) 7946"). Only the
// international form is accepted: a national prefix ("070") would need
// the trunk prefix stripped, which for a few digits is guesswork, and a
// '*' is refused rather than read as a wildcard, as it is a dialable
// character. The result is an E.164 prefix ("+4570", see lp.ValidPrefix).
// Errors match lp.ErrInvalidArgument and never repeat raw.
func ParsePrefix(raw string) (phone.Number, error) {
	p := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\u00a0', '-', '.', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(raw))
	if strings.HasPrefix(p, "00") {
		return "", invalid("prefix", "must start with + (write +45 70, not 0045 70)")
	}
	if err := lp.ValidPrefix("prefix", phone.Number(p)); err != nil {
		return "", err
	}
	return phone.Number(p), nil
}

// inScope returns the entry, active or expired, that blocks n (a prefix
// if prefix is set) in exactly the scope project (zero: organisation-wide).
func inScope(ctx context.Context, tx storage.Tx, org uuid.UUID, n phone.Number, prefix bool, project uuid.UUID) (lp.BlockEntry, bool, error) {
	entries, err := tx.Blocks().FindByNumbers(ctx, org, []phone.Number{n})
	if err != nil {
		return lp.BlockEntry{}, false, err
	}
	for _, b := range entries {
		if b.Number == n && b.Prefix == prefix && b.ProjectID == project {
			return b, true, nil
		}
	}
	return lp.BlockEntry{}, false, nil
}

// Target names one block entry: by ID, or by Number (or Prefix, for a
// prefix block) and the scope ProjectID (zero: the organisation-wide
// entry). Give one of ID, Number and Prefix.
type Target struct {
	ID        uuid.UUID
	Number    string // as typed or in E.164, like BlockRequest.Number
	Prefix    string // a prefix block's range, like BlockRequest.Prefix
	ProjectID uuid.UUID
}

// find returns the targeted entry of org. An entry of another
// organisation, or a number not blocked in the scope, is ErrNotFound.
func (t Target) find(ctx context.Context, tx storage.Tx, org uuid.UUID, field string) (lp.BlockEntry, error) {
	switch {
	case t.ID != uuid.Nil && (t.Number != "" || t.Prefix != ""):
		return lp.BlockEntry{}, invalid(field, "give ID, Number or Prefix, only one")
	case t.ID != uuid.Nil:
		b, err := tx.Blocks().Get(ctx, org, t.ID)
		if err != nil {
			return lp.BlockEntry{}, lperr.Wrap(field+".ID "+t.ID.String(), err)
		}
		return b, nil
	case t.Number == "" && t.Prefix == "":
		return lp.BlockEntry{}, invalid(field, "give the entry's ID, its Number or its Prefix")
	}
	n, prefix, err := numberOrPrefix(ctx, tx, org, t.Number, t.Prefix, field)
	if err != nil {
		return lp.BlockEntry{}, err
	}
	b, found, err := inScope(ctx, tx, org, n, prefix, t.ProjectID)
	if err != nil {
		return lp.BlockEntry{}, err
	}
	if !found {
		input := field + ".Number " + phone.Mask(n)
		if prefix {
			input = field + ".Prefix " + phone.Mask(n)
		}
		return lp.BlockEntry{}, lperr.Wrap(input, errNotBlocked)
	}
	return b, nil
}

// errNotBlocked is the ErrNotFound of a number without an entry in the
// scope asked about.
var errNotBlocked = &notFoundError{"not blocked in that scope"}

type notFoundError struct{ why string }

func (e *notFoundError) Error() string        { return lp.ErrNotFound.Error() + ": " + e.why }
func (e *notFoundError) Is(target error) bool { return target == lp.ErrNotFound }

// UnblockRequest lifts one block entry.
type UnblockRequest struct {
	Target
}

// UnblockResult is the entry that was removed.
type UnblockResult struct {
	Entry lp.BlockEntry
}

// Unblock removes a block entry, active or expired, and records
// block.removed in the same transaction. It needs lp.PermBlock. An entry
// of another organisation is ErrNotFound.
func (s *Service) Unblock(ctx context.Context, actor lp.Actor, req UnblockRequest) (UnblockResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionBlockRemoved); err != nil {
		return UnblockResult{}, wrap("Unblock", err)
	}
	var res UnblockResult
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		res, err = s.unblock(ctx, tx, actor, req)
		return err
	})
	return res, wrap("Unblock", err)
}

// UnblockTx is Unblock inside the host's transaction tx (see BlockTx).
func (s *Service) UnblockTx(ctx context.Context, tx storage.Tx, actor lp.Actor, req UnblockRequest) (UnblockResult, error) {
	if err := s.authorizeTx(ctx, tx, actor, audit.ActionBlockRemoved); err != nil {
		return UnblockResult{}, wrap("UnblockTx", err)
	}
	res, err := s.unblock(ctx, tx, actor, req)
	return res, wrap("UnblockTx", err)
}

func (s *Service) unblock(ctx context.Context, tx storage.Tx, actor lp.Actor, req UnblockRequest) (UnblockResult, error) {
	b, err := req.find(ctx, tx, actor.OrgID, "UnblockRequest")
	if err != nil {
		return UnblockResult{}, err
	}
	if err := tx.Blocks().Delete(ctx, actor.OrgID, b.ID); err != nil {
		return UnblockResult{}, err
	}
	_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{
		Action: audit.ActionBlockRemoved, ObjectID: b.ID, ProjectID: b.ProjectID, Number: b.Number, Prefix: b.Prefix,
		Details: reasonDetail(b),
	})
	if err != nil {
		return UnblockResult{}, err
	}
	return UnblockResult{Entry: b}, nil
}

// reasonDetail is the entry's reason for an event, none if it has none
// (an entry stored by a host without the service).
func reasonDetail(b lp.BlockEntry) []audit.Detail {
	if b.Reason == "" {
		return nil
	}
	return []audit.Detail{audit.Code(audit.KeyReason, b.Reason)}
}

// SetExpiryRequest sets, moves or clears the expiry of one block entry.
type SetExpiryRequest struct {
	Target
	// ExpiresAt is the new expiry; it must be in the future. Zero clears
	// it: the block never expires.
	ExpiresAt time.Time
}

// SetExpiryResult is the entry after the call.
type SetExpiryResult struct {
	Entry lp.BlockEntry
	// Unchanged is set when the entry already had that expiry: nothing
	// was written or recorded.
	Unchanged bool
}

// SetExpiry changes a block entry's expiry and records
// block.expiry_changed (with the old and the new expiry) in the same
// transaction. It needs lp.PermBlock. Setting the expiry of an expired
// entry makes it active again until the new expiry.
func (s *Service) SetExpiry(ctx context.Context, actor lp.Actor, req SetExpiryRequest) (SetExpiryResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionBlockExpiryChanged); err != nil {
		return SetExpiryResult{}, wrap("SetExpiry", err)
	}
	var res SetExpiryResult
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		res, err = s.setExpiry(ctx, tx, actor, req)
		return err
	})
	return res, wrap("SetExpiry", err)
}

// SetExpiryTx is SetExpiry inside the host's transaction tx (see BlockTx).
func (s *Service) SetExpiryTx(ctx context.Context, tx storage.Tx, actor lp.Actor, req SetExpiryRequest) (SetExpiryResult, error) {
	if err := s.authorizeTx(ctx, tx, actor, audit.ActionBlockExpiryChanged); err != nil {
		return SetExpiryResult{}, wrap("SetExpiryTx", err)
	}
	res, err := s.setExpiry(ctx, tx, actor, req)
	return res, wrap("SetExpiryTx", err)
}

func (s *Service) setExpiry(ctx context.Context, tx storage.Tx, actor lp.Actor, req SetExpiryRequest) (SetExpiryResult, error) {
	expires := req.ExpiresAt.UTC().Truncate(time.Microsecond)
	if !expires.IsZero() && !expires.After(s.clock()) {
		return SetExpiryResult{}, invalid("SetExpiryRequest.ExpiresAt", "must be in the future (zero clears the expiry)")
	}
	b, err := req.find(ctx, tx, actor.OrgID, "SetExpiryRequest")
	if err != nil {
		return SetExpiryResult{}, err
	}
	if b.ExpiresAt.Equal(expires) {
		return SetExpiryResult{Entry: b, Unchanged: true}, nil
	}
	previous := b.ExpiresAt
	b.ExpiresAt = expires
	if err := tx.Blocks().Update(ctx, b); err != nil {
		return SetExpiryResult{}, err
	}
	_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{
		Action: audit.ActionBlockExpiryChanged, ObjectID: b.ID, ProjectID: b.ProjectID, Number: b.Number, Prefix: b.Prefix,
		Details: []audit.Detail{audit.At(audit.KeyExpiresAt, expires), audit.At(audit.KeyPreviousExpiresAt, previous)},
	})
	if err != nil {
		return SetExpiryResult{}, err
	}
	return SetExpiryResult{Entry: b}, nil
}
