package blocklist

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/internal/numindex"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// MaxRegistryLines bounds the records of one registry or delta file: the
// whole US registry (about 250 million numbers) with room to spare. The
// loader holds 8 bytes per number while it compiles them.
const MaxRegistryLines = 1 << 30

// DefaultMaxInvalidLines is how many invalid lines LoadResult.InvalidLines
// keeps when MaxInvalidLines is 0; Invalid counts them all.
const DefaultMaxInvalidLines = 1000

// attemptRegistries names Registries in the access.denied event of a
// refused call: it records no event of its own to name it.
const attemptRegistries lp.Action = "registry.list"

// RegistryFile is a provider's registry file and how to read it: one
// number a line, header or not, any encoding (see csvimport.NumberReader).
// UK TPS fixed-width lines ("0207 3787244", "01635 506160") are one number
// each; the US "area code,number" layout needs Columns {1, 2} and Join.
type RegistryFile struct {
	// File is read once.
	File io.Reader
	// Region reads national numbers ("0207 3787244" with "GB"); empty
	// means the organisation's default region.
	Region string
	// Columns are the 1-based columns holding the number; empty lets the
	// reader choose. Join concatenates them into one number a row.
	Columns []int
	Join    bool
	// Comma is the delimiter; 0 detects it (see csvimport.Options).
	Comma rune
}

// LoadRegistryRequest loads a registry's full file as its next version.
type LoadRegistryRequest struct {
	// Name is the registry's code, such as "tps" (see lp.ValidCode). A
	// name the organisation has no registry under creates one.
	Name string
	// ProjectIDs scope the registry to these projects of the actor's
	// organisation; empty screens every project. It replaces the scope of
	// an existing registry.
	ProjectIDs []uuid.UUID
	RegistryFile
	// StopOnError fails the whole load on the first invalid line, keeping
	// the version in force. By default invalid lines are reported
	// (LoadResult.InvalidLines) and the valid numbers loaded.
	StopOnError bool
	// MaxInvalidLines bounds LoadResult.InvalidLines; 0 means
	// DefaultMaxInvalidLines.
	MaxInvalidLines int
	// Progress, if set, hears how far reading has come every 65,536
	// records and once at the end of reading, before the version is
	// written.
	Progress func(LoadProgress)
}

// LoadProgress is how far the reading of a registry file has come.
type LoadProgress struct {
	Lines, Numbers, Invalid int
}

// LoadResult is the version a LoadRegistry or ApplyDelta made, and what
// reading its file found.
type LoadResult struct {
	Registry RegistryInfo
	// Lines is the records read (blank lines are not counted), Numbers
	// the valid numbers among them (repeats included), Invalid the
	// rejected ones.
	Lines, Numbers, Invalid int
	// InvalidLines are the first MaxInvalidLines rejected lines, numbers
	// masked, ready for csvimport.WriteRejections.
	InvalidLines []csvimport.Rejection
	// Added and Removed are the numbers the version added and removed
	// (ApplyDelta only: a removal of an absent number removes nothing).
	Added, Removed int
}

// RegistryInfo describes a registry's current version.
type RegistryInfo struct {
	ID         uuid.UUID
	Name       string
	ProjectIDs []uuid.UUID // empty: every project
	Version    int64
	Count      int64 // numbers in the version
	// Hash is the content hash (SHA-256 of the stored snapshot), Size the
	// snapshot's length in bytes.
	Hash     [32]byte
	Size     int64
	LoadedBy uuid.UUID
	LoadedAt time.Time
}

// RegistryRef names the registry version that stops a number.
type RegistryRef struct {
	Name    string
	Version int64
}

// String describes the reference, such as "registry tps version 3".
func (r RegistryRef) String() string {
	return "registry " + r.Name + " version " + strconv.FormatInt(r.Version, 10)
}

func infoOf(r lp.Registry) RegistryInfo {
	return RegistryInfo{ID: r.ID, Name: r.Name, ProjectIDs: slices.Clone(r.ProjectIDs), Version: r.Version, Count: r.Count,
		Hash: r.Hash, Size: r.Size, LoadedBy: r.LoadedBy, LoadedAt: r.LoadedAt}
}

// LoadRegistry reads a registry's full file, compiles its numbers into an
// index and stores it as the registry's next version (the first one for a
// new name), recording registry.loaded with the counts and the content
// hash, never a number. It needs lp.PermBlock.
//
// The file is read and compiled before any transaction opens; the
// version is then written in one transaction (the registry row, the
// snapshot, the removal of snapshots older than the previous version,
// and the event). So a cancelled ctx, a failing reader, StopOnError or a
// crash leaves the version in force, and no Check sees part of a
// version. The previous version's snapshot is kept as a fallback for a
// corrupt current one.
func (s *Service) LoadRegistry(ctx context.Context, actor lp.Actor, req LoadRegistryRequest) (LoadResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionRegistryLoaded); err != nil {
		return LoadResult{}, wrap("LoadRegistry", err)
	}
	res, err := s.loadRegistry(ctx, actor, req)
	return res, wrap("LoadRegistry", err)
}

func (s *Service) loadRegistry(ctx context.Context, actor lp.Actor, req LoadRegistryRequest) (LoadResult, error) {
	if err := lp.ValidCode("LoadRegistryRequest.Name", req.Name); err != nil {
		return LoadResult{}, err
	}
	reg, err := s.registryRegion(ctx, actor.OrgID, req.Region, "LoadRegistryRequest", func(ctx context.Context, tx storage.Tx) error {
		for i, p := range req.ProjectIDs {
			field := "LoadRegistryRequest.ProjectIDs[" + strconv.Itoa(i) + "]"
			switch {
			case p == uuid.Nil:
				return invalid(field, "must not be zero")
			case slices.Contains(req.ProjectIDs[:i], p):
				return invalid(field, "lists project "+p.String()+" twice")
			}
			if err := checkProject(ctx, tx, actor.OrgID, p, field); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return LoadResult{}, err
	}
	f := req.RegistryFile
	f.Region = reg
	var res LoadResult
	keys, err := readRegistryFile(ctx, f, "LoadRegistryRequest.File", req.StopOnError, req.MaxInvalidLines, req.Progress, &res)
	if err != nil {
		return LoadResult{}, err
	}
	set := numindex.Build(keys)
	stored, hash, err := seal(set)
	if err != nil {
		return LoadResult{}, err
	}
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		r, found, err := getRegistry(ctx, tx, actor.OrgID, req.Name)
		if err != nil {
			return err
		}
		if !found {
			r = lp.Registry{OrgID: actor.OrgID, ID: uuid.New(), Name: req.Name}
		}
		r.ProjectIDs = slices.Clone(req.ProjectIDs)
		if err := s.writeVersion(ctx, tx, actor, &r, found, set.Len(), stored, hash); err != nil {
			return err
		}
		res.Registry = infoOf(r)
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionRegistryLoaded, ObjectID: r.ID,
			Details: []audit.Detail{audit.Code(audit.KeyRegistry, r.Name), audit.Count(audit.KeyVersion, int(r.Version)),
				audit.Count(audit.KeyNumbers, int(r.Count)), audit.Count(audit.KeyInvalid, res.Invalid), audit.Hash(audit.KeyContentHash, r.Hash)}})
		return err
	})
	if err != nil {
		return LoadResult{}, err
	}
	return res, nil
}

// ApplyDeltaRequest makes a registry's next version from its current one
// and the provider's change files.
type ApplyDeltaRequest struct {
	// Name is the registry's code; it must exist.
	Name string
	// Added and Removed are the files of numbers to add and to remove,
	// read as RegistryFile says (Region, Columns, Join and Comma apply to
	// both); either may be nil. A number in both is removed.
	Added, Removed io.Reader
	RegistryFile
	// StopOnError, MaxInvalidLines and Progress are as in
	// LoadRegistryRequest, over both files.
	StopOnError     bool
	MaxInvalidLines int
	Progress        func(LoadProgress)
}

// ApplyDelta merges a registry's additions and removals into its current
// version and stores the result as the next version, recording
// registry.delta_applied with the numbers actually added and removed. It
// needs lp.PermBlock. The files are read and merged before the write
// transaction opens, as in LoadRegistry; if the registry got a new version
// meanwhile, nothing is written and the error matches lp.ErrConflict
// (apply the delta again on the new version, or not, as the provider's
// sequence says).
func (s *Service) ApplyDelta(ctx context.Context, actor lp.Actor, req ApplyDeltaRequest) (LoadResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionRegistryDeltaApplied); err != nil {
		return LoadResult{}, wrap("ApplyDelta", err)
	}
	res, err := s.applyDelta(ctx, actor, req)
	return res, wrap("ApplyDelta", err)
}

func (s *Service) applyDelta(ctx context.Context, actor lp.Actor, req ApplyDeltaRequest) (LoadResult, error) {
	if req.Added == nil && req.Removed == nil {
		return LoadResult{}, invalid("ApplyDeltaRequest", "must give Added, Removed or both")
	}
	var cur lp.Registry
	var set *numindex.Set
	reg, err := s.registryRegion(ctx, actor.OrgID, req.Region, "ApplyDeltaRequest", func(ctx context.Context, tx storage.Tx) error {
		var err error
		if cur, err = tx.Registries().Get(ctx, actor.OrgID, req.Name); err != nil {
			return lperr.Wrap("ApplyDeltaRequest.Name "+strconv.Quote(req.Name), err)
		}
		set, err = s.regs.exact(ctx, tx, cur)
		return err
	})
	if err != nil {
		return LoadResult{}, err
	}
	var res LoadResult
	read := func(r io.Reader, field string) ([]uint64, error) {
		if r == nil {
			return nil, nil
		}
		f := req.RegistryFile
		f.File, f.Region = r, reg
		return readRegistryFile(ctx, f, field, req.StopOnError, req.MaxInvalidLines, req.Progress, &res)
	}
	added, err := read(req.Added, "ApplyDeltaRequest.Added")
	if err != nil {
		return LoadResult{}, err
	}
	removed, err := read(req.Removed, "ApplyDeltaRequest.Removed")
	if err != nil {
		return LoadResult{}, err
	}
	next, nAdded, nRemoved := merge(set, added, removed)
	res.Added, res.Removed = nAdded, nRemoved
	stored, hash, err := seal(next)
	if err != nil {
		return LoadResult{}, err
	}
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		r, err := tx.Registries().Get(ctx, actor.OrgID, req.Name)
		if err != nil {
			return lperr.Wrap("ApplyDeltaRequest.Name "+strconv.Quote(req.Name), err)
		}
		if r.ID != cur.ID || r.Version != cur.Version {
			return fmt.Errorf("registry %s changed while the delta was read (version %d, now %d): %w", req.Name, cur.Version, r.Version, lp.ErrConflict)
		}
		if err := s.writeVersion(ctx, tx, actor, &r, true, next.Len(), stored, hash); err != nil {
			return err
		}
		res.Registry = infoOf(r)
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionRegistryDeltaApplied, ObjectID: r.ID,
			Details: []audit.Detail{audit.Code(audit.KeyRegistry, r.Name), audit.Count(audit.KeyVersion, int(r.Version)),
				audit.Count(audit.KeyNumbers, int(r.Count)), audit.Count(audit.KeyAdded, nAdded), audit.Count(audit.KeyRemoved, nRemoved),
				audit.Count(audit.KeyInvalid, res.Invalid), audit.Hash(audit.KeyContentHash, r.Hash)}})
		return err
	})
	if err != nil {
		return LoadResult{}, err
	}
	return res, nil
}

// merge returns cur with added put in and removed taken out, and how many
// numbers that actually added and removed: one ascending walk of the three
// sorted lists, no look-up per number. It sorts added and removed.
func merge(cur *numindex.Set, added, removed []uint64) (*numindex.Set, int, int) {
	slices.Sort(added)
	added = slices.Compact(added)
	slices.Sort(removed)
	removed = slices.Compact(removed)
	keys := make([]uint64, 0, cur.Len()+len(added))
	nAdded, nRemoved, r := 0, 0, 0
	// keep appends k, in ascending order, unless it is removed.
	keep := func(k uint64, present bool) {
		for r < len(removed) && removed[r] < k {
			r++
		}
		switch {
		case r < len(removed) && removed[r] == k:
			if present {
				nRemoved++
			}
		case present:
			keys = append(keys, k)
		default:
			nAdded++
			keys = append(keys, k)
		}
	}
	a := 0
	for k := range cur.All() {
		for ; a < len(added) && added[a] < k; a++ {
			keep(added[a], false)
		}
		if a < len(added) && added[a] == k {
			a++
		}
		keep(k, true)
	}
	for ; a < len(added); a++ {
		keep(added[a], false)
	}
	return numindex.Build(keys), nAdded, nRemoved
}

// writeVersion stores set's snapshot as r's next version (the first if
// !exists) and makes it current, loaded by actor now, then deletes the
// snapshots older than the previous version.
func (s *Service) writeVersion(ctx context.Context, tx storage.Tx, actor lp.Actor, r *lp.Registry, exists bool, count int, stored []byte, hash [32]byte) error {
	r.Version++
	r.Count, r.Hash, r.Size = int64(count), hash, int64(len(stored))
	r.LoadedBy, r.LoadedAt = actor.UserID, s.clock()
	var err error
	if exists {
		err = tx.Registries().Update(ctx, *r)
	} else {
		err = tx.Registries().Create(ctx, *r)
	}
	if err != nil {
		return lperr.Wrap("registry "+r.Name, err)
	}
	if err := tx.Registries().WriteSnapshot(ctx, r.OrgID, r.ID, r.Version, stored); err != nil {
		return lperr.Wrap("registry "+r.Name+" snapshot", err)
	}
	if _, err := tx.Registries().DeleteSnapshots(ctx, r.OrgID, r.ID, r.Version-1); err != nil {
		return lperr.Wrap("registry "+r.Name+" snapshots", err)
	}
	return nil
}

// getRegistry returns the organisation's registry named name, found=false
// if there is none.
func getRegistry(ctx context.Context, tx storage.Tx, org uuid.UUID, name string) (lp.Registry, bool, error) {
	r, err := tx.Registries().Get(ctx, org, name)
	if errors.Is(err, lp.ErrNotFound) {
		return lp.Registry{}, false, nil
	}
	return r, err == nil, err
}

// registryRegion validates reg, or reads the organisation's default when
// it is empty, in a read-only transaction in which check reads what else
// the call needs before its file is read.
func (s *Service) registryRegion(ctx context.Context, org uuid.UUID, reg, field string, check func(context.Context, storage.Tx) error) (string, error) {
	if reg != "" && !phone.ValidRegion(reg) {
		return "", invalid(field+".Region", "unknown region code")
	}
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		if reg == "" {
			var err error
			if reg, err = region(ctx, tx, org); err != nil {
				return err
			}
		}
		return check(ctx, tx)
	})
	return reg, err
}

// progressEvery is how many records a registry load reads between
// Progress calls and ctx checks.
const progressEvery = 1 << 16

// readRegistryFile reads the numbers of a registry file as keys, adding
// its counts and first invalid lines to res. With stopOnError the first
// invalid line fails it.
func readRegistryFile(ctx context.Context, f RegistryFile, field string, stopOnError bool, maxInvalid int,
	progress func(LoadProgress), res *LoadResult) ([]uint64, error) {
	if f.File == nil {
		return nil, invalid(field, "must not be nil")
	}
	if maxInvalid <= 0 {
		maxInvalid = DefaultMaxInvalidLines
	}
	nr, err := csvimport.NewNumberReader(f.File, csvimport.NumberOptions{
		Options: csvimport.Options{Region: f.Region, Comma: f.Comma, MaxRows: MaxRegistryLines, StopOnError: stopOnError},
		Columns: f.Columns, Join: f.Join, NoDuplicateTable: true})
	if err != nil {
		return nil, lperr.Wrap(field, err)
	}
	var keys []uint64
	report := func() {
		if progress != nil {
			progress(LoadProgress{Lines: res.Lines, Numbers: res.Numbers, Invalid: res.Invalid})
		}
	}
	for row, err := range nr.All() {
		if res.Lines > 0 && res.Lines%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			report()
		}
		res.Lines++
		if err != nil {
			var le *csvimport.LineError
			if !errors.As(err, &le) || le.Fatal {
				return nil, lperr.Wrap(field, err)
			}
			res.Invalid++
			if len(res.InvalidLines) < maxInvalid {
				res.InvalidLines = append(res.InvalidLines, csvimport.RejectionOf(err))
			}
			continue
		}
		k, ok := numindex.Key(row.Number)
		if !ok { // csvimport yields E.164 only
			return nil, fmt.Errorf("%s line %d: number %s has no index key", field, row.Line, phone.Mask(row.Number))
		}
		keys = append(keys, k)
		res.Numbers++
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	report()
	return keys, nil
}

// Registries lists the organisation's registries by name, each with its
// current version. It needs lp.PermImport (who checks against the
// registries may see which apply) and records nothing.
func (s *Service) Registries(ctx context.Context, actor lp.Actor) ([]RegistryInfo, error) {
	if err := s.authorize(ctx, actor, lp.PermImport, attemptRegistries); err != nil {
		return nil, wrap("Registries", err)
	}
	var out []RegistryInfo
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		rs, err := tx.Registries().List(ctx, actor.OrgID)
		for _, r := range rs {
			out = append(out, infoOf(r))
		}
		return err
	})
	return out, wrap("Registries", err)
}

// DropRegistry removes the organisation's registry named name with every
// version of it, recording registry.dropped with its last version and
// count. It needs lp.PermBlock. Checks that start after it returns no
// longer consult the registry.
func (s *Service) DropRegistry(ctx context.Context, actor lp.Actor, name string) error {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionRegistryDropped); err != nil {
		return wrap("DropRegistry", err)
	}
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		r, err := tx.Registries().Get(ctx, actor.OrgID, name)
		if err != nil {
			return lperr.Wrap("registry "+strconv.Quote(name), err)
		}
		if err := tx.Registries().Delete(ctx, actor.OrgID, r.ID); err != nil {
			return lperr.Wrap("registry "+r.Name, err)
		}
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionRegistryDropped, ObjectID: r.ID,
			Details: []audit.Detail{audit.Code(audit.KeyRegistry, r.Name), audit.Count(audit.KeyVersion, int(r.Version)),
				audit.Count(audit.KeyNumbers, int(r.Count))}})
		return err
	})
	return wrap("DropRegistry", err)
}

// seal serializes set as a stored snapshot and returns it with its
// content hash. A snapshot is the SHA-256 of the serialized index followed
// by the index, so a kept previous version, whose hash the registry row no
// longer holds, can be verified too.
func seal(set *numindex.Set) ([]byte, [32]byte, error) {
	b, err := set.AppendBinary(make([]byte, sha256.Size, sha256.Size+set.MemoryBytes()+64))
	if err != nil {
		return nil, [32]byte{}, err
	}
	inner := sha256.Sum256(b[sha256.Size:])
	copy(b, inner[:])
	return b, sha256.Sum256(b), nil
}
