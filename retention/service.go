package retention

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Defaults of Options.
const (
	// DefaultBatchSize is how many leads one purge transaction erases.
	DefaultBatchSize = 1000
	// DefaultLeaseFor is how long a purge's lease lasts without renewal;
	// every batch renews it, so it only runs out when the purging process
	// died.
	DefaultLeaseFor = 5 * time.Minute
	// DefaultSampleSize is how many due lead ids Plan lists per rule.
	DefaultSampleSize = 10
)

// LeaseName is the name of the store lease (storage.Leases) a purge holds
// for its organisation while it runs.
const LeaseName = "retention"

// ErrBusy is returned (wrapped) by Purge when another purge of the same
// organisation is running, in this process or another one sharing the
// database. It matches lp.ErrConflict.
var ErrBusy = fmt.Errorf("%w: another retention purge of the organisation is running", lp.ErrConflict)

// Options tunes a Service. A nil *Options means the defaults.
type Options struct {
	// Now returns the current time, for rule and lease times; nil means
	// the ChangeLog's clock (audit.Log.Now).
	Now func() time.Time
	// Logger receives progress and warnings; nil discards them. It never
	// receives personal data.
	Logger *slog.Logger
	// BatchSize is how many leads one purge transaction erases, at most
	// lp.MaxEventLeads; 0 means DefaultBatchSize. On SQLite a larger
	// batch (such as 5000) ran a delete purge of 200,000 leads twice as fast:
	// each commit writes every page its batch changed to the WAL and
	// checkpoints it, and a batch's contact attempts are spread over the
	// whole table (BENCHMARKS.md, "retention"); but each batch then holds
	// the write lock longer, which other writers wait for.
	BatchSize int
	// Blocklist, if set, is the do-not-call list whose expired entries a
	// Purge sweeps (blocklist.Service.Sweep) in the same run; the purging
	// actor then also needs lp.PermBlock. It must be a service of the same
	// store and ChangeLog.
	Blocklist *blocklist.Service
	// LeaseFor is how long a purge's lease lasts without renewal; 0 means
	// DefaultLeaseFor. It must be longer than one batch takes.
	LeaseFor time.Duration
	// SampleSize is how many due lead ids Plan lists per rule; 0 means
	// DefaultSampleSize.
	SampleSize int
}

// Service is the retention rules of one store, their dry run (Plan) and
// their application (Purge). It holds no data of its own but the set of
// organisations it is purging, so one Service serves every organisation
// and goroutine.
type Service struct {
	store     storage.Store
	changelog *audit.Log
	privacy   *privacy.Service
	now       func() time.Time
	logger    *slog.Logger
	batch     int
	blocklist *blocklist.Service
	leaseFor  time.Duration
	sample    int
	// holder is the lease holder of this Service's purges; running holds
	// the organisations it is purging, so that two purges of one Service
	// (which share the holder) exclude each other too.
	holder  uuid.UUID
	running sync.Map
}

// New returns the retention service of store, recording into changelog and
// erasing through privacy, all three of the same store.
func New(store storage.Store, changelog *audit.Log, privacy *privacy.Service, opts *Options) *Service {
	s := &Service{store: store, changelog: changelog, privacy: privacy, now: changelog.Now,
		logger: slog.New(slog.DiscardHandler), batch: DefaultBatchSize, leaseFor: DefaultLeaseFor,
		sample: DefaultSampleSize, holder: uuid.New()}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Logger != nil {
			s.logger = opts.Logger
		}
		if opts.BatchSize > 0 {
			s.batch = min(opts.BatchSize, lp.MaxEventLeads, storage.MaxLimit)
		}
		if opts.LeaseFor > 0 {
			s.leaseFor = opts.LeaseFor
		}
		if opts.SampleSize > 0 {
			s.sample = min(opts.SampleSize, storage.MaxLimit)
		}
		s.blocklist = opts.Blocklist
	}
	return s
}

// clock returns the current time as the store keeps it.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// authorize checks lp.PermManageRetention before the call opens a
// transaction; a refusal is recorded by the ChangeLog.
func (s *Service) authorize(ctx context.Context, actor lp.Actor, action lp.Action) error {
	return s.changelog.Authorize(ctx, actor, lp.PermManageRetention, action)
}

// invalid reports a bad request field; it matches lp.ErrInvalidArgument.
func invalid(field, reason string) error {
	return &lp.FieldError{Field: field, Reason: reason}
}

// wrap returns err as an error of call op, or nil.
func wrap(op string, err error) error { return lperr.Wrap("retention: "+op, err) }
