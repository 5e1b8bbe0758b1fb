package sqlstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
)

// Open a SQLite file, store a lead, find it by phone number, forget it with
// its ChangeLog event in one transaction, and compact the file so the
// erased data is gone from disk.
func Example() {
	dir, err := os.MkdirTemp("", "leadprivacy-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	store, err := sqlite.Open(ctx, filepath.Join(dir, "leads.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	org, project, tmpl := uuid.New(), uuid.New(), uuid.New()
	admin := lp.Actor{OrgID: org, UserID: uuid.New(), Permissions: lp.PermAll}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	lead := lp.Lead{OrgID: org, ID: uuid.New(), ProjectID: project, TemplateID: tmpl,
		Phones: []phone.Number{"+4512345678"}, Fields: map[string]string{"name": "Jane"}, CreatedAt: now}
	// The ChangeLog fingerprints numbers with the organisation's key (keep
	// real keys in a secret manager) and needs a signer only to checkpoint.
	changelog := audit.New(store, lp.StaticKeys{org: []byte("an example key of 32 bytes or more")}, nil, nil)

	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, lp.Organisation{ID: org, Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, lp.User{OrgID: org, ID: admin.UserID, Name: "Alice", Role: lp.RoleAdmin}); err != nil {
			return err
		}
		if err := tx.Projects().Create(ctx, lp.Project{OrgID: org, ID: project, Name: "Energy", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.Templates().Create(ctx, lp.CampaignTemplate{OrgID: org, ID: tmpl, Name: "Basic",
			Fields: []lp.TemplateField{{Key: "name", Label: "Name", Personal: true}}}); err != nil {
			return err
		}
		return tx.Leads().Create(ctx, lead)
	})
	if err != nil {
		log.Fatal(err)
	}

	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		found, err := tx.Leads().FindByNumbers(ctx, org, []phone.Number{"+4512345678"})
		if err != nil {
			return err
		}
		fmt.Println("found:", len(found))
		l := found[0]
		l.Phones, l.Fields, l.ForgottenAt = nil, nil, now
		if err := tx.Leads().Update(ctx, l); err != nil {
			return err
		}
		ev, err := changelog.Record(ctx, tx, admin, audit.Entry{Action: audit.ActionLeadForgotten,
			LeadID: l.ID, ProjectID: l.ProjectID, Number: "+4512345678"})
		fmt.Println("event:", ev.Seq, ev.Action, ev.MaskedNumber)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Compact(ctx); err != nil {
		log.Fatal(err)
	}

	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		found, err := tx.Leads().FindByNumbers(ctx, org, []phone.Number{"+4512345678"})
		fmt.Println("found after forget:", len(found))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// found: 1
	// event: 0 lead.forgotten +45••••5678
	// found after forget: 0
}

// Run the SDK's operations inside the host's own transaction: the host
// commits (or rolls back) its changes and ours together.
func ExampleStore_Attach() {
	dir, err := os.MkdirTemp("", "leadprivacy-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "host.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	hostTx, err := store.DB().BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer hostTx.Rollback() // no-op after Commit
	org := uuid.New()
	admin := lp.Actor{OrgID: org, UserID: uuid.New(), Permissions: lp.PermAll}
	changelog := audit.New(store, lp.StaticKeys{org: []byte("an example key of 32 bytes or more")}, nil, nil)
	tx := store.Attach(hostTx)
	if err := tx.Organisations().Create(ctx, lp.Organisation{ID: org, Name: "Nordic Sales ApS", DefaultRegion: "DK"}); err != nil {
		log.Fatal(err)
	}
	if err := tx.Users().Create(ctx, lp.User{OrgID: org, ID: admin.UserID, Name: "Alice", Role: lp.RoleAdmin}); err != nil {
		log.Fatal(err)
	}
	// ... the host's own statements on hostTx, such as importing leads ...
	if _, err := changelog.Record(ctx, tx, admin, audit.Entry{Action: audit.ActionLeadsImported,
		Details: []audit.Detail{audit.Count(audit.KeyRows, 250)}}); err != nil {
		log.Fatal(err)
	}
	if err := hostTx.Commit(); err != nil {
		log.Fatal(err)
	}

	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Events().Count(ctx, org)
		fmt.Println("events:", n)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// events: 1
}
