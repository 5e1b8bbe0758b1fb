package retention_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/retention"
)

// TestPurgeSkipsHeldProject: while a project is under legal hold, Plan
// and Purge count every due lead of it under skipped_legal_hold and erase
// none, across batches; other projects and another organisation's project
// are purged as usual; lifting the project's hold lets the next Purge
// erase its leads, but not a lead held on its own.
func TestPurgeSkipsHeldProject(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		energyRule := f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
		f.setRule(retention.RuleRequest{ProjectID: f.insure.ID, Outcome: "success", KeepFor: 30 * day})
		if _, err := f.svc.SetRule(f.ctx, f.dave, retention.RuleRequest{ProjectID: f.daveProject.ID, Outcome: "success", KeepFor: 30 * day}); err != nil {
			t.Fatal(err)
		}
		spec := leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-40 * day), contacts: 1}
		energy := f.addLeads(2*batchSize+1, spec) // crosses batches
		spec.held = true
		ownHold := f.addLeads(1, spec)[0]
		spec.held, spec.project = false, f.insure
		insure := f.addLeads(2, spec)
		spec.project = f.daveProject
		dave := f.addLeads(2, spec)

		res, err := f.priv.SetProjectHold(f.ctx, f.alice, privacy.ProjectHoldRequest{ProjectID: f.energy.ID, Reason: "litigation"})
		if err != nil || !res.Changed || !res.Since.Equal(start) {
			t.Fatalf("SetProjectHold = %+v, %v", res, err)
		}
		byProject := func(rules []retention.RulePlan) map[uuid.UUID]retention.RulePlan {
			m := map[uuid.UUID]retention.RulePlan{}
			for _, r := range rules {
				m[r.Rule.ProjectID] = r
			}
			return m
		}
		plan, err := f.svc.Plan(f.ctx, f.alice, start)
		if err != nil {
			t.Fatal(err)
		}
		pr := byProject(plan.Rules)
		if e := pr[f.energy.ID]; e.Due != 0 || e.SkippedLegalHold != len(energy)+1 || len(e.FirstIDs) != 0 {
			t.Errorf("held project's plan %+v, want 0 due, %d skipped", e, len(energy)+1)
		}
		if i := pr[f.insure.ID]; i.Due != 2 || i.SkippedLegalHold != 0 {
			t.Errorf("other project's plan %+v, want 2 due", i)
		}

		mark := f.eventCount(f.org.ID)
		rep := f.purge(start)
		for _, rr := range rep.Rules {
			want := retention.RuleReport{Rule: rr.Rule, Due: 2, Forgotten: 2}
			if rr.Rule.ProjectID == f.energy.ID {
				want = retention.RuleReport{Rule: rr.Rule, SkippedLegalHold: len(energy) + 1}
			}
			if rr != want {
				t.Errorf("report %+v, want %+v", rr, want)
			}
		}
		for _, id := range append(slices.Clone(energy), ownHold) {
			if s := f.state(f.org.ID, id); s != kept {
				t.Fatalf("lead of the held project is %s", s)
			}
		}
		for _, id := range insure {
			if s := f.state(f.org.ID, id); s != forgotten {
				t.Errorf("lead of another project is %s", s)
			}
		}
		// The purge's events: no lead.forgotten under the held project's
		// rule, its purge.run counting the skipped leads.
		for _, e := range f.eventsSince(f.org.ID, mark) {
			if e.ObjectID != energyRule.ID {
				continue
			}
			if e.Action != audit.ActionPurgeRun || e.Details["skipped_legal_hold"] != "8" || e.Details["forgotten"] != "0" {
				t.Errorf("event of the held project's rule: %s %v", e.Action, e.Details)
			}
		}
		// Dave's organisation is not held by Alice's project.
		drep, err := f.svc.Purge(f.ctx, f.dave, start, retention.PurgeOptions{NoCompact: true})
		if err != nil || drep.Rules[0].Forgotten != len(dave) {
			t.Fatalf("Dave's purge %+v, %v", drep, err)
		}

		if res, err = f.priv.LiftProjectHold(f.ctx, f.alice, privacy.ProjectHoldRequest{ProjectID: f.energy.ID}); err != nil || !res.Changed || !res.Since.IsZero() {
			t.Fatalf("LiftProjectHold = %+v, %v", res, err)
		}
		rep = f.purge(start)
		for _, rr := range rep.Rules {
			if rr.Rule.ProjectID == f.energy.ID && (rr.Forgotten != len(energy) || rr.SkippedLegalHold != 1) {
				t.Errorf("after the lift: %+v, want %d forgotten, the lead held on its own skipped", rr, len(energy))
			}
		}
		for _, id := range energy {
			if s := f.state(f.org.ID, id); s != forgotten {
				t.Errorf("after the lift the lead is %s", s)
			}
		}
		if s := f.state(f.org.ID, ownHold); s != kept {
			t.Errorf("the lead held on its own is %s", s)
		}
	})
}
