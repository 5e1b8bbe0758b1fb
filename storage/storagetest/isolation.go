package storagetest

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

var isolationCases = []testCase{
	{"EveryMethod", testIsolationEveryMethod},
	{"SameIDs", testIsolationSameIDs},
	{"SweepsCoverContract", testSweepsCoverContract},
}

// contractMethods returns "View.Method" for every method of every view of
// storage.Tx, read by reflection so a method added to the contract is
// listed without anyone remembering to.
func contractMethods() []string {
	var out []string
	tx := reflect.TypeFor[storage.Tx]()
	for i := range tx.NumMethod() {
		view := tx.Method(i)
		vt := view.Type.Out(0)
		for j := range vt.NumMethod() {
			out = append(out, view.Name+"."+vt.Method(j).Name)
		}
	}
	return out
}

// requireCovers fails unless covered holds every method of the contract.
func requireCovers(h *harness, sweep string, covered map[string]bool) {
	h.t.Helper()
	var missing []string
	for _, m := range contractMethods() {
		if !covered[m] {
			missing = append(missing, m)
		}
	}
	require.Empty(h.t, missing, "the %s sweep has no case for these methods of the contract", sweep)
}

// testSweepsCoverContract checks that the every-method sweep of calls
// (cancelled context, use after done, writes in View) names every method
// of the contract; testIsolationEveryMethod checks its own sweep.
func testSweepsCoverContract(h *harness) {
	covered := map[string]bool{}
	for _, c := range h.calls(h.world("A")) {
		covered[c.name] = true
	}
	requireCovers(h, "calls", covered)
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
	// covered records the methods called, by the first word of each
	// check's name, for requireCovers.
	covered := map[string]bool{}
	mark := func(name string) { covered[strings.Fields(name)[0]] = true }
	h.tx(func(ctx context.Context, tx storage.Tx) {
		ll, t, bb, r := asB()
		notFound := func(name string, err error) { h.t.Helper(); mark(name); h.is(err, lp.ErrNotFound, name) }
		ok := func(name string, err error) { h.t.Helper(); mark(name); h.noErr(err, name) }
		empty := func(name string, n int, err error) {
			h.t.Helper()
			ok(name, err)
			require.Zero(h.t, n, name)
		}

		o, err := tx.Organisations().Get(ctx, org)
		ok("Organisations.Get", err)
		require.Equal(h.t, b.Org, o, "B's organisation, not A's")
		h.is(tx.Organisations().Create(ctx, lp.Organisation{ID: a.Org.ID, Name: "B's copy of A", DefaultRegion: "SE"}), lp.ErrConflict, "Organisations.Create with A's id")
		mark("Organisations.Create")
		renamed := b.Org
		renamed.Name = a.Org.Name + " (B)"
		ok("Organisations.Update B's own", tx.Organisations().Update(ctx, renamed))

		_, err = tx.Projects().Get(ctx, org, a.P1.ID)
		notFound("Projects.Get", err)
		notFound("Projects.SetLegalHold", tx.Projects().SetLegalHold(ctx, org, a.P1.ID, h.now))
		ok("Projects.Create with A's id", tx.Projects().Create(ctx, lp.Project{OrgID: org, ID: a.P2.ID, Name: "B's project with A's id"}))
		ps, err := tx.Projects().List(ctx, org, storage.Page{})
		ok("Projects.List", err)
		require.ElementsMatch(h.t, []uuid.UUID{b.P1.ID, b.P2.ID, a.P2.ID}, ids(ps, func(p lp.Project) uuid.UUID { return p.ID }))

		_, err = tx.Templates().Get(ctx, org, a.Tpl.ID)
		notFound("Templates.Get", err)
		notFound("Templates.Update", tx.Templates().Update(ctx, t))
		ts, err := tx.Templates().List(ctx, org, storage.Page{})
		ok("Templates.List", err)
		require.Equal(h.t, []uuid.UUID{b.Tpl.ID}, ids(ts, func(t lp.CampaignTemplate) uuid.UUID { return t.ID }))
		ok("Templates.Create with A's id", tx.Templates().Create(ctx, t))

		_, err = tx.Users().Get(ctx, org, a.Admin.ID)
		notFound("Users.Get", err)
		us, err := tx.Users().List(ctx, org, storage.Page{})
		ok("Users.List", err)
		require.ElementsMatch(h.t, []lp.User{b.Admin, b.Agent1, b.Agent2}, us)
		ok("Users.Create with A's id", tx.Users().Create(ctx, lp.User{OrgID: org, ID: a.Agent2.ID, Name: "B's user with A's id", Role: lp.RoleAgent}))
		notFound("Users.AddMember a's user", tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: b.P1.ID, UserID: a.Agent1.ID}))
		notFound("Users.AddMember a's project", tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: a.P1.ID, UserID: b.Agent1.ID}))
		notFound("Users.RemoveMember", tx.Users().RemoveMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: a.P1.ID, UserID: a.Agent1.ID}))
		acc, err := tx.Users().WithAccess(ctx, org, a.P1.ID)
		ok("Users.WithAccess", err)
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
		lids, err := tx.Leads().ListIDs(ctx, org, storage.LeadFilter{}, storage.Page{})
		empty("Leads.ListIDs", len(lids), err)
		lids, err = tx.Leads().ListIDs(ctx, org, storage.LeadFilter{ProjectID: a.P1.ID, Before: h.now.Add(time.Hour), Basis: lp.SinceCreated}, storage.Page{})
		empty("Leads.ListIDs A's project", len(lids), err)
		n, err = tx.Leads().Count(ctx, org, storage.LeadFilter{})
		empty("Leads.Count", n, err)
		n, err = tx.Leads().Count(ctx, org, storage.LeadFilter{ProjectID: a.P1.ID})
		empty("Leads.Count A's project", n, err)
		counts, err := tx.Leads().CountMany(ctx, org, []storage.LeadFilter{{}, {ProjectID: a.P1.ID}})
		empty("Leads.CountMany (non-zero counts)", len(slices.DeleteFunc(counts, func(n int) bool { return n == 0 })), err)
		n, err = tx.Leads().AnonymiseMany(ctx, org, ids(a.Leads, leadID), h.now)
		empty("Leads.AnonymiseMany", n, err)
		notFound("Leads.Create with A's project", tx.Leads().Create(ctx, h.lead(b, func(x *lp.Lead) { x.ProjectID = a.P1.ID })))
		notFound("Leads.CreateMany with A's project", tx.Leads().CreateMany(ctx, org, []lp.Lead{h.lead(b, func(x *lp.Lead) { x.ProjectID = a.P1.ID })}))

		notFound("Contacts.Add", tx.Contacts().Add(ctx, h.contact(ll, h.now)))
		cs, err := tx.Contacts().ListByLead(ctx, org, l.ID)
		empty("Contacts.ListByLead", len(cs), err)
		n, err = tx.Contacts().EraseByLead(ctx, org, l.ID)
		empty("Contacts.EraseByLead", n, err)
		refs, n, err := tx.Contacts().EraseByLeads(ctx, org, ids(a.Leads, leadID))
		empty("Contacts.EraseByLeads", n+len(refs), err)

		_, err = tx.Blocks().Get(ctx, org, blk.ID)
		notFound("Blocks.Get", err)
		notFound("Blocks.Update", tx.Blocks().Update(ctx, bb))
		notFound("Blocks.Delete", tx.Blocks().Delete(ctx, org, blk.ID))
		bs, err := tx.Blocks().FindByNumbers(ctx, org, numbers)
		empty("Blocks.FindByNumbers", len(bs), err)
		bs, err = tx.Blocks().List(ctx, org, storage.BlockFilter{}, storage.Page{})
		empty("Blocks.List", len(bs), err)
		bs, err = tx.Blocks().List(ctx, org, storage.BlockFilter{ProjectID: a.P1.ID, BlockedBy: a.Admin.ID}, storage.Page{})
		empty("Blocks.List A's project and user", len(bs), err)
		n, err = tx.Blocks().Count(ctx, org, storage.BlockFilter{})
		empty("Blocks.Count", n, err)
		n, err = tx.Blocks().Count(ctx, org, storage.BlockFilter{ProjectID: a.P1.ID, BlockedBy: a.Admin.ID})
		empty("Blocks.Count A's project and user", n, err)
		n, err = tx.Blocks().DeleteMany(ctx, org, ids(a.Blocks, blockID))
		empty("Blocks.DeleteMany", n, err)
		notFound("Blocks.Create with A's project", tx.Blocks().Create(ctx, h.block(b, func(x *lp.BlockEntry) { x.ProjectID = a.P1.ID })))
		_, err = tx.Blocks().CreateMany(ctx, org, []lp.BlockEntry{h.block(b, func(x *lp.BlockEntry) { x.ProjectID = a.P1.ID })})
		notFound("Blocks.CreateMany with A's project", err)

		sup, err := tx.Suppressions().Find(ctx, org, a.FPs)
		empty("Suppressions.Find", len(sup), err)
		notFound("Suppressions.Remove", tx.Suppressions().Remove(ctx, org, a.FPs[0]))
		fpsB, err := tx.Suppressions().ListFingerprints(ctx, org, phone.Fingerprint{}, 0)
		empty("Suppressions.ListFingerprints", len(fpsB), err)
		gen, err := tx.Blocks().ScreeningGeneration(ctx, org)
		empty("Blocks.ScreeningGeneration", int(gen), err)

		_, err = tx.RetentionRules().Get(ctx, org, a.Rule.ID)
		notFound("RetentionRules.Get", err)
		notFound("RetentionRules.Update", tx.RetentionRules().Update(ctx, r))
		notFound("RetentionRules.Delete", tx.RetentionRules().Delete(ctx, org, a.Rule.ID))
		rs, err := tx.RetentionRules().List(ctx, org, uuid.Nil)
		empty("RetentionRules.List", len(rs), err)
		rs, err = tx.RetentionRules().List(ctx, org, a.P1.ID)
		empty("RetentionRules.List A's project", len(rs), err)
		foreign := h.rule(b, "other")
		foreign.ProjectID = a.P1.ID
		notFound("RetentionRules.Create with A's project", tx.RetentionRules().Create(ctx, foreign))

		cnt, err := tx.Events().Count(ctx, org)
		empty("Events.Count", int(cnt), err)
		es, err := tx.Events().Range(ctx, org, 0, 10)
		empty("Events.Range", len(es), err)
		es, err = tx.Events().Query(ctx, org, storage.EventQuery{LeadID: a.Leads[0].ID})
		empty("Events.Query", len(es), err)
		_, err = tx.Events().ReadHashes(ctx, org, a.Hashes[:1])
		notFound("Events.ReadHashes", err)
		ok("Events.WriteHashes B's tree is B's own", tx.Events().WriteHashes(ctx, org, a.Hashes[:1], [][32]byte{{0xbb}}))
		seq, err := tx.Events().Append(ctx, h.event(b))
		ok("Events.Append", err)
		require.Zero(h.t, seq, "B's ChangeLog starts at 0")

		reg, era := a.Registries[0], a.Erasures[0]
		_, err = tx.Registries().Get(ctx, org, reg.Name)
		notFound("Registries.Get", err)
		regs, err := tx.Registries().List(ctx, org)
		empty("Registries.List", len(regs), err)
		regB := reg
		regB.OrgID, regB.ProjectIDs = org, nil
		notFound("Registries.Update", tx.Registries().Update(ctx, regB))
		notFound("Registries.Delete", tx.Registries().Delete(ctx, org, reg.ID))
		notFound("Registries.WriteSnapshot", tx.Registries().WriteSnapshot(ctx, org, reg.ID, 2, []byte("B")))
		_, err = tx.Registries().ReadSnapshot(ctx, org, reg.ID, 1)
		notFound("Registries.ReadSnapshot", err)
		var streamed bytes.Buffer
		notFound("Registries.ReadSnapshotTo", tx.Registries().ReadSnapshotTo(ctx, org, reg.ID, 1, &streamed))
		empty("Registries.ReadSnapshotTo's bytes", streamed.Len(), nil)
		n, err = tx.Registries().DeleteSnapshots(ctx, org, reg.ID, 10)
		empty("Registries.DeleteSnapshots", n, err)
		notFound("Registries.Create with A's project", tx.Registries().Create(ctx, h.registry(b, "scoped", nil, func(r *lp.Registry) {
			r.ProjectIDs = []uuid.UUID{a.P1.ID}
		})))

		_, err = tx.Erasures().Get(ctx, org, era.ID)
		notFound("Erasures.Get", err)
		eras, err := tx.Erasures().List(ctx, org, time.Time{}, storage.Page{})
		empty("Erasures.List", len(eras), err)
		eraB := era
		eraB.OrgID = org
		notFound("Erasures.Update", tx.Erasures().Update(ctx, eraB))
		notFound("Erasures.Delete", tx.Erasures().Delete(ctx, org, era.ID))

		_, _, err = tx.Leases().Get(ctx, org, a.Lease.Name)
		notFound("Leases.Get", err)
		ok("Leases.Release A's lease and holder", tx.Leases().Release(ctx, org, a.Lease.Name, a.Lease.Holder))

		// B's writes with B's own objects never reach A.
		ok("Suppressions.Add", tx.Suppressions().Add(ctx, lp.Suppression{OrgID: org, Fingerprint: a.FPs[2], CreatedAt: h.now}))
		ok("Blocks.Create A's number", tx.Blocks().Create(ctx, h.block(b, func(x *lp.BlockEntry) { x.Number = a.Blocks[0].Number })))
		ok("Leads.Create A's numbers", tx.Leads().Create(ctx, h.lead(b, func(x *lp.Lead) { x.Phones = a.Leads[0].Phones })))
		ok("Registries.Create A's id and name", tx.Registries().Create(ctx, regB))
		ok("Erasures.Add A's id", tx.Erasures().Add(ctx, eraB))
		taken, err := tx.Leases().Acquire(ctx, org, a.Lease.Name, uuid.New(), h.now, h.now.Add(time.Minute))
		ok("Leases.Acquire A's lease name", err)
		require.True(h.t, taken, "B's lease of the name is B's own")
	})
	require.Equal(h.t, before, h.snapshot(a), "organisation B changed organisation A")
	requireCovers(h, "isolation", covered)
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
	reg := h.registry(b, a.Registries[0].Name, nil, func(x *lp.Registry) { x.ID, x.ProjectIDs = a.Registries[0].ID, []uuid.UUID{p.ID} })
	era := h.erasure(b, func(x *lp.PendingErasure) { x.ID = a.Erasures[0].ID })
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
		h.noErr(tx.Registries().Create(ctx, reg))
		h.noErr(tx.Registries().WriteSnapshot(ctx, org, reg.ID, 1, []byte("B's")))
		h.noErr(tx.Erasures().Add(ctx, era))
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
		data, err := tx.Registries().ReadSnapshot(ctx, org, reg.ID, 1)
		h.noErr(err)
		require.Equal(h.t, []byte("B's"), data)
		var streamed bytes.Buffer
		h.noErr(tx.Registries().ReadSnapshotTo(ctx, org, reg.ID, 1, &streamed))
		require.Equal(h.t, "B's", streamed.String())
		gotReg, err := tx.Registries().Get(ctx, org, reg.Name)
		h.noErr(err)
		require.Equal(h.t, reg, gotReg)
		h.noErr(tx.Registries().Delete(ctx, org, reg.ID))
		h.noErr(tx.Erasures().Delete(ctx, org, era.ID))
	})
	require.Equal(h.t, before, h.snapshot(a))
}
