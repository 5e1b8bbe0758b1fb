package privacy_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// forgetter is an actor that may forget but not block, and sees only
// Energy: Bob with PermForget.
func (f *fixture) bobForgets() lp.Actor {
	a := f.bob
	a.Permissions |= lp.PermForget
	return a
}

// assertForgotten checks that the stored lead want was anonymised: no phone,
// no field value, ForgottenAt set, and everything else as before; and that
// its contact attempts kept their facts but lost notes and recordings.
func (f *fixture) assertForgotten(want lp.Lead, calls []lp.ContactAttempt) {
	f.t.Helper()
	got := f.lead(want.OrgID, want.ID)
	if len(got.Phones) != 0 || len(got.Fields) != 0 || !got.ForgottenAt.Equal(start) {
		f.t.Fatalf("lead %s after forget: phones %d, fields %d, forgotten at %v; want none, none, %v",
			want.ID, len(got.Phones), len(got.Fields), got.ForgottenAt, start)
	}
	kept := want
	kept.Phones, kept.Fields, kept.ForgottenAt = nil, nil, got.ForgottenAt
	kept.LastContactAt = got.LastContactAt // moved by addContact after the fixture copied it
	if fmt.Sprint(got) != fmt.Sprint(kept) {
		f.t.Fatalf("lead after forget: %+v\nwant the anonymous rest of %+v", got, kept)
	}
	stored := f.contacts(want.OrgID, want.ID)
	if len(stored) != len(calls) {
		f.t.Fatalf("lead %s has %d contact attempts after forget, want %d", want.ID, len(stored), len(calls))
	}
	for i, c := range calls {
		c.Notes, c.RecordingRef = "", ""
		if stored[i] != c {
			f.t.Fatalf("contact attempt %d after forget: %+v, want %+v", i, stored[i], c)
		}
	}
}

// assertUntouched checks that the stored lead and its contacts are as before.
func (f *fixture) assertUntouched(want lp.Lead) {
	f.t.Helper()
	got := f.lead(want.OrgID, want.ID)
	if got.Forgotten() || !slices.Equal(got.Phones, want.Phones) || len(got.Fields) != len(want.Fields) {
		f.t.Fatalf("lead %s changed: %+v, want %+v", want.ID, got, want)
	}
	for _, c := range f.contacts(want.OrgID, want.ID) {
		if c.Notes == "" && c.RecordingRef == "" && c.Result != "no_answer" {
			f.t.Fatalf("contact attempt %s of untouched lead %s lost its notes", c.ID, want.ID)
		}
	}
}

// refs returns the lead references of erased leads.
func refs(leads []privacy.ErasedLead) []privacy.LeadRef {
	out := make([]privacy.LeadRef, len(leads))
	for i, l := range leads {
		out[i] = l.LeadRef
	}
	return out
}

// sameLeads reports whether got holds exactly the leads want, in any order.
func sameLeads(got []privacy.LeadRef, want ...lp.Lead) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if !slices.Contains(got, privacy.LeadRef{LeadID: w.ID, ProjectID: w.ProjectID}) {
			return false
		}
	}
	return true
}

// personalData are the fixture's personal values (in the forms a leak
// would take) that no receipt, error, event or log may hold.
var personalData = []string{"Jens", "Hansen", "jens.hansen", "Nørregade", "POL-778812", "1971-05-14", "rec://", "wife",
	"summer house", "20123499", "2012 3499", "31234500", "40404040"}

// assertNoPersonalData fails if s holds a personal value of the fixture.
func assertNoPersonalData(t testing.TB, what, s string) {
	t.Helper()
	for _, p := range personalData {
		if strings.Contains(s, p) {
			t.Fatalf("%s holds personal data %q: %s", what, p, s)
		}
	}
}

// Journey 3: Alice forgets the subject's number with suppression; both of
// her visible leads are anonymised in one transaction with their events,
// the other organisation's lead and another number's lead are not touched,
// and the number is suppressed by fingerprint.
func TestForgetNumberWithSuppress(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		daveMark := f.eventCount(f.daveOrg.ID)
		r, err := f.svc.ForgetNumber(f.ctx, f.alice, subjectTyped, privacy.ForgetOptions{Suppress: true, Reason: "customer_request"})
		if err != nil {
			t.Fatal(err)
		}
		if !sameLeads(refs(r.Leads), f.energyLead, f.insureLead) || len(r.Held) != 0 || len(r.AlreadyForgotten) != 0 {
			t.Fatalf("receipt leads %+v held %v already %v, want the Energy and Insurance leads", r.Leads, r.Held, r.AlreadyForgotten)
		}
		if r.ID == uuid.Nil || r.By != f.alice.UserID || !r.At.Equal(start) || r.Suppressed != 2 || r.Blocked != 0 || len(r.Erasures) != 0 {
			t.Fatalf("receipt %+v: want an id, by Alice at start, 2 numbers suppressed, none blocked, no erasures", r)
		}
		for _, l := range r.Leads {
			want := privacy.ErasedLead{LeadRef: l.LeadRef, FieldKeys: []string{"date_of_birth", "name", "policy_number", "product"},
				Phones: 1, AttemptsScrubbed: 1}
			if l.LeadID == f.energyLead.ID {
				want = privacy.ErasedLead{LeadRef: l.LeadRef, FieldKeys: []string{"address", "email", "first_name", "last_name", "meter_size", "tariff"},
					Phones: 2, AttemptsScrubbed: 1}
			}
			if fmt.Sprint(l) != fmt.Sprint(want) {
				t.Errorf("receipt of lead %s: %+v, want %+v", l.LeadID, l, want)
			}
		}
		assertNoPersonalData(t, "receipt", fmt.Sprintf("%+v", r))

		f.assertForgotten(f.energyLead, f.energyCalls)
		f.assertForgotten(f.insureLead, f.insureCall)
		f.assertUntouched(f.otherLead)
		f.assertUntouched(f.daveLead)
		if n := f.eventCount(f.daveOrg.ID); n != daveMark {
			t.Fatalf("Dave's organisation got %d events", n-daveMark)
		}

		evs := f.eventsSince(f.org.ID, mark)
		want := []lp.Action{audit.ActionLeadForgotten, audit.ActionLeadForgotten, audit.ActionNumberSuppressed, audit.ActionNumberSuppressed}
		if !slices.Equal(actions(evs), want) {
			t.Fatalf("events %v, want %v", actions(evs), want)
		}
		subjectFP := f.fingerprint(f.org.ID, subject)
		for _, e := range evs[:2] {
			if e.ObjectID != r.ID || e.ActorID != f.alice.UserID || !slices.Contains(e.Fingerprints, subjectFP) ||
				e.Details["suppressed"] != "true" || e.Details["reason"] != "customer_request" {
				t.Errorf("lead.forgotten event %+v: want receipt %s, Alice, the subject's fingerprint, suppressed, reason", e, r.ID)
			}
			if e.LeadID == f.energyLead.ID && (e.Details["phones"] != "2" || e.Details["fields"] != "6" || e.Details["contacts"] != "1" || e.ProjectID != f.energy.ID) {
				t.Errorf("Energy lead's event details %v project %s", e.Details, e.ProjectID)
			}
		}
		for _, e := range evs {
			assertNoPersonalData(t, "event", fmt.Sprintf("%+v", e))
		}

		// The number itself is stored nowhere, yet a dial-time check
		// rejects it as suppressed, in every project.
		fps := []phone.Fingerprint{subjectFP, f.fingerprint(f.org.ID, subjectAlt)}
		f.tx(func(tx storage.Tx) error {
			sups, err := tx.Suppressions().Find(f.ctx, f.org.ID, fps)
			if err == nil && len(sups) != 2 {
				err = fmt.Errorf("suppressions %v, want both numbers", sups)
			}
			return err
		})
		dialer := lp.Actor{OrgID: f.org.ID, UserID: f.alice.UserID, Permissions: lp.PermImport}
		res, err := f.blocks.Check(f.ctx, dialer, blocklist.CheckRequest{ProjectID: f.insure.ID, Numbers: []string{string(subject), string(other)}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdicts[0].Outcome != blocklist.Suppressed || res.Verdicts[1].Outcome != blocklist.Allowed {
			t.Fatalf("check after forget: %+v, want the subject suppressed and the other number allowed", res.Verdicts)
		}

		// "Who forgot +45 20 12 34 99?" — answered by fingerprint.
		page, err := f.log.Query(f.ctx, f.alice, audit.Query{Number: "+45 20 12 34 99", Actions: []lp.Action{audit.ActionLeadForgotten}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) != 2 || page.Events[0].ActorID != f.alice.UserID {
			t.Fatalf("who forgot the subject: %+v, want Alice's two lead.forgotten events", page.Events)
		}
	})
}

// Forgetting a forgotten lead changes nothing and records nothing new.
func TestForgetIsIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		if _, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Suppress: true}); err != nil {
			t.Fatal(err)
		}
		before := f.lead(f.org.ID, f.energyLead.ID)
		mark := f.eventCount(f.org.ID)
		f.clock.Set(start.Add(1e9))
		defer f.clock.Set(start)
		r, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Suppress: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Leads) != 0 || !sameLeads(r.AlreadyForgotten, f.energyLead) || r.Suppressed != 0 {
			t.Fatalf("second forget: %+v, want the lead reported as already forgotten", r)
		}
		r, err = f.svc.ForgetNumber(f.ctx, f.alice, string(subjectAlt), privacy.ForgetOptions{Suppress: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Leads) != 0 || r.Suppressed != 0 {
			t.Fatalf("forget of the erased number: %+v, want nothing done", r)
		}
		if n := f.eventCount(f.org.ID); n != mark {
			t.Fatalf("forgetting a forgotten lead recorded %v", actions(f.eventsSince(f.org.ID, mark)))
		}
		if after := f.lead(f.org.ID, f.energyLead.ID); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("forgotten lead changed: %+v, was %+v", after, before)
		}
	})
}

// Every call refuses an actor without PermForget (recorded), and treats
// what the actor may not see — another organisation's lead or number, a
// lead of a project the agent is not in — exactly as what does not exist.
func TestForgetPermissionsAndVisibility(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		calls := map[string]func(lp.Actor) error{
			"Forget": func(a lp.Actor) error {
				_, err := f.svc.Forget(f.ctx, a, f.energyLead.ID, privacy.ForgetOptions{})
				return err
			},
			"ForgetNumber": func(a lp.Actor) error {
				_, err := f.svc.ForgetNumber(f.ctx, a, subjectTyped, privacy.ForgetOptions{})
				return err
			},
			"Preview": func(a lp.Actor) error {
				_, err := f.svc.Preview(f.ctx, a, privacy.ForgetRequest{LeadIDs: []uuid.UUID{f.energyLead.ID}})
				return err
			},
			"SetLegalHold": func(a lp.Actor) error {
				_, err := f.svc.SetLegalHold(f.ctx, a, privacy.HoldRequest{LeadID: f.energyLead.ID})
				return err
			},
			"ForgetFile": func(a lp.Actor) error {
				_, err := f.svc.ForgetFile(f.ctx, a, strings.NewReader(string(subject)+"\n"), privacy.BulkForgetOptions{})
				return err
			},
			"RunErasures":     func(a lp.Actor) error { _, err := f.svc.RunErasures(f.ctx, a); return err },
			"PendingErasures": func(a lp.Actor) error { _, err := f.svc.PendingErasures(f.ctx, a, storage.Page{}); return err },
		}
		for name, call := range calls {
			if err := call(f.bob); !errors.Is(err, lp.ErrForbidden) {
				t.Errorf("%s by Bob without PermForget: %v, want ErrForbidden", name, err)
			}
		}
		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != len(calls) {
			t.Fatalf("refusals recorded %v, want one access.denied per call", actions(evs))
		}
		for _, e := range evs {
			if e.Action != audit.ActionAccessDenied || e.ActorID != f.bob.UserID {
				t.Fatalf("refusal event %+v", e)
			}
		}
		f.assertUntouched(f.energyLead)

		// Bob may forget now, but sees only Energy: the Insurance lead is
		// as unknown as a random id, with the same error.
		bob := f.bobForgets()
		unknown := uuid.New()
		for _, c := range []struct {
			name string
			call func(id uuid.UUID) error
		}{
			{"Forget", func(id uuid.UUID) error { _, err := f.svc.Forget(f.ctx, bob, id, privacy.ForgetOptions{}); return err }},
			{"Preview", func(id uuid.UUID) error {
				_, err := f.svc.Preview(f.ctx, bob, privacy.ForgetRequest{LeadIDs: []uuid.UUID{id}})
				return err
			}},
			{"SetLegalHold", func(id uuid.UUID) error {
				_, err := f.svc.SetLegalHold(f.ctx, bob, privacy.HoldRequest{LeadID: id})
				return err
			}},
			{"LiftLegalHold", func(id uuid.UUID) error {
				_, err := f.svc.LiftLegalHold(f.ctx, bob, privacy.HoldRequest{LeadID: id})
				return err
			}},
		} {
			for _, id := range []uuid.UUID{f.insureLead.ID, f.daveLead.ID} {
				err, errUnknown := c.call(id), c.call(unknown)
				if !errors.Is(err, lp.ErrNotFound) || strings.ReplaceAll(err.Error(), id.String(), "ID") != strings.ReplaceAll(errUnknown.Error(), unknown.String(), "ID") {
					t.Errorf("%s of a lead Bob may not see: %v\nunknown lead: %v\nwant the same ErrNotFound", c.name, err, errUnknown)
				}
			}
		}
		mark = f.eventCount(f.org.ID)
		plan, err := f.svc.Preview(f.ctx, bob, privacy.ForgetRequest{Number: subjectTyped})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.ForgetNumber(f.ctx, bob, subjectTyped, privacy.ForgetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Leads) != 1 || plan.Leads[0].LeadID != f.energyLead.ID || !sameLeads(refs(r.Leads), f.energyLead) {
			t.Fatalf("Bob's plan %+v and receipt %+v: want only the Energy lead", plan, r)
		}
		f.assertUntouched(f.insureLead)
		if got := actions(f.eventsSince(f.org.ID, mark)); !slices.Equal(got, []lp.Action{audit.ActionLeadForgotten}) {
			t.Fatalf("Bob's forget recorded %v", got)
		}

		// Dave, in another organisation with every permission: the
		// subject's number finds only his own lead; the Nordic lead ids
		// are unknown to him.
		if _, err := f.svc.Forget(f.ctx, f.dave, f.insureLead.ID, privacy.ForgetOptions{}); !errors.Is(err, lp.ErrNotFound) {
			t.Fatalf("Dave forgetting a Nordic lead: %v, want ErrNotFound", err)
		}
		r, err = f.svc.ForgetNumber(f.ctx, f.dave, subjectTyped, privacy.ForgetOptions{})
		if err != nil || !sameLeads(refs(r.Leads), f.daveLead) {
			t.Fatalf("Dave's ForgetNumber: %+v, %v; want only his lead", r, err)
		}
		f.assertUntouched(f.insureLead)
		// A number no visible lead holds: an empty receipt, nothing recorded.
		mark = f.eventCount(f.org.ID)
		r, err = f.svc.ForgetNumber(f.ctx, f.alice, "+4599887766", privacy.ForgetOptions{Suppress: true})
		if err != nil || len(r.Leads)+len(r.Held)+len(r.AlreadyForgotten)+r.Suppressed != 0 || f.eventCount(f.org.ID) != mark {
			t.Fatalf("forget of a number without leads: %+v, %v, events %v", r, err, actions(f.eventsSince(f.org.ID, mark)))
		}
	})
}

// Bad input fails before anything is written, with an error that says
// which field and why and shows no number.
func TestForgetInvalidInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		noBlocklist := privacy.New(f.store, f.log, &privacy.Options{Now: f.clock.Now})
		forgetOnly := lp.Actor{OrgID: f.org.ID, UserID: f.alice.UserID, Permissions: lp.PermForget}
		mark := f.eventCount(f.org.ID)
		for _, c := range []struct {
			name string
			call func() error
			want error
			in   string // what the message must say
		}{
			{"typo in number", func() error {
				_, err := f.svc.ForgetNumber(f.ctx, f.alice, "20 12 34 9x", privacy.ForgetOptions{})
				return err
			}, lp.ErrInvalidPhone, "number"},
			{"reason not a code", func() error {
				_, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Reason: "Jens asked us"})
				return err
			}, lp.ErrInvalidArgument, "ForgetOptions.Reason"},
			{"block without reason", func() error {
				_, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Block: true})
				return err
			}, lp.ErrInvalidArgument, "ForgetOptions.Reason"},
			{"block without blocklist", func() error {
				_, err := noBlocklist.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Block: true, Reason: "customer_request"})
				return err
			}, lp.ErrInvalidArgument, "Options.Blocklist"},
			{"preview of nothing", func() error { _, err := f.svc.Preview(f.ctx, f.alice, privacy.ForgetRequest{}); return err },
				lp.ErrInvalidArgument, "ForgetRequest"},
		} {
			err := c.call()
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.in) || strings.Count(err.Error(), "leadprivacy:") != 1 {
				t.Errorf("%s: %v, want %v naming %s with one leadprivacy: prefix", c.name, err, c.want, c.in)
			} else {
				assertNoPersonalData(t, c.name+" error", err.Error())
			}
		}
		if n := f.eventCount(f.org.ID); n != mark {
			t.Fatalf("invalid calls recorded %v", actions(f.eventsSince(f.org.ID, mark)))
		}
		// Block needs PermBlock too: refused before the transaction, recorded.
		if _, err := f.svc.Forget(f.ctx, forgetOnly, f.energyLead.ID, privacy.ForgetOptions{Block: true, Reason: "customer_request"}); !errors.Is(err, lp.ErrForbidden) {
			t.Fatalf("forget with Block without PermBlock: %v, want ErrForbidden", err)
		}
		if got := actions(f.eventsSince(f.org.ID, mark)); !slices.Equal(got, []lp.Action{audit.ActionAccessDenied}) {
			t.Fatalf("refused block recorded %v", got)
		}
		f.assertUntouched(f.energyLead)
	})
}

// Block puts every erased number on the do-not-call list in the forget's
// transaction.
func TestForgetWithBlock(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		r, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Block: true, Reason: "customer_request"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Blocked != 2 {
			t.Fatalf("blocked %d numbers, want the lead's 2", r.Blocked)
		}
		want := []lp.Action{audit.ActionLeadForgotten, audit.ActionBlockCreated, audit.ActionBlockCreated}
		if got := actions(f.eventsSince(f.org.ID, mark)); !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		dialer := lp.Actor{OrgID: f.org.ID, UserID: f.alice.UserID, Permissions: lp.PermImport}
		res, err := f.blocks.Check(f.ctx, dialer, blocklist.CheckRequest{ProjectID: f.insure.ID, Numbers: []string{string(subject), string(subjectAlt)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Verdicts {
			if v.Outcome != blocklist.Blocked || v.Block.ProjectID != uuid.Nil {
				t.Fatalf("check after forget with block: %+v, want blocked org-wide", v)
			}
		}
	})
}

// A lead under legal hold is reported and left as it is; setting and
// lifting the hold are recorded once each.
func TestLegalHold(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		h, err := f.svc.SetLegalHold(f.ctx, f.alice, privacy.HoldRequest{LeadID: f.energyLead.ID, Reason: "litigation"})
		if err != nil || !h.Changed || !h.Held || h.ProjectID != f.energy.ID {
			t.Fatalf("SetLegalHold: %+v, %v", h, err)
		}
		if h, err = f.svc.SetLegalHold(f.ctx, f.alice, privacy.HoldRequest{LeadID: f.energyLead.ID}); err != nil || h.Changed {
			t.Fatalf("SetLegalHold again: %+v, %v; want no change", h, err)
		}
		plan, err := f.svc.Preview(f.ctx, f.alice, privacy.ForgetRequest{Number: string(subject)})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.ForgetNumber(f.ctx, f.alice, string(subject), privacy.ForgetOptions{Suppress: true})
		if err != nil {
			t.Fatal(err)
		}
		if !sameLeads(plan.Held, f.energyLead) || !sameLeads(r.Held, f.energyLead) || !sameLeads(refs(r.Leads), f.insureLead) {
			t.Fatalf("plan held %v, receipt held %v leads %v: want Energy held, Insurance forgotten", plan.Held, r.Held, r.Leads)
		}
		held := f.lead(f.org.ID, f.energyLead.ID)
		if held.Forgotten() || !held.LegalHold || len(held.Phones) != 2 {
			t.Fatalf("held lead changed: %+v", held)
		}
		if h, err = f.svc.LiftLegalHold(f.ctx, f.alice, privacy.HoldRequest{LeadID: f.energyLead.ID}); err != nil || !h.Changed || h.Held {
			t.Fatalf("LiftLegalHold: %+v, %v", h, err)
		}
		evs := f.eventsSince(f.org.ID, mark)
		want := []lp.Action{audit.ActionLegalHoldSet, audit.ActionLeadForgotten, audit.ActionNumberSuppressed, audit.ActionLegalHoldLifted}
		if !slices.Equal(actions(evs), want) {
			t.Fatalf("events %v, want %v", actions(evs), want)
		}
		if e := evs[0]; e.LeadID != f.energyLead.ID || e.ProjectID != f.energy.ID || e.Details["reason"] != "litigation" {
			t.Fatalf("lead.hold_set event %+v", e)
		}
		if _, err := f.svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{}); err != nil {
			t.Fatal(err)
		}
		f.assertForgotten(f.energyLead, f.energyCalls)
	})
}

// storeState is every row of an organisation a privacy call could change,
// but its events.
func (f *fixture) storeState(org uuid.UUID) string {
	f.t.Helper()
	var b strings.Builder
	f.tx(func(tx storage.Tx) error {
		leads, err := tx.Leads().List(f.ctx, org, storage.LeadFilter{}, storage.Page{Limit: storage.MaxLimit})
		if err != nil {
			return err
		}
		for _, l := range leads {
			cs, err := tx.Contacts().ListByLead(f.ctx, org, l.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%+v\n%+v\n", l, cs)
		}
		blocks, err := tx.Blocks().List(f.ctx, org, storage.BlockFilter{}, storage.Page{Limit: storage.MaxLimit})
		if err != nil {
			return err
		}
		fps := []phone.Fingerprint{f.fingerprint(org, subject), f.fingerprint(org, subjectAlt), f.fingerprint(org, other)}
		sups, err := tx.Suppressions().Find(f.ctx, org, fps)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%+v\n%+v\n", blocks, sups)
		erasures, err := tx.Erasures().List(f.ctx, org, time.Time{}, storage.Page{Limit: storage.MaxLimit})
		fmt.Fprintf(&b, "%+v\n", erasures)
		return err
	})
	return b.String()
}

// Preview plans what Forget then does, with the same code, and changes
// nothing: every row is as before and no event is recorded.
func TestPreviewChangesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		rec := &fakeEraser{}
		svc := f.service(&privacy.Options{Erasers: map[string]privacy.Eraser{"recordings": rec, "crm": &fakeEraser{}}})
		before, mark := f.storeState(f.org.ID), f.eventCount(f.org.ID)
		plan, err := svc.Preview(f.ctx, f.alice, privacy.ForgetRequest{Number: subjectTyped})
		if err != nil {
			t.Fatal(err)
		}
		if after := f.storeState(f.org.ID); after != before {
			t.Fatalf("Preview changed the store:\nbefore %s\nafter %s", before, after)
		}
		if n := f.eventCount(f.org.ID); n != mark || rec.calls() != 0 {
			t.Fatalf("Preview recorded %v and ran the eraser %d times", actions(f.eventsSince(f.org.ID, mark)), rec.calls())
		}
		wantEnergy := privacy.LeadPlan{LeadRef: privacy.LeadRef{LeadID: f.energyLead.ID, ProjectID: f.energy.ID},
			FieldKeys: []string{"address", "email", "first_name", "last_name", "meter_size", "tariff"}, Phones: 2,
			Attempts: 2, AttemptsToScrub: 1, Recordings: 1, Erasers: []string{"crm", "recordings"}}
		if len(plan.Leads) != 2 || !sameLeads([]privacy.LeadRef{plan.Leads[0].LeadRef, plan.Leads[1].LeadRef}, f.energyLead, f.insureLead) {
			t.Fatalf("plan %+v, want the Energy and Insurance leads", plan)
		}
		for _, p := range plan.Leads {
			if p.LeadID == f.energyLead.ID && fmt.Sprint(p) != fmt.Sprint(wantEnergy) {
				t.Fatalf("plan of the Energy lead %+v, want %+v", p, wantEnergy)
			}
		}
		assertNoPersonalData(t, "plan", fmt.Sprintf("%+v", plan))

		r, err := svc.ForgetNumber(f.ctx, f.alice, subjectTyped, privacy.ForgetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range r.Leads {
			p := plan.Leads[i]
			if l.LeadRef != p.LeadRef || !slices.Equal(l.FieldKeys, p.FieldKeys) || l.Phones != p.Phones ||
				l.AttemptsScrubbed != p.AttemptsToScrub || l.RecordingsQueued != p.Recordings {
				t.Fatalf("forget did %+v, preview said %+v", l, p)
			}
		}
	})
}
