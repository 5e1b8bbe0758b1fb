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
	// DefaultBatchSize is the size of an adaptive purge's (Options.BatchSize
	// 0) first and smallest batches.
	DefaultBatchSize = 1000
	// DefaultBatchTime is how long an adaptive purge batch aims to take.
	DefaultBatchTime = time.Second
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
	// BatchSize, if set, is how many leads every purge transaction erases,
	// at most lp.MaxEventLeads. 0 means adaptive: the first batch erases
	// DefaultBatchSize leads and each next one as many as its predecessor's
	// pace says fit in BatchTime (at most twice and at least half the last
	// size, between DefaultBatchSize and lp.MaxEventLeads). Larger batches
	// erase faster, most on SQLite: each commit writes every page its batch
	// changed to the WAL, and the entries of a batch's leads in the phone
	// number and contact id indexes are spread over those whole indexes,
	// so small batches write the same index pages again and again
	// (BENCHMARKS.md, "retention"). But a batch holds the write lock
	// (SQLite) or its rows' locks (PostgreSQL) while it runs, which other
	// writers wait for.
	BatchSize int
	// BatchTime is how long an adaptive batch (BatchSize 0) aims to take,
	// so how long other writers may wait for a purge; 0 means
	// DefaultBatchTime. Keep it well below the writers' busy timeout.
	BatchTime time.Duration
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
	// batch is the fixed batch size, or 0: adaptive, aiming at batchTime
	// measured by since.
	batch     int
	batchTime time.Duration
	since     func(time.Time) time.Duration
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
		logger: slog.New(slog.DiscardHandler), batchTime: DefaultBatchTime, since: time.Since, leaseFor: DefaultLeaseFor,
		sample: DefaultSampleSize, holder: uuid.New()}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Logger != nil {
			s.logger = opts.Logger
		}
		if opts.BatchSize > 0 {
			s.batch = min(opts.BatchSize, maxBatch)
		}
		if opts.BatchTime > 0 {
			s.batchTime = opts.BatchTime
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

// maxBatch is the largest batch: one event names every lead of it, and
// its statements bind every id at once.
const maxBatch = min(lp.MaxEventLeads, storage.MaxLimit)

// firstBatch is the size of a purge's first batch.
func (s *Service) firstBatch() int {
	if s.batch > 0 {
		return s.batch
	}
	return DefaultBatchSize
}

// nextBatch is the size of the batch after a full one of size leads that
// took took: the fixed size, or the size that fits in batchTime at that
// pace, from half to twice size, within [DefaultBatchSize, maxBatch].
func (s *Service) nextBatch(size int, took time.Duration) int {
	if s.batch > 0 {
		return s.batch
	}
	next := 2 * size
	if took > 0 {
		next = min(next, max(size/2, int(float64(size)*float64(s.batchTime)/float64(took))))
	}
	return min(max(next, DefaultBatchSize), maxBatch)
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
