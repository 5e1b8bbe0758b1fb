package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type registries struct{ t *txn }

const registryCols = `org_id, id, name, version, count, hash, size, loaded_by, loaded_at`

var registryProjectsTable = table{"registry_projects", "org_id, registry_id, position, project_id",
	[]string{"{{UUID}}", "{{UUID}}", "BIGINT", "{{UUID}}"}}

// scopeArgs returns the registry_projects rows of r, in the order of
// r.ProjectIDs.
func scopeArgs(d Dialect, r lp.Registry) []any {
	args := make([]any, 0, 4*len(r.ProjectIDs))
	for i, p := range r.ProjectIDs {
		args = append(args, d.id(r.OrgID), d.id(r.ID), int64(i), d.id(p))
	}
	return args
}

func (v registries) Create(ctx context.Context, r lp.Registry) error {
	if err := r.Validate(); err != nil {
		return err
	}
	const op = "registries.create"
	d := v.t.d
	if err := blocks(v).projectsExist(ctx, op, r.OrgID, r.ProjectIDs); err != nil {
		return err
	}
	// ON CONFLICT DO NOTHING covers the key and the unique name alike.
	err := v.t.insertInOrg(ctx, op, r.OrgID, `INSERT INTO registries (`+registryCols+`)
		SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT),
		       CAST(? AS {{BYTES}}), CAST(? AS BIGINT), CAST(? AS {{UUID}}), CAST(? AS {{TIME}})
		WHERE `+orgExists+` ON CONFLICT DO NOTHING`,
		d.id(r.OrgID), d.id(r.ID), r.Name, r.Version, r.Count, r.Hash[:], r.Size, d.id(r.LoadedBy), d.time(r.LoadedAt))
	if err != nil {
		return v.whyTaken(ctx, op, r, err)
	}
	if _, err = v.t.insertRows(ctx, op, "INSERT", registryProjectsTable, "", scopeArgs(d, r)); err != nil {
		return err
	}
	return v.t.bumpScreening(ctx, op, r.OrgID)
}

// whyTaken says what a Create of r that failed with ErrConflict collided
// with: r's id, else its name. Other errors are returned as they are.
func (v registries) whyTaken(ctx context.Context, op string, r lp.Registry, err error) error {
	if !errors.Is(err, lp.ErrConflict) {
		return err
	}
	d := v.t.d
	idTaken, xerr := v.t.exists(ctx, op, `SELECT 1 FROM registries WHERE org_id = ? AND id = ?`, d.id(r.OrgID), d.id(r.ID))
	switch {
	case xerr != nil:
		return xerr
	case idTaken:
		return about(err, "", object("registry", r.ID)+" exists")
	}
	return about(err, "", "the organisation has a registry named "+strconv.Quote(r.Name))
}

// readRegistries returns the organisation's registries that where (a
// condition on r, with its arguments after org's) selects, ordered by
// name, each with its project scope: one query, the scope joined in.
func (v registries) readRegistries(ctx context.Context, op string, org uuid.UUID, where string, args ...any) ([]lp.Registry, error) {
	d := v.t.d
	rows, done, err := v.t.queryRows(ctx, `SELECT r.org_id, r.id, r.name, r.version, r.count, r.hash, r.size,
		       r.loaded_by, r.loaded_at, p.project_id
		FROM registries r LEFT JOIN registry_projects p ON p.org_id = r.org_id AND p.registry_id = r.id
		WHERE r.org_id = ?`+where+` ORDER BY r.name, p.position`, append([]any{d.id(org)}, args...)...)
	defer done()
	if err != nil {
		return nil, v.t.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []lp.Registry
	for rows.Next() {
		var r lp.Registry
		var project uuid.UUID
		if err := rows.Scan(uuidCol{&r.OrgID}, uuidCol{&r.ID}, &r.Name, &r.Version, &r.Count, hashCol{&r.Hash},
			&r.Size, uuidCol{&r.LoadedBy}, timeCol{&r.LoadedAt}, uuidCol{&project}); err != nil {
			return nil, v.t.fail(ctx, op, err)
		}
		// The rows of one registry are adjacent: names are unique.
		if n := len(out); n == 0 || out[n-1].ID != r.ID {
			out = append(out, r)
		}
		if project != uuid.Nil {
			last := &out[len(out)-1]
			last.ProjectIDs = append(last.ProjectIDs, project)
		}
	}
	return out, v.t.fail(ctx, op, rows.Err())
}

func (v registries) Get(ctx context.Context, org uuid.UUID, name string) (lp.Registry, error) {
	const op = "registries.get"
	rs, err := v.readRegistries(ctx, op, org, ` AND r.name = ?`, name)
	switch {
	case err != nil:
		return lp.Registry{}, err
	case len(rs) == 0:
		return lp.Registry{}, notFound(op, "registry "+strconv.Quote(name))
	}
	return rs[0], nil
}

func (v registries) List(ctx context.Context, org uuid.UUID) ([]lp.Registry, error) {
	return v.readRegistries(ctx, "registries.list", org, "")
}

func (v registries) Update(ctx context.Context, r lp.Registry) error {
	if err := r.Validate(); err != nil {
		return err
	}
	const op = "registries.update"
	d := v.t.d
	org, id := d.id(r.OrgID), d.id(r.ID)
	// The scope is checked before anything changes, so that an error
	// leaves the registry as it was; a missing registry or a renaming is
	// reported before a missing project, as by the memory store.
	if err := blocks(v).projectsExist(ctx, op, r.OrgID, r.ProjectIDs); err != nil {
		if !errors.Is(err, lp.ErrNotFound) {
			return err
		}
		if why := v.whyNotUpdated(ctx, op, r); why != nil {
			return why
		}
		return err
	}
	n, err := v.t.affected(ctx, op, `UPDATE registries SET version = ?, count = ?, hash = ?, size = ?, loaded_by = ?, loaded_at = ?
		WHERE org_id = ? AND id = ? AND name = ?`,
		r.Version, r.Count, r.Hash[:], r.Size, d.id(r.LoadedBy), d.time(r.LoadedAt), org, id, r.Name)
	if err != nil {
		return err
	}
	if n == 0 {
		if why := v.whyNotUpdated(ctx, op, r); why != nil {
			return why
		}
		return notFound(op, object("registry", r.ID)) // deleted meanwhile
	}
	if _, err := v.t.exec(ctx, op, `DELETE FROM registry_projects WHERE org_id = ? AND registry_id = ?`, org, id); err != nil {
		return err
	}
	if _, err = v.t.insertRows(ctx, op, "INSERT", registryProjectsTable, "", scopeArgs(d, r)); err != nil {
		return err
	}
	return v.t.bumpScreening(ctx, op, r.OrgID)
}

// whyNotUpdated returns ErrNotFound if the registry r names is missing,
// ErrInvalidArgument if its stored name is not r.Name, else nil (or the
// error of the look-up).
func (v registries) whyNotUpdated(ctx context.Context, op string, r lp.Registry) error {
	var name string
	err := v.t.row(ctx, `SELECT name FROM registries WHERE org_id = ? AND id = ?`, v.t.d.id(r.OrgID), v.t.d.id(r.ID)).Scan(&name)
	switch {
	case isNoRows(err):
		return notFound(op, object("registry", r.ID))
	case err != nil:
		return v.t.fail(ctx, op, err)
	case name != r.Name:
		return &lp.FieldError{Field: "Registry.Name", Reason: "cannot change (stored: " + strconv.Quote(name) + ")"}
	}
	return nil
}

func (v registries) Delete(ctx context.Context, org, id uuid.UUID) error {
	const op = "registries.delete"
	d := v.t.d
	o, i := d.id(org), d.id(id)
	// The children first: their foreign keys name the registry.
	for _, child := range []string{"registry_chunks", "registry_projects"} {
		if _, err := v.t.exec(ctx, op, `DELETE FROM `+child+` WHERE org_id = ? AND registry_id = ?`, o, i); err != nil {
			return err
		}
	}
	if err := v.t.mustAffect(ctx, op, `DELETE FROM registries WHERE org_id = ? AND id = ?`, o, i); err != nil {
		return aboutID(err, "registry", id)
	}
	return v.t.bumpScreening(ctx, op, org)
}

// snapshotName names one stored version in messages.
func snapshotName(id uuid.UUID, version int64) string {
	return "snapshot of " + object("registry", id) + " version " + strconv.FormatInt(version, 10)
}

func (v registries) WriteSnapshot(ctx context.Context, org, id uuid.UUID, version int64, data []byte) error {
	if version < 1 {
		return &lp.FieldError{Field: "version", Reason: "must be at least 1"}
	}
	const op = "registries.write_snapshot"
	d := v.t.d
	o, i := d.id(org), d.id(id)
	// Both outcomes are told apart before the insert, which therefore
	// cannot fail on them and abort a PostgreSQL transaction. (Two
	// transactions writing the same version at once: the later one's
	// insert fails, with a serialization failure WithTx retries.)
	var registry, taken bool
	err := v.t.row(ctx, `SELECT
		EXISTS (SELECT 1 FROM registries WHERE org_id = ? AND id = ?),
		EXISTS (SELECT 1 FROM registry_chunks WHERE org_id = ? AND registry_id = ? AND version = ?)`,
		o, i, o, i, version).Scan(&registry, &taken)
	switch {
	case err != nil:
		return v.t.fail(ctx, op, err)
	case !registry:
		return notFound(op, object("registry", id))
	case taken:
		return conflict(op, snapshotName(id, version)+" exists")
	}
	// One prepared INSERT a chunk: a chunk is a megabyte, so the
	// statements cost nothing beside the bytes, and each chunk goes to the
	// database as it is. (Many chunks in one statement, a multi-row VALUES
	// or an unnest of a bytea array, copied them over and over: a third of
	// the speed, BenchmarkRegistrySnapshot.) An empty snapshot is one empty
	// chunk, so that the version has a row.
	if err := v.t.alive(); err != nil {
		return err
	}
	st, err := v.t.q.PrepareContext(ctx, d.sql(`INSERT INTO registry_chunks (org_id, registry_id, version, seq, data) VALUES (?, ?, ?, ?, ?)`))
	if err != nil {
		return v.t.fail(ctx, op, err)
	}
	defer st.Close()
	for seq := 0; seq == 0 || seq*storage.SnapshotChunkSize < len(data); seq++ {
		chunk := data[seq*storage.SnapshotChunkSize : min(len(data), (seq+1)*storage.SnapshotChunkSize)]
		if chunk == nil {
			chunk = []byte{} // NOT NULL
		}
		if _, err := st.ExecContext(ctx, o, i, version, int64(seq), chunk); err != nil {
			return v.t.fail(ctx, op, err)
		}
	}
	return nil
}

func (v registries) ReadSnapshot(ctx context.Context, org, id uuid.UUID, version int64) ([]byte, error) {
	var out []byte
	err := v.readSnapshot(ctx, "registries.read_snapshot", org, id, version,
		// The size first, so the chunks are copied once, into a buffer of
		// the right size.
		func(size int64) { out = make([]byte, 0, size) },
		func(chunk []byte) error {
			out = append(out, chunk...)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (v registries) ReadSnapshotTo(ctx context.Context, org, id uuid.UUID, version int64, w io.Writer) error {
	return v.readSnapshot(ctx, "registries.read_snapshot_to", org, id, version, func(int64) {},
		func(chunk []byte) error {
			_, err := w.Write(chunk)
			return err
		})
}

// readSnapshot calls size with the length of a version's snapshot, then
// each with its chunks in order, in the driver's memory (valid until each
// returns); an error of each ends it and is returned as it is.
func (v registries) readSnapshot(ctx context.Context, op string, org, id uuid.UUID, version int64,
	size func(int64), each func(chunk []byte) error) error {
	d := v.t.d
	args := []any{d.id(org), d.id(id), version}
	const where = ` FROM registry_chunks WHERE org_id = ? AND registry_id = ? AND version = ?`
	// LENGTH reads no chunk's bytes on either database.
	var chunks, n int64
	if err := v.t.row(ctx, `SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0)`+where, args...).Scan(&chunks, &n); err != nil {
		return v.t.fail(ctx, op, err)
	}
	if chunks == 0 {
		return notFound(op, snapshotName(id, version))
	}
	size(n)
	rows, done, err := v.t.queryRows(ctx, `SELECT data`+where+` ORDER BY seq`, args...)
	defer done()
	if err != nil {
		return v.t.fail(ctx, op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var chunk sql.RawBytes // the driver's buffer
		if err := rows.Scan(&chunk); err != nil {
			return v.t.fail(ctx, op, err)
		}
		if err := each(chunk); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return v.t.fail(ctx, op, err)
	}
	return nil
}

func (v registries) DeleteSnapshots(ctx context.Context, org, id uuid.UUID, before int64) (int, error) {
	const op = "registries.delete_snapshots"
	d := v.t.d
	args := []any{d.id(org), d.id(id), before}
	const where = ` FROM registry_chunks WHERE org_id = ? AND registry_id = ? AND version < ?`
	var versions int
	if err := v.t.row(ctx, `SELECT COUNT(DISTINCT version)`+where, args...).Scan(&versions); err != nil {
		return 0, v.t.fail(ctx, op, err)
	}
	if _, err := v.t.exec(ctx, op, `DELETE`+where, args...); err != nil {
		return 0, err
	}
	return versions, nil
}
