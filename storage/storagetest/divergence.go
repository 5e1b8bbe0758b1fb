package storagetest

import (
	"context"
	"time"

	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// divergenceCases pin behaviour in which an adapter without a database
// (memstore) once differed from the SQL ones, so code tested against one
// behaves the same on the others.
var divergenceCases = []testCase{
	{"SubMicrosecondBounds", testSubMicrosecondBounds},
}

// testSubMicrosecondBounds filters by times that fall between two
// microseconds. Adapters keep microseconds, so a bound is compared as
// stored: truncated to the microsecond. An object stored at T is then
// "at or after" a bound of T+500ns and not "before" it, on every adapter.
// (Block bounds compare the other way round and agree either way.)
func testSubMicrosecondBounds(h *harness) {
	if h.opts.TimePrecision != time.Microsecond {
		h.t.Skip("the adapter keeps times coarser than microseconds")
	}
	tn := h.tenant("A")
	t0 := h.now // whole microseconds
	mid := t0.Add(500 * time.Nanosecond)
	h.appendEvents(h.event(tn))
	h.addLeads(h.lead(tn, func(l *lp.Lead) { l.CreatedAt = t0 }))
	h.tx(func(ctx context.Context, tx storage.Tx) {
		org := tn.Org.ID
		count := func(q storage.EventQuery) int {
			evs, err := tx.Events().Query(ctx, org, q)
			h.noErr(err)
			return len(evs)
		}
		require.Equal(h.t, 1, count(storage.EventQuery{Since: mid}), "event at T, Since T+500ns")
		require.Equal(h.t, 0, count(storage.EventQuery{Until: mid}), "event at T, Until T+500ns")
		ls, err := tx.Leads().ListIDs(ctx, org, storage.LeadFilter{Basis: lp.SinceCreated, Before: mid}, storage.Page{})
		h.noErr(err)
		require.Empty(h.t, ls, "lead created at T, Before T+500ns")
	})
}
