package blocklist

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// DefaultSnapshotLimit is the most block entries plus suppressions of one
// organisation a Service holds in its screening snapshot when
// Options.SnapshotLimit is 0. At about 100 bytes an entry (see
// BENCHMARKS.md, "Registry lists") that is some 100 MB at most.
const DefaultSnapshotLimit = 1_000_000

// screens holds, per organisation, the compiled screening snapshot: every
// block entry (exact, prefix, org-wide and project-scoped, expired or not)
// and every suppressed fingerprint, as of one screening generation
// (storage.Blocks.ScreeningGeneration). It is shared by every call and
// goroutine of a Service and replaced whole, atomically.
//
// A batch reads the generation in its own transaction and uses the
// snapshot only if it was taken at that generation, which means it holds
// exactly what the transaction would read from the store; otherwise the
// batch reads the store as before, and once its transaction has ended the
// call reloads the snapshot in a read transaction of its own (one caller
// at a time; the others go on with the store).
type screens struct {
	store  storage.Store
	logger *slog.Logger
	limit  int // < 0: no snapshot
	// pause is how many times its own duration a reload waits after the
	// previous one ended: 3 keeps reloads to a quarter of the time while
	// writes keep changing the list.
	pause time.Duration

	mu    sync.Mutex
	slots map[uuid.UUID]*screenSlot

	// Batches answered from a snapshot, and from the store: for tests and
	// benchmarks.
	hits, misses atomic.Int64
	// Of the hits, the batches looked up ahead on the reading goroutine.
	ahead atomic.Int64
}

// screenSlot is one organisation's snapshot and the state of its reloads.
type screenSlot struct {
	cur atomic.Pointer[screen]
	// Guarded by screens.mu.
	loading bool      // a reload is under way
	tooBig  int64     // a generation found over the limit, -1 if none
	notTill time.Time // no reload before: reloads take at most a quarter of the time
}

func newScreens(store storage.Store, logger *slog.Logger, limit int) *screens {
	return &screens{store: store, logger: logger, limit: limit, pause: 3, slots: map[uuid.UUID]*screenSlot{}}
}

func (sc *screens) slot(org uuid.UUID) *screenSlot {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sl := sc.slots[org]
	if sl == nil {
		sl = &screenSlot{tooBig: -1}
		sc.slots[org] = sl
	}
	return sl
}

// current returns org's snapshot if it was taken at the generation tx
// sees, else nil and that generation (to reload it after tx: see refresh).
// With snapshots disabled it returns nil without a query.
func (sc *screens) current(ctx context.Context, tx storage.Tx, org uuid.UUID) (*screen, int64, error) {
	if sc.limit < 0 {
		sc.misses.Add(1)
		return nil, -1, nil
	}
	g, err := tx.Blocks().ScreeningGeneration(ctx, org)
	if err != nil {
		return nil, -1, err
	}
	if s := sc.slot(org).cur.Load(); s != nil && s.generation == g {
		sc.hits.Add(1)
		return s, g, nil
	}
	sc.misses.Add(1)
	return nil, g, nil
}

// refresh reloads org's snapshot, seen stale at generation seen, unless
// another reload is under way, the last one was too recent, or that
// generation is known to be over the limit. It must be called outside any
// transaction. A failed reload is logged and leaves the store path in use.
func (sc *screens) refresh(ctx context.Context, org uuid.UUID, seen int64) {
	if sc.limit < 0 || seen < 0 {
		return
	}
	sl := sc.slot(org)
	sc.mu.Lock()
	if cur := sl.cur.Load(); sl.loading || time.Now().Before(sl.notTill) || sl.tooBig == seen || (cur != nil && cur.generation >= seen) {
		sc.mu.Unlock()
		return
	}
	sl.loading = true
	sc.mu.Unlock()

	start := time.Now()
	s, g, err := sc.load(ctx, org)
	took := time.Since(start)

	sc.mu.Lock()
	defer sc.mu.Unlock()
	sl.loading = false
	sl.notTill = time.Now().Add(sc.pause * took)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			sc.logger.Warn("blocklist: screening snapshot not loaded, checks read the store", "err", err)
		}
	case s == nil:
		sl.tooBig = g
		sl.cur.Store(nil)
	default:
		if cur := sl.cur.Load(); cur == nil || cur.generation < s.generation {
			sl.cur.Store(s)
		}
	}
}

// load reads org's whole screening list and its generation in one read
// transaction and compiles it; a nil snapshot if it holds more than the
// limit's entries.
func (sc *screens) load(ctx context.Context, org uuid.UUID) (*screen, int64, error) {
	var s *screen
	var g int64
	err := sc.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		s = nil
		if g, err = tx.Blocks().ScreeningGeneration(ctx, org); err != nil {
			return err
		}
		b := newScreenBuilder(g)
		for page := (storage.Page{Limit: storage.MaxLimit}); ; {
			bs, err := tx.Blocks().List(ctx, org, storage.BlockFilter{}, page)
			if err != nil {
				return err
			}
			if b.size()+len(bs) > sc.limit {
				return nil
			}
			for _, e := range bs {
				b.add(e)
			}
			if len(bs) < page.Size() {
				break
			}
			page.After = bs[len(bs)-1].ID
		}
		for after := (phone.Fingerprint{}); ; {
			fps, err := tx.Suppressions().ListFingerprints(ctx, org, after, storage.MaxLimit)
			if err != nil {
				return err
			}
			if b.size()+len(fps) > sc.limit {
				return nil
			}
			for _, fp := range fps {
				b.s.suppressed[fp] = struct{}{}
			}
			if len(fps) < storage.MaxLimit {
				break
			}
			after = fps[len(fps)-1]
		}
		s = b.finish()
		return nil
	})
	return s, g, err
}

// peek returns org's snapshot, current or not, without a transaction: the
// reading goroutine looks a batch up in it ahead of the check (see
// importer.lookAhead), which uses that only if the snapshot is still
// current then.
func (sc *screens) peek(org uuid.UUID) *screen {
	if sc.limit < 0 {
		return nil
	}
	return sc.slot(org).cur.Load()
}

// screen is one organisation's compiled screening list at one generation.
// It is immutable once built.
type screen struct {
	generation int64
	// exact and prefix map a number's or a prefix's key (see key: the
	// digits as an integer, distinct for distinct digit strings as none
	// starts with 0) to the first of its entries.
	exact, prefix map[uint64]int32
	entries       []screenEntry
	// prefixLens has bit i set if some prefix entry has i digits.
	prefixLens uint16
	suppressed map[phone.Fingerprint]struct{}
	// filter is a Bloom filter of the keys of exact and prefix (see
	// filterHash), two bits in one word a key, 16 to 32 bits a key: the
	// number it rules out, most of them, costs a word read from a table
	// small enough to stay in cache instead of a map look-up that misses
	// it. nil until finish: every key may be there.
	filter      []uint64
	filterShift uint8 // 64 - log2(len(filter))
}

// screenEntry is a block entry as a check needs it.
type screenEntry struct {
	id, project uuid.UUID
	expires     time.Time
	next        int32 // the next entry of the same key, -1 for none
}

// screenBuilder compiles a screen from the entries of a list.
type screenBuilder struct{ s *screen }

func newScreenBuilder(generation int64) screenBuilder {
	return screenBuilder{&screen{generation: generation, exact: map[uint64]int32{}, prefix: map[uint64]int32{},
		suppressed: map[phone.Fingerprint]struct{}{}}}
}

// finish builds the screen's filter and returns the screen, complete.
func (b screenBuilder) finish() *screen {
	s := b.s
	words, shift := 1, uint8(64)
	for words*64 < 16*(len(s.exact)+len(s.prefix)) {
		words, shift = words*2, shift-1
	}
	s.filter, s.filterShift = make([]uint64, words), shift
	for k := range s.exact {
		h := filterHash(k, false)
		s.filter[h>>s.filterShift] |= filterBits(h)
	}
	for k := range s.prefix {
		h := filterHash(k, true)
		s.filter[h>>s.filterShift] |= filterBits(h)
	}
	return s
}

// filterHash mixes a key (murmur3's finaliser) for the filter; a prefix's
// key is complemented first, so that it differs from any number's.
func filterHash(k uint64, prefix bool) uint64 {
	if prefix {
		k = ^k
	}
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// filterBits are the two bits of a hash in its filter word (the word is
// chosen by the hash's top bits).
func filterBits(h uint64) uint64 { return 1<<(h&63) | 1<<(h>>6&63) }

// mayHold reports whether s may have entries of key k: false only if it
// has none.
func (s *screen) mayHold(k uint64, prefix bool) bool {
	if s.filter == nil {
		return true
	}
	h := filterHash(k, prefix)
	bits := filterBits(h)
	return s.filter[h>>s.filterShift]&bits == bits
}

// size is how many entries and suppressions the screen holds so far.
func (b screenBuilder) size() int { return len(b.s.entries) + len(b.s.suppressed) }

func (b screenBuilder) add(e lp.BlockEntry) {
	s := b.s
	m := s.exact
	if e.Prefix {
		m = s.prefix
		s.prefixLens |= 1 << (len(e.Number) - 1)
	}
	k := key(e.Number)
	next, ok := m[k]
	if !ok {
		next = -1
	}
	m[k] = int32(len(s.entries))
	s.entries = append(s.entries, screenEntry{id: e.ID, project: e.ProjectID, expires: e.ExpiresAt, next: next})
}

// block returns the entry that stops n, whose key is k (see key), in
// project at now, chosen as mostSpecific and outlasts choose on the store
// path. If until is not nil, it lowers *until (zero: no bound) to the
// first expiry after now among the entries it looked at: the answer holds
// until then. A key the filter rules out costs no map look-up, and only
// the prefix lengths some entry has are tried.
func (s *screen) block(n phone.Number, k uint64, project uuid.UUID, now time.Time, until *time.Time) (BlockRef, bool) {
	if s.mayHold(k, false) {
		if e, ok := s.best(s.exact, k, project, now, until); ok {
			return BlockRef{ID: e.ID, ProjectID: e.ProjectID, ExpiresAt: e.ExpiresAt}, true
		}
	}
	if s.prefixLens == 0 {
		return BlockRef{}, false
	}
	cc := n.CountryCode()
	if cc == 0 {
		return BlockRef{}, false
	}
	first := 1
	for c := cc; c >= 10; c /= 10 {
		first++
	}
	// pk is the key of the prefix of l digits, n[:1+l].
	for l, pk := len(n)-1, k; l >= first; l, pk = l-1, pk/10 {
		if s.prefixLens&(1<<l) == 0 || !s.mayHold(pk, true) {
			continue
		}
		p := n[:1+l]
		if e, ok := s.best(s.prefix, pk, project, now, until); ok {
			return BlockRef{ID: e.ID, ProjectID: e.ProjectID, ExpiresAt: e.ExpiresAt, Prefix: p}, true
		}
	}
	return BlockRef{}, false
}

// best returns the entry of key k in m that applies to project at now and
// lasts longest, lowering *until as block says.
func (s *screen) best(m map[uint64]int32, k uint64, project uuid.UUID, now time.Time, until *time.Time) (lp.BlockEntry, bool) {
	i, ok := m[k]
	if !ok {
		return lp.BlockEntry{}, false
	}
	var out lp.BlockEntry
	found := false
	for ; i >= 0; i = s.entries[i].next {
		e := &s.entries[i]
		b := lp.BlockEntry{ID: e.id, ProjectID: e.project, ExpiresAt: e.expires}
		if !b.Applies(project, now) {
			continue
		}
		if until != nil && !b.ExpiresAt.IsZero() && (until.IsZero() || b.ExpiresAt.Before(*until)) {
			*until = b.ExpiresAt
		}
		if !found || outlasts(b, out) {
			out, found = b, true
		}
	}
	return out, found
}
