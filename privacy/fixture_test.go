package privacy_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// forEachStore runs fn as a subtest on every adapter with a fresh fixture.
func forEachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	servicetest.ForEach(t, func(t *testing.T, s storage.Store, path string) {
		f := newFixture(t, s)
		f.path = path
		fn(t, f)
	})
}

// start is the fixture's "now": the day Alice handles the request.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of everything written.
func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// The templates of SCENARIOS.md: Energy and Insurance, each with personal
// fields (erased by Forget) and non-personal ones (kept).
var (
	energyTemplate = lp.CampaignTemplate{Name: "Energy", Fields: []lp.TemplateField{
		{Key: "first_name", Label: "First name", Personal: true},
		{Key: "last_name", Label: "Last name", Personal: true},
		{Key: "email", Label: "Email", Personal: true},
		{Key: "address", Label: "Address", Personal: true},
		{Key: "meter_size", Label: "Meter size"},
		{Key: "tariff", Label: "Tariff"},
	}}
	insuranceTemplate = lp.CampaignTemplate{Name: "Insurance", Fields: []lp.TemplateField{
		{Key: "name", Label: "Name", Personal: true},
		{Key: "date_of_birth", Label: "Date of birth", Personal: true},
		{Key: "policy_number", Label: "Policy number", Personal: true},
		{Key: "product", Label: "Product"},
	}}
)

// The numbers of journey 3: the subject asked to be forgotten and has a
// lead in Energy and one in Insurance (and one in Dave's organisation);
// other is another Energy lead's number, which no forget of the subject
// may touch.
const (
	subjectTyped = "0045 20 12 34 99" // as Alice types it
	subject      = phone.Number("+4520123499")
	subjectAlt   = phone.Number("+4531234500") // the Energy lead's second number
	other        = phone.Number("+4540404040")
)

// fixture is the cast of SCENARIOS.md on one store: Nordic Sales (DK) with
// the projects Energy 2026 and Insurance Q4 and their templates; Alice
// (admin, every permission), Bob (agent in Energy) and Carol (agent in
// Insurance), both with PermSearch only; Dave, an agent with every
// permission in another organisation (Baltic Calls, region DK). Leads:
//
//   - energyLead (Energy): subject and subjectAlt, every Energy field, two
//     contact attempts by Bob with notes and recording references;
//   - insureLead (Insurance): subject, every Insurance field, one attempt
//     by Carol;
//   - otherLead (Energy): other, one attempt by Bob;
//   - daveLead (Baltic Calls): subject, one attempt by Dave.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	store storage.Store
	path  string // the database file on SQLite (set by forEachStore)
	keys  lp.StaticKeys
	clock *servicetest.Clock
	logs  *syncBuffer // everything the ChangeLog and the service logged, at debug level
	log   *audit.Log
	svc   *privacy.Service
	// blocks is the blocklist service of the same store and ChangeLog,
	// which svc uses for ForgetOptions.Block.
	blocks *blocklist.Service

	org                     lp.Organisation
	energy, insure          lp.Project
	energyTmpl, insureTmpl  lp.CampaignTemplate
	alice, bob, carol       lp.Actor
	energyLead, insureLead  lp.Lead
	otherLead               lp.Lead
	energyCalls, insureCall []lp.ContactAttempt

	daveOrg     lp.Organisation
	daveProject lp.Project
	daveTmpl    lp.CampaignTemplate
	dave        lp.Actor
	daveLead    lp.Lead
}

// newFixture stores the cast in store and builds the service on it.
func newFixture(t testing.TB, store storage.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: store, keys: lp.StaticKeys{}, clock: servicetest.NewClock(start),
		logs: &syncBuffer{}}
	f.org = lp.Organisation{ID: uuid.New(), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: start.AddDate(-1, 0, 0)}
	f.keys[f.org.ID] = []byte("0123456789abcdef0123456789abcdef")
	f.energy = lp.Project{OrgID: f.org.ID, ID: uuid.New(), Name: "Energy 2026", CreatedAt: f.org.CreatedAt}
	f.insure = lp.Project{OrgID: f.org.ID, ID: uuid.New(), Name: "Insurance Q4", CreatedAt: f.org.CreatedAt}
	f.energyTmpl = withIDs(energyTemplate, f.org.ID)
	f.insureTmpl = withIDs(insuranceTemplate, f.org.ID)
	f.alice = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermAll}
	f.bob = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermSearch}
	f.carol = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermSearch}

	f.daveOrg = lp.Organisation{ID: uuid.New(), Name: "Baltic Calls AB", DefaultRegion: "DK", CreatedAt: f.org.CreatedAt}
	f.keys[f.daveOrg.ID] = []byte("fedcba9876543210fedcba9876543210")
	f.daveProject = lp.Project{OrgID: f.daveOrg.ID, ID: uuid.New(), Name: "Energy 2026", CreatedAt: f.org.CreatedAt}
	f.daveTmpl = withIDs(energyTemplate, f.daveOrg.ID)
	f.dave = lp.Actor{OrgID: f.daveOrg.ID, UserID: uuid.New(), Permissions: lp.PermAll}

	f.tx(func(tx storage.Tx) error {
		for _, o := range []lp.Organisation{f.org, f.daveOrg} {
			if err := tx.Organisations().Create(f.ctx, o); err != nil {
				return err
			}
		}
		for _, p := range []lp.Project{f.energy, f.insure, f.daveProject} {
			if err := tx.Projects().Create(f.ctx, p); err != nil {
				return err
			}
		}
		for _, tm := range []lp.CampaignTemplate{f.energyTmpl, f.insureTmpl, f.daveTmpl} {
			if err := tx.Templates().Create(f.ctx, tm); err != nil {
				return err
			}
		}
		users := []struct {
			a       lp.Actor
			name    string
			role    lp.Role
			project lp.Project
		}{
			{f.alice, "Alice", lp.RoleAdmin, lp.Project{}},
			{f.bob, "Bob", lp.RoleAgent, f.energy},
			{f.carol, "Carol", lp.RoleAgent, f.insure},
			{f.dave, "Dave", lp.RoleAgent, f.daveProject},
		}
		for _, u := range users {
			if err := tx.Users().Create(f.ctx, lp.User{OrgID: u.a.OrgID, ID: u.a.UserID, Name: u.name, Role: u.role}); err != nil {
				return err
			}
			if u.project.ID != uuid.Nil {
				if err := tx.Users().AddMember(f.ctx, lp.ProjectMember{OrgID: u.a.OrgID, ProjectID: u.project.ID, UserID: u.a.UserID}); err != nil {
					return err
				}
			}
		}
		return nil
	})

	f.energyLead = f.addLead(f.energy, f.energyTmpl, []phone.Number{subject, subjectAlt}, map[string]string{
		"first_name": "Jens", "last_name": "Hansen", "email": "jens.hansen@example.dk",
		"address": "Nørregade 7, 1165 København K", "meter_size": "40A", "tariff": "flex",
	}, "not_interested")
	f.energyCalls = []lp.ContactAttempt{
		f.addContact(f.energyLead, f.bob, start.AddDate(0, 0, -9), "no_answer", 0, "", ""),
		f.addContact(f.energyLead, f.bob, start.AddDate(0, 0, -8), "not_interested", 95*time.Second,
			"Jens says his wife decides; call after 18", "rec://energy/2026/jens-hansen-0224.wav"),
	}
	f.insureLead = f.addLead(f.insure, f.insureTmpl, []phone.Number{subject}, map[string]string{
		"name": "Jens Hansen", "date_of_birth": "1971-05-14", "policy_number": "POL-778812", "product": "home",
	}, "callback")
	f.insureCall = []lp.ContactAttempt{
		f.addContact(f.insureLead, f.carol, start.AddDate(0, 0, -3), "callback", 240*time.Second,
			"Wants an offer for the summer house", "rec://insurance/q4/jens-0227.wav"),
	}
	f.otherLead = f.addLead(f.energy, f.energyTmpl, []phone.Number{other}, map[string]string{
		"first_name": "Mette", "last_name": "Holm", "meter_size": "25A",
	}, "success")
	f.addContact(f.otherLead, f.bob, start.AddDate(0, 0, -5), "success", 300*time.Second, "Signed", "rec://energy/2026/mette.wav")
	f.daveLead = f.addLead(f.daveProject, f.daveTmpl, []phone.Number{subject}, map[string]string{"first_name": "Jens"}, "")
	f.addContact(f.daveLead, f.dave, start.AddDate(0, 0, -2), "no_answer", 0, "Baltic note", "rec://baltic/1.wav")

	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.log = audit.New(store, f.keys, nil, &audit.Options{Now: f.clock.Now, Logger: logger})
	f.blocks = blocklist.New(store, f.log, &blocklist.Options{Now: f.clock.Now, Logger: logger})
	f.svc = f.service(nil)
	return f
}

// withIDs returns a copy of tmpl in org with a new id.
func withIDs(tmpl lp.CampaignTemplate, org uuid.UUID) lp.CampaignTemplate {
	tmpl.OrgID, tmpl.ID = org, uuid.New()
	return tmpl
}

// batchSize is small so that bulk tests cross batch boundaries.
const batchSize = 3

// service returns a privacy Service on the fixture's store and ChangeLog
// with opts; unset Now, Logger, BatchSize and Blocklist get the fixture's
// clock, debug logger (into f.logs), batchSize and f.blocks.
func (f *fixture) service(opts *privacy.Options) *privacy.Service {
	o := privacy.Options{}
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = f.clock.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if o.BatchSize == 0 {
		o.BatchSize = batchSize
	}
	if o.Blocklist == nil {
		o.Blocklist = f.blocks
	}
	return privacy.New(f.store, f.log, &o)
}

// addLead stores a lead of project p with template tm, created 30 days
// before start and last contacted never (addContact moves it).
func (f *fixture) addLead(p lp.Project, tm lp.CampaignTemplate, phones []phone.Number, fields map[string]string, outcome string) lp.Lead {
	f.t.Helper()
	l := lp.Lead{OrgID: p.OrgID, ID: uuid.New(), ProjectID: p.ID, TemplateID: tm.ID, Phones: phones, Fields: fields,
		Outcome: outcome, CreatedAt: start.AddDate(0, 0, -30)}
	f.tx(func(tx storage.Tx) error { return tx.Leads().Create(f.ctx, l) })
	return l
}

// addContact stores a contact attempt of lead l by agent at time at, and
// moves the lead's LastContactAt there if later (the stored lead and l).
func (f *fixture) addContact(l lp.Lead, agent lp.Actor, at time.Time, result string, talk time.Duration, notes, ref string) lp.ContactAttempt {
	f.t.Helper()
	c := lp.ContactAttempt{OrgID: l.OrgID, ID: uuid.New(), LeadID: l.ID, At: at, AgentID: agent.UserID, Result: result,
		Talk: talk, Notes: notes, RecordingRef: ref}
	f.tx(func(tx storage.Tx) error {
		if err := tx.Contacts().Add(f.ctx, c); err != nil {
			return err
		}
		stored, err := tx.Leads().Get(f.ctx, l.OrgID, l.ID)
		if err != nil {
			return err
		}
		if at.After(stored.LastContactAt) {
			stored.LastContactAt = at
			return tx.Leads().Update(f.ctx, stored)
		}
		return nil
	})
	return c
}

// tx runs fn in a transaction and fails the test on error.
func (f *fixture) tx(fn func(tx storage.Tx) error) {
	f.t.Helper()
	if err := f.store.WithTx(f.ctx, func(_ context.Context, tx storage.Tx) error { return fn(tx) }); err != nil {
		f.t.Fatal(err)
	}
}

// lead returns the stored lead.
func (f *fixture) lead(org, id uuid.UUID) lp.Lead {
	f.t.Helper()
	var l lp.Lead
	f.tx(func(tx storage.Tx) error {
		var err error
		l, err = tx.Leads().Get(f.ctx, org, id)
		return err
	})
	return l
}

// contacts returns the stored contact history of a lead.
func (f *fixture) contacts(org, id uuid.UUID) []lp.ContactAttempt {
	f.t.Helper()
	var cs []lp.ContactAttempt
	f.tx(func(tx storage.Tx) error {
		var err error
		cs, err = tx.Contacts().ListByLead(f.ctx, org, id)
		return err
	})
	return cs
}

// eventCount is the number of ChangeLog events of org.
func (f *fixture) eventCount(org uuid.UUID) int64 {
	f.t.Helper()
	var n int64
	f.tx(func(tx storage.Tx) error {
		var err error
		n, err = tx.Events().Count(f.ctx, org)
		return err
	})
	return n
}

// eventsSince returns the events of org recorded since the count mark.
func (f *fixture) eventsSince(org uuid.UUID, mark int64) []lp.Event {
	f.t.Helper()
	var evs []lp.Event
	f.tx(func(tx storage.Tx) error {
		n, err := tx.Events().Count(f.ctx, org)
		if err != nil {
			return err
		}
		evs, err = tx.Events().Range(f.ctx, org, mark, n)
		return err
	})
	return evs
}

// actions returns the actions of evs in order.
func actions(evs []lp.Event) []lp.Action {
	out := make([]lp.Action, len(evs))
	for i, e := range evs {
		out[i] = e.Action
	}
	return out
}

// fingerprint returns org's keyed fingerprint of n.
func (f *fixture) fingerprint(org uuid.UUID, n phone.Number) phone.Fingerprint {
	f.t.Helper()
	fp, err := phone.NewFingerprinter(f.keys[org])
	if err != nil {
		f.t.Fatal(err)
	}
	return fp.Fingerprint(n)
}
