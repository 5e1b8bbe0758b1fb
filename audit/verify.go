package audit

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

var (
	// ErrTampered means the ChangeLog does not match a signed checkpoint or
	// its own tree hashes: an event was changed, deleted, inserted,
	// reordered or truncated. The error is a *TamperError saying where.
	ErrTampered = errors.New("leadprivacy: changelog does not match its checkpoint")

	// ErrBadCheckpoint means a checkpoint is malformed, is not signed by the
	// expected key, or belongs to another organisation.
	ErrBadCheckpoint = errors.New("leadprivacy: invalid changelog checkpoint")
)

// TamperError reports where Verify found the ChangeLog altered. It matches
// ErrTampered with errors.Is.
type TamperError struct {
	// Index is the sequence number of the first event that fails, or -1
	// when the log cannot tell (its tree hashes were rewritten to match
	// altered events, so only the checkpoint's root disagrees).
	Index  int64
	Reason string
}

func (e *TamperError) Error() string {
	at := "at an unknown event"
	if e.Index >= 0 {
		at = "at event " + strconv.FormatInt(e.Index, 10)
	}
	return ErrTampered.Error() + ": " + at + ": " + e.Reason
}

// Is reports whether target is ErrTampered.
func (e *TamperError) Is(target error) bool { return target == ErrTampered }

// checkpointText is the text of org's checkpoint of tree: tlog.FormatTree's
// three lines and a line that binds the tree to one organisation's log. tlog.ParseTree
// ignores extra lines, as its format allows.
func checkpointText(org uuid.UUID, tree tlog.Tree) string {
	return string(tlog.FormatTree(tree)) + "leadprivacy changelog " + org.String() + "\n"
}

// Checkpoint returns a signed checkpoint of the actor's organisation's
// ChangeLog as it is now: a note (golang.org/x/mod/sumdb/note) whose text
// is tlog.FormatTree of the tree (size and root hash) followed by the line
// "leadprivacy changelog <organisation id>", signed with the Log's signer.
// The host stores it outside the database (such as with its auditor) and
// later passes it to Verify. It needs lp.PermReadChangeLog and a signer,
// and opens transactions of its own (not inside one of the store's).
//
// Events appended outside Record (through storage.Events.Append) are
// hashed as stored first, in a transaction of their own, so such a call
// never leaves the log unable to checkpoint. A checkpoint vouches for the
// log as stored; Verify the log against the previous checkpoint before
// signing a new one, so a change made in between cannot be vouched for.
func (l *Log) Checkpoint(ctx context.Context, actor lp.Actor) ([]byte, error) {
	if err := l.Authorize(ctx, actor, lp.PermReadChangeLog, actionReadChangeLog); err != nil {
		return nil, err
	}
	if l.signer == nil {
		return nil, fmt.Errorf("%w: audit: the Log has no checkpoint signer", lp.ErrInvalidArgument)
	}
	var tree tlog.Tree
	err := l.readTree(ctx, actor.OrgID, func(ctx context.Context, tx storage.Tx) error {
		var err error
		if tree.N, err = tx.Events().Count(ctx, actor.OrgID); err != nil {
			return err
		}
		tree.Hash, err = tlog.TreeHash(tree.N, storeHashReader(ctx, tx.Events(), actor.OrgID))
		return err
	})
	if err != nil {
		return nil, lperr.Wrap("audit: checkpoint", err)
	}
	msg, err := note.Sign(&note.Note{Text: checkpointText(actor.OrgID, tree)}, l.signer)
	if err != nil {
		return nil, lperr.Wrap("audit: sign checkpoint", err)
	}
	return msg, nil
}

// OpenCheckpoint checks that msg is a checkpoint of org's ChangeLog signed
// by verifier's key and returns the tree it vouches for. Any other message
// fails with ErrBadCheckpoint.
func OpenCheckpoint(msg []byte, org uuid.UUID, verifier note.Verifier) (tlog.Tree, error) {
	if verifier == nil {
		return tlog.Tree{}, fmt.Errorf("%w: no verifier", ErrBadCheckpoint)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("%w: %w", ErrBadCheckpoint, err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("%w: %w", ErrBadCheckpoint, err)
	}
	if n.Text != checkpointText(org, tree) {
		return tlog.Tree{}, fmt.Errorf("%w: not a checkpoint of this organisation's changelog", ErrBadCheckpoint)
	}
	return tree, nil
}

// verifyPageSize is how many events Verify holds in memory at once.
const verifyPageSize = 8192

// Verify checks org's ChangeLog in store against a checkpoint the host
// kept elsewhere, signed by verifier's key. It re-reads every event (page
// by page, in memory bounded by the page size), recomputes each event's
// record hash and the Merkle tree, and checks that:
//
//   - the checkpoint is validly signed and is one of org (else ErrBadCheckpoint);
//   - every event sits at its sequence number, none missing or out of place;
//   - the tree hashes stored with the events equal the recomputed ones
//     (an event whose hashes were never stored, appended outside Record,
//     is only hashed: see completeTree);
//   - the first N events (N the checkpoint's size) hash to the
//     checkpoint's root, and the log has at least N events.
//
// Together these detect any event that was changed, deleted, reordered,
// inserted or truncated since the checkpoint, and any tree hash changed at
// any time; since the current tree is recomputed from the very events that
// hash to the checkpoint's root, it is consistent with the checkpoint by
// construction. A failure is a *TamperError (ErrTampered) naming the first
// failing event when the log can tell. On success Verify returns the tree of
// the current log (at least the checkpoint's size), ready to be signed
// into the next checkpoint.
//
// Verify is a function of the store, not a method of Log, and takes no
// actor: it reveals no event, only whether the log is intact, and needs only
// the public key, so an auditor can run it without a Log or the signing key.
// It reads in transactions of its own (View), so it is not called inside
// one of the store's: that fails with storage.ErrNestedTx.
func Verify(ctx context.Context, store storage.Store, org uuid.UUID, checkpoint []byte, verifier note.Verifier) (tlog.Tree, error) {
	tree, err := OpenCheckpoint(checkpoint, org, verifier)
	if err != nil {
		return tlog.Tree{}, err
	}
	var size int64
	err = store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		size, err = tx.Events().Count(ctx, org)
		return err
	})
	if err != nil {
		return tlog.Tree{}, lperr.Wrap("audit: verify", err)
	}
	var fr frontier
	if tree.N == 0 {
		if err := fr.checkRoot(0, tree.Hash); err != nil {
			return tlog.Tree{}, err
		}
	}
	unhashed := size // the first event without stored tree hashes
	for p := range readVerifyPages(ctx, store, org, size) {
		if p.err != nil {
			return tlog.Tree{}, p.err
		}
		// Hashes are stored in sequence order (see completeTree): only a
		// suffix of the log may lack them.
		if p.missing < p.to {
			unhashed = min(unhashed, p.missing)
		}
		if unhashed < p.to && (p.resumed < p.to || unhashed < p.from && p.missing > p.from) {
			return tlog.Tree{}, &TamperError{Index: unhashed, Reason: "tree hashes missing for this event but stored for a later one"}
		}
		if int64(len(p.evs)) > p.to-p.from {
			return tlog.Tree{}, fmt.Errorf("leadprivacy: audit: verify: the store returned more events than asked for")
		}
		for i, e := range p.evs {
			seq := p.from + int64(i)
			var stored [][32]byte // none to compare with: recompute them
			if seq < p.missing {
				stored = p.stored[tlog.StoredHashIndex(0, seq)-tlog.StoredHashIndex(0, p.from):]
			}
			if err := fr.add(org, seq, e, stored); err != nil {
				return tlog.Tree{}, err
			}
			if seq+1 == tree.N {
				if err := fr.checkRoot(tree.N, tree.Hash); err != nil {
					return tlog.Tree{}, err
				}
			}
		}
		if int64(len(p.evs)) < p.to-p.from {
			return tlog.Tree{}, &TamperError{Index: p.from + int64(len(p.evs)), Reason: "event missing"}
		}
	}
	if size < tree.N {
		return tlog.Tree{}, &TamperError{Index: size, Reason: "the log is shorter than the checkpoint (events deleted or truncated)"}
	}
	head, err := tlog.TreeHash(size, &fr)
	if err != nil {
		return tlog.Tree{}, lperr.Wrap("audit: verify", err)
	}
	return tlog.Tree{N: size, Hash: head}, nil
}

// verifyPage is the events [from, to) of a log with their stored tree
// hashes, as readVerifyPage returns them.
type verifyPage struct {
	from, to int64
	evs      []lp.Event
	stored   [][32]byte
	missing  int64 // the first record without stored hashes, or to
	resumed  int64 // the first record after missing with stored hashes, or to
	err      error
}

// verifyReaders is the number of goroutines reading pages for Verify,
// each in read-only transactions of its own: on SQLite reading an event
// and its hashes costs about twice as much as hashing it, so two readers
// keep the hashing caller busy.
var verifyReaders = 2

// readVerifyPages reads the first size events page by page, ahead of the
// caller, who hashes meanwhile: verifyReaders goroutines read alternate
// pages, which are yielded in order. The iteration stops at the first
// error (yielded as the last page) or when the caller stops; the readers
// have ended by the time it returns.
func readVerifyPages(ctx context.Context, store storage.Store, org uuid.UUID, size int64) iter.Seq[verifyPage] {
	return func(yield func(verifyPage) bool) {
		ctx, cancel := context.WithCancel(ctx)
		pages := make([]chan verifyPage, verifyReaders)
		for k := range pages {
			pages[k] = make(chan verifyPage, 1)
			go func() {
				defer close(pages[k])
				for from := int64(k) * verifyPageSize; from < size; from += int64(verifyReaders) * verifyPageSize {
					p := verifyPage{from: from, to: min(from+verifyPageSize, size)}
					p.err = readVerifyPage(ctx, store, org, &p)
					select {
					case pages[k] <- p:
					case <-ctx.Done():
						return
					}
					if p.err != nil {
						return
					}
				}
			}()
		}
		defer func() {
			cancel()
			for _, ch := range pages { // wait for the readers to end
				for range ch {
				}
			}
		}()
		// Page i comes from reader i mod verifyReaders; the first reader
		// found closed has no page i: the log (or an error) ended before.
		for i := 0; ; i++ {
			p, ok := <-pages[i%verifyReaders]
			if !ok || !yield(p) {
				return
			}
		}
	}
}

// readVerifyPage reads the events [p.from, p.to) and the tree hashes
// stored with them, which occupy the storage indexes from
// StoredHashIndex(0, p.from) up to StoredHashIndex(0, p.to). If some are
// missing it keeps the hashes of the records before the first record
// missing them, and sets missing and resumed. The hashes of one record are
// written together, so a record with only some of them is a *TamperError.
func readVerifyPage(ctx context.Context, store storage.Store, org uuid.UUID, p *verifyPage) error {
	err := store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		if p.evs, err = tx.Events().Range(ctx, org, p.from, p.to); err != nil {
			return err
		}
		read := func(indexes []int64) ([][32]byte, error) { return readHashes(ctx, tx.Events(), org, indexes) }
		p.missing, p.resumed = p.to, p.to
		p.stored, err = read(hashIndexes(p.from, p.to))
		if !errors.Is(err, lp.ErrNotFound) {
			return err
		}
		p.stored = p.stored[:0]
		for r := p.from; r < p.to && p.resumed == p.to; r++ {
			hs, err := read(hashIndexes(r, r+1))
			switch {
			case err == nil && p.missing < p.to:
				p.resumed = r
			case err == nil:
				p.stored = append(p.stored, hs...)
			case !errors.Is(err, lp.ErrNotFound):
				return err
			default:
				switch _, err := read([]int64{tlog.StoredHashIndex(0, r)}); {
				case err == nil:
					return &TamperError{Index: r, Reason: "some of the tree hashes of this event missing"}
				case !errors.Is(err, lp.ErrNotFound):
					return err
				}
				p.missing = min(p.missing, r)
			}
		}
		return nil
	})
	if te := (*TamperError)(nil); errors.As(err, &te) {
		return te
	}
	if err != nil {
		return lperr.Wrap("audit: verify", err)
	}
	return nil
}

// hashIndexes returns the storage indexes of the tree hashes stored with
// the records [from, to).
func hashIndexes(from, to int64) []int64 {
	lo, hi := tlog.StoredHashIndex(0, from), tlog.StoredHashIndex(0, to)
	indexes := make([]int64, hi-lo)
	for i := range indexes {
		indexes[i] = lo + int64(i)
	}
	return indexes
}

// frontier recomputes a Merkle tree one record at a time, keeping only
// the newest hash of each level: exactly the hashes tlog needs to add the
// next record (the left siblings of its path) and to hash the whole tree
// (the roots of its complete subtrees). It is a tlog.HashReader over them.
type frontier struct {
	hash [64]tlog.Hash
	node [64]int64 // the node index at each level whose hash is held
	buf  []byte    // encoding buffer reused across records
}

// add appends event e as record seq, checks it and the tree hashes it
// creates against stored (the hashes stored for it, followed by later
// ones; nil when its hashes are not stored, as for an event appended
// outside Record that no transaction has hashed yet). It computes what tlog.StoredHashes would (the record hash, then
// one node hash per trailing 1 bit of seq) without allocating.
func (f *frontier) add(org uuid.UUID, seq int64, e lp.Event, stored [][32]byte) error {
	if e.Seq != seq {
		return &TamperError{Index: seq, Reason: "event out of place (deleted, inserted or reordered)"}
	}
	if e.OrgID != org {
		return &TamperError{Index: seq, Reason: "event of another organisation"}
	}
	var h tlog.Hash
	h, f.buf = recordHash(f.buf, e)
	for level := 0; ; level++ {
		switch {
		case stored == nil:
		case tlog.Hash(stored[level]) != h && level == 0:
			return &TamperError{Index: seq, Reason: "event differs from the hash recorded with it"}
		case tlog.Hash(stored[level]) != h:
			return &TamperError{Index: seq, Reason: "stored tree hash differs from the recomputed one"}
		}
		left := f.hash[level]
		f.hash[level], f.node[level] = h, seq>>level
		if seq>>level&1 == 0 {
			return nil
		}
		h = tlog.NodeHash(left, h)
	}
}

// checkRoot checks the tree of the first n records against root.
func (f *frontier) checkRoot(n int64, root tlog.Hash) error {
	th, err := tlog.TreeHash(n, f)
	if err != nil {
		return lperr.Wrap("audit: verify", err)
	}
	if th != root {
		return &TamperError{Index: -1, Reason: "the first " + strconv.FormatInt(n, 10) + " events do not hash to the checkpoint's root"}
	}
	return nil
}

// ReadHashes implements tlog.HashReader.
func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, index := range indexes {
		level, n := tlog.SplitStoredHashIndex(index)
		if f.node[level] != n {
			return nil, fmt.Errorf("leadprivacy: audit: hash %d is not on the tree's frontier", index)
		}
		out[i] = f.hash[level]
	}
	return out, nil
}

// Proof shows that one event is in a checkpointed ChangeLog without
// re-reading the log: the event and the tree hashes linking it to the root
// of the tree of size TreeSize.
type Proof struct {
	Event    lp.Event
	TreeSize int64
	Hashes   tlog.RecordProof
}

// Prove returns the inclusion proof of the event with sequence number seq
// in the actor's organisation's tree of size treeSize (the size of a
// checkpoint). It needs lp.PermReadChangeLog; seq must be below treeSize,
// and treeSize at most the log's size, else ErrInvalidArgument. Tree
// hashes missing for events appended outside Record are stored first, as
// Checkpoint does. It opens transactions of its own (not inside one of the
// store's).
func (l *Log) Prove(ctx context.Context, actor lp.Actor, seq, treeSize int64) (Proof, error) {
	if err := l.Authorize(ctx, actor, lp.PermReadChangeLog, actionReadChangeLog); err != nil {
		return Proof{}, err
	}
	p := Proof{TreeSize: treeSize}
	err := l.readTree(ctx, actor.OrgID, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Events().Count(ctx, actor.OrgID)
		if err != nil {
			return err
		}
		if seq < 0 || seq >= treeSize || treeSize > n {
			return invalid("seq", "must be below treeSize, and treeSize at most the log's size")
		}
		evs, err := tx.Events().Range(ctx, actor.OrgID, seq, seq+1)
		if err != nil {
			return err
		}
		if len(evs) != 1 {
			return fmt.Errorf("%w: audit: event %d", lp.ErrNotFound, seq)
		}
		p.Event = evs[0]
		p.Hashes, err = tlog.ProveRecord(treeSize, seq, storeHashReader(ctx, tx.Events(), actor.OrgID))
		return err
	})
	if err != nil {
		return Proof{}, lperr.Wrap("audit: prove", err)
	}
	return p, nil
}

// CheckProof checks that p's event is in org's ChangeLog as vouched for by
// checkpoint, signed by verifier's key. A proof for another tree size than
// the checkpoint's fails with ErrInvalidArgument, a bad checkpoint with
// ErrBadCheckpoint, and an event that is not in the tree (or was altered)
// with ErrTampered.
func CheckProof(checkpoint []byte, org uuid.UUID, verifier note.Verifier, p Proof) error {
	tree, err := OpenCheckpoint(checkpoint, org, verifier)
	if err != nil {
		return err
	}
	if p.TreeSize != tree.N {
		return invalid("Proof.TreeSize", "differs from the checkpoint's size")
	}
	if p.Event.OrgID != org {
		return &TamperError{Index: p.Event.Seq, Reason: "event of another organisation"}
	}
	if err := tlog.CheckRecord(p.Hashes, tree.N, tree.Hash, p.Event.Seq, RecordHash(p.Event)); err != nil {
		return &TamperError{Index: p.Event.Seq, Reason: "event is not in the checkpointed log as it is"}
	}
	return nil
}

// ConsistencyProof shows that the tree of size New extends the tree of
// size Old (the log only grew in between) without re-reading the log.
type ConsistencyProof struct {
	Old, New int64
	Hashes   tlog.TreeProof
}

// ProveConsistency returns the proof that the actor's organisation's tree
// of size newSize extends the one of size oldSize, from the stored tree
// hashes (completed first, as Checkpoint does). It needs
// lp.PermReadChangeLog; 0 < oldSize <= newSize <= the log's size, else
// ErrInvalidArgument. It opens transactions of its own (not inside one of
// the store's).
func (l *Log) ProveConsistency(ctx context.Context, actor lp.Actor, oldSize, newSize int64) (ConsistencyProof, error) {
	if err := l.Authorize(ctx, actor, lp.PermReadChangeLog, actionReadChangeLog); err != nil {
		return ConsistencyProof{}, err
	}
	p := ConsistencyProof{Old: oldSize, New: newSize}
	err := l.readTree(ctx, actor.OrgID, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Events().Count(ctx, actor.OrgID)
		if err != nil {
			return err
		}
		if oldSize <= 0 || oldSize > newSize || newSize > n {
			return invalid("oldSize", "must satisfy 0 < oldSize <= newSize <= the log's size")
		}
		p.Hashes, err = tlog.ProveTree(newSize, oldSize, storeHashReader(ctx, tx.Events(), actor.OrgID))
		return err
	})
	if err != nil {
		return ConsistencyProof{}, lperr.Wrap("audit: prove consistency", err)
	}
	return p, nil
}

// CheckConsistency checks that checkpoint newer extends checkpoint older,
// both of org and signed by verifier's key, with p from ProveConsistency:
// what the older one vouched for is unchanged in the newer one. It costs a
// few hashes, not a re-read of the log, so an auditor can check each new
// checkpoint against the last one kept and run the full Verify less often.
// A bad checkpoint fails with ErrBadCheckpoint, a proof for other sizes
// with ErrInvalidArgument, and a newer tree that rewrites the older one
// with ErrTampered.
func CheckConsistency(older, newer []byte, org uuid.UUID, verifier note.Verifier, p ConsistencyProof) error {
	o, err := OpenCheckpoint(older, org, verifier)
	if err != nil {
		return err
	}
	n, err := OpenCheckpoint(newer, org, verifier)
	if err != nil {
		return err
	}
	if p.Old != o.N || p.New != n.N {
		return invalid("ConsistencyProof", "sizes differ from the checkpoints'")
	}
	if err := tlog.CheckTree(p.Hashes, n.N, n.Hash, o.N, o.Hash); err != nil {
		return &TamperError{Index: -1, Reason: "the newer checkpoint does not extend the older one"}
	}
	return nil
}
