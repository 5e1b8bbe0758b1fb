package retention_test

import (
	"context"
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
	"github.com/leadprivacy/leadprivacy/retention"
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

// start is the fixture's "now".
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// fixture is journey 5 of SCENARIOS.md on one store: Nordic Sales with the
// project Energy (and Insurance), Alice (admin, every permission), Bob
// (agent, search only), the retention Runner's system actor (manage
// retention and block), and Dave's organisation beside it.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	store storage.Store
	path  string
	keys  lp.StaticKeys
	clock *servicetest.Clock
	log   *audit.Log
	priv  *privacy.Service
	block *blocklist.Service
	svc   *retention.Service

	org            lp.Organisation
	energy, insure lp.Project
	tmpl           lp.CampaignTemplate
	alice, bob     lp.Actor
	system         lp.Actor

	daveOrg     lp.Organisation
	daveProject lp.Project
	daveTmpl    lp.CampaignTemplate
	dave        lp.Actor
}

// batchSize is small so that purges cross batch boundaries.
const batchSize = 3

func newFixture(t testing.TB, store storage.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: store, keys: lp.StaticKeys{}, clock: servicetest.NewClock(start)}
	created := start.AddDate(-2, 0, 0)
	f.org = lp.Organisation{ID: uuid.New(), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: created}
	f.keys[f.org.ID] = []byte("0123456789abcdef0123456789abcdef")
	f.energy = lp.Project{OrgID: f.org.ID, ID: uuid.New(), Name: "Energy 2026", CreatedAt: created}
	f.insure = lp.Project{OrgID: f.org.ID, ID: uuid.New(), Name: "Insurance Q4", CreatedAt: created}
	f.tmpl = lp.CampaignTemplate{OrgID: f.org.ID, ID: uuid.New(), Name: "Energy", Fields: []lp.TemplateField{
		{Key: "first_name", Label: "First name", Personal: true}, {Key: "email", Label: "Email", Personal: true},
		{Key: "tariff", Label: "Tariff"}}}
	f.alice = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermAll}
	f.bob = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermSearch}
	f.system = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermManageRetention | lp.PermBlock}
	f.daveOrg = lp.Organisation{ID: uuid.New(), Name: "Baltic Calls AB", DefaultRegion: "DK", CreatedAt: created}
	f.keys[f.daveOrg.ID] = []byte("fedcba9876543210fedcba9876543210")
	f.daveProject = lp.Project{OrgID: f.daveOrg.ID, ID: uuid.New(), Name: "Energy 2026", CreatedAt: created}
	f.daveTmpl = f.tmpl
	f.daveTmpl.OrgID, f.daveTmpl.ID = f.daveOrg.ID, uuid.New()
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
		for _, tm := range []lp.CampaignTemplate{f.tmpl, f.daveTmpl} {
			if err := tx.Templates().Create(f.ctx, tm); err != nil {
				return err
			}
		}
		for _, u := range []struct {
			a    lp.Actor
			name string
			role lp.Role
		}{{f.alice, "Alice", lp.RoleAdmin}, {f.bob, "Bob", lp.RoleAgent}, {f.system, "Retention", lp.RoleAdmin}, {f.dave, "Dave", lp.RoleAdmin}} {
			if err := tx.Users().Create(f.ctx, lp.User{OrgID: u.a.OrgID, ID: u.a.UserID, Name: u.name, Role: u.role}); err != nil {
				return err
			}
		}
		return nil
	})
	f.wire()
	return f
}

// wire builds the fixture's ChangeLog and services on its store and clock.
func (f *fixture) wire() {
	f.log = audit.New(f.store, f.keys, nil, &audit.Options{Now: f.clock.Now})
	f.block = blocklist.New(f.store, f.log, &blocklist.Options{Now: f.clock.Now})
	f.priv = privacy.New(f.store, f.log, &privacy.Options{Now: f.clock.Now})
	f.svc = f.service(nil)
}

// service returns a retention Service of the fixture with opts; unset
// Now, BatchSize and Blocklist get the fixture's clock, batchSize and
// blocklist.
func (f *fixture) service(opts *retention.Options) *retention.Service {
	o := retention.Options{}
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = f.clock.Now
	}
	if o.BatchSize == 0 {
		o.BatchSize = batchSize
	}
	if o.Blocklist == nil {
		o.Blocklist = f.block
	}
	return retention.New(f.store, f.log, f.priv, &o)
}

// leadSpec describes a test lead.
type leadSpec struct {
	project     lp.Project
	outcome     string
	created     time.Time // zero: two years before start
	lastContact time.Time
	closed      time.Time
	held        bool
	contacts    int // contact attempts, each with notes and a recording
}

// addLeads stores n leads like spec (each with its own number and the
// template's fields) and returns their ids.
func (f *fixture) addLeads(n int, spec leadSpec) []uuid.UUID {
	f.t.Helper()
	if spec.created.IsZero() {
		spec.created = start.AddDate(-2, 0, 0)
	}
	org := spec.project.OrgID
	tmpl := f.tmpl.ID
	if org == f.daveOrg.ID {
		tmpl = f.daveTmpl.ID
	}
	leads := make([]lp.Lead, n)
	ids := make([]uuid.UUID, n)
	var contacts []lp.ContactAttempt
	for i := range leads {
		ids[i] = uuid.New()
		leads[i] = lp.Lead{OrgID: org, ID: ids[i], ProjectID: spec.project.ID, TemplateID: tmpl,
			Phones: []phone.Number{testNumber()}, Fields: map[string]string{"first_name": "Jens", "email": "jens@example.dk", "tariff": "flex"},
			Outcome: spec.outcome, CreatedAt: spec.created, LastContactAt: spec.lastContact, ClosedAt: spec.closed, LegalHold: spec.held}
		for c := range spec.contacts {
			at := spec.lastContact
			if at.IsZero() {
				at = spec.created
			}
			contacts = append(contacts, lp.ContactAttempt{OrgID: org, ID: uuid.New(), LeadID: ids[i], At: at.Add(-time.Duration(c) * time.Hour),
				AgentID: f.alice.UserID, Result: "no_answer", Notes: "call after 18", RecordingRef: "rec://" + ids[i].String() + "/" + string(rune('a'+c))})
		}
	}
	for from := 0; from < n; from += storage.MaxLimit {
		chunk := leads[from:min(from+storage.MaxLimit, n)]
		f.tx(func(tx storage.Tx) error { return tx.Leads().CreateMany(f.ctx, org, chunk) })
	}
	f.tx(func(tx storage.Tx) error {
		for _, c := range contacts {
			if err := tx.Contacts().Add(f.ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	return ids
}

var (
	numberMu sync.Mutex
	numberN  = 20000000
)

// testNumber returns a new Danish mobile number.
func testNumber() phone.Number {
	numberMu.Lock()
	defer numberMu.Unlock()
	numberN++
	return phone.Number("+45" + itoa(numberN))
}

func itoa(n int) string {
	b := make([]byte, 0, 8)
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// tx runs fn in a transaction and fails the test on error.
func (f *fixture) tx(fn func(tx storage.Tx) error) {
	f.t.Helper()
	if err := f.store.WithTx(f.ctx, func(_ context.Context, tx storage.Tx) error { return fn(tx) }); err != nil {
		f.t.Fatal(err)
	}
}

// lead returns the stored lead and whether it exists.
func (f *fixture) lead(org, id uuid.UUID) (lp.Lead, bool) {
	f.t.Helper()
	var l lp.Lead
	var found bool
	f.tx(func(tx storage.Tx) error {
		var err error
		l, err = tx.Leads().Get(f.ctx, org, id)
		if err == nil {
			found = true
		}
		if err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
	return l, found
}

// setRule sets a rule as Alice and fails the test on error.
func (f *fixture) setRule(req retention.RuleRequest) lp.RetentionRule {
	f.t.Helper()
	res, err := f.svc.SetRule(f.ctx, f.alice, req)
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Rule
}

// events returns every event of org.
func (f *fixture) events(org uuid.UUID) []lp.Event {
	f.t.Helper()
	return f.eventsSince(org, 0)
}

// eventsSince returns the events of org from seq mark on.
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

// eventCount is the number of events of org.
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
