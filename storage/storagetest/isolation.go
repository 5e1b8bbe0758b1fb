package storagetest

import (
	"context"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

var isolationCases = []testCase{
	{"EveryMethod", testIsolationEveryMethod},
	{"SameIDs", testIsolationSameIDs},
}

// testIsolationEveryMethod calls every method as organisation B with the
// ids, numbers and fingerprints of organisation A: B must see nothing and
// change nothing of A, and every id of A is ErrNotFound for B.
func testIsolationEveryMethod(h *harness) {
	a := h.world("A")
	b := h.tenant("B")
	before := h.snapshot(a)
	org := b.Org.ID
	l, blk := a.Leads[2], a.Blocks[1]
	var numbers []phone.Number
	for _, x := range a.Leads {
		numbers = append(numbers, x.Phones...)
	}
	for _, x := range a.Blocks {
		numbers = append(numbers, x.Number)
	}
	// A's objects relabelled as B's: same ids, B's organisation.
	asB := func() (lp.Lead, lp.CampaignTemplate, lp.BlockEntry, lp.RetentionRule) {
		ll, t, bb, r := l, a.Tpl, blk, a.Rule
		ll.OrgID, t.OrgID, bb.OrgID, r.OrgID = org, org, org, org
		ll.ProjectID, ll.TemplateID, bb.ProjectID, r.ProjectID = b.P1.ID, b.Tpl.ID, b.P1.ID, b.P1.ID
		return ll, t, bb, r
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		ll, t, bb, r := asB()
		notFound := func(name string, err error) { h.t.Helper(); h.is(err, lp.ErrNotFound, name) }
		empty := func(name string, n int, err error) {
			h.t.Helper()
			h.noErr(err, name)
			require.Zero(h.t, n, name)
		}

		_, err := tx.Projects().Get(ctx, org, a.P1.ID)
		notFound("Projects.Get", err)
		ps, err := tx.Projects().List(ctx, org, storage.Page{})
		h.noErr(err)
		require.ElementsMatch(h.t, []lp.Project{b.P1, b.P2}, ps)

		_, err = tx.Templates().Get(ctx, org, a.Tpl.ID)
		notFound("Templates.Get", err)
		notFound("Templates.Update", tx.Templates().Update(ctx, t))
		ts, err := tx.Templates().List(ctx, org, storage.Page{})
		h.noErr(err)
		require.Equal(h.t, []uuid.UUID{b.Tpl.ID}, ids(ts, func(t lp.CampaignTemplate) uuid.UUID { return t.ID }))

		_, err = tx.Users().Get(ctx, org, a.Admin.ID)
		notFound("Users.Get", err)
		us, err := tx.Users().List(ctx, org, storage.Page{})
		h.noErr(err)
		require.ElementsMatch(h.t, []lp.User{b.Admin, b.Agent1, b.Agent2}, us)
		notFound("Users.AddMember a's user", tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: b.P1.ID, UserID: a.Agent1.ID}))
		notFound("Users.AddMember a's project", tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: a.P1.ID, UserID: b.Agent1.ID}))
		notFound("Users.RemoveMember", tx.Users().RemoveMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: a.P1.ID, UserID: a.Agent1.ID}))
		acc, err := tx.Users().WithAccess(ctx, org, a.P1.ID)
		h.noErr(err)
		require.Equal(h.t, []lp.User{b.Admin}, acc, "A's project under B yields B's admins only")

		_, err = tx.Leads().Get(ctx, org, l.ID)
		notFound("Leads.Get", err)
		notFound("Leads.Update", tx.Leads().Update(ctx, ll))
		notFound("Leads.Delete", tx.Leads().Delete(ctx, org, l.ID))
		n, err := tx.Leads().DeleteMany(ctx, org, ids(a.Leads, leadID))
		empty("Leads.DeleteMany", n, err)
		ls, err := tx.Leads().FindByNumbers(ctx, org, numbers)
		empty("Leads.FindByNumbers", len(ls), err)
		ls, err = tx.Leads().List(ctx, org, storage.LeadFilter{}, storage.Page{})
		empty("Leads.List", len(ls), err)
		ls, err = tx.Leads().List(ctx, org, storage.LeadFilter{ProjectID: a.P1.ID}, storage.Page{})
		empty("Leads.List A's project", len(ls), err)
		notFound("Leads.Create with A's project", tx.Leads().Create(ctx, h.lead(b, func(x *lp.Lead) { x.ProjectID = a.P1.ID })))

		notFound("Contacts.Add", tx.Contacts().Add(ctx, h.contact(ll, h.now)))
		cs, err := tx.Contacts().ListByLead(ctx, org, l.ID)
		empty("Contacts.ListByLead", len(cs), err)
		n, err = tx.Contacts().EraseByLead(ctx, org, l.ID)
		empty("Contacts.EraseByLead", n, err)

		_, err = tx.Blocks().Get(ctx, org, blk.ID)
		notFound("Blocks.Get", err)
		notFound("Blocks.Update", tx.Blocks().Update(ctx, bb))
		notFound("Blocks.Delete", tx.Blocks().Delete(ctx, org, blk.ID))
		bs, err := tx.Blocks().FindByNumbers(ctx, org, numbers)
		empty("Blocks.FindByNumbers", len(bs), err)
		bs, err = tx.Blocks().List(ctx, org, storage.BlockFilter{}, storage.Page{})
		empty("Blocks.List", len(bs), err)
		notFound("Blocks.Create with A's project", tx.Blocks().Create(ctx, h.block(b, func(x *lp.BlockEntry) { x.ProjectID = a.P1.ID })))

		sup, err := tx.Suppressions().Find(ctx, org, a.FPs)
		empty("Suppressions.Find", len(sup), err)
		notFound("Suppressions.Remove", tx.Suppressions().Remove(ctx, org, a.FPs[0]))

		_, err = tx.RetentionRules().Get(ctx, org, a.Rule.ID)
		notFound("RetentionRules.Get", err)
		notFound("RetentionRules.Update", tx.RetentionRules().Update(ctx, r))
		notFound("RetentionRules.Delete", tx.RetentionRules().Delete(ctx, org, a.Rule.ID))
		rs, err := tx.RetentionRules().List(ctx, org, uuid.Nil)
		empty("RetentionRules.List", len(rs), err)
		rs, err = tx.RetentionRules().List(ctx, org, a.P1.ID)
		empty("RetentionRules.List A's project", len(rs), err)

		cnt, err := tx.Events().Count(ctx, org)
		empty("Events.Count", int(cnt), err)
		es, err := tx.Events().Range(ctx, org, 0, 10)
		empty("Events.Range", len(es), err)
		es, err = tx.Events().Query(ctx, org, storage.EventQuery{LeadID: a.Leads[0].ID})
		empty("Events.Query", len(es), err)
		_, err = tx.Events().ReadHashes(ctx, org, a.Hashes[:1])
		notFound("Events.ReadHashes", err)
		h.noErr(tx.Events().WriteHashes(ctx, org, a.Hashes[:1], [][32]byte{{0xbb}}), "B's tree is B's own")
		seq, err := tx.Events().Append(ctx, h.event(b))
		h.noErr(err)
		require.Zero(h.t, seq, "B's ChangeLog starts at 0")

		// B's writes with B's own objects never reach A.
		h.noErr(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: org, Fingerprint: a.FPs[2], CreatedAt: h.now}))
		h.noErr(tx.Blocks().Create(ctx, h.block(b, func(x *lp.BlockEntry) { x.Number = a.Blocks[0].Number })))
		h.noErr(tx.Leads().Create(ctx, h.lead(b, func(x *lp.Lead) { x.Phones = a.Leads[0].Phones })))
	})
	require.Equal(h.t, before, h.snapshot(a), "organisation B changed organisation A")
}

// testIsolationSameIDs stores objects in B with the ids of A's objects:
// ids are unique per organisation, so these are independent objects.
func testIsolationSameIDs(h *harness) {
	a := h.world("A")
	b := h.tenant("B")
	before := h.snapshot(a)
	org := b.Org.ID
	p := lp.Project{OrgID: org, ID: a.P1.ID, Name: "B's project with A's id"}
	t := lp.CampaignTemplate{OrgID: org, ID: a.Tpl.ID, Name: "B's template"}
	u := lp.User{OrgID: org, ID: a.Admin.ID, Name: "B's user", Role: lp.RoleAgent}
	l := h.lead(b, func(x *lp.Lead) { x.ID, x.ProjectID, x.TemplateID = a.Leads[0].ID, p.ID, t.ID })
	blk := h.block(b, func(x *lp.BlockEntry) { x.ID = a.Blocks[0].ID })
	r := h.rule(b, "success")
	r.ID = a.Rule.ID
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Projects().Create(ctx, p))
		h.noErr(tx.Templates().Create(ctx, t))
		h.noErr(tx.Users().Create(ctx, u))
		h.noErr(tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: p.ID, UserID: u.ID}))
		h.noErr(tx.Leads().Create(ctx, l))
		c := h.contact(l, h.now)
		h.noErr(tx.Contacts().Add(ctx, c))
		h.noErr(tx.Blocks().Create(ctx, blk))
		h.noErr(tx.RetentionRules().Create(ctx, r))
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		got, err := tx.Leads().Get(ctx, org, l.ID)
		h.noErr(err)
		require.Equal(h.t, normLead(l), normLead(got))
		n, err := tx.Contacts().EraseByLead(ctx, org, l.ID)
		h.noErr(err)
		require.Equal(h.t, 1, n)
		h.noErr(tx.Leads().Delete(ctx, org, l.ID))
		h.noErr(tx.Blocks().Delete(ctx, org, blk.ID))
		h.noErr(tx.RetentionRules().Delete(ctx, org, r.ID))
		h.noErr(tx.Users().RemoveMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: p.ID, UserID: u.ID}))
	})
	require.Equal(h.t, before, h.snapshot(a))
}
