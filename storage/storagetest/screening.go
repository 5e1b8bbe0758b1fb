package storagetest

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// screeningCases check storage.Blocks.ScreeningGeneration: every write
// method of Blocks, Suppressions and Registries (but the snapshot ones)
// that changes a row bumps it in its transaction, a rolled-back one does
// not, and each organisation has its own.
var screeningCases = []testCase{
	{"EveryWriteBumps", testScreeningEveryWriteBumps},
	{"RollbackKeeps", testScreeningRollbackKeeps},
	{"ListFingerprints", testSuppressionsListFingerprints},
}

// generation reads org's screening generation in a transaction of its own.
func (h *harness) generation(org uuid.UUID) int64 {
	h.t.Helper()
	var g int64
	require.NoError(h.t, h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		g, err = tx.Blocks().ScreeningGeneration(ctx, org)
		return err
	}))
	return g
}

func testScreeningEveryWriteBumps(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	require.Zero(h.t, h.generation(tn.Org.ID), "never written")
	require.Zero(h.t, h.generation(uuid.New()), "unknown organisation")
	b := h.block(tn)
	many := []lp.BlockEntry{h.block(tn), h.block(tn, func(x *lp.BlockEntry) { x.ProjectID = tn.P1.ID })}
	reg := h.registry(tn, "tps", randomBytes(64, 1))
	writes := []struct {
		name string
		fn   func(ctx context.Context, tx storage.Tx) error
	}{
		{"Blocks.Create", func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Create(ctx, b) }},
		{"Blocks.CreateMany", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Blocks().CreateMany(ctx, tn.Org.ID, many)
			return err
		}},
		{"Blocks.Update", func(ctx context.Context, tx storage.Tx) error {
			u := b
			u.ExpiresAt = b.BlockedAt.Add(time.Hour)
			return tx.Blocks().Update(ctx, u)
		}},
		{"Blocks.Delete", func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Delete(ctx, tn.Org.ID, b.ID) }},
		{"Blocks.DeleteMany", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Blocks().DeleteMany(ctx, tn.Org.ID, []uuid.UUID{many[0].ID, many[1].ID})
			return err
		}},
		{"Suppressions.Add", func(ctx context.Context, tx storage.Tx) error {
			return tx.Suppressions().Add(ctx, lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fps[0], CreatedBy: tn.Admin.ID, CreatedAt: h.now})
		}},
		{"Suppressions.Remove", func(ctx context.Context, tx storage.Tx) error {
			return tx.Suppressions().Remove(ctx, tn.Org.ID, fps[0])
		}},
		{"Registries.Create", func(ctx context.Context, tx storage.Tx) error { return tx.Registries().Create(ctx, reg) }},
		{"Registries.Update", func(ctx context.Context, tx storage.Tx) error {
			u := reg
			u.Version, u.ProjectIDs = 2, []uuid.UUID{tn.P1.ID}
			return tx.Registries().Update(ctx, u)
		}},
		{"Registries.Delete", func(ctx context.Context, tx storage.Tx) error { return tx.Registries().Delete(ctx, tn.Org.ID, reg.ID) }},
	}
	for _, w := range writes {
		before := h.generation(tn.Org.ID)
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(w.fn(ctx, tx), w.name)
			g, err := tx.Blocks().ScreeningGeneration(ctx, tn.Org.ID)
			h.noErr(err)
			require.Greater(h.t, g, before, "%s bumps the generation in its transaction", w.name)
		})
		require.Greater(h.t, h.generation(tn.Org.ID), before, "%s: the bump commits", w.name)
	}
	require.Zero(h.t, h.generation(other.Org.ID), "another organisation's writes leave it alone")
}

func testScreeningRollbackKeeps(h *harness) {
	tn := h.tenant("A")
	b := h.block(tn)
	h.addBlocks(b)
	before := h.generation(tn.Org.ID)
	require.Positive(h.t, before)
	rollback := errors.New("rollback")
	err := h.try(func(ctx context.Context, tx storage.Tx) error {
		h.noErr(tx.Blocks().Create(ctx, h.block(tn)))
		h.noErr(tx.Blocks().Delete(ctx, tn.Org.ID, b.ID))
		h.noErr(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fps[1], CreatedAt: h.now}))
		return rollback
	})
	require.ErrorIs(h.t, err, rollback)
	require.Equal(h.t, before, h.generation(tn.Org.ID), "a rolled-back write does not bump it")
}

func testSuppressionsListFingerprints(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, fp := range []phone.Fingerprint{fps[2], fps[0], fps[1]} {
			h.noErr(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fp, CreatedAt: h.now}))
		}
		h.noErr(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: other.Org.ID, Fingerprint: phone.Fingerprint{9}, CreatedAt: h.now}))
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Suppressions().ListFingerprints(ctx, tn.Org.ID, phone.Fingerprint{}, 0)
		h.noErr(err)
		require.Equal(h.t, fps, got, "ascending, the organisation's only")
		got, err = tx.Suppressions().ListFingerprints(ctx, tn.Org.ID, phone.Fingerprint{}, 2)
		h.noErr(err)
		require.Equal(h.t, fps[:2], got)
		got, err = tx.Suppressions().ListFingerprints(ctx, tn.Org.ID, got[1], 2)
		h.noErr(err)
		require.Equal(h.t, fps[2:], got, "the next page")
	})
}
