package blocklist

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// DefaultBatchSize is how many numbers or leads one store round trip
// checks, and how many expired entries one Sweep transaction removes, when
// Options.BatchSize is 0.
const DefaultBatchSize = 1000

// Options tunes a Service. A nil *Options means the defaults.
type Options struct {
	// Now returns the current time; nil means the ChangeLog's clock
	// (audit.Log.Now), so entries and their events agree. Block times are
	// truncated to microseconds in UTC, the precision every adapter keeps.
	// CheckImport and Import call it from the goroutine reading the leads
	// too, so it must be safe for concurrent use.
	Now func() time.Time
	// Logger receives warnings; nil discards them. It never receives
	// personal data.
	Logger *slog.Logger
	// BatchSize bounds the numbers or leads checked per store round trip
	// and the entries Sweep removes per transaction; 0 means
	// DefaultBatchSize.
	BatchSize int
	// SnapshotLimit is the most block entries plus suppressions of one
	// organisation that Check, CheckImport and Import hold in memory as
	// its screening snapshot (see Performance in the package doc); an
	// organisation with more is checked against the store. 0 means
	// DefaultSnapshotLimit, a negative value no snapshot at all.
	SnapshotLimit int
}

// Service is the do-not-call list of one store: blocking, unblocking,
// expiry, national registries, and the checks of numbers and lead imports
// against them. Its only data of its own is a cache of the registry
// versions in force (fingerprint keys are cached by the ChangeLog's
// lp.Fingerprints), so one Service serves every organisation and
// goroutine; use one per process, so that each registry version is held
// once.
type Service struct {
	store     storage.Store
	changelog *audit.Log
	now       func() time.Time
	logger    *slog.Logger
	batch     int
	regs      *registryCache
	screens   *screens
	ahead     aheadPolicy
}

// New returns the blocklist service of store, recording into changelog,
// which must be the ChangeLog of the same store.
func New(store storage.Store, changelog *audit.Log, opts *Options) *Service {
	s := &Service{store: store, changelog: changelog, now: changelog.Now, logger: slog.New(slog.DiscardHandler),
		batch: DefaultBatchSize}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Logger != nil {
			s.logger = opts.Logger
		}
		if opts.BatchSize > 0 {
			s.batch = opts.BatchSize
		}
	}
	s.regs = newRegistryCache(s.logger)
	limit := DefaultSnapshotLimit
	if opts != nil && opts.SnapshotLimit != 0 {
		limit = opts.SnapshotLimit
	}
	s.screens = newScreens(store, s.logger, limit)
	return s
}

// clock returns the current time as the store keeps it.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// authorize checks the actor's permission before the call opens a
// transaction; a refusal is recorded by the ChangeLog in a transaction of
// its own.
func (s *Service) authorize(ctx context.Context, actor lp.Actor, want lp.Permission, action lp.Action) error {
	return s.changelog.Authorize(ctx, actor, want, action)
}

// authorizeTx checks the PermBlock of a ...Tx call. The host's
// transaction is already open (on SQLite it holds the only writer, so a
// transaction of our own would wait for it forever), so a refusal is
// recorded in that transaction: it stays in the ChangeLog if the host
// commits.
func (s *Service) authorizeTx(ctx context.Context, tx storage.Tx, actor lp.Actor, action lp.Action) error {
	return s.changelog.AuthorizeTx(ctx, tx, actor, lp.PermBlock, action)
}

// region returns the default region of the actor's organisation, read in
// tx, for normalising the numbers people type.
func region(ctx context.Context, tx storage.Tx, org uuid.UUID) (string, error) {
	o, err := tx.Organisations().Get(ctx, org)
	if err != nil {
		return "", fmt.Errorf("organisation: %w", err)
	}
	return o.DefaultRegion, nil
}

// checkProject returns ErrNotFound if project is set and not a project of
// org; zero means organisation-wide and always passes.
func checkProject(ctx context.Context, tx storage.Tx, org, project uuid.UUID, field string) error {
	if project == uuid.Nil {
		return nil
	}
	if _, err := tx.Projects().Get(ctx, org, project); err != nil {
		return lperr.Wrap(field+" "+project.String(), err)
	}
	return nil
}

// parseNumber normalises a number as typed with the organisation's region.
// The error names the input and shows it masked.
func parseNumber(raw, region, field string) (phone.Number, error) {
	n, err := phone.Parse(raw, region)
	if err != nil {
		return "", numberError(field, raw, err)
	}
	return n, nil
}

// numberError is the error of the number raw typed in field, shown masked.
func numberError(field, raw string, err error) error {
	return lperr.Wrap(field+" "+maskedInput(raw), err)
}

// maskedInput shows a typed value masked, quoted so an empty one is visible.
func maskedInput(raw string) string { return `"` + phone.MaskInput(raw) + `"` }

// invalid reports a bad request field; it matches lp.ErrInvalidArgument.
func invalid(field, reason string) error {
	return &lp.FieldError{Field: field, Reason: reason}
}

// wrap returns err as an error of call op, or nil.
func wrap(op string, err error) error { return lperr.Wrap("blocklist: "+op, err) }
