package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// The set-based calls of retention: Leads.Count, CountMany and AnonymiseMany,
// Contacts.EraseByLeads, and the Leases view.

func (v leads) Count(ctx context.Context, org uuid.UUID, f storage.LeadFilter) (int, error) {
	where, args, err := leadFilterWhere(v.t.d, org, f)
	if err != nil {
		return 0, err
	}
	var n int
	if err := v.t.queryOne(ctx, leadCountSQL(v.t.d, f, where), args, &n); err != nil {
		return 0, v.t.fail(ctx, "leads.count", err)
	}
	return n, nil
}

// leadCountSQL is Count's statement for f, whose condition is where. A
// project's leads are counted on leads_project: without statistics SQLite
// otherwise walks the organisation's whole primary key range when the
// filter also lists outcomes.
func leadCountSQL(d Dialect, f storage.LeadFilter, where string) string {
	if d == SQLite && f.ProjectID != uuid.Nil {
		return `SELECT COUNT(*) FROM leads INDEXED BY leads_project WHERE ` + where
	}
	return `SELECT COUNT(*) FROM leads WHERE ` + where
}

func (v leads) CountMany(ctx context.Context, org uuid.UUID, filters []storage.LeadFilter) ([]int, error) {
	if err := storage.ValidCountMany(filters); err != nil {
		return nil, err
	}
	if len(filters) == 0 {
		return []int{}, v.t.alive()
	}
	q, args, err := leadCountManySQL(v.t.d, org, filters)
	if err != nil {
		return nil, err
	}
	counts := make([]int, len(filters))
	dest := make([]any, len(filters))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := v.t.queryOne(ctx, q, args, dest...); err != nil {
		return nil, v.t.fail(ctx, "leads.count_many", err)
	}
	return counts, nil
}

// leadCountManySQL is CountMany's statement and its arguments: one
// COUNT(*) FILTER per filter over one scan of the organisation's leads.
// What every filter selects alike (sharedFilter: the cut-off of rules of
// one basis and age, not forgotten, ...) is the statement's WHERE, tested
// once per lead; the rest of each filter is its FILTER. Both are
// leadFilterWhere's conditions, as Count's. When every filter names a
// project, the scan keeps to those projects, on the primary key: the
// leads_project index would look up every lead of a project a rule
// covers whole.
func leadCountManySQL(d Dialect, org uuid.UUID, filters []storage.LeadFilter) (string, []any, error) {
	var projects []uuid.UUID
	for i, f := range filters {
		if _, _, err := leadFilterWhere(d, org, f); err != nil {
			return "", nil, lperr.Wrap("filters["+strconv.Itoa(i)+"]", err)
		}
		if projects != nil || i == 0 {
			projects = appendProject(projects, f.ProjectID)
		}
	}
	shared, own := sharedFilter(filters)
	cols := make([]string, len(own))
	var args []any
	for i, f := range own {
		if len(projects) == 1 {
			f.ProjectID = uuid.Nil // the statement's WHERE
		}
		where, fargs, err := leadFilterWhere(d, org, f)
		if err != nil {
			return "", nil, err
		}
		// The organisation is the statement's too.
		if w, ok := strings.CutPrefix(where, "org_id = ? AND "); ok {
			where, fargs = w, fargs[1:]
		}
		cols[i] = "COUNT(*) FILTER (WHERE " + where + ")"
		args = append(args, fargs...)
	}
	where, wargs, err := leadFilterWhere(d, org, shared)
	if err != nil {
		return "", nil, err
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM leads WHERE " + where
	args = append(args, wargs...)
	if projects != nil {
		q += " AND " + d.in("project_id", listUUID)
		args = append(args, d.uuidList(projects))
	}
	return q, args, nil
}

// appendProject adds project to the distinct projects of the filters so
// far; nil, for good, once a filter names none.
func appendProject(projects []uuid.UUID, project uuid.UUID) []uuid.UUID {
	switch {
	case project == uuid.Nil:
		return nil
	case slices.Contains(projects, project):
		return projects
	}
	return append(projects, project)
}

// sharedFilter splits filters (at least one) into the filter of what
// every one of them selects alike and what is left of each: filter i
// selects what shared and own[i] both select. It moves the fields it
// names, each only where every filter has the same value; any other
// field stays in own.
func sharedFilter(filters []storage.LeadFilter) (shared storage.LeadFilter, own []storage.LeadFilter) {
	first := filters[0]
	shared = storage.LeadFilter{Outcomes: first.Outcomes, ExcludeOutcomes: first.ExcludeOutcomes,
		Basis: first.Basis, Before: first.Before, Forgotten: first.Forgotten, LegalHold: first.LegalHold}
	sameBool := func(a, b *bool) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
	for _, f := range filters[1:] {
		if !slices.Equal(f.Outcomes, shared.Outcomes) {
			shared.Outcomes = nil
		}
		if !slices.Equal(f.ExcludeOutcomes, shared.ExcludeOutcomes) {
			shared.ExcludeOutcomes = nil
		}
		if f.Basis != shared.Basis || !f.Before.Equal(shared.Before) {
			shared.Basis, shared.Before = "", time.Time{}
		}
		if !sameBool(f.Forgotten, shared.Forgotten) {
			shared.Forgotten = nil
		}
		if !sameBool(f.LegalHold, shared.LegalHold) {
			shared.LegalHold = nil
		}
	}
	own = slices.Clone(filters)
	for i := range own {
		f := &own[i]
		if len(shared.Outcomes) > 0 {
			f.Outcomes = nil
		}
		if len(shared.ExcludeOutcomes) > 0 {
			f.ExcludeOutcomes = nil
		}
		if !shared.Before.IsZero() {
			f.Basis, f.Before = "", time.Time{}
		}
		if shared.Forgotten != nil {
			f.Forgotten = nil
		}
		if shared.LegalHold != nil {
			f.LegalHold = nil
		}
	}
	return shared, own
}

// maxIDParams is the longest id list idsIn binds one parameter per id.
const maxIDParams = storage.MaxLimit

// idsIn returns the condition "col is one of ids" of a write statement
// and its arguments. On SQLite each id is a parameter of its own (up to
// maxIDParams): a table-valued function in a write statement, such as
// the json_each of Dialect.in, makes SQLite keep a statement journal (a
// copy of every page the statement changes), which made a purge batch's
// contacts delete three to four times slower (BenchmarkPurge). Longer
// lists use Dialect.in. PostgreSQL uses pgIDsIn.
func idsIn(d Dialect, col string, ids []uuid.UUID) (string, []any) {
	if d == Postgres {
		return pgIDsIn(col), []any{d.uuidList(ids)}
	}
	if len(ids) == 0 || len(ids) > maxIDParams {
		return d.in(col, listUUID), []any{d.uuidList(ids)}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = d.id(id)
	}
	return col + " IN (?" + strings.Repeat(", ?", len(ids)-1) + ")", args
}

// pgIDsIn is idsIn's condition on PostgreSQL, and that of the purge
// batch's other writes there (anonymiseSQL, eraseByLeadsSQL): col is one
// of the uuid[] parameter, read through a scalar subquery so that the
// planner never sees the list. pgx prepares every statement, and PostgreSQL plans its first
// five runs with the parameters' values: for a batch that is a few percent
// of the table it then picked a sequential scan of the whole table,
// testing every row against the list (a purge batch's contacts delete
// 175-285 ms warm, where probing contacts_lead once per lead takes 60 ms;
// BENCHMARKS.md, "retention"), and every batch scanned the table again.
// Hidden, the list is planned as the generic plan plans it, a few rows:
// one index probe per id, for every run, at any table size.
func pgIDsIn(col string) string {
	return col + " = ANY(CAST((SELECT CAST(? AS uuid[])) AS uuid[]))"
}

// anonymisable is the condition on leads that AnonymiseMany changes: of
// the call's ids (in, their condition on id), not forgotten, not under
// legal hold. Its arguments are org and in's.
func anonymisable(in string) string {
	return `org_id = ? AND ` + in + ` AND forgotten_at IS NULL AND NOT legal_hold`
}

// anonymiseSQL is AnonymiseMany's statement on PostgreSQL: the lead update
// and the phone index rows it clears in one round trip, as data-modifying
// CTEs. Its arguments are at, org, ids, org.
var anonymiseSQL = `WITH upd AS (UPDATE leads SET phones = '', fields = '{}', forgotten_at = ?
	    WHERE ` + anonymisable(pgIDsIn("id")) + ` RETURNING id),
	del AS (DELETE FROM lead_phones WHERE org_id = ? AND lead_id IN (SELECT id FROM upd))
	SELECT COUNT(*) FROM upd`

func (v leads) AnonymiseMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID, at time.Time) (int, error) {
	if err := storage.ValidAnonymiseMany(ids, at); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, v.t.alive()
	}
	const op = "leads.anonymise_many"
	d := v.t.d
	if d == Postgres {
		var n int
		if err := v.t.queryOne(ctx, anonymiseSQL, []any{d.time(at), d.id(org), d.uuidList(ids), d.id(org)}, &n); err != nil {
			return 0, v.t.fail(ctx, op, err)
		}
		return n, nil
	}
	in, args := idsIn(d, "id", ids)
	args = append([]any{d.id(org)}, args...)
	// The phone rows first, while the condition still selects their leads.
	if _, err := v.t.exec(ctx, op, `DELETE FROM lead_phones WHERE org_id = ? AND lead_id IN (
		SELECT id FROM leads WHERE `+anonymisable(in)+`)`, append([]any{d.id(org)}, args...)...); err != nil {
		return 0, err
	}
	n, err := v.t.affected(ctx, op, `UPDATE leads SET phones = '', fields = '{}', forgotten_at = ?
		WHERE `+anonymisable(in), append([]any{d.time(at)}, args...)...)
	return int(n), err
}

func (v contacts) EraseByLeads(ctx context.Context, org uuid.UUID, leads []uuid.UUID) (map[uuid.UUID][]string, int, error) {
	if err := storage.ValidIDBatch("leads", leads); err != nil {
		return nil, 0, err
	}
	refs := make(map[uuid.UUID][]string)
	if len(leads) == 0 {
		return refs, 0, v.t.alive()
	}
	const op = "contacts.erase_by_leads"
	d := v.t.d
	idList := d.uuidList(leads)
	// The attempts to change, with the references they held, read on
	// contacts_lead in the order the contract gives.
	type erased struct {
		lead uuid.UUID
		ref  string
	}
	scan := func(r scanner) (erased, error) {
		var x erased
		err := r.Scan(uuidCol{&x.lead}, &x.ref)
		return x, err
	}
	var rows []erased
	var err error
	n := 0
	if d == Postgres {
		// One round trip: the read and the update are sibling CTEs of
		// one statement, so they see the same rows (one snapshot) and the
		// read returns them as they were.
		rows, err = list(ctx, v.t, op, scan, eraseByLeadsSQL, d.id(org), idList, d.id(org), idList)
		n = len(rows)
	} else {
		// SQLite's RETURNING gives the new values only: read, then clear
		// the same rows, one statement each.
		if rows, err = list(ctx, v.t, op, scan, eraseRefsSQL, d.id(org), idList); err == nil {
			in, args := idsIn(d, "lead_id", leads)
			var changed int64
			changed, err = v.t.affected(ctx, op, eraseContactsSQL(in), append([]any{d.id(org)}, args...)...)
			n = int(changed)
		}
	}
	if err != nil {
		return nil, 0, err
	}
	for _, x := range rows {
		if x.ref != "" {
			refs[x.lead] = append(refs[x.lead], x.ref)
		}
	}
	return refs, n, nil
}

// erasable is the condition on contacts that EraseByLeads changes: of the
// call's leads (in, their condition on lead_id), with notes or a
// reference. Its arguments are org and in's.
func erasable(in string) string {
	return `org_id = ? AND ` + in + ` AND (notes <> '' OR recording_ref <> '')`
}

// eraseRefsSQL and eraseContactsSQL are EraseByLeads' read and update on
// SQLite; eraseByLeadsSQL is both in one statement on PostgreSQL. Every
// one finds the attempts on contacts_lead. On PostgreSQL the update (upd)
// is not joined to the rows read (old) but selects them by the same
// condition: the sub-statements of one WITH share its snapshot, so both
// find the same attempts, each on contacts_lead, where a join on id
// looked every attempt up again in the primary key (an index probe per
// attempt: a quarter of the statement's time in BenchmarkPurge's forget).
// At READ COMMITTED an attempt another transaction erased in between is
// rechecked and left alone by the update (it is erased already) but still
// read: it is counted and its reference returned, as before.
var (
	eraseRefsSQL    = `SELECT lead_id, recording_ref FROM contacts WHERE ` + erasable(SQLite.in("lead_id", listUUID)) + ` ORDER BY lead_id, called_at, id`
	eraseByLeadsSQL = `WITH old AS (SELECT id, lead_id, called_at, recording_ref FROM contacts WHERE ` + erasable(pgIDsIn("lead_id")) + `),
		upd AS (UPDATE contacts SET notes = '', recording_ref = '' WHERE ` + erasable(pgIDsIn("lead_id")) + `)
		SELECT lead_id, recording_ref FROM old ORDER BY lead_id, called_at, id`
)

// eraseContactsSQL is EraseByLeads' update on SQLite, of the leads in
// selects (idsIn).
func eraseContactsSQL(in string) string {
	return `UPDATE contacts SET notes = '', recording_ref = '' WHERE ` + erasable(in)
}

type leases struct{ t *txn }

// acquireSQL takes a lease: inserts it, or takes it over if it expired or
// extends it if the holder already holds it. A lease held by another
// holder is left alone, so no row changes. Its arguments are org, name,
// holder, until, org (the guard), now.
const acquireSQL = `INSERT INTO leases (org_id, name, holder, held_until)
	SELECT CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS {{UUID}}), CAST(? AS {{TIME}}) WHERE ` + orgExists + `
	ON CONFLICT (org_id, name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
	WHERE leases.holder = excluded.holder OR leases.held_until <= ?`

func (v leases) Acquire(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID, now, until time.Time) (bool, error) {
	if err := storage.ValidLease(name, holder, now, until); err != nil {
		return false, err
	}
	const op = "leases.acquire"
	d := v.t.d
	n, err := v.t.affected(ctx, op, acquireSQL, d.id(org), name, d.id(holder), d.time(until), d.id(org), d.time(now))
	if err != nil || n > 0 {
		return n > 0, err
	}
	return false, v.t.requireOrg(ctx, op, org) // else held by another
}

func (v leases) Release(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID) error {
	if err := lp.ValidCode("name", name); err != nil {
		return err
	}
	_, err := v.t.exec(ctx, "leases.release", `DELETE FROM leases WHERE org_id = ? AND name = ? AND holder = ?`,
		v.t.d.id(org), name, v.t.d.id(holder))
	return err
}

func (v leases) Get(ctx context.Context, org uuid.UUID, name string) (uuid.UUID, time.Time, error) {
	if err := lp.ValidCode("name", name); err != nil {
		return uuid.Nil, time.Time{}, err
	}
	type lease struct {
		holder uuid.UUID
		until  time.Time
	}
	l, err := get(ctx, v.t, "leases.get", func(r scanner) (lease, error) {
		var l lease
		err := r.Scan(uuidCol{&l.holder}, timeCol{&l.until})
		return l, err
	}, `SELECT holder, held_until FROM leases WHERE org_id = ? AND name = ?`, v.t.d.id(org), name)
	return l.holder, l.until, about(err, "lease "+name, "")
}
