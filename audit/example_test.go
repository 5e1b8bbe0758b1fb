package audit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// staticKeys gives every organisation the same fingerprint key. A host
// reads a per-organisation key from its secret store instead.
type staticKeys struct{}

func (staticKeys) FingerprintKey(context.Context, uuid.UUID) ([]byte, error) {
	return []byte("example key, 32 bytes long......"), nil
}

// setUp returns a store with Nordic Sales ApS and its admin Alice, and the
// store's Log, whose clock reads 2 March 2026, 10:30 UTC.
func setUp(signer note.Signer) (storage.Store, *audit.Log, lp.Actor) {
	store := memstore.New()
	org := lp.Organisation{ID: uuid.MustParse("6f1c1e1a-0000-4000-8000-000000000001"), Name: "Nordic Sales ApS", DefaultRegion: "DK"}
	alice := lp.Actor{OrgID: org.ID, UserID: uuid.MustParse("a11ce000-0000-4000-8000-000000000002"), Permissions: lp.PermAll}
	err := store.WithTx(context.Background(), func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, org); err != nil {
			return err
		}
		return tx.Users().Create(ctx, lp.User{OrgID: org.ID, ID: alice.UserID, Name: "Alice", Role: lp.RoleAdmin})
	})
	if err != nil {
		panic(err)
	}
	now := func() time.Time { return time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC) }
	return store, audit.New(store, staticKeys{}, signer, &audit.Options{Now: now}), alice
}

// forget records that alice forgot a lead with the number, as the privacy
// service does inside the transaction that anonymises the lead.
func forget(store storage.Store, changelog *audit.Log, alice lp.Actor) {
	lead := uuid.MustParse("1ead0000-0000-4000-8000-000000000003")
	err := store.WithTx(context.Background(), func(ctx context.Context, tx storage.Tx) error {
		// ... tx.Leads().Update(ctx, anonymisedLead) ...
		_, err := changelog.Record(ctx, tx, alice, audit.Entry{
			Action: audit.ActionLeadForgotten,
			LeadID: lead,
			Number: "+4520123499",
			Details: []audit.Detail{
				audit.Count(audit.KeyFields, 4),
				audit.Flag(audit.KeySuppressed, true),
			},
		})
		return err
	})
	if err != nil {
		panic(err)
	}
}

// Who forgot a number? The ChangeLog holds only the masked number and its
// keyed fingerprint; asking with the number as a person types it finds the
// event by fingerprint.
func Example() {
	ctx := context.Background()
	store, changelog, alice := setUp(nil)
	forget(store, changelog, alice)

	page, err := changelog.Query(ctx, alice, audit.Query{
		Number:  "0045 20 12 34 99",
		Actions: []lp.Action{audit.ActionLeadForgotten},
	})
	if err != nil {
		panic(err)
	}
	for _, e := range page.Events {
		fmt.Println(e.Action, e.MaskedNumber, "by", e.ActorID, "on", e.Time.Format(time.DateOnly), e.Details)
	}
	// Output:
	// lead.forgotten +45••••3499 by a11ce000-0000-4000-8000-000000000002 on 2026-03-02 map[fields:4 suppressed:true]
}

// An auditor's CSV: safe to open in a spreadsheet (the masked number gets
// a leading apostrophe so it is not read as a formula).
func ExampleLog_Export() {
	store, changelog, alice := setUp(nil)
	forget(store, changelog, alice)

	_, err := changelog.Export(context.Background(), alice, audit.Query{}, os.Stdout, audit.CSV)
	if err != nil {
		panic(err)
	}
	// Output:
	// seq,time,org_id,actor_id,action,lead_id,project_id,object_id,masked_number,fingerprint,details,lead_ids
	// 0,2026-03-02T10:30:00.000000Z,6f1c1e1a-0000-4000-8000-000000000001,a11ce000-0000-4000-8000-000000000002,lead.forgotten,1ead0000-0000-4000-8000-000000000003,,,'+45••••3499,af651893140f9ee0ec210d48b67f140f01855ca31ab371cfe2a9c4815770dc00,fields=4 suppressed=true,
}

// The host signs a checkpoint and keeps it outside the database; later,
// Verify re-reads the whole log against it, and one event can be proved to
// be in it.
func ExampleVerify() {
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "nordic-sales-changelog")
	if err != nil {
		panic(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)

	store, changelog, alice := setUp(signer)
	forget(store, changelog, alice)
	checkpoint, err := changelog.Checkpoint(ctx, alice)
	if err != nil {
		panic(err)
	}

	forget(store, changelog, alice) // the log grows after the checkpoint
	head, err := audit.Verify(ctx, store, alice.OrgID, checkpoint, verifier)
	fmt.Println("intact:", err == nil, "events now:", head.N)

	proof, err := changelog.Prove(ctx, alice, 0, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("event 0 in checkpoint:", audit.CheckProof(checkpoint, alice.OrgID, verifier, proof) == nil)
	// Output:
	// intact: true events now: 2
	// event 0 in checkpoint: true
}
