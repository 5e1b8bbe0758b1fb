package retention_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/retention"
	"github.com/leadprivacy/leadprivacy/storage"
)

var faultEvery = flag.Bool("retention.faultevery", false, "inject a store fault at every write of the 10,000-lead purge on SQLite and PostgreSQL too (slow); by default SQLite runs every small N and a sample, PostgreSQL a sample")

// errInjected is the failure faultStore injects.
var errInjected = errors.New("injected store fault")

// faultStore is a Store whose transactions fail the failAt-th write (1
// based; 0 never) with errInjected, once: the write is not made, and the
// service sees an error as from a broken database. It counts writes.
type faultStore struct {
	storage.Store
	mu     sync.Mutex
	writes int
	failAt int
}

func (s *faultStore) hit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.writes == s.failAt {
		return errInjected
	}
	return nil
}

func (s *faultStore) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, faultTx{tx, s}) })
}

type faultTx struct {
	storage.Tx
	s *faultStore
}

func (t faultTx) Leads() storage.Leads                   { return faultLeads{t.Tx.Leads(), t.s} }
func (t faultTx) Contacts() storage.Contacts             { return faultContacts{t.Tx.Contacts(), t.s} }
func (t faultTx) Events() storage.Events                 { return faultEvents{t.Tx.Events(), t.s} }
func (t faultTx) Erasures() storage.Erasures             { return faultErasures{t.Tx.Erasures(), t.s} }
func (t faultTx) Leases() storage.Leases                 { return faultLeases{t.Tx.Leases(), t.s} }
func (t faultTx) Blocks() storage.Blocks                 { return faultBlocks{t.Tx.Blocks(), t.s} }
func (t faultTx) RetentionRules() storage.RetentionRules { return t.Tx.RetentionRules() }

type faultLeads struct {
	storage.Leads
	s *faultStore
}

func (v faultLeads) AnonymiseMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID, at time.Time) (int, error) {
	if err := v.s.hit(); err != nil {
		return 0, err
	}
	return v.Leads.AnonymiseMany(ctx, org, ids, at)
}

func (v faultLeads) DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error) {
	if err := v.s.hit(); err != nil {
		return 0, err
	}
	return v.Leads.DeleteMany(ctx, org, ids)
}

func (v faultLeads) Update(ctx context.Context, l lp.Lead) error {
	if err := v.s.hit(); err != nil {
		return err
	}
	return v.Leads.Update(ctx, l)
}

type faultContacts struct {
	storage.Contacts
	s *faultStore
}

func (v faultContacts) EraseByLeads(ctx context.Context, org uuid.UUID, leads []uuid.UUID) (map[uuid.UUID][]string, int, error) {
	if err := v.s.hit(); err != nil {
		return nil, 0, err
	}
	return v.Contacts.EraseByLeads(ctx, org, leads)
}

type faultEvents struct {
	storage.Events
	s *faultStore
}

func (v faultEvents) Append(ctx context.Context, e lp.Event) (int64, error) {
	if err := v.s.hit(); err != nil {
		return 0, err
	}
	return v.Events.Append(ctx, e)
}

func (v faultEvents) WriteHashes(ctx context.Context, org uuid.UUID, indexes []int64, hashes [][32]byte) error {
	if err := v.s.hit(); err != nil {
		return err
	}
	return v.Events.WriteHashes(ctx, org, indexes, hashes)
}

type faultErasures struct {
	storage.Erasures
	s *faultStore
}

func (v faultErasures) Add(ctx context.Context, e lp.PendingErasure) error {
	if err := v.s.hit(); err != nil {
		return err
	}
	return v.Erasures.Add(ctx, e)
}

func (v faultErasures) Delete(ctx context.Context, org, id uuid.UUID) error {
	if err := v.s.hit(); err != nil {
		return err
	}
	return v.Erasures.Delete(ctx, org, id)
}

type faultLeases struct {
	storage.Leases
	s *faultStore
}

func (v faultLeases) Acquire(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID, now, until time.Time) (bool, error) {
	if err := v.s.hit(); err != nil {
		return false, err
	}
	return v.Leases.Acquire(ctx, org, name, holder, now, until)
}

func (v faultLeases) Release(ctx context.Context, org uuid.UUID, name string, holder uuid.UUID) error {
	if err := v.s.hit(); err != nil {
		return err
	}
	return v.Leases.Release(ctx, org, name, holder)
}

type faultBlocks struct {
	storage.Blocks
	s *faultStore
}

func (v faultBlocks) DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error) {
	if err := v.s.hit(); err != nil {
		return 0, err
	}
	return v.Blocks.DeleteMany(ctx, org, ids)
}

// on returns a copy of the fixture on another store holding the same
// data (a copy of the database), its services rebuilt on it.
func (f *fixture) on(t testing.TB, store storage.Store, opts *retention.Options) *fixture {
	g := *f
	g.t, g.store = t, store
	g.log = audit.New(store, g.keys, nil, &audit.Options{Now: g.clock.Now})
	g.block = blocklist.New(store, g.log, &blocklist.Options{Now: g.clock.Now})
	g.priv = privacy.New(store, g.log, &privacy.Options{Now: g.clock.Now})
	g.svc = g.service(opts)
	return &g
}

// purgeWorld is the 10,000 leads of the fault test and its rules.
type purgeWorld struct {
	ids  []uuid.UUID
	dump *worldDump // read once by seedAgain
}

// worldDump is everything seedPurge stored, to store again.
type worldDump struct {
	orgs     []lp.Organisation
	projects []lp.Project
	tmpls    []lp.CampaignTemplate
	users    []lp.User
	rules    []lp.RetentionRule
	leads    []lp.Lead
	contacts []lp.ContactAttempt
	blocks   []lp.BlockEntry
}

// seedPurge stores the rules and leads of the fault and crash tests:
// three rules of Energy (success forgotten after 30 days, not interested
// deleted after 30, the catch-all forgotten after 90), n leads of which
// about two thirds are due, a few of those held, and an expired block.
func seedPurge(f *fixture, n int) purgeWorld {
	f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
	f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "not_interested", KeepFor: 30 * day, Action: lp.ActionDelete})
	f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, KeepFor: 90 * day})
	var w purgeWorld
	for _, part := range []struct {
		share int // of 20
		spec  leadSpec
	}{
		{6, leadSpec{outcome: "success", lastContact: start.Add(-40 * day)}},
		{2, leadSpec{outcome: "success", lastContact: start.Add(-20 * day)}},
		{4, leadSpec{outcome: "not_interested", lastContact: start.Add(-31 * day)}},
		{3, leadSpec{outcome: "callback", lastContact: start.Add(-100 * day)}},
		{3, leadSpec{outcome: "callback", lastContact: start.Add(-80 * day)}},
		{1, leadSpec{outcome: "success", lastContact: start.Add(-40 * day), held: true}},
		{1, leadSpec{outcome: "not_interested", lastContact: start.Add(-40 * day), held: true}},
	} {
		part.spec.project, part.spec.contacts = f.energy, 1
		w.ids = append(w.ids, f.addLeads(n*part.share/20, part.spec)...)
	}
	f.clock.Set(start.Add(-2 * day))
	if _, err := f.block.Block(f.ctx, f.alice, blocklistRequest(start.Add(-day))); err != nil {
		f.t.Fatal(err)
	}
	f.clock.Set(start)
	return w
}

// purgeState is what a purge leaves, compared between runs.
type purgeState struct {
	leads       map[uuid.UUID]string // kept, forgotten or deleted
	named       map[uuid.UUID]int    // lead.forgotten or lead.deleted events naming each lead
	batchEvents int
	// counts sums the counts of the purge.run events that are not dry runs.
	counts map[string]int
	// blocks counts the block entries left.
	blocks int
}

// state reads the purge state of w from f's store, in bulk.
func (w purgeWorld) state(f *fixture) purgeState {
	f.t.Helper()
	st := purgeState{leads: map[uuid.UUID]string{}, named: map[uuid.UUID]int{}, counts: map[string]int{}}
	for _, id := range w.ids {
		st.leads[id] = deleted
	}
	f.tx(func(tx storage.Tx) error {
		page := storage.Page{Limit: storage.MaxLimit}
		for {
			ls, err := tx.Leads().List(f.ctx, f.org.ID, storage.LeadFilter{}, page)
			if err != nil {
				return err
			}
			for _, l := range ls {
				switch {
				case l.Forgotten() && len(l.Phones) == 0 && len(l.Fields) == 0:
					st.leads[l.ID] = forgotten
				case !l.Forgotten() && len(l.Phones) == 1 && len(l.Fields) == 3:
					st.leads[l.ID] = kept
				default:
					st.leads[l.ID] = "half-erased"
				}
			}
			if len(ls) < page.Size() {
				break
			}
			page.After = ls[len(ls)-1].ID
		}
		var err error
		st.blocks, err = tx.Blocks().Count(f.ctx, f.org.ID, storage.BlockFilter{})
		return err
	})
	for _, e := range f.events(f.org.ID) {
		switch e.Action {
		case audit.ActionLeadForgotten, audit.ActionLeadDeleted:
			st.batchEvents++
			for _, id := range e.LeadIDs {
				st.named[id]++
			}
		case audit.ActionPurgeRun:
			if e.Details["dry_run"] == "true" {
				continue
			}
			for _, k := range []string{"forgotten", "deleted"} {
				n, _ := strconv.Atoi(e.Details[k])
				st.counts[k] += n
			}
		}
	}
	return st
}

// sameState reports how got differs from want.
func sameState(t *testing.T, label string, got, want purgeState) {
	t.Helper()
	if !maps.Equal(got.leads, want.leads) {
		diff := 0
		for id, s := range want.leads {
			if got.leads[id] != s {
				diff++
			}
		}
		t.Errorf("%s: %d leads end in another state than after one clean run", label, diff)
	}
	if !maps.Equal(got.named, want.named) || got.batchEvents != want.batchEvents {
		t.Errorf("%s: %d batch events naming %d leads, want %d naming %d (each once)", label, got.batchEvents, len(got.named), want.batchEvents, len(want.named))
	}
	if !maps.Equal(got.counts, want.counts) {
		t.Errorf("%s: purge.run counts add up to %v, want %v", label, got.counts, want.counts)
	}
	if got.blocks != want.blocks {
		t.Errorf("%s: %d blocks left, want %d", label, got.blocks, want.blocks)
	}
}

// TestPurgeSurvivesAStoreFaultAtEveryWrite purges 10,000 leads with a
// store that fails its Nth write, then purges again: the state and the
// ChangeLog's counts equal one clean run's. Every N on memstore; on
// SQLite every N up to 25 and every third after, on PostgreSQL a sample
// (-retention.faultevery for every N on both).
//
// With -short or the race detector it purges 1,000 leads in batches of
// 100 instead: the same number of writes, so every N is still tried.
func TestPurgeSurvivesAStoreFaultAtEveryWrite(t *testing.T) {
	leads, batch := 10_000, 1000
	if testing.Short() || raceEnabled {
		leads, batch = 1000, 100
	}
	opts := &retention.Options{BatchSize: batch}
	for _, k := range servicetest.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			dir := t.TempDir()
			seedPath := filepath.Join(dir, "seed.db")
			seedStore := k.Open(t, seedPath)
			base := newFixture(t, seedStore)
			w := seedPurge(base, leads)
			i := 0
			// fresh returns a fixture on a new store holding the seeded
			// world: a copy of the SQLite file, or the world stored again.
			fresh := func(t *testing.T, fs *faultStore) *fixture {
				i++
				path := filepath.Join(dir, strconv.Itoa(i)+".db")
				if k.Name == "sqlite" {
					copyFile(t, seedPath, path)
				}
				fs.Store = k.Open(t, path)
				t.Cleanup(func() { fs.Store.Close() })
				f := base.on(t, fs, opts)
				if k.Name != "sqlite" {
					seedAgain(f, base, &w)
				}
				return f
			}
			if k.Name == "sqlite" {
				seedStore.Close() // complete: copies of the file are the worlds
			} else {
				t.Cleanup(func() { seedStore.Close() })
			}
			clean := &faultStore{}
			cf := fresh(t, clean)
			if _, err := cf.svc.Purge(cf.ctx, cf.system, start, retention.PurgeOptions{NoCompact: true}); err != nil {
				t.Fatal(err)
			}
			want := w.state(cf)
			if n := want.counts["forgotten"] + want.counts["deleted"]; n < leads/2 || want.blocks != 0 {
				t.Fatalf("the clean run erased %d leads and left %d blocks", n, want.blocks)
			}
			total := clean.writes
			t.Logf("a clean purge of %d leads makes %d writes", leads, total)
			for n := 1; n <= total; n++ {
				if !sampled(k.Name, n) {
					continue
				}
				fs := &faultStore{failAt: n}
				f := fresh(t, fs)
				_, err := f.svc.Purge(f.ctx, f.system, start, retention.PurgeOptions{NoCompact: true})
				if err != nil && !errors.Is(err, errInjected) {
					t.Fatalf("fault at write %d: %v", n, err)
				}
				if _, err := f.svc.Purge(f.ctx, f.system, start, retention.PurgeOptions{NoCompact: true}); err != nil {
					t.Fatalf("rerun after a fault at write %d: %v", n, err)
				}
				sameState(t, "fault at write "+strconv.Itoa(n), w.state(f), want)
			}
		})
	}
}

// sampled says whether the fault test injects at write n on the adapter.
func sampled(kind string, n int) bool {
	switch {
	case kind == "memstore" || *faultEvery:
		return true
	case kind == "sqlite":
		return n <= 25 || n%3 == 0
	}
	return n <= 6 || n%9 == 0
}

// seedAgain stores in f's empty memstore the world seeded in base: the
// same organisations, rules and leads, read back from base's store.
func seedAgain(f, base *fixture, w *purgeWorld) {
	f.t.Helper()
	if w.dump == nil {
		w.dump = dumpWorld(base, w.ids)
	}
	d := w.dump
	f.tx(func(tx storage.Tx) error {
		for _, o := range d.orgs {
			if err := tx.Organisations().Create(f.ctx, o); err != nil {
				return err
			}
		}
		for _, p := range d.projects {
			if err := tx.Projects().Create(f.ctx, p); err != nil {
				return err
			}
		}
		for _, tm := range d.tmpls {
			if err := tx.Templates().Create(f.ctx, tm); err != nil {
				return err
			}
		}
		for _, u := range d.users {
			if err := tx.Users().Create(f.ctx, u); err != nil {
				return err
			}
		}
		for _, r := range d.rules {
			if err := tx.RetentionRules().Create(f.ctx, r); err != nil {
				return err
			}
		}
		if _, err := tx.Blocks().CreateMany(f.ctx, f.org.ID, d.blocks); err != nil {
			return err
		}
		for from := 0; from < len(d.leads); from += storage.MaxLimit {
			if err := tx.Leads().CreateMany(f.ctx, f.org.ID, d.leads[from:min(from+storage.MaxLimit, len(d.leads))]); err != nil {
				return err
			}
		}
		for _, c := range d.contacts {
			if err := tx.Contacts().Add(f.ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// dumpWorld reads the seeded world of base.
func dumpWorld(base *fixture, ids []uuid.UUID) *worldDump {
	var (
		orgs     []lp.Organisation
		projects []lp.Project
		tmpls    []lp.CampaignTemplate
		users    []lp.User
		rules    []lp.RetentionRule
		leads    []lp.Lead
		contacts []lp.ContactAttempt
		blocks   []lp.BlockEntry
	)
	base.tx(func(tx storage.Tx) error {
		for _, o := range []uuid.UUID{base.org.ID, base.daveOrg.ID} {
			org, err := tx.Organisations().Get(base.ctx, o)
			if err != nil {
				return err
			}
			orgs = append(orgs, org)
			ps, err := tx.Projects().List(base.ctx, o, storage.Page{Limit: storage.MaxLimit})
			if err != nil {
				return err
			}
			projects = append(projects, ps...)
			ts, err := tx.Templates().List(base.ctx, o, storage.Page{Limit: storage.MaxLimit})
			if err != nil {
				return err
			}
			tmpls = append(tmpls, ts...)
			us, err := tx.Users().List(base.ctx, o, storage.Page{Limit: storage.MaxLimit})
			if err != nil {
				return err
			}
			users = append(users, us...)
		}
		var err error
		if rules, err = tx.RetentionRules().List(base.ctx, base.org.ID, uuid.Nil); err != nil {
			return err
		}
		if blocks, err = tx.Blocks().List(base.ctx, base.org.ID, storage.BlockFilter{}, storage.Page{Limit: storage.MaxLimit}); err != nil {
			return err
		}
		for _, id := range ids {
			l, err := tx.Leads().Get(base.ctx, base.org.ID, id)
			if err != nil {
				return err
			}
			leads = append(leads, l)
			cs, err := tx.Contacts().ListByLead(base.ctx, base.org.ID, id)
			if err != nil {
				return err
			}
			contacts = append(contacts, cs...)
		}
		return nil
	})
	return &worldDump{orgs, projects, tmpls, users, rules, leads, contacts, blocks}
}

// copyFile copies an SQLite database file (closed, so its WAL is empty).
func copyFile(t testing.TB, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(from + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(to + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
