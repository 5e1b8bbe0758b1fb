package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// The set-based calls of retention: Leads.Count and AnonymiseMany,
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

// maxIDParams is the longest id list idsIn binds one parameter per id.
const maxIDParams = storage.MaxLimit

// idsIn returns the condition "col is one of ids" of a write statement
// and its arguments. On SQLite each id is a parameter of its own (up to
// maxIDParams): a table-valued function in a write statement, such as
// the json_each of Dialect.in, makes SQLite keep a statement journal (a
// copy of every page the statement changes), which made a purge batch's
// contacts delete three to four times slower (BenchmarkPurge). Longer
// lists, and PostgreSQL, use Dialect.in.
func idsIn(d Dialect, col string, ids []uuid.UUID) (string, []any) {
	if d != SQLite || len(ids) == 0 || len(ids) > maxIDParams {
		return d.in(col, listUUID), []any{d.uuidList(ids)}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = d.id(id)
	}
	return col + " IN (?" + strings.Repeat(", ?", len(ids)-1) + ")", args
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
	    WHERE ` + anonymisable(Postgres.in("id", listUUID)) + ` RETURNING id),
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
		// One round trip: the update joins the rows read, which a
		// data-modifying CTE returns as they were.
		rows, err = list(ctx, v.t, op, scan, eraseByLeadsSQL, d.id(org), idList, d.id(org))
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
// one finds the attempts on contacts_lead.
var (
	eraseRefsSQL    = `SELECT lead_id, recording_ref FROM contacts WHERE ` + erasable(SQLite.in("lead_id", listUUID)) + ` ORDER BY lead_id, called_at, id`
	eraseByLeadsSQL = `WITH old AS (SELECT id, lead_id, called_at, recording_ref FROM contacts WHERE ` + erasable(Postgres.in("lead_id", listUUID)) + `),
		upd AS (UPDATE contacts c SET notes = '', recording_ref = '' FROM old WHERE c.org_id = ? AND c.id = old.id)
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
