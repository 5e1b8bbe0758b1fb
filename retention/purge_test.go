package retention_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/retention"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Lead states after a purge.
const (
	kept      = "kept"
	forgotten = "forgotten"
	deleted   = "deleted"
)

// state returns whether the lead is kept as it was, forgotten (with
// every personal field and contact note gone) or deleted (with its
// contacts), failing the test on any half-erased lead.
func (f *fixture) state(org, id uuid.UUID) string {
	f.t.Helper()
	l, found := f.lead(org, id)
	var cs []lp.ContactAttempt
	f.tx(func(tx storage.Tx) error {
		var err error
		cs, err = tx.Contacts().ListByLead(f.ctx, org, id)
		return err
	})
	switch {
	case !found:
		if len(cs) != 0 {
			f.t.Errorf("lead %s deleted but %d contacts remain", id, len(cs))
		}
		return deleted
	case l.Forgotten():
		if len(l.Phones) != 0 || len(l.Fields) != 0 {
			f.t.Errorf("lead %s forgotten but holds %d phones, %d fields", id, len(l.Phones), len(l.Fields))
		}
		for _, c := range cs {
			if c.Notes != "" || c.RecordingRef != "" {
				f.t.Errorf("lead %s forgotten but contact %s keeps its notes or recording", id, c.ID)
			}
		}
		return forgotten
	}
	if len(l.Phones) == 0 || len(l.Fields) == 0 {
		f.t.Errorf("lead %s not forgotten but lost its data", id)
	}
	for _, c := range cs {
		if c.Notes == "" {
			f.t.Errorf("lead %s kept but contact %s lost its notes", id, c.ID)
		}
	}
	return kept
}

// purge runs a purge at now as the system actor and fails the test on error.
func (f *fixture) purge(now time.Time) retention.Report {
	f.t.Helper()
	rep, err := f.svc.Purge(f.ctx, f.system, now, retention.PurgeOptions{})
	if err != nil {
		f.t.Fatalf("Purge at %s: %v", now, err)
	}
	return rep
}

func TestPurgeRuleBoundaries(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		// The basis time of every due lead is t0; each rule keeps 30 days.
		t0 := start.Add(-30 * day)
		type lead struct {
			id   uuid.UUID
			due  bool // due once t0 + 30 days has passed
			rule lp.RetentionRule
		}
		var leads []lead
		for _, basis := range []lp.RetentionBasis{lp.SinceLastContact, lp.SinceCreated, lp.SinceClosed} {
			for _, action := range []lp.RetentionAction{lp.ActionForget, lp.ActionDelete} {
				outcome := string(basis) + "_" + string(action)
				r := f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: outcome, KeepFor: 30 * day, Action: action, Basis: basis})
				add := func(due bool, s leadSpec) {
					s.project, s.outcome, s.contacts = f.energy, outcome, 2
					leads = append(leads, lead{f.addLeads(1, s)[0], due, r})
				}
				old := t0.Add(-100 * day)
				switch basis {
				case lp.SinceLastContact:
					add(true, leadSpec{created: old, lastContact: t0})
					add(true, leadSpec{created: t0})                                   // never called: counts from creation
					add(false, leadSpec{created: old, lastContact: t0.Add(time.Hour)}) // called later
				case lp.SinceCreated:
					add(true, leadSpec{created: t0, lastContact: start.Add(-time.Hour)}) // a recent call does not count
					add(false, leadSpec{created: t0.Add(time.Hour)})
				case lp.SinceClosed:
					add(true, leadSpec{created: old, lastContact: old, closed: t0})
					add(false, leadSpec{created: old, lastContact: old}) // open: never due
					add(false, leadSpec{created: old, closed: t0.Add(time.Hour)})
				}
			}
		}
		check := func(now time.Time, wantDue bool) {
			t.Helper()
			f.purge(now)
			for i, l := range leads {
				want := kept
				if wantDue && l.due {
					want = forgotten
					if l.rule.Action == lp.ActionDelete {
						want = deleted
					}
				}
				if got := f.state(f.org.ID, l.id); got != want {
					t.Errorf("at %s: lead %d (%s %s) is %s, want %s", now.Sub(start), i, l.rule.Basis, l.rule.Action, got, want)
				}
			}
		}
		check(start.Add(-time.Second), false) // one second before due
		check(start, false)                   // the cut-off itself: a basis time equal to it is not before it
		check(start.Add(time.Second), true)   // one second after
	})
}

func TestOutcomeRuleWinsOverCatchAll(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 60 * day})
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "not_interested", KeepFor: 30 * day, Action: lp.ActionDelete})
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "vip", KeepFor: 365 * day})
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, KeepFor: 90 * day})
		at := func(days int) leadSpec { return leadSpec{lastContact: start.Add(-time.Duration(days)*day - time.Hour)} }
		with := func(s leadSpec, outcome string) leadSpec {
			s.project, s.outcome, s.contacts = f.energy, outcome, 1
			return s
		}
		cases := []struct {
			name string
			spec leadSpec
			want string
		}{
			{"success kept 60 days, not 90", with(at(70), "success"), forgotten},
			{"success within 60 days", with(at(50), "success"), kept},
			{"not interested after 30 days: deleted", with(at(40), "not_interested"), deleted},
			{"other outcome within the catch-all's 90 days", with(at(70), "callback"), kept},
			{"other outcome after 90 days", with(at(100), "callback"), forgotten},
			{"no outcome after 90 days", with(at(100), ""), forgotten},
			{"vip kept a year, not the catch-all's 90 days", with(at(100), "vip"), kept},
			{"not interested long due: deleted by its rule, not forgotten by the catch-all", with(at(100), "not_interested"), deleted},
		}
		ids := make([]uuid.UUID, len(cases))
		for i, c := range cases {
			ids[i] = f.addLeads(1, c.spec)[0]
		}
		// Insurance has no rule: nothing of it is due, however old.
		insured := f.addLeads(1, leadSpec{project: f.insure, outcome: "success", lastContact: start.AddDate(-1, 0, 0)})[0]
		rep := f.purge(start)
		for i, c := range cases {
			if got := f.state(f.org.ID, ids[i]); got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
		}
		if got := f.state(f.org.ID, insured); got != kept {
			t.Errorf("a lead of a project without rules is %s", got)
		}
		byOutcome := map[string]retention.RuleReport{}
		for _, rr := range rep.Rules {
			byOutcome[rr.Rule.Outcome] = rr
		}
		if r := byOutcome["success"]; r.Forgotten != 1 || r.Due != 1 {
			t.Errorf("success rule report %+v", r)
		}
		if r := byOutcome["not_interested"]; r.Deleted != 2 || r.Forgotten != 0 {
			t.Errorf("not_interested rule report %+v", r)
		}
		if r := byOutcome[""]; r.Forgotten != 2 || r.Due != 2 {
			t.Errorf("catch-all report %+v", r)
		}
	})
}

func TestPurgeSkipsLegalHold(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
		spec := leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-40 * day), contacts: 1}
		free := f.addLeads(4, spec)
		spec.held = true
		held := f.addLeads(1, spec)[0]
		plan, err := f.svc.Plan(f.ctx, f.alice, start)
		if err != nil || len(plan.Rules) != 1 || plan.Rules[0].Due != 4 || plan.Rules[0].SkippedLegalHold != 1 {
			t.Fatalf("Plan = %+v, %v; want 4 due, 1 held", plan, err)
		}
		rep := f.purge(start)
		if rr := rep.Rules[0]; rr.Forgotten != 4 || rr.SkippedLegalHold != 1 || rr.Failed != 0 {
			t.Errorf("report %+v, want 4 forgotten, 1 skipped on legal hold", rr)
		}
		for _, id := range free {
			if s := f.state(f.org.ID, id); s != forgotten {
				t.Errorf("free lead %s", s)
			}
		}
		if s := f.state(f.org.ID, held); s != kept {
			t.Fatalf("held lead is %s", s)
		}
		if _, err := f.priv.LiftLegalHold(f.ctx, f.alice, privacy.HoldRequest{LeadID: held}); err != nil {
			t.Fatal(err)
		}
		rep = f.purge(start)
		if rr := rep.Rules[0]; rr.Forgotten != 1 || rr.SkippedLegalHold != 0 {
			t.Errorf("after the hold is lifted: report %+v, want the lead forgotten", rr)
		}
		if s := f.state(f.org.ID, held); s != forgotten {
			t.Errorf("lead whose hold was lifted is %s", s)
		}
	})
}

func TestPlanChangesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		success := f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 60 * day})
		catchAll := f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, KeepFor: 90 * day, Action: lp.ActionDelete})
		due := f.addLeads(12, leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-61 * day), contacts: 3})
		f.addLeads(5, leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-59 * day), contacts: 1})
		f.addLeads(2, leadSpec{project: f.energy, outcome: "callback", lastContact: start.Add(-91 * day), contacts: 2})
		mark := f.eventCount(f.org.ID)
		plan, err := f.svc.Plan(f.ctx, f.alice, start)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Rules) != 2 {
			t.Fatalf("%d rule plans", len(plan.Rules))
		}
		byRule := map[uuid.UUID]retention.RulePlan{}
		for _, rp := range plan.Rules {
			byRule[rp.Rule.ID] = rp
		}
		sp, cp := byRule[success.ID], byRule[catchAll.ID]
		slices.SortFunc(due, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		if sp.Due != 12 || !slices.Equal(sp.FirstIDs, due[:retention.DefaultSampleSize]) || sp.FirstContacts != 3*retention.DefaultSampleSize ||
			!slices.Equal(sp.FieldKeys, []string{"email", "first_name", "tariff"}) || !sp.DueBefore.Equal(start.Add(-60*day)) {
			t.Errorf("success plan %+v", sp)
		}
		if cp.Due != 2 || cp.FirstContacts != 4 || len(cp.FirstIDs) != 2 {
			t.Errorf("catch-all plan %+v (a delete removes every contact)", cp)
		}
		for _, id := range due {
			if s := f.state(f.org.ID, id); s != kept {
				t.Fatalf("Plan changed a lead: %s", s)
			}
		}
		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != 2 {
			t.Fatalf("%d events, want one purge.run per rule", len(evs))
		}
		for _, e := range evs {
			rp := byRule[e.ObjectID]
			if e.Action != audit.ActionPurgeRun || e.Details["dry_run"] != "true" || e.Details["due"] != strconv.Itoa(rp.Due) ||
				e.Details["run"] != plan.ID.String() || e.ProjectID != f.energy.ID {
				t.Errorf("plan event %+v", e)
			}
		}
	})
}

func TestPurgeEventsNameEveryLead(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		rule := f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
		ids := f.addLeads(7, leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-31 * day), contacts: 2})
		daveRule, err := f.service(nil).SetRule(f.ctx, f.dave, retention.RuleRequest{ProjectID: f.daveProject.ID, Outcome: "success", KeepFor: 30 * day})
		if err != nil {
			t.Fatal(err)
		}
		daves := f.addLeads(2, leadSpec{project: f.daveProject, outcome: "success", lastContact: start.Add(-31 * day)})
		mark := f.eventCount(f.org.ID)
		var progress []retention.Progress
		rep, err := f.svc.Purge(f.ctx, f.system, start, retention.PurgeOptions{Progress: func(p retention.Progress) { progress = append(progress, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if got := []int{progress[0].Done, progress[1].Done, progress[2].Done}; len(progress) != 3 || !slices.Equal(got, []int{3, 6, 7}) || progress[2].Due != 7 {
			t.Errorf("progress %+v, want 3, 6, 7 of 7", progress)
		}
		evs := f.eventsSince(f.org.ID, mark)
		named := map[uuid.UUID]int{}
		var batches, runs int
		for _, e := range evs {
			switch e.Action {
			case audit.ActionLeadForgotten:
				batches++
				if e.ObjectID != rule.ID || e.ActorID != f.system.UserID || e.Details["run"] != rep.Run.String() || e.Details["leads"] != strconv.Itoa(len(e.LeadIDs)) {
					t.Errorf("batch event %+v", e)
				}
				if len(e.Fingerprints) != 0 || e.MaskedNumber != "" {
					t.Errorf("a purge event holds numbers: %+v", e)
				}
				for _, id := range e.LeadIDs {
					named[id]++
				}
			case audit.ActionPurgeRun:
				runs++
				if e.Details["forgotten"] != "7" || e.Details["due"] != "7" || e.Details["dry_run"] != "false" || e.Details["failed"] != "0" {
					t.Errorf("purge.run %+v", e.Details)
				}
			default:
				t.Errorf("unexpected event %s", e.Action)
			}
		}
		if batches != 3 || runs != 1 || len(named) != 7 {
			t.Errorf("%d batch events naming %d leads, %d purge.run; want 3 naming 7, 1", batches, len(named), runs)
		}
		for _, id := range ids {
			if named[id] != 1 {
				t.Errorf("lead named by %d events", named[id])
			}
			// "Who forgot this lead, and why?" by lead id.
			page, err := f.log.Query(f.ctx, f.alice, audit.Query{LeadID: id, Actions: []lp.Action{audit.ActionLeadForgotten}})
			if err != nil || len(page.Events) != 1 || page.Events[0].ObjectID != rule.ID || page.Events[0].ActorID != f.system.UserID {
				t.Fatalf("Query by lead = %+v, %v", page.Events, err)
			}
		}
		for _, id := range daves {
			if s := f.state(f.daveOrg.ID, id); s != kept {
				t.Errorf("Dave's lead is %s after Nordic's purge", s)
			}
		}
		_ = daveRule
		// A second purge finds nothing left and says so.
		rep = f.purge(start)
		if rr := rep.Rules[0]; rr.Due != 0 || rr.Forgotten != 0 {
			t.Errorf("rerun report %+v", rr)
		}
	})
}

func TestPurgeSweepsExpiredBlocks(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.clock.Set(start.Add(-2 * day))
		if _, err := f.block.Block(f.ctx, f.alice, blocklistRequest(start.Add(-day))); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(start)
		rep := f.purge(start)
		if rep.BlocksExpired != 1 {
			t.Errorf("BlocksExpired = %d, want 1", rep.BlocksExpired)
		}
	})
}

func TestPurgeLease(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
		ids := f.addLeads(7, leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-31 * day)})
		other := uuid.New()
		f.tx(func(tx storage.Tx) error {
			_, err := tx.Leases().Acquire(f.ctx, f.org.ID, retention.LeaseName, other, start, start.Add(time.Minute))
			return err
		})
		if _, err := f.svc.Purge(f.ctx, f.system, start, retention.PurgeOptions{}); !errors.Is(err, retention.ErrBusy) || !errors.Is(err, lp.ErrConflict) {
			t.Fatalf("Purge while another holds the lease: err = %v, want ErrBusy", err)
		}
		if s := f.state(f.org.ID, ids[0]); s != kept {
			t.Fatalf("a refused purge erased a lead")
		}
		// The other holder died: its lease runs out, and a purge that
		// started meanwhile loses its own lease to a third process after
		// its first batch and stops there.
		f.clock.Set(start.Add(time.Minute))
		third := uuid.New()
		rep, err := f.svc.Purge(f.ctx, f.system, start, retention.PurgeOptions{Progress: func(retention.Progress) {
			f.clock.Set(start.Add(time.Hour))
			f.tx(func(tx storage.Tx) error {
				ok, err := tx.Leases().Acquire(f.ctx, f.org.ID, retention.LeaseName, third, start.Add(time.Hour), start.Add(2*time.Hour))
				if err == nil && !ok {
					t.Error("the expired lease was not taken over")
				}
				return err
			})
		}})
		if !errors.Is(err, retention.ErrBusy) || rep.Rules[0].Forgotten != batchSize || rep.Rules[0].Failed != 7-batchSize {
			t.Fatalf("Purge that lost its lease = %+v, %v", rep.Rules, err)
		}
		f.tx(func(tx storage.Tx) error {
			holder, _, err := tx.Leases().Get(f.ctx, f.org.ID, retention.LeaseName)
			if holder != third {
				t.Errorf("the lease is held by %s, want the third process", holder)
			}
			return err
		})
		// Once the third releases it, the purge resumes and finishes.
		f.tx(func(tx storage.Tx) error { return tx.Leases().Release(f.ctx, f.org.ID, retention.LeaseName, third) })
		rep = f.purge(start)
		if rep.Rules[0].Forgotten != 7-batchSize {
			t.Errorf("resumed purge forgot %d", rep.Rules[0].Forgotten)
		}
		for _, id := range ids {
			if s := f.state(f.org.ID, id); s != forgotten {
				t.Errorf("lead %s after the resumed purge", s)
			}
		}
	})
}

func TestPurgeCancelledResumes(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
		ids := f.addLeads(8, leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-31 * day), contacts: 1})
		ctx, cancel := context.WithCancel(f.ctx)
		rep, err := f.svc.Purge(ctx, f.system, start, retention.PurgeOptions{Progress: func(retention.Progress) { cancel() }})
		if !errors.Is(err, context.Canceled) || rep.Rules[0].Forgotten != batchSize || rep.Rules[0].Failed != 8-batchSize {
			t.Fatalf("cancelled Purge = %+v, %v", rep.Rules, err)
		}
		rep2 := f.purge(start)
		if rep2.Rules[0].Forgotten != 8-batchSize {
			t.Errorf("rerun forgot %d, want the rest", rep2.Rules[0].Forgotten)
		}
		for _, id := range ids {
			if s := f.state(f.org.ID, id); s != forgotten {
				t.Errorf("lead %s", s)
			}
		}
		// Both runs recorded their purge.run; their counts add up.
		total := 0
		for _, e := range f.events(f.org.ID) {
			if e.Action == audit.ActionPurgeRun && e.Details["dry_run"] == "false" {
				n, _ := strconv.Atoi(e.Details["forgotten"])
				total += n
			}
		}
		if total != 8 {
			t.Errorf("purge.run events count %d forgotten, want 8", total)
		}
	})
}

// eraserFunc is a host eraser made of a function.
type eraserFunc func(context.Context, privacy.ErasureRequest) error

func (e eraserFunc) Erase(ctx context.Context, req privacy.ErasureRequest) error { return e(ctx, req) }

func TestPurgeOwesTheErasers(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "not_interested", KeepFor: 30 * day, Action: lp.ActionDelete})
		forgot := f.addLeads(2, leadSpec{project: f.energy, outcome: "success", lastContact: start.Add(-40 * day), contacts: 2})
		gone := f.addLeads(1, leadSpec{project: f.energy, outcome: "not_interested", lastContact: start.Add(-40 * day), contacts: 3})
		handed := map[uuid.UUID][]string{}
		fail := true
		f.priv = privacy.New(f.store, f.log, &privacy.Options{Now: f.clock.Now, Erasers: map[string]privacy.Eraser{
			"recordings": eraserFunc(func(_ context.Context, req privacy.ErasureRequest) error {
				if fail {
					return errors.New("recording store down")
				}
				handed[req.LeadID] = req.RecordingRefs
				return nil
			}),
		}})
		f.svc = f.service(nil)
		rep := f.purge(start)
		if rep.ErasuresPending != 3 {
			t.Fatalf("ErasuresPending = %d with a failing eraser, want one per lead", rep.ErasuresPending)
		}
		fail = false
		f.clock.Set(start.Add(time.Hour)) // the failed erasures are due again
		run, err := f.priv.RunErasures(f.ctx, f.alice)
		if err != nil || run.Completed != 3 {
			t.Fatalf("RunErasures = %+v, %v; want the 3 pending erasures completed", run, err)
		}
		for _, id := range forgot {
			if len(handed[id]) != 2 || !strings.HasPrefix(handed[id][0], "rec://"+id.String()) {
				t.Errorf("forgotten lead's eraser got %v, want its 2 recordings", handed[id])
			}
		}
		if len(handed[gone[0]]) != 3 {
			t.Errorf("deleted lead's eraser got %v, want its 3 recordings", handed[gone[0]])
		}
		for _, id := range append(forgot, gone...) {
			if s := f.state(f.org.ID, id); s == kept {
				t.Errorf("lead kept")
			}
		}
	})
}

// TestPurgeAdaptiveBatches purges with BatchSize 0: each batch's size
// follows from how long the one before took (as the test says), and the
// purge still erases every due lead exactly once, across sizes that grow
// and shrink.
func TestPurgeAdaptiveBatches(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		const n = 5650
		ids := f.addLeads(n, leadSpec{project: f.energy, outcome: "success", lastContact: start.AddDate(0, 0, -40)})
		f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
		svc := retention.New(f.store, f.log, f.priv, &retention.Options{Now: f.clock.Now, BatchTime: time.Second})
		// batch:      1000   2000 1000 1250 (then 1000 at least)  400 (the last, not full)
		took := []time.Duration{100 * time.Millisecond, 8 * time.Second, 800 * time.Millisecond, time.Minute, time.Minute}
		retention.SetSince(svc, func(time.Time) time.Duration {
			if len(took) == 0 {
				t.Fatal("more batches than expected")
			}
			d := took[0]
			took = took[1:]
			return d
		})
		var done []int
		rep, err := svc.Purge(f.ctx, f.system, start, retention.PurgeOptions{Progress: func(p retention.Progress) { done = append(done, p.Done) }})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{1000, 3000, 4000, 5250, 5650}; !slices.Equal(done, want) {
			t.Errorf("progress %v, want %v", done, want)
		}
		if rep.Rules[0].Forgotten != n {
			t.Errorf("forgotten %d, want %d", rep.Rules[0].Forgotten, n)
		}
		for _, id := range []uuid.UUID{ids[0], ids[n/2], ids[n-1]} {
			if got := f.state(f.org.ID, id); got != forgotten {
				t.Errorf("lead %s %s, want forgotten", id, got)
			}
		}
	})
}
