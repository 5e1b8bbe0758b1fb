package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

var registryCases = []testCase{
	{"CreateGetList", testRegistryCreateGetList},
	{"CreateRefused", testRegistryCreateRefused},
	{"Update", testRegistryUpdate},
	{"Delete", testRegistryDelete},
	{"SnapshotRoundTrip", testSnapshotRoundTrip},
	{"SnapshotRefused", testSnapshotRefused},
	{"DeleteSnapshots", testDeleteSnapshots},
	{"Rollback", testRegistryRollback},
	{"AtomicSwitch", testRegistryAtomicSwitch},
	{"ConcurrentSwitches", testRegistryConcurrentSwitches},
	{"Tenants", testRegistryTenants},
}

// registry builds (does not store) an organisation-wide registry at
// version 1 whose row describes data, the snapshot of that version.
func (h *harness) registry(tn tenant, name string, data []byte, mods ...func(*lp.Registry)) lp.Registry {
	r := lp.Registry{OrgID: tn.Org.ID, ID: uuid.New(), Name: name, Version: 1, Count: int64(len(data) / 8),
		Hash: sha256.Sum256(data), Size: int64(len(data)), LoadedBy: tn.Admin.ID, LoadedAt: h.now}
	for _, m := range mods {
		m(&r)
	}
	return r
}

// addRegistry stores r and data as the snapshot of r.Version, in one
// transaction, as a load does.
func (h *harness) addRegistry(r lp.Registry, data []byte) {
	h.t.Helper()
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Registries().Create(ctx, r))
		h.noErr(tx.Registries().WriteSnapshot(ctx, r.OrgID, r.ID, r.Version, data))
	})
}

// randomBytes returns n bytes of a fixed pseudo-random sequence: every
// byte value, none of them compressible.
func randomBytes(n int, seed uint64) []byte {
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	out := make([]byte, n)
	_, _ = rng.Read(out) // never fails
	return out
}

// getRegistry reads the organisation's registry named name in its own
// transaction.
func (h *harness) getRegistry(org uuid.UUID, name string) (lp.Registry, error) {
	var r lp.Registry
	err := h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		r, err = tx.Registries().Get(ctx, org, name)
		return err
	})
	return r, err
}

// readSnapshot reads a snapshot in its own transaction.
func (h *harness) readSnapshot(org, id uuid.UUID, version int64) ([]byte, error) {
	var data []byte
	err := h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		data, err = tx.Registries().ReadSnapshot(ctx, org, id, version)
		return err
	})
	return data, err
}

// requireSnapshot fails unless the stored snapshot is exactly want.
func (h *harness) requireSnapshot(org, id uuid.UUID, version int64, want []byte) {
	h.t.Helper()
	got, err := h.readSnapshot(org, id, version)
	h.noErr(err, "snapshot of version %d", version)
	require.Len(h.t, got, len(want), "snapshot of version %d", version)
	require.True(h.t, sha256.Sum256(got) == sha256.Sum256(want), "snapshot of version %d differs from the bytes written", version)
}

func testRegistryCreateGetList(h *harness) {
	tn := h.tenant("A")
	// Stored out of name order; scopes in an order that is not the ids'.
	tps := h.registry(tn, "tps", nil, func(r *lp.Registry) { r.ProjectIDs = []uuid.UUID{tn.P2.ID, tn.P1.ID} })
	if cmpID(tn.P2.ID, tn.P1.ID) < 0 {
		tps.ProjectIDs = []uuid.UUID{tn.P1.ID, tn.P2.ID}
	}
	nix := h.registry(tn, "nix", nil, func(r *lp.Registry) {
		r.Version, r.Count, r.Size, r.Hash = 7, 20_000_000, 1<<30, [32]byte{0: 0xff, 31: 1}
	})
	dnc := h.registry(tn, "dnc", nil, func(r *lp.Registry) { r.ProjectIDs = []uuid.UUID{tn.P2.ID} })
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, r := range []lp.Registry{tps, nix, dnc} {
			h.noErr(tx.Registries().Create(ctx, r))
		}
		// Read in the writing transaction too.
		got, err := tx.Registries().Get(ctx, tn.Org.ID, "tps")
		h.noErr(err)
		require.Equal(h.t, tps, got)
	})
	for _, want := range []lp.Registry{tps, nix, dnc} {
		got, err := h.getRegistry(tn.Org.ID, want.Name)
		h.noErr(err)
		require.Equal(h.t, want, got, "the registry as created, scope in its order")
	}
	_, err := h.getRegistry(tn.Org.ID, "absent")
	h.is(err, lp.ErrNotFound)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Registries().List(ctx, tn.Org.ID)
		h.noErr(err)
		require.Equal(h.t, []lp.Registry{dnc, nix, tps}, got, "ordered by name")
		got, err = tx.Registries().List(ctx, uuid.New())
		h.noErr(err)
		require.Empty(h.t, got, "an unknown organisation has no registries")
	})
}

// testRegistryCreateRefused creates registries that must be refused, each
// with the transaction going on after the refusal: nothing of them is
// stored.
func testRegistryCreateRefused(h *harness) {
	tn := h.tenant("A")
	b := h.tenant("B")
	tps := h.registry(tn, "tps", nil)
	h.addRegistry(tps, nil)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		sameID := h.registry(tn, "other", nil, func(r *lp.Registry) { r.ID = tps.ID })
		h.is(tx.Registries().Create(ctx, sameID), lp.ErrConflict, "id taken")
		h.is(tx.Registries().Create(ctx, h.registry(tn, "tps", nil)), lp.ErrConflict, "name taken")
		h.is(tx.Registries().Create(ctx, h.registry(tn, "scoped", nil, func(r *lp.Registry) {
			r.ProjectIDs = []uuid.UUID{tn.P1.ID, uuid.New()}
		})), lp.ErrNotFound, "project missing")
		h.is(tx.Registries().Create(ctx, h.registry(tn, "foreign", nil, func(r *lp.Registry) {
			r.ProjectIDs = []uuid.UUID{b.P1.ID}
		})), lp.ErrNotFound, "another organisation's project")
		h.is(tx.Registries().Create(ctx, h.registry(tn, "orgless", nil, func(r *lp.Registry) { r.OrgID = uuid.New() })),
			lp.ErrNotFound, "organisation missing")
		for name, bad := range map[string]func(*lp.Registry){
			"name":          func(r *lp.Registry) { r.Name = "Not A Code" },
			"version":       func(r *lp.Registry) { r.Version = 0 },
			"twice listed":  func(r *lp.Registry) { r.ProjectIDs = []uuid.UUID{tn.P1.ID, tn.P1.ID} },
			"loaded by":     func(r *lp.Registry) { r.LoadedBy = uuid.Nil },
			"negative size": func(r *lp.Registry) { r.Size = -1 },
		} {
			h.is(tx.Registries().Create(ctx, h.registry(tn, "bad", nil, bad)), lp.ErrInvalidArgument, name)
		}
		// The transaction is still usable after the refusals.
		got, err := tx.Registries().List(ctx, tn.Org.ID)
		h.noErr(err)
		require.Equal(h.t, []lp.Registry{tps}, got)
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Registries().List(ctx, tn.Org.ID)
		h.noErr(err)
		require.Equal(h.t, []lp.Registry{tps}, got, "a refused Create stored something")
		// A name is unique per organisation only.
		h.noErr(tx.Registries().Create(ctx, h.registry(b, "tps", nil)))
	})
}

func testRegistryUpdate(h *harness) {
	tn := h.tenant("A")
	r := h.registry(tn, "tps", nil, func(r *lp.Registry) { r.ProjectIDs = []uuid.UUID{tn.P1.ID} })
	h.addRegistry(r, nil)
	steps := []func(*lp.Registry){
		func(x *lp.Registry) { // a new version, scope widened in reverse order
			x.Version, x.Count, x.Size, x.Hash = 2, 99, 1234, sha256.Sum256([]byte("v2"))
			x.LoadedBy, x.LoadedAt = tn.Agent1.ID, h.now.Add(3*time.Second)
			x.ProjectIDs = []uuid.UUID{tn.P2.ID, tn.P1.ID}
		},
		func(x *lp.Registry) { x.ProjectIDs = nil }, // organisation-wide
		func(x *lp.Registry) { x.ProjectIDs = []uuid.UUID{tn.P2.ID} },
	}
	for i, step := range steps {
		step(&r)
		h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Registries().Update(ctx, r)) })
		got, err := h.getRegistry(tn.Org.ID, "tps")
		h.noErr(err)
		require.Equal(h.t, r, got, "after step %d", i)
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		renamed := r
		renamed.Name = "nix"
		h.is(tx.Registries().Update(ctx, renamed), lp.ErrInvalidArgument, "Update renames")
		missing := h.registry(tn, "gone", nil)
		h.is(tx.Registries().Update(ctx, missing), lp.ErrNotFound, "no such registry")
		scoped := r
		scoped.Version, scoped.ProjectIDs = 3, []uuid.UUID{tn.P1.ID, uuid.New()}
		h.is(tx.Registries().Update(ctx, scoped), lp.ErrNotFound, "project missing")
		bad := r
		bad.Count = -1
		h.is(tx.Registries().Update(ctx, bad), lp.ErrInvalidArgument)
		got, err := tx.Registries().Get(ctx, tn.Org.ID, "tps")
		h.noErr(err, "the transaction is usable after refusals")
		require.Equal(h.t, r, got, "a refused Update changed the registry")
	})
}

func testRegistryDelete(h *harness) {
	tn := h.tenant("A")
	data := randomBytes(storage.SnapshotChunkSize+10, 1)
	r := h.registry(tn, "tps", data, func(r *lp.Registry) { r.ProjectIDs = []uuid.UUID{tn.P1.ID} })
	keep := h.registry(tn, "nix", data)
	h.addRegistry(r, data)
	h.addRegistry(keep, data)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Registries().WriteSnapshot(ctx, tn.Org.ID, r.ID, 2, data[:10]))
		h.noErr(tx.Registries().Delete(ctx, tn.Org.ID, r.ID))
		h.is(tx.Registries().Delete(ctx, tn.Org.ID, r.ID), lp.ErrNotFound, "deleted twice")
		_, err := tx.Registries().Get(ctx, tn.Org.ID, "tps")
		h.is(err, lp.ErrNotFound)
	})
	for v := range int64(3) {
		_, err := h.readSnapshot(tn.Org.ID, r.ID, v)
		h.is(err, lp.ErrNotFound, "a snapshot of a deleted registry, version %d", v)
	}
	h.requireSnapshot(tn.Org.ID, keep.ID, 1, data)
	// The name and even the id are free again, with no snapshot.
	again := h.registry(tn, "tps", nil, func(x *lp.Registry) { x.ID = r.ID })
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Registries().Create(ctx, again))
		_, err := tx.Registries().ReadSnapshot(ctx, tn.Org.ID, r.ID, 1)
		h.is(err, lp.ErrNotFound, "a snapshot of the deleted registry came back")
		h.noErr(tx.Registries().WriteSnapshot(ctx, tn.Org.ID, r.ID, 1, data[:3]))
	})
	h.requireSnapshot(tn.Org.ID, r.ID, 1, data[:3])
}

// testSnapshotRoundTrip writes snapshots of the sizes around the chunk
// size, each as a version of one registry, and reads back exactly their
// bytes, in memory of the reader's own.
func testSnapshotRoundTrip(h *harness) {
	tn := h.tenant("A")
	c := storage.SnapshotChunkSize
	sizes := []int{0, 1, c - 1, c, c + 1, 2*c + 1, 7 * c / 2}
	r := h.registry(tn, "tps", nil)
	h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Registries().Create(ctx, r)) })
	data := make([][]byte, len(sizes))
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for i, n := range sizes {
			data[i] = randomBytes(n, uint64(i))
			h.noErr(tx.Registries().WriteSnapshot(ctx, tn.Org.ID, r.ID, int64(i+1), data[i]), "size %d", n)
		}
		got, err := tx.Registries().ReadSnapshot(ctx, tn.Org.ID, r.ID, 5)
		h.noErr(err)
		require.Equal(h.t, data[4], got, "read in the writing transaction")
	})
	for i, n := range sizes {
		got, err := h.readSnapshot(tn.Org.ID, r.ID, int64(i+1))
		h.noErr(err, "size %d", n)
		require.Len(h.t, got, n)
		require.True(h.t, sha256.Sum256(got) == sha256.Sum256(data[i]), "size %d: bytes differ", n)
		if n == 0 {
			require.NotNil(h.t, got, "an empty snapshot is stored, not missing")
		}
		want := bytes.Clone(data[i])
		clear(got) // the caller's memory: the store keeps its own
		h.requireSnapshot(tn.Org.ID, r.ID, int64(i+1), want)

		// ReadSnapshotTo: the same bytes, in order, a chunk a Write; a
		// Write's error ends the read and comes back as it is.
		h.tx(func(ctx context.Context, tx storage.Tx) {
			var w chunkWriter
			h.noErr(tx.Registries().ReadSnapshotTo(ctx, tn.Org.ID, r.ID, int64(i+1), &w), "size %d", n)
			require.True(h.t, sha256.Sum256(bytes.Join(w.chunks, nil)) == sha256.Sum256(want), "size %d: ReadSnapshotTo's bytes differ", n)
			for _, chunk := range w.chunks {
				require.LessOrEqual(h.t, len(chunk), c, "size %d: a Write of more than a chunk", n)
			}
			if n > 0 {
				stop := chunkWriter{err: errStopWrites}
				err := tx.Registries().ReadSnapshotTo(ctx, tn.Org.ID, r.ID, int64(i+1), &stop)
				require.ErrorIs(h.t, err, errStopWrites, "size %d: the writer's error", n)
				require.Len(h.t, stop.chunks, 1, "size %d: Writes after the writer's error", n)
			}
		})
	}
}

// errStopWrites is the error a chunkWriter may return.
var errStopWrites = errors.New("the writer stops")

// chunkWriter keeps a copy of each Write's bytes and returns err.
type chunkWriter struct {
	chunks [][]byte
	err    error
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.chunks = append(w.chunks, bytes.Clone(p))
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

func testSnapshotRefused(h *harness) {
	tn := h.tenant("A")
	v1 := randomBytes(100, 1)
	r := h.registry(tn, "tps", v1)
	h.addRegistry(r, v1)
	org := tn.Org.ID
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.is(tx.Registries().WriteSnapshot(ctx, org, r.ID, 1, randomBytes(5, 2)), lp.ErrConflict, "version 1 again")
		h.is(tx.Registries().WriteSnapshot(ctx, org, r.ID, 1, nil), lp.ErrConflict, "version 1 again, empty")
		h.is(tx.Registries().WriteSnapshot(ctx, org, r.ID, 0, v1), lp.ErrInvalidArgument, "version 0")
		h.is(tx.Registries().WriteSnapshot(ctx, org, r.ID, -1, v1), lp.ErrInvalidArgument, "version -1")
		h.is(tx.Registries().WriteSnapshot(ctx, org, uuid.New(), 1, v1), lp.ErrNotFound, "no such registry")
		_, err := tx.Registries().ReadSnapshot(ctx, org, r.ID, 2)
		h.is(err, lp.ErrNotFound, "version never written")
		_, err = tx.Registries().ReadSnapshot(ctx, org, uuid.New(), 1)
		h.is(err, lp.ErrNotFound, "no such registry")
		got, err := tx.Registries().ReadSnapshot(ctx, org, r.ID, 1)
		h.noErr(err, "the transaction is usable after refusals")
		require.Equal(h.t, v1, got, "a refused write changed the snapshot")
	})
	h.requireSnapshot(org, r.ID, 1, v1)
}

func testDeleteSnapshots(h *harness) {
	tn := h.tenant("A")
	org := tn.Org.ID
	r := h.registry(tn, "tps", nil)
	other := h.registry(tn, "nix", nil)
	data := map[int64][]byte{}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Registries().Create(ctx, r))
		h.noErr(tx.Registries().Create(ctx, other))
		for v := int64(1); v <= 4; v++ {
			data[v] = randomBytes(int(v)*3*storage.SnapshotChunkSize/4, uint64(v)) // version 2: two chunks
			h.noErr(tx.Registries().WriteSnapshot(ctx, org, r.ID, v, data[v]))
			h.noErr(tx.Registries().WriteSnapshot(ctx, org, other.ID, v, data[v][:1]))
		}
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Registries().DeleteSnapshots(ctx, org, r.ID, 3)
		h.noErr(err)
		require.Equal(h.t, 2, n, "versions 1 and 2 removed")
		n, err = tx.Registries().DeleteSnapshots(ctx, org, r.ID, 3)
		h.noErr(err)
		require.Zero(h.t, n, "nothing left below 3")
		n, err = tx.Registries().DeleteSnapshots(ctx, org, uuid.New(), 3)
		h.noErr(err)
		require.Zero(h.t, n, "no such registry")
	})
	for v := int64(1); v <= 4; v++ {
		if v < 3 {
			_, err := h.readSnapshot(org, r.ID, v)
			h.is(err, lp.ErrNotFound, "version %d", v)
		} else {
			h.requireSnapshot(org, r.ID, v, data[v])
		}
		h.requireSnapshot(org, other.ID, v, data[v][:1]) // another registry's versions stay
	}
}

// testRegistryRollback loads a registry and then a second version in
// transactions that fail: nothing of either remains.
func testRegistryRollback(h *harness) {
	tn := h.tenant("A")
	org := tn.Org.ID
	v1, v2 := randomBytes(storage.SnapshotChunkSize+1, 1), randomBytes(3, 2)
	r := h.registry(tn, "tps", v1)
	err := h.try(func(ctx context.Context, tx storage.Tx) error {
		h.noErr(tx.Registries().Create(ctx, r))
		h.noErr(tx.Registries().WriteSnapshot(ctx, org, r.ID, 1, v1))
		return errBoom
	})
	require.ErrorIs(h.t, err, errBoom)
	_, err = h.getRegistry(org, "tps")
	h.is(err, lp.ErrNotFound, "a rolled back Create")
	_, err = h.readSnapshot(org, r.ID, 1)
	h.is(err, lp.ErrNotFound, "a rolled back WriteSnapshot")

	h.addRegistry(r, v1)
	err = h.try(func(ctx context.Context, tx storage.Tx) error {
		next := r
		next.Version, next.Size, next.Hash = 2, int64(len(v2)), sha256.Sum256(v2)
		h.noErr(tx.Registries().WriteSnapshot(ctx, org, r.ID, 2, v2))
		h.noErr(tx.Registries().Update(ctx, next))
		n, err := tx.Registries().DeleteSnapshots(ctx, org, r.ID, 2)
		h.noErr(err)
		require.Equal(h.t, 1, n)
		h.noErr(tx.Registries().Delete(ctx, org, r.ID))
		return errBoom
	})
	require.ErrorIs(h.t, err, errBoom)
	got, err := h.getRegistry(org, "tps")
	h.noErr(err)
	require.Equal(h.t, r, got, "a rolled back Update and Delete")
	h.requireSnapshot(org, r.ID, 1, v1)
	_, err = h.readSnapshot(org, r.ID, 2)
	h.is(err, lp.ErrNotFound, "a rolled back WriteSnapshot of version 2")
}

// testRegistryAtomicSwitch reads a registry in a View that began before a
// transaction switching it to version 2 (new snapshot, row updated, old
// snapshot removed) committed: the View sees version 1's row and snapshot
// throughout, and the next View version 2's, never a mix. A store that
// serialises transactions (memstore) makes the writer wait for the View.
func testRegistryAtomicSwitch(h *harness) {
	tn := h.tenant("A")
	org := tn.Org.ID
	v1, v2 := randomBytes(storage.SnapshotChunkSize+100, 1), randomBytes(storage.SnapshotChunkSize/2, 2)
	r1 := h.registry(tn, "tps", v1)
	h.addRegistry(r1, v1)
	r2 := r1
	r2.Version, r2.Size, r2.Hash, r2.LoadedAt = 2, int64(len(v2)), sha256.Sum256(v2), h.now.Add(time.Second)

	// readBoth reads the row and its version's snapshot, and checks that
	// they belong together.
	readBoth := func(ctx context.Context, tx storage.Tx) lp.Registry {
		got, err := tx.Registries().Get(ctx, org, "tps")
		h.noErr(err)
		data, err := tx.Registries().ReadSnapshot(ctx, org, got.ID, got.Version)
		h.noErr(err, "the snapshot of the version the row names")
		require.True(h.t, sha256.Sum256(data) == got.Hash, "the snapshot is not the one the row describes")
		return got
	}
	started, committed := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		defer close(committed)
		<-started
		writeErr = h.s.WithTx(h.ctx, func(ctx context.Context, tx storage.Tx) error {
			if err := tx.Registries().WriteSnapshot(ctx, org, r1.ID, 2, v2); err != nil {
				return err
			}
			if err := tx.Registries().Update(ctx, r2); err != nil {
				return err
			}
			_, err := tx.Registries().DeleteSnapshots(ctx, org, r1.ID, 2)
			return err
		})
	})
	h.noErr(h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		require.Equal(h.t, r1, readBoth(ctx, tx), "before the switch")
		close(started)
		select {
		case <-committed:
		case <-time.After(overlapPatience):
		}
		require.Equal(h.t, r1, readBoth(ctx, tx), "a View that began before the switch")
		return nil
	}))
	wg.Wait()
	h.noErr(writeErr)
	h.noErr(h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		require.Equal(h.t, r2, readBoth(ctx, tx), "after the switch")
		return nil
	}))
	_, err := h.readSnapshot(org, r1.ID, 1)
	h.is(err, lp.ErrNotFound, "version 1 removed by the switch")
}

// testRegistryConcurrentSwitches switches a registry to new versions, each
// in one transaction that writes the snapshot, updates the row and removes
// the older snapshots, while readers keep reading the row and the snapshot
// it names in Views: every reader always finds that snapshot, with the
// content hash the row gives, and never sees the version go back.
func testRegistryConcurrentSwitches(h *harness) {
	tn := h.tenant("A")
	org := tn.Org.ID
	const versions, readers = 6, 3
	data := make([][]byte, versions+1)
	for v := 1; v <= versions; v++ {
		data[v] = randomBytes(1000+v, uint64(v)) // small: the readers read many
	}
	r := h.registry(tn, "tps", data[1])
	h.addRegistry(r, data[1])
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, versions+readers)
	wg.Go(func() {
		defer close(done)
		for v := int64(2); v <= versions; v++ {
			next := r
			next.Version, next.Size, next.Hash = v, int64(len(data[v])), sha256.Sum256(data[v])
			errs <- h.s.WithTx(h.ctx, func(ctx context.Context, tx storage.Tx) error {
				if err := tx.Registries().WriteSnapshot(ctx, org, r.ID, v, data[v]); err != nil {
					return err
				}
				if err := tx.Registries().Update(ctx, next); err != nil {
					return err
				}
				_, err := tx.Registries().DeleteSnapshots(ctx, org, r.ID, v)
				return err
			})
		}
	})
	for range readers {
		wg.Go(func() {
			seen := int64(0)
			for {
				select {
				case <-done:
					errs <- nil
					return
				case <-time.After(time.Millisecond): // leave the writer a core
				}
				err := h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
					got, err := tx.Registries().Get(ctx, org, "tps")
					if err != nil {
						return err
					}
					snap, err := tx.Registries().ReadSnapshot(ctx, org, r.ID, got.Version)
					switch {
					case err != nil:
						return fmt.Errorf("the snapshot of version %d the row names: %w", got.Version, err)
					case sha256.Sum256(snap) != got.Hash:
						return fmt.Errorf("version %d: the snapshot is not the one the row describes", got.Version)
					case got.Version < seen:
						return fmt.Errorf("version %d read after version %d", got.Version, seen)
					}
					seen = got.Version
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		h.noErr(err)
	}
	got, err := h.getRegistry(org, "tps")
	h.noErr(err)
	require.EqualValues(h.t, versions, got.Version)
	h.requireSnapshot(org, r.ID, versions, data[versions])
}

// testRegistryTenants uses another organisation's registry ids and names:
// each is ErrNotFound, and nothing of the other organisation changes.
func testRegistryTenants(h *harness) {
	a, b := h.tenant("A"), h.tenant("B")
	data := randomBytes(10, 1)
	ra := h.registry(a, "tps", data, func(r *lp.Registry) { r.ProjectIDs = []uuid.UUID{a.P1.ID} })
	h.addRegistry(ra, data)
	org := b.Org.ID
	h.tx(func(ctx context.Context, tx storage.Tx) {
		_, err := tx.Registries().Get(ctx, org, "tps")
		h.is(err, lp.ErrNotFound)
		got, err := tx.Registries().List(ctx, org)
		h.noErr(err)
		require.Empty(h.t, got)
		asB := ra
		asB.OrgID, asB.ProjectIDs = org, nil
		h.is(tx.Registries().Update(ctx, asB), lp.ErrNotFound)
		h.is(tx.Registries().Delete(ctx, org, ra.ID), lp.ErrNotFound)
		h.is(tx.Registries().WriteSnapshot(ctx, org, ra.ID, 2, data), lp.ErrNotFound)
		_, err = tx.Registries().ReadSnapshot(ctx, org, ra.ID, 1)
		h.is(err, lp.ErrNotFound)
		n, err := tx.Registries().DeleteSnapshots(ctx, org, ra.ID, 5)
		h.noErr(err)
		require.Zero(h.t, n)
		// B's registry of the same id and name is B's own.
		h.noErr(tx.Registries().Create(ctx, asB))
		h.noErr(tx.Registries().WriteSnapshot(ctx, org, ra.ID, 1, data[:2]))
		h.noErr(tx.Registries().Delete(ctx, org, ra.ID))
	})
	got, err := h.getRegistry(a.Org.ID, "tps")
	h.noErr(err)
	require.Equal(h.t, ra, got)
	h.requireSnapshot(a.Org.ID, ra.ID, 1, data)
}
