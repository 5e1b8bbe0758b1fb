package blocklist_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// example is the cast of the examples: Nordic Sales ApS (region DK) with
// its Energy project and template on a memstore, admin Alice and agent Bob.
type example struct {
	blocks     *blocklist.Service
	energy     lp.Project
	template   lp.CampaignTemplate
	alice, bob lp.Actor
}

func newExample() example {
	ctx := context.Background()
	store := memstore.New()
	org := lp.Organisation{ID: uuid.New(), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: time.Now()}
	energy := lp.Project{OrgID: org.ID, ID: uuid.New(), Name: "Energy 2026", CreatedAt: time.Now()}
	alice := lp.Actor{OrgID: org.ID, UserID: uuid.New(), Permissions: lp.PermAll}
	bob := lp.Actor{OrgID: org.ID, UserID: uuid.New(), Permissions: lp.PermImport}
	tmpl := lp.CampaignTemplate{OrgID: org.ID, ID: uuid.New(), Name: "Energy", Fields: []lp.TemplateField{{Key: "first_name", Label: "First name", Personal: true}}}
	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Organisations().Create(ctx, org); err != nil {
			return err
		}
		if err := tx.Templates().Create(ctx, tmpl); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, lp.User{OrgID: org.ID, ID: alice.UserID, Name: "Alice", Role: lp.RoleAdmin}); err != nil {
			return err
		}
		if err := tx.Projects().Create(ctx, energy); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, lp.User{OrgID: org.ID, ID: bob.UserID, Name: "Bob", Role: lp.RoleAgent}); err != nil {
			return err
		}
		return tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org.ID, ProjectID: energy.ID, UserID: bob.UserID})
	})
	if err != nil {
		panic(err)
	}
	keys := lp.StaticKeys{org.ID: []byte("a 32-byte secret from your vault")}
	changelog := audit.New(store, keys, nil, nil)
	return example{blocks: blocklist.New(store, changelog, nil), energy: energy, template: tmpl, alice: alice, bob: bob}
}

func Example() {
	ctx := context.Background()
	ex := newExample()

	// Alice blocks a number as she typed it, org-wide, and once more.
	for range 2 {
		res, err := ex.blocks.Block(ctx, ex.alice, blocklist.BlockRequest{Number: "20 12 34 56", Reason: "customer_request"})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("blocked %s, already blocked: %v\n", res.Entry.Number, res.AlreadyBlocked)
	}

	// The dialler checks numbers before calling them.
	check, err := ex.blocks.Check(ctx, ex.bob, blocklist.CheckRequest{ProjectID: ex.energy.ID,
		Numbers: []string{"0045 20 12 34 56", "+45 31 23 45 67", "2012345x"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range check.Verdicts {
		switch v.Outcome {
		case blocklist.Blocked:
			fmt.Println("blocked, org-wide:", v.Block.OrgWide())
		case blocklist.Invalid:
			fmt.Println("invalid:", v.Err)
		default:
			fmt.Println(v.Outcome)
		}
	}

	// Bob may check but not block.
	_, err = ex.blocks.Block(ctx, ex.bob, blocklist.BlockRequest{Number: "31234567", Reason: "customer_request"})
	fmt.Println(err)
	// Output:
	// blocked +4520123456, already blocked: false
	// blocked +4520123456, already blocked: true
	// blocked, org-wide: true
	// allowed
	// invalid: leadprivacy: CheckRequest.Numbers[2] "••••••5•": invalid phone number: contains letters
	// leadprivacy: blocklist: Block: forbidden: missing permission
}

func ExampleService_CheckImport() {
	ctx := context.Background()
	ex := newExample()
	if _, err := ex.blocks.Block(ctx, ex.alice, blocklist.BlockRequest{Number: "20 12 34 56", Reason: "customer_request"}); err != nil {
		fmt.Println(err)
		return
	}

	file := "First name;Phone\nAnna;+45 20 12 34 99\nBo;20 12 34 56\nCarl;7x 70 70 71\nDorte;20123499\n"
	tmpl := lp.CampaignTemplate{Fields: []lp.TemplateField{{Key: "first_name", Label: "First name", Personal: true}}}
	reader, err := csvimport.NewLeadReader(strings.NewReader(file), tmpl, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	counts, err := ex.blocks.CheckImport(ctx, ex.bob, blocklist.CheckImportRequest{
		ProjectID: ex.energy.ID,
		Leads:     reader.All(),
		OnVerdict: func(v blocklist.LeadVerdict) error {
			switch v.Outcome {
			case blocklist.Allowed:
				fmt.Printf("import %s with %d number(s)\n", v.Lead.Fields["first_name"], len(v.Phones))
			case blocklist.Invalid:
				fmt.Printf("skip: %v\n", v.Err)
			default:
				fmt.Printf("skip %s: %s\n", v.Lead.Fields["first_name"], v.Outcome)
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", counts)
	// Output:
	// import Anna with 1 number(s)
	// skip Bo: blocked
	// skip: leadprivacy: line 4, column 2 (value "•••••••• 71"): invalid phone number: contains letters
	// skip Dorte: duplicate
	// {Checked:4 Accepted:1 RejectedBlocked:1 RejectedRegistered:0 RejectedSuppressed:0 Invalid:1 Duplicate:1}
}

func ExampleService_Upload() {
	ctx := context.Background()
	ex := newExample()
	if _, err := ex.blocks.Block(ctx, ex.alice, blocklist.BlockRequest{Number: "40 40 40 40", Reason: "customer_request"}); err != nil {
		fmt.Println(err)
		return
	}

	// A do-not-call list as Excel exports it: a typo, a duplicate, a
	// number already blocked.
	file := "+45 20 12 34 56\r\n2012345x\r\n'+4540404040\r\n0045 20 12 34 56\r\n31 23 45 67\r\n"
	var rejected []csvimport.Rejection
	res, err := ex.blocks.Upload(ctx, ex.alice, blocklist.UploadRequest{File: strings.NewReader(file), Reason: "dnc_list",
		OnLine: func(l blocklist.UploadLine) error {
			if l.Outcome == blocklist.LineInvalid {
				rejected = append(rejected, csvimport.RejectionOf(l.Err))
			} else {
				fmt.Printf("line %d: %s\n", l.Line, l.Outcome)
			}
			return nil
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d rows: %d blocked, %d already blocked, %d duplicates, %d invalid\n", res.Rows, res.Blocked, res.AlreadyBlocked, res.Duplicates, res.Invalid)
	for _, r := range rejected {
		fmt.Printf("line %d, column %d, %s: %s\n", r.Line, r.Column, r.Value, r.Reason)
	}
	// Output:
	// line 1: blocked
	// line 3: already_blocked
	// line 4: duplicate
	// line 5: blocked
	// 5 rows: 2 blocked, 1 already blocked, 1 duplicates, 1 invalid
	// line 2, column 1, ••••••5•: invalid phone number: contains letters
}

func ExampleService_Import() {
	ctx := context.Background()
	ex := newExample()
	if _, err := ex.blocks.Block(ctx, ex.alice, blocklist.BlockRequest{Number: "20 12 34 56", Reason: "customer_request"}); err != nil {
		fmt.Println(err)
		return
	}

	file := "First name;Phone\nAnna;+45 20 12 34 99\nBo;20 12 34 56\nCarl;7x 70 70 71\n"
	reader, err := csvimport.NewLeadReader(strings.NewReader(file), ex.template, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := ex.blocks.Import(ctx, ex.bob, blocklist.ImportRequest{
		ProjectID:  ex.energy.ID,
		TemplateID: ex.template.ID,
		Leads:      reader.All(),
		OnVerdict: func(v blocklist.LeadVerdict) error {
			switch v.Outcome {
			case blocklist.Allowed:
				fmt.Printf("imported %s (lead id set: %v)\n", v.Lead.Fields["first_name"], v.LeadID != uuid.Nil)
			case blocklist.Invalid:
				fmt.Printf("skipped: %v\n", v.Err)
			default:
				fmt.Printf("skipped %s: %s\n", v.Lead.Fields["first_name"], v.Outcome)
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("imported %d of %d, last line %d\n", res.Accepted, res.Checked, res.LastLine)
	// Output:
	// imported Anna (lead id set: true)
	// skipped Bo: blocked
	// skipped: leadprivacy: line 4, column 2 (value "•••••••• 71"): invalid phone number: contains letters
	// imported 1 of 3, last line 4
}

func ExampleService_LoadRegistry() {
	ctx := context.Background()
	ex := newExample()

	// Alice loads the UK TPS file: fixed-width national numbers, read in
	// region GB whatever the organisation's own region.
	file := "0207 3787244\r\n01635 506160\r\n07860 3386xx\r\n"
	res, err := ex.blocks.LoadRegistry(ctx, ex.alice, blocklist.LoadRegistryRequest{
		Name:         "tps",
		RegistryFile: blocklist.RegistryFile{File: strings.NewReader(file), Region: "GB"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s version %d: %d numbers, %d invalid line(s)\n", res.Registry.Name, res.Registry.Version, res.Registry.Count, res.Invalid)
	for _, r := range res.InvalidLines {
		fmt.Printf("line %d: %s (%s)\n", r.Line, r.Reason, r.Value)
	}

	// The dialler's check names the registry and its version.
	check, err := ex.blocks.Check(ctx, ex.bob, blocklist.CheckRequest{ProjectID: ex.energy.ID,
		Numbers: []string{"+44 20 7378 7244", "+44 20 7378 7245"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range check.Verdicts {
		if v.Outcome == blocklist.Registered {
			fmt.Println(v.Outcome, "on", v.Registry)
		} else {
			fmt.Println(v.Outcome)
		}
	}
	// Output:
	// tps version 1: 2 numbers, 1 invalid line(s)
	// line 3: invalid phone number: contains letters (••••••••86••)
	// registered on registry tps version 1
	// allowed
}

// A dialler turns a verdict into an error with Refusal and decides with
// errors.Is, as with any other error of the SDK.
func ExampleVerdict_Refusal() {
	ctx := context.Background()
	ex := newExample()
	if _, err := ex.blocks.Block(ctx, ex.alice, blocklist.BlockRequest{Number: "20 12 34 56", Reason: "customer_request"}); err != nil {
		fmt.Println(err)
		return
	}
	check, err := ex.blocks.Check(ctx, ex.bob, blocklist.CheckRequest{ProjectID: ex.energy.ID,
		Numbers: []string{"+45 20 12 34 56", "+45 31 23 45 67"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range check.Verdicts {
		switch err := v.Refusal(); {
		case errors.Is(err, lp.ErrBlocked):
			fmt.Println("do not call:", v.Outcome)
		case err != nil:
			fmt.Println("skip:", err)
		default:
			fmt.Println("dial")
		}
	}
	// Output:
	// do not call: blocked
	// dial
}
