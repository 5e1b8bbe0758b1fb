package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// A retention purge batch: under the organisation's lease, the due leads
// are forgotten with one AnonymiseMany and one EraseByLeads, and one
// ChangeLog event names them all, so a query by any lead still answers
// who forgot it.
func Example_retentionBatch() {
	ctx := context.Background()
	store := memstore.New()
	org := uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	alice := lp.Actor{OrgID: org, UserID: uuid.MustParse("00000000-0000-0000-0000-0000000000b1"), Permissions: lp.PermAll}
	project, tpl := uuid.MustParse("00000000-0000-0000-0000-0000000000c1"), uuid.MustParse("00000000-0000-0000-0000-0000000000d1")
	runner := uuid.MustParse("00000000-0000-0000-0000-0000000000e1")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	changelog := audit.New(store, lp.StaticKeys{org: []byte("an example key of 32 bytes or more")}, nil, nil)
	var leads []uuid.UUID
	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, lp.Organisation{ID: org, Name: "Nordic Sales ApS", DefaultRegion: "DK"}); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, lp.User{OrgID: org, ID: alice.UserID, Name: "Alice", Role: lp.RoleAdmin}); err != nil {
			return err
		}
		if err := tx.Projects().Create(ctx, lp.Project{OrgID: org, ID: project, Name: "Spring"}); err != nil {
			return err
		}
		if err := tx.Templates().Create(ctx, lp.CampaignTemplate{OrgID: org, ID: tpl, Name: "Basic"}); err != nil {
			return err
		}
		for i := range 3 {
			l := lp.Lead{OrgID: org, ID: uuid.New(), ProjectID: project, TemplateID: tpl, Outcome: "no_answer",
				Phones: []phone.Number{phone.Number(fmt.Sprintf("+452012340%d", i))}, CreatedAt: now.AddDate(0, 0, -90+30*i)}
			if err := tx.Leads().Create(ctx, l); err != nil {
				return err
			}
			if err := tx.Contacts().Add(ctx, lp.ContactAttempt{OrgID: org, ID: uuid.New(), LeadID: l.ID, At: l.CreatedAt, RecordingRef: fmt.Sprintf("rec/%d", i)}); err != nil {
				return err
			}
			leads = append(leads, l.ID)
		}
		return nil
	})
	fmt.Println("setup:", err)

	due := storage.LeadFilter{ProjectID: project, Basis: lp.SinceCreated, Before: now.AddDate(0, 0, -30), Forgotten: new(bool)}
	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if held, err := tx.Leases().Acquire(ctx, org, "retention", runner, now, now.Add(time.Minute)); err != nil || !held {
			return fmt.Errorf("lease: %t, %w", held, err)
		}
		n, err := tx.Leads().Count(ctx, org, due)
		fmt.Println("due:", n, err)
		ids, err := tx.Leads().ListIDs(ctx, org, due, storage.Page{Limit: 1000})
		if err != nil {
			return err
		}
		forgotten, err := tx.Leads().AnonymiseMany(ctx, org, ids, now)
		if err != nil {
			return err
		}
		refs, scrubbed, err := tx.Contacts().EraseByLeads(ctx, org, ids)
		if err != nil {
			return err
		}
		fmt.Println("forgotten:", forgotten, "attempts scrubbed:", scrubbed, "recordings to erase:", len(refs))
		_, err = changelog.Record(ctx, tx, alice, audit.Entry{Action: audit.ActionPurgeRun, ProjectID: project, LeadIDs: ids,
			Details: []audit.Detail{audit.Count(audit.KeyRows, forgotten)}})
		if err != nil {
			return err
		}
		return tx.Leases().Release(ctx, org, "retention", runner)
	})
	fmt.Println("purge:", err)

	page, err := changelog.Query(ctx, alice, audit.Query{LeadID: leads[0]})
	fmt.Println("events of the first lead:", len(page.Events), page.Events[0].Action, len(page.Events[0].LeadIDs), err)
	// Output:
	// setup: <nil>
	// due: 2 <nil>
	// forgotten: 2 attempts scrubbed: 2 recordings to erase: 2
	// purge: <nil>
	// events of the first lead: 1 purge.run 2 <nil>
}
