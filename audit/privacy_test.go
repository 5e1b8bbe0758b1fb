package audit_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestNoPersonalDataInChangeLog plants distinct canaries (names, an e-mail
// address, an address, a free-text note, a phone number in several forms)
// in every field a caller can pass to Record, and in the lead data around
// it, then checks that nothing the ChangeLog stores, exports, signs or
// reports in an error holds any of them. The number appears only masked
// and as its fingerprint.
func TestNoPersonalDataInChangeLog(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		const number = phone.Number("+4520123499")
		// A single lower-case word would pass as a code: codes are the host's
		// vocabulary (see audit.Code), so the canaries are what people type.
		canaries := []string{
			"Jens Kanarie Hansen", "jens.kanarie@example.dk", "Kanariegade 12, 2100 København",
			"Ringede om gæld, kanarie-note", "Kanarie ApS",
			string(number), "20123499", "20 12 34 99", "0045 20 12 34 99", "201234", "+45 20 12 34 99",
		}

		// Lead data around the ChangeLog: a user and a lead full of canaries.
		project, template := uuid.New(), uuid.New()
		user := lp.User{OrgID: f.org.ID, ID: uuid.New(), Name: canaries[0], Role: lp.RoleAdmin}
		jens := lp.Actor{OrgID: f.org.ID, UserID: user.ID, Permissions: lp.PermAll}
		lead := lp.Lead{OrgID: f.org.ID, ID: uuid.New(), ProjectID: project, TemplateID: template, Phones: []phone.Number{number},
			Fields: map[string]string{"name": canaries[0], "email": canaries[1], "address": canaries[2]}, CreatedAt: clockStart}
		f.tx(func(tx storage.Tx) error {
			if err := tx.Users().Create(f.ctx, user); err != nil {
				return err
			}
			if err := tx.Projects().Create(f.ctx, lp.Project{OrgID: f.org.ID, ID: project, Name: canaries[4], CreatedAt: clockStart}); err != nil {
				return err
			}
			if err := tx.Templates().Create(f.ctx, lp.CampaignTemplate{OrgID: f.org.ID, ID: template, Name: "Energy",
				Fields: []lp.TemplateField{{Key: "name", Personal: true}, {Key: "email", Personal: true}, {Key: "address", Personal: true}}}); err != nil {
				return err
			}
			if err := tx.Leads().Create(f.ctx, lead); err != nil {
				return err
			}
			return tx.Contacts().Add(f.ctx, lp.ContactAttempt{OrgID: f.org.ID, ID: uuid.New(), LeadID: lead.ID, At: clockStart,
				AgentID: f.agent.UserID, Result: "callback", Notes: canaries[3], RecordingRef: canaries[4]})
		})

		var errs []string
		try := func(e audit.Entry) {
			if _, err := f.record(jens, e); err != nil {
				errs = append(errs, err.Error())
			}
		}
		// The only personal value Record accepts is the number: masked and
		// fingerprinted.
		try(audit.Entry{Action: audit.ActionLeadForgotten, LeadID: lead.ID, ProjectID: project, Number: number,
			Details: []audit.Detail{audit.Count(audit.KeyFields, 3), audit.Flag(audit.KeySuppressed, true)}})
		accepted := len(f.events())
		for _, c := range canaries {
			try(audit.Entry{Action: lp.Action(c), LeadID: lead.ID})
			if c != string(number) { // the E.164 number is accepted, and masked: checked below
				try(audit.Entry{Action: audit.ActionLeadForgotten, Number: phone.Number(c)})
			}
			for _, k := range []audit.CodeKey{audit.KeyReason, audit.KeyOutcome, audit.KeyAttempted} {
				try(audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Code(k, c)}})
			}
			try(audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Code(audit.CodeKey(c), "customer_request")}})
			try(audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Count(audit.CountKey(c), 1)}})
			try(audit.Entry{Action: audit.ActionBlockCreated, Details: []audit.Detail{audit.Flag(audit.FlagKey(c), true)}})
		}
		if n := len(f.events()); n != accepted || accepted != 1 {
			t.Fatalf("%d events stored, want only the forget (%d)", n, accepted)
		}
		if len(errs) == 0 {
			t.Fatal("no call was rejected")
		}

		// Everything the ChangeLog gives out.
		var out bytes.Buffer
		for _, e := range f.events() {
			fmt.Fprintf(&out, "%+v\n%#v\n", e, e)
		}
		for _, format := range []audit.Format{audit.CSV, audit.JSONLines} {
			if _, err := f.log.Export(f.ctx, f.admin, audit.Query{}, &out, format); err != nil {
				t.Fatal(err)
			}
		}
		out.Write(f.checkpoint())
		out.WriteString(strings.Join(errs, "\n"))
		for _, c := range canaries {
			if bytes.Contains(out.Bytes(), []byte(c)) {
				t.Errorf("the ChangeLog holds the canary %q", c)
			}
		}

		ev := f.events()[0]
		if ev.MaskedNumber != phone.Mask(number) || ev.Fingerprint != f.keys.fingerprint(t, f.org.ID, number) {
			t.Errorf("number stored as %q / %x, want masked and fingerprinted", ev.MaskedNumber, ev.Fingerprint)
		}
		p, err := f.log.Query(f.ctx, f.admin, audit.Query{Number: "0045 20 12 34 99"})
		if err != nil || len(p.Events) != 1 || p.Events[0].ActorID != jens.UserID {
			t.Errorf("who forgot the number: %+v, %v", p.Events, err)
		}
	})
}
