package privacy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// project returns the stored project.
func (f *fixture) project(org, id uuid.UUID) lp.Project {
	f.t.Helper()
	var p lp.Project
	f.tx(func(tx storage.Tx) error {
		var err error
		p, err = tx.Projects().Get(f.ctx, org, id)
		return err
	})
	return p
}

// While a project is held, Forget, ForgetNumber, ForgetFile and Preview
// report its leads as held exactly as leads held on their own, and change
// and record nothing for them; Search, Lead and Export show the hold;
// leads of other projects are forgotten as usual. Setting and lifting are
// recorded once each, with the project and the reason; lifting lets the
// next Forget erase the leads.
func TestProjectHold(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		h, err := f.svc.SetProjectHold(f.ctx, f.alice, privacy.ProjectHoldRequest{ProjectID: f.energy.ID, Reason: "litigation"})
		if err != nil || !h.Changed || h.ProjectID != f.energy.ID || !h.Since.Equal(start) {
			t.Fatalf("SetProjectHold: %+v, %v", h, err)
		}
		if h, err = f.svc.SetProjectHold(f.ctx, f.alice, privacy.ProjectHoldRequest{ProjectID: f.energy.ID}); err != nil || h.Changed || !h.Since.Equal(start) {
			t.Fatalf("SetProjectHold again: %+v, %v; want no change", h, err)
		}
		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionProjectHoldSet || evs[0].ProjectID != f.energy.ID ||
			evs[0].LeadID != uuid.Nil || evs[0].ActorID != f.alice.UserID || evs[0].Details["reason"] != "litigation" || len(evs[0].Details) != 1 {
			t.Fatalf("events of the hold %+v, want one project.hold_set", evs)
		}
		if p := f.project(f.org.ID, f.energy.ID); !p.OnLegalHold() || !p.LegalHoldSince.Equal(start) {
			t.Fatalf("stored project %+v, want held since %v", p, start)
		}

		// The held project's leads: skipped, nothing recorded.
		mark = f.eventCount(f.org.ID)
		r, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Suppress: true})
		if err != nil || !sameLeads(r.Held, f.energyLead) || len(r.Leads) != 0 || r.Suppressed != 0 {
			t.Fatalf("Forget of a lead of the held project: %+v, %v", r, err)
		}
		res, err := f.svc.ForgetFile(f.ctx, f.alice, strings.NewReader(string(other)+"\n"), privacy.BulkForgetOptions{})
		if err != nil || res.Held != 1 || res.Forgotten != 0 {
			t.Fatalf("ForgetFile of the held project's number: %+v, %v", res, err)
		}
		if evs := f.eventsSince(f.org.ID, mark); len(evs) != 0 {
			t.Fatalf("forgets of held leads recorded %v", actions(evs))
		}
		plan, err := f.svc.Preview(f.ctx, f.alice, privacy.ForgetRequest{Number: subjectTyped})
		if err != nil || !sameLeads(plan.Held, f.energyLead) || len(plan.Leads) != 1 || plan.Leads[0].LeadID != f.insureLead.ID {
			t.Fatalf("Preview %+v, %v; want Energy held, Insurance planned", plan, err)
		}
		r, err = f.svc.ForgetNumber(f.ctx, f.alice, subjectTyped, privacy.ForgetOptions{Suppress: true})
		if err != nil || !sameLeads(r.Held, f.energyLead) || !sameLeads(refs(r.Leads), f.insureLead) {
			t.Fatalf("ForgetNumber: %+v, %v; want Energy held, Insurance forgotten", r, err)
		}
		f.assertForgotten(f.insureLead, f.insureCall)
		f.assertUntouched(f.energyLead)
		f.assertUntouched(f.otherLead)
		if l := f.lead(f.org.ID, f.energyLead.ID); l.LegalHold {
			t.Error("the project's hold was written to its lead")
		}

		// Search, Lead and Export show the effective hold and why.
		s, err := f.svc.Search(f.ctx, f.alice, subjectTyped)
		if err != nil || len(s.Leads) != 1 || !s.Leads[0].LegalHold || !s.Leads[0].ProjectHold {
			t.Fatalf("Search: %+v, %v; want the Energy lead shown held by its project", s.Leads, err)
		}
		d, err := f.svc.Lead(f.ctx, f.alice, f.otherLead.ID)
		if err != nil || !d.LegalHold || !d.ProjectHold {
			t.Fatalf("Lead: %+v, %v; want held by its project", d.LeadSummary, err)
		}
		e, err := f.svc.Export(f.ctx, f.alice, string(other))
		if err != nil || len(e.Leads) != 1 || !e.Leads[0].LegalHold || !e.Leads[0].ProjectHold {
			t.Fatalf("Export: %+v, %v; want held by its project", e.Leads, err)
		}

		mark = f.eventCount(f.org.ID)
		if h, err = f.svc.LiftProjectHold(f.ctx, f.alice, privacy.ProjectHoldRequest{ProjectID: f.energy.ID, Reason: "case_closed"}); err != nil || !h.Changed || !h.Since.IsZero() {
			t.Fatalf("LiftProjectHold: %+v, %v", h, err)
		}
		if h, err = f.svc.LiftProjectHold(f.ctx, f.alice, privacy.ProjectHoldRequest{ProjectID: f.energy.ID}); err != nil || h.Changed {
			t.Fatalf("LiftProjectHold again: %+v, %v; want no change", h, err)
		}
		evs = f.eventsSince(f.org.ID, mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionProjectHoldLifted || evs[0].ProjectID != f.energy.ID || evs[0].Details["reason"] != "case_closed" {
			t.Fatalf("events of the lift %+v, want one project.hold_lifted", evs)
		}
		d, err = f.svc.Lead(f.ctx, f.alice, f.otherLead.ID)
		if err != nil || d.LegalHold || d.ProjectHold {
			t.Fatalf("Lead after the lift: %+v, %v; want not held", d.LeadSummary, err)
		}
		if r, err = f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{}); err != nil || !sameLeads(refs(r.Leads), f.energyLead) {
			t.Fatalf("Forget after the lift: %+v, %v", r, err)
		}
		f.assertForgotten(f.energyLead, f.energyCalls)
	})
}

// A lead held on its own and by its project stays held until both holds
// are lifted, in either order.
func TestLeadAndProjectHold(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		leadHold := privacy.HoldRequest{LeadID: f.energyLead.ID}
		projectHold := privacy.ProjectHoldRequest{ProjectID: f.energy.ID}
		step := func(name string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		held := func(when string, wantProject bool) {
			t.Helper()
			r, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{})
			if err != nil || !sameLeads(r.Held, f.energyLead) {
				t.Fatalf("%s: Forget %+v, %v; want held", when, r, err)
			}
			d, err := f.svc.Lead(f.ctx, f.alice, f.energyLead.ID)
			if err != nil || !d.LegalHold || d.ProjectHold != wantProject {
				t.Fatalf("%s: Lead shows hold %v, project hold %v (%v); want held, project %v", when, d.LegalHold, d.ProjectHold, err, wantProject)
			}
		}
		_, err := f.svc.SetLegalHold(f.ctx, f.alice, leadHold)
		step("SetLegalHold", err)
		_, err = f.svc.SetProjectHold(f.ctx, f.alice, projectHold)
		step("SetProjectHold", err)
		_, err = f.svc.LiftLegalHold(f.ctx, f.alice, leadHold)
		step("LiftLegalHold", err)
		held("lead's hold lifted, project's kept", true)
		_, err = f.svc.SetLegalHold(f.ctx, f.alice, leadHold)
		step("SetLegalHold again", err)
		_, err = f.svc.LiftProjectHold(f.ctx, f.alice, projectHold)
		step("LiftProjectHold", err)
		held("project's hold lifted, lead's kept", false)
		_, err = f.svc.LiftLegalHold(f.ctx, f.alice, leadHold)
		step("LiftLegalHold again", err)
		r, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{})
		if err != nil || !sameLeads(refs(r.Leads), f.energyLead) {
			t.Fatalf("Forget with both holds lifted: %+v, %v", r, err)
		}
	})
}

// Holding a project needs lp.PermForget (a refusal is recorded and holds
// nothing); a project the actor may not see — another organisation's, or
// one an agent is not a member of — fails exactly like an unknown id; a
// bad reason is refused before anything is written.
func TestProjectHoldPermissionsAndVisibility(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		calls := []struct {
			name   string
			action lp.Action
			call   func(lp.Actor, privacy.ProjectHoldRequest) error
		}{
			{"SetProjectHold", audit.ActionProjectHoldSet, func(a lp.Actor, req privacy.ProjectHoldRequest) error {
				_, err := f.svc.SetProjectHold(f.ctx, a, req)
				return err
			}},
			{"LiftProjectHold", audit.ActionProjectHoldLifted, func(a lp.Actor, req privacy.ProjectHoldRequest) error {
				_, err := f.svc.LiftProjectHold(f.ctx, a, req)
				return err
			}},
		}
		bob := f.bobForgets()
		for _, c := range calls {
			mark := f.eventCount(f.org.ID)
			if err := c.call(f.bob, privacy.ProjectHoldRequest{ProjectID: f.energy.ID}); !errors.Is(err, lp.ErrForbidden) {
				t.Fatalf("%s by Bob without PermForget: %v, want ErrForbidden", c.name, err)
			}
			evs := f.eventsSince(f.org.ID, mark)
			if len(evs) != 1 || evs[0].Action != audit.ActionAccessDenied || evs[0].ActorID != f.bob.UserID ||
				evs[0].Details["attempted"] != string(c.action) || evs[0].Details["permission"] != "forget" {
				t.Fatalf("%s refusal recorded %+v", c.name, evs)
			}
			if err := c.call(lp.Actor{}, privacy.ProjectHoldRequest{ProjectID: f.energy.ID}); !errors.Is(err, lp.ErrForbidden) {
				t.Fatalf("%s by the zero actor: %v, want ErrForbidden", c.name, err)
			}

			// Bob may forget but is not in Insurance; Dave's project is
			// another organisation's: both as unknown as a random id.
			mark = f.eventCount(f.org.ID)
			daveMark := f.eventCount(f.daveOrg.ID)
			unknown := uuid.New()
			errUnknown := c.call(bob, privacy.ProjectHoldRequest{ProjectID: unknown})
			for _, who := range []struct {
				actor   lp.Actor
				project uuid.UUID
			}{{bob, f.insure.ID}, {bob, f.daveProject.ID}, {f.alice, f.daveProject.ID}} {
				err := c.call(who.actor, privacy.ProjectHoldRequest{ProjectID: who.project})
				if !errors.Is(err, lp.ErrNotFound) || strings.ReplaceAll(err.Error(), who.project.String(), "ID") != strings.ReplaceAll(errUnknown.Error(), unknown.String(), "ID") {
					t.Errorf("%s of a project the actor may not see: %v\nunknown project: %v\nwant the same ErrNotFound", c.name, err, errUnknown)
				}
			}
			if err := c.call(f.alice, privacy.ProjectHoldRequest{ProjectID: f.energy.ID, Reason: "not a code!"}); !errors.Is(err, lp.ErrInvalidArgument) {
				t.Errorf("%s with a bad reason: %v, want ErrInvalidArgument", c.name, err)
			}
			if n := len(f.eventsSince(f.org.ID, mark)) + len(f.eventsSince(f.daveOrg.ID, daveMark)); n != 0 {
				t.Errorf("%s: refused calls recorded %d events", c.name, n)
			}
		}
		for _, p := range []lp.Project{f.energy, f.insure} {
			if f.project(f.org.ID, p.ID).OnLegalHold() {
				t.Errorf("project %s held by refused calls", p.Name)
			}
		}
		if f.project(f.daveOrg.ID, f.daveProject.ID).OnLegalHold() {
			t.Error("Dave's project held by Nordic's calls")
		}
		// Bob, member of Energy with PermForget, may hold it.
		if h, err := f.svc.SetProjectHold(f.ctx, bob, privacy.ProjectHoldRequest{ProjectID: f.energy.ID}); err != nil || !h.Changed {
			t.Fatalf("SetProjectHold by Bob of Energy: %+v, %v", h, err)
		}
		if got := actions(f.eventsSince(f.org.ID, f.eventCount(f.org.ID)-1)); !slices.Equal(got, []lp.Action{audit.ActionProjectHoldSet}) {
			t.Errorf("Bob's hold recorded %v", got)
		}
	})
}
