package audit_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// keys is a KeyProvider holding one key per organisation that counts its
// calls and can be told to fail.
type keys struct {
	mu    sync.Mutex
	m     map[uuid.UUID][]byte
	calls atomic.Int64
	fail  atomic.Bool
}

var errKeyStore = errors.New("key store unavailable")

func (k *keys) FingerprintKey(ctx context.Context, org uuid.UUID) ([]byte, error) {
	k.calls.Add(1)
	if k.fail.Load() {
		return nil, errKeyStore
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[uuid.UUID][]byte{}
	}
	key, ok := k.m[org]
	if !ok {
		key = make([]byte, 32)
		rand.Read(key)
		k.m[org] = key
	}
	return key, nil
}

// fingerprint is what the organisation's fingerprint of n must be.
func (k *keys) fingerprint(t testing.TB, org uuid.UUID, n phone.Number) phone.Fingerprint {
	t.Helper()
	key, err := k.FingerprintKey(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := phone.NewFingerprinter(key)
	if err != nil {
		t.Fatal(err)
	}
	return fp.Fingerprint(n)
}

// clock starts at a time with nanoseconds and moves one minute per call.
type clock struct{ n atomic.Int64 }

var clockStart = time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))

func (c *clock) Now() time.Time {
	return clockStart.Add(time.Duration(c.n.Add(1)-1) * time.Minute)
}

type fixture struct {
	t        testing.TB
	ctx      context.Context
	store    storage.Store
	log      *audit.Log
	keys     *keys
	clock    *clock
	org      lp.Organisation
	admin    lp.Actor // all permissions
	agent    lp.Actor // search only
	signer   note.Signer
	verifier note.Verifier
}

// newFixture sets up an organisation (region DK) in store and its Log with a
// fresh signing key.
func newFixture(t testing.TB, store storage.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: store, keys: &keys{}, clock: &clock{}}
	skey, vkey, err := note.GenerateKey(rand.Reader, "nordic-sales-changelog")
	if err != nil {
		t.Fatal(err)
	}
	if f.signer, err = note.NewSigner(skey); err != nil {
		t.Fatal(err)
	}
	if f.verifier, err = note.NewVerifier(vkey); err != nil {
		t.Fatal(err)
	}
	f.log = f.logOf(store)
	f.org = lp.Organisation{ID: uuid.New(), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: clockStart}
	f.admin = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermAll}
	f.agent = lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermSearch}
	f.tx(func(tx storage.Tx) error {
		if err := tx.Organisations().Create(f.ctx, f.org); err != nil {
			return err
		}
		for _, p := range fixtureProjects {
			if err := tx.Projects().Create(f.ctx, lp.Project{OrgID: f.org.ID, ID: p, Name: "Project", CreatedAt: clockStart}); err != nil {
				return err
			}
		}
		return nil
	})
	f.addUser(f.admin, lp.RoleAdmin)
	f.addUser(f.agent, lp.RoleAgent)
	return f
}

// fixtureProjects are the projects of every fixture's organisation, which
// entries may name (Record refuses projects that do not exist).
var fixtureProjects = func() []uuid.UUID {
	ps := make([]uuid.UUID, 7)
	for i := range ps {
		ps[i] = uuid.New()
	}
	return ps
}()

// otherOrg stores another organisation with an admin user and returns
// that admin.
func (f *fixture) otherOrg() lp.Actor {
	f.t.Helper()
	admin := lp.Actor{OrgID: uuid.New(), UserID: uuid.New(), Permissions: lp.PermAll}
	f.tx(func(tx storage.Tx) error {
		return tx.Organisations().Create(f.ctx, lp.Organisation{ID: admin.OrgID, Name: "Other ApS", DefaultRegion: "SE", CreatedAt: clockStart})
	})
	f.addUser(admin, lp.RoleAdmin)
	return admin
}

// addUser stores actor as a user of its organisation, which Record requires.
func (f *fixture) addUser(actor lp.Actor, role lp.Role) {
	f.t.Helper()
	f.tx(func(tx storage.Tx) error {
		return tx.Users().Create(f.ctx, lp.User{OrgID: actor.OrgID, ID: actor.UserID, Name: "User", Role: role})
	})
}

// logOf returns the ChangeLog of store with the fixture's keys, signer and
// clock: the Log a host would hold if store were its database (such as a
// tamperStore standing for a database edited behind the SDK's back).
func (f *fixture) logOf(store storage.Store) *audit.Log {
	return audit.New(store, f.keys, f.signer, &audit.Options{Now: f.clock.Now})
}

func newMemFixture(t testing.TB) *fixture { return newFixture(t, memstore.New()) }

// tx runs fn in a transaction and fails the test on error.
func (f *fixture) tx(fn func(tx storage.Tx) error) {
	f.t.Helper()
	if err := f.store.WithTx(f.ctx, func(_ context.Context, tx storage.Tx) error { return fn(tx) }); err != nil {
		f.t.Fatal(err)
	}
}

// record records e in a transaction of its own.
func (f *fixture) record(actor lp.Actor, e audit.Entry) (lp.Event, error) {
	var ev lp.Event
	err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		ev, err = f.log.Record(ctx, tx, actor, e)
		return err
	})
	return ev, err
}

func (f *fixture) mustRecord(actor lp.Actor, e audit.Entry) lp.Event {
	f.t.Helper()
	ev, err := f.record(actor, e)
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

// recordAll records entries, 100 per transaction.
func (f *fixture) recordAll(actor lp.Actor, entries []audit.Entry) {
	f.t.Helper()
	for batch := range slices.Chunk(entries, 100) {
		f.tx(func(tx storage.Tx) error {
			for _, e := range batch {
				if _, err := f.log.Record(f.ctx, tx, actor, e); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// events returns the organisation's whole log, oldest first.
func (f *fixture) events() []lp.Event {
	f.t.Helper()
	var evs []lp.Event
	f.tx(func(tx storage.Tx) error {
		n, err := tx.Events().Count(f.ctx, f.org.ID)
		if err != nil {
			return err
		}
		evs, err = tx.Events().Range(f.ctx, f.org.ID, 0, n)
		return err
	})
	return evs
}

func (f *fixture) checkpoint() []byte {
	f.t.Helper()
	cp, err := f.log.Checkpoint(f.ctx, f.admin)
	if err != nil {
		f.t.Fatal(err)
	}
	return cp
}

// varied returns the i-th of a stream of entries that differ in every
// field, so that any change to one of them changes its event.
func varied(i int) audit.Entry {
	acts := audit.Actions()
	e := audit.Entry{
		Action:    acts[i%len(acts)],
		LeadID:    uuid.New(),
		ProjectID: fixtureProjects[i%len(fixtureProjects)],
		ObjectID:  uuid.New(),
		Number:    phone.Number("+452012" + string(rune('0'+i%10)) + string(rune('0'+i/10%10)) + "99"),
		Details: []audit.Detail{
			audit.Count(audit.KeyRows, i),
			audit.Code(audit.KeyReason, "customer_request"),
			audit.Flag(audit.KeySuppressed, i%2 == 0),
			audit.Hash(audit.KeyContentHash, sha256.Sum256([]byte{byte(i)})),
		},
	}
	return e
}
