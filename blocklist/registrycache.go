package blocklist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/internal/numindex"
	"github.com/leadprivacy/leadprivacy/storage"
)

// ErrCorruptSnapshot is matched by the error of a registry version whose
// stored snapshot no longer hashes to its content hash (or does not decode):
// it is refused, and the previous version stays in force.
var ErrCorruptSnapshot = errors.New("leadprivacy: registry snapshot is corrupt")

// registryCache holds the compiled index of the registry versions in
// force, one per registry, shared by every call and goroutine of a
// Service. A version is read from the store, verified and decoded once,
// by the first batch that sees it current; concurrent batches wait for
// that load instead of repeating it.
type registryCache struct {
	logger  *slog.Logger
	mu      sync.Mutex
	current map[regID]*loaded        // the newest intact version loaded of each registry
	loading map[regVersion]*loadCall // loads under way
	refused map[regVersion]error     // versions whose snapshot failed verification
}

// regID names a registry across organisations; regVersion one version of
// it, with the content hash its row gave.
type regID struct{ org, id uuid.UUID }

type regVersion struct {
	regID
	version int64
	hash    [32]byte
}

// loaded is a decoded registry version.
type loaded struct {
	version int64
	hash    [32]byte // zero for a previous version loaded as a fallback
	set     *numindex.Set
}

// loadCall is a load under way; done closes when set or err is final.
type loadCall struct {
	done chan struct{}
	set  *numindex.Set
	err  error
}

func newRegistryCache(logger *slog.Logger) *registryCache {
	return &registryCache{logger: logger, current: map[regID]*loaded{}, loading: map[regVersion]*loadCall{}, refused: map[regVersion]error{}}
}

// registryView is a registry version a batch checks against.
type registryView struct {
	ref RegistryRef
	set *numindex.Set
}

// applicable returns the registries in force for project, by name, as
// tx sees them: one List, and a load only for a version not cached yet.
func (c *registryCache) applicable(ctx context.Context, tx storage.Tx, org, project uuid.UUID) ([]registryView, error) {
	rs, err := tx.Registries().List(ctx, org)
	if err != nil {
		return nil, lperr.Wrap("registries", err)
	}
	c.prune(org, rs)
	var out []registryView
	for _, r := range rs {
		if !r.AppliesTo(project) {
			continue
		}
		v, err := c.inForce(ctx, tx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// prune forgets the cached versions of the organisation's registries that
// rs (its current list) no longer holds: dropped ones.
func (c *registryCache) prune(org uuid.UUID, rs []lp.Registry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	listed := func(id uuid.UUID) bool {
		for _, r := range rs {
			if r.ID == id {
				return true
			}
		}
		return false
	}
	for k := range c.current {
		if k.org == org && !listed(k.id) {
			delete(c.current, k)
		}
	}
	for k := range c.refused {
		if k.org == org && !listed(k.id) {
			delete(c.refused, k)
		}
	}
}

// inForce returns r's current version, or, if its snapshot is corrupt,
// the previous intact one: the one cached, else the previous snapshot the
// store keeps. With neither it fails, so a check never passes a number
// against a registry it could not read.
func (c *registryCache) inForce(ctx context.Context, tx storage.Tx, r lp.Registry) (registryView, error) {
	set, err := c.exact(ctx, tx, r)
	if err == nil {
		return registryView{RegistryRef{r.Name, r.Version}, set}, nil
	}
	if !errors.Is(err, ErrCorruptSnapshot) {
		return registryView{}, err
	}
	id := regID{r.OrgID, r.ID}
	c.mu.Lock()
	l := c.current[id]
	c.mu.Unlock()
	if l != nil && l.version < r.Version {
		return registryView{RegistryRef{r.Name, l.version}, l.set}, nil
	}
	prev := r.Version - 1
	if prev < 1 {
		return registryView{}, fmt.Errorf("%w; there is no earlier version to keep in force", err)
	}
	set, perr := loadPrevious(ctx, tx, r, prev)
	if perr != nil {
		return registryView{}, fmt.Errorf("%w; the kept version %d is no fallback either: %s", err, prev, strings.TrimPrefix(perr.Error(), lperr.Prefix))
	}
	c.mu.Lock()
	if l := c.current[id]; l == nil || l.version < prev {
		c.current[id] = &loaded{version: prev, set: set}
	}
	c.mu.Unlock()
	c.logger.Warn("registry version refused, previous version in force", "registry", r.Name, "version", r.Version, "in_force", prev)
	return registryView{RegistryRef{r.Name, prev}, set}, nil
}

// exact returns the index of r's current version, loading it in tx if it
// is not cached; ErrCorruptSnapshot if its snapshot fails verification.
func (c *registryCache) exact(ctx context.Context, tx storage.Tx, r lp.Registry) (*numindex.Set, error) {
	id := regID{r.OrgID, r.ID}
	vk := regVersion{id, r.Version, r.Hash}
	for {
		c.mu.Lock()
		if l := c.current[id]; l != nil && l.version == r.Version && l.hash == r.Hash {
			c.mu.Unlock()
			return l.set, nil
		}
		if err := c.refused[vk]; err != nil {
			c.mu.Unlock()
			return nil, err
		}
		call := c.loading[vk]
		if call == nil {
			call = &loadCall{done: make(chan struct{})}
			c.loading[vk] = call
			c.mu.Unlock()
			call.set, call.err = load(ctx, tx, r)
			c.settle(vk, r.Name, call)
			return call.set, call.err
		}
		c.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if call.err == nil {
			return call.set, nil
		}
		// The loader failed: if for corruption, refused says so now;
		// otherwise the failure may be its own (its ctx, its
		// transaction), so load again.
	}
}

// settle files the outcome of a load: an intact version newer than the
// cached one replaces it (the superseded index is dropped), a corrupt one
// is refused once and logged.
func (c *registryCache) settle(vk regVersion, name string, call *loadCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.loading, vk)
	switch {
	case call.err == nil:
		if l := c.current[vk.regID]; l == nil || l.version <= vk.version {
			c.current[vk.regID] = &loaded{version: vk.version, hash: vk.hash, set: call.set}
		}
		for k := range c.refused {
			if k.regID == vk.regID && k.version < vk.version {
				delete(c.refused, k)
			}
		}
	case errors.Is(call.err, ErrCorruptSnapshot):
		c.refused[vk] = call.err
		c.logger.Error("registry snapshot refused", "registry", name, "version", vk.version, "err", call.err)
	}
	close(call.done)
}

// load reads r's current snapshot in tx, checks it against r's content
// hash and decodes it.
func load(ctx context.Context, tx storage.Tx, r lp.Registry) (*numindex.Set, error) {
	b, sum, err := readSnapshot(func(w io.Writer) error {
		return tx.Registries().ReadSnapshotTo(ctx, r.OrgID, r.ID, r.Version, w)
	}, r.Size, 0)
	if err != nil {
		return nil, lperr.Wrap(RegistryRef{r.Name, r.Version}.String(), err)
	}
	if sum != r.Hash {
		return nil, corrupt(r.Name, r.Version, "content hash mismatch", nil)
	}
	return unseal(r.Name, r.Version, b)
}

// loadPrevious reads the kept snapshot of an earlier version of r, which
// its row holds no hash of, and verifies it by the hash it carries.
func loadPrevious(ctx context.Context, tx storage.Tx, r lp.Registry, version int64) (*numindex.Set, error) {
	b, inner, err := readSnapshot(func(w io.Writer) error {
		return tx.Registries().ReadSnapshotTo(ctx, r.OrgID, r.ID, version, w)
	}, 0, sha256.Size)
	if err != nil {
		return nil, err
	}
	if len(b) < sha256.Size || !bytes.Equal(inner[:], b[:sha256.Size]) {
		return nil, corrupt(r.Name, version, "content hash mismatch", nil)
	}
	return unseal(r.Name, version, b)
}

// maxPrealloc bounds the memory readSnapshot sets aside from a registry
// row's Size, which a damaged row may overstate; past it the buffer grows
// as the chunks arrive.
const maxPrealloc = 1 << 30

// readSnapshot returns the bytes a snapshot's read (a
// Registries.ReadSnapshotTo) writes, about size of them, and the SHA-256
// of those from offset skip on. It hashes each chunk on a goroutine of
// its own while the store reads the next, so the hash, about as long as
// reading the bytes from SQLite, costs little more than the read.
func readSnapshot(read func(io.Writer) error, size int64, skip int) (b []byte, sum [sha256.Size]byte, err error) {
	parts := make(chan []byte, 64) // chunks of a megabyte: the hash keeps up
	summed := make(chan [sha256.Size]byte)
	go func() {
		h := sha256.New()
		for p := range parts {
			h.Write(p)
		}
		summed <- [sha256.Size]byte(h.Sum(nil))
	}()
	w := &hashedBuffer{buf: make([]byte, 0, min(max(size, 0), maxPrealloc)), skip: skip, parts: parts}
	err = read(w)
	close(parts)
	sum = <-summed
	if err != nil {
		return nil, sum, err
	}
	return w.buf, sum, nil
}

// hashedBuffer collects a snapshot's chunks and sends each to the hashing
// goroutine, past the first skip bytes.
type hashedBuffer struct {
	buf   []byte
	skip  int
	parts chan<- []byte
}

func (w *hashedBuffer) Write(p []byte) (int, error) {
	start := len(w.buf)
	w.buf = append(w.buf, p...)
	// The slice stays valid and unchanged: a growing buf moves to new memory.
	part := w.buf[start:]
	n := min(w.skip, len(part))
	w.skip -= n
	if part = part[n:]; len(part) > 0 {
		w.parts <- part
	}
	return len(p), nil
}

// unseal decodes a verified snapshot (see seal).
func unseal(name string, version int64, b []byte) (*numindex.Set, error) {
	if len(b) < sha256.Size {
		return nil, corrupt(name, version, "snapshot too short", nil)
	}
	set, err := numindex.LoadInPlace(b[sha256.Size:]) // b is readSnapshot's, the Set's from now on
	if err != nil {
		return nil, corrupt(name, version, "index does not decode", err)
	}
	return set, nil
}

// corrupt is the error of a registry version whose snapshot is refused.
func corrupt(name string, version int64, why string, err error) error {
	msg := RegistryRef{name, version}.String() + ": " + why
	if err != nil {
		return lperr.Wrap(msg, errors.Join(ErrCorruptSnapshot, err))
	}
	return lperr.Wrap(msg, ErrCorruptSnapshot)
}

// packBits is how many low bits of a packed key (see registryScratch)
// hold the number's place in its chunk: E.164 keys are below 10^15 <
// 2^50, so a key and its place fit one uint64, and a chunk sorts as plain
// integers, several times faster than pairs sorted by a comparison.
const packBits = 14

// registryScratch is the reusable memory of registeredAll: a batch's
// keys sorted with their places, and the registries' answers.
type registryScratch struct {
	packed []uint64 // key<<packBits | place in the chunk, sorted
	spare  []uint64 // sortPacked's second buffer
	keys   []uint64 // the keys of packed, in its order
	hit    []bool   // a registry's answer for each of keys
}

// registeredAll sets listed[i] to the index in regs of the first registry
// that lists the number whose key (numindex.Key) is keys[i], or to -1;
// a key of 0 stands for no number. The keys are sorted once, with their
// places, a chunk of 2^packBits at a time, and each registry answers a
// chunk in one sorted walk (numindex.Set.ContainsSorted), several times
// faster than a look-up a number.
func (sc *registryScratch) registeredAll(regs []registryView, keys []uint64, listed []int32) {
	listed = listed[:len(keys)]
	for i := range listed {
		listed[i] = -1
	}
	if len(regs) == 0 {
		return
	}
	for lo := 0; lo < len(keys); lo += 1 << packBits {
		chunk := keys[lo:min(lo+1<<packBits, len(keys))]
		sc.packed = sc.packed[:0]
		for i, k := range chunk {
			if k != 0 {
				sc.packed = append(sc.packed, k<<packBits|uint64(i))
			}
		}
		sc.packed, sc.spare = sortPacked(sc.packed, slices.Grow(sc.spare[:0], len(sc.packed))[:len(sc.packed)])
		sc.keys = sc.keys[:0]
		for _, pk := range sc.packed {
			sc.keys = append(sc.keys, pk>>packBits)
		}
		sc.hit = slices.Grow(sc.hit[:0], len(sc.keys))[:len(sc.keys)]
		for r, reg := range regs {
			reg.set.ContainsSorted(sc.keys, sc.hit)
			for j, ok := range sc.hit {
				if i := lo + int(sc.packed[j]&(1<<packBits-1)); ok && listed[i] < 0 {
					listed[i] = int32(r)
				}
			}
		}
	}
}

// sortPacked sorts packed keys by their keys (the places below packBits
// are left in any order) and returns them, in a or in buf (as long as a),
// with the other slice: a radix sort, a byte a pass and only the bytes in
// which the keys differ (a batch's numbers share their calling codes),
// faster than a comparison sort at a batch's size.
func sortPacked(a, buf []uint64) (sorted, spare []uint64) {
	if len(a) < 64 {
		slices.Sort(a)
		return a, buf
	}
	var or, and uint64 = 0, ^uint64(0)
	for _, v := range a {
		or, and = or|v, and&v
	}
	differ := or ^ and
	for shift := packBits; shift < 64; shift += 8 {
		if differ>>shift&0xff == 0 {
			continue
		}
		var at [256]int
		for _, v := range a {
			at[v>>shift&0xff]++
		}
		sum := 0
		for d, n := range at {
			at[d], sum = sum, sum+n
		}
		for _, v := range a {
			d := v >> shift & 0xff
			buf[at[d]] = v
			at[d]++
		}
		a, buf = buf, a
	}
	return a, buf
}

// sameRegistries reports whether a and b are the same registry versions
// with the same indexes, in the same order.
func sameRegistries(a, b []registryView) bool {
	return slices.EqualFunc(a, b, func(x, y registryView) bool { return x.ref == y.ref && x.set == y.set })
}
