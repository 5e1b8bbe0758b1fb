// Command quickstart walks through the leadprivacy journeys on the embedded
// default store, a SQLite file: Nordic Sales ApS blocks numbers, uploads a
// do-not-call list exported from Excel, imports leads checked against it,
// checks numbers at dial time, forgets a person who asked to be forgotten
// (search, lead detail, preview, forget with suppression, the recording
// store told to delete the audio), rejects the number when it is imported
// again, screens numbers against a national do-not-call registry, refuses
// an agent's block, and asks its tamper-evident ChangeLog who blocked and
// who forgot a number and who was refused; then Alice sets retention rules,
// previews and runs a purge that skips a lead on legal hold.
//
//	go run ./examples/quickstart            # temporary database, removed at exit
//	go run ./examples/quickstart -db lp.db  # keep the database file
//
// Each step is one or two calls of the blocklist and privacy services and
// the audit ChangeLog, so the source shows what a host calls.
package main

import (
	"context"
	"crypto/rand"
	"errors"
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
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/retention"
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

// insuranceLeadsCSV is Carol's lead file for Insurance: Carl again, with
// the mobile number that is blocked only for Energy, and Anna, who is also
// a lead in Energy.
const insuranceLeadsCSV = `Name;Date of birth;Policy number;Phone;Mobile;Product
Carl Lund;1980-04-01;P-20417;70 70 70 70;31 23 45 67;home
Anna Jensen;1975-02-11;P-30155;0045 20 12 34 99;;car
`

// nixTXT is a national do-not-call registry's file as the provider sends
// it: one national number a line, no header, and a line the loader rejects.
const nixTXT = "20123499\r\n70707070\r\n7070x\r\n50505051\r\n"

// oldEnergyLeadsCSV is an old list Bob imports again a week later: it
// still holds Anna, whom Alice has forgotten meanwhile.
const oldEnergyLeadsCSV = `First name;Last name;Email;Phone;Mobile;Meter size;Tariff
Anna;Jensen;anna@example.com;+4520123499;;small;flex
Erik;Mose;erik@example.com;60 60 60 60;;large;fixed
`

// subjectTyped is Anna's number as she gives it on the phone when she asks
// to be forgotten.
const subjectTyped = "0045 20 12 34 99"

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
	org                   lp.Organisation
	energy, insurance     lp.Project
	energyTmpl, insurTmpl lp.CampaignTemplate
	alice, bob, carol     lp.Actor
	store                 storage.Store
	changelog             *audit.Log
	blocks                *blocklist.Service
	privacy               *privacy.Service
	verifier              note.Verifier
	names                 map[uuid.UUID]string // user names for display
	leadProjects          map[uuid.UUID]string // "the <project> lead", for display
	now                   time.Time
	out                   io.Writer
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
	fmt.Fprintf(out, "Alice is its admin; Bob an agent on the project %s, Carol on %s.\n", w.energy.Name, w.insurance.Name)

	steps := []struct {
		title string
		fn    func(context.Context, *world) error
	}{
		{"1. Numbers as people type them, normalised to E.164 (shown masked, as everywhere below)", showNumbers},
		{"2. Alice blocks a number org-wide and one for " + w.energy.Name + " for 30 days, then uploads\n" +
			"   dnc.csv, a do-not-call list exported from Excel: 5 numbers, one twice, one with a typo", blockNumbers},
		{"3. Bob imports energy-leads.csv into " + w.energy.Name + ": 4 leads, each batch checked against\n" +
			"   the blocks that apply to " + w.energy.Name + " in the transaction that stores it;\n" +
			"   Carol imports Carl into " + w.insurance.Name + ", where his mobile is not blocked", importLeads},
		{"4. The dialler checks numbers just before it dials them", checkNumbers},
		{"5. Anna asks to be forgotten: Alice searches her number, opens her Energy lead,\n" +
			"   previews the erasure and forgets the number with suppression", forgetSubject},
		{"6. A week later Bob imports an old list that still holds Anna's number", reimportForgotten},
		{"7. Alice loads nix.txt, the national do-not-call registry (a compiled, versioned list),\n" +
			"   and the dialler's next check stops a registered number, naming registry and version", loadRegistry},
		{"8. Bob, an agent, tries to block a number", denyBlock},
		{"9. An auditor asks the ChangeLog who blocked and who forgot a number and who was\n" +
			"   refused, and checks that no event was changed since a signed checkpoint", askChangeLog},
		{"10. Automatic deletion: Alice keeps Energy's successes 60 days, \"not interested\" 30 days and\n" +
			"    other outcomes 90 days since the last contact, and Insurance's leads 90 days; Carl's\n" +
			"    Insurance lead is under legal hold. A dry run, then the purge, 100 days later", purgeByRules},
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
// projects and templates, the users Alice, Bob and Carol, and the
// blocklist service.
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
		insurTmpl: lp.CampaignTemplate{OrgID: orgID, ID: newID(), Name: "Insurance", Fields: []lp.TemplateField{
			{Key: "name", Label: "Name", Personal: true},
			{Key: "date_of_birth", Label: "Date of birth", Personal: true},
			{Key: "policy_number", Label: "Policy number", Personal: true},
			{Key: "product", Label: "Product"},
		}},
		alice:     lp.Actor{OrgID: orgID, UserID: newID(), Permissions: lp.PermAll},
		store:     store,
		changelog: audit.New(store, lp.StaticKeys{orgID: fpKey}, signer, nil),
		verifier:  verifier,
		now:       now,
	}
	w.bob = lp.Actor{OrgID: orgID, UserID: newID(), Permissions: lp.PermImport | lp.PermSearch}
	w.carol = lp.Actor{OrgID: orgID, UserID: newID(), Permissions: lp.PermImport | lp.PermSearch}
	w.names = map[uuid.UUID]string{w.alice.UserID: "Alice", w.bob.UserID: "Bob", w.carol.UserID: "Carol"}
	w.leadProjects = map[uuid.UUID]string{}
	w.blocks = blocklist.New(store, w.changelog, nil)
	w.privacy = privacy.New(store, w.changelog, &privacy.Options{
		Blocklist: w.blocks,
		// The host's recording store is told to delete a forgotten lead's
		// audio once the forget has committed.
		Erasers: map[string]privacy.Eraser{"recordings": recordingStore{w}},
	})

	return w, store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, w.org); err != nil {
			return err
		}
		for _, p := range []lp.Project{w.energy, w.insurance} {
			if err := tx.Projects().Create(ctx, p); err != nil {
				return err
			}
		}
		for _, t := range []lp.CampaignTemplate{w.energyTmpl, w.insurTmpl} {
			if err := tx.Templates().Create(ctx, t); err != nil {
				return err
			}
		}
		for _, u := range []lp.User{
			{OrgID: orgID, ID: w.alice.UserID, Name: "Alice", Role: lp.RoleAdmin},
			{OrgID: orgID, ID: w.bob.UserID, Name: "Bob", Role: lp.RoleAgent},
			{OrgID: orgID, ID: w.carol.UserID, Name: "Carol", Role: lp.RoleAgent},
		} {
			if err := tx.Users().Create(ctx, u); err != nil {
				return err
			}
		}
		for _, m := range []lp.ProjectMember{
			{OrgID: orgID, ProjectID: w.energy.ID, UserID: w.bob.UserID},
			{OrgID: orgID, ProjectID: w.insurance.ID, UserID: w.carol.UserID},
		} {
			if err := tx.Users().AddMember(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// scope names a block's scope for display: "org-wide" or its project.
func (w *world) scope(project uuid.UUID) string {
	switch project {
	case uuid.Nil:
		return "org-wide"
	case w.energy.ID:
		return "for " + w.energy.Name
	}
	return "for " + w.insurance.Name
}

// expiry shows a block's expiry as a date, or "never".
func expiry(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.DateOnly)
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

// blockNumbers is step 2: two blocks typed in, an upload with its report,
// and the blocklist as the "Block Phone Numbers" table shows it.
func blockNumbers(ctx context.Context, w *world) error {
	for _, req := range []blocklist.BlockRequest{
		{Number: "+45 20 12 34 56", Reason: "customer_request"},
		{Number: "31 23 45 67", ProjectID: w.energy.ID, Reason: "customer_request", ExpiresAt: w.now.Add(30 * 24 * time.Hour)},
	} {
		res, err := w.blocks.Block(ctx, w.alice, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(w.out, "   blocked %s %s, expires %s\n", phone.Mask(res.Entry.Number), w.scope(res.Entry.ProjectID), expiry(res.Entry.ExpiresAt))
	}

	var report []string
	up, err := w.blocks.Upload(ctx, w.alice, blocklist.UploadRequest{File: strings.NewReader(dncCSV), Reason: "dnc_list",
		OnLine: func(l blocklist.UploadLine) error {
			switch l.Outcome {
			case blocklist.LineInvalid:
				report = append(report, fmt.Sprintf("line %d: invalid, %v", l.Line, l.Err))
			case blocklist.LineDuplicate:
				report = append(report, fmt.Sprintf("line %d: %s, on an earlier line", l.Line, phone.Mask(l.Number)))
			default:
				report = append(report, fmt.Sprintf("line %d: %s, %s", l.Line, phone.Mask(l.Number), strings.ReplaceAll(l.Outcome.String(), "_", " ")))
			}
			return nil
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   dnc.csv: %d rows, %d blocked, %d already blocked, %d twice in the file, %d invalid\n",
		up.Rows, up.Blocked, up.AlreadyBlocked, up.Duplicates, up.Invalid)
	for _, r := range report {
		fmt.Fprintf(w.out, "     %s\n", r)
	}

	list, err := w.blocks.List(ctx, w.alice, blocklist.ListRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w.out, "   the blocklist:")
	for _, r := range list.Rows {
		number := r.Number
		if !r.Masked { // Alice may see numbers; the quickstart prints none
			number = phone.Mask(phone.Number(r.Number))
		}
		scope := "org-wide"
		if !r.OrgWide() {
			scope = "for " + r.ProjectName
		}
		fmt.Fprintf(w.out, "   %-14s %-16s by %-5s on %s, expires %s (%s, %s)\n", number, scope, r.BlockedByName,
			r.BlockedAt.Format(time.DateOnly), expiry(r.ExpiresAt), r.Reason, r.Source)
	}
	return nil
}

// importLeads is step 3: Import checks each batch of leads against the
// blocks that apply to the project and stores the accepted ones in the same
// transaction; every rejection says which block or why the line is invalid.
func importLeads(ctx context.Context, w *world) error {
	for _, imp := range []struct {
		file, csv string
		actor     lp.Actor
		project   lp.Project
		tmpl      lp.CampaignTemplate
	}{
		{"energy-leads.csv", energyLeadsCSV, w.bob, w.energy, w.energyTmpl},
		{"insurance-leads.csv", insuranceLeadsCSV, w.carol, w.insurance, w.insurTmpl},
	} {
		reader, err := csvimport.NewLeadReader(strings.NewReader(imp.csv), imp.tmpl, csvimport.LeadOptions{Options: csvimport.Options{Region: w.org.DefaultRegion}})
		if err != nil {
			return err
		}
		fmt.Fprintf(w.out, "   %s, imported by %s into %s:\n", imp.file, w.names[imp.actor.UserID], imp.project.Name)
		res, err := w.blocks.Import(ctx, imp.actor, blocklist.ImportRequest{ProjectID: imp.project.ID, TemplateID: imp.tmpl.ID, Leads: reader.All(),
			OnVerdict: func(v blocklist.LeadVerdict) error {
				w.verdict(v)
				return nil
			}})
		if err != nil {
			return err
		}
		fmt.Fprintf(w.out, "   %s: imported %d of %d leads into %s\n", imp.file, res.Accepted, res.Checked, imp.project.Name)
	}
	return nil
}

// verdict prints why a lead was or was not imported.
func (w *world) verdict(v blocklist.LeadVerdict) {
	line := v.Lead.Line
	if v.Err != nil {
		var le *csvimport.LineError
		if errors.As(v.Err, &le) {
			line = le.Line
		}
		fmt.Fprintf(w.out, "     line %d: not imported, invalid: %v\n", line, v.Err)
		return
	}
	for _, n := range v.Numbers {
		switch {
		case v.Outcome == blocklist.Allowed:
		case n.Outcome == blocklist.Suppressed:
			fmt.Fprintf(w.out, "     line %d: not imported, %s was forgotten and is suppressed\n", line, phone.Mask(n.Number))
			return
		case n.Outcome == blocklist.Blocked:
			fmt.Fprintf(w.out, "     line %d: not imported, %s is blocked %s (expires %s)\n", line, phone.Mask(n.Number), w.scope(n.Block.ProjectID), expiry(n.Block.ExpiresAt))
			return
		case n.Outcome != blocklist.Allowed:
			fmt.Fprintf(w.out, "     line %d: not imported, %v\n", line, n.Err)
			return
		}
	}
	fmt.Fprintf(w.out, "     line %d: imported with %d number(s)\n", line, len(v.Phones))
}

// checkNumbers is step 4: the dial-time check, one call for a batch.
func checkNumbers(ctx context.Context, w *world) error {
	for _, p := range []lp.Project{w.energy, w.insurance} {
		numbers := []string{"+4520123499", "+4520123456", "+4531234567"}
		res, err := w.blocks.Check(ctx, w.bob, blocklist.CheckRequest{ProjectID: p.ID, Numbers: numbers})
		if err != nil {
			return err
		}
		for _, v := range res.Verdicts {
			why := ""
			if v.Outcome == blocklist.Blocked {
				why = " " + w.scope(v.Block.ProjectID)
			}
			fmt.Fprintf(w.out, "   %s, dial %s? %s%s\n", p.Name, phone.Mask(v.Number), v.Outcome, why)
		}
	}
	return nil
}

// recordingStore is the host's eraser for its call recordings: it would
// delete the audio files; here it says how many it was handed.
type recordingStore struct{ w *world }

func (r recordingStore) Erase(_ context.Context, req privacy.ErasureRequest) error {
	fmt.Fprintf(r.w.out, "   recording store: deleted %d recording(s) of %s\n", len(req.RecordingRefs), r.w.project(req.LeadID))
	return nil
}

// project names a lead by its project for display.
func (w *world) project(lead uuid.UUID) string { return w.leadProjects[lead] }

// logCalls is what the host's dialler does after each call: it writes the
// contact attempt (with the agent's notes and the recording reference) and
// the lead's latest outcome. The SDK reads this history; it does not dial.
func logCalls(ctx context.Context, w *world, number phone.Number) error {
	return w.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		leads, err := tx.Leads().FindByNumbers(ctx, w.org.ID, []phone.Number{number})
		if err != nil {
			return err
		}
		for i, l := range leads {
			agent, name := w.bob, w.energy.Name
			if l.ProjectID == w.insurance.ID {
				agent, name = w.carol, w.insurance.Name
			}
			w.leadProjects[l.ID] = "the " + name + " lead"
			calls := []lp.ContactAttempt{
				{Result: "no_answer", At: w.now.Add(-72 * time.Hour)},
				{Result: "callback", At: w.now.Add(-24 * time.Hour), Talk: 95 * time.Second,
					Notes: "Asks to be called after 18", RecordingRef: fmt.Sprintf("rec://calls/%d-%s.wav", i, l.ID)},
			}
			for _, c := range calls {
				c.OrgID, c.ID, c.LeadID, c.AgentID = w.org.ID, newID(), l.ID, agent.UserID
				if err := tx.Contacts().Add(ctx, c); err != nil {
					return err
				}
				l.Outcome, l.LastContactAt = c.Result, c.At
			}
			if err := tx.Leads().Update(ctx, l); err != nil {
				return err
			}
		}
		return nil
	})
}

// forgetSubject is journey 3: search, lead detail, preview, forget.
func forgetSubject(ctx context.Context, w *world) error {
	subject, err := phone.Parse(subjectTyped, w.org.DefaultRegion)
	if err != nil {
		return err
	}
	if err := logCalls(ctx, w, subject); err != nil {
		return err
	}
	res, err := w.privacy.Search(ctx, w.alice, subjectTyped)
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   Alice searches %s:\n", phone.Mask(res.Number))
	for i, l := range res.Leads {
		labels := make([]string, len(res.Data[i].Fields))
		for j, f := range res.Data[i].Fields {
			labels[j] = f.Label
		}
		fmt.Fprintf(w.out, "   leads log: a lead in %s (template %s), outcome %s, last contact %s\n", l.ProjectName, l.TemplateName,
			l.Outcome, l.LastContactAt.Format(time.DateOnly))
		fmt.Fprintf(w.out, "     data available: %s\n", strings.Join(labels, ", "))
	}
	for _, p := range res.Access {
		fmt.Fprintf(w.out, "   persons with access: %s (%s)\n", p.Name, p.Why())
	}

	var energyLead uuid.UUID
	for _, l := range res.Leads {
		if l.ProjectID == w.energy.ID {
			energyLead = l.ID
		}
	}
	detail, err := w.privacy.Lead(ctx, w.alice, energyLead)
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   Alice opens the %s lead; its contact history:\n", detail.ProjectName)
	for _, c := range detail.Contacts {
		fmt.Fprintf(w.out, "     %s by %s: %s, talk %s\n", c.At.Format(time.DateTime), c.AgentName, c.Result, c.Talk)
	}

	plan, err := w.privacy.Preview(ctx, w.alice, privacy.ForgetRequest{Number: subjectTyped})
	if err != nil {
		return err
	}
	for _, l := range plan.Leads {
		fmt.Fprintf(w.out, "   preview: %s: %d fields, %d phone(s), %d of %d calls with notes or recordings, %d recording(s) for %v\n",
			w.project(l.LeadID), len(l.FieldKeys), l.Phones, l.AttemptsToScrub, l.Attempts, l.Recordings, l.Erasers)
	}

	r, err := w.privacy.ForgetNumber(ctx, w.alice, subjectTyped, privacy.ForgetOptions{Suppress: true, Reason: "customer_request"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   receipt %s, by %s at %s:\n", r.ID, w.names[r.By], r.At.Format(time.DateTime))
	for _, l := range r.Leads {
		fmt.Fprintf(w.out, "     forgot %s: fields %s; %d phone(s); %d call(s) scrubbed; %d recording(s) queued\n",
			w.project(l.LeadID), strings.Join(l.FieldKeys, ", "), l.Phones, l.AttemptsScrubbed, l.RecordingsQueued)
	}
	fmt.Fprintf(w.out, "     %d number(s) suppressed, %d erasure(s) still pending\n", r.Suppressed, r.Pending())

	after, err := w.privacy.Lead(ctx, w.alice, energyLead)
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   the %s lead now: forgotten %s, %d phones, outcome %s kept, %d calls kept, notes %q\n", after.ProjectName,
		after.ForgottenAt.Format(time.DateOnly), len(after.Phones), after.Outcome, len(after.Contacts), after.Contacts[1].Notes)
	return nil
}

// reimportForgotten is journey 4: the forgotten number is rejected as
// suppressed, though the SDK stores it nowhere.
func reimportForgotten(ctx context.Context, w *world) error {
	reader, err := csvimport.NewLeadReader(strings.NewReader(oldEnergyLeadsCSV), w.energyTmpl, csvimport.LeadOptions{Options: csvimport.Options{Region: w.org.DefaultRegion}})
	if err != nil {
		return err
	}
	res, err := w.blocks.Import(ctx, w.bob, blocklist.ImportRequest{ProjectID: w.energy.ID, TemplateID: w.energyTmpl.ID, Leads: reader.All(),
		OnVerdict: func(v blocklist.LeadVerdict) error {
			w.verdict(v)
			return nil
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   old-energy-leads.csv: imported %d of %d leads, %d rejected as forgotten and suppressed\n", res.Accepted, res.Checked, res.RejectedSuppressed)
	return nil
}

// loadRegistry is step 7: LoadRegistry reads the provider's file, reports
// its invalid lines, and stores the compiled list as version 1; checks
// consult it after the organisation's own blocks.
func loadRegistry(ctx context.Context, w *world) error {
	res, err := w.blocks.LoadRegistry(ctx, w.alice, blocklist.LoadRegistryRequest{Name: "nix",
		RegistryFile: blocklist.RegistryFile{File: strings.NewReader(nixTXT)}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w.out, "   registry %s version %d: %d numbers, %d invalid line(s), content hash %x…\n",
		res.Registry.Name, res.Registry.Version, res.Registry.Count, res.Invalid, res.Registry.Hash[:6])
	for _, r := range res.InvalidLines {
		fmt.Fprintf(w.out, "     line %d: %s (%s)\n", r.Line, r.Reason, r.Value)
	}
	check, err := w.blocks.Check(ctx, w.bob, blocklist.CheckRequest{ProjectID: w.energy.ID, Numbers: []string{"+4520123499", "+4540404041"}})
	if err != nil {
		return err
	}
	for _, v := range check.Verdicts {
		why := ""
		if v.Outcome == blocklist.Registered {
			why = " on " + v.Registry.String()
		}
		fmt.Fprintf(w.out, "   %s, dial %s? %s%s\n", w.energy.Name, phone.Mask(v.Number), v.Outcome, why)
	}
	return nil
}

// denyBlock is step 8: Bob lacks lp.PermBlock, so Block refuses him and the
// ChangeLog records the attempt.
func denyBlock(ctx context.Context, w *world) error {
	_, err := w.blocks.Block(ctx, w.bob, blocklist.BlockRequest{Number: "70 70 70 70", Reason: "customer_request"})
	if !errors.Is(err, lp.ErrForbidden) {
		return fmt.Errorf("block by Bob: %v, want ErrForbidden", err)
	}
	fmt.Fprintf(w.out, "   Bob's Block: %v (errors.Is ErrForbidden)\n", err)
	return nil
}

// askChangeLog is step 9: who blocked a number, who forgot one, who was
// refused, a signed checkpoint, and its verification.
func askChangeLog(ctx context.Context, w *world) error {
	// The auditor types the number as she knows it.
	page, err := w.changelog.Query(ctx, w.alice, audit.Query{Number: "20 12 34 56", Actions: []lp.Action{audit.ActionBlockCreated}})
	if err != nil {
		return err
	}
	for _, e := range page.Events {
		fmt.Fprintf(w.out, "   who blocked %s? %s, on %s (the log holds only the masked number and a keyed fingerprint)\n",
			e.MaskedNumber, w.names[e.ActorID], e.Time.Format(time.DateOnly))
	}
	// Anna's number is stored nowhere, yet its fingerprint finds who forgot it.
	forgot, err := w.changelog.Query(ctx, w.alice, audit.Query{Number: subjectTyped, Actions: []lp.Action{audit.ActionLeadForgotten}})
	if err != nil {
		return err
	}
	subject, err := phone.Parse(subjectTyped, w.org.DefaultRegion)
	if err != nil {
		return err
	}
	for _, e := range forgot.Events {
		fmt.Fprintf(w.out, "   who forgot %s? %s, on %s (%s, receipt %s)\n",
			phone.Mask(subject), w.names[e.ActorID], e.Time.Format(time.DateOnly), w.project(e.LeadID), e.ObjectID)
	}
	denied, err := w.changelog.Query(ctx, w.alice, audit.Query{Actions: []lp.Action{audit.ActionAccessDenied}})
	if err != nil {
		return err
	}
	for _, e := range denied.Events {
		fmt.Fprintf(w.out, "   refused: %s tried %s without the %s permission, on %s\n",
			w.names[e.ActorID], e.Details["attempted"], e.Details["permission"], e.Time.Format(time.DateOnly))
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

// purgeByRules is journey 5: retention rules, the dry run and the purge,
// which skips a lead on legal hold, and the ChangeLog saying by lead who
// forgot it and under which rule.
func purgeByRules(ctx context.Context, w *world) error {
	ret := retention.New(w.store, w.changelog, w.privacy, &retention.Options{Blocklist: w.blocks})
	const days = 24 * time.Hour
	names := map[uuid.UUID]string{}
	for _, r := range []retention.RuleRequest{
		{ProjectID: w.energy.ID, Outcome: "success", KeepFor: 60 * days},
		{ProjectID: w.energy.ID, Outcome: "not_interested", KeepFor: 30 * days},
		{ProjectID: w.energy.ID, KeepFor: 90 * days}, // the catch-all: every other outcome
		{ProjectID: w.insurance.ID, KeepFor: 90 * days},
	} {
		res, err := ret.SetRule(ctx, w.alice, r)
		if err != nil {
			return err
		}
		outcome := r.Outcome
		if outcome == "" {
			outcome = "other outcomes"
		}
		project := w.energy.Name
		if r.ProjectID == w.insurance.ID {
			project = w.insurance.Name
		}
		names[res.Rule.ID] = project + ", " + outcome
	}
	// Carl's Insurance lead is held for a dispute.
	carl, err := w.privacy.Search(ctx, w.alice, "70 70 70 70")
	if err != nil {
		return err
	}
	for _, l := range carl.Leads {
		if l.ProjectID == w.insurance.ID {
			if _, err := w.privacy.SetLegalHold(ctx, w.alice, privacy.HoldRequest{LeadID: l.ID, Reason: "dispute"}); err != nil {
				return err
			}
		}
	}
	// Erik's Energy lead, which the catch-all will forget: found by his
	// number before the purge erases it.
	found, err := w.privacy.Search(ctx, w.alice, "60 60 60 60")
	if err != nil || len(found.Leads) != 1 {
		return fmt.Errorf("the lead of Erik: %d found, %v", len(found.Leads), err)
	}
	erik := found.Leads[0].ID
	w.leadProjects[erik] = "the " + w.energy.Name + " lead"
	later := w.now.Add(100 * days)
	plan, err := ret.Plan(ctx, w.alice, later)
	if err != nil {
		return err
	}
	for _, rp := range plan.Rules {
		fmt.Fprintf(w.out, "   plan: %-30s keep %4.0f days: %d due, %d on legal hold\n", names[rp.Rule.ID], rp.Rule.KeepFor.Hours()/24, rp.Due, rp.SkippedLegalHold)
	}
	report, err := ret.Purge(ctx, w.alice, later, retention.PurgeOptions{})
	if err != nil {
		return err
	}
	for _, rr := range report.Rules {
		if rr.Forgotten+rr.Deleted+rr.SkippedLegalHold > 0 {
			fmt.Fprintf(w.out, "   purge: %-30s %d forgotten, %d deleted, %d skipped on legal hold\n", names[rr.Rule.ID], rr.Forgotten, rr.Deleted, rr.SkippedLegalHold)
		}
	}
	// Who forgot Erik's lead, and why? The ChangeLog answers by lead id.
	page, err := w.changelog.Query(ctx, w.alice, audit.Query{LeadID: erik, Actions: []lp.Action{audit.ActionLeadForgotten}})
	if err != nil {
		return err
	}
	for _, e := range page.Events {
		fmt.Fprintf(w.out, "   who forgot the lead of +45••••6060? %s, under the rule %q, in a batch of %s lead(s)\n",
			w.names[e.ActorID], names[e.ObjectID], e.Details["leads"])
	}
	return nil
}
