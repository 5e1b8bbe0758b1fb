package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// world is an organisation with one project, template and admin.
type world struct {
	org, project, template, admin uuid.UUID
	now                           time.Time
}

var testTime = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC).Truncate(time.Microsecond)

func newWorld(t testing.TB, s storage.Store) world {
	t.Helper()
	w := world{org: newID(), project: newID(), template: newID(), admin: newID(), now: testTime}
	err := s.WithTx(context.Background(), func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, lp.Organisation{ID: w.org, Name: "Org", DefaultRegion: "DK", CreatedAt: w.now}); err != nil {
			return err
		}
		// Without the legal hold column: the migration tests build this
		// world on older schemas.
		if err := sqlstore.CreateProjectUnheld(ctx, tx, lp.Project{OrgID: w.org, ID: w.project, Name: "Energy", CreatedAt: w.now}); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, lp.User{OrgID: w.org, ID: w.admin, Name: "Admin", Role: lp.RoleAdmin}); err != nil {
			return err
		}
		return tx.Templates().Create(ctx, lp.CampaignTemplate{OrgID: w.org, ID: w.template, Name: "T", Fields: []lp.TemplateField{
			{Key: "name", Label: "Name", Personal: true},
			{Key: "email", Label: "E-mail", Personal: true},
			{Key: "segment", Label: "Segment"},
		}})
	})
	if err != nil {
		t.Fatalf("create world: %v", err)
	}
	return w
}

// number returns the i-th test number, a valid Danish E.164 mobile number
// (+45 2xxxxxxx). Consecutive i are scattered over the range, as in a real
// upload, so index inserts are not all appends; i below 10,000,000 gives
// distinct numbers (7919 is coprime to 10^7).
func number(i int) phone.Number {
	return phone.Number(fmt.Sprintf("+45%08d", 20000000+(i*7919)%10_000_000))
}

// newID returns a time-ordered (version 7) uuid, as the SDK generates.
func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// idAt returns a version 7 uuid stamped with t, the id a lead created at t
// would have been given.
func idAt(t time.Time) uuid.UUID {
	id := newID()
	ms := t.UnixMilli()
	for i := 5; i >= 0; i-- {
		id[i] = byte(ms)
		ms >>= 8
	}
	return id
}

// lead returns a lead of w's project with the given numbers.
func (w world) lead(numbers ...phone.Number) lp.Lead {
	return lp.Lead{OrgID: w.org, ID: newID(), ProjectID: w.project, TemplateID: w.template,
		Phones: numbers, Fields: map[string]string{"segment": "b2c"}, Outcome: "success",
		CreatedAt: w.now, LastContactAt: w.now}
}

// storeLeads stores n leads of w's project, lead i with number(i).
func (w world) storeLeads(t testing.TB, s storage.Store, n int) []lp.Lead {
	t.Helper()
	all := make([]lp.Lead, n)
	for i := range all {
		all[i] = w.lead(number(i))
	}
	if err := s.WithTx(context.Background(), func(ctx context.Context, tx storage.Tx) error {
		return tx.Leads().CreateMany(ctx, w.org, all)
	}); err != nil {
		t.Fatal(err)
	}
	return all
}

// block returns an org-wide block entry of n.
func (w world) block(n phone.Number) lp.BlockEntry {
	return lp.BlockEntry{OrgID: w.org, ID: newID(), Number: n, BlockedBy: w.admin, BlockedAt: w.now,
		Reason: "customer_request", Source: lp.SourceUpload}
}

// event returns a ChangeLog event about lead.
func (w world) event(lead uuid.UUID) lp.Event {
	return lp.Event{OrgID: w.org, Time: w.now, ActorID: w.admin, Action: "lead.forgotten", LeadID: lead,
		Details: map[string]string{"fields": "2"}}
}
