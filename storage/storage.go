package storage

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

//go:generate go tool mockgen -write_package_comment=false -destination=storagemock/storagemock.go -package=storagemock . Store,Tx,Organisations,Projects,Templates,Users,Leads,Contacts,Blocks,Suppressions,RetentionRules,Events,Registries,Erasures,Leases

// Store is a database holding the SDK's data. Every read and write goes
// through a transaction, so a service's change and its ChangeLog event commit
// together or not at all.
type Store interface {
	// WithTx runs fn in a transaction and commits it if fn returns nil.
	// It rolls back if fn returns an error or panics (re-panicking after the
	// rollback), and returns fn's error or the commit error. Adapters may run
	// fn more than once when the database reports a serialization failure or
	// a busy lock, so fn must have no effects outside tx. A cancelled ctx
	// fails with ctx.Err() (wrapped) and commits nothing.
	//
	// Write transactions behave as if run one at a time, in some order
	// (serializable): everything fn read, the absence of a row included, is
	// still true when its writes commit, so it never writes back a row
	// another transaction changed meanwhile (a lost update; a forget undone)
	// nor misses a row one added. An adapter whose database runs writers
	// concurrently must enforce this, for example with SERIALIZABLE
	// transactions whose serialization failures it retries.
	//
	// Transactions must not be nested: fn must use tx, never the Store. A
	// WithTx or View called with the ctx handed to fn (or one derived from
	// it) while that transaction is open fails at once with ErrNestedTx,
	// having changed nothing: on SQLite it would wait for itself forever,
	// on PostgreSQL it would commit apart from the outer transaction.
	// Adapters mark that ctx with MarkTx and check it with InTx.
	//
	// A method of tx that fails with an error other than the outcomes the
	// rules below name (ErrNotFound, ErrConflict, ErrInvalidArgument)
	// leaves tx unusable: every later call on it fails with an error
	// wrapping the first failure, and WithTx rolls back and returns that
	// error even if fn returns nil. A database may have rolled the
	// transaction back already (SQLite on a full disk or an I/O error), so
	// going on would write outside it.
	WithTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error

	// View runs fn in a read-only transaction and returns fn's error. fn
	// sees the data committed before View began, unchanged by writers that
	// commit while it runs (a snapshot), and every method that would
	// write returns an error matching ErrReadOnly, having changed nothing.
	// Where the backend allows it, readers do not wait for writers (SQLite
	// in WAL mode on connections of their own, PostgreSQL), so look-ups
	// such as a dial-time check or a ChangeLog verification go on during a
	// long upload. Like WithTx: may run fn again on a busy lock, cancelled
	// ctx, no nesting (ErrNestedTx, View in View included), unusable after
	// a failure, tx valid only inside fn.
	View(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error

	// Close releases the store's resources.
	Close() error
}

// ErrTxDone is returned (wrapped) by every method of a Tx view used after
// its WithTx call returned: the transaction is already committed or rolled
// back, and nothing is read or written.
var ErrTxDone = errors.New("leadprivacy: transaction already committed or rolled back")

// ErrReadOnly is returned (wrapped) by every method that writes, called in
// a transaction of Store.View. It is a programming error, not an outcome a
// service handles.
var ErrReadOnly = errors.New("leadprivacy: write in a read-only transaction")

// ErrNestedTx is returned (wrapped) by WithTx and View called with the
// context of an open transaction of the same store: fn must use its tx.
// Nothing is read or written.
var ErrNestedTx = errors.New("leadprivacy: nested transaction: use the tx handed to fn, not the Store")

// ErrFull is returned (wrapped) by a method that failed because the
// database or its disk is full (SQLite SQLITE_FULL, PostgreSQL disk_full).
// The transaction is rolled back and unusable; a host can report it and
// try again once space is freed.
var ErrFull = errors.New("leadprivacy: database or disk is full")

// Tx is an open transaction. Its accessors return views of the same
// transaction, one per kind of object. A Tx and its views are valid only
// inside the WithTx callback and must not be used by several goroutines at
// once.
type Tx interface {
	Organisations() Organisations
	Projects() Projects
	Templates() Templates
	Users() Users
	Leads() Leads
	Contacts() Contacts
	Blocks() Blocks
	Suppressions() Suppressions
	RetentionRules() RetentionRules
	Events() Events
	Registries() Registries
	Erasures() Erasures
	Leases() Leases
}

// Page selects one page of a list ordered by id ascending (keyset paging):
// the items whose id is greater than After, at most Limit of them.
type Page struct {
	After uuid.UUID // zero for the first page; the last id of the previous page after that
	Limit int       // 0 means DefaultLimit; values above MaxLimit are capped to MaxLimit
}

// Page size bounds.
const (
	DefaultLimit = 100
	MaxLimit     = 10_000
)

// MaxCountFilters is the most filters one Leads.CountMany takes: every
// filter is a column of its statement, so a call stays well within the
// databases' parameter and expression limits. Callers with more split
// them into several calls.
const MaxCountFilters = 100

// Size returns the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// Organisations stores tenants and their settings.
type Organisations interface {
	// Create stores o. ErrConflict if an organisation with o.ID exists.
	Create(ctx context.Context, o lp.Organisation) error
	// Get returns the organisation. ErrNotFound if it does not exist.
	Get(ctx context.Context, org uuid.UUID) (lp.Organisation, error)
	// Update replaces the stored organisation with o. ErrNotFound if absent.
	Update(ctx context.Context, o lp.Organisation) error
}

// Projects stores projects.
type Projects interface {
	// Create stores p. ErrConflict if p.ID exists.
	Create(ctx context.Context, p lp.Project) error
	// Get returns the project. ErrNotFound if it does not exist in org.
	Get(ctx context.Context, org, id uuid.UUID) (lp.Project, error)
	// List returns one page of the organisation's projects.
	List(ctx context.Context, org uuid.UUID, page Page) ([]lp.Project, error)
	// SetLegalHold puts the project under legal hold since since, or lifts
	// its hold when since is zero (lp.Project.LegalHoldSince): while it is
	// held, every LeadFilter.LegalHold counts its leads as held.
	// ErrNotFound if the project does not exist in org; ErrInvalidArgument
	// if since is not storable (lp.ValidTime).
	SetLegalHold(ctx context.Context, org, id uuid.UUID, since time.Time) error
}

// Templates stores campaign templates.
type Templates interface {
	// Create stores t. ErrConflict if t.ID exists.
	Create(ctx context.Context, t lp.CampaignTemplate) error
	// Get returns the template with its fields in order. ErrNotFound if absent.
	Get(ctx context.Context, org, id uuid.UUID) (lp.CampaignTemplate, error)
	// Update replaces the template with t. ErrNotFound if absent.
	Update(ctx context.Context, t lp.CampaignTemplate) error
	// List returns one page of the organisation's templates.
	List(ctx context.Context, org uuid.UUID, page Page) ([]lp.CampaignTemplate, error)
}

// Users stores users and their project memberships.
type Users interface {
	// Create stores u. ErrConflict if u.ID exists.
	Create(ctx context.Context, u lp.User) error
	// Get returns the user. ErrNotFound if absent.
	Get(ctx context.Context, org, id uuid.UUID) (lp.User, error)
	// List returns one page of the organisation's users.
	List(ctx context.Context, org uuid.UUID, page Page) ([]lp.User, error)
	// AddMember grants m.UserID access to m.ProjectID. ErrNotFound if the
	// user or the project does not exist in m.OrgID; adding an existing
	// membership is a no-op.
	AddMember(ctx context.Context, m lp.ProjectMember) error
	// RemoveMember revokes the membership. ErrNotFound if it does not exist.
	RemoveMember(ctx context.Context, m lp.ProjectMember) error
	// WithAccess returns every user who can see the project's leads: the
	// organisation's admins and the project's members, ordered by id, each
	// once. An unknown project yields the admins only.
	WithAccess(ctx context.Context, org, project uuid.UUID) ([]lp.User, error)
}

// Leads stores leads and the index of their phone numbers.
type Leads interface {
	// Create stores l. ErrConflict if l.ID exists. ErrNotFound if its
	// project or template does not exist in l.OrgID.
	Create(ctx context.Context, l lp.Lead) error
	// CreateMany stores leads of one organisation in bulk, all or nothing:
	// ErrConflict if any id exists or appears twice in leads, ErrNotFound
	// if any project or template is missing, ErrInvalidArgument if any lead
	// is invalid or belongs to another organisation than org.
	CreateMany(ctx context.Context, org uuid.UUID, leads []lp.Lead) error
	// Get returns the lead. ErrNotFound if absent.
	Get(ctx context.Context, org, id uuid.UUID) (lp.Lead, error)
	// Update replaces every field of the stored lead with l, phone numbers
	// and field values included (so Forget can clear them). ErrNotFound if
	// absent or if its project or template does not exist in l.OrgID.
	Update(ctx context.Context, l lp.Lead) error
	// Delete removes the lead, its phone numbers and its contact attempts.
	// ErrNotFound if absent.
	Delete(ctx context.Context, org, id uuid.UUID) error
	// DeleteMany removes the leads with the given ids like Delete, in one
	// set-based operation, and returns how many existed (an id listed twice
	// counts once). Unknown ids are skipped.
	DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error)
	// FindByNumbers returns, ordered by id and each once, the leads that
	// have any of numbers. One call serves a whole batch of numbers.
	FindByNumbers(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]lp.Lead, error)
	// List returns one page of the leads selected by f.
	List(ctx context.Context, org uuid.UUID, f LeadFilter, page Page) ([]lp.Lead, error)
	// ListIDs returns the ids of the page List would return, without
	// reading the leads: retention plans and purges select leads without
	// loading their personal data.
	ListIDs(ctx context.Context, org uuid.UUID, f LeadFilter, page Page) ([]uuid.UUID, error)
	// Count returns how many leads f selects, over every page: one count
	// on the indexes List uses, so a retention plan reports its size
	// without reading the leads. ErrInvalidArgument for a filter List
	// refuses.
	Count(ctx context.Context, org uuid.UUID, f LeadFilter) (int, error)
	// CountMany returns, for each of filters in order, how many leads it
	// selects, as Count would, in one pass over the organisation's leads
	// (one statement in SQL adapters, whatever len(filters)): a retention
	// plan counts every rule's due and held leads at once instead of
	// scanning once per filter. No filters give an empty result.
	// ErrInvalidArgument if filters holds more than MaxCountFilters or
	// any filter is one Count refuses (the error names its index).
	CountMany(ctx context.Context, org uuid.UUID, filters []LeadFilter) ([]int, error)
	// AnonymiseMany forgets the leads with the given ids in one set-based
	// operation (a few statements whatever len(ids), up to MaxLimit ids):
	// it clears their phone numbers and field values and sets ForgottenAt
	// to at. Leads already forgotten or under a legal hold of their own
	// (lp.Lead.LegalHold), and unknown ids, are left unchanged and not
	// counted (an id listed twice counts once). A project's hold is not
	// looked at here: the caller selects the ids in the same transaction
	// with LeadFilter.LegalHold, which covers both.
	// It returns how many leads it changed. ErrInvalidArgument if at is
	// zero or not storable (lp.ValidTime) or ids holds more than MaxLimit.
	AnonymiseMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID, at time.Time) (int, error)
}

// LeadFilter selects leads. Zero fields select everything; set fields are
// combined with AND.
type LeadFilter struct {
	ProjectID uuid.UUID
	// Outcomes keeps leads whose Outcome is one of these.
	Outcomes []string
	// ExcludeOutcomes drops leads whose Outcome is one of these: a
	// retention catch-all rule selects "every outcome no other rule names".
	ExcludeOutcomes []string
	// Basis and Before select leads whose basis time is before Before
	// (leads due for retention). With SinceLastContact a lead never called
	// counts from CreatedAt; with SinceClosed open leads never match.
	// A zero Before selects by no time (Basis is ignored); a set Before with
	// a Basis that is not one of the three bases is ErrInvalidArgument.
	Basis  lp.RetentionBasis
	Before time.Time
	// Forgotten, when set, keeps only forgotten (true) or only not
	// forgotten (false) leads.
	Forgotten *bool
	// LegalHold, when set, keeps only leads under legal hold (true) or
	// only leads not under it (false): retention never deletes the former.
	// A lead is under legal hold when its own LegalHold is set OR its
	// project is held (lp.Project.LegalHoldSince), read in the same
	// transaction; adapters resolve the held projects once per query, not
	// once per lead, so the retention indexes still serve the selection.
	LegalHold *bool
}

// Contacts stores the contact history of leads.
type Contacts interface {
	// Add stores c. ErrConflict if c.ID exists; ErrNotFound if its lead
	// does not exist in c.OrgID.
	Add(ctx context.Context, c lp.ContactAttempt) error
	// ListByLead returns the lead's contact attempts ordered by At, then id.
	// An unknown lead yields an empty list.
	ListByLead(ctx context.Context, org, lead uuid.UUID) ([]lp.ContactAttempt, error)
	// EraseByLead clears Notes and RecordingRef of every attempt of the lead
	// and returns how many attempts it changed.
	EraseByLead(ctx context.Context, org, lead uuid.UUID) (int, error)
	// EraseByLeads is EraseByLead for many leads in one set-based
	// operation. It returns the non-empty recording references it cleared,
	// by lead, each lead's ordered by the attempts' At, then id (so the
	// caller can hand them to its erasers), and how many attempts it
	// changed. Unknown leads are skipped. ErrInvalidArgument if leads
	// holds more than MaxLimit ids.
	EraseByLeads(ctx context.Context, org uuid.UUID, leads []uuid.UUID) (refs map[uuid.UUID][]string, scrubbed int, err error)
}

// Blocks stores the do-not-call list. A number is blocked at most once per
// scope: (org, number, project, prefix) is unique, with uuid.Nil as
// org-wide scope. An entry with Prefix set blocks a range: every number
// that starts with its Number, an E.164 prefix (lp.ValidPrefix); it and an
// exact entry of the same digits are different entries.
type Blocks interface {
	// Create stores b. ErrConflict if b.ID exists or b's number (or prefix)
	// is already blocked in b's scope (expired entries included: update
	// them instead).
	// ErrNotFound if b.ProjectID is set and the project does not exist in
	// b.OrgID.
	Create(ctx context.Context, b lp.BlockEntry) error
	// CreateMany stores entries of one organisation in bulk, skipping those
	// whose number is already blocked in their scope (also within entries:
	// the first one wins), and returns how many it inserted. It is
	// set-based: adapters insert whole batches, never one statement per
	// entry. All or nothing: ErrInvalidArgument if any entry is invalid or
	// belongs to another organisation than org, ErrNotFound if a project
	// scope is missing, ErrConflict if the id of an entry that is not
	// skipped exists or appears twice.
	CreateMany(ctx context.Context, org uuid.UUID, entries []lp.BlockEntry) (int, error)
	// Get returns the entry. ErrNotFound if absent.
	Get(ctx context.Context, org, id uuid.UUID) (lp.BlockEntry, error)
	// Update replaces the entry (expiry, reason) with b; the number, prefix
	// flag and scope of an entry cannot change. ErrNotFound if absent;
	// ErrInvalidArgument if b's Number, Prefix or ProjectID differs from
	// the stored entry's.
	Update(ctx context.Context, b lp.BlockEntry) error
	// Delete removes the entry. ErrNotFound if absent.
	Delete(ctx context.Context, org, id uuid.UUID) error
	// FindByNumbers returns every entry, any scope, expired or not, that
	// covers any of numbers (lp.BlockEntry.Covers): the exact entries of
	// the numbers and the prefix entries whose prefix starts one of them,
	// ordered by id. One call, one round trip, serves a whole batch: SQL
	// adapters run one statement that looks the numbers up on the number
	// index and their shorter prefixes (lp.PrefixesOf), only of the
	// lengths the organisation's prefix entries have, on an index of the
	// prefix entries.
	FindByNumbers(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]lp.BlockEntry, error)
	// List returns one page of the entries selected by f. ErrInvalidArgument
	// if f is invalid (BlockFilter.Validate).
	List(ctx context.Context, org uuid.UUID, f BlockFilter, page Page) ([]lp.BlockEntry, error)
	// Count returns how many entries f selects, over every page.
	// ErrInvalidArgument if f is invalid (BlockFilter.Validate).
	Count(ctx context.Context, org uuid.UUID, f BlockFilter) (int, error)
	// DeleteMany removes the entries with the given ids like Delete, in one
	// set-based operation, and returns how many existed (an id listed twice
	// counts once). Unknown ids are skipped.
	DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error)
	// ScreeningGeneration returns the organisation's screening generation:
	// a counter that every write changing its block entries (Create,
	// CreateMany, Update, Delete, DeleteMany), its suppressions (Add,
	// Remove) or its registries (Registries.Create, Update, Delete)
	// increases in the same transaction, so it commits or rolls back with
	// the write. A call that changes no row (Add of a fingerprint
	// already suppressed, CreateMany skipping every entry, DeleteMany of
	// unknown ids) need not bump it. It is 0 for an organisation whose
	// list was never written. Adapters bump it themselves, so no write path
	// can skip it: two reads of the same generation in any transactions
	// saw the same entries, suppressions and registry versions, and a
	// service may answer from an in-memory copy taken at that generation
	// (blocklist does). One
	// cheap statement (a primary-key look-up in SQL adapters).
	ScreeningGeneration(ctx context.Context, org uuid.UUID) (int64, error)
}

// BlockFilter selects block entries. Zero fields select everything; set
// fields are combined with AND.
type BlockFilter struct {
	// Project keeps entries of this project scope; use OrgWideOnly for the
	// organisation-wide ones.
	ProjectID   uuid.UUID
	OrgWideOnly bool
	// BlockedBy keeps entries blocked by this user.
	BlockedBy uuid.UUID
	// NumberPrefix keeps entries whose number starts with this E.164
	// prefix: "+" and 1 to 15 digits, such as "+4520".
	NumberPrefix string
	// ActiveAt keeps entries in force at this time (not expired).
	ActiveAt time.Time
	// ExpiredAt keeps entries that expired at or before this time.
	ExpiredAt time.Time
	// ExpiresBefore keeps entries with an expiry before this time, in the
	// past or the future; entries that never expire do not match.
	ExpiresBefore time.Time
}

// Validate reports a *lp.FieldError (ErrInvalidArgument) if NumberPrefix is
// not "+" and 1 to 15 digits or a time is outside what lp.ValidTime
// accepts. The prefix is not quoted: it may be most of a number.
func (f BlockFilter) Validate() error {
	if p := f.NumberPrefix; p != "" {
		digits := strings.TrimPrefix(p, "+")
		if len(digits) == len(p) || len(digits) == 0 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
			return &lp.FieldError{Field: "BlockFilter.NumberPrefix", Reason: `must be "+" and 1 to 15 digits`}
		}
	}
	for _, t := range []struct {
		field string
		t     time.Time
	}{{"BlockFilter.ActiveAt", f.ActiveAt}, {"BlockFilter.ExpiredAt", f.ExpiredAt}, {"BlockFilter.ExpiresBefore", f.ExpiresBefore}} {
		if err := lp.ValidTime(t.field, t.t); err != nil {
			return err
		}
	}
	return nil
}

// Suppressions stores the fingerprints of forgotten numbers that must never
// be imported again.
type Suppressions interface {
	// Add stores s; adding a fingerprint that is already suppressed is a
	// no-op that keeps the first entry.
	Add(ctx context.Context, s lp.Suppression) error
	// Find returns the suppressions among fps, in no particular order. One
	// call serves a whole batch.
	Find(ctx context.Context, org uuid.UUID, fps []phone.Fingerprint) ([]lp.Suppression, error)
	// Remove lifts the suppression. ErrNotFound if absent.
	Remove(ctx context.Context, org uuid.UUID, fp phone.Fingerprint) error
	// ListFingerprints returns one page of the organisation's suppressed
	// fingerprints in ascending byte order: those after after (the zero
	// fingerprint: from the first), at most limit of them (capped to
	// MaxLimit; 0 means DefaultLimit). With Blocks.List and
	// Blocks.ScreeningGeneration, read in one transaction, it copies the
	// whole screening list.
	ListFingerprints(ctx context.Context, org uuid.UUID, after phone.Fingerprint, limit int) ([]phone.Fingerprint, error)
}

// RetentionRules stores automatic deletion rules. (org, project, outcome) is
// unique.
type RetentionRules interface {
	// Create stores r. ErrConflict if r.ID exists or the project already
	// has a rule for r.Outcome. ErrNotFound if the project does not exist
	// in r.OrgID.
	Create(ctx context.Context, r lp.RetentionRule) error
	// Get returns the rule. ErrNotFound if absent.
	Get(ctx context.Context, org, id uuid.UUID) (lp.RetentionRule, error)
	// Update replaces the rule with r. ErrNotFound if absent or if its
	// project does not exist in r.OrgID; ErrConflict if the new project and
	// outcome collide with another rule.
	Update(ctx context.Context, r lp.RetentionRule) error
	// Delete removes the rule. ErrNotFound if absent.
	Delete(ctx context.Context, org, id uuid.UUID) error
	// List returns the organisation's rules, of one project if project is
	// not zero, ordered by project, outcome.
	List(ctx context.Context, org, project uuid.UUID) ([]lp.RetentionRule, error)
}

// Registries stores national do-not-call registries (lp.Registry): each
// one's current version, and the compiled snapshot of each version kept,
// split into chunks. (org, name) is unique. A new version is written in
// one transaction with WriteSnapshot and Update, so readers see the old
// version or the new one, never a mix.
type Registries interface {
	// Create stores r. ErrConflict if r.ID exists or r.OrgID has a
	// registry named r.Name. ErrNotFound if a project of r.ProjectIDs does
	// not exist in r.OrgID.
	Create(ctx context.Context, r lp.Registry) error
	// Get returns the organisation's registry named name. ErrNotFound if
	// absent.
	Get(ctx context.Context, org uuid.UUID, name string) (lp.Registry, error)
	// List returns the organisation's registries ordered by name: one
	// query, cheap enough to run once per checked batch.
	List(ctx context.Context, org uuid.UUID) ([]lp.Registry, error)
	// Update replaces the stored registry with id r.ID by r (version,
	// count, hash, size, loader, scope). ErrNotFound if absent or if a
	// project of r.ProjectIDs does not exist in r.OrgID;
	// ErrInvalidArgument if r.Name differs from the stored name.
	Update(ctx context.Context, r lp.Registry) error
	// Delete removes the registry and every snapshot of it. ErrNotFound
	// if absent.
	Delete(ctx context.Context, org, id uuid.UUID) error
	// WriteSnapshot stores data as the snapshot of version of registry
	// id, in chunks of at most SnapshotChunkSize bytes (a row each in SQL
	// adapters). ErrNotFound if the registry does not exist in org;
	// ErrConflict if that version has a snapshot; ErrInvalidArgument if
	// version < 1.
	WriteSnapshot(ctx context.Context, org, id uuid.UUID, version int64, data []byte) error
	// ReadSnapshot returns the bytes of a version's snapshot, its chunks
	// concatenated in order, in memory of their own: the caller keeps them
	// (blocklist answers from them) and may change them without changing
	// the store or a later read. ErrNotFound if there is none.
	ReadSnapshot(ctx context.Context, org, id uuid.UUID, version int64) ([]byte, error)
	// ReadSnapshotTo writes the bytes of a version's snapshot to w a chunk
	// at a time, in order, as it reads them, so that w can work on the
	// start (blocklist hashes it) while the rest is read. An error w
	// returns ends the read and is returned as it is. ErrNotFound, before
	// anything is written, if there is none.
	ReadSnapshotTo(ctx context.Context, org, id uuid.UUID, version int64, w io.Writer) error
	// DeleteSnapshots removes the snapshots of the registry's versions
	// below before and returns how many versions it removed.
	DeleteSnapshots(ctx context.Context, org, id uuid.UUID, before int64) (int, error)
}

// SnapshotChunkSize is the most bytes of a registry snapshot one stored
// chunk holds: small enough for any database's row and packet limits,
// large enough that a 20 MB snapshot is 20 rows.
const SnapshotChunkSize = 1 << 20

// Erasures stores the external erasures still owed after a Forget
// (lp.PendingErasure): the record is written in the forget's transaction
// and deleted once the host's eraser succeeded.
type Erasures interface {
	// Add stores e. ErrConflict if e.ID exists.
	Add(ctx context.Context, e lp.PendingErasure) error
	// Get returns the pending erasure. ErrNotFound if absent.
	Get(ctx context.Context, org, id uuid.UUID) (lp.PendingErasure, error)
	// List returns one page of the organisation's pending erasures; a
	// non-zero dueAt keeps those whose NextAttemptAt is not after it (a
	// zero NextAttemptAt is due at once).
	List(ctx context.Context, org uuid.UUID, dueAt time.Time, page Page) ([]lp.PendingErasure, error)
	// Update replaces Attempts, LastError and NextAttemptAt of the stored
	// erasure with e's. ErrNotFound if absent; ErrInvalidArgument if e's
	// LeadID, Eraser, RecordingRefs or CreatedAt differ from the stored ones.
	Update(ctx context.Context, e lp.PendingErasure) error
	// Delete removes the pending erasure. ErrNotFound if absent.
	Delete(ctx context.Context, org, id uuid.UUID) error
}

// Leases stores named expiring locks, shared by every process using the
// database: retention's runner holds one per organisation so that two
// processes never purge it at once, and a crashed holder's lease lapses at
// its expiry. Names are codes (lp.ValidCode); (org, name) is unique.
type Leases interface {
	// Acquire takes the lease name of org for holder until until, if it is
	// free, expired at now (its until <= now) or already held by holder
	// (then it extends it to until). It reports whether holder holds the
	// lease afterwards. ErrInvalidArgument if name is not a code, holder
	// is zero or until is not after now; ErrNotFound if org does not
	// exist.
	Acquire(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID, now, until time.Time) (bool, error)
	// Release frees the lease if holder holds it; otherwise it does
	// nothing.
	Release(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID) error
	// Get returns the lease's holder and expiry, expired or not.
	// ErrNotFound if it was never taken or was released.
	Get(ctx context.Context, org uuid.UUID, name string) (holder uuid.UUID, until time.Time, err error)
}

// Events stores the ChangeLog: an append-only sequence of events per
// organisation, plus the hashes of its Merkle tree (see package audit).
// Hosts record through audit.Log.Record, which checks the event and writes
// its tree hashes; an event appended here directly is hashed, as stored,
// by the next Record, Checkpoint or Prove of its organisation.
type Events interface {
	// Append assigns e.Seq (the organisation's event count before the
	// append: 0, 1, 2, ... without gaps, in commit order) and stores e. It
	// returns the assigned sequence number. e.Fingerprints and e.LeadIDs
	// are stored with it, set-based (SQL adapters keep them in a table of their own, not as
	// one value per row of events), and every read returns them in the same
	// ascending order.
	Append(ctx context.Context, e lp.Event) (int64, error)
	// Count returns the number of events of the organisation.
	Count(ctx context.Context, org uuid.UUID) (int64, error)
	// Range returns the events with from <= Seq < to, ascending.
	Range(ctx context.Context, org uuid.UUID, from, to int64) ([]lp.Event, error)
	// Query returns events selected by q, newest first (descending Seq).
	Query(ctx context.Context, org uuid.UUID, q EventQuery) ([]lp.Event, error)

	// WriteHashes stores tree hashes by their storage index (as numbered by
	// golang.org/x/mod/sumdb/tlog). Writing an index that exists with the
	// same hash is a no-op; with another hash it is ErrConflict, and nothing
	// of the call is written. ErrInvalidArgument if the slices differ in
	// length or an index is negative.
	WriteHashes(ctx context.Context, org uuid.UUID, indexes []int64, hashes [][32]byte) error
	// ReadHashes returns the hashes at indexes, in the same order.
	// ErrNotFound if any is missing.
	ReadHashes(ctx context.Context, org uuid.UUID, indexes []int64) ([][32]byte, error)
}

// EventQuery selects ChangeLog events. Zero fields select everything; set
// fields are combined with AND. Results are newest first. Fingerprint
// selects the events whose Fingerprint or any of whose Fingerprints equals
// it; every SQL adapter finds both by index. LeadID likewise selects the
// events whose LeadID or any of whose LeadIDs equals it.
type EventQuery struct {
	ActorID     uuid.UUID
	Actions     []lp.Action // any of these
	LeadID      uuid.UUID
	ProjectID   uuid.UUID
	ObjectID    uuid.UUID
	Fingerprint phone.Fingerprint
	Since       time.Time // Time >= Since
	Until       time.Time // Time < Until
	// BeforeSeq pages backwards: events with Seq < BeforeSeq. Zero means
	// from the newest event.
	BeforeSeq int64
	Limit     int // as Page.Limit
}
