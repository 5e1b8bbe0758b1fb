package storagetest

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// The set-based calls of retention: Leads.Count, CountMany and AnonymiseMany,
// Contacts.EraseByLeads, Leases, and the lead sets of events.

var leaseCases = []testCase{
	{"Acquire", testLeasesAcquire},
	{"Invalid", testLeasesInvalid},
}

// countWorld is the leads testLeadsCount and testLeadsCountMany count:
// random attributes in two projects of tn, some forgotten or held, and
// two leads of another organisation.
type countWorld struct {
	h     *harness
	tn    tenant
	rng   *rand.Rand
	leads []lp.Lead
}

var (
	countOutcomes = []string{"success", "no_answer", "not_interested", ""}
	countBases    = []lp.RetentionBasis{lp.SinceLastContact, lp.SinceCreated, lp.SinceClosed}
)

func newCountWorld(h *harness, seed uint64) *countWorld {
	w := &countWorld{h: h, tn: h.tenant("A"), rng: rand.New(rand.NewPCG(seed, 8))}
	other := h.tenant("B")
	for range 60 {
		w.leads = append(w.leads, h.lead(w.tn, func(l *lp.Lead) {
			l.Outcome = countOutcomes[w.rng.IntN(len(countOutcomes))]
			l.CreatedAt = w.ago()
			if w.rng.IntN(2) == 0 {
				l.ProjectID = w.tn.P2.ID
			}
			if w.rng.IntN(2) == 0 {
				l.LastContactAt = w.ago()
			}
			if w.rng.IntN(3) == 0 {
				l.ClosedAt = w.ago()
			}
			if w.rng.IntN(4) == 0 {
				l.ForgottenAt, l.Phones, l.Fields = w.ago(), nil, nil
			}
			l.LegalHold = w.rng.IntN(5) == 0
		}))
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Leads().CreateMany(ctx, w.tn.Org.ID, w.leads))
		h.noErr(tx.Leads().CreateMany(ctx, other.Org.ID, []lp.Lead{h.lead(other), h.lead(other)}))
	})
	return w
}

// ago is a random whole number of days before the harness's now.
func (w *countWorld) ago() time.Time {
	return w.h.now.Add(-time.Duration(w.rng.IntN(100)) * 24 * time.Hour)
}

// pick is a random subset of the outcomes.
func (w *countWorld) pick() []string {
	var out []string
	for _, o := range countOutcomes {
		if w.rng.IntN(3) == 0 {
			out = append(out, o)
		}
	}
	return out
}

// filter is a random filter of w's leads.
func (w *countWorld) filter() storage.LeadFilter {
	var f storage.LeadFilter
	if w.rng.IntN(3) == 0 {
		f.ProjectID = []uuid.UUID{w.tn.P1.ID, w.tn.P2.ID}[w.rng.IntN(2)]
	}
	f.Outcomes, f.ExcludeOutcomes = w.pick(), w.pick()
	if w.rng.IntN(2) == 0 {
		f.Basis, f.Before = countBases[w.rng.IntN(len(countBases))], w.ago()
	}
	if w.rng.IntN(3) == 0 {
		f.Forgotten = ptr(w.rng.IntN(2) == 0)
	}
	if w.rng.IntN(3) == 0 {
		f.LegalHold = ptr(w.rng.IntN(2) == 0)
	}
	return f
}

// testLeadsCount compares Count with the leads ListIDs pages through, over
// random filters of leads with random attributes: Count must select
// exactly what List does.
func testLeadsCount(h *harness) {
	w := newCountWorld(h, 15)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Leads().Count(ctx, w.tn.Org.ID, storage.LeadFilter{})
		h.noErr(err)
		require.Equal(h.t, len(w.leads), n, "every lead of A, none of B")
		for i := range 150 {
			f := w.filter()
			want := listAll(h, func(p storage.Page) ([]uuid.UUID, error) {
				return tx.Leads().ListIDs(ctx, w.tn.Org.ID, f, p)
			}, func(id uuid.UUID) uuid.UUID { return id })
			got, err := tx.Leads().Count(ctx, w.tn.Org.ID, f)
			h.noErr(err)
			require.Equal(h.t, len(want), got, "filter %d: %+v", i, f)
		}
		for _, basis := range []lp.RetentionBasis{"", "bogus"} {
			_, err := tx.Leads().Count(ctx, w.tn.Org.ID, storage.LeadFilter{Basis: basis, Before: h.now})
			h.is(err, lp.ErrInvalidArgument, "basis %q", basis)
		}
	})
}

// testLeadsCountMany compares CountMany with Count filter by filter, over
// sets of random filters (with and without a project each, some sharing
// a cut-off, outcomes, forgotten and held flags), the filters
// of retention rules (an outcome, or the catch-all excluding the others;
// each basis; not forgotten; held or not) and cut-offs exactly at a
// lead's basis time and a microsecond after it; and checks its limits.
func testLeadsCountMany(h *harness) {
	w := newCountWorld(h, 16)
	org := w.tn.Org.ID
	check := func(ctx context.Context, tx storage.Tx, fs []storage.LeadFilter, msg string) {
		h.t.Helper()
		got, err := tx.Leads().CountMany(ctx, org, fs)
		h.noErr(err)
		require.Len(h.t, got, len(fs), msg)
		for i, f := range fs {
			want, err := tx.Leads().Count(ctx, org, f)
			h.noErr(err)
			require.Equal(h.t, want, got[i], "%s: filter %d: %+v", msg, i, f)
		}
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for set := range 40 {
			fs := make([]storage.LeadFilter, 1+w.rng.IntN(8))
			for i := range fs {
				fs[i] = w.filter()
				if set%2 == 0 && fs[i].ProjectID == uuid.Nil {
					fs[i].ProjectID = w.tn.P1.ID // every filter of the set names a project
				}
				if set%3 == 0 { // and shares a cut-off and more, or not
					fs[i].Basis, fs[i].Before, fs[i].Forgotten = fs[0].Basis, fs[0].Before, fs[0].Forgotten
					fs[i].Outcomes, fs[i].LegalHold = fs[0].Outcomes, fs[0].LegalHold
				}
			}
			check(ctx, tx, fs, "random set "+strconv.Itoa(set))
		}
		// Rules: "success" and "not_interested" of P1, its catch-all, and
		// P2's catch-all; due (not forgotten) and held counts of each.
		var rules []storage.LeadFilter
		for _, basis := range countBases {
			cut := w.ago()
			from := len(rules)
			for _, r := range []storage.LeadFilter{
				{ProjectID: w.tn.P1.ID, Outcomes: []string{"success"}},
				{ProjectID: w.tn.P1.ID, Outcomes: []string{"not_interested"}},
				{ProjectID: w.tn.P1.ID, ExcludeOutcomes: []string{"success", "not_interested"}},
				{ProjectID: w.tn.P2.ID},
			} {
				r.Basis, r.Before, r.Forgotten = basis, cut, ptr(false)
				for _, held := range []bool{false, true} {
					r.LegalHold = ptr(held)
					rules = append(rules, r)
				}
			}
			check(ctx, tx, rules[from:], "rules since "+string(basis)) // one cut-off: the statement's WHERE
			check(ctx, tx, rules[from:from+6], "P1's rules since "+string(basis))
		}
		check(ctx, tx, rules, "rules")
		// Cut-offs at a lead's basis time (it is not before it) and a
		// microsecond after (it is).
		var edges []storage.LeadFilter
		for _, l := range w.leads[:10] {
			for _, basis := range countBases {
				t := l.CreatedAt
				switch {
				case basis == lp.SinceClosed:
					t = l.ClosedAt
				case basis == lp.SinceLastContact && !l.LastContactAt.IsZero():
					t = l.LastContactAt
				}
				if t.IsZero() {
					continue
				}
				edges = append(edges, storage.LeadFilter{Basis: basis, Before: t},
					storage.LeadFilter{Basis: basis, Before: t.Add(time.Microsecond)})
			}
		}
		check(ctx, tx, edges, "edges")
		got, err := tx.Leads().CountMany(ctx, org, nil)
		h.noErr(err)
		require.Empty(h.t, got, "no filters")
		_, err = tx.Leads().CountMany(ctx, org, make([]storage.LeadFilter, storage.MaxCountFilters+1))
		h.is(err, lp.ErrInvalidArgument, "too many filters")
		got, err = tx.Leads().CountMany(ctx, org, make([]storage.LeadFilter, storage.MaxCountFilters))
		h.noErr(err)
		require.Equal(h.t, len(w.leads), got[storage.MaxCountFilters-1], "MaxCountFilters zero filters: every lead of A")
		_, err = tx.Leads().CountMany(ctx, org, []storage.LeadFilter{{}, {Basis: "bogus", Before: h.now}})
		h.is(err, lp.ErrInvalidArgument, "bad basis")
		require.ErrorContains(h.t, err, "filters[1]")
	})
}

// testLeadsAnonymiseMany forgets a batch: only the changeable leads of
// the call's organisation change, their numbers leave the number index,
// and a second call changes nothing.
func testLeadsAnonymiseMany(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	a1 := h.lead(tn, func(l *lp.Lead) { l.Phones = append(l.Phones, h.number()); l.Outcome = "no_answer" })
	a2 := h.lead(tn, func(l *lp.Lead) { l.ProjectID, l.LastContactAt, l.ClosedAt = tn.P2.ID, h.now, h.now })
	held := h.lead(tn, func(l *lp.Lead) { l.LegalHold = true })
	gone := h.lead(tn, func(l *lp.Lead) { l.Phones, l.Fields, l.ForgottenAt = nil, nil, h.now.Add(-time.Hour) })
	b1 := h.lead(other)
	h.addLeads(a1, a2, held, gone, b1)
	at := h.now.Add(time.Minute)
	batch := []uuid.UUID{a1.ID, held.ID, gone.ID, uuid.New(), a2.ID, a1.ID, b1.ID}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Leads().AnonymiseMany(ctx, tn.Org.ID, batch, at)
		h.noErr(err)
		require.Equal(h.t, 2, n, "a1 and a2 only, a1 once")
	})
	for _, l := range []lp.Lead{a1, a2} {
		want := normLead(l)
		want.Phones, want.Fields, want.ForgottenAt = nil, nil, at
		require.Equal(h.t, want, normLead(h.getLead(tn.Org.ID, l.ID)), "forgotten, nothing else changed")
	}
	require.Equal(h.t, normLead(held), normLead(h.getLead(tn.Org.ID, held.ID)), "legal hold")
	require.Equal(h.t, normLead(gone), normLead(h.getLead(tn.Org.ID, gone.ID)), "already forgotten: ForgottenAt kept")
	require.Equal(h.t, normLead(b1), normLead(h.getLead(other.Org.ID, b1.ID)), "another organisation's lead")
	h.tx(func(ctx context.Context, tx storage.Tx) {
		found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, append(append(a1.Phones, a2.Phones...), held.Phones...))
		h.noErr(err)
		require.Equal(h.t, []uuid.UUID{held.ID}, ids(found, leadID), "the forgotten leads' numbers are gone from the index")
		found, err = tx.Leads().FindByNumbers(ctx, other.Org.ID, b1.Phones)
		h.noErr(err)
		require.Equal(h.t, []uuid.UUID{b1.ID}, ids(found, leadID))
		forgotten, err := tx.Leads().ListIDs(ctx, tn.Org.ID, storage.LeadFilter{Forgotten: ptr(true)}, storage.Page{})
		h.noErr(err)
		require.Equal(h.t, sorted(a1.ID, a2.ID, gone.ID), forgotten)

		n, err := tx.Leads().AnonymiseMany(ctx, tn.Org.ID, batch, at.Add(time.Hour))
		h.noErr(err)
		require.Zero(h.t, n, "idempotent")
		n, err = tx.Leads().AnonymiseMany(ctx, tn.Org.ID, nil, at)
		h.noErr(err)
		require.Zero(h.t, n, "no ids")
		_, err = tx.Leads().AnonymiseMany(ctx, tn.Org.ID, []uuid.UUID{held.ID}, time.Time{})
		h.is(err, lp.ErrInvalidArgument, "zero time")
		_, err = tx.Leads().AnonymiseMany(ctx, tn.Org.ID, make([]uuid.UUID, storage.MaxLimit+1), at)
		h.is(err, lp.ErrInvalidArgument, "more than MaxLimit ids")
	})
	require.Equal(h.t, at, h.getLead(tn.Org.ID, a1.ID).ForgottenAt, "a second call keeps the first ForgottenAt")
	require.False(h.t, h.getLead(tn.Org.ID, held.ID).Forgotten())
}

// testContactsEraseByLeads erases the contact history of a batch of leads
// and checks the references it reports, exactly and in order.
func testContactsEraseByLeads(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	x, y, z, w := h.lead(tn), h.lead(tn), h.lead(tn), h.lead(other)
	h.addLeads(x, y, z, w)
	t1, t2 := h.now.Add(-2*time.Hour), h.now.Add(-time.Hour)
	late := h.contact(x, t2)
	early1, early2 := h.contact(x, t1), h.contact(x, t1) // same time: by id
	if string(early1.ID[:]) > string(early2.ID[:]) {
		early1, early2 = early2, early1
	}
	notesOnly := h.contact(x, t2.Add(time.Minute))
	notesOnly.RecordingRef = ""
	blank := h.contact(x, t1)
	blank.Notes, blank.RecordingRef = "", ""
	yc := h.contact(y, t1)
	wc := h.contact(w, t1)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, c := range []lp.ContactAttempt{late, early2, notesOnly, blank, early1, yc, wc} {
			h.noErr(tx.Contacts().Add(ctx, c))
		}
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		refs, n, err := tx.Contacts().EraseByLeads(ctx, tn.Org.ID, []uuid.UUID{z.ID, x.ID, uuid.New(), y.ID, w.ID, x.ID})
		h.noErr(err)
		require.Equal(h.t, map[uuid.UUID][]string{
			x.ID: {early1.RecordingRef, early2.RecordingRef, late.RecordingRef},
			y.ID: {yc.RecordingRef},
		}, refs)
		require.Equal(h.t, 5, n, "x's four attempts with notes or a reference, y's one")
		for _, l := range []lp.Lead{x, y} {
			cs, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			for _, c := range cs {
				require.Empty(h.t, c.Notes+c.RecordingRef, "attempt %s", c.ID)
			}
		}
		cs, err := tx.Contacts().ListByLead(ctx, other.Org.ID, w.ID)
		h.noErr(err)
		require.Equal(h.t, []lp.ContactAttempt{wc}, cs, "another organisation's attempt")

		refs, n, err = tx.Contacts().EraseByLeads(ctx, tn.Org.ID, []uuid.UUID{x.ID, y.ID})
		h.noErr(err)
		require.Empty(h.t, refs, "nothing left to erase")
		require.Zero(h.t, n)
		_, _, err = tx.Contacts().EraseByLeads(ctx, tn.Org.ID, make([]uuid.UUID, storage.MaxLimit+1))
		h.is(err, lp.ErrInvalidArgument, "more than MaxLimit leads")
	})
}

// testLeasesAcquire walks a lease through its life: taken, refused to
// another holder, extended by its holder, taken over once expired,
// released only by its holder; per organisation and per name.
func testLeasesAcquire(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	org := tn.Org.ID
	h1, h2, h3 := uuid.New(), uuid.New(), uuid.New()
	t0 := h.now
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	acquire := func(tx storage.Tx, ctx context.Context, org uuid.UUID, name string, holder uuid.UUID, now, until time.Time, want bool, msg string) {
		h.t.Helper()
		got, err := tx.Leases().Acquire(ctx, org, name, holder, now, until)
		h.noErr(err, msg)
		require.Equal(h.t, want, got, msg)
	}
	held := func(tx storage.Tx, ctx context.Context, org uuid.UUID, name string, holder uuid.UUID, until time.Time, msg string) {
		h.t.Helper()
		gh, gu, err := tx.Leases().Get(ctx, org, name)
		h.noErr(err, msg)
		require.Equal(h.t, holder, gh, msg)
		require.True(h.t, until.Equal(gu), "%s: until %v, want %v", msg, gu, until)
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		_, _, err := tx.Leases().Get(ctx, org, "retention")
		h.is(err, lp.ErrNotFound, "never taken")
		acquire(tx, ctx, org, "retention", h1, at(0), at(10), true, "free")
		held(tx, ctx, org, "retention", h1, at(10), "taken")
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		acquire(tx, ctx, org, "retention", h2, at(5), at(15), false, "held by h1")
		acquire(tx, ctx, org, "retention", h2, at(10).Add(-time.Microsecond), at(15), false, "a microsecond before expiry")
		held(tx, ctx, org, "retention", h1, at(10), "refused: unchanged")
		acquire(tx, ctx, org, "retention", h1, at(5), at(20), true, "extended by its holder")
		held(tx, ctx, org, "retention", h1, at(20), "extended")
		acquire(tx, ctx, org, "other", h2, at(5), at(15), true, "another name is another lease")
		acquire(tx, ctx, other.Org.ID, "retention", h3, at(5), at(15), true, "another organisation's lease of the same name")
		held(tx, ctx, org, "retention", h1, at(20), "unchanged by B")
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		acquire(tx, ctx, org, "retention", h2, at(20), at(30), true, "expired at now: taken over")
		held(tx, ctx, org, "retention", h2, at(30), "taken over")
		h.noErr(tx.Leases().Release(ctx, org, "retention", h1), "release by a former holder")
		held(tx, ctx, org, "retention", h2, at(30), "a non-holder's release is a no-op")
		h.noErr(tx.Leases().Release(ctx, other.Org.ID, "retention", h2), "release of B's lease by A's holder")
		held(tx, ctx, other.Org.ID, "retention", h3, at(15), "B's lease kept")
		h.noErr(tx.Leases().Release(ctx, org, "retention", h2))
		_, _, err := tx.Leases().Get(ctx, org, "retention")
		h.is(err, lp.ErrNotFound, "released")
		h.noErr(tx.Leases().Release(ctx, org, "retention", h2), "releasing a free lease")
		acquire(tx, ctx, org, "retention", h1, at(21), at(22), true, "free again")
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		held(tx, ctx, org, "retention", h1, at(22), "committed")
		held(tx, ctx, org, "other", h2, at(15), "committed")
	})
}

// testLeasesInvalid checks the argument rules of Leases.
func testLeasesInvalid(h *harness) {
	tn := h.tenant("A")
	org := tn.Org.ID
	holder := uuid.New()
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for name, c := range map[string]struct {
			name       string
			holder     uuid.UUID
			now, until time.Time
		}{
			"name not a code":                {"Retention Run", holder, h.now, h.now.Add(time.Minute)},
			"empty name":                     {"", holder, h.now, h.now.Add(time.Minute)},
			"zero holder":                    {"retention", uuid.Nil, h.now, h.now.Add(time.Minute)},
			"until at now":                   {"retention", holder, h.now, h.now},
			"until before now":               {"retention", holder, h.now, h.now.Add(-time.Minute)},
			"until within now's microsecond": {"retention", holder, h.now, h.now.Add(time.Nanosecond)},
		} {
			_, err := tx.Leases().Acquire(ctx, org, c.name, c.holder, c.now, c.until)
			h.is(err, lp.ErrInvalidArgument, name)
		}
		h.is(tx.Leases().Release(ctx, org, "Not A Code", holder), lp.ErrInvalidArgument, "Release: name not a code")
		_, _, err := tx.Leases().Get(ctx, org, "Not A Code")
		h.is(err, lp.ErrInvalidArgument, "Get: name not a code")
		_, err = tx.Leases().Acquire(ctx, uuid.New(), "retention", holder, h.now, h.now.Add(time.Minute))
		h.is(err, lp.ErrNotFound, "unknown organisation")
	})
}

// testEventsLeadSet stores events with a set of leads (a purge batch),
// reads the sets back sorted, finds the events by any lead of their sets
// with Query, alone or with a number, and refuses sets that break the
// rules of lp.Event.LeadIDs.
func testEventsLeadSet(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	l := sorted(uuid.New(), uuid.New(), uuid.New(), uuid.New())
	fp := phone.Fingerprint{0x77}
	big := make([]uuid.UUID, 1000) // a purge batch
	for i := range big {
		big[i] = uuid.New()
	}
	big = sorted(big...)
	es := []lp.Event{
		h.event(tn, func(e *lp.Event) { e.Action, e.LeadIDs = "retention.purged", []uuid.UUID{l[0], l[1]} }), // 0
		h.event(tn, func(e *lp.Event) { e.Action, e.LeadID = "lead.forgotten", l[1] }),                       // 1
		h.event(tn), // 2
		h.event(tn, func(e *lp.Event) { e.LeadID, e.LeadIDs = l[1], []uuid.UUID{l[1], l[2]} }),          // 3: l1 twice
		h.event(tn, func(e *lp.Event) { e.Action, e.LeadIDs = "retention.purged", big }),                // 4
		h.event(tn, func(e *lp.Event) { e.Fingerprint, e.LeadIDs = fp, []uuid.UUID{l[0]} }),             // 5
		h.event(tn, func(e *lp.Event) { e.Fingerprints, e.LeadIDs = []phone.Fingerprint{fp}, big[:2] }), // 6
	}
	h.appendEvents(es...)
	h.appendEvents(h.event(other, func(e *lp.Event) { e.LeadIDs = []uuid.UUID{l[0]} }))
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Events().Range(ctx, tn.Org.ID, 0, int64(len(es)))
		h.noErr(err)
		require.Len(h.t, got, len(es))
		for i, e := range got {
			require.Equal(h.t, es[i].LeadIDs, e.LeadIDs, "Range: the set of event %d", i)
			require.Equal(h.t, es[i].Fingerprints, e.Fingerprints, "Range: the fingerprints of event %d", i)
		}
		got[0].LeadIDs[0] = l[3] // aliasing: the store keeps its copy
		for _, tc := range []struct {
			name string
			q    storage.EventQuery
			want []int64
		}{
			{"in a set", storage.EventQuery{LeadID: l[0]}, []int64{5, 0}},
			{"own or in a set, once each", storage.EventQuery{LeadID: l[1]}, []int64{3, 1, 0}},
			{"in a set of 1000", storage.EventQuery{LeadID: big[777]}, []int64{4}},
			{"first of a set of 1000", storage.EventQuery{LeadID: big[0]}, []int64{6, 4}},
			{"with another filter", storage.EventQuery{LeadID: l[1], Actions: []lp.Action{"retention.purged"}}, []int64{0}},
			{"paged", storage.EventQuery{LeadID: l[1], BeforeSeq: 3, Limit: 1}, []int64{1}},
			{"limit", storage.EventQuery{LeadID: l[1], Limit: 2}, []int64{3, 1}},
			{"with a number", storage.EventQuery{LeadID: l[0], Fingerprint: fp}, []int64{5}},
			{"with a number, both in sets", storage.EventQuery{LeadID: big[1], Fingerprint: fp}, []int64{6}},
			{"with a number, no match", storage.EventQuery{LeadID: l[2], Fingerprint: fp}, nil},
			{"no match", storage.EventQuery{LeadID: l[3]}, nil},
		} {
			got, err := tx.Events().Query(ctx, tn.Org.ID, tc.q)
			h.noErr(err)
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
				require.Equal(h.t, es[e.Seq].LeadIDs, e.LeadIDs, "%s: the set of event %d", tc.name, e.Seq)
			}
			require.Equal(h.t, tc.want, seqs, tc.name)
		}
		tooMany := make([]uuid.UUID, lp.MaxEventLeads+1)
		for i := range tooMany {
			tooMany[i] = uuid.New()
		}
		for name, set := range map[string][]uuid.UUID{
			"unsorted":  {l[1], l[0]},
			"repeated":  {l[0], l[0]},
			"zero":      {uuid.Nil, l[0]},
			"too large": sorted(tooMany...),
		} {
			_, err := tx.Events().Append(ctx, h.event(tn, func(e *lp.Event) { e.LeadIDs = set }))
			h.is(err, lp.ErrInvalidArgument, name)
		}
	})
}
