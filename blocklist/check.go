package blocklist

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Outcome says whether a number or a lead may be dialled or imported, and
// if not, why.
type Outcome uint8

// Outcomes. When a lead has numbers with several outcomes, the first of
// Blocked, Registered, Suppressed, Invalid, Duplicate in this order is the
// lead's: the organisation's own block, naming who blocked and why, comes
// before a national registry's listing, and either before a suppression.
const (
	Allowed    Outcome = iota // may be dialled or imported
	Blocked                   // on the do-not-call list for the project (Verdict.Block says which entry)
	Registered                // on a national registry screening the project (Verdict.Registry says which version)
	Suppressed                // forgotten with suppression: never again (matched by keyed fingerprint)
	Invalid                   // not a phone number (Verdict.Err says why), or a row the reader rejected
	Duplicate                 // already in an earlier accepted lead of the same import
)

var outcomeNames = [...]string{Allowed: "allowed", Blocked: "blocked", Registered: "registered", Suppressed: "suppressed", Invalid: "invalid",
	Duplicate: "duplicate"}

// String returns the outcome's code, such as "blocked".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// BlockRef names the block entry that stops a number.
type BlockRef struct {
	ID        uuid.UUID
	ProjectID uuid.UUID // zero: organisation-wide
	ExpiresAt time.Time // zero: never
	// Prefix is the range's E.164 prefix ("+4570") when the entry is a
	// prefix block, "" when it blocks the number itself. It is shown in
	// full: it is a part of Verdict.Number, which the verdict shows too.
	Prefix phone.Number
}

// OrgWide reports whether the block applies to every project.
func (b BlockRef) OrgWide() bool { return b.ProjectID == uuid.Nil }

// String describes the block for logs and screens, such as
// "prefix block +4570 (org-wide, id …, never expires)"; it holds no
// number, only a prefix.
func (b BlockRef) String() string {
	var sb strings.Builder
	if b.Prefix != "" {
		sb.WriteString("prefix block " + string(b.Prefix) + " (")
	} else {
		sb.WriteString("block (")
	}
	if b.OrgWide() {
		sb.WriteString("org-wide")
	} else {
		sb.WriteString("project " + b.ProjectID.String())
	}
	sb.WriteString(", id " + b.ID.String() + ", ")
	if b.ExpiresAt.IsZero() {
		sb.WriteString("never expires)")
	} else {
		sb.WriteString("expires " + b.ExpiresAt.UTC().Format(time.RFC3339Nano) + ")")
	}
	return sb.String()
}

// refOf returns the reference to entry b.
func refOf(b lp.BlockEntry) BlockRef {
	r := BlockRef{ID: b.ID, ProjectID: b.ProjectID, ExpiresAt: b.ExpiresAt}
	if b.Prefix {
		r.Prefix = b.Number
	}
	return r
}

// Verdict is the check of one number.
type Verdict struct {
	// Number is the number in E.164; "" when Outcome is Invalid.
	Number  phone.Number
	Outcome Outcome
	// Block is the entry that blocks the number when Outcome is Blocked.
	// If several apply, it is the most specific: the number's own entry
	// before any prefix block, a longer prefix before a shorter one; and
	// among equally specific ones (organisation-wide and project) the
	// one that lasts longest.
	Block BlockRef
	// Registry is the registry version that lists the number when
	// Outcome is Registered: the first by name if several do.
	Registry RegistryRef
	// Err says why the number is Invalid: which input, masked, and the
	// phone package's reason (errors.Is matches lp.ErrInvalidPhone).
	Err error
}

// Refusal returns nil when the verdict lets the number be dialled
// (Allowed, and Duplicate: a repeat left out of an import, not a stop),
// else an error for the caller's own error path that says why without the
// number: errors.Is matches lp.ErrBlocked for Blocked and Registered (the
// entry or registry version named), lp.ErrSuppressed for Suppressed, and
// for Invalid it is Verdict.Err (lp.ErrInvalidPhone for a bad number).
func (v Verdict) Refusal() error {
	switch v.Outcome {
	case Allowed, Duplicate:
		return nil
	case Blocked:
		return fmt.Errorf("%w: %s", lp.ErrBlocked, v.Block)
	case Registered:
		return fmt.Errorf("%w: listed in %s", lp.ErrBlocked, v.Registry)
	case Suppressed:
		return lp.ErrSuppressed
	case Invalid:
		if v.Err != nil {
			return v.Err
		}
		return lp.ErrInvalidPhone
	}
	return fmt.Errorf("blocklist: unknown %s", v.Outcome)
}

// CheckRequest asks whether numbers may be dialled in a project.
type CheckRequest struct {
	// ProjectID is the project the numbers would be dialled in; it must be
	// a project of the actor's organisation.
	ProjectID uuid.UUID
	// Numbers as typed or in E.164 (pass a phone.Number as string(n)).
	Numbers []string
}

// CheckResult holds one verdict per number, in the order of the request.
type CheckResult struct {
	Verdicts []Verdict
}

// attemptCheck names Check in the access.denied event of a refused call:
// Check records no event of its own to name it.
const attemptCheck lp.Action = "blocklist.check"

// Check is the dial-time check: for each number, whether it may be dialled
// in the project now, or which block, registry or suppression stops it. It
// needs lp.PermImport. It reads in one read-only transaction (Store.View),
// so it goes on during a long upload, with one round trip per BatchSize
// numbers (the screening generation, the current registry versions, and,
// unless the screening snapshot answers, the blocks of the batch and its
// suppressions; see the package doc) after reading the
// project, and the organisation's region only if a number is not written
// in international form ("+45 …"): a dialler passing E.164 saves a query. A block stops a number until the exact
// instant of its expiry (lp.BlockEntry.ActiveAt). Once Block has returned,
// no Check that starts later allows the number.
//
// Check records no event: it reads the do-not-call list, not lead data,
// and a dialler checks every call; the audit taxonomy has no action for it.
func (s *Service) Check(ctx context.Context, actor lp.Actor, req CheckRequest) (CheckResult, error) {
	if err := s.authorize(ctx, actor, lp.PermImport, attemptCheck); err != nil {
		return CheckResult{}, wrap("Check", err)
	}
	if req.ProjectID == uuid.Nil {
		return CheckResult{}, wrap("Check", invalid("CheckRequest.ProjectID", "must name the project the numbers are dialled in"))
	}
	c, err := s.checker(ctx, actor, req.ProjectID)
	if err != nil {
		return CheckResult{}, wrap("Check", err)
	}
	var res CheckResult
	err = s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := checkProject(ctx, tx, c.org, c.project, "CheckRequest.ProjectID"); err != nil {
			return err
		}
		verdicts := make([]Verdict, len(req.Numbers))
		numbers := make([]phone.Number, 0, len(req.Numbers))
		keys := make([]uint64, 0, len(req.Numbers))
		at := make([]int32, 0, len(req.Numbers)) // index in verdicts of numbers[i]
		// The region is read for the first number not in international form.
		reg := ""
		for i, raw := range req.Numbers {
			n, err := phone.Parse(raw, "")
			if err != nil || !strings.HasPrefix(strings.TrimSpace(raw), "+") {
				if reg == "" {
					if reg, err = region(ctx, tx, c.org); err != nil {
						return err
					}
				}
				n, err = parseNumber(raw, reg, "CheckRequest.Numbers["+strconv.Itoa(i)+"]")
			}
			if err != nil {
				verdicts[i] = Verdict{Outcome: Invalid, Err: err}
				continue
			}
			numbers = append(numbers, n)
			keys = append(keys, key(n))
			at = append(at, int32(i))
		}
		var scratch registryScratch
		for start := 0; start < len(numbers); start += s.batch {
			end := min(start+s.batch, len(numbers))
			b := numberBatch{numbers: numbers[start:end], keys: keys[start:end], at: at[start:end], out: verdicts, scratch: scratch}
			if err := c.check(ctx, tx, &b); err != nil {
				return err
			}
			scratch = b.scratch
		}
		res.Verdicts = verdicts
		return nil
	})
	c.refresh(ctx)
	return res, wrap("Check", err)
}

// checker checks numbers against the blocks that apply to one project
// and the organisation's suppressions.
type checker struct {
	org, project uuid.UUID
	clock        func() time.Time
	now          time.Time // the clock at the start of the batch: blocks expire at check time
	fp           *phone.Fingerprinter
	regs         *registryCache
	screens      *screens
	// stale is the screening generation a batch saw without a snapshot
	// of it, -1 if none: refresh reloads it once the transaction is over.
	stale int64
	// inForce are the registries in force for the project as a batch saw
	// them at screening generation inForceAt (-1: none yet). Every
	// registry write changes the generation, so a later batch that reads
	// the same one uses them without listing the registries again.
	inForce   []registryView
	inForceAt int64
}

func (s *Service) checker(ctx context.Context, actor lp.Actor, project uuid.UUID) (*checker, error) {
	fp, err := s.changelog.Fingerprints().Fingerprinter(ctx, actor.OrgID)
	if err != nil {
		return nil, err
	}
	return &checker{org: actor.OrgID, project: project, clock: s.clock, fp: fp, regs: s.regs, screens: s.screens, stale: -1, inForceAt: -1}, nil
}

// refresh reloads the screening snapshot if a batch found it stale; it
// runs outside any transaction, after the batch's.
func (c *checker) refresh(ctx context.Context) {
	if c.stale >= 0 {
		c.screens.refresh(ctx, c.org, c.stale)
		c.stale = -1
	}
}

// prepare checks that the project exists and returns the organisation's
// region, read in tx.
func (c *checker) prepare(ctx context.Context, tx storage.Tx, field string) (string, error) {
	reg, err := region(ctx, tx, c.org)
	if err != nil {
		return "", err
	}
	return reg, checkProject(ctx, tx, c.org, c.project, field)
}

// numberBatch is a batch of numbers to check and where their verdicts
// go, with what the reading goroutine of CheckImport and Import looked up
// ahead of the batch's transaction (see importer.lookAhead). CheckImport
// and Import reuse one batch after another's memory.
type numberBatch struct {
	numbers []phone.Number // the numbers, valid E.164
	keys    []uint64       // key of each
	at      []int32        // out[at[i]] receives the verdict of numbers[i]
	out     []Verdict

	// snap, if not nil, is the screening snapshot whose verdicts out
	// holds (Blocked with Block, Suppressed or Allowed), valid at a clock
	// in [from, until) (until zero: no bound).
	snap        *screen
	from, until time.Time
	// listed[i] is the index in regs of the first registry that lists
	// numbers[i], or -1; if listedOK, regs are the registries it was
	// worked out against.
	listed   []int32
	regs     []registryView
	listedOK bool
	scratch  registryScratch
}

// check sets the verdict of each of b's numbers (Allowed, Blocked,
// Registered or Suppressed), reading their blocks, the registries in force
// and then the suppressions of the numbers neither stops (a block outranks
// a registry, a registry a suppression), in one call each; or, when the
// screening snapshot is as current as tx (see screens), the registries
// only, and the blocks and suppressions from the snapshot.
//
// What b holds from a look-up ahead is used if it answers for what tx
// sees: the snapshot current in tx at the clock now, the registries in
// force in tx. The snapshot's verdicts are used by the first run of a
// batch's transaction only, as the run changes them (a transaction run
// again starts afresh). On return b.regs are the registries in force in
// tx and b.listed their answers.
func (c *checker) check(ctx context.Context, tx storage.Tx, b *numberBatch) error {
	c.now = c.clock()
	ahead := b.snap
	b.snap = nil
	snap, g, err := c.screens.current(ctx, tx, c.org)
	if err != nil {
		return err
	}
	if snap == nil {
		c.stale = g
	}
	regs, err := c.registries(ctx, tx, g)
	if err != nil {
		return err
	}
	if !b.listedOK || !sameRegistries(b.regs, regs) {
		b.listed = slices.Grow(b.listed[:0], len(b.keys))[:len(b.keys)]
		b.scratch.registeredAll(regs, b.keys, b.listed)
		b.regs, b.listedOK = regs, true
	}
	if snap != nil {
		if ahead == snap && !c.now.Before(b.from) && (b.until.IsZero() || c.now.Before(b.until)) {
			c.screens.ahead.Add(1)
		} else {
			for i, n := range b.numbers {
				b.out[b.at[i]] = c.lookUp(snap, n, b.keys[i], c.now, nil)
			}
		}
		// A registry outranks a suppression.
		for i, r := range b.listed {
			if v := &b.out[b.at[i]]; r >= 0 && v.Outcome != Blocked {
				v.Outcome, v.Registry = Registered, regs[r].ref
			}
		}
		return nil
	}
	blocks, err := tx.Blocks().FindByNumbers(ctx, c.org, b.numbers)
	if err != nil {
		return err
	}
	// Exact entries are keyed by their number, prefix entries by their
	// prefix: a number's candidates are its own key and its prefixes'.
	applies := make(map[blockKey]lp.BlockEntry, len(blocks))
	anyPrefix := false
	for _, e := range blocks {
		if !e.Applies(c.project, c.now) {
			continue
		}
		anyPrefix = anyPrefix || e.Prefix
		k := blockKey{e.Number, e.Prefix}
		if cur, ok := applies[k]; !ok || outlasts(e, cur) {
			applies[k] = e
		}
	}
	var fps []phone.Fingerprint
	var open []int32 // index in b.out of fps[i]
	for i, n := range b.numbers {
		v := &b.out[b.at[i]]
		*v = Verdict{Number: n}
		if e, ok := mostSpecific(applies, n, anyPrefix); ok {
			v.Outcome, v.Block = Blocked, refOf(e)
			continue
		}
		if r := b.listed[i]; r >= 0 {
			v.Outcome, v.Registry = Registered, regs[r].ref
			continue
		}
		fps = append(fps, c.fp.Fingerprint(n))
		open = append(open, b.at[i])
	}
	if len(fps) == 0 {
		return nil
	}
	sups, err := tx.Suppressions().Find(ctx, c.org, fps)
	if err != nil {
		return err
	}
	suppressed := make(map[phone.Fingerprint]bool, len(sups))
	for _, sp := range sups {
		suppressed[sp.Fingerprint] = true
	}
	for j, fp := range fps {
		if suppressed[fp] {
			b.out[open[j]].Outcome = Suppressed
		}
	}
	return nil
}

// registries returns the registries in force for the project as tx,
// which read screening generation g (-1: unknown), sees them.
func (c *checker) registries(ctx context.Context, tx storage.Tx, g int64) ([]registryView, error) {
	if g >= 0 && g == c.inForceAt {
		return c.inForce, nil
	}
	regs, err := c.regs.applicable(ctx, tx, c.org, c.project)
	if err != nil {
		return nil, err
	}
	c.inForce, c.inForceAt = regs, g
	return regs, nil
}

// lookUp returns the verdict of n, whose key is k (see key), from snap
// at now before the registries are consulted: Blocked, Suppressed or
// Allowed. until is as in screen.block.
func (c *checker) lookUp(snap *screen, n phone.Number, k uint64, now time.Time, until *time.Time) Verdict {
	v := Verdict{Number: n}
	if ref, ok := snap.block(n, k, c.project, now, until); ok {
		v.Outcome, v.Block = Blocked, ref
	} else if len(snap.suppressed) > 0 {
		if _, ok := snap.suppressed[c.fp.Fingerprint(n)]; ok {
			v.Outcome = Suppressed
		}
	}
	return v
}

// blockKey is what a block entry matches on: a number, or a prefix.
type blockKey struct {
	number phone.Number
	prefix bool
}

// mostSpecific returns the entry of applies that stops n: its own entry,
// else the one of its longest prefix. anyPrefix says whether applies
// holds prefix entries at all, so that a list without them costs one look-up.
func mostSpecific(applies map[blockKey]lp.BlockEntry, n phone.Number, anyPrefix bool) (lp.BlockEntry, bool) {
	if b, ok := applies[blockKey{n, false}]; ok || !anyPrefix {
		return b, ok
	}
	prefixes := lp.PrefixesOf(n)
	for i := len(prefixes) - 1; i >= 0; i-- {
		if b, ok := applies[blockKey{prefixes[i], true}]; ok {
			return b, true
		}
	}
	return lp.BlockEntry{}, false
}

// outlasts reports whether block a keeps its number blocked longer than b,
// preferring the organisation-wide one when they end together.
func outlasts(a, b lp.BlockEntry) bool {
	switch {
	case a.ExpiresAt.Equal(b.ExpiresAt):
		return a.OrgWide() && !b.OrgWide()
	case a.ExpiresAt.IsZero():
		return true
	case b.ExpiresAt.IsZero():
		return false
	}
	return a.ExpiresAt.After(b.ExpiresAt)
}
