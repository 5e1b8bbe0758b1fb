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

	org, project, tmpl, admin := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	lead := lp.Lead{OrgID: org, ID: uuid.New(), ProjectID: project, TemplateID: tmpl,
		Phones: []phone.Number{"+4512345678"}, Fields: map[string]string{"name": "Jane"}, CreatedAt: now}

	err = store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
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
		seq, err := tx.Events().Append(ctx, lp.Event{OrgID: org, Time: now, ActorID: admin, Action: "lead.forgotten", LeadID: l.ID})
		fmt.Println("event seq:", seq)
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
	// event seq: 0
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
	tx := store.Attach(hostTx)
	if _, err := tx.Events().Append(ctx, lp.Event{OrgID: org, Time: time.Now(), ActorID: uuid.New(), Action: "host.import"}); err != nil {
		log.Fatal(err)
	}
	// ... the host's own statements on hostTx ...
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
