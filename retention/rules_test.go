package retention_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/retention"
)

func TestSetRuleRejectsBadRequests(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		ok := retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 60 * day}
		for _, c := range []struct {
			name  string
			edit  func(r *retention.RuleRequest)
			field string // the *lp.FieldError's field; empty for ErrNotFound
		}{
			{"zero keep", func(r *retention.RuleRequest) { r.KeepFor = 0 }, "RuleRequest.KeepFor"},
			{"negative keep", func(r *retention.RuleRequest) { r.KeepFor = -time.Hour }, "RuleRequest.KeepFor"},
			{"unknown action", func(r *retention.RuleRequest) { r.Action = "archive" }, "RuleRequest.Action"},
			{"unknown basis", func(r *retention.RuleRequest) { r.Basis = "birthday" }, "RuleRequest.Basis"},
			{"outcome not a code", func(r *retention.RuleRequest) { r.Outcome = "Not interested!" }, "RuleRequest.Outcome"},
			{"zero project", func(r *retention.RuleRequest) { r.ProjectID = uuid.Nil }, "RuleRequest.ProjectID"},
			{"unknown project", func(r *retention.RuleRequest) { r.ProjectID = uuid.New() }, ""},
			{"another organisation's project", func(r *retention.RuleRequest) { r.ProjectID = f.daveProject.ID }, ""},
		} {
			req := ok
			c.edit(&req)
			mark := f.eventCount(f.org.ID)
			_, err := f.svc.SetRule(f.ctx, f.alice, req)
			if c.field == "" {
				if !errors.Is(err, lp.ErrNotFound) {
					t.Errorf("%s: err = %v, want ErrNotFound", c.name, err)
				}
			} else {
				var fe *lp.FieldError
				if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, lp.ErrInvalidArgument) {
					t.Errorf("%s: err = %v, want a FieldError of %s", c.name, err, c.field)
				}
			}
			if n := f.eventCount(f.org.ID); n != mark {
				t.Errorf("%s: %d events recorded", c.name, n-mark)
			}
		}
		rules, err := f.svc.Rules(f.ctx, f.alice, uuid.Nil)
		if err != nil || len(rules) != 0 {
			t.Fatalf("Rules = %v, %v; want none stored", rules, err)
		}
		if _, err := f.svc.Rules(f.ctx, f.alice, uuid.New()); !errors.Is(err, lp.ErrNotFound) {
			t.Errorf("Rules(unknown project) err = %v, want ErrNotFound", err)
		}
	})
}

func TestSetRuleCreatesUpdatesDeletes(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		res, err := f.svc.SetRule(f.ctx, f.alice, retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 60 * day})
		if err != nil || !res.Created || !res.Changed {
			t.Fatalf("SetRule = %+v, %v; want created", res, err)
		}
		r := res.Rule
		if r.Action != lp.ActionForget || r.Basis != lp.SinceLastContact || r.CreatedBy != f.alice.UserID || !r.CreatedAt.Equal(start) {
			t.Errorf("rule %+v: want the defaults forget, last_contact, set by Alice at start", r)
		}
		// The same request again changes nothing and records nothing.
		again, err := f.svc.SetRule(f.ctx, f.alice, retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 60 * day})
		if err != nil || again.Created || again.Changed || again.Rule.ID != r.ID {
			t.Fatalf("SetRule again = %+v, %v; want unchanged", again, err)
		}
		upd, err := f.svc.SetRule(f.ctx, f.alice, retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 90 * day,
			Action: lp.ActionDelete, Basis: lp.SinceClosed})
		if err != nil || upd.Created || !upd.Changed || upd.Rule.ID != r.ID || upd.Rule.KeepFor != 90*day || upd.Rule.Action != lp.ActionDelete {
			t.Fatalf("SetRule update = %+v, %v", upd, err)
		}
		catchAll := f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, KeepFor: 30 * day})
		rules, err := f.svc.Rules(f.ctx, f.alice, f.energy.ID)
		if err != nil || len(rules) != 2 || rules[0].ID != catchAll.ID || rules[1].ID != r.ID {
			t.Fatalf("Rules = %+v, %v; want the catch-all, then success", rules, err)
		}
		del, err := f.svc.DeleteRule(f.ctx, f.alice, r.ID)
		if err != nil || del.ID != r.ID {
			t.Fatalf("DeleteRule = %+v, %v", del, err)
		}
		if _, err := f.svc.DeleteRule(f.ctx, f.alice, r.ID); !errors.Is(err, lp.ErrNotFound) {
			t.Errorf("DeleteRule again err = %v, want ErrNotFound", err)
		}
		evs := f.eventsSince(f.org.ID, mark)
		want := []struct {
			action lp.Action
			detail map[string]string
		}{
			{audit.ActionRetentionRuleCreated, map[string]string{"outcome": "success", "keep_for": "1440h0m0s", "action": "forget", "basis": "last_contact"}},
			{audit.ActionRetentionRuleUpdated, map[string]string{"outcome": "success", "keep_for": "2160h0m0s", "previous_keep_for": "1440h0m0s", "action": "delete", "basis": "closed"}},
			{audit.ActionRetentionRuleCreated, map[string]string{"keep_for": "720h0m0s", "action": "forget", "basis": "last_contact"}},
			{audit.ActionRetentionRuleDeleted, map[string]string{"outcome": "success"}},
		}
		if len(evs) != len(want) {
			t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
		}
		for i, w := range want {
			e := evs[i]
			if e.Action != w.action || e.ActorID != f.alice.UserID || e.ProjectID != f.energy.ID {
				t.Errorf("event %d = %s by %s in %s", i, e.Action, e.ActorID, e.ProjectID)
			}
			if len(e.Details) != len(w.detail) {
				t.Errorf("event %d details %v, want %v", i, e.Details, w.detail)
			}
			for k, v := range w.detail {
				if e.Details[k] != v {
					t.Errorf("event %d detail %s = %q, want %q", i, k, e.Details[k], v)
				}
			}
		}
		if evs[0].ObjectID != r.ID || evs[3].ObjectID != r.ID {
			t.Errorf("events name %s and %s, want the rule %s", evs[0].ObjectID, evs[3].ObjectID, r.ID)
		}
	})
}

func TestRetentionNeedsPermission(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		calls := []func() error{
			func() error {
				_, err := f.svc.SetRule(f.ctx, f.bob, retention.RuleRequest{ProjectID: f.energy.ID, KeepFor: day})
				return err
			},
			func() error { _, err := f.svc.Rules(f.ctx, f.bob, uuid.Nil); return err },
			func() error { _, err := f.svc.DeleteRule(f.ctx, f.bob, uuid.New()); return err },
			func() error { _, err := f.svc.Plan(f.ctx, f.bob, start); return err },
			func() error { _, err := f.svc.Purge(f.ctx, f.bob, start, retention.PurgeOptions{}); return err },
		}
		for i, call := range calls {
			if err := call(); !errors.Is(err, lp.ErrForbidden) {
				t.Errorf("call %d as Bob: err = %v, want ErrForbidden", i, err)
			}
		}
		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != len(calls) {
			t.Fatalf("%d events, want one access.denied per call", len(evs))
		}
		for _, e := range evs {
			if e.Action != audit.ActionAccessDenied || e.ActorID != f.bob.UserID || e.Details["permission"] == "" {
				t.Errorf("event %+v, want access.denied by Bob", e)
			}
		}
	})
}
