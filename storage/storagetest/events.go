package storagetest

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

var ruleCases = []testCase{
	{"Create", func(h *harness) {
		tn, other := h.tenant("A"), h.tenant("B")
		r := h.rule(tn, "success")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.RetentionRules().Create(ctx, r))
			h.is(tx.RetentionRules().Create(ctx, r), lp.ErrConflict, "same id")
			h.is(tx.RetentionRules().Create(ctx, h.rule(tn, "success")), lp.ErrConflict, "same project and outcome")
			p2 := h.rule(tn, "success")
			p2.ProjectID = tn.P2.ID
			h.noErr(tx.RetentionRules().Create(ctx, p2), "another project")
			h.noErr(tx.RetentionRules().Create(ctx, h.rule(tn, "")), "the catch-all rule")
			missing := h.rule(tn, "x")
			missing.ProjectID = other.P1.ID
			h.is(tx.RetentionRules().Create(ctx, missing), lp.ErrNotFound)
			bad := h.rule(tn, "y")
			bad.KeepFor = 0
			h.is(tx.RetentionRules().Create(ctx, bad), lp.ErrInvalidArgument)
			got, err := tx.RetentionRules().Get(ctx, tn.Org.ID, r.ID)
			h.noErr(err)
			require.Equal(h.t, r, got)
		})
	}},
	{"Get", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.RetentionRules().Get(ctx, tn.Org.ID, uuid.New())
			h.is(err, lp.ErrNotFound)
		})
	}},
	{"Update", func(h *harness) {
		tn := h.tenant("A")
		r, other := h.rule(tn, "success"), h.rule(tn, "no_answer")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.RetentionRules().Create(ctx, r))
			h.noErr(tx.RetentionRules().Create(ctx, other))
		})
		changed := r
		changed.Outcome, changed.KeepFor, changed.Action, changed.Basis = "not_interested", time.Hour, lp.ActionDelete, lp.SinceClosed
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.RetentionRules().Update(ctx, changed))
			h.noErr(tx.RetentionRules().Create(ctx, h.rule(tn, "success")), "the old outcome is free")
			clash := changed
			clash.Outcome = "no_answer"
			h.is(tx.RetentionRules().Update(ctx, clash), lp.ErrConflict)
			h.is(tx.RetentionRules().Update(ctx, h.rule(tn, "z")), lp.ErrNotFound)
			noProject := changed
			noProject.ProjectID = uuid.New()
			h.is(tx.RetentionRules().Update(ctx, noProject), lp.ErrNotFound)
			bad := changed
			bad.Action = "shred"
			h.is(tx.RetentionRules().Update(ctx, bad), lp.ErrInvalidArgument)
			moved := changed
			moved.ProjectID = tn.P2.ID
			h.noErr(tx.RetentionRules().Update(ctx, moved), "a rule can move to another project")
			got, err := tx.RetentionRules().Get(ctx, tn.Org.ID, r.ID)
			h.noErr(err)
			require.Equal(h.t, moved, got)
		})
	}},
	{"Delete", func(h *harness) {
		tn := h.tenant("A")
		r := h.rule(tn, "success")
		h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.RetentionRules().Create(ctx, r)) })
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.RetentionRules().Delete(ctx, tn.Org.ID, r.ID))
			h.is(tx.RetentionRules().Delete(ctx, tn.Org.ID, r.ID), lp.ErrNotFound)
			h.noErr(tx.RetentionRules().Create(ctx, h.rule(tn, "success")), "the outcome is free again")
		})
	}},
	{"List", func(h *harness) {
		tn := h.tenant("A")
		var rules []lp.RetentionRule
		for _, p := range []uuid.UUID{tn.P1.ID, tn.P2.ID} {
			for _, o := range []string{"success", "", "no_answer"} {
				r := h.rule(tn, o)
				r.ProjectID = p
				rules = append(rules, r)
			}
		}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for _, r := range rules {
				h.noErr(tx.RetentionRules().Create(ctx, r))
			}
		})
		byOutcome := func(p int) []lp.RetentionRule {
			r := rules[p*3 : p*3+3]
			return []lp.RetentionRule{r[1], r[2], r[0]} // "", "no_answer", "success"
		}
		p1, p2 := byOutcome(0), byOutcome(1)
		all := append(append([]lp.RetentionRule{}, p1...), p2...)
		if cmpID(tn.P2.ID, tn.P1.ID) < 0 {
			all = append(append([]lp.RetentionRule{}, p2...), p1...)
		}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.RetentionRules().List(ctx, tn.Org.ID, uuid.Nil)
			h.noErr(err)
			require.Equal(h.t, all, got, "ordered by project, outcome")
			got, err = tx.RetentionRules().List(ctx, tn.Org.ID, tn.P2.ID)
			h.noErr(err)
			require.Equal(h.t, p2, got)
			got, err = tx.RetentionRules().List(ctx, tn.Org.ID, uuid.New())
			h.noErr(err)
			require.Empty(h.t, got)
		})
	}},
}

var eventCases = []testCase{
	{"Append", testEventsAppend},
	{"Range", testEventsRange},
	{"Query", testEventsQuery},
	{"QueryPaging", testEventsQueryPaging},
	{"FingerprintSet", testEventsFingerprintSet},
	{"LeadSet", testEventsLeadSet},
	{"Hashes", testEventsHashes},
}

func testEventsAppend(h *harness) {
	tn := h.tenant("A")
	e := h.event(tn, func(e *lp.Event) {
		e.Seq = 99 // ignored: storage assigns it
		e.Time = h.now.In(time.FixedZone("X", 5400))
		e.LeadID, e.ProjectID, e.ObjectID = uuid.New(), tn.P1.ID, uuid.New()
		e.MaskedNumber, e.Fingerprint = "+45••••3456", fps[0]
		e.Details = map[string]string{"reason": "customer_request", "count": "2"}
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for i := range int64(3) {
			seq, err := tx.Events().Append(ctx, e)
			h.noErr(err)
			require.Equal(h.t, i, seq)
		}
		e.Details["reason"] = "changed" // aliasing: the store keeps its copy
		for name, bad := range map[string]lp.Event{
			"no action": h.event(tn, func(e *lp.Event) { e.Action = "" }),
			"no time":   h.event(tn, func(e *lp.Event) { e.Time = time.Time{} }),
			"no actor":  h.event(tn, func(e *lp.Event) { e.ActorID = uuid.Nil }),
			"no org":    h.event(tn, func(e *lp.Event) { e.OrgID = uuid.Nil }),
		} {
			_, err := tx.Events().Append(ctx, bad)
			h.is(err, lp.ErrInvalidArgument, name)
		}
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Events().Count(ctx, tn.Org.ID)
		h.noErr(err)
		require.EqualValues(h.t, 3, n)
		seq, err := tx.Events().Append(ctx, h.event(tn))
		h.noErr(err)
		require.EqualValues(h.t, 3, seq, "sequence continues across transactions")
		got, err := tx.Events().Range(ctx, tn.Org.ID, 1, 2)
		h.noErr(err)
		want := e
		want.Seq, want.Time = 1, h.now
		want.Details = map[string]string{"reason": "customer_request", "count": "2"}
		require.Equal(h.t, []lp.Event{want}, got)
		got[0].Details["count"] = "changed"
		again, err := tx.Events().Range(ctx, tn.Org.ID, 1, 2)
		h.noErr(err)
		require.Equal(h.t, []lp.Event{want}, again, "mutating a returned event changed the store")
	})
	// A rolled-back append leaves no gap.
	_ = h.try(func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Events().Append(ctx, h.event(tn))
		h.noErr(err)
		return errBoom
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		seq, err := tx.Events().Append(ctx, h.event(tn))
		h.noErr(err)
		require.EqualValues(h.t, 4, seq)
	})
}

func testEventsRange(h *harness) {
	tn := h.tenant("A")
	var es []lp.Event
	for i := range 5 {
		es = append(es, h.event(tn, func(e *lp.Event) { e.Time = h.now.Add(time.Duration(i) * time.Second) }))
	}
	h.appendEvents(es...)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, tc := range []struct {
			from, to int64
			want     []int64
		}{
			{0, 5, []int64{0, 1, 2, 3, 4}},
			{2, 4, []int64{2, 3}},
			{3, 3, nil},
			{4, 100, []int64{4}},
			{5, 10, nil},
			{3, 1, nil},
		} {
			got, err := tx.Events().Range(ctx, tn.Org.ID, tc.from, tc.to)
			h.noErr(err)
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
				require.True(h.t, e.Time.Equal(es[e.Seq].Time))
			}
			require.Equal(h.t, tc.want, seqs, "Range(%d, %d)", tc.from, tc.to)
		}
	})
}

func testEventsQuery(h *harness) {
	tn := h.tenant("A")
	lead, obj, fp := uuid.New(), uuid.New(), phone.Fingerprint{9}
	es := []lp.Event{
		h.event(tn, func(e *lp.Event) { e.Action, e.LeadID = "lead.viewed", lead }),                                    // 0
		h.event(tn, func(e *lp.Event) { e.Action, e.ObjectID, e.Fingerprint = "block.created", obj, fp }),              // 1
		h.event(tn, func(e *lp.Event) { e.ActorID, e.Action, e.ProjectID = tn.Agent1.ID, "lead.forgotten", tn.P1.ID }), // 2
		h.event(tn, func(e *lp.Event) { e.Time = h.now.Add(time.Hour); e.LeadID, e.Fingerprint = lead, fp }),           // 3
		h.event(tn, func(e *lp.Event) { e.Time = h.now.Add(-time.Hour); e.Action = "block.deleted" }),                  // 4
	}
	h.appendEvents(es...)
	for _, tc := range []struct {
		name string
		q    storage.EventQuery
		want []int64
	}{
		{"zero", storage.EventQuery{}, []int64{4, 3, 2, 1, 0}},
		{"actor", storage.EventQuery{ActorID: tn.Agent1.ID}, []int64{2}},
		{"actions", storage.EventQuery{Actions: []lp.Action{"block.created", "block.deleted"}}, []int64{4, 1}},
		{"lead", storage.EventQuery{LeadID: lead}, []int64{3, 0}},
		{"project", storage.EventQuery{ProjectID: tn.P1.ID}, []int64{2}},
		{"object", storage.EventQuery{ObjectID: obj}, []int64{1}},
		{"fingerprint", storage.EventQuery{Fingerprint: fp}, []int64{3, 1}},
		{"since", storage.EventQuery{Since: h.now}, []int64{3, 2, 1, 0}},
		{"until", storage.EventQuery{Until: h.now.Add(time.Hour)}, []int64{4, 2, 1, 0}},
		{"window", storage.EventQuery{Since: h.now.Add(time.Microsecond), Until: h.now.Add(2 * time.Hour)}, []int64{3}},
		{"before seq", storage.EventQuery{BeforeSeq: 3}, []int64{2, 1, 0}},
		{"limit", storage.EventQuery{Limit: 2}, []int64{4, 3}},
		{"combined", storage.EventQuery{LeadID: lead, Fingerprint: fp, Actions: []lp.Action{"lead.viewed"}}, []int64{3}},
		{"no match", storage.EventQuery{ActorID: uuid.New()}, nil},
	} {
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Events().Query(ctx, tn.Org.ID, tc.q)
			h.noErr(err)
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			require.Equal(h.t, tc.want, seqs, tc.name)
		})
	}
}

// testEventsFingerprintSet stores events with a set of fingerprints
// (such as an upload batch's), reads the sets back in order with Range and
// Query, finds the events by any fingerprint of their sets, and refuses
// sets that break the rules of lp.Event.Fingerprints.
func testEventsFingerprintSet(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	a, b, c, d := phone.Fingerprint{0x10}, phone.Fingerprint{0x20}, phone.Fingerprint{0x30}, phone.Fingerprint{0x40}
	big := make([]phone.Fingerprint, 1000) // an upload batch
	for i := range big {
		big[i] = phone.Fingerprint{0x50, byte(i >> 8), byte(i)}
	}
	es := []lp.Event{
		h.event(tn, func(e *lp.Event) { e.Action, e.Fingerprints = "block.uploaded", []phone.Fingerprint{a, b} }), // 0
		h.event(tn, func(e *lp.Event) { e.Action, e.Fingerprint = "block.created", b }),                           // 1
		h.event(tn), // 2
		h.event(tn, func(e *lp.Event) { e.Fingerprint, e.Fingerprints = b, []phone.Fingerprint{b, c} }), // 3: b twice
		h.event(tn, func(e *lp.Event) { e.Action, e.Fingerprints = "block.uploaded", big }),             // 4
	}
	h.appendEvents(es...)
	h.appendEvents(h.event(other, func(e *lp.Event) { e.Fingerprints = []phone.Fingerprint{a} }))
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Events().Range(ctx, tn.Org.ID, 0, 5)
		h.noErr(err)
		require.Len(h.t, got, 5)
		for i, e := range got {
			require.Equal(h.t, es[i].Fingerprints, e.Fingerprints, "Range: the set of event %d", i)
		}
		got[0].Fingerprints[0] = d // aliasing: the store keeps its copy
		for _, tc := range []struct {
			name string
			q    storage.EventQuery
			want []int64
		}{
			{"in a set", storage.EventQuery{Fingerprint: a}, []int64{0}},
			{"single or in a set, once each", storage.EventQuery{Fingerprint: b}, []int64{3, 1, 0}},
			{"in a set of 1000", storage.EventQuery{Fingerprint: big[777]}, []int64{4}},
			{"with another filter", storage.EventQuery{Fingerprint: b, Actions: []lp.Action{"block.uploaded"}}, []int64{0}},
			{"paged", storage.EventQuery{Fingerprint: b, BeforeSeq: 3, Limit: 1}, []int64{1}},
			{"limit", storage.EventQuery{Fingerprint: b, Limit: 2}, []int64{3, 1}},
			{"no match", storage.EventQuery{Fingerprint: d}, nil},
		} {
			got, err := tx.Events().Query(ctx, tn.Org.ID, tc.q)
			h.noErr(err)
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
				require.Equal(h.t, es[e.Seq].Fingerprints, e.Fingerprints, "%s: the set of event %d", tc.name, e.Seq)
			}
			require.Equal(h.t, tc.want, seqs, tc.name)
		}
		tooMany := make([]phone.Fingerprint, lp.MaxEventFingerprints+1)
		for i := range tooMany {
			tooMany[i] = phone.Fingerprint{0x60, byte(i >> 8), byte(i)}
		}
		for name, set := range map[string][]phone.Fingerprint{
			"unsorted":  {b, a},
			"repeated":  {a, a},
			"zero":      {{}, a},
			"too large": tooMany,
		} {
			_, err := tx.Events().Append(ctx, h.event(tn, func(e *lp.Event) { e.Fingerprints = set }))
			h.is(err, lp.ErrInvalidArgument, name)
		}
	})
}

// testEventsQueryPaging pages backwards through more than DefaultLimit
// events with BeforeSeq and a filter.
func testEventsQueryPaging(h *harness) {
	tn := h.tenant("A")
	n := storage.DefaultLimit + 30
	var es []lp.Event
	for i := range n {
		es = append(es, h.event(tn, func(e *lp.Event) {
			if i%2 == 1 {
				e.Action = "block.created"
			}
		}))
	}
	h.appendEvents(es...)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Events().Query(ctx, tn.Org.ID, storage.EventQuery{})
		h.noErr(err)
		require.Len(h.t, got, storage.DefaultLimit, "Limit 0 means DefaultLimit")
		var seqs []int64
		q := storage.EventQuery{Actions: []lp.Action{"block.created"}, Limit: 7}
		for {
			page, err := tx.Events().Query(ctx, tn.Org.ID, q)
			h.noErr(err)
			require.LessOrEqual(h.t, len(page), q.Limit)
			for _, e := range page {
				if q.BeforeSeq != 0 && e.Seq >= q.BeforeSeq {
					h.t.Fatalf("Query with BeforeSeq %d returned Seq %d", q.BeforeSeq, e.Seq)
				}
				seqs = append(seqs, e.Seq)
			}
			if len(page) < q.Limit {
				break
			}
			q.BeforeSeq = page[len(page)-1].Seq
		}
		var want []int64
		for i := int64(n - 1); i >= 0; i-- {
			if i%2 == 1 {
				want = append(want, i)
			}
		}
		require.Equal(h.t, want, seqs)
	})
}

func testEventsHashes(h *harness) {
	tn := h.tenant("A")
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Events().WriteHashes(ctx, tn.Org.ID, []int64{0, 1, 2}, [][32]byte{{1}, {2}, {3}}))
		h.noErr(tx.Events().WriteHashes(ctx, tn.Org.ID, []int64{2, 3}, [][32]byte{{3}, {4}}), "same hash again is a no-op")
		h.noErr(tx.Events().WriteHashes(ctx, tn.Org.ID, nil, nil))
		h.is(tx.Events().WriteHashes(ctx, tn.Org.ID, []int64{4, 1}, [][32]byte{{5}, {9}}), lp.ErrConflict)
		h.is(tx.Events().WriteHashes(ctx, tn.Org.ID, []int64{6, 6}, [][32]byte{{6}, {7}}), lp.ErrConflict, "one index twice")
		h.is(tx.Events().WriteHashes(ctx, tn.Org.ID, []int64{5}, nil), lp.ErrInvalidArgument)
		h.is(tx.Events().WriteHashes(ctx, tn.Org.ID, []int64{-1}, [][32]byte{{1}}), lp.ErrInvalidArgument)
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Events().ReadHashes(ctx, tn.Org.ID, []int64{3, 0, 2})
		h.noErr(err)
		require.Equal(h.t, [][32]byte{{4}, {1}, {3}}, got, "in the order asked")
		_, err = tx.Events().ReadHashes(ctx, tn.Org.ID, []int64{0, 4})
		h.is(err, lp.ErrNotFound, "index 4 was in a failed call: nothing of it is written")
		_, err = tx.Events().ReadHashes(ctx, tn.Org.ID, []int64{6})
		h.is(err, lp.ErrNotFound)
		got, err = tx.Events().ReadHashes(ctx, tn.Org.ID, nil)
		h.noErr(err)
		require.Empty(h.t, got)
	})
}
