package storagetest

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

var erasureCases = []testCase{
	{"AddGet", testErasureAddGet},
	{"RefsExact", testErasureRefsExact},
	{"List", testErasureList},
	{"Update", testErasureUpdate},
	{"Delete", testErasureDelete},
	{"Tenants", testErasureTenants},
	{"ReadOnly", testErasureReadOnly},
}

// erasure builds (does not store) a pending erasure of a lead, due at once.
func (h *harness) erasure(tn tenant, mods ...func(*lp.PendingErasure)) lp.PendingErasure {
	e := lp.PendingErasure{OrgID: tn.Org.ID, ID: uuid.New(), LeadID: uuid.New(), Eraser: "recordings",
		RecordingRefs: []string{"rec/" + uuid.NewString(), "rec/" + uuid.NewString()}, CreatedAt: h.now}
	for _, m := range mods {
		m(&e)
	}
	return e
}

func (h *harness) addErasures(es ...lp.PendingErasure) {
	h.t.Helper()
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, e := range es {
			h.noErr(tx.Erasures().Add(ctx, e))
		}
	})
}

// normErasure makes an erasure comparable across adapters: no references
// as nil.
func normErasure(e lp.PendingErasure) lp.PendingErasure {
	if len(e.RecordingRefs) == 0 {
		e.RecordingRefs = nil
	}
	return e
}

func normErasures(es []lp.PendingErasure) []lp.PendingErasure {
	if len(es) == 0 {
		return nil
	}
	out := make([]lp.PendingErasure, len(es))
	for i, e := range es {
		out[i] = normErasure(e)
	}
	return out
}

func erasureID(e lp.PendingErasure) uuid.UUID { return e.ID }

// getErasure reads a pending erasure in its own transaction.
func (h *harness) getErasure(org, id uuid.UUID) (lp.PendingErasure, error) {
	var e lp.PendingErasure
	err := h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		e, err = tx.Erasures().Get(ctx, org, id)
		return err
	})
	return normErasure(e), err
}

func testErasureAddGet(h *harness) {
	tn := h.tenant("A")
	e := h.erasure(tn, func(e *lp.PendingErasure) {
		e.Attempts, e.LastError, e.NextAttemptAt = 3, "recording store: 503", h.now.Add(time.Minute)
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Erasures().Add(ctx, e))
		got, err := tx.Erasures().Get(ctx, tn.Org.ID, e.ID)
		h.noErr(err)
		require.Equal(h.t, e, got, "read in the writing transaction")
		h.is(tx.Erasures().Add(ctx, e), lp.ErrConflict, "id taken")
		h.is(tx.Erasures().Add(ctx, h.erasure(tn, func(x *lp.PendingErasure) { x.ID = e.ID; x.Eraser = "crm" })), lp.ErrConflict, "id taken, other content")
		h.is(tx.Erasures().Add(ctx, h.erasure(tn, func(x *lp.PendingErasure) { x.OrgID = uuid.New() })), lp.ErrNotFound, "organisation missing")
		for name, bad := range map[string]func(*lp.PendingErasure){
			"lead":          func(x *lp.PendingErasure) { x.LeadID = uuid.Nil },
			"eraser":        func(x *lp.PendingErasure) { x.Eraser = "Recordings!" },
			"attempts":      func(x *lp.PendingErasure) { x.Attempts = -1 },
			"created":       func(x *lp.PendingErasure) { x.CreatedAt = time.Time{} },
			"NUL in a ref":  func(x *lp.PendingErasure) { x.RecordingRefs = []string{"rec/\x00"} },
			"ref too long":  func(x *lp.PendingErasure) { x.RecordingRefs = []string{strings.Repeat("r", lp.MaxTextLen+1)} },
			"invalid UTF-8": func(x *lp.PendingErasure) { x.RecordingRefs = []string{"rec/\xff"} },
		} {
			h.is(tx.Erasures().Add(ctx, h.erasure(tn, bad)), lp.ErrInvalidArgument, name)
		}
		_, err = tx.Erasures().Get(ctx, tn.Org.ID, uuid.New())
		h.is(err, lp.ErrNotFound)
	})
	got, err := h.getErasure(tn.Org.ID, e.ID)
	h.noErr(err)
	require.Equal(h.t, e, got)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		all, err := tx.Erasures().List(ctx, tn.Org.ID, time.Time{}, storage.Page{})
		h.noErr(err)
		require.Equal(h.t, []lp.PendingErasure{e}, normErasures(all), "a refused Add stored something")
	})
}

// testErasureRefsExact stores recording references that a text encoding
// could change (unicode, quotes, escapes, separators, the longest allowed)
// and reads them back exactly, in order; no references and an empty list
// both come back as none.
func testErasureRefsExact(h *harness) {
	tn := h.tenant("A")
	longest := strings.Repeat("é", lp.MaxTextLen/2) // 2 bytes each: MaxTextLen bytes
	lists := [][]string{
		nil,
		{},
		{""},
		{"", ""},
		{longest},
		{longest, "a", longest},
		{"s3://rec/æøå/日本語/😀.wav", `quote " backslash \ slash /`, "tab\tnewline\n\r", "\u2028\u2029\u0001\u007f",
			"<script>&amp;</script>", "[\"not\",\"json\"]", ",", "null", "\U0010FFFF", "e\u0301 é"},
	}
	es := make([]lp.PendingErasure, len(lists))
	for i, refs := range lists {
		es[i] = h.erasure(tn, func(e *lp.PendingErasure) { e.RecordingRefs = refs })
	}
	h.addErasures(es...)
	for i, e := range es {
		got, err := h.getErasure(tn.Org.ID, e.ID)
		h.noErr(err)
		require.Equal(h.t, normErasure(e), got, "list %d", i)
	}
	// Unchanged references are accepted by Update as the same, in either
	// form of no references.
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for i, e := range es {
			e.Attempts = 1
			if len(e.RecordingRefs) == 0 {
				e.RecordingRefs = lists[1-i%2] // nil for {}, {} for nil
			}
			h.noErr(tx.Erasures().Update(ctx, e), "list %d", i)
		}
	})
}

func testErasureList(h *harness) {
	tn := h.tenant("A")
	due := h.now
	es := []lp.PendingErasure{
		h.erasure(tn), // zero NextAttemptAt: due at once
		h.erasure(tn, func(e *lp.PendingErasure) { e.NextAttemptAt = due.Add(-time.Hour) }),
		h.erasure(tn, func(e *lp.PendingErasure) { e.NextAttemptAt = due }), // not after dueAt
		h.erasure(tn, func(e *lp.PendingErasure) { e.NextAttemptAt = due.Add(time.Microsecond) }),
		h.erasure(tn, func(e *lp.PendingErasure) { e.NextAttemptAt = due.Add(time.Hour); e.Attempts = 4 }),
	}
	h.addErasures(es...)
	h.addErasures(h.erasure(h.tenant("B"))) // another organisation's, never listed
	byID := map[uuid.UUID]lp.PendingErasure{}
	for _, e := range es {
		byID[e.ID] = e
	}
	want := func(keep ...int) []lp.PendingErasure {
		var ids []uuid.UUID
		for _, i := range keep {
			ids = append(ids, es[i].ID)
		}
		var out []lp.PendingErasure
		for _, id := range sorted(ids...) {
			out = append(out, byID[id])
		}
		return out
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		list := func(dueAt time.Time) []lp.PendingErasure {
			return normErasures(listAll(h, func(p storage.Page) ([]lp.PendingErasure, error) {
				return tx.Erasures().List(ctx, tn.Org.ID, dueAt, p)
			}, erasureID))
		}
		require.Equal(h.t, want(0, 1, 2, 3, 4), list(time.Time{}), "a zero dueAt lists every one")
		require.Equal(h.t, want(0, 1, 2), list(due), "due at dueAt")
		require.Equal(h.t, want(0, 1, 2, 3), list(due.Add(time.Minute)))
		require.Equal(h.t, want(0), list(due.Add(-2*time.Hour)), "only the one due at once")
		got, err := tx.Erasures().List(ctx, tn.Org.ID, time.Time{}, storage.Page{Limit: 1})
		h.noErr(err)
		require.Equal(h.t, want(0, 1, 2, 3, 4)[:1], normErasures(got), "Limit")
		_, err = tx.Erasures().List(ctx, tn.Org.ID, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), storage.Page{})
		h.is(err, lp.ErrInvalidArgument, "a dueAt no database holds")
		got, err = tx.Erasures().List(ctx, uuid.New(), time.Time{}, storage.Page{})
		h.noErr(err)
		require.Empty(h.t, got)
	})
}

func testErasureUpdate(h *harness) {
	tn := h.tenant("A")
	e := h.erasure(tn)
	h.addErasures(e)
	for i, step := range []func(*lp.PendingErasure){
		func(x *lp.PendingErasure) {
			x.Attempts, x.LastError, x.NextAttemptAt = 1, "timeout after 30s", h.now.Add(time.Minute)
		},
		func(x *lp.PendingErasure) {
			x.Attempts, x.LastError, x.NextAttemptAt = 2, "", time.Time{}
		},
	} {
		step(&e)
		h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Erasures().Update(ctx, e)) })
		got, err := h.getErasure(tn.Org.ID, e.ID)
		h.noErr(err)
		require.Equal(h.t, e, got, "after step %d", i)
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for name, change := range map[string]func(*lp.PendingErasure){
			"lead":          func(x *lp.PendingErasure) { x.LeadID = uuid.New() },
			"eraser":        func(x *lp.PendingErasure) { x.Eraser = "crm" },
			"one ref":       func(x *lp.PendingErasure) { x.RecordingRefs = x.RecordingRefs[:1] },
			"refs reversed": func(x *lp.PendingErasure) { x.RecordingRefs = []string{x.RecordingRefs[1], x.RecordingRefs[0]} },
			"no refs":       func(x *lp.PendingErasure) { x.RecordingRefs = nil },
			"created":       func(x *lp.PendingErasure) { x.CreatedAt = x.CreatedAt.Add(time.Microsecond) },
		} {
			x := e
			x.Attempts = 9
			change(&x)
			h.is(tx.Erasures().Update(ctx, x), lp.ErrInvalidArgument, name)
		}
		h.is(tx.Erasures().Update(ctx, h.erasure(tn)), lp.ErrNotFound, "no such erasure")
		bad := e
		bad.Attempts = -1
		h.is(tx.Erasures().Update(ctx, bad), lp.ErrInvalidArgument)
		got, err := tx.Erasures().Get(ctx, tn.Org.ID, e.ID)
		h.noErr(err, "the transaction is usable after refusals")
		require.Equal(h.t, e, normErasure(got), "a refused Update changed the erasure")
	})
}

func testErasureDelete(h *harness) {
	tn := h.tenant("A")
	e, keep := h.erasure(tn), h.erasure(tn)
	h.addErasures(e, keep)
	err := h.try(func(ctx context.Context, tx storage.Tx) error {
		h.noErr(tx.Erasures().Delete(ctx, tn.Org.ID, e.ID))
		return errBoom
	})
	require.ErrorIs(h.t, err, errBoom)
	_, err = h.getErasure(tn.Org.ID, e.ID)
	h.noErr(err, "a rolled back Delete")
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Erasures().Delete(ctx, tn.Org.ID, e.ID))
		h.is(tx.Erasures().Delete(ctx, tn.Org.ID, e.ID), lp.ErrNotFound, "deleted twice")
		_, err := tx.Erasures().Get(ctx, tn.Org.ID, e.ID)
		h.is(err, lp.ErrNotFound)
	})
	_, err = h.getErasure(tn.Org.ID, e.ID)
	h.is(err, lp.ErrNotFound)
	got, err := h.getErasure(tn.Org.ID, keep.ID)
	h.noErr(err)
	require.Equal(h.t, keep, got)
}

// testErasureTenants uses another organisation's erasure ids: each is
// ErrNotFound, and nothing of the other organisation changes.
func testErasureTenants(h *harness) {
	a, b := h.tenant("A"), h.tenant("B")
	ea := h.erasure(a)
	h.addErasures(ea)
	org := b.Org.ID
	h.tx(func(ctx context.Context, tx storage.Tx) {
		_, err := tx.Erasures().Get(ctx, org, ea.ID)
		h.is(err, lp.ErrNotFound)
		got, err := tx.Erasures().List(ctx, org, time.Time{}, storage.Page{})
		h.noErr(err)
		require.Empty(h.t, got)
		asB := ea
		asB.OrgID, asB.Attempts = org, 5
		h.is(tx.Erasures().Update(ctx, asB), lp.ErrNotFound)
		h.is(tx.Erasures().Delete(ctx, org, ea.ID), lp.ErrNotFound)
		// B's erasure of the same id is B's own.
		h.noErr(tx.Erasures().Add(ctx, asB))
		h.noErr(tx.Erasures().Delete(ctx, org, ea.ID))
	})
	got, err := h.getErasure(a.Org.ID, ea.ID)
	h.noErr(err)
	require.Equal(h.t, ea, got)
}

// testErasureReadOnly writes in View: each write fails with ErrReadOnly
// (one per View, which a refused write makes unusable) and changes nothing.
func testErasureReadOnly(h *harness) {
	tn := h.tenant("A")
	e := h.erasure(tn)
	h.addErasures(e)
	changed := e
	changed.Attempts = 1
	for name, write := range map[string]func(ctx context.Context, tx storage.Tx) error{
		"Add":    func(ctx context.Context, tx storage.Tx) error { return tx.Erasures().Add(ctx, h.erasure(tn)) },
		"Update": func(ctx context.Context, tx storage.Tx) error { return tx.Erasures().Update(ctx, changed) },
		"Delete": func(ctx context.Context, tx storage.Tx) error { return tx.Erasures().Delete(ctx, tn.Org.ID, e.ID) },
	} {
		err := h.s.View(h.ctx, write)
		h.is(err, storage.ErrReadOnly, name)
	}
	got, err := h.getErasure(tn.Org.ID, e.ID)
	h.noErr(err)
	require.Equal(h.t, e, got)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		all, err := tx.Erasures().List(ctx, tn.Org.ID, time.Time{}, storage.Page{})
		h.noErr(err)
		require.Len(h.t, all, 1, "a write in View stored an erasure")
	})
}
