package privacy_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// example is the cast of the examples on a memstore: Nordic Sales ApS
// (region DK) with its Energy project and template, admin Alice, agent
// Bob in Energy, and one lead of Jens with a call by Bob.
type example struct {
	svc        *privacy.Service
	alice, bob lp.Actor
	lead       lp.Lead
	// store and changelog make services with other options.
	store     storage.Store
	changelog *audit.Log
}

func newExample() example {
	ctx := context.Background()
	next := byte(0)
	id := func() uuid.UUID { next++; return uuid.UUID{15: next} } // readable ids for the output
	store := memstore.New()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	org := lp.Organisation{ID: id(), Name: "Nordic Sales ApS", DefaultRegion: "DK", CreatedAt: at}
	energy := lp.Project{OrgID: org.ID, ID: id(), Name: "Energy 2026", CreatedAt: at}
	tmpl := lp.CampaignTemplate{OrgID: org.ID, ID: id(), Name: "Energy", Fields: []lp.TemplateField{
		{Key: "first_name", Label: "First name", Personal: true}, {Key: "tariff", Label: "Tariff"}}}
	alice := lp.Actor{OrgID: org.ID, UserID: id(), Permissions: lp.PermAll}
	bob := lp.Actor{OrgID: org.ID, UserID: id(), Permissions: lp.PermSearch}
	lead := lp.Lead{OrgID: org.ID, ID: id(), ProjectID: energy.ID, TemplateID: tmpl.ID,
		Phones: []phone.Number{"+4520123499"}, Fields: map[string]string{"first_name": "Jens", "tariff": "flex"},
		Outcome: "callback", CreatedAt: at.AddDate(0, 0, -7), LastContactAt: at.AddDate(0, 0, -1)}
	call := lp.ContactAttempt{OrgID: org.ID, ID: id(), LeadID: lead.ID, At: lead.LastContactAt, AgentID: bob.UserID,
		Result: "callback", Talk: 90 * time.Second, Notes: "Call back after 18", RecordingRef: "rec://2026/0301-1.wav"}
	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		for _, err := range []func() error{
			func() error { return tx.Organisations().Create(ctx, org) },
			func() error { return tx.Projects().Create(ctx, energy) },
			func() error { return tx.Templates().Create(ctx, tmpl) },
			func() error {
				return tx.Users().Create(ctx, lp.User{OrgID: org.ID, ID: alice.UserID, Name: "Alice", Role: lp.RoleAdmin})
			},
			func() error {
				return tx.Users().Create(ctx, lp.User{OrgID: org.ID, ID: bob.UserID, Name: "Bob", Role: lp.RoleAgent})
			},
			func() error {
				return tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org.ID, ProjectID: energy.ID, UserID: bob.UserID})
			},
			func() error { return tx.Leads().Create(ctx, lead) },
			func() error { return tx.Contacts().Add(ctx, call) },
		} {
			if err := err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	keys := lp.StaticKeys{org.ID: []byte("a 32-byte secret from your vault")}
	changelog := audit.New(store, keys, nil, &audit.Options{Now: func() time.Time { return at }})
	return example{svc: privacy.New(store, changelog, nil), alice: alice, bob: bob, lead: lead, store: store, changelog: changelog}
}

func ExampleService_Search() {
	ctx := context.Background()
	ex := newExample()

	// Alice searches the number as the caller said it.
	res, err := ex.svc.Search(ctx, ex.alice, "0045 20 12 34 99")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range res.Leads {
		fmt.Printf("lead in %s, outcome %s, last contact %s\n", l.ProjectName, l.Outcome, l.LastContactAt.Format(time.DateOnly))
	}
	for _, d := range res.Data {
		for _, f := range d.Fields {
			fmt.Printf("personal field %s: %s\n", f.Label, f.Value)
		}
	}
	for _, p := range res.Access {
		fmt.Printf("%s can see it: %s\n", p.Name, p.Why())
	}
	// Output:
	// lead in Energy 2026, outcome callback, last contact 2026-03-01
	// personal field First name: Jens
	// Alice can see it: admin
	// Bob can see it: member of Energy 2026
}

func ExampleService_Lead() {
	ctx := context.Background()
	ex := newExample()

	d, err := ex.svc.Lead(ctx, ex.bob, ex.lead.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range d.Fields {
		fmt.Printf("%s: %s (personal: %v)\n", f.Label, f.Value, f.Personal)
	}
	for _, c := range d.Contacts {
		fmt.Printf("%s %s %s %s %q\n", c.At.Format(time.DateTime), c.AgentName, c.Result, c.Talk, c.Notes)
	}

	// Another id, or a lead of a project Bob is not in, is simply not found.
	_, err = ex.svc.Lead(ctx, ex.bob, uuid.UUID{1})
	fmt.Println(err)
	// Output:
	// First name: Jens (personal: true)
	// Tariff: flex (personal: false)
	// 2026-03-01 09:00:00 Bob callback 1m30s "Call back after 18"
	// leadprivacy: privacy: Lead: lead 01000000-0000-0000-0000-000000000000: not found
}

func ExampleService_Export() {
	ctx := context.Background()
	ex := newExample()

	e, err := ex.svc.Export(ctx, ex.alice, "+45 20 12 34 99")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Hand the subject everything held about the number, as JSON.
	if err := e.WriteJSON(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "number": "+4520123499",
	//   "organisation_id": "00000000-0000-0000-0000-000000000001",
	//   "exported_at": "2026-03-02T09:00:00Z",
	//   "exported_by": {
	//     "id": "00000000-0000-0000-0000-000000000004",
	//     "name": "Alice"
	//   },
	//   "leads": [
	//     {
	//       "id": "00000000-0000-0000-0000-000000000006",
	//       "project_id": "00000000-0000-0000-0000-000000000002",
	//       "project_name": "Energy 2026",
	//       "template_id": "00000000-0000-0000-0000-000000000003",
	//       "template_name": "Energy",
	//       "outcome": "callback",
	//       "created_at": "2026-02-23T09:00:00Z",
	//       "last_contact_at": "2026-03-01T09:00:00Z",
	//       "legal_hold": false,
	//       "phones": [
	//         "+4520123499"
	//       ],
	//       "fields": [
	//         {
	//           "key": "first_name",
	//           "label": "First name",
	//           "personal": true,
	//           "value": "Jens"
	//         },
	//         {
	//           "key": "tariff",
	//           "label": "Tariff",
	//           "personal": false,
	//           "value": "flex"
	//         }
	//       ],
	//       "contacts": [
	//         {
	//           "id": "00000000-0000-0000-0000-000000000007",
	//           "at": "2026-03-01T09:00:00Z",
	//           "agent_id": "00000000-0000-0000-0000-000000000005",
	//           "agent_name": "Bob",
	//           "result": "callback",
	//           "notes": "Call back after 18",
	//           "recording_ref": "rec://2026/0301-1.wav",
	//           "talk_seconds": 90
	//         }
	//       ]
	//     }
	//   ],
	//   "blocks": [],
	//   "suppressed": false
	// }
}
