package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

type leads struct{ t *txn }

const leadCols = `org_id, id, project_id, template_id, phones, fields, outcome, created_at, last_contact_at, closed_at, forgotten_at, legal_hold`

func scanLead(r scanner) (lp.Lead, error) {
	var l lp.Lead
	var phones string
	err := r.Scan(uuidCol{&l.OrgID}, uuidCol{&l.ID}, uuidCol{&l.ProjectID}, uuidCol{&l.TemplateID},
		&phones, jsonCol{&l.Fields}, &l.Outcome, timeCol{&l.CreatedAt}, timeCol{&l.LastContactAt},
		timeCol{&l.ClosedAt}, timeCol{&l.ForgottenAt}, &l.LegalHold)
	if err != nil {
		return l, err
	}
	if phones != "" {
		for n := range strings.SplitSeq(phones, ",") {
			l.Phones = append(l.Phones, phone.Number(n))
		}
	}
	return l, nil
}

// leadArgs returns the values of leadCols for l.
func leadArgs(d Dialect, l lp.Lead) []any {
	fields := l.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	return []any{d.id(l.OrgID), d.id(l.ID), d.id(l.ProjectID), d.id(l.TemplateID),
		joinPhones(l.Phones), jsonText(fields), l.Outcome, d.time(l.CreatedAt), d.time(l.LastContactAt),
		d.time(l.ClosedAt), d.time(l.ForgottenAt), l.LegalHold}
}

func joinPhones(ns []phone.Number) string { return strings.Join(numberStrings(ns), ",") }

// numberStrings returns ns as strings, the form a list parameter takes.
func numberStrings(ns []phone.Number) []string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = string(n)
	}
	return s
}

// phoneArgs returns the lead_phones rows (org_id, lead_id, number) of ls.
func phoneArgs(d Dialect, ls ...lp.Lead) []any {
	var args []any
	for _, l := range ls {
		for _, n := range l.Phones {
			args = append(args, d.id(l.OrgID), d.id(l.ID), string(n))
		}
	}
	return args
}

var (
	leadsTable = table{"leads", leadCols, []string{"{{UUID}}", "{{UUID}}", "{{UUID}}", "{{UUID}}",
		"TEXT", "TEXT", "TEXT", "{{TIME}}", "{{TIME}}", "{{TIME}}", "{{TIME}}", "BOOLEAN"}}
	phonesTable = table{"lead_phones", "org_id, lead_id, number", []string{"{{UUID}}", "{{UUID}}", "TEXT"}}
)

// refsExist is the condition that the lead's project and template exist;
// its arguments are org, project, org, template.
const refsExist = `EXISTS (SELECT 1 FROM projects WHERE org_id = ? AND id = ?)
	AND EXISTS (SELECT 1 FROM templates WHERE org_id = ? AND id = ?)`

func (v leads) Create(ctx context.Context, l lp.Lead) error {
	if err := l.Validate(); err != nil {
		return err
	}
	const op = "leads.create"
	d := v.t.d
	args := append(leadArgs(d, l), d.id(l.OrgID), d.id(l.ProjectID), d.id(l.OrgID), d.id(l.TemplateID))
	n, err := v.t.affected(ctx, op, `INSERT INTO leads (`+leadCols+`)
		SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS {{UUID}}),
		       CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS {{TIME}}), CAST(? AS {{TIME}}),
		       CAST(? AS {{TIME}}), CAST(? AS {{TIME}}), CAST(? AS BOOLEAN)
		WHERE `+refsExist+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		err := v.t.conflictOrNotFound(ctx, op, `SELECT 1 FROM leads WHERE org_id = ? AND id = ?`, d.id(l.OrgID), d.id(l.ID))
		return about(err, refs(l), object("lead", l.ID)+" exists")
	}
	_, err = v.t.insertRows(ctx, op, "INSERT", phonesTable, "", phoneArgs(d, l))
	return err
}

func (v leads) CreateMany(ctx context.Context, org uuid.UUID, ls []lp.Lead) error {
	for _, l := range ls {
		if err := l.Validate(); err != nil {
			return err
		}
		if l.OrgID != org {
			return &lp.FieldError{Field: "Lead.OrgID", Reason: "must be the organisation of the batch"}
		}
	}
	if len(ls) == 0 {
		return v.t.alive()
	}
	const op = "leads.create_many"
	d := v.t.d
	rows := make([]any, 0, len(ls)*12)
	for _, l := range ls {
		rows = append(rows, leadArgs(d, l)...)
	}
	// A savepoint makes the batch all or nothing even when the caller
	// handles the error and commits, and keeps a PostgreSQL transaction
	// usable after a conflict.
	err := v.t.savepoint(ctx, op, func() error {
		if _, err := v.t.insertRows(ctx, op, "INSERT", leadsTable, "", rows); err != nil {
			return err
		}
		_, err := v.t.insertRows(ctx, op, "INSERT", phonesTable, "", phoneArgs(d, ls...))
		return err
	})
	return v.explain(ctx, op, org, ls, err)
}

// explain says which lead of a failed CreateMany batch err concerns: the
// first whose id is taken (ErrConflict) or whose project or template is
// missing (ErrNotFound). Other errors are returned as they are.
func (v leads) explain(ctx context.Context, op string, org uuid.UUID, ls []lp.Lead, err error) error {
	refs := []struct {
		table, kind string
		id          func(lp.Lead) uuid.UUID
	}{
		{"leads", "lead", func(l lp.Lead) uuid.UUID { return l.ID }},
		{"projects", "project", func(l lp.Lead) uuid.UUID { return l.ProjectID }},
		{"templates", "template", func(l lp.Lead) uuid.UUID { return l.TemplateID }},
	}
	ids := func(id func(lp.Lead) uuid.UUID) []uuid.UUID {
		out := make([]uuid.UUID, len(ls))
		for i, l := range ls {
			out[i] = id(l)
		}
		return out
	}
	switch {
	case errors.Is(err, lp.ErrConflict):
		all := ids(refs[0].id)
		if i, xerr := v.t.firstTaken(ctx, op, "leads", org, all); xerr == nil && i >= 0 {
			return about(err, "", object("lead", all[i])+" exists"+inEntry("lead", i))
		}
	case errors.Is(err, lp.ErrNotFound):
		for _, ref := range refs[1:] {
			all := ids(ref.id)
			if i, xerr := v.t.firstMissing(ctx, op, ref.table, org, all); xerr == nil && i >= 0 {
				return about(err, object(ref.kind, all[i])+inEntry("lead", i), "")
			}
		}
	}
	return err
}

func (v leads) Get(ctx context.Context, org, id uuid.UUID) (lp.Lead, error) {
	l, err := get(ctx, v.t, "leads.get", scanLead,
		`SELECT `+leadCols+` FROM leads WHERE org_id = ? AND id = ?`, v.t.d.id(org), v.t.d.id(id))
	return l, aboutID(err, "lead", id)
}

// refs names the project and template a lead refers to, one of which is
// missing when a write of l finds no row to refer to.
func refs(l lp.Lead) string {
	return object("project", l.ProjectID) + " or " + object("template", l.TemplateID)
}

// leadOrRefs names what an update of l may have missed: the lead itself or
// one of its references.
func leadOrRefs(l lp.Lead) string { return object("lead", l.ID) + ", " + refs(l) }

func (v leads) Update(ctx context.Context, l lp.Lead) error {
	if err := l.Validate(); err != nil {
		return err
	}
	const op = "leads.update"
	d := v.t.d
	// A missing lead, project or template all mean ErrNotFound.
	update := `UPDATE leads SET project_id = ?, template_id = ?, phones = ?, fields = ?,
		outcome = ?, created_at = ?, last_contact_at = ?, closed_at = ?, forgotten_at = ?, legal_hold = ?
		WHERE org_id = ? AND id = ? AND ` + refsExist
	args := append(leadArgs(d, l)[2:], d.id(l.OrgID), d.id(l.ID), d.id(l.OrgID), d.id(l.ProjectID), d.id(l.OrgID), d.id(l.TemplateID))
	if d == Postgres {
		// One statement, one round trip: the update and the phone index
		// rows it implies, as data-modifying CTEs (numbers the lead keeps
		// stay untouched). A forget is then a single statement.
		phones := numberStrings(l.Phones)
		var n int
		err := v.t.row(ctx, `WITH upd AS (`+update+` RETURNING id),
			del AS (DELETE FROM lead_phones WHERE org_id = ? AND lead_id IN (SELECT id FROM upd)
			        AND NOT (`+d.in("number", listText)+`)),
			ins AS (INSERT INTO lead_phones (org_id, lead_id, number)
			        SELECT CAST(? AS uuid), upd.id, num FROM upd, unnest(CAST(? AS text[])) AS num ON CONFLICT DO NOTHING)
			SELECT COUNT(*) FROM upd`, append(args, d.id(l.OrgID), phones, d.id(l.OrgID), phones)...).Scan(&n)
		if err == nil && n == 0 {
			return notFound(op, leadOrRefs(l))
		}
		return v.t.fail(ctx, op, err)
	}
	if err := v.t.mustAffect(ctx, op, update, args...); err != nil {
		return about(err, leadOrRefs(l), "")
	}
	if _, err := v.t.exec(ctx, op, `DELETE FROM lead_phones WHERE org_id = ? AND lead_id = ?`, d.id(l.OrgID), d.id(l.ID)); err != nil {
		return err
	}
	_, err := v.t.insertRows(ctx, op, "INSERT", phonesTable, "", phoneArgs(d, l))
	return err
}

// Delete and DeleteMany remove the lead rows first, then their phone
// numbers and contact attempts, each table in one statement. The order
// matters on PostgreSQL: Contacts.Add locks the lead it adds to, so a
// delete waits for it, and the child deletes, later statements with a
// newer snapshot, see the contact it added.

func (v leads) Delete(ctx context.Context, org, id uuid.UUID) error {
	n, err := v.DeleteMany(ctx, org, []uuid.UUID{id})
	if err == nil && n == 0 {
		return notFound("leads.delete", object("lead", id))
	}
	return err
}

func (v leads) DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, v.t.alive()
	}
	const op = "leads.delete_many"
	d := v.t.d
	in, args := idsIn(d, "id", ids)
	args = append([]any{d.id(org)}, args...)
	n, err := v.t.affected(ctx, op, deleteManySQL("leads", in), args...)
	if err != nil || n == 0 {
		return 0, err
	}
	in, _ = idsIn(d, "lead_id", ids)
	for _, child := range []string{"lead_phones", "contacts"} {
		if _, err := v.t.exec(ctx, op, deleteManySQL(child, in), args...); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// deleteManySQL is one statement of DeleteMany: the rows of table in org
// that in (idsIn's condition) selects. Its arguments are org and in's.
func deleteManySQL(table, in string) string {
	return `DELETE FROM ` + table + ` WHERE org_id = ? AND ` + in
}

func (v leads) FindByNumbers(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]lp.Lead, error) {
	if len(numbers) == 0 {
		return nil, v.t.alive()
	}
	d := v.t.d
	found, err := list(ctx, v.t, "leads.find_by_numbers", scanLead, leadsByNumbersSQL[d],
		d.id(org), d.id(org), d.textList(numberStrings(numbers)))
	slices.SortFunc(found, func(a, b lp.Lead) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return found, err
}

// leadsByNumbersSQL finds the leads of a batch of numbers through the
// phone index, sorted by id in Go for the reason blocksByNumbersSQL gives.
var leadsByNumbersSQL = map[Dialect]string{
	SQLite:   leadsByNumbers(SQLite),
	Postgres: leadsByNumbers(Postgres),
}

func leadsByNumbers(d Dialect) string {
	return `SELECT ` + leadCols + ` FROM leads WHERE org_id = ? AND id IN (
	   SELECT lead_id FROM lead_phones WHERE org_id = ? AND ` + d.in("number", listText) + `)`
}

// basisTime is the SQL expression of a retention basis time. It matches
// the expressions of the leads_retention_* indexes.
func basisTime(b lp.RetentionBasis) (string, error) {
	switch b {
	case lp.SinceLastContact:
		return "COALESCE(last_contact_at, created_at)", nil
	case lp.SinceCreated:
		return "created_at", nil
	case lp.SinceClosed:
		return "closed_at", nil // NULL (open) never compares true
	}
	return "", &lp.FieldError{Field: "LeadFilter.Basis", Reason: "must be last_contact, created or closed"}
}

func (v leads) List(ctx context.Context, org uuid.UUID, f storage.LeadFilter, page storage.Page) ([]lp.Lead, error) {
	where, args, err := leadWhere(v.t.d, org, f, page)
	if err != nil {
		return nil, err
	}
	return list(ctx, v.t, "leads.list", scanLead,
		`SELECT `+leadCols+` FROM leads WHERE `+where+` ORDER BY id LIMIT ?`, args...)
}

func (v leads) ListIDs(ctx context.Context, org uuid.UUID, f storage.LeadFilter, page storage.Page) ([]uuid.UUID, error) {
	where, args, err := leadWhere(v.t.d, org, f, page)
	if err != nil {
		return nil, err
	}
	return list(ctx, v.t, "leads.list_ids", func(r scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, r.Scan(uuidCol{&id})
	}, `SELECT id FROM leads WHERE `+where+` ORDER BY id LIMIT ?`, args...)
}

// leadWhere returns the condition selecting the page of leads f selects,
// and its arguments followed by the page size (for LIMIT).
func leadWhere(d Dialect, org uuid.UUID, f storage.LeadFilter, page storage.Page) (string, []any, error) {
	where, args, err := leadFilterWhere(d, org, f)
	if err != nil {
		return "", nil, err
	}
	return where + " AND id > ?", append(args, d.id(page.After), page.Size()), nil
}

// leadFilterWhere returns the condition selecting the leads f selects, over
// every page, and its arguments.
func leadFilterWhere(d Dialect, org uuid.UUID, f storage.LeadFilter) (string, []any, error) {
	where := []string{"org_id = ?"}
	args := []any{d.id(org)}
	if f.ProjectID != uuid.Nil {
		where = append(where, "project_id = ?")
		args = append(args, d.id(f.ProjectID))
	}
	if len(f.Outcomes) > 0 {
		where = append(where, d.in("outcome", listText))
		args = append(args, d.textList(f.Outcomes))
	}
	if len(f.ExcludeOutcomes) > 0 {
		where = append(where, "NOT ("+d.in("outcome", listText)+")")
		args = append(args, d.textList(f.ExcludeOutcomes))
	}
	if err := lp.ValidTime("LeadFilter.Before", f.Before); err != nil {
		return "", nil, err
	}
	if !f.Before.IsZero() {
		expr, err := basisTime(f.Basis)
		if err != nil {
			return "", nil, err
		}
		where = append(where, expr+" < ?")
		args = append(args, d.time(f.Before))
	}
	if f.Forgotten != nil {
		if *f.Forgotten {
			where = append(where, "forgotten_at IS NOT NULL")
		} else {
			where = append(where, "forgotten_at IS NULL")
		}
	}
	if f.LegalHold != nil {
		cond, holdArgs := legalHoldWhere(d, org, f.ProjectID, *f.LegalHold)
		where = append(where, cond)
		args = append(args, holdArgs...)
	}
	return strings.Join(where, " AND "), args, nil
}

// legalHoldWhere returns the condition keeping the leads under legal hold
// (held) or not under it: held by itself or by its project
// (storage.LeadFilter.LegalHold). The held projects are read by an
// uncorrelated subquery on the primary key of projects, which both
// databases run once per statement, not once per lead; with a project
// given it is that project's row, so the lead indexes still drive the
// selection (BENCHMARKS.md, "retention": a purge batch's selection as fast
// as before).
func legalHoldWhere(d Dialect, org, project uuid.UUID, held bool) (string, []any) {
	projectHeld := "project_id IN (SELECT id FROM projects WHERE org_id = ? AND legal_hold_since IS NOT NULL)"
	args := []any{d.id(org)}
	if project != uuid.Nil {
		projectHeld = "EXISTS (SELECT 1 FROM projects WHERE org_id = ? AND id = ? AND legal_hold_since IS NOT NULL)"
		args = append(args, d.id(project))
	}
	if held {
		return "(legal_hold OR " + projectHeld + ")", args
	}
	return "NOT legal_hold AND NOT (" + projectHeld + ")", args
}
