package privacy

import (
	"context"
	"log/slog"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// DefaultBatchSize is how many leads or numbers one transaction of a bulk
// call handles when Options.BatchSize is 0.
const DefaultBatchSize = 1000

// Options tunes a Service. A nil *Options means the defaults.
type Options struct {
	// Now returns the current time; nil means the ChangeLog's clock
	// (audit.Log.Now), so receipts and their events agree.
	Now func() time.Time
	// Logger receives warnings and eraser failures; nil discards them. It
	// never receives personal data.
	Logger *slog.Logger
	// BatchSize bounds the leads or numbers one transaction of a bulk call
	// handles; 0 means DefaultBatchSize.
	BatchSize int
	// Erasers are the host's external erasers by name (a code, see
	// lp.ValidCode): the recording store, the CRM, backup indexes. Each
	// Forget owes every one of them an erasure.
	Erasers map[string]Eraser
	// Blocklist, if set, is the do-not-call list a Forget with its Block
	// option adds the number to, in the forget's transaction; it must be a
	// service of the same store and ChangeLog. Without it that option fails.
	Blocklist *blocklist.Service
}

// Service is lead admin of one store: search by number, lead detail,
// subject-access export, and Forget. It holds no data of its own, so one
// Service serves every organisation and goroutine.
type Service struct {
	store     storage.Store
	changelog *audit.Log
	now       func() time.Time
	logger    *slog.Logger
	batch     int
	erasers   map[string]Eraser
	blocklist *blocklist.Service
}

// New returns the privacy service of store, recording into changelog,
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
		s.erasers = opts.Erasers
		s.blocklist = opts.Blocklist
	}
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

// authorizeTx checks the permission of a ...Tx call in the host's open
// transaction; a refusal stays in the ChangeLog if the host commits.
func (s *Service) authorizeTx(ctx context.Context, tx storage.Tx, actor lp.Actor, want lp.Permission, action lp.Action) error {
	return s.changelog.AuthorizeTx(ctx, tx, actor, want, action)
}

// invalid reports a bad request field; it matches lp.ErrInvalidArgument.
func invalid(field, reason string) error {
	return &lp.FieldError{Field: field, Reason: reason}
}

// wrap returns err as an error of call op, or nil.
func wrap(op string, err error) error { return lperr.Wrap("privacy: "+op, err) }
