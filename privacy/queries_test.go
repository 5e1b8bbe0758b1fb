package privacy_test

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// countingStore counts the look-ups Search is bounded by: FindByNumbers,
// and the per-project and per-template reads.
type countingStore struct {
	storage.Store
	mu sync.Mutex
	n  map[string]int
}

func (s *countingStore) count(name string) {
	s.mu.Lock()
	s.n[name]++
	s.mu.Unlock()
}

func (s *countingStore) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, countingTx{tx, s}) })
}

type countingTx struct {
	storage.Tx
	s *countingStore
}

func (t countingTx) Leads() storage.Leads         { return countingLeads{t.Tx.Leads(), t.s} }
func (t countingTx) Projects() storage.Projects   { return countingProjects{t.Tx.Projects(), t.s} }
func (t countingTx) Templates() storage.Templates { return countingTemplates{t.Tx.Templates(), t.s} }
func (t countingTx) Users() storage.Users         { return countingUsers{t.Tx.Users(), t.s} }

type countingLeads struct {
	storage.Leads
	s *countingStore
}

func (c countingLeads) FindByNumbers(ctx context.Context, org uuid.UUID, ns []phone.Number) ([]lp.Lead, error) {
	c.s.count("Leads.FindByNumbers")
	return c.Leads.FindByNumbers(ctx, org, ns)
}

type countingProjects struct {
	storage.Projects
	s *countingStore
}

func (c countingProjects) Get(ctx context.Context, org, id uuid.UUID) (lp.Project, error) {
	c.s.count("Projects.Get")
	return c.Projects.Get(ctx, org, id)
}

type countingTemplates struct {
	storage.Templates
	s *countingStore
}

func (c countingTemplates) Get(ctx context.Context, org, id uuid.UUID) (lp.CampaignTemplate, error) {
	c.s.count("Templates.Get")
	return c.Templates.Get(ctx, org, id)
}

type countingUsers struct {
	storage.Users
	s *countingStore
}

func (c countingUsers) WithAccess(ctx context.Context, org, project uuid.UUID) ([]lp.User, error) {
	c.s.count("Users.WithAccess")
	return c.Users.WithAccess(ctx, org, project)
}

// TestSearchQueries: Search reads leads with one FindByNumbers, and each
// distinct project and template once, however many leads share them.
func TestSearchQueries(t *testing.T) {
	s := &countingStore{Store: memstore.New(), n: map[string]int{}}
	f := newFixture(t, s)
	const n = phone.Number("+4540404044")
	for range 3 {
		f.addLead(f.energy, f.energyTmpl, []phone.Number{n}, nil, "")
	}
	f.addLead(f.insure, f.insureTmpl, []phone.Number{n}, nil, "")
	for _, c := range []struct {
		name  string
		actor lp.Actor
		leads int
		want  map[string]int
	}{
		// Alice, admin: both projects and templates, WithAccess for the persons.
		{"Alice", f.alice, 4, map[string]int{"Leads.FindByNumbers": 1, "Projects.Get": 2, "Templates.Get": 2, "Users.WithAccess": 2}},
		// Bob: WithAccess of both projects decides what he sees; he sees Energy's.
		{"Bob", f.bob, 3, map[string]int{"Leads.FindByNumbers": 1, "Projects.Get": 1, "Templates.Get": 1, "Users.WithAccess": 2}},
	} {
		s.n = map[string]int{}
		res, err := f.svc.Search(f.ctx, c.actor, string(n))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Leads) != c.leads {
			t.Errorf("%s: %d leads, want %d", c.name, len(res.Leads), c.leads)
		}
		if !maps.Equal(s.n, c.want) {
			t.Errorf("%s: look-ups %v, want %v", c.name, s.n, c.want)
		}
	}
}
