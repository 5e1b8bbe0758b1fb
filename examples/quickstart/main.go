// Command quickstart walks through the leadprivacy journeys on the embedded
// default store, a SQLite file: Nordic Sales ApS blocks numbers, uploads a
// do-not-call list exported from Excel, checks a lead import against it, and
// asks its tamper-evident ChangeLog who blocked a number.
//
//	go run ./examples/quickstart            # temporary database, removed at exit
//	go run ./examples/quickstart -db lp.db  # keep the database file
//
// Each step is wired from the SDK's packages (phone, csvimport, storage,
// audit), so the source shows what a host calls.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
)

// dncCSV is Alice's do-not-call list as Excel exports it: no header, one
// number a line, spaces, a duplicate and a typo.
const dncCSV = "+45 20 12 34 56\r\n'+4540404040\r\n2012345x\r\n0045 50 50 50 50\r\n40 40 40 40\r\n"

// energyLeadsCSV is Bob's lead file: header, semicolons, two phone columns.
const energyLeadsCSV = `First name;Last name;Email;Phone;Mobile;Meter size;Tariff
Anna;Jensen;anna@example.com;+45 20 12 34 99;;small;flex
Bo;Hansen;bo@example.com;20 12 34 56;;large;fixed
Carl;Lund;carl@example.com;70 70 70 70;31 23 45 67;medium;flex
Dorte;Berg;dorte@example.com;7x 70 70 71;;small;flex
`

func main() {
	dbPath := flag.String("db", "", "SQLite database file (default: a temporary file removed at exit)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dbPath); err != nil {
		log.Fatal(err)
	}
}

// world is the cast of the scenarios: one organisation, its projects,
// templates and users.
type world struct {
	org               lp.Organisation
	energy, insurance lp.Project
	energyTmpl        lp.CampaignTemplate
	alice, bob        lp.Actor
	store             storage.Store
	changelog         *audit.Log
	verifier          note.Verifier
	names             map[uuid.UUID]string // user names for display
	now               time.Time
	out               io.Writer
}

func run(ctx context.Context, out io.Writer, dbPath string) error {
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "leadprivacy-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "leadprivacy.db")
	}
	store, err := sqlite.Open(ctx, dbPath, nil)
	if err != nil {
		return err
	}
	defer store.Close()

	w, err := setUp(ctx, store)
	if err != nil {
		return err
	}
	w.out = out
	fmt.Fprintf(out, "leadprivacy quickstart: %s (default region %s), SQLite at %s\n", w.org.Name, w.org.DefaultRegion, dbPath)
	fmt.Fprintf(out, "Alice is its admin; Bob an agent on the project %s (there is also %s).\n", w.energy.Name, w.insurance.Name)

	steps := []struct {
		title string
		fn    func(context.Context, *world) error
	}{
		{"1. Numbers as people type them, normalised to E.164 (shown masked, as everywhere below)", showNumbers},
		{"2. Alice blocks a number org-wide and one for " + w.energy.Name + " for 30 days, then uploads\n" +
			"   dnc.csv, a do-not-call list exported from Excel: 5 numbers, one twice, one with a typo", blockNumbers},
		{"3. Bob imports energy-leads.csv into " + w.energy.Name + ": 4 leads, each checked against\n" +
			"   the blocks that apply to " + w.energy.Name + " before it is stored", importLeads},
		{"4. An auditor asks the ChangeLog who blocked a number, and checks that no event\n" +
			"   was changed since a signed checkpoint", askChangeLog},
	}
	for _, s := range steps {
		fmt.Fprintf(out, "\n%s\n", s.title)
		if err := s.fn(ctx, w); err != nil {
			return fmt.Errorf("%s: %w", s.title, err)
		}
	}
	return nil
}

// setUp creates the cast: Nordic Sales ApS with the Energy and Insurance
// projects, the Energy template and the users Alice and Bob.
func setUp(ctx context.Context, store storage.Store) (*world, error) {
	orgID := newID()
	fpKey := make([]byte, 32)
	rand.Read(fpKey)
	skey, vkey, err := note.GenerateKey(rand.Reader, "nordic-sales-changelog")
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	w := &world{
		org:       lp.Organisation{ID: orgID, Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: now},
		energy:    lp.Project{OrgID: orgID, ID: newID(), Name: "Energy 2026", CreatedAt: now},
		insurance: lp.Project{OrgID: orgID, ID: newID(), Name: "Insurance Q4", CreatedAt: now},
		energyTmpl: lp.CampaignTemplate{OrgID: orgID, ID: newID(), Name: "Energy", Fields: []lp.TemplateField{
			{Key: "first_name", Label: "First name", Personal: true},
			{Key: "last_name", Label: "Last name", Personal: true},
			{Key: "email", Label: "Email", Personal: true},
			{Key: "address", Label: "Address", Personal: true},
			{Key: "meter_size", Label: "Meter size"},
			{Key: "tariff", Label: "Tariff"},
		}},
		alice:     lp.Actor{OrgID: orgID, UserID: newID(), Permissions: lp.PermAll},
		store:     store,
		changelog: audit.New(store, lp.StaticKeys{orgID: fpKey}, signer, nil),
		verifier:  verifier,
		now:       now,
	}
	w.bob = lp.Actor{OrgID: orgID, UserID: newID(), Permissions: lp.PermImport | lp.PermSearch}
	w.names = map[uuid.UUID]string{w.alice.UserID: "Alice", w.bob.UserID: "Bob"}

	return w, store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, w.org); err != nil {
			return err
		}
		for _, p := range []lp.Project{w.energy, w.insurance} {
			if err := tx.Projects().Create(ctx, p); err != nil {
				return err
			}
		}
		if err := tx.Templates().Create(ctx, w.energyTmpl); err != nil {
			return err
		}
		for _, u := range []lp.User{
			{OrgID: orgID, ID: w.alice.UserID, Name: "Alice", Role: lp.RoleAdmin},
			{OrgID: orgID, ID: w.bob.UserID, Name: "Bob", Role: lp.RoleAgent},
		} {
			if err := tx.Users().Create(ctx, u); err != nil {
				return err
			}
		}
		return tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: orgID, ProjectID: w.energy.ID, UserID: w.bob.UserID})
	})
}

// scope names a block's scope for display: "org-wide" or its project.
func (w *world) scope(b lp.BlockEntry) string {
	if b.OrgWide() {
		return "org-wide"
	}
	return "for " + w.energy.Name
}

// newID returns a time-ordered id (UUIDv7), so keyset pages list objects in
// the order they were made.
func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

func showNumbers(_ context.Context, w *world) error {
	for _, typed := range []string{"+45 20 12 34 56", "0045 20 12 34 99", "31-23-45-67", "'+4540404040", "２０１２３４５６", "2012345x"} {
		n, err := phone.Parse(typed, w.org.DefaultRegion)
		if err != nil {
			fmt.Fprintf(w.out, "   %-20q rejected: %v\n", typed, err)
			continue
		}
		fmt.Fprintf(w.out, "   %-20q -> %s\n", typed, phone.Mask(n))
	}
	return nil
}

// blockNumbers is step 2: two blocks typed in, then a bulk upload.
func blockNumbers(ctx context.Context, w *world) error {
	typed := []struct {
		number  string
		project lp.Project
		expires time.Time
	}{
		{"+45 20 12 34 56", lp.Project{}, time.Time{}},
		{"31 23 45 67", w.energy, w.now.Add(30 * 24 * time.Hour)},
	}
	for _, b := range typed {
		n, err := phone.Parse(b.number, w.org.DefaultRegion)
		if err != nil {
			return err
		}
		entry := lp.BlockEntry{OrgID: w.org.ID, ID: newID(), Number: n, ProjectID: b.project.ID,
			BlockedBy: w.alice.UserID, BlockedAt: w.now, ExpiresAt: b.expires, Reason: "customer_request", Source: lp.SourceManual}
		err = w.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			if err := tx.Blocks().Create(ctx, entry); err != nil {
				return err
			}
			_, err := w.changelog.Record(ctx, tx, w.alice, audit.Entry{
				Action: audit.ActionBlockCreated, ObjectID: entry.ID, ProjectID: entry.ProjectID, Number: n,
				Details: []audit.Detail{audit.Code(audit.KeyReason, entry.Reason), audit.Code(audit.KeySource, string(entry.Source))},
			})
			return err
		})
		if err != nil {
			return err
		}
	}

	reader, err := csvimport.NewNumberReader(strings.NewReader(dncCSV), csvimport.NumberOptions{Options: csvimport.Options{Region: w.org.DefaultRegion}})
	if err != nil {
		return err
	}
	var entries []lp.BlockEntry
	var rows, duplicates int
	var rejected []error
	for row, err := range reader.All() {
		rows++
		switch {
		case err != nil:
			rejected = append(rejected, err)
		case row.Duplicate:
			duplicates++
		default:
			entries = append(entries, lp.BlockEntry{OrgID: w.org.ID, ID: newID(), Number: row.Number,
				BlockedBy: w.alice.UserID, BlockedAt: w.now, Reason: "dnc_list", Source: lp.SourceUpload})
		}
	}
	var inserted, alreadyBlocked int
	err = w.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		if inserted, err = tx.Blocks().CreateMany(ctx, w.org.ID, entries); err != nil {
			return err
		}
		alreadyBlocked = len(entries) - inserted + duplicates
		_, err = w.changelog.Record(ctx, tx, w.alice, audit.Entry{Action: audit.ActionBlocksUploaded, Details: []audit.Detail{
			audit.Count(audit.KeyRows, rows), audit.Count(audit.KeyBlocked, inserted),
			audit.Count(audit.KeyAlreadyBlocked, alreadyBlocked), audit.Count(audit.KeyInvalid, len(rejected)),
		}})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   dnc.csv: %d rows, %d blocked, %d already blocked (%d twice in the file), %d invalid\n",
		rows, inserted, alreadyBlocked, duplicates, len(rejected))
	for _, err := range rejected {
		fmt.Fprintf(w.out, "   rejected %v\n", err)
	}

	var list []lp.BlockEntry
	err = w.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		list, err = tx.Blocks().List(ctx, w.org.ID, storage.BlockFilter{ActiveAt: w.now}, storage.Page{})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w.out, "   the blocklist:")
	for _, b := range list {
		expiry := "never"
		if !b.ExpiresAt.IsZero() {
			expiry = b.ExpiresAt.Format(time.DateOnly)
		}
		fmt.Fprintf(w.out, "   %-14s %-16s by %-5s on %s, expires %s (%s)\n", phone.Mask(b.Number), w.scope(b), w.names[b.BlockedBy], b.BlockedAt.Format(time.DateOnly), expiry, b.Source)
	}
	return nil
}

// importLeads is step 3: every lead of the file is checked against the
// blocks that apply to Energy before it is imported, in one transaction with
// its ChangeLog entry.
func importLeads(ctx context.Context, w *world) error {
	reader, err := csvimport.NewLeadReader(strings.NewReader(energyLeadsCSV), w.energyTmpl, csvimport.LeadOptions{Options: csvimport.Options{Region: w.org.DefaultRegion}})
	if err != nil {
		return err
	}
	var drafts []csvimport.LeadDraft
	var numbers []phone.Number
	for draft, err := range reader.All() {
		if err != nil {
			fmt.Fprintf(w.out, "   rejected %v\n", err)
			continue
		}
		drafts = append(drafts, draft)
		numbers = append(numbers, draft.Phones...)
	}
	return w.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		blocks, err := tx.Blocks().FindByNumbers(ctx, w.org.ID, numbers)
		if err != nil {
			return err
		}
		blockedBy := make(map[phone.Number]lp.BlockEntry)
		for _, b := range blocks {
			if b.Applies(w.energy.ID, w.now) {
				blockedBy[b.Number] = b
			}
		}
		var leads []lp.Lead
	drafts:
		for _, d := range drafts {
			for _, n := range d.Phones {
				if b, ok := blockedBy[n]; ok {
					fmt.Fprintf(w.out, "   line %d: not imported, %s is blocked %s (by %s, %s)\n", d.Line, phone.Mask(n), w.scope(b), w.names[b.BlockedBy], b.Reason)
					continue drafts
				}
			}
			leads = append(leads, lp.Lead{OrgID: w.org.ID, ID: newID(), ProjectID: w.energy.ID, TemplateID: w.energyTmpl.ID,
				Phones: d.Phones, Fields: d.Fields, CreatedAt: w.now})
		}
		if err := tx.Leads().CreateMany(ctx, w.org.ID, leads); err != nil {
			return err
		}
		fmt.Fprintf(w.out, "   imported %d of %d valid leads into %s\n", len(leads), len(drafts), w.energy.Name)
		_, err = w.changelog.Record(ctx, tx, w.bob, audit.Entry{Action: audit.ActionLeadsImported, ProjectID: w.energy.ID, Details: []audit.Detail{
			audit.Count(audit.KeyChecked, len(drafts)), audit.Count(audit.KeyImported, len(leads)),
			audit.Count(audit.KeyRejectedBlocked, len(drafts)-len(leads)),
		}})
		return err
	})
}

// askChangeLog is step 4: who blocked a number, a signed checkpoint, and
// its verification.
func askChangeLog(ctx context.Context, w *world) error {
	page, err := w.changelog.Query(ctx, w.alice, audit.Query{Number: "20 12 34 56", Actions: []lp.Action{audit.ActionBlockCreated}})
	if err != nil {
		return err
	}
	for _, e := range page.Events {
		fmt.Fprintf(w.out, "   who blocked 20 12 34 56? %s, on %s (the log holds only %s and a keyed fingerprint)\n",
			w.names[e.ActorID], e.Time.Format(time.DateOnly), e.MaskedNumber)
	}
	checkpoint, err := w.changelog.Checkpoint(ctx, w.alice)
	if err != nil {
		return err
	}
	tree, err := audit.Verify(ctx, w.store, w.org.ID, checkpoint, w.verifier)
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   signed checkpoint over %d events; Verify: the ChangeLog is intact\n", tree.N)
	return nil
}
