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

var leadCases = []testCase{
	{"Create", testLeadsCreate},
	{"CreateMany", testLeadsCreateMany},
	{"CreateManyLarge", testLeadsCreateManyLarge},
	{"Get", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.Leads().Get(ctx, tn.Org.ID, uuid.New())
			h.is(err, lp.ErrNotFound)
		})
	}},
	{"Update", testLeadsUpdate},
	{"Delete", testLeadsDelete},
	{"DeleteMany", testLeadsDeleteMany},
	{"FindByNumbers", testLeadsFindByNumbers},
	{"List", testLeadsList},
	{"ListFilter", testLeadsListFilter},
	{"ProjectLegalHold", testLeadsProjectLegalHold},
	{"Count", testLeadsCount},
	{"CountMany", testLeadsCountMany},
	{"AnonymiseMany", testLeadsAnonymiseMany},
	{"Aliasing", testLeadsAliasing},
	{"TimePrecision", testTimePrecision},
}

func (h *harness) getLead(org, id uuid.UUID) lp.Lead {
	h.t.Helper()
	var l lp.Lead
	h.tx(func(ctx context.Context, tx storage.Tx) {
		var err error
		l, err = tx.Leads().Get(ctx, org, id)
		h.noErr(err)
	})
	return normLead(l)
}

func (h *harness) countLeads(org uuid.UUID) int {
	h.t.Helper()
	var n int
	h.tx(func(ctx context.Context, tx storage.Tx) {
		ls, err := tx.Leads().List(ctx, org, storage.LeadFilter{}, storage.Page{Limit: storage.MaxLimit})
		h.noErr(err)
		n = len(ls)
	})
	return n
}

func testLeadsCreate(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	l := h.lead(tn, func(l *lp.Lead) {
		l.Phones = append(l.Phones, h.number())
		l.LastContactAt, l.ClosedAt, l.LegalHold = h.now, h.now.Add(time.Minute), true
	})
	h.addLeads(l)
	require.Equal(h.t, l, h.getLead(tn.Org.ID, l.ID))
	noFields := h.lead(tn, func(l *lp.Lead) { l.Fields = nil; l.Phones = nil })
	h.addLeads(noFields)
	require.Equal(h.t, noFields, h.getLead(tn.Org.ID, noFields.ID))

	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.is(tx.Leads().Create(ctx, l), lp.ErrConflict)
		h.is(tx.Leads().Create(ctx, h.lead(tn, func(l *lp.Lead) { l.ProjectID = uuid.New() })), lp.ErrNotFound)
		h.is(tx.Leads().Create(ctx, h.lead(tn, func(l *lp.Lead) { l.TemplateID = uuid.New() })), lp.ErrNotFound)
		h.is(tx.Leads().Create(ctx, h.lead(tn, func(l *lp.Lead) { l.ProjectID = other.P1.ID })), lp.ErrNotFound,
			"a project of another organisation does not exist")
		h.is(tx.Leads().Create(ctx, h.lead(tn, func(l *lp.Lead) { l.TemplateID = other.Tpl.ID })), lp.ErrNotFound)
		for name, mod := range map[string]func(*lp.Lead){
			"bad number":     func(l *lp.Lead) { l.Phones = []phone.Number{"12345"} },
			"number twice":   func(l *lp.Lead) { l.Phones = append(l.Phones, l.Phones[0]) },
			"zero project":   func(l *lp.Lead) { l.ProjectID = uuid.Nil },
			"zero id":        func(l *lp.Lead) { l.ID = uuid.Nil },
			"forgotten data": func(l *lp.Lead) { l.ForgottenAt = h.now },
		} {
			h.is(tx.Leads().Create(ctx, h.lead(tn, mod)), lp.ErrInvalidArgument, name)
		}
	})
	require.Equal(h.t, 2, h.countLeads(tn.Org.ID))
}

func testLeadsCreateMany(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	first := []lp.Lead{h.lead(tn), h.lead(tn), h.lead(tn, func(l *lp.Lead) { l.ProjectID = tn.P2.ID })}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Leads().CreateMany(ctx, tn.Org.ID, first))
		h.noErr(tx.Leads().CreateMany(ctx, tn.Org.ID, nil), "an empty batch is a no-op")
	})
	for _, l := range first {
		require.Equal(h.t, l, h.getLead(tn.Org.ID, l.ID))
	}
	fresh := func() lp.Lead { return h.lead(tn) }
	for _, tc := range []struct {
		name  string
		batch []lp.Lead
		want  error
	}{
		{"existing id", []lp.Lead{fresh(), first[1], fresh()}, lp.ErrConflict},
		{"id twice", func() []lp.Lead { l := fresh(); return []lp.Lead{l, fresh(), l} }(), lp.ErrConflict},
		{"missing project", []lp.Lead{fresh(), h.lead(tn, func(l *lp.Lead) { l.ProjectID = uuid.New() })}, lp.ErrNotFound},
		{"missing template", []lp.Lead{fresh(), h.lead(tn, func(l *lp.Lead) { l.TemplateID = other.Tpl.ID })}, lp.ErrNotFound},
		{"invalid lead", []lp.Lead{fresh(), h.lead(tn, func(l *lp.Lead) { l.Phones = []phone.Number{"+45"} })}, lp.ErrInvalidArgument},
		{"other organisation", []lp.Lead{fresh(), h.lead(other)}, lp.ErrInvalidArgument},
	} {
		err := h.try(func(ctx context.Context, tx storage.Tx) error {
			err := tx.Leads().CreateMany(ctx, tn.Org.ID, tc.batch)
			h.is(err, tc.want, tc.name)
			// All or nothing: the transaction goes on, without the batch.
			n, err := tx.Leads().DeleteMany(ctx, tn.Org.ID, ids(tc.batch, leadID))
			h.noErr(err)
			h.check(n <= 1, "%s: CreateMany stored part of a failed batch", tc.name)
			return nil
		})
		h.noErr(err)
	}
	require.Equal(h.t, 0, h.countLeads(other.Org.ID))
}

// testLeadsCreateManyLarge stores more than MaxLimit leads in one call and
// checks that a page is capped at MaxLimit.
func testLeadsCreateManyLarge(h *harness) {
	tn := h.tenant("A")
	batch := make([]lp.Lead, storage.MaxLimit+5)
	for i := range batch {
		batch[i] = h.lead(tn, func(l *lp.Lead) { l.Fields = nil })
		if i != 7 && i != storage.MaxLimit {
			batch[i].Phones = nil // keeps validation (number parsing) out of the test's time
		}
	}
	h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Leads().CreateMany(ctx, tn.Org.ID, batch)) })
	want := sorted(ids(batch, leadID)...)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		page, err := tx.Leads().List(ctx, tn.Org.ID, storage.LeadFilter{}, storage.Page{Limit: storage.MaxLimit + 1})
		h.noErr(err)
		require.Equal(h.t, want[:storage.MaxLimit], ids(page, leadID))
		rest, err := tx.Leads().List(ctx, tn.Org.ID, storage.LeadFilter{}, storage.Page{After: page[len(page)-1].ID})
		h.noErr(err)
		require.Equal(h.t, want[storage.MaxLimit:], ids(rest, leadID))
		found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, []phone.Number{batch[7].Phones[0], batch[storage.MaxLimit].Phones[0]})
		h.noErr(err)
		require.Equal(h.t, sorted(batch[7].ID, batch[storage.MaxLimit].ID), ids(found, leadID))
	})
}

func testLeadsUpdate(h *harness) {
	tn := h.tenant("A")
	l := h.lead(tn)
	h.addLeads(l)
	oldNumber := l.Phones[0]
	changed := l
	changed.ProjectID, changed.Outcome, changed.LastContactAt, changed.LegalHold = tn.P2.ID, "not_interested", h.now, true
	changed.Phones = []phone.Number{h.number(), h.number()}
	changed.Fields = map[string]string{"tariff": "B"}
	h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Leads().Update(ctx, changed)) })
	require.Equal(h.t, changed, h.getLead(tn.Org.ID, l.ID))

	forgotten := changed
	forgotten.Phones, forgotten.Fields, forgotten.ForgottenAt = nil, nil, h.now
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Leads().Update(ctx, forgotten))
		found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, append([]phone.Number{oldNumber}, changed.Phones...))
		h.noErr(err)
		require.Empty(h.t, found, "Update must drop the lead's old numbers from the number index")

		missing := h.lead(tn)
		h.is(tx.Leads().Update(ctx, missing), lp.ErrNotFound)
		noProject := changed
		noProject.ProjectID = uuid.New()
		h.is(tx.Leads().Update(ctx, noProject), lp.ErrNotFound)
		noTemplate := changed
		noTemplate.TemplateID = uuid.New()
		h.is(tx.Leads().Update(ctx, noTemplate), lp.ErrNotFound)
		bad := forgotten
		bad.Phones = []phone.Number{h.number()}
		h.is(tx.Leads().Update(ctx, bad), lp.ErrInvalidArgument)
	})
	require.Equal(h.t, forgotten, h.getLead(tn.Org.ID, l.ID))
}

func testLeadsDelete(h *harness) {
	tn := h.tenant("A")
	l, keep := h.lead(tn), h.lead(tn)
	h.addLeads(l, keep)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Contacts().Add(ctx, h.contact(l, h.now)))
		h.noErr(tx.Contacts().Add(ctx, h.contact(keep, h.now)))
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Leads().Delete(ctx, tn.Org.ID, l.ID))
		h.is(tx.Leads().Delete(ctx, tn.Org.ID, l.ID), lp.ErrNotFound)
		_, err := tx.Leads().Get(ctx, tn.Org.ID, l.ID)
		h.is(err, lp.ErrNotFound)
		cs, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
		h.noErr(err)
		require.Empty(h.t, cs, "Delete removes the contact history")
		found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, l.Phones)
		h.noErr(err)
		require.Empty(h.t, found, "Delete removes the phone numbers")
		cs, err = tx.Contacts().ListByLead(ctx, tn.Org.ID, keep.ID)
		h.noErr(err)
		require.Len(h.t, cs, 1)
	})
}

func testLeadsDeleteMany(h *harness) {
	tn := h.tenant("A")
	ls := []lp.Lead{h.lead(tn), h.lead(tn), h.lead(tn), h.lead(tn)}
	h.addLeads(ls...)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, l := range ls {
			h.noErr(tx.Contacts().Add(ctx, h.contact(l, h.now)))
		}
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Leads().DeleteMany(ctx, tn.Org.ID, []uuid.UUID{ls[0].ID, uuid.New(), ls[2].ID, ls[0].ID})
		h.noErr(err)
		require.Equal(h.t, 2, n, "unknown ids are skipped, an id listed twice counts once")
		n, err = tx.Leads().DeleteMany(ctx, tn.Org.ID, nil)
		h.noErr(err)
		require.Zero(h.t, n)
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		left, err := tx.Leads().List(ctx, tn.Org.ID, storage.LeadFilter{}, storage.Page{})
		h.noErr(err)
		require.Equal(h.t, sorted(ls[1].ID, ls[3].ID), ids(left, leadID))
		for i, l := range ls {
			cs, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			require.Equal(h.t, i%2, len(cs), "contact history of lead %d", i)
		}
		found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, append(ls[0].Phones, ls[2].Phones...))
		h.noErr(err)
		require.Empty(h.t, found)
	})
}

func testLeadsFindByNumbers(h *harness) {
	tn := h.tenant("A")
	shared := h.number()
	a := h.lead(tn, func(l *lp.Lead) { l.Phones = append(l.Phones, shared) })
	b := h.lead(tn, func(l *lp.Lead) { l.Phones = []phone.Number{shared}; l.ProjectID = tn.P2.ID })
	c := h.lead(tn, func(l *lp.Lead) { l.Phones = append(l.Phones, h.number(), h.number()) })
	d := h.lead(tn)
	h.addLeads(a, b, c, d)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, tc := range []struct {
			name    string
			numbers []phone.Number
			want    []lp.Lead
		}{
			{"shared number", []phone.Number{shared}, []lp.Lead{a, b}},
			{"batch", []phone.Number{shared, c.Phones[2], h.number(), a.Phones[0]}, []lp.Lead{a, b, c}},
			{"every number of a lead once", c.Phones, []lp.Lead{c}},
			{"unknown", []phone.Number{h.number()}, nil},
			{"empty", nil, nil},
		} {
			got, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, tc.numbers)
			h.noErr(err)
			want := normLeads(tc.want)
			sortByID(want, leadID)
			require.Equal(h.t, want, normLeads(got), tc.name)
		}
	})
}

func testLeadsList(h *harness) {
	tn := h.tenant("A")
	var all []uuid.UUID
	var batch []lp.Lead
	for i := range 23 {
		l := h.lead(tn, func(l *lp.Lead) {
			if i%3 == 0 {
				l.Outcome = "no_answer"
			}
		})
		batch = append(batch, l)
		all = append(all, l.ID)
	}
	h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Leads().CreateMany(ctx, tn.Org.ID, batch)) })
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got := listAll(h, func(p storage.Page) ([]lp.Lead, error) {
			return tx.Leads().List(ctx, tn.Org.ID, storage.LeadFilter{}, p)
		}, leadID)
		require.Equal(h.t, sorted(all...), ids(got, leadID))
		got = listAll(h, func(p storage.Page) ([]lp.Lead, error) {
			return tx.Leads().List(ctx, tn.Org.ID, storage.LeadFilter{Outcomes: []string{"no_answer"}}, p)
		}, leadID)
		var want []uuid.UUID
		for _, l := range batch {
			if l.Outcome == "no_answer" {
				want = append(want, l.ID)
			}
		}
		require.Equal(h.t, sorted(want...), ids(got, leadID), "paging with a filter")
		gotIDs := listAll(h, func(p storage.Page) ([]uuid.UUID, error) {
			return tx.Leads().ListIDs(ctx, tn.Org.ID, storage.LeadFilter{Outcomes: []string{"no_answer"}}, p)
		}, func(id uuid.UUID) uuid.UUID { return id })
		require.Equal(h.t, sorted(want...), gotIDs, "ListIDs paging with a filter")
	})
}

// testLeadsProjectLegalHold checks LeadFilter.LegalHold with a held
// project: its leads are held as if each one were, with or without a
// ProjectID in the filter, in List, ListIDs and Count alike; another
// organisation's held project changes nothing; lifting the hold releases
// the leads but their own hold stays.
func testLeadsProjectLegalHold(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	a1 := h.lead(tn)
	a2 := h.lead(tn, func(l *lp.Lead) { l.LegalHold = true })
	b1 := h.lead(tn, func(l *lp.Lead) { l.ProjectID = tn.P2.ID })
	b2 := h.lead(tn, func(l *lp.Lead) { l.ProjectID, l.LegalHold = tn.P2.ID, true })
	b3 := h.lead(tn, func(l *lp.Lead) { l.ProjectID, l.CreatedAt = tn.P2.ID, h.now.Add(-time.Hour) })
	o1 := h.lead(other)
	h.addLeads(a1, a2, b1, b2, b3, o1)
	cut := h.now.Add(-24 * time.Hour)
	check := func(state string, cases []struct {
		f    storage.LeadFilter
		want []lp.Lead
	}) {
		h.t.Helper()
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for i, tc := range cases {
				want := nilIfEmpty(sorted(ids(tc.want, leadID)...))
				got, err := tx.Leads().List(ctx, tn.Org.ID, tc.f, storage.Page{})
				h.noErr(err)
				require.Equal(h.t, want, nilIfEmpty(ids(got, leadID)), "%s: List %d", state, i)
				gotIDs, err := tx.Leads().ListIDs(ctx, tn.Org.ID, tc.f, storage.Page{})
				h.noErr(err)
				require.Equal(h.t, want, nilIfEmpty(gotIDs), "%s: ListIDs %d", state, i)
				n, err := tx.Leads().Count(ctx, tn.Org.ID, tc.f)
				h.noErr(err)
				require.Equal(h.t, len(want), n, "%s: Count %d", state, i)
			}
		})
	}
	type cases = []struct {
		f    storage.LeadFilter
		want []lp.Lead
	}
	// B holds its P1: A's leads do not change.
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Projects().SetLegalHold(ctx, other.Org.ID, other.P1.ID, h.now))
	})
	notHeld := cases{
		{storage.LeadFilter{LegalHold: ptr(true)}, []lp.Lead{a2, b2}},
		{storage.LeadFilter{LegalHold: ptr(false)}, []lp.Lead{a1, b1, b3}},
		{storage.LeadFilter{ProjectID: tn.P2.ID, LegalHold: ptr(false)}, []lp.Lead{b1, b3}},
		{storage.LeadFilter{ProjectID: tn.P2.ID, LegalHold: ptr(true)}, []lp.Lead{b2}},
		{storage.LeadFilter{ProjectID: tn.P2.ID, Basis: lp.SinceCreated, Before: cut, LegalHold: ptr(false)}, []lp.Lead{b1}},
	}
	check("P2 not held", notHeld)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Projects().SetLegalHold(ctx, tn.Org.ID, tn.P2.ID, h.now))
	})
	check("P2 held", cases{
		{storage.LeadFilter{LegalHold: ptr(true)}, []lp.Lead{a2, b1, b2, b3}},
		{storage.LeadFilter{LegalHold: ptr(false)}, []lp.Lead{a1}},
		{storage.LeadFilter{ProjectID: tn.P2.ID, LegalHold: ptr(false)}, nil},
		{storage.LeadFilter{ProjectID: tn.P2.ID, LegalHold: ptr(true)}, []lp.Lead{b1, b2, b3}},
		{storage.LeadFilter{ProjectID: tn.P1.ID, LegalHold: ptr(false)}, []lp.Lead{a1}},
		{storage.LeadFilter{ProjectID: tn.P2.ID, Basis: lp.SinceCreated, Before: cut, LegalHold: ptr(true)}, []lp.Lead{b1, b2}},
		{storage.LeadFilter{ProjectID: tn.P2.ID}, []lp.Lead{b1, b2, b3}},
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Projects().SetLegalHold(ctx, tn.Org.ID, tn.P2.ID, time.Time{}))
	})
	check("P2 lifted", notHeld)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Leads().Count(ctx, other.Org.ID, storage.LeadFilter{LegalHold: ptr(true)})
		h.noErr(err)
		require.Equal(h.t, 1, n, "B's lead, held by B's project")
	})
}

// testLeadsListFilter covers every LeadFilter field, retention selection included.
func testLeadsListFilter(h *harness) {
	tn := h.tenant("A")
	day := 24 * time.Hour
	now := h.now
	at := func(d int) time.Time { return now.Add(-time.Duration(d) * day) }
	// l1: never called, open. l2: called and closed recently, legal hold.
	// l3: called and closed long ago, P2. l4: new. l5: forgotten.
	l1 := h.lead(tn, func(l *lp.Lead) { l.CreatedAt = at(60) })
	l2 := h.lead(tn, func(l *lp.Lead) {
		l.CreatedAt, l.LastContactAt, l.ClosedAt, l.LegalHold = at(60), at(10), at(10), true
	})
	l3 := h.lead(tn, func(l *lp.Lead) {
		l.CreatedAt, l.LastContactAt, l.ClosedAt, l.Outcome, l.ProjectID = at(60), at(40), at(40), "not_interested", tn.P2.ID
	})
	l4 := h.lead(tn, func(l *lp.Lead) { l.CreatedAt, l.Outcome = at(5), "" })
	l5 := h.lead(tn, func(l *lp.Lead) {
		l.CreatedAt, l.LastContactAt, l.ForgottenAt, l.Phones, l.Fields = at(60), at(40), at(1), nil, nil
	})
	h.addLeads(l1, l2, l3, l4, l5)
	cut := at(30)
	for _, tc := range []struct {
		name string
		f    storage.LeadFilter
		want []lp.Lead
	}{
		{"zero", storage.LeadFilter{}, []lp.Lead{l1, l2, l3, l4, l5}},
		{"project", storage.LeadFilter{ProjectID: tn.P2.ID}, []lp.Lead{l3}},
		{"outcome", storage.LeadFilter{Outcomes: []string{"success"}}, []lp.Lead{l1, l2, l5}},
		{"outcomes", storage.LeadFilter{Outcomes: []string{"success", "not_interested"}}, []lp.Lead{l1, l2, l3, l5}},
		{"empty outcome", storage.LeadFilter{Outcomes: []string{""}}, []lp.Lead{l4}},
		{"exclude", storage.LeadFilter{ExcludeOutcomes: []string{"success"}}, []lp.Lead{l3, l4}},
		{"catch-all", storage.LeadFilter{ExcludeOutcomes: []string{"success", "not_interested"}}, []lp.Lead{l4}},
		{"last contact", storage.LeadFilter{Basis: lp.SinceLastContact, Before: cut}, []lp.Lead{l1, l3, l5}},
		{"last contact boundary", storage.LeadFilter{Basis: lp.SinceLastContact, Before: at(40)}, []lp.Lead{l1}},
		{"created", storage.LeadFilter{Basis: lp.SinceCreated, Before: cut}, []lp.Lead{l1, l2, l3, l5}},
		{"closed", storage.LeadFilter{Basis: lp.SinceClosed, Before: cut}, []lp.Lead{l3}},
		{"closed, late cut", storage.LeadFilter{Basis: lp.SinceClosed, Before: now}, []lp.Lead{l2, l3}},
		{"basis without before", storage.LeadFilter{Basis: lp.SinceClosed}, []lp.Lead{l1, l2, l3, l4, l5}},
		{"forgotten", storage.LeadFilter{Forgotten: ptr(true)}, []lp.Lead{l5}},
		{"not forgotten", storage.LeadFilter{Forgotten: ptr(false)}, []lp.Lead{l1, l2, l3, l4}},
		{"combined", storage.LeadFilter{ProjectID: tn.P1.ID, Basis: lp.SinceLastContact, Before: cut,
			ExcludeOutcomes: []string{"not_interested"}, Forgotten: ptr(false)}, []lp.Lead{l1}},
		{"outcome and exclude", storage.LeadFilter{Outcomes: []string{"success", ""}, ExcludeOutcomes: []string{""}}, []lp.Lead{l1, l2, l5}},
		{"legal hold", storage.LeadFilter{LegalHold: ptr(true)}, []lp.Lead{l2}},
		{"not on legal hold", storage.LeadFilter{LegalHold: ptr(false)}, []lp.Lead{l1, l3, l4, l5}},
		{"due, not on hold", storage.LeadFilter{Basis: lp.SinceCreated, Before: cut, LegalHold: ptr(false)}, []lp.Lead{l1, l3, l5}},
	} {
		h.tx(func(ctx context.Context, tx storage.Tx) {
			want := sorted(ids(tc.want, leadID)...)
			got, err := tx.Leads().List(ctx, tn.Org.ID, tc.f, storage.Page{})
			h.noErr(err)
			require.Equal(h.t, want, nilIfEmpty(ids(got, leadID)), tc.name)
			gotIDs, err := tx.Leads().ListIDs(ctx, tn.Org.ID, tc.f, storage.Page{})
			h.noErr(err)
			require.Equal(h.t, want, nilIfEmpty(gotIDs), "ListIDs: "+tc.name)
		})
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, basis := range []lp.RetentionBasis{"", "bogus"} {
			f := storage.LeadFilter{Basis: basis, Before: cut}
			_, err := tx.Leads().List(ctx, tn.Org.ID, f, storage.Page{})
			h.is(err, lp.ErrInvalidArgument, "basis %q", basis)
			_, err = tx.Leads().ListIDs(ctx, tn.Org.ID, f, storage.Page{})
			h.is(err, lp.ErrInvalidArgument, "ListIDs: basis %q", basis)
		}
	})
}

func testLeadsAliasing(h *harness) {
	tn := h.tenant("A")
	l := h.lead(tn, func(l *lp.Lead) { l.Phones = append(l.Phones, h.number()) })
	want := normLead(l)
	want.Phones = append([]phone.Number(nil), l.Phones...)
	want.Fields = map[string]string{"first_name": "Jens", "tariff": "A"}
	other := h.lead(tn)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Leads().Create(ctx, l))
		l.Phones[0], l.Fields["first_name"] = h.number(), "changed"
		batch := []lp.Lead{other}
		h.noErr(tx.Leads().CreateMany(ctx, tn.Org.ID, batch))
		batch[0].Fields["tariff"] = "changed"
		other.Phones[0] = h.number()
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Leads().Get(ctx, tn.Org.ID, want.ID)
		h.noErr(err)
		require.Equal(h.t, want, normLead(got), "mutating a passed value changed the store")
		got.Phones[0], got.Fields["first_name"] = h.number(), "changed"
		list, err := tx.Leads().List(ctx, tn.Org.ID, storage.LeadFilter{}, storage.Page{})
		h.noErr(err)
		for _, x := range list {
			x.Phones[0] = h.number()
			x.Fields["tariff"] = "changed"
		}
		found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, want.Phones)
		h.noErr(err)
		found[0].Phones[1], found[0].Fields["x"] = h.number(), "y"
	})
	require.Equal(h.t, want, h.getLead(tn.Org.ID, want.ID), "mutating a returned value changed the store")
	o := h.getLead(tn.Org.ID, other.ID)
	require.Equal(h.t, "A", o.Fields["tariff"])
	require.NotEqual(h.t, other.Phones[0], o.Phones[0])
}

// testTimePrecision checks the time rules on a lead and a contact attempt:
// UTC out whatever the zone in, whole microseconds exact, finer times within
// the adapter's precision, zero stays zero.
func testTimePrecision(h *harness) {
	tn := h.tenant("A")
	zone := time.FixedZone("UTC-7", -7*3600)
	l := h.lead(tn, func(l *lp.Lead) {
		l.CreatedAt = h.now.In(zone)
		l.LastContactAt = h.now.Add(123 * time.Nanosecond)
		l.ClosedAt = time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC)
	})
	c := h.contact(l, time.Date(2099, 12, 31, 23, 59, 59, 999999000, zone))
	h.addLeads(l)
	h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Contacts().Add(ctx, c)) })
	got := h.getLead(tn.Org.ID, l.ID)
	for name, tc := range map[string]struct{ got, want time.Time }{
		"CreatedAt": {got.CreatedAt, h.now},
		"ClosedAt":  {got.ClosedAt, l.ClosedAt},
	} {
		require.Equal(h.t, time.UTC, tc.got.Location(), name)
		require.True(h.t, tc.got.Equal(tc.want), "%s: got %v, want %v", name, tc.got, tc.want)
	}
	require.True(h.t, got.ForgottenAt.IsZero(), "zero time stays zero")
	require.Equal(h.t, time.Time{}, got.ForgottenAt)
	diff := got.LastContactAt.Sub(l.LastContactAt).Abs()
	require.Less(h.t, diff, h.opts.TimePrecision, "time kept to the adapter's precision")
	h.tx(func(ctx context.Context, tx storage.Tx) {
		cs, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
		h.noErr(err)
		require.Len(h.t, cs, 1)
		require.Equal(h.t, time.UTC, cs[0].At.Location())
		require.True(h.t, cs[0].At.Equal(c.At))
	})
}

func sortByID[V any](vs []V, id func(V) uuid.UUID) {
	want := sorted(ids(vs, id)...)
	pos := make(map[uuid.UUID]int, len(want))
	for i, x := range want {
		pos[x] = i
	}
	out := make([]V, len(vs))
	for _, v := range vs {
		out[pos[id(v)]] = v
	}
	copy(vs, out)
}
