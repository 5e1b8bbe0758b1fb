package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Options tunes a Log. A nil *Options means the defaults.
type Options struct {
	// Now returns the current time; nil means time.Now. Event times are
	// truncated to microseconds in UTC, the precision every adapter keeps.
	Now func() time.Time
	// Logger receives warnings (such as a denial that could not be
	// recorded); nil discards them. It never receives personal data.
	Logger *slog.Logger
}

// Log is the ChangeLog of one store: it records, queries and exports the
// events in that store and signs its checkpoints. The host and every feature
// service hold the same *Log with the same storage.Store, so they all record
// into and read from one log. A Log holds no events itself (they live in
// the store), so it serves every organisation and every goroutine.
type Log struct {
	store  storage.Store
	fps    *lp.Fingerprints
	signer note.Signer
	now    func() time.Time
	logger *slog.Logger
}

// New returns the ChangeLog of store, which must not be nil. keys supplies
// each organisation's fingerprint key (fetched once per organisation and
// cached); signer signs checkpoints and may be nil if this process never
// calls Checkpoint (recording and querying need no signer, and Verify needs
// only the public key).
func New(store storage.Store, keys lp.KeyProvider, signer note.Signer, opts *Options) *Log {
	l := &Log{store: store, fps: lp.NewFingerprints(keys), signer: signer, now: time.Now, logger: slog.New(slog.DiscardHandler)}
	if opts != nil {
		if opts.Now != nil {
			l.now = opts.Now
		}
		if opts.Logger != nil {
			l.logger = opts.Logger
		}
	}
	return l
}

// Entry is what a service records: the action and the objects it concerns.
// Everything in it is either an id, a number that Record masks and
// fingerprints, or a Detail that cannot hold free text; so nothing a caller
// passes can put personal data into the ChangeLog.
type Entry struct {
	Action    lp.Action // one of the taxonomy's actions (see Actions)
	LeadID    uuid.UUID // the lead concerned, if any
	ProjectID uuid.UUID // the project concerned, if any
	ObjectID  uuid.UUID // the block entry, rule or run concerned, if any
	// Number is the number concerned, in E.164. It is never stored: the
	// event keeps phone.Mask of it and its keyed fingerprint, so queries by
	// number still find the event.
	Number phone.Number
	// Prefix says that Number is the E.164 prefix of a prefix block
	// (lp.BlockEntry.Prefix, held to lp.ValidPrefix), not a number. It is
	// masked and fingerprinted the same way, and the event gets the
	// detail KeyPrefix, so a query by the prefix finds the event and a
	// reader tells it from a number's.
	Prefix bool
	// Numbers are the numbers of a set the event concerns, such as a batch
	// of an upload, in E.164, at most lp.MaxEventFingerprints distinct
	// ones. They are never stored, not even masked: the event keeps their
	// keyed fingerprints (lp.Event.Fingerprints, sorted, repeats dropped),
	// so a query by any of them finds the event, and the event's tree
	// leaf covers them.
	Numbers []phone.Number
	// LeadIDs are the leads of a set the event concerns beside LeadID,
	// such as a retention purge batch: at most lp.MaxEventLeads distinct
	// non-zero ids. The event keeps them sorted, repeats dropped
	// (lp.Event.LeadIDs), so a query by any of them finds the event, and
	// its tree leaf covers them. Like LeadID they are not looked up.
	LeadIDs []uuid.UUID
	Details []Detail
}

// Record appends e to the actor's organisation's ChangeLog inside tx and
// extends the organisation's Merkle tree with it, so the event exists if and
// only if tx commits. Services call it inside the storage.Store.WithTx of
// the change it records; tx must be a transaction of the Log's store, or
// the event and its tree hashes land in a log the Log never reads. Events
// appended before it outside Record, whose tree hashes were never stored,
// are hashed first from their stored content, so the tree grows in order.
// It returns the stored event.
//
// The actor needs no permission (a denial is recorded too) but must be a
// user of the organisation: a zero OrgID or UserID, or a user the store
// does not hold in that organisation, fails closed with ErrForbidden. An
// unknown action, a number (Number or one of Numbers) not in E.164 form,
// more than lp.MaxEventFingerprints distinct Numbers, a zero id in LeadIDs
// or more than lp.MaxEventLeads distinct ones, or a detail that
// breaks the rules of Detail fail with ErrInvalidArgument, and a ProjectID that is not
// a project of the organisation with ErrNotFound, before anything is
// written. LeadID and ObjectID are not looked up: the event of a lead's
// deletion (a retention purge) is recorded with the deletion, and runs
// have no object of their own.
func (l *Log) Record(ctx context.Context, tx storage.Tx, actor lp.Actor, e Entry) (lp.Event, error) {
	if actor.OrgID == uuid.Nil || actor.UserID == uuid.Nil {
		return lp.Event{}, fmt.Errorf("%w: audit: no actor to record", lp.ErrForbidden)
	}
	if !Known(e.Action) {
		return lp.Event{}, invalid("Entry.Action", "not an action of the audit taxonomy")
	}
	details, err := detailsMap(e.Details)
	if err != nil {
		return lp.Event{}, err
	}
	leadIDs, err := leadSet(e.LeadIDs)
	if err != nil {
		return lp.Event{}, err
	}
	switch _, err := tx.Users().Get(ctx, actor.OrgID, actor.UserID); {
	case errors.Is(err, lp.ErrNotFound):
		return lp.Event{}, fmt.Errorf("%w: audit: actor %s is not a user of organisation %s", lp.ErrForbidden, actor.UserID, actor.OrgID)
	case err != nil:
		return lp.Event{}, lperr.Wrap("audit: record: actor", err)
	}
	if e.ProjectID != uuid.Nil {
		if _, err := tx.Projects().Get(ctx, actor.OrgID, e.ProjectID); err != nil {
			return lp.Event{}, lperr.Wrap("audit: record: Entry.ProjectID "+e.ProjectID.String(), err)
		}
	}
	ev := lp.Event{
		OrgID:     actor.OrgID,
		Time:      l.Now(),
		ActorID:   actor.UserID,
		Action:    e.Action,
		LeadID:    e.LeadID,
		LeadIDs:   leadIDs,
		ProjectID: e.ProjectID,
		ObjectID:  e.ObjectID,
		Details:   details,
	}
	switch _, flagged := details[string(KeyPrefix)]; {
	case flagged:
		return lp.Event{}, invalid("Entry.Details", "the prefix detail is Record's: set Entry.Prefix")
	case e.Prefix:
		if err := lp.ValidPrefix("Entry.Number", e.Number); err != nil {
			return lp.Event{}, err
		}
		if ev.Details == nil {
			ev.Details = map[string]string{}
		}
		ev.Details[string(KeyPrefix)] = "true"
	case e.Number != "":
		if !phone.IsE164(string(e.Number)) {
			return lp.Event{}, invalid("Entry.Number", "must be in E.164 form")
		}
	}
	if e.Number != "" {
		// Checked above: a number, or a prefix that Fingerprints.Fingerprint
		// (numbers only) would refuse.
		fp, err := l.fps.Fingerprinter(ctx, actor.OrgID)
		if err != nil {
			return lp.Event{}, err
		}
		ev.MaskedNumber = phone.Mask(e.Number)
		ev.Fingerprint = fp.Fingerprint(e.Number)
	}
	if ev.Fingerprints, err = l.fingerprintSet(ctx, actor.OrgID, e.Numbers); err != nil {
		return lp.Event{}, err
	}
	events := tx.Events()
	seq, err := events.Append(ctx, ev)
	if err != nil {
		return lp.Event{}, lperr.Wrap("audit: append event", err)
	}
	ev.Seq = seq
	if err := completeTree(ctx, events, ev.OrgID, seq); err != nil {
		return lp.Event{}, err
	}
	if err := extendTree(ctx, events, ev.OrgID, []lp.Event{ev}); err != nil {
		return lp.Event{}, err
	}
	return ev, nil
}

// fingerprintSet returns org's fingerprints of numbers as an event keeps
// them: sorted, without repeats.
func (l *Log) fingerprintSet(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]phone.Fingerprint, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	for i, n := range numbers {
		if !phone.IsE164(string(n)) {
			return nil, invalid("Entry.Numbers["+strconv.Itoa(i)+"]", "must be in E.164 form")
		}
	}
	fpr, err := l.fps.Fingerprinter(ctx, org)
	if err != nil {
		return nil, err
	}
	fps := make([]phone.Fingerprint, len(numbers))
	for i, n := range numbers {
		fps[i] = fpr.Fingerprint(n)
	}
	slices.SortFunc(fps, compareFingerprints)
	fps = slices.Compact(fps)
	if len(fps) > lp.MaxEventFingerprints {
		return nil, invalid("Entry.Numbers", "must hold at most "+strconv.Itoa(lp.MaxEventFingerprints)+" distinct numbers")
	}
	return fps, nil
}

// leadSet returns ids as an event keeps them: sorted, without repeats, in
// a slice of its own.
func leadSet(ids []uuid.UUID) ([]uuid.UUID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if slices.Contains(ids, uuid.Nil) {
		return nil, invalid("Entry.LeadIDs", "must not hold a zero id")
	}
	set := slices.Clone(ids)
	slices.SortFunc(set, compareIDs)
	set = slices.Compact(set)
	if len(set) > lp.MaxEventLeads {
		return nil, invalid("Entry.LeadIDs", "must hold at most "+strconv.Itoa(lp.MaxEventLeads)+" distinct ids")
	}
	return set, nil
}

// Authorize checks that actor holds want before a call of action. If not,
// it records an ActionAccessDenied event in a transaction of its own on the
// Log's store, committed before Authorize returns, so the attempt stays in
// the ChangeLog although the call fails and whatever becomes of the
// caller's transactions; then it returns the error of actor.Authorize,
// which matches lp.ErrForbidden. An actor without organisation or user
// cannot be recorded and is only refused.
//
// Because it may open a transaction, it is called first thing, before the
// caller's own. Called with the ctx of an open transaction of the store
// (see storage.MarkTx) it fails at once with storage.ErrNestedTx (joined
// with the refusal if actor lacks want), for a permitted actor too, so the
// mistake shows in every test rather than only on a refusal. A host
// running the SDK inside its own database transaction
// (sqlstore.Store.Attach) calls Authorize before beginning it, so no
// rollback of the host's can lose the denial, and marks the ctx of that
// transaction with storage.MarkTx(ctx, store): a misplaced Authorize then
// fails instead of waiting for the host's transaction (SQLite's single
// writer).
func (l *Log) Authorize(ctx context.Context, actor lp.Actor, want lp.Permission, action lp.Action) error {
	denied := actor.Authorize(want)
	record := denied != nil && actor.OrgID != uuid.Nil && actor.UserID != uuid.Nil
	if storage.InTx(ctx, l.store) {
		err := fmt.Errorf("%w: audit: Authorize opens a transaction of its own; call it before the caller's", storage.ErrNestedTx)
		if record {
			l.warnUnrecorded(ctx, actor, action, err)
		}
		return errors.Join(denied, err)
	}
	if !record {
		return denied
	}
	err := l.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := l.Record(ctx, tx, actor, deniedEntry(want, action))
		return err
	})
	if err != nil {
		l.warnUnrecorded(ctx, actor, action, err)
		return errors.Join(denied, err)
	}
	return denied
}

// AuthorizeTx is Authorize for a ...Tx call of a service, which runs in
// the host's open transaction tx: the refusal is recorded in tx, so it
// stays in the ChangeLog only if the host commits tx. A host that must
// keep every refusal calls Authorize before it begins its transaction.
func (l *Log) AuthorizeTx(ctx context.Context, tx storage.Tx, actor lp.Actor, want lp.Permission, action lp.Action) error {
	denied := actor.Authorize(want)
	if denied == nil || actor.OrgID == uuid.Nil || actor.UserID == uuid.Nil {
		return denied
	}
	_, err := l.Record(ctx, tx, actor, deniedEntry(want, action))
	return errors.Join(denied, err)
}

// deniedEntry is the ActionAccessDenied event of a refused call of action.
func deniedEntry(want lp.Permission, action lp.Action) Entry {
	return Entry{Action: ActionAccessDenied, Details: []Detail{
		Code(KeyAttempted, string(action)),
		Code(KeyPermission, permissionName(want)),
	}}
}

// warnUnrecorded logs that a denied call of action could not be recorded.
func (l *Log) warnUnrecorded(ctx context.Context, actor lp.Actor, action lp.Action, err error) {
	l.logger.WarnContext(ctx, "leadprivacy: audit: could not record a denied call",
		"org", actor.OrgID, "user", actor.UserID, "action", string(action), "error", err)
}

// permissionName returns the code of a permission set, such as
// "forget" or "search-block".
func permissionName(p lp.Permission) string {
	names := []struct {
		p    lp.Permission
		name string
	}{
		{lp.PermSearch, "search"}, {lp.PermForget, "forget"}, {lp.PermBlock, "block"},
		{lp.PermImport, "import"}, {lp.PermManageRetention, "manage_retention"},
		{lp.PermReadChangeLog, "read_changelog"},
	}
	s := ""
	for _, n := range names {
		if p&n.p != 0 {
			if s != "" {
				s += "-"
			}
			s += n.name
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// Fingerprints returns the Log's per-organisation fingerprints, keyed by
// the KeyProvider passed to New. Services that fingerprint numbers (such as
// to check an import against Suppressions) share it, so each
// organisation's key is fetched once per process.
func (l *Log) Fingerprints() *lp.Fingerprints { return l.fps }

// Now returns the Log's clock reading (Options.Now), in UTC and truncated
// to the microsecond as event times are: services default to it, so their
// objects and their events agree on the time.
func (l *Log) Now() time.Time { return l.now().UTC().Truncate(time.Microsecond) }

// storeHashReader reads tree hashes from the store for the tlog functions.
func storeHashReader(ctx context.Context, events storage.Events, org uuid.UUID) tlog.HashReaderFunc {
	return func(indexes []int64) ([]tlog.Hash, error) {
		raw, err := readHashes(ctx, events, org, indexes)
		if err != nil {
			return nil, err
		}
		hs := make([]tlog.Hash, len(raw))
		for i, h := range raw {
			hs[i] = h
		}
		return hs, nil
	}
}

// readHashes reads tree hashes, checking the store returned one per index.
func readHashes(ctx context.Context, events storage.Events, org uuid.UUID, indexes []int64) ([][32]byte, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	raw, err := events.ReadHashes(ctx, org, indexes)
	if err != nil {
		return nil, err
	}
	if len(raw) != len(indexes) {
		return nil, fmt.Errorf("leadprivacy: audit: store returned %d tree hashes for %d indexes", len(raw), len(indexes))
	}
	return raw, nil
}
