package storagetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// world is a tenant with some of every kind of object, so tests can check
// that a transaction, or another tenant, leaves every one of them alone.
type world struct {
	tenant
	Leads  []lp.Lead
	Blocks []lp.BlockEntry
	FPs    []phone.Fingerprint // fingerprints of suppressions (the first two are stored)
	Rule   lp.RetentionRule
	Hashes []int64 // tree hash indexes written
	// Registries[0] is scoped to P1, Registries[1] organisation-wide;
	// each has the snapshot Snapshots[i] as version 1.
	Registries []lp.Registry
	Snapshots  [][]byte
	Erasures   []lp.PendingErasure
	Lease      lease // held until an hour after now
}

// lease is a taken lease as Leases.Get reports it.
type lease struct {
	Name   string
	Holder uuid.UUID
	Until  time.Time
}

// fps are fixed fingerprints: suppressions are found by fingerprint only.
var fps = []phone.Fingerprint{{1, 1}, {2, 2}, {3, 3}}

func (h *harness) world(name string) world {
	h.t.Helper()
	w := world{tenant: h.tenant(name), FPs: fps, Hashes: []int64{0, 1, 2}}
	w.Leads = []lp.Lead{
		h.lead(w.tenant),
		h.lead(w.tenant, func(l *lp.Lead) { l.ProjectID = w.P2.ID; l.Outcome = "not_interested" }),
		h.lead(w.tenant, func(l *lp.Lead) { l.Phones = append(l.Phones, h.number()); l.LastContactAt = h.now }),
	}
	w.Blocks = []lp.BlockEntry{
		h.block(w.tenant),
		h.block(w.tenant, func(b *lp.BlockEntry) { b.ProjectID = w.P1.ID; b.ExpiresAt = h.now.Add(time.Hour) }),
	}
	w.Rule = h.rule(w.tenant, "success")
	w.Snapshots = [][]byte{randomBytes(100, 1), randomBytes(16, 2)} // small: chunking has cases of its own
	w.Registries = []lp.Registry{
		h.registry(w.tenant, "tps", w.Snapshots[0], func(r *lp.Registry) { r.ProjectIDs = []uuid.UUID{w.P1.ID} }),
		h.registry(w.tenant, "nix", w.Snapshots[1]),
	}
	w.Erasures = []lp.PendingErasure{
		h.erasure(w.tenant, func(e *lp.PendingErasure) { e.LeadID = w.Leads[0].ID }),
		h.erasure(w.tenant, func(e *lp.PendingErasure) { e.LeadID = w.Leads[1].ID; e.NextAttemptAt = h.now.Add(time.Hour) }),
	}
	w.Lease = lease{Name: "retention", Holder: uuid.New(), Until: h.now.Add(time.Hour)}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Leads().CreateMany(ctx, w.Org.ID, w.Leads))
		for _, l := range w.Leads {
			h.noErr(tx.Contacts().Add(ctx, h.contact(l, h.now.Add(-time.Hour))))
		}
		for _, b := range w.Blocks {
			h.noErr(tx.Blocks().Create(ctx, b))
		}
		for _, fp := range w.FPs[:2] {
			h.noErr(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: w.Org.ID, Fingerprint: fp, CreatedBy: w.Admin.ID, CreatedAt: h.now}))
		}
		h.noErr(tx.RetentionRules().Create(ctx, w.Rule))
		for i := range 3 {
			_, err := tx.Events().Append(ctx, h.event(w.tenant, func(e *lp.Event) {
				e.LeadID = w.Leads[i].ID
				e.Details = map[string]string{"n": "1"}
			}))
			h.noErr(err)
		}
		h.noErr(tx.Events().WriteHashes(ctx, w.Org.ID, w.Hashes, [][32]byte{{1}, {2}, {3}}))
		for i, r := range w.Registries {
			h.noErr(tx.Registries().Create(ctx, r))
			h.noErr(tx.Registries().WriteSnapshot(ctx, w.Org.ID, r.ID, 1, w.Snapshots[i]))
		}
		for _, e := range w.Erasures {
			h.noErr(tx.Erasures().Add(ctx, e))
		}
		taken, err := tx.Leases().Acquire(ctx, w.Org.ID, w.Lease.Name, w.Lease.Holder, h.now, w.Lease.Until)
		h.noErr(err)
		h.check(taken, "the world's lease was not taken")
	})
	return w
}

// snapshot is everything the contract can read about one organisation.
type snapshot struct {
	Org          lp.Organisation
	Projects     []lp.Project
	Templates    []lp.CampaignTemplate
	Users        []lp.User
	Access       map[uuid.UUID][]lp.User
	Leads        []lp.Lead
	ByNumber     []lp.Lead
	Contacts     map[uuid.UUID][]lp.ContactAttempt
	Blocks       []lp.BlockEntry
	BlocksByNum  []lp.BlockEntry
	Suppressions map[phone.Fingerprint]lp.Suppression
	Rules        []lp.RetentionRule
	Events       []lp.Event
	Hashes       map[int64][32]byte
	Registries   []lp.Registry
	// Snapshots maps "registry id/version" to the SHA-256 of the stored
	// snapshot, for versions 1 to 3 of the registries listed and the
	// world's.
	Snapshots map[string][32]byte
	Erasures  []lp.PendingErasure
	// Leases maps the names of the world's lease and of the one
	// changeEverything takes to their state (absent if free).
	Leases map[string]lease
}

// snapshot reads the world's organisation completely, in one transaction.
func (h *harness) snapshot(w world) snapshot {
	h.t.Helper()
	org := w.Org.ID
	s := snapshot{Access: map[uuid.UUID][]lp.User{}, Contacts: map[uuid.UUID][]lp.ContactAttempt{},
		Suppressions: map[phone.Fingerprint]lp.Suppression{}, Hashes: map[int64][32]byte{},
		Snapshots: map[string][32]byte{}, Leases: map[string]lease{}}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		var err error
		s.Org, err = tx.Organisations().Get(ctx, org)
		h.noErr(err)
		s.Projects = listAll(h, func(p storage.Page) ([]lp.Project, error) { return tx.Projects().List(ctx, org, p) }, func(p lp.Project) uuid.UUID { return p.ID })
		s.Templates = listAll(h, func(p storage.Page) ([]lp.CampaignTemplate, error) { return tx.Templates().List(ctx, org, p) }, func(t lp.CampaignTemplate) uuid.UUID { return t.ID })
		for i := range s.Templates {
			s.Templates[i] = normTemplate(s.Templates[i])
		}
		s.Users = listAll(h, func(p storage.Page) ([]lp.User, error) { return tx.Users().List(ctx, org, p) }, func(u lp.User) uuid.UUID { return u.ID })
		for _, p := range []uuid.UUID{w.P1.ID, w.P2.ID} {
			s.Access[p], err = tx.Users().WithAccess(ctx, org, p)
			h.noErr(err)
		}
		s.Leads = normLeads(listAll(h, func(p storage.Page) ([]lp.Lead, error) {
			return tx.Leads().List(ctx, org, storage.LeadFilter{}, p)
		}, leadID))
		var numbers []phone.Number
		for _, l := range append(s.Leads, w.Leads...) {
			numbers = append(numbers, l.Phones...)
			cs, err := tx.Contacts().ListByLead(ctx, org, l.ID)
			h.noErr(err)
			s.Contacts[l.ID] = nilIfEmpty(cs)
		}
		s.ByNumber, err = tx.Leads().FindByNumbers(ctx, org, numbers)
		h.noErr(err)
		s.ByNumber = normLeads(s.ByNumber)
		s.Blocks = listAll(h, func(p storage.Page) ([]lp.BlockEntry, error) {
			return tx.Blocks().List(ctx, org, storage.BlockFilter{}, p)
		}, blockID)
		for _, b := range append(s.Blocks, w.Blocks...) {
			numbers = append(numbers, b.Number)
		}
		s.BlocksByNum, err = tx.Blocks().FindByNumbers(ctx, org, numbers)
		h.noErr(err)
		sup, err := tx.Suppressions().Find(ctx, org, w.FPs)
		h.noErr(err)
		for _, x := range sup {
			s.Suppressions[x.Fingerprint] = x
		}
		s.Rules, err = tx.RetentionRules().List(ctx, org, uuid.Nil)
		h.noErr(err)
		n, err := tx.Events().Count(ctx, org)
		h.noErr(err)
		evs, err := tx.Events().Range(ctx, org, 0, n)
		h.noErr(err)
		s.Events = normEvents(evs)
		for x := range int64(8) {
			hs, err := tx.Events().ReadHashes(ctx, org, []int64{x})
			if errors.Is(err, lp.ErrNotFound) {
				continue
			}
			h.noErr(err)
			s.Hashes[x] = hs[0]
		}
		s.Registries, err = tx.Registries().List(ctx, org)
		h.noErr(err)
		for _, r := range append(s.Registries, w.Registries...) {
			for v := int64(1); v <= 3; v++ {
				data, err := tx.Registries().ReadSnapshot(ctx, org, r.ID, v)
				if errors.Is(err, lp.ErrNotFound) {
					continue
				}
				h.noErr(err)
				s.Snapshots[r.ID.String()+"/"+strconv.FormatInt(v, 10)] = sha256.Sum256(data)
			}
		}
		s.Erasures = normErasures(listAll(h, func(p storage.Page) ([]lp.PendingErasure, error) {
			return tx.Erasures().List(ctx, org, time.Time{}, p)
		}, erasureID))
		for _, name := range []string{w.Lease.Name, changedLease} {
			holder, until, err := tx.Leases().Get(ctx, org, name)
			if errors.Is(err, lp.ErrNotFound) {
				continue
			}
			h.noErr(err)
			s.Leases[name] = lease{Name: name, Holder: holder, Until: until}
		}
	})
	return s
}

// listAll pages through a list with small pages, checking the page contract
// on the way: ascending ids, no page longer than asked.
func listAll[V any](h *harness, list func(storage.Page) ([]V, error), id func(V) uuid.UUID) []V {
	h.t.Helper()
	var out []V
	page := storage.Page{Limit: 2}
	for {
		got, err := list(page)
		h.noErr(err)
		if len(got) > page.Limit {
			h.t.Fatalf("page of %d items for Limit %d", len(got), page.Limit)
		}
		for _, v := range got {
			if c := cmpID(id(v), page.After); c <= 0 {
				h.t.Fatalf("page after %s returned id %s out of order", page.After, id(v))
			}
			page.After = id(v)
		}
		out = append(out, got...)
		if len(got) < page.Limit {
			return out
		}
	}
}

func cmpID(a, b uuid.UUID) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}

// changeEverything calls every writing method of the contract once,
// successfully, on the world's objects.
func (h *harness) changeEverything(ctx context.Context, tx storage.Tx, w world) {
	h.t.Helper()
	org := w.Org.ID
	o := w.Org
	o.Name = "Renamed"
	h.noErr(tx.Organisations().Update(ctx, o))
	h.noErr(tx.Organisations().Create(ctx, lp.Organisation{ID: uuid.New(), Name: "New", DefaultRegion: "SE"}))
	h.noErr(tx.Projects().Create(ctx, lp.Project{OrgID: org, ID: uuid.New(), Name: "New", CreatedAt: h.now}))
	tpl := w.Tpl
	tpl.Fields = tpl.Fields[:1]
	h.noErr(tx.Templates().Update(ctx, tpl))
	h.noErr(tx.Templates().Create(ctx, lp.CampaignTemplate{OrgID: org, ID: uuid.New(), Name: "New"}))
	h.noErr(tx.Users().Create(ctx, lp.User{OrgID: org, ID: uuid.New(), Name: "New", Role: lp.RoleAdmin}))
	h.noErr(tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: w.P2.ID, UserID: w.Agent1.ID}))
	h.noErr(tx.Users().RemoveMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: w.P2.ID, UserID: w.Agent2.ID}))

	h.noErr(tx.Leads().Create(ctx, h.lead(w.tenant)))
	h.noErr(tx.Leads().CreateMany(ctx, org, []lp.Lead{h.lead(w.tenant), h.lead(w.tenant)}))
	forgotten := w.Leads[0]
	forgotten.Phones, forgotten.Fields, forgotten.ForgottenAt = nil, nil, h.now
	h.noErr(tx.Leads().Update(ctx, forgotten))
	h.noErr(tx.Leads().Delete(ctx, org, w.Leads[1].ID))
	n, err := tx.Leads().DeleteMany(ctx, org, []uuid.UUID{w.Leads[2].ID})
	h.noErr(err)
	h.check(n == 1, "DeleteMany removed %d leads, want 1", n)

	kept := h.lead(w.tenant)
	h.noErr(tx.Leads().Create(ctx, kept))
	h.noErr(tx.Contacts().Add(ctx, h.contact(kept, h.now)))
	_, err = tx.Contacts().EraseByLead(ctx, org, kept.ID)
	h.noErr(err)

	h.noErr(tx.Blocks().Create(ctx, h.block(w.tenant)))
	created := []lp.BlockEntry{h.block(w.tenant), h.block(w.tenant)}
	_, err = tx.Blocks().CreateMany(ctx, org, created)
	h.noErr(err)
	n, err = tx.Blocks().DeleteMany(ctx, org, []uuid.UUID{created[0].ID})
	h.noErr(err)
	h.check(n == 1, "Blocks.DeleteMany removed %d entries, want 1", n)
	b := w.Blocks[1]
	b.ExpiresAt, b.Reason = time.Time{}, "changed"
	h.noErr(tx.Blocks().Update(ctx, b))
	h.noErr(tx.Blocks().Delete(ctx, org, w.Blocks[0].ID))

	h.noErr(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: org, Fingerprint: w.FPs[2], CreatedBy: w.Admin.ID, CreatedAt: h.now}))
	h.noErr(tx.Suppressions().Remove(ctx, org, w.FPs[0]))

	r := w.Rule
	r.KeepFor *= 2
	h.noErr(tx.RetentionRules().Update(ctx, r))
	h.noErr(tx.RetentionRules().Create(ctx, h.rule(w.tenant, "no_answer")))
	h.noErr(tx.RetentionRules().Delete(ctx, org, w.Rule.ID))

	_, err = tx.Events().Append(ctx, h.event(w.tenant))
	h.noErr(err)
	h.noErr(tx.Events().WriteHashes(ctx, org, []int64{5}, [][32]byte{{5}}))

	// A registry switched to version 2, one deleted, one created.
	next := w.Registries[0]
	next.Version, next.Size, next.Hash, next.ProjectIDs = 2, 3, sha256.Sum256([]byte("v2!")), []uuid.UUID{w.P2.ID, w.P1.ID}
	h.noErr(tx.Registries().WriteSnapshot(ctx, org, next.ID, 2, []byte("v2!")))
	h.noErr(tx.Registries().Update(ctx, next))
	n, err = tx.Registries().DeleteSnapshots(ctx, org, next.ID, 2)
	h.noErr(err)
	h.check(n == 1, "Registries.DeleteSnapshots removed %d versions, want 1", n)
	h.noErr(tx.Registries().Delete(ctx, org, w.Registries[1].ID))
	h.noErr(tx.Registries().Create(ctx, h.registry(w.tenant, "dnc", nil)))

	// An erasure failed once, one done, one added.
	failed := w.Erasures[0]
	failed.Attempts, failed.LastError, failed.NextAttemptAt = 1, "unavailable", h.now.Add(time.Minute)
	h.noErr(tx.Erasures().Update(ctx, failed))
	h.noErr(tx.Erasures().Delete(ctx, org, w.Erasures[1].ID))
	h.noErr(tx.Erasures().Add(ctx, h.erasure(w.tenant)))

	// A new lead forgotten in a batch, its history erased; the world's
	// lease released, another taken.
	batch := h.lead(w.tenant)
	h.noErr(tx.Leads().Create(ctx, batch))
	h.noErr(tx.Contacts().Add(ctx, h.contact(batch, h.now)))
	n, err = tx.Leads().AnonymiseMany(ctx, org, []uuid.UUID{batch.ID}, h.now)
	h.noErr(err)
	h.check(n == 1, "AnonymiseMany changed %d leads, want 1", n)
	_, n, err = tx.Contacts().EraseByLeads(ctx, org, []uuid.UUID{batch.ID})
	h.noErr(err)
	h.check(n == 1, "EraseByLeads changed %d attempts, want 1", n)
	h.noErr(tx.Leases().Release(ctx, org, w.Lease.Name, w.Lease.Holder))
	taken, err := tx.Leases().Acquire(ctx, org, changedLease, uuid.New(), h.now, h.now.Add(time.Minute))
	h.noErr(err)
	h.check(taken, "changeEverything's lease was not taken")
}

// changedLease is the lease changeEverything takes.
const changedLease = "purge"

// check fails the test with the message unless ok.
func (h *harness) check(ok bool, format string, args ...any) {
	h.t.Helper()
	if !ok {
		h.t.Fatalf(format, args...)
	}
}
