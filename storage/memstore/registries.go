package memstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type registries struct{ tx *txn }

// snapshotKey names one stored version of a registry.
type snapshotKey struct {
	registry uuid.UUID
	version  int64
}

func copyRegistry(r lp.Registry) lp.Registry {
	r.ProjectIDs = slices.Clone(r.ProjectIDs)
	r.LoadedAt = utc(r.LoadedAt)
	return r
}

// checkProjects returns ErrNotFound for the first of ids that is not a
// project of d.
func checkProjects(d *orgData, ids []uuid.UUID) error {
	for _, p := range ids {
		if _, ok := d.projects.get(p); !ok {
			return notFound("project", p)
		}
	}
	return nil
}

func (v registries) Create(ctx context.Context, r lp.Registry) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	d, err := v.tx.addTo(r.OrgID)
	if err != nil {
		return err
	}
	if err := checkProjects(d, r.ProjectIDs); err != nil {
		return err
	}
	if _, ok := d.registries[r.ID]; ok {
		return idExists("registry", r.ID)
	}
	if _, ok := d.registryNames[r.Name]; ok {
		return conflict("the organisation has a registry named " + strconv.Quote(r.Name))
	}
	set(&v.tx.undo, d.registries, r.ID, copyRegistry(r))
	set(&v.tx.undo, d.registryNames, r.Name, r.ID)
	v.tx.bumpScreening(d)
	return nil
}

func (v registries) Get(ctx context.Context, org uuid.UUID, name string) (lp.Registry, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.Registry{}, err
	}
	d := v.tx.org(org)
	id, ok := d.registryNames[name]
	if !ok {
		return lp.Registry{}, fmt.Errorf("%w: registry %q", lp.ErrNotFound, name)
	}
	return copyRegistry(d.registries[id]), nil
}

func (v registries) List(ctx context.Context, org uuid.UUID) ([]lp.Registry, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	out := make([]lp.Registry, 0, len(d.registries))
	for _, r := range d.registries {
		out = append(out, copyRegistry(r))
	}
	slices.SortFunc(out, func(a, b lp.Registry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (v registries) Update(ctx context.Context, r lp.Registry) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(r.OrgID)
	old, ok := d.registries[r.ID]
	if !ok {
		return notFound("registry", r.ID)
	}
	if old.Name != r.Name {
		return &lp.FieldError{Field: "Registry.Name", Reason: "cannot change"}
	}
	if err := checkProjects(d, r.ProjectIDs); err != nil {
		return err
	}
	set(&v.tx.undo, d.registries, r.ID, copyRegistry(r))
	v.tx.bumpScreening(d)
	return nil
}

func (v registries) Delete(ctx context.Context, org, id uuid.UUID) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	d := v.tx.writeOrg(org)
	r, ok := d.registries[id]
	if !ok {
		return notFound("registry", id)
	}
	del(&v.tx.undo, d.registries, id)
	del(&v.tx.undo, d.registryNames, r.Name)
	v.deleteSnapshots(d, id, func(int64) bool { return true })
	v.tx.bumpScreening(d)
	return nil
}

// deleteSnapshots removes the snapshots of registry id whose version drop
// accepts, and returns how many it removed.
func (v registries) deleteSnapshots(d *orgData, id uuid.UUID, drop func(version int64) bool) int {
	n := 0
	for k := range d.snapshots {
		if k.registry == id && drop(k.version) {
			del(&v.tx.undo, d.snapshots, k)
			n++
		}
	}
	return n
}

func (v registries) WriteSnapshot(ctx context.Context, org, id uuid.UUID, version int64, data []byte) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if version < 1 {
		return &lp.FieldError{Field: "version", Reason: "must be at least 1"}
	}
	d := v.tx.writeOrg(org)
	if _, ok := d.registries[id]; !ok {
		return notFound("registry", id)
	}
	k := snapshotKey{id, version}
	if _, ok := d.snapshots[k]; ok {
		return conflict(fmt.Sprintf("snapshot of registry %s version %d exists", id, version))
	}
	// Chunked as SQL adapters store it, so the memory store exercises the
	// same reassembly in ReadSnapshot.
	var chunks [][]byte
	for rest := data; len(rest) > 0; {
		n := min(len(rest), storage.SnapshotChunkSize)
		chunks = append(chunks, bytes.Clone(rest[:n]))
		rest = rest[n:]
	}
	set(&v.tx.undo, d.snapshots, k, chunks)
	return nil
}

func (v registries) ReadSnapshot(ctx context.Context, org, id uuid.UUID, version int64) ([]byte, error) {
	chunks, err := v.chunks(ctx, org, id, version)
	if err != nil {
		return nil, err
	}
	return bytes.Join(chunks, nil), nil
}

func (v registries) ReadSnapshotTo(ctx context.Context, org, id uuid.UUID, version int64, w io.Writer) error {
	chunks, err := v.chunks(ctx, org, id, version)
	if err != nil {
		return err
	}
	for _, c := range chunks {
		if _, err := w.Write(c); err != nil {
			return err
		}
	}
	return nil
}

// chunks returns the stored chunks of a version's snapshot, which the
// caller must not change.
func (v registries) chunks(ctx context.Context, org, id uuid.UUID, version int64) ([][]byte, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	chunks, ok := v.tx.org(org).snapshots[snapshotKey{id, version}]
	if !ok {
		return nil, fmt.Errorf("%w: snapshot of registry %s version %d", lp.ErrNotFound, id, version)
	}
	return chunks, nil
}

func (v registries) DeleteSnapshots(ctx context.Context, org, id uuid.UUID, before int64) (int, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return 0, err
	}
	return v.deleteSnapshots(v.tx.writeOrg(org), id, func(version int64) bool { return version < before }), nil
}
