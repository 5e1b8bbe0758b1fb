package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

type blocks struct{ tx *txn }

func copyBlock(b lp.BlockEntry) lp.BlockEntry {
	b.BlockedAt, b.ExpiresAt = utc(b.BlockedAt), utc(b.ExpiresAt)
	return b
}

func scopeOf(b lp.BlockEntry) blockScope { return blockScope{b.Number, b.ProjectID, b.Prefix} }

// checkBlockProject reports ErrNotFound if b is project-scoped to a project missing in d.
func (d *orgData) checkBlockProject(b lp.BlockEntry) error {
	if b.OrgWide() {
		return nil
	}
	if _, ok := d.projects.get(b.ProjectID); !ok {
		return notFound("project", b.ProjectID)
	}
	return nil
}

func (tx *txn) insertBlock(d *orgData, b lp.BlockEntry) {
	d.blocks.put(&tx.undo, b.ID, copyBlock(b))
	d.blocksByNum.add(&tx.undo, b.Number, b.ID)
	set(&tx.undo, d.blockScopes, scopeOf(b), b.ID)
}

func (v blocks) Create(ctx context.Context, b lp.BlockEntry) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	d, err := v.tx.addTo(b.OrgID)
	if err != nil {
		return err
	}
	if err := d.checkBlockProject(b); err != nil {
		return err
	}
	if _, ok := d.blocks.get(b.ID); ok {
		return idExists("block entry", b.ID)
	}
	if id, ok := d.blockScopes[scopeOf(b)]; ok {
		other, _ := d.blocks.get(id)
		what := fmt.Sprintf("number already blocked in this scope by block entry %s", id)
		if !other.ExpiresAt.IsZero() {
			what += " (expires " + other.ExpiresAt.Format(time.RFC3339) + ")"
		}
		return conflict(what)
	}
	v.tx.insertBlock(d, b)
	v.tx.bumpScreening(d)
	return nil
}

func (v blocks) CreateMany(ctx context.Context, org uuid.UUID, entries []lp.BlockEntry) (int, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return 0, err
	}
	for _, b := range entries {
		if err := b.Validate(); err != nil {
			return 0, err
		}
		if b.OrgID != org {
			return 0, wrongOrg("BlockEntry.OrgID")
		}
	}
	if len(entries) == 0 {
		return 0, nil
	}
	d, err := v.tx.addTo(org)
	if err != nil {
		return 0, err
	}
	scopes := make(map[blockScope]bool)
	ids := make(map[uuid.UUID]bool)
	insert := make([]lp.BlockEntry, 0, len(entries))
	for _, b := range entries {
		if err := d.checkBlockProject(b); err != nil {
			return 0, err
		}
		if _, taken := d.blockScopes[scopeOf(b)]; taken || scopes[scopeOf(b)] {
			continue
		}
		if _, ok := d.blocks.get(b.ID); ok || ids[b.ID] {
			return 0, idExists("block entry", b.ID)
		}
		scopes[scopeOf(b)], ids[b.ID] = true, true
		insert = append(insert, b)
	}
	for _, b := range insert {
		v.tx.insertBlock(d, b)
	}
	if len(insert) > 0 {
		v.tx.bumpScreening(d)
	}
	return len(insert), nil
}

func (v blocks) Get(ctx context.Context, org, id uuid.UUID) (lp.BlockEntry, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.BlockEntry{}, err
	}
	b, ok := v.tx.org(org).blocks.get(id)
	if !ok {
		return lp.BlockEntry{}, notFound("block entry", id)
	}
	return b, nil
}

func (v blocks) Update(ctx context.Context, b lp.BlockEntry) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(b.OrgID)
	old, ok := d.blocks.get(b.ID)
	if !ok {
		return notFound("block entry", b.ID)
	}
	if scopeOf(old) != scopeOf(b) {
		return &lp.FieldError{Field: "BlockEntry", Reason: "number, prefix flag and project scope of an entry cannot change"}
	}
	d.blocks.put(&v.tx.undo, b.ID, copyBlock(b))
	v.tx.bumpScreening(d)
	return nil
}

func (v blocks) Delete(ctx context.Context, org, id uuid.UUID) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	d := v.tx.writeOrg(org)
	if !v.tx.deleteBlock(d, id) {
		return notFound("block entry", id)
	}
	v.tx.bumpScreening(d)
	return nil
}

func (v blocks) DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return 0, err
	}
	d := v.tx.writeOrg(org)
	n := 0
	for _, id := range ids {
		if v.tx.deleteBlock(d, id) {
			n++
		}
	}
	if n > 0 {
		v.tx.bumpScreening(d)
	}
	return n, nil
}

// bumpScreening increases the organisation's screening generation, undone
// with the transaction.
func (tx *txn) bumpScreening(d *orgData) {
	old := d.screening
	d.screening++
	tx.undo = append(tx.undo, func() { d.screening = old })
}

func (v blocks) ScreeningGeneration(ctx context.Context, org uuid.UUID) (int64, error) {
	if err := v.tx.begin(ctx); err != nil {
		return 0, err
	}
	return v.tx.org(org).screening, nil
}

// deleteBlock removes the entry and its index keys, reporting whether it existed.
func (tx *txn) deleteBlock(d *orgData, id uuid.UUID) bool {
	b, ok := d.blocks.get(id)
	if !ok {
		return false
	}
	d.blocks.del(&tx.undo, id)
	d.blocksByNum.remove(&tx.undo, b.Number, id)
	del(&tx.undo, d.blockScopes, scopeOf(b))
	return true
}

func (v blocks) FindByNumbers(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]lp.BlockEntry, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	exact := make(map[phone.Number]bool, len(numbers))
	keys := make([]phone.Number, 0, 4*len(numbers))
	for _, n := range numbers {
		exact[n] = true
		keys = append(append(keys, n), lp.PrefixesOf(n)...)
	}
	found := findByNumbers(d.blocks, d.blocksByNum, keys, ident)
	// keys hold the numbers' prefixes: keep only prefix entries of them.
	return slices.DeleteFunc(found, func(b lp.BlockEntry) bool { return !b.Prefix && !exact[b.Number] }), nil
}

func (v blocks) List(ctx context.Context, org uuid.UUID, f storage.BlockFilter, page storage.Page) ([]lp.BlockEntry, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	keep, err := blockMatcher(f)
	if err != nil {
		return nil, err
	}
	return pageOf(v.tx.org(org).blocks, page, keep, ident), nil
}

func (v blocks) Count(ctx context.Context, org uuid.UUID, f storage.BlockFilter) (int, error) {
	if err := v.tx.begin(ctx); err != nil {
		return 0, err
	}
	keep, err := blockMatcher(f)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range v.tx.org(org).blocks.rows {
		if keep(b) {
			n++
		}
	}
	return n, nil
}

// blockMatcher returns whether an entry is one f selects.
func blockMatcher(f storage.BlockFilter) (func(lp.BlockEntry) bool, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	// Bounds are compared as stored, to the microsecond, as on a database.
	activeAt, expiredAt, expiresBefore := utc(f.ActiveAt), utc(f.ExpiredAt), utc(f.ExpiresBefore)
	return func(b lp.BlockEntry) bool {
		switch {
		case f.ProjectID != uuid.Nil && b.ProjectID != f.ProjectID,
			f.OrgWideOnly && !b.OrgWide(),
			f.BlockedBy != uuid.Nil && b.BlockedBy != f.BlockedBy,
			!strings.HasPrefix(string(b.Number), f.NumberPrefix),
			!activeAt.IsZero() && !b.ActiveAt(activeAt),
			!expiredAt.IsZero() && (b.ExpiresAt.IsZero() || b.ExpiresAt.After(expiredAt)),
			!expiresBefore.IsZero() && (b.ExpiresAt.IsZero() || !b.ExpiresAt.Before(expiresBefore)):
			return false
		}
		return true
	}, nil
}

type suppressions struct{ tx *txn }

func (v suppressions) Add(ctx context.Context, s lp.Suppression) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	d, err := v.tx.addTo(s.OrgID)
	if err != nil {
		return err
	}
	if _, ok := d.suppressions[s.Fingerprint]; !ok {
		s.CreatedAt = utc(s.CreatedAt)
		set(&v.tx.undo, d.suppressions, s.Fingerprint, s)
		v.tx.bumpScreening(d)
	}
	return nil
}

func (v suppressions) Find(ctx context.Context, org uuid.UUID, fps []phone.Fingerprint) ([]lp.Suppression, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	var out []lp.Suppression
	seen := make(map[phone.Fingerprint]bool, len(fps))
	for _, fp := range fps {
		if s, ok := d.suppressions[fp]; ok && !seen[fp] {
			seen[fp] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func (v suppressions) Remove(ctx context.Context, org uuid.UUID, fp phone.Fingerprint) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	d := v.tx.writeOrg(org)
	if _, ok := d.suppressions[fp]; !ok {
		return fmt.Errorf("%w: suppression", lp.ErrNotFound)
	}
	del(&v.tx.undo, d.suppressions, fp)
	v.tx.bumpScreening(d)
	return nil
}

func (v suppressions) ListFingerprints(ctx context.Context, org uuid.UUID, after phone.Fingerprint, limit int) ([]phone.Fingerprint, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	var out []phone.Fingerprint
	for fp := range v.tx.org(org).suppressions {
		if bytes.Compare(fp[:], after[:]) > 0 {
			out = append(out, fp)
		}
	}
	slices.SortFunc(out, func(a, b phone.Fingerprint) int { return bytes.Compare(a[:], b[:]) })
	return out[:min(len(out), storage.Page{Limit: limit}.Size())], nil
}

type retentionRules struct{ tx *txn }

func copyRule(r lp.RetentionRule) lp.RetentionRule {
	r.CreatedAt = utc(r.CreatedAt)
	return r
}

func ruleKeyOf(r lp.RetentionRule) ruleKey { return ruleKey{r.ProjectID, r.Outcome} }

func (v retentionRules) Create(ctx context.Context, r lp.RetentionRule) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(r.OrgID)
	if _, ok := d.projects.get(r.ProjectID); !ok {
		return notFound("project", r.ProjectID)
	}
	if _, ok := d.rules[r.ID]; ok {
		return idExists("retention rule", r.ID)
	}
	if _, ok := d.ruleKeys[ruleKeyOf(r)]; ok {
		return conflict("project already has a rule for this outcome")
	}
	set(&v.tx.undo, d.rules, r.ID, copyRule(r))
	set(&v.tx.undo, d.ruleKeys, ruleKeyOf(r), r.ID)
	return nil
}

func (v retentionRules) Get(ctx context.Context, org, id uuid.UUID) (lp.RetentionRule, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.RetentionRule{}, err
	}
	r, ok := v.tx.org(org).rules[id]
	if !ok {
		return lp.RetentionRule{}, notFound("retention rule", id)
	}
	return r, nil
}

func (v retentionRules) Update(ctx context.Context, r lp.RetentionRule) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(r.OrgID)
	old, ok := d.rules[r.ID]
	if !ok {
		return notFound("retention rule", r.ID)
	}
	if _, ok := d.projects.get(r.ProjectID); !ok {
		return notFound("project", r.ProjectID)
	}
	if other, ok := d.ruleKeys[ruleKeyOf(r)]; ok && other != r.ID {
		return conflict("project already has a rule for this outcome")
	}
	del(&v.tx.undo, d.ruleKeys, ruleKeyOf(old))
	set(&v.tx.undo, d.rules, r.ID, copyRule(r))
	set(&v.tx.undo, d.ruleKeys, ruleKeyOf(r), r.ID)
	return nil
}

func (v retentionRules) Delete(ctx context.Context, org, id uuid.UUID) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	d := v.tx.writeOrg(org)
	r, ok := d.rules[id]
	if !ok {
		return notFound("retention rule", id)
	}
	del(&v.tx.undo, d.rules, id)
	del(&v.tx.undo, d.ruleKeys, ruleKeyOf(r))
	return nil
}

func (v retentionRules) List(ctx context.Context, org, project uuid.UUID) ([]lp.RetentionRule, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	var out []lp.RetentionRule
	for _, r := range v.tx.org(org).rules {
		if project == uuid.Nil || r.ProjectID == project {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b lp.RetentionRule) int {
		if c := compareIDs(a.ProjectID, b.ProjectID); c != 0 {
			return c
		}
		return strings.Compare(a.Outcome, b.Outcome)
	})
	return out, nil
}
