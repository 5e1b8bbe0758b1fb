package audit_test

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

func TestRecordStoresMaskedFingerprintedEvent(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		lead, project, block := uuid.New(), fixtureProjects[0], uuid.New()
		n := phone.Number("+4520123499")
		ev := f.mustRecord(f.admin, audit.Entry{
			Action: audit.ActionBlockCreated, LeadID: lead, ProjectID: project, ObjectID: block, Number: n,
			Details: []audit.Detail{audit.Code(audit.KeyReason, "customer_request"), audit.Count(audit.KeyRows, 3),
				audit.At(audit.KeyExpiresAt, time.Time{}), audit.Duration(audit.KeyKeepFor, 48*time.Hour)},
		})
		want := lp.Event{
			OrgID: f.org.ID, Seq: 0, Time: time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC),
			ActorID: f.admin.UserID, Action: audit.ActionBlockCreated, LeadID: lead, ProjectID: project, ObjectID: block,
			MaskedNumber: "+45••••3499", Fingerprint: f.keys.fingerprint(t, f.org.ID, n),
			Details: map[string]string{"reason": "customer_request", "rows": "3", "expires_at": "none", "keep_for": "48h0m0s"},
		}
		stored := f.events()
		if len(stored) != 1 {
			t.Fatalf("stored %d events, want 1", len(stored))
		}
		for name, got := range map[string]lp.Event{"returned": ev, "stored": stored[0]} {
			if !eventsEqual(got, want) {
				t.Errorf("%s event\n got %+v\nwant %+v", name, got, want)
			}
		}
		second := f.mustRecord(f.agent, audit.Entry{Action: audit.ActionLeadViewed, LeadID: lead})
		if second.Seq != 1 || second.Time.Sub(ev.Time) != time.Minute {
			t.Errorf("second event seq %d time +%v, want 1 and +1m", second.Seq, second.Time.Sub(ev.Time))
		}
	})
}

// TestRecordPrefix records a prefix block's range: masked and
// fingerprinted like a number, with the prefix detail.
func TestRecordPrefix(t *testing.T) {
	f := newMemFixture(t)
	ev := f.mustRecord(f.admin, audit.Entry{Action: audit.ActionBlockCreated, Number: "+4570", Prefix: true,
		Details: []audit.Detail{audit.Code(audit.KeyReason, "customer_request")}})
	if ev.MaskedNumber != "+45•0" || ev.Fingerprint != f.keys.fingerprint(t, f.org.ID, "+4570") ||
		!maps.Equal(ev.Details, map[string]string{"reason": "customer_request", "prefix": "true"}) {
		t.Errorf("event = %+v", ev)
	}
}

// eventsEqual compares events field by field; times must be equal
// instants, both in UTC.
func eventsEqual(a, b lp.Event) bool {
	if !maps.Equal(a.Details, b.Details) || !a.Time.Equal(b.Time) || a.Time.Location() != time.UTC || b.Time.Location() != time.UTC {
		return false
	}
	a.Details, b.Details, a.Time, b.Time = nil, nil, time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func TestRecordRejects(t *testing.T) {
	f := newMemFixture(t)
	cases := []struct {
		name  string
		actor lp.Actor
		entry audit.Entry
		want  error
	}{
		{"zero actor", lp.Actor{}, audit.Entry{Action: audit.ActionLeadViewed}, lp.ErrForbidden},
		{"no user", lp.Actor{OrgID: f.org.ID}, audit.Entry{Action: audit.ActionLeadViewed}, lp.ErrForbidden},
		{"unknown action", f.admin, audit.Entry{Action: "lead.sold"}, lp.ErrInvalidArgument},
		{"empty action", f.admin, audit.Entry{}, lp.ErrInvalidArgument},
		{"national number", f.admin, audit.Entry{Action: audit.ActionNumberSearched, Number: "20123499"}, lp.ErrInvalidArgument},
		{"spaced number", f.admin, audit.Entry{Action: audit.ActionNumberSearched, Number: "+45 20 12 34 99"}, lp.ErrInvalidArgument},
		{"free text code", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Code(audit.KeyReason, "Customer asked")}}, lp.ErrInvalidArgument},
		{"number as code", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Code(audit.KeyReason, "n20123499")}}, lp.ErrInvalidArgument},
		{"unknown key", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Count("phone", 1)}}, lp.ErrInvalidArgument},
		{"key of another kind", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Count(audit.CountKey(audit.KeyReason), 1)}}, lp.ErrInvalidArgument},
		{"negative count", f.admin, audit.Entry{Action: audit.ActionBlocksUploaded, Details: []audit.Detail{audit.Count(audit.KeyRows, -1)}}, lp.ErrInvalidArgument},
		{"zero id", f.admin, audit.Entry{Action: audit.ActionPurgeRun, Details: []audit.Detail{audit.ID(audit.KeyRun, uuid.Nil)}}, lp.ErrInvalidArgument},
		{"negative duration", f.admin, audit.Entry{Action: audit.ActionRetentionRuleCreated, Details: []audit.Detail{audit.Duration(audit.KeyKeepFor, -time.Hour)}}, lp.ErrInvalidArgument},
		{"zero detail", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{{}}}, lp.ErrInvalidArgument},
		{"prefix with wildcard", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Number: "+4570*", Prefix: true}, lp.ErrInvalidArgument},
		{"prefix without prefix", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Prefix: true}, lp.ErrInvalidArgument},
		{"prefix not flagged", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Number: "+4570"}, lp.ErrInvalidArgument},
		{"prefix detail by hand", f.admin, audit.Entry{Action: audit.ActionBlockCreated, Number: "+4520123499", Details: []audit.Detail{audit.Flag(audit.KeyPrefix, true)}}, lp.ErrInvalidArgument},
		{"duplicate key", f.admin, audit.Entry{Action: audit.ActionBlocksUploaded, Details: []audit.Detail{audit.Count(audit.KeyRows, 1), audit.Count(audit.KeyRows, 2)}}, lp.ErrInvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := f.record(c.actor, c.entry); !errors.Is(err, c.want) {
				t.Errorf("Record = %v, want %v", err, c.want)
			}
		})
	}
	if n := len(f.events()); n != 0 {
		t.Errorf("%d events stored by rejected calls", n)
	}
}

// TestRecordRefusesStrangers requires the actor to be a user of the
// organisation (fail closed) and a project named by the entry to be one of
// its projects, on every adapter.
func TestRecordRefusesStrangers(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		other := f.otherOrg()
		otherProject := uuid.New()
		f.tx(func(tx storage.Tx) error {
			return tx.Projects().Create(f.ctx, lp.Project{OrgID: other.OrgID, ID: otherProject, Name: "Theirs", CreatedAt: clockStart})
		})
		entry := audit.Entry{Action: audit.ActionLeadViewed}
		cases := []struct {
			name  string
			actor lp.Actor
			entry audit.Entry
			want  error
		}{
			{"unknown user", lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermAll}, entry, lp.ErrForbidden},
			{"user of another organisation", lp.Actor{OrgID: f.org.ID, UserID: other.UserID, Permissions: lp.PermAll}, entry, lp.ErrForbidden},
			{"organisation never created", lp.Actor{OrgID: uuid.New(), UserID: f.admin.UserID, Permissions: lp.PermAll}, entry, lp.ErrForbidden},
			{"unknown project", f.admin, audit.Entry{Action: audit.ActionLeadViewed, ProjectID: uuid.New()}, lp.ErrNotFound},
			{"project of another organisation", f.admin, audit.Entry{Action: audit.ActionLeadViewed, ProjectID: otherProject}, lp.ErrNotFound},
		}
		for _, c := range cases {
			if _, err := f.record(c.actor, c.entry); !errors.Is(err, c.want) {
				t.Errorf("%s: Record = %v, want %v", c.name, err, c.want)
			}
		}
		if n := len(f.events()); n != 0 {
			t.Errorf("%d events stored by refused calls", n)
		}
		f.mustRecord(other, audit.Entry{Action: audit.ActionLeadViewed, ProjectID: otherProject})
	})
}

func TestRecordRollsBackWithItsChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		f.mustRecord(f.admin, varied(0))
		errChange := errors.New("change failed")
		err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			if _, err := f.log.Record(ctx, tx, f.admin, varied(1)); err != nil {
				return err
			}
			return errChange
		})
		if !errors.Is(err, errChange) {
			t.Fatalf("WithTx = %v", err)
		}
		if n := len(f.events()); n != 1 {
			t.Fatalf("%d events after rollback, want 1", n)
		}
		// The tree hashes of the rolled-back event are gone too: the next
		// event takes its place and the log verifies.
		f.mustRecord(f.admin, varied(2))
		if _, err := audit.Verify(f.ctx, f.store, f.org.ID, f.checkpoint(), f.verifier); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCode(t *testing.T) {
	for code, ok := range map[string]bool{
		"customer_request": true, "gdpr.art17": true, "a": true, "x-2026:q": true,
		strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
		"": false, "Customer": false, "customer request": false, "jens@example.dk": false,
		"_reason": false, "9lives": false, "n20123499": false, "call12345": false,
		"nørregade": false, "a\nb": false, "a;b": false, "a=b": false,
	} {
		_, err := audit.CheckDetails([]audit.Detail{audit.Code(audit.KeyReason, code)})
		if (err == nil) != ok {
			t.Errorf("Code(%q) accepted=%v, want %v (err %v)", code, err == nil, ok, err)
		}
		if err != nil && code != "" && strings.Contains(err.Error(), code) {
			t.Errorf("error repeats the rejected value: %v", err)
		}
	}
}

func TestFingerprintKeyFetchedOncePerOrganisation(t *testing.T) {
	f := newMemFixture(t)
	other := f.otherOrg()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actor := f.admin
			if i%2 == 1 {
				actor = other
			}
			if _, err := f.record(actor, audit.Entry{Action: audit.ActionNumberSearched, Number: "+4520123499"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := f.keys.calls.Load(); got != 2 {
		t.Errorf("KeyProvider called %d times for 2 organisations, want 2", got)
	}
}

func TestFingerprintKeyFailureIsNotCached(t *testing.T) {
	f := newMemFixture(t)
	f.keys.fail.Store(true)
	entry := audit.Entry{Action: audit.ActionNumberSearched, Number: "+4520123499"}
	if _, err := f.record(f.admin, entry); !errors.Is(err, errKeyStore) {
		t.Fatalf("Record with failing key store = %v", err)
	}
	f.keys.fail.Store(false)
	ev := f.mustRecord(f.admin, entry)
	if ev.Fingerprint != f.keys.fingerprint(t, f.org.ID, "+4520123499") {
		t.Error("fingerprint does not match the organisation's key")
	}
}

func TestAuthorizeRecordsDenial(t *testing.T) {
	f := newMemFixture(t)
	err := f.log.Authorize(f.ctx, f.agent, lp.PermForget, audit.ActionLeadForgotten)
	if !errors.Is(err, lp.ErrForbidden) {
		t.Fatalf("Authorize = %v, want ErrForbidden", err)
	}
	if err := f.log.Authorize(f.ctx, f.admin, lp.PermForget, audit.ActionLeadForgotten); err != nil {
		t.Fatalf("Authorize admin = %v", err)
	}
	if err := f.log.Authorize(f.ctx, f.agent, lp.PermBlock|lp.PermImport, audit.ActionBlocksUploaded); !errors.Is(err, lp.ErrForbidden) {
		t.Fatalf("Authorize two permissions = %v, want ErrForbidden", err)
	}
	if err := f.log.Authorize(f.ctx, lp.Actor{}, lp.PermForget, audit.ActionLeadForgotten); !errors.Is(err, lp.ErrForbidden) {
		t.Fatalf("Authorize zero actor = %v", err)
	}
	evs := f.events()
	if len(evs) != 2 {
		t.Fatalf("%d events, want the two denials", len(evs))
	}
	for i, want := range []map[string]string{
		{"attempted": "lead.forgotten", "permission": "forget"},
		{"attempted": "block.uploaded", "permission": "block-import"},
	} {
		if e := evs[i]; e.Action != audit.ActionAccessDenied || e.ActorID != f.agent.UserID || !maps.Equal(e.Details, want) {
			t.Errorf("denial event %+v", e)
		}
	}
}
