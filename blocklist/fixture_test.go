package blocklist_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// forEachStore runs fn as a subtest on every adapter with a fresh fixture.
func forEachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	servicetest.ForEach(t, func(t *testing.T, s storage.Store, _ string) {
		fn(t, newFixture(t, s))
	})
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t       testing.TB
	ctx     context.Context
	store   storage.Store
	keys    lp.StaticKeys
	clock   *servicetest.Clock
	log     *audit.Log
	svc     *blocklist.Service
	org     lp.Organisation
	energy  lp.Project
	insure  lp.Project
	tmpl    lp.CampaignTemplate
	alice   lp.Actor // all permissions
	blocker lp.Actor // block only: sees numbers masked
	dialer  lp.Actor // import only
	nobody  lp.Actor // no permission
}

// batchSize is small so that tests cross batch boundaries.
const batchSize = 3

// newFixture makes an organisation (region DK) with two projects, the
// template leadsTemplate and its users in store, and the service on it.
func newFixture(t testing.TB, store storage.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: store, keys: lp.StaticKeys{}, clock: servicetest.NewClock(start)}
	f.org = lp.Organisation{ID: uuid.New(), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: start}
	f.keys[f.org.ID] = []byte("0123456789abcdef0123456789abcdef")
	f.energy = lp.Project{OrgID: f.org.ID, ID: uuid.New(), Name: "Energy 2026", CreatedAt: start}
	f.insure = lp.Project{OrgID: f.org.ID, ID: uuid.New(), Name: "Insurance Q4", CreatedAt: start}
	f.tmpl = leadsTemplate
	f.tmpl.OrgID, f.tmpl.ID = f.org.ID, uuid.New()
	f.alice = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermAll}
	f.blocker = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermBlock}
	f.dialer = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermImport}
	f.nobody = lp.Actor{OrgID: f.org.ID, UserID: uuid.New()}
	f.tx(func(tx storage.Tx) error {
		if err := tx.Organisations().Create(f.ctx, f.org); err != nil {
			return err
		}
		for _, p := range []lp.Project{f.energy, f.insure} {
			if err := tx.Projects().Create(f.ctx, p); err != nil {
				return err
			}
		}
		if err := tx.Templates().Create(f.ctx, f.tmpl); err != nil {
			return err
		}
		for name, a := range map[string]lp.Actor{"Alice": f.alice, "Bent": f.blocker, "Dina": f.dialer, "Nils": f.nobody} {
			if err := tx.Users().Create(f.ctx, lp.User{OrgID: f.org.ID, ID: a.UserID, Name: name, Role: lp.RoleAgent}); err != nil {
				return err
			}
		}
		return nil
	})
	f.log = audit.New(store, f.keys, nil, &audit.Options{Now: f.clock.Now})
	f.svc = f.service(store)
	return f
}

// service returns a Service on store with the fixture's clock and keys.
func (f *fixture) service(store storage.Store) *blocklist.Service {
	log := audit.New(store, f.keys, nil, &audit.Options{Now: f.clock.Now})
	return blocklist.New(store, log, &blocklist.Options{Now: f.clock.Now, BatchSize: batchSize})
}

// tx runs fn in a transaction and fails the test on error.
func (f *fixture) tx(fn func(tx storage.Tx) error) {
	f.t.Helper()
	if err := f.store.WithTx(f.ctx, func(_ context.Context, tx storage.Tx) error { return fn(tx) }); err != nil {
		f.t.Fatal(err)
	}
}

// eventCount is the organisation's number of ChangeLog events.
func (f *fixture) eventCount() int64 {
	f.t.Helper()
	var n int64
	f.tx(func(tx storage.Tx) error {
		var err error
		n, err = tx.Events().Count(f.ctx, f.org.ID)
		return err
	})
	return n
}

// eventsSince returns the events recorded since the count mark.
func (f *fixture) eventsSince(mark int64) []lp.Event {
	f.t.Helper()
	var evs []lp.Event
	f.tx(func(tx storage.Tx) error {
		n, err := tx.Events().Count(f.ctx, f.org.ID)
		if err != nil {
			return err
		}
		evs, err = tx.Events().Range(f.ctx, f.org.ID, mark, n)
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

// entries returns every block entry of the organisation.
func (f *fixture) entries() []lp.BlockEntry {
	f.t.Helper()
	var out []lp.BlockEntry
	f.tx(func(tx storage.Tx) error {
		var err error
		out, err = tx.Blocks().List(f.ctx, f.org.ID, storage.BlockFilter{}, storage.Page{Limit: storage.MaxLimit})
		return err
	})
	return out
}

// block blocks number for alice and fails the test on error.
func (f *fixture) block(req blocklist.BlockRequest) blocklist.BlockResult {
	f.t.Helper()
	if req.Reason == "" {
		req.Reason = "customer_request"
	}
	res, err := f.svc.Block(f.ctx, f.alice, req)
	if err != nil {
		f.t.Fatalf("Block: %v", err)
	}
	return res
}

// suppress puts n on the suppression list by its fingerprint.
func (f *fixture) suppress(n phone.Number) {
	f.t.Helper()
	fp, err := phone.NewFingerprinter(f.keys[f.org.ID])
	if err != nil {
		f.t.Fatal(err)
	}
	f.tx(func(tx storage.Tx) error {
		return tx.Suppressions().Add(f.ctx, lp.Suppression{OrgID: f.org.ID, Fingerprint: fp.Fingerprint(n), CreatedBy: f.alice.UserID, CreatedAt: start})
	})
}
