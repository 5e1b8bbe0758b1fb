package retention_test

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/retention"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// Journey 5: Alice keeps Energy's successes 60 days, "not interested" 30
// days and everything else 90 days since the last contact; the dry run
// shows what is due, the purge anonymises it and skips a lead on legal
// hold.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	store := memstore.New()
	org := lp.Organisation{ID: uuid.New(), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: now.AddDate(-1, 0, 0)}
	energy := lp.Project{OrgID: org.ID, ID: uuid.New(), Name: "Energy 2026", CreatedAt: org.CreatedAt}
	tmpl := lp.CampaignTemplate{OrgID: org.ID, ID: uuid.New(), Name: "Energy", Fields: []lp.TemplateField{
		{Key: "first_name", Label: "First name", Personal: true}, {Key: "tariff", Label: "Tariff"}}}
	alice := lp.Actor{OrgID: org.ID, UserID: uuid.New(), Permissions: lp.PermAll}
	// Leads last called 45 days ago with these outcomes; the last one is held.
	outcomes := []string{"success", "not_interested", "not_interested", "callback", "not_interested"}
	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, org); err != nil {
			return err
		}
		if err := tx.Projects().Create(ctx, energy); err != nil {
			return err
		}
		if err := tx.Templates().Create(ctx, tmpl); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, lp.User{OrgID: org.ID, ID: alice.UserID, Name: "Alice", Role: lp.RoleAdmin}); err != nil {
			return err
		}
		for i, o := range outcomes {
			l := lp.Lead{OrgID: org.ID, ID: uuid.New(), ProjectID: energy.ID, TemplateID: tmpl.ID,
				Phones: []phone.Number{phone.Number(fmt.Sprintf("+452012340%d", i))}, Fields: map[string]string{"first_name": "Jens"},
				Outcome: o, CreatedAt: now.AddDate(0, 0, -50), LastContactAt: now.AddDate(0, 0, -45), LegalHold: i == len(outcomes)-1}
			if err := tx.Leads().Create(ctx, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	changelog := audit.New(store, lp.StaticKeys{org.ID: []byte("a 32-byte secret from your vault")}, nil,
		&audit.Options{Now: func() time.Time { return now }})
	ret := retention.New(store, changelog, privacy.New(store, changelog, nil), nil)

	for _, r := range []retention.RuleRequest{
		{ProjectID: energy.ID, Outcome: "success", KeepFor: 60 * 24 * time.Hour},
		{ProjectID: energy.ID, Outcome: "not_interested", KeepFor: 30 * 24 * time.Hour},
		{ProjectID: energy.ID, KeepFor: 90 * 24 * time.Hour}, // the catch-all
	} {
		if _, err := ret.SetRule(ctx, alice, r); err != nil {
			panic(err)
		}
	}
	name := func(r lp.RetentionRule) string {
		if r.Outcome == "" {
			return "other outcomes"
		}
		return r.Outcome
	}
	plan, err := ret.Plan(ctx, alice, now)
	if err != nil {
		panic(err)
	}
	for _, rp := range plan.Rules {
		fmt.Printf("plan  %-15s due %d, on legal hold %d, fields %v\n", name(rp.Rule), rp.Due, rp.SkippedLegalHold, rp.FieldKeys)
	}
	report, err := ret.Purge(ctx, alice, now, retention.PurgeOptions{})
	if err != nil {
		panic(err)
	}
	for _, rr := range report.Rules {
		fmt.Printf("purge %-15s forgotten %d, skipped on legal hold %d\n", name(rr.Rule), rr.Forgotten, rr.SkippedLegalHold)
	}
	// Output:
	// plan  other outcomes  due 0, on legal hold 0, fields []
	// plan  not_interested  due 2, on legal hold 1, fields [first_name tariff]
	// plan  success         due 0, on legal hold 0, fields []
	// purge other outcomes  forgotten 0, skipped on legal hold 0
	// purge not_interested  forgotten 2, skipped on legal hold 1
	// purge success         forgotten 0, skipped on legal hold 0
}
