package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Store is an in-memory storage.Store. The zero value is not usable; call New.
type Store struct {
	lock chan struct{} // holds one token while a transaction runs

	orgs map[uuid.UUID]lp.Organisation
	data map[uuid.UUID]*orgData
}

var _ storage.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		lock: make(chan struct{}, 1),
		orgs: make(map[uuid.UUID]lp.Organisation),
		data: make(map[uuid.UUID]*orgData),
	}
}

// orgData is everything one organisation owns.
type orgData struct {
	projects  *table[lp.Project]
	templates *table[lp.CampaignTemplate]
	users     *table[lp.User]
	members   map[lp.ProjectMember]struct{}

	leads       *table[lp.Lead]
	leadsByNum  index[phone.Number]
	contacts    map[uuid.UUID]lp.ContactAttempt
	contactsOf  index[uuid.UUID] // lead id → contact ids
	blocks      *table[lp.BlockEntry]
	blocksByNum index[phone.Number]
	blockScopes map[blockScope]uuid.UUID

	suppressions map[phone.Fingerprint]lp.Suppression
	// screening is the generation storage.Blocks.ScreeningGeneration
	// returns, bumped by every change to blocks, suppressions or
	// registries.
	screening int64
	rules     map[uuid.UUID]lp.RetentionRule
	ruleKeys  map[ruleKey]uuid.UUID

	registries    map[uuid.UUID]lp.Registry
	registryNames map[string]uuid.UUID
	snapshots     map[snapshotKey][][]byte // chunks, as SQL adapters store them
	erasures      *table[lp.PendingErasure]
	leases        map[string]lease

	events []lp.Event
	hashes map[int64][32]byte
}

type blockScope struct {
	number  phone.Number
	project uuid.UUID
	prefix  bool
}

type ruleKey struct {
	project uuid.UUID
	outcome string
}

func newOrgData() *orgData {
	return &orgData{
		projects:     newTable[lp.Project](),
		templates:    newTable[lp.CampaignTemplate](),
		users:        newTable[lp.User](),
		members:      make(map[lp.ProjectMember]struct{}),
		leads:        newTable[lp.Lead](),
		leadsByNum:   make(index[phone.Number]),
		contacts:     make(map[uuid.UUID]lp.ContactAttempt),
		contactsOf:   make(index[uuid.UUID]),
		blocks:       newTable[lp.BlockEntry](),
		blocksByNum:  make(index[phone.Number]),
		blockScopes:  make(map[blockScope]uuid.UUID),
		suppressions: make(map[phone.Fingerprint]lp.Suppression),
		rules:        make(map[uuid.UUID]lp.RetentionRule),
		ruleKeys:     make(map[ruleKey]uuid.UUID),
		hashes:       make(map[int64][32]byte),

		registries:    make(map[uuid.UUID]lp.Registry),
		registryNames: make(map[string]uuid.UUID),
		snapshots:     make(map[snapshotKey][][]byte),
		erasures:      newTable[lp.PendingErasure](),
		leases:        make(map[string]lease),
	}
}

// WithTx runs fn in a transaction; see storage.Store. Transactions of one
// Store run one at a time: WithTx waits for the running one to finish (or
// for ctx to be cancelled).
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context, tx storage.Tx) error) error {
	return s.run(ctx, false, fn)
}

// View runs fn in a read-only transaction; see storage.Store. It waits for
// the running transaction like WithTx: the memory store has no snapshots.
// So a View called inside a transaction with a ctx not derived from fn's,
// a nesting no adapter can recognise, waits until that ctx ends, where a
// SQL adapter with a pool of readers would read the last commit: use the
// tx handed to fn.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, tx storage.Tx) error) error {
	return s.run(ctx, true, fn)
}

func (s *Store) run(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx storage.Tx) error) error {
	if storage.InTx(ctx, s) {
		// Waiting for the lock the outer transaction holds would never end.
		return fmt.Errorf("%w: memstore", storage.ErrNestedTx)
	}
	if err := ctx.Err(); err != nil {
		return ctxErr(err)
	}
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return ctxErr(ctx.Err())
	}
	defer func() { <-s.lock }()

	tx := &txn{s: s, readOnly: readOnly}
	committed := false
	defer func() {
		if !committed {
			tx.rollback()
		}
		tx.done.Store(true)
	}()
	txCtx, end := storage.MarkTx(ctx, s)
	defer end()
	if err := fn(txCtx, tx); err != nil {
		return err
	}
	if tx.failed != nil {
		return tx.failed
	}
	if err := ctx.Err(); err != nil {
		return ctxErr(err)
	}
	committed = true
	return nil
}

// Close does nothing: the data lives as long as the Store is referenced.
func (s *Store) Close() error { return nil }

// txn is an open transaction and its undo log.
type txn struct {
	s        *Store
	readOnly bool // a transaction of View
	done     atomic.Bool
	undo     undoLog
	failed   error // the first failure that made the transaction unusable
}

func (tx *txn) rollback() {
	for i := len(tx.undo) - 1; i >= 0; i-- {
		tx.undo[i]()
	}
	tx.undo = nil
}

// beginWrite is begin for the methods that write: they also fail in a
// read-only transaction.
func (tx *txn) beginWrite(ctx context.Context) error {
	if err := tx.begin(ctx); err != nil {
		return err
	}
	if tx.readOnly {
		return tx.fail(fmt.Errorf("%w: memstore", storage.ErrReadOnly))
	}
	return nil
}

// begin checks that tx is still open and usable and ctx not cancelled.
func (tx *txn) begin(ctx context.Context) error {
	if tx.done.Load() {
		return storage.ErrTxDone
	}
	if tx.failed != nil {
		return fmt.Errorf("%w; memstore: the transaction is unusable after this failure", tx.failed)
	}
	if err := ctx.Err(); err != nil {
		return tx.fail(ctxErr(err))
	}
	return nil
}

// fail makes tx unusable with err, as the contract requires of every
// failure but ErrNotFound, ErrConflict and ErrInvalidArgument, so memstore
// refuses what a database that rolled back would refuse.
func (tx *txn) fail(err error) error {
	tx.failed = err
	return err
}

// org returns the organisation's data for reading. An organisation
// without data gets an empty orgData that is not kept, so reads naming
// unknown organisations cost no memory.
func (tx *txn) org(id uuid.UUID) *orgData {
	if d := tx.s.data[id]; d != nil {
		return d
	}
	return newOrgData()
}

// writeOrg returns the organisation's data for a change, creating it on
// first use. An empty orgData is invisible, so creating it needs no undo.
func (tx *txn) writeOrg(id uuid.UUID) *orgData {
	d := tx.s.data[id]
	if d == nil {
		d = newOrgData()
		tx.s.data[id] = d
	}
	return d
}

// addTo returns, like writeOrg, the data of the organisation an object is
// created in, or ErrNotFound if the organisation does not exist (what the
// SQL adapters' foreign keys enforce).
func (tx *txn) addTo(id uuid.UUID) (*orgData, error) {
	if _, ok := tx.s.orgs[id]; !ok {
		return nil, notFound("organisation", id)
	}
	return tx.writeOrg(id), nil
}

func (tx *txn) Organisations() storage.Organisations   { return organisations{tx} }
func (tx *txn) Projects() storage.Projects             { return projects{tx} }
func (tx *txn) Templates() storage.Templates           { return templates{tx} }
func (tx *txn) Users() storage.Users                   { return users{tx} }
func (tx *txn) Leads() storage.Leads                   { return leads{tx} }
func (tx *txn) Contacts() storage.Contacts             { return contacts{tx} }
func (tx *txn) Blocks() storage.Blocks                 { return blocks{tx} }
func (tx *txn) Suppressions() storage.Suppressions     { return suppressions{tx} }
func (tx *txn) RetentionRules() storage.RetentionRules { return retentionRules{tx} }
func (tx *txn) Events() storage.Events                 { return events{tx} }
func (tx *txn) Registries() storage.Registries         { return registries{tx} }
func (tx *txn) Erasures() storage.Erasures             { return erasures{tx} }
func (tx *txn) Leases() storage.Leases                 { return leases{tx} }

func ctxErr(err error) error { return fmt.Errorf("leadprivacy: memstore: %w", err) }

func notFound(what string, id uuid.UUID) error {
	return fmt.Errorf("%w: %s %s", lp.ErrNotFound, what, id)
}

func conflict(what string) error { return fmt.Errorf("%w: %s", lp.ErrConflict, what) }

// idExists is the ErrConflict of creating an object whose id is taken.
func idExists(what string, id uuid.UUID) error {
	return fmt.Errorf("%w: %s %s exists", lp.ErrConflict, what, id)
}

func wrongOrg(field string) error {
	return &lp.FieldError{Field: field, Reason: "must be the organisation of the call"}
}

// utc normalises t as stored: UTC, microseconds, no monotonic reading; zero stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func copyLead(l lp.Lead) lp.Lead {
	l.Phones = slices.Clone(l.Phones)
	l.Fields = maps.Clone(l.Fields)
	l.CreatedAt, l.LastContactAt = utc(l.CreatedAt), utc(l.LastContactAt)
	l.ClosedAt, l.ForgottenAt = utc(l.ClosedAt), utc(l.ForgottenAt)
	return l
}

func copyTemplate(t lp.CampaignTemplate) lp.CampaignTemplate {
	t.Fields = slices.Clone(t.Fields)
	return t
}

func copyEvent(e lp.Event) lp.Event {
	e.Details = maps.Clone(e.Details)
	e.Fingerprints = slices.Clone(e.Fingerprints)
	e.LeadIDs = slices.Clone(e.LeadIDs)
	e.Time = utc(e.Time)
	return e
}

func ident[V any](v V) V { return v }

// pageOf returns one page of t's rows that keep accepts, copied by cp.
func pageOf[V any](t *table[V], p storage.Page, keep func(V) bool, cp func(V) V) []V {
	out := t.page(p.After, p.Size(), keep)
	for i := range out {
		out[i] = cp(out[i])
	}
	return out
}

// findByNumbers returns the rows of t that byNum lists under any of numbers,
// each once, in id order, copied by cp.
func findByNumbers[V any](t *table[V], byNum index[phone.Number], numbers []phone.Number, cp func(V) V) []V {
	ids := make(map[uuid.UUID]struct{})
	for _, n := range numbers {
		for id := range byNum[n] {
			ids[id] = struct{}{}
		}
	}
	out := make([]V, 0, len(ids))
	for _, id := range sortedIDs(ids) {
		v, _ := t.get(id)
		out = append(out, cp(v))
	}
	return out
}
