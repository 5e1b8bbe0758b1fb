package retention_test

import (
	"fmt"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/retention"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestPlanCountsManyRules gives a project more rules than one
// Leads.CountMany counts (storage.MaxCountFilters/2), with every basis
// and action, some due leads under each, some held, some not due: Plan
// and Purge count each rule's own, and Plan samples only the rules with
// something due.
func TestPlanCountsManyRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		const outcomes = storage.MaxCountFilters/2 + 9 // and the catch-all
		bases := []lp.RetentionBasis{lp.SinceLastContact, lp.SinceCreated, lp.SinceClosed}
		old, recent := start.Add(-40*day), start.Add(-10*day)
		wantDue, wantHeld := map[string]int{}, map[string]int{}
		for i := range outcomes + 1 {
			outcome := fmt.Sprintf("o%02d", i)
			req := retention.RuleRequest{ProjectID: f.energy.ID, Outcome: outcome, KeepFor: 30 * day, Basis: bases[i%3]}
			if i == outcomes {
				// The catch-all's due leads are of outcomes no rule names.
				req.Outcome, outcome = "", "other"
			}
			if i%2 == 1 {
				req.Action = lp.ActionDelete
			}
			f.setRule(req)
			due := leadSpec{project: f.energy, outcome: outcome, created: old, lastContact: old, closed: old}
			f.addLeads(i%4, due)
			wantDue[req.Outcome] = i % 4
			if i%5 == 0 {
				due.held = true
				f.addLeads(1, due)
				wantHeld[req.Outcome] = 1
			}
			f.addLeads(1, leadSpec{project: f.energy, outcome: outcome, created: recent, lastContact: recent})
		}
		f.addLeads(2, leadSpec{project: f.insure, outcome: "o01", created: old, lastContact: old, closed: old})
		plan, err := f.svc.Plan(f.ctx, f.alice, start)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Rules) != outcomes+1 {
			t.Fatalf("%d rule plans, want %d", len(plan.Rules), outcomes+1)
		}
		for _, rp := range plan.Rules {
			o := rp.Rule.Outcome
			if rp.Due != wantDue[o] || rp.SkippedLegalHold != wantHeld[o] || len(rp.FirstIDs) != wantDue[o] {
				t.Errorf("rule %q (%s, %s): due %d, held %d, %d sampled; want %d, %d, %d",
					o, rp.Rule.Basis, rp.Rule.Action, rp.Due, rp.SkippedLegalHold, len(rp.FirstIDs), wantDue[o], wantHeld[o], wantDue[o])
			}
			if (len(rp.FieldKeys) > 0) != (wantDue[o] > 0) {
				t.Errorf("rule %q: field keys %v with %d due", o, rp.FieldKeys, wantDue[o])
			}
		}
		rep := f.purge(start)
		for _, rr := range rep.Rules {
			o := rr.Rule.Outcome
			if rr.Due != wantDue[o] || rr.SkippedLegalHold != wantHeld[o] || rr.Forgotten+rr.Deleted != wantDue[o] {
				t.Errorf("rule %q: report %+v; want %d due, %d held", o, rr, wantDue[o], wantHeld[o])
			}
		}
	})
}
