package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

type blocks struct{ t *txn }

const blockCols = `org_id, id, number, project_id, blocked_by, blocked_at, expires_at, reason, source, is_prefix`

func scanBlock(r scanner) (lp.BlockEntry, error) {
	var b lp.BlockEntry
	err := r.Scan(uuidCol{&b.OrgID}, uuidCol{&b.ID}, &b.Number, uuidCol{&b.ProjectID}, uuidCol{&b.BlockedBy},
		timeCol{&b.BlockedAt}, timeCol{&b.ExpiresAt}, &b.Reason, &b.Source, &b.Prefix)
	return b, err
}

// blockArgs returns the values of blockCols for b. The org-wide scope is
// stored as the zero uuid, not NULL, so the unique index covers it.
func blockArgs(d Dialect, b lp.BlockEntry) []any {
	return []any{d.id(b.OrgID), d.id(b.ID), string(b.Number), d.id(b.ProjectID), d.id(b.BlockedBy),
		d.time(b.BlockedAt), d.time(b.ExpiresAt), b.Reason, string(b.Source), b.Prefix}
}

var blocksTable = table{"blocks", blockCols,
	[]string{"{{UUID}}", "{{UUID}}", "TEXT", "{{UUID}}", "{{UUID}}", "{{TIME}}", "{{TIME}}", "TEXT", "TEXT", "BOOLEAN"}}

func (v blocks) Create(ctx context.Context, b lp.BlockEntry) error {
	if err := b.Validate(); err != nil {
		return err
	}
	const op = "blocks.create"
	d := v.t.d
	// Insert only if the project scope exists: a missing project and a
	// conflict are told apart without a failing statement.
	n, err := v.t.affected(ctx, op, `INSERT INTO blocks (`+blockCols+`)
		SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS {{UUID}}), CAST(? AS {{UUID}}),
		       CAST(? AS {{TIME}}), CAST(? AS {{TIME}}), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BOOLEAN)
		WHERE `+orgExists+` AND `+projectScopeExists+` ON CONFLICT DO NOTHING`,
		append(blockArgs(d, b), d.id(b.OrgID), d.id(b.ProjectID), d.id(uuid.Nil), d.id(b.OrgID), d.id(b.ProjectID))...)
	if err != nil {
		return err
	}
	if n > 0 {
		return v.t.bumpScreening(ctx, op, b.OrgID)
	}
	if err := v.t.requireOrg(ctx, op, b.OrgID); err != nil {
		return err
	}
	if err := v.projectsExist(ctx, op, b.OrgID, []uuid.UUID{b.ProjectID}); err != nil {
		return err
	}
	return v.whyConflict(ctx, op, b)
}

// whyConflict explains a Create of b that inserted nothing although its
// scope exists: its id is taken, or its number is already blocked in its
// scope, by the entry the message names.
func (v blocks) whyConflict(ctx context.Context, op string, b lp.BlockEntry) error {
	d := v.t.d
	taken, err := v.t.exists(ctx, op, `SELECT 1 FROM blocks WHERE org_id = ? AND id = ?`, d.id(b.OrgID), d.id(b.ID))
	if err != nil {
		return err
	}
	if taken {
		return conflict(op, object("block entry", b.ID)+" exists")
	}
	what := "number already blocked in this scope"
	other, err := get(ctx, v.t, op, scanBlock, `SELECT `+blockCols+` FROM blocks WHERE org_id = ? AND number = ? AND project_id = ? AND is_prefix = ?`,
		d.id(b.OrgID), string(b.Number), d.id(b.ProjectID), b.Prefix)
	switch {
	case errors.Is(err, lp.ErrNotFound): // deleted meanwhile by another transaction
		return conflict(op, what)
	case err != nil:
		return err
	}
	what += " by " + object("block entry", other.ID)
	if !other.ExpiresAt.IsZero() {
		what += " (expires " + other.ExpiresAt.Format(time.RFC3339) + ")"
	}
	return conflict(op, what)
}

// projectScopeExists is the condition that a block's scope is org-wide or
// an existing project; its arguments are project, uuid.Nil, org, project.
const projectScopeExists = `(? = ? OR EXISTS (SELECT 1 FROM projects WHERE org_id = ? AND id = ?))`

// projectsExist returns ErrNotFound unless every project scope in ids
// (distinct; uuid.Nil is org-wide) exists in org. It is one query.
func (v blocks) projectsExist(ctx context.Context, op string, org uuid.UUID, ids []uuid.UUID) error {
	distinct := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if id != uuid.Nil {
			distinct = append(distinct, id)
		}
	}
	if len(distinct) == 0 {
		return nil
	}
	d := v.t.d
	var n int
	err := v.t.row(ctx, `SELECT COUNT(*) FROM projects WHERE org_id = ? AND `+d.in("id", listUUID),
		d.id(org), d.uuidList(distinct)).Scan(&n)
	if err != nil {
		return v.t.fail(ctx, op, err)
	}
	if n != len(distinct) {
		switch i, err := v.t.firstMissing(ctx, op, "projects", org, distinct); {
		case err != nil:
			return err
		case i < 0: // created meanwhile by another transaction
			return notFound(op, "project")
		default:
			return notFound(op, object("project", distinct[i]))
		}
	}
	return nil
}

// scope is a block's (number, project, prefix) key.
type scope struct {
	number  phone.Number
	project uuid.UUID
	prefix  bool
}

func (v blocks) CreateMany(ctx context.Context, org uuid.UUID, entries []lp.BlockEntry) (int, error) {
	const op = "blocks.create_many"
	n, err := v.createMany(ctx, op, org, entries)
	if err == nil && n > 0 {
		err = v.t.bumpScreening(ctx, op, org)
	}
	return n, err
}

// createMany is CreateMany without the bump of the screening generation.
func (v blocks) createMany(ctx context.Context, op string, org uuid.UUID, entries []lp.BlockEntry) (int, error) {
	kept := make([]lp.BlockEntry, 0, len(entries))
	projects := make([]uuid.UUID, 0, 4)
	seenProject := map[uuid.UUID]bool{}
	seen := make(map[scope]bool, len(entries))
	for _, b := range entries {
		if err := b.Validate(); err != nil {
			return 0, err
		}
		if b.OrgID != org {
			return 0, &lp.FieldError{Field: "BlockEntry.OrgID", Reason: "must be the organisation of the batch"}
		}
		if !seenProject[b.ProjectID] {
			seenProject[b.ProjectID] = true
			projects = append(projects, b.ProjectID)
		}
		// Within the batch the first entry of a scope wins; the store's
		// entries win through the scope index below.
		k := scope{b.Number, b.ProjectID, b.Prefix}
		if seen[k] {
			continue
		}
		seen[k] = true
		kept = append(kept, b)
	}
	if len(kept) == 0 {
		return 0, v.t.alive()
	}
	if err := v.t.requireOrg(ctx, op, org); err != nil {
		return 0, err
	}
	if err := v.projectsExist(ctx, op, org, projects); err != nil {
		return 0, err
	}
	if v.t.d == SQLite {
		return v.insertSQLite(ctx, op, org, kept)
	}
	if n, copied, err := v.copyPostgres(ctx, op, org, kept); copied || err != nil {
		return n, err
	}
	// Only scope duplicates are skipped; an id collision fails the
	// statement (ErrConflict), and the savepoint undoes the earlier chunks.
	var n int64
	err := v.t.savepoint(ctx, op, func() error {
		var err error
		n, err = v.t.insertRows(ctx, op, "INSERT", blocksTable, "ON CONFLICT (org_id, number, project_id, is_prefix) DO NOTHING", blockRows(v.t.d, kept))
		return err
	})
	if err != nil {
		return 0, v.whichID(ctx, op, org, kept, err)
	}
	return int(n), nil
}

// whichID says which entry of a CreateMany batch an ErrConflict concerns,
// by its id: the first of bs (the entries not skipped) whose id appears
// twice or is taken. Other errors are returned as they are.
func (v blocks) whichID(ctx context.Context, op string, org uuid.UUID, bs []lp.BlockEntry, err error) error {
	if !errors.Is(err, lp.ErrConflict) {
		return err
	}
	ids := make([]uuid.UUID, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	if i, xerr := v.t.firstTaken(ctx, op, "blocks", org, ids); xerr == nil && i >= 0 {
		return about(err, "", object("block entry", ids[i])+" exists")
	}
	return err
}

// copyPostgres is CreateMany's fast path on PostgreSQL: COPY into blocks,
// binary and without INSERT ... ON CONFLICT's speculative insertion. It
// first COPYs the whole batch, as a fresh upload needs; if a row's scope
// is taken, the savepoint undoes that, and the entries whose scope is free
// are looked up (one index-only query) and COPYed. It reports copied
// false, with nothing changed, when COPY is out of reach (a host
// transaction, a Store without Driver.Copy, another driver) or a row
// still conflicts (an id collision, or a scope another transaction took
// meanwhile): the INSERT path then sorts out which case it is.
func (v blocks) copyPostgres(ctx context.Context, op string, org uuid.UUID, kept []lp.BlockEntry) (n int, copied bool, err error) {
	if v.t.conn == nil || v.t.copy == nil {
		return 0, false, nil
	}
	err = v.copyBlocks(ctx, op, kept)
	if isUniqueViolation(err) {
		if kept, err = v.withoutTakenScopes(ctx, org, slices.Clone(kept)); err != nil || len(kept) == 0 {
			return 0, err == nil, err
		}
		err = v.copyBlocks(ctx, op, kept)
	}
	switch {
	case errors.Is(err, errors.ErrUnsupported), isUniqueViolation(err):
		return 0, false, nil
	case err != nil:
		return 0, true, v.t.fail(ctx, op, err)
	}
	return len(kept), true, nil
}

// copyBlocks COPYs bs into blocks inside a savepoint, so a failure
// changes nothing.
func (v blocks) copyBlocks(ctx context.Context, op string, bs []lp.BlockEntry) error {
	return v.t.savepoint(ctx, op, func() error {
		return v.t.conn.Raw(func(dc any) error {
			return v.t.copy(ctx, dc, "blocks", blockColumns, &blockSource{bs: bs, i: -1})
		})
	})
}

func isUniqueViolation(err error) bool {
	var pe pgError
	return errors.As(err, &pe) && pe.SQLState() == "23505"
}

var blockColumns = strings.Split(strings.ReplaceAll(blockCols, " ", ""), ",")

// blockSource feeds block entries to COPY in blockCols order (CopyRows).
type blockSource struct {
	bs  []lp.BlockEntry
	i   int
	row [10]any
}

func (s *blockSource) Next() bool { s.i++; return s.i < len(s.bs) }
func (s *blockSource) Err() error { return nil }
func (s *blockSource) Values() ([]any, error) {
	b := &s.bs[s.i]
	s.row = [10]any{b.OrgID, b.ID, string(b.Number), b.ProjectID, b.BlockedBy,
		Postgres.time(b.BlockedAt), Postgres.time(b.ExpiresAt), b.Reason, string(b.Source), b.Prefix}
	return s.row[:], nil
}

// blockRows returns the values of blockCols for every entry of bs.
func blockRows(d Dialect, bs []lp.BlockEntry) []any {
	args := make([]any, 0, len(bs)*len(blockColumns))
	for _, b := range bs {
		args = append(args, blockArgs(d, b)...)
	}
	return args
}

// insertSQLite is CreateMany's insert on SQLite, where the transaction has
// the database to itself. It runs without a savepoint and with statements
// that cannot abort halfway: a savepoint, or the statement journal of an
// INSERT that may abort on a constraint, copies every page the batch
// changes before changing it, which cost 40% of an upload's time. So id
// conflicts are found first (ErrConflict before anything is written) and
// INSERT OR IGNORE skips the scope duplicates, the only rows left to
// conflict. Should a statement fail for another reason (a cancelled
// context, I/O), the rows the batch inserted are deleted again.
func (v blocks) insertSQLite(ctx context.Context, op string, org uuid.UUID, kept []lp.BlockEntry) (int, error) {
	d := v.t.d
	clash, err := v.idsClash(ctx, op, org, kept)
	if err != nil {
		return 0, err
	}
	if clash {
		// An entry whose scope is taken is skipped, and its id may be
		// taken too (the same upload again): only the others must have
		// free ids. Rare, so the scopes are looked up only then.
		if kept, err = v.withoutTakenScopes(ctx, org, kept); err != nil {
			return 0, err
		}
		if clash, err = v.idsClash(ctx, op, org, kept); err != nil {
			return 0, err
		}
	}
	if clash {
		return 0, v.whichID(ctx, op, org, kept, conflict(op, ""))
	}
	n, err := v.t.insertRows(ctx, op, "INSERT OR IGNORE", blocksTable, "", blockRows(d, kept))
	if err != nil && n > 0 {
		ids := make([]uuid.UUID, len(kept))
		for i, b := range kept {
			ids[i] = b.ID
		}
		undoErr := v.t.undo(context.WithoutCancel(ctx), op,
			`DELETE FROM blocks WHERE org_id = ? AND `+d.in("id", listUUID), d.id(org), d.uuidList(ids))
		return 0, errors.Join(err, undoErr)
	}
	return int(n), err
}

// idsClash reports whether an id appears twice in bs or is taken in org.
func (v blocks) idsClash(ctx context.Context, op string, org uuid.UUID, bs []lp.BlockEntry) (bool, error) {
	ids := make([]uuid.UUID, len(bs))
	distinct := make(map[uuid.UUID]struct{}, len(bs))
	for i, b := range bs {
		if _, dup := distinct[b.ID]; dup {
			return true, nil
		}
		distinct[b.ID] = struct{}{}
		ids[i] = b.ID
	}
	if len(ids) == 0 {
		return false, nil
	}
	d := v.t.d
	return v.t.exists(ctx, op, `SELECT 1 FROM blocks WHERE org_id = ? AND `+d.in("id", listUUID)+` LIMIT 1`,
		d.id(org), d.uuidList(ids))
}

// withoutTakenScopes returns the entries of bs whose scope is free in org.
func (v blocks) withoutTakenScopes(ctx context.Context, org uuid.UUID, bs []lp.BlockEntry) ([]lp.BlockEntry, error) {
	numbers := make([]phone.Number, len(bs))
	for i, b := range bs {
		numbers[i] = b.Number
	}
	d := v.t.d
	stored, err := list(ctx, v.t, "blocks.create_many", func(r scanner) (scope, error) {
		var s scope
		return s, r.Scan(&s.number, uuidCol{&s.project}, &s.prefix)
	}, `SELECT number, project_id, is_prefix FROM blocks WHERE org_id = ? AND `+d.in("number", listText), d.id(org), d.textList(numberStrings(numbers)))
	if err != nil {
		return nil, err
	}
	taken := make(map[scope]bool, len(stored))
	for _, s := range stored {
		taken[s] = true
	}
	return slices.DeleteFunc(bs, func(b lp.BlockEntry) bool { return taken[scope{b.Number, b.ProjectID, b.Prefix}] }), nil
}

func (v blocks) Get(ctx context.Context, org, id uuid.UUID) (lp.BlockEntry, error) {
	b, err := get(ctx, v.t, "blocks.get", scanBlock,
		`SELECT `+blockCols+` FROM blocks WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	return b, aboutID(err, "block entry", id)
}

func (v blocks) Update(ctx context.Context, b lp.BlockEntry) error {
	if err := b.Validate(); err != nil {
		return err
	}
	const op = "blocks.update"
	d := v.t.d
	// Number and scope are part of the entry's identity: they are never
	// rewritten, and a b that names others is rejected.
	n, err := v.t.affected(ctx, op,
		`UPDATE blocks SET blocked_by = ?, blocked_at = ?, expires_at = ?, reason = ?, source = ?
		 WHERE org_id = ? AND id = ? AND number = ? AND project_id = ? AND is_prefix = ?`,
		d.id(b.BlockedBy), d.time(b.BlockedAt), d.time(b.ExpiresAt), b.Reason, string(b.Source),
		d.id(b.OrgID), d.id(b.ID), string(b.Number), d.id(b.ProjectID), b.Prefix)
	if err != nil {
		return err
	}
	if n > 0 {
		return v.t.bumpScreening(ctx, op, b.OrgID)
	}
	found, err := v.t.exists(ctx, op, `SELECT 1 FROM blocks WHERE org_id = ? AND id = ?`, d.id(b.OrgID), d.id(b.ID))
	switch {
	case err != nil:
		return err
	case found:
		return &lp.FieldError{Field: "BlockEntry", Reason: "number, prefix flag and project scope of a block entry cannot change"}
	}
	return notFound(op, object("block entry", b.ID))
}

func (v blocks) Delete(ctx context.Context, org, id uuid.UUID) error {
	err := v.t.mustAffect(ctx, "blocks.delete", `DELETE FROM blocks WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	if err == nil {
		err = v.t.bumpScreening(ctx, "blocks.delete", org)
	}
	return aboutID(err, "block entry", id)
}

func (v blocks) FindByNumbers(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]lp.BlockEntry, error) {
	if len(numbers) == 0 {
		return nil, v.t.alive()
	}
	d := v.t.d
	org0, list0 := d.id(org), d.textList(numberStrings(numbers))
	found, err := list(ctx, v.t, "blocks.find_by_numbers", scanBlock, blocksByNumbersSQL[d], org0, list0, org0, org0, list0)
	slices.SortFunc(found, func(a, b lp.BlockEntry) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return found, err
}

// blocksByNumbersSQL finds, in one statement, the entries of a batch of
// numbers on the number index (exact entries, and prefix entries as long
// as a number), and the prefix entries of their shorter prefixes on the
// partial index of prefix entries. It looks up only the prefixes of the
// lengths the organisation's prefix entries have (none if it has none):
// looking up all nine or so prefixes of every number made a batch 3.8
// times as slow on SQLite (BenchmarkBlocksFindByNumbersPrefixes), as each
// is one more element of the IN list. Its arguments: org, numbers, org,
// org, numbers (passed twice: through a common table expression the
// look-up measured 1.4x as slow on SQLite without prefix entries).
//
// SQLite, which has no statistics, otherwise walks the organisation's
// primary key (every entry of the organisation, for every check: 14 ms
// at 100k entries), hence INDEXED BY; and the rows are sorted by id in
// Go, as ORDER BY id would tempt it back to the primary key.
var blocksByNumbersSQL = map[Dialect]string{
	SQLite: `SELECT ` + blockCols + ` FROM blocks INDEXED BY blocks_number WHERE org_id = ? AND number IN (SELECT value FROM json_each(?))
		UNION ALL SELECT ` + blockCols + ` FROM blocks INDEXED BY blocks_prefix WHERE org_id = ? AND is_prefix AND number IN (
			SELECT substr(n.value, 1, l.len)
			FROM (SELECT DISTINCT length(number) AS len FROM blocks INDEXED BY blocks_prefix WHERE org_id = ? AND is_prefix) AS l,
			     json_each(?) AS n
			WHERE l.len < length(n.value))`,
	Postgres: `SELECT ` + blockCols + ` FROM blocks WHERE org_id = ? AND number = ANY(CAST(? AS text[]))
		UNION ALL SELECT ` + blockCols + ` FROM blocks WHERE org_id = ? AND is_prefix AND number IN (
			SELECT substr(n.value, 1, l.len)
			FROM (SELECT DISTINCT length(number) AS len FROM blocks WHERE org_id = ? AND is_prefix) AS l,
			     unnest(CAST(? AS text[])) AS n(value)
			WHERE l.len < length(n.value))`,
}

func (v blocks) List(ctx context.Context, org uuid.UUID, f storage.BlockFilter, page storage.Page) ([]lp.BlockEntry, error) {
	q, args, err := blockListQuery(v.t.d, org, f, page)
	if err != nil {
		return nil, err
	}
	return list(ctx, v.t, "blocks.list", scanBlock, q, args...)
}

func (v blocks) Count(ctx context.Context, org uuid.UUID, f storage.BlockFilter) (int, error) {
	q, args, err := blockCountQuery(v.t.d, org, f)
	if err != nil {
		return 0, err
	}
	var n int
	if err := v.t.row(ctx, q, args...).Scan(&n); err != nil {
		return 0, v.t.fail(ctx, "blocks.count", err)
	}
	return n, nil
}

// blockListQuery is the statement of Blocks.List and its arguments.
func blockListQuery(d Dialect, org uuid.UUID, f storage.BlockFilter, page storage.Page) (string, []any, error) {
	from, args, err := blockWhere(d, org, f)
	return `SELECT ` + blockCols + from + ` AND id > ? ORDER BY id LIMIT ?`, append(args, d.id(page.After), page.Size()), err
}

// blockCountQuery is the statement of Blocks.Count and its arguments.
func blockCountQuery(d Dialect, org uuid.UUID, f storage.BlockFilter) (string, []any, error) {
	from, args, err := blockWhere(d, org, f)
	return `SELECT COUNT(*)` + from, args, err
}

func (v blocks) DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, v.t.alive()
	}
	in, args := idsIn(v.t.d, "id", ids)
	n, err := v.t.affected(ctx, "blocks.delete_many", `DELETE FROM blocks WHERE org_id = ? AND `+in, append([]any{v.t.d.id(org)}, args...)...)
	if err == nil && n > 0 {
		err = v.t.bumpScreening(ctx, "blocks.delete_many", org)
	}
	return int(n), err
}

// blockWhere returns the FROM and WHERE clauses, with their arguments, of
// the entries of org that f selects, or f's validation error.
//
// A number prefix is read as a range of the number index, so that its cost
// grows with the entries it matches (which Count reads anyway), not with
// the list. Left to themselves, both databases walk the organisation's
// primary key for ORDER BY id LIMIT instead, filtering every number:
// SQLite, having no statistics, and PostgreSQL in the generic plan of a
// prepared statement (400 ms a page at 100k entries, against 2 ms). So
// SQLite is told INDEXED BY, and PostgreSQL reads the range in a subquery
// that OFFSET 0 keeps from being merged into the ordered query.
func blockWhere(d Dialect, org uuid.UUID, f storage.BlockFilter) (fromWhere string, args []any, err error) {
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	from := ` FROM blocks`
	conds := []string{"org_id = ?"}
	args = []any{d.id(org)}
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.NumberPrefix != "" {
		lo, hi := prefixRange(f.NumberPrefix)
		if d == Postgres {
			// The subquery's placeholders come first, then the outer org_id.
			inner := `SELECT ` + blockCols + ` FROM blocks WHERE org_id = ? AND number >= ?`
			args = []any{d.id(org), lo}
			if hi != "" {
				inner += ` AND number < ?`
				args = append(args, hi)
			}
			from = ` FROM (` + inner + ` OFFSET 0) AS blocks`
			args = append(args, d.id(org))
		} else {
			from += ` INDEXED BY blocks_number`
			add("number >= ?", lo)
			if hi != "" {
				add("number < ?", hi)
			}
		}
	}
	if f.OrgWideOnly {
		add("project_id = ?", d.id(uuid.Nil))
	}
	if f.ProjectID != uuid.Nil {
		add("project_id = ?", d.id(f.ProjectID))
	}
	if f.BlockedBy != uuid.Nil {
		add("blocked_by = ?", d.id(f.BlockedBy))
	}
	if !f.ActiveAt.IsZero() {
		add("(expires_at IS NULL OR expires_at > ?)", d.time(f.ActiveAt))
	}
	if !f.ExpiredAt.IsZero() {
		add("expires_at <= ?", d.time(f.ExpiredAt))
	}
	if !f.ExpiresBefore.IsZero() {
		add("expires_at < ?", d.time(f.ExpiresBefore))
	}
	return from + ` WHERE ` + strings.Join(conds, " AND "), args, nil
}

// prefixRange returns the range [lo, hi) of the numbers starting with
// prefix ("+" and digits; hi "" is unbounded): hi is the prefix with its
// last digit that is not 9 raised by one and the 9s after it dropped
// ("+4520" to "+4521", "+4599" to "+46", "+99" to ""). Stored numbers are
// "+" and digits, which every collation (a PostgreSQL database's default
// too) orders like bytes; a bound of prefix+"\x7f", or LIKE, would need the
// C collation to stay on the number index.
func prefixRange(prefix string) (lo, hi string) {
	digits := strings.TrimRight(prefix, "9")
	if digits == "+" {
		return prefix, ""
	}
	last := len(digits) - 1
	return prefix, digits[:last] + string(digits[last]+1)
}
