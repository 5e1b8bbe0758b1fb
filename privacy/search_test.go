package privacy_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestSearch is journey 3's search by Alice, the admin: both of the
// subject's leads with their projects, templates and history facts, the
// personal fields of both templates with values, and Alice, Bob and Carol
// as the persons with access, never Dave; one number.searched event.
func TestSearch(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		res, err := f.svc.Search(f.ctx, f.alice, subjectTyped)
		if err != nil {
			t.Fatal(err)
		}
		if res.Number != subject {
			t.Errorf("Number = %q, want %q", res.Number, subject)
		}
		want := sortedByID(f.energyLead, f.insureLead)
		if got := summaryIDs(res.Leads); !slices.Equal(got, leadIDs(want)) {
			t.Fatalf("leads log ids %v, want %v", got, leadIDs(want))
		}
		for i, l := range want {
			s := res.Leads[i]
			p, tm := f.energy, f.energyTmpl
			if l.ID == f.insureLead.ID {
				p, tm = f.insure, f.insureTmpl
			}
			stored := f.lead(f.org.ID, l.ID)
			wantRow := privacy.LeadSummary{ID: l.ID, ProjectID: p.ID, ProjectName: p.Name, TemplateID: tm.ID,
				TemplateName: tm.Name, Outcome: l.Outcome, CreatedAt: stored.CreatedAt, LastContactAt: stored.LastContactAt}
			if !sameSummary(s, wantRow) {
				t.Errorf("leads log row %d = %+v, want %+v", i, s, wantRow)
			}
			if s.LastContactAt.IsZero() {
				t.Errorf("lead %s: no last contact", l.ID)
			}
			d := res.Data[i]
			if d.LeadID != l.ID {
				t.Errorf("data row %d is of lead %s, want %s", i, d.LeadID, l.ID)
			}
			var wantFields []privacy.Field
			for _, tf := range tm.PersonalFields() {
				wantFields = append(wantFields, privacy.Field{Key: tf.Key, Label: tf.Label, Personal: true, Value: l.Fields[tf.Key]})
			}
			if !slices.Equal(d.Fields, wantFields) {
				t.Errorf("data of lead %s = %+v, want the personal fields %+v", l.ID, d.Fields, wantFields)
			}
		}
		wantAccess := map[uuid.UUID]string{f.alice.UserID: "admin", f.bob.UserID: "member of Energy 2026", f.carol.UserID: "member of Insurance Q4"}
		if got := persons(res.Access); !maps.Equal(got, wantAccess) {
			t.Errorf("persons with access %v, want %v (Alice, Bob, Carol; never Dave %s)", got, wantAccess, f.dave.UserID)
		}
		if !slices.IsSortedFunc(res.Access, func(a, b privacy.Person) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("persons not ordered by name: %+v", res.Access)
		}
		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != 1 {
			t.Fatalf("events %v, want one number.searched", actions(evs))
		}
		e := evs[0]
		if e.Action != audit.ActionNumberSearched || e.ActorID != f.alice.UserID || e.MaskedNumber != phone.Mask(subject) ||
			e.Fingerprint != f.fingerprint(f.org.ID, subject) || e.Details["matched"] != "2" {
			t.Errorf("event %+v, want number.searched by Alice, the number masked and fingerprinted, matched 2", e)
		}
	})
}

// TestSearchAgent: an agent sees the leads of its projects only, and the
// persons with access to those, not the members of other projects.
func TestSearchAgent(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		for _, c := range []struct {
			name   string
			actor  lp.Actor
			lead   lp.Lead
			access map[uuid.UUID]string
		}{
			{"Bob", f.bob, f.energyLead, map[uuid.UUID]string{f.alice.UserID: "admin", f.bob.UserID: "member of Energy 2026"}},
			{"Carol", f.carol, f.insureLead, map[uuid.UUID]string{f.alice.UserID: "admin", f.carol.UserID: "member of Insurance Q4"}},
		} {
			mark := f.eventCount(f.org.ID)
			res, err := f.svc.Search(f.ctx, c.actor, string(subject))
			if err != nil {
				t.Fatal(err)
			}
			if got := summaryIDs(res.Leads); !slices.Equal(got, []uuid.UUID{c.lead.ID}) || len(res.Data) != 1 {
				t.Errorf("%s: leads %v and %d data rows, want only %v", c.name, got, len(res.Data), c.lead.ID)
			}
			if got := persons(res.Access); !maps.Equal(got, c.access) {
				t.Errorf("%s: persons with access %v, want %v", c.name, got, c.access)
			}
			if evs := f.eventsSince(f.org.ID, mark); len(evs) != 1 || evs[0].Details["matched"] != "1" || evs[0].ActorID != c.actor.UserID {
				t.Errorf("%s: events %+v, want one number.searched with matched 1", c.name, evs)
			}
		}
	})
}

// TestSearchInvalid: a number that is not one fails with ErrInvalidPhone,
// shows the input only masked, and records nothing.
func TestSearchInvalid(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		const typed = "20 12 34 9x9"
		_, err := f.svc.Search(f.ctx, f.alice, typed)
		if !errors.Is(err, lp.ErrInvalidPhone) {
			t.Fatalf("err = %v, want ErrInvalidPhone", err)
		}
		if msg := err.Error(); strings.Contains(msg, "20 12") || !strings.Contains(msg, phone.MaskInput(typed)) ||
			strings.Count(msg, "leadprivacy:") != 1 {
			t.Errorf("error %q: want the input masked as %q, one leadprivacy: prefix", msg, phone.MaskInput(typed))
		}
		if n := f.eventCount(f.org.ID); n != mark {
			t.Errorf("%d events recorded for an invalid number", n-mark)
		}
	})
}

// TestReadsForbidden: Search, Lead and Export need PermSearch; a refusal
// is ErrForbidden, reads nothing and is recorded as access.denied.
func TestReadsForbidden(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		noSearch := f.alice
		noSearch.Permissions = lp.PermAll &^ lp.PermSearch
		for _, c := range readCalls(f) {
			mark := f.eventCount(f.org.ID)
			if err := c.run(noSearch, string(subject), f.energyLead.ID); !errors.Is(err, lp.ErrForbidden) {
				t.Errorf("%s without PermSearch: err = %v, want ErrForbidden", c.name, err)
			}
			evs := f.eventsSince(f.org.ID, mark)
			if len(evs) != 1 || evs[0].Action != audit.ActionAccessDenied || evs[0].Details["attempted"] != string(c.action) {
				t.Errorf("%s: events %+v, want one access.denied of %s", c.name, evs, c.action)
			}
		}
	})
}

// readCall is one read of the service, by number or by lead id.
type readCall struct {
	name   string
	action lp.Action
	run    func(actor lp.Actor, number string, lead uuid.UUID) error
}

// readCalls are Search, Lead and Export on f's service.
func readCalls(f *fixture) []readCall {
	return []readCall{
		{"Search", audit.ActionNumberSearched, func(a lp.Actor, n string, _ uuid.UUID) error {
			_, err := f.svc.Search(f.ctx, a, n)
			return err
		}},
		{"Lead", audit.ActionLeadViewed, func(a lp.Actor, _ string, id uuid.UUID) error {
			_, err := f.svc.Lead(f.ctx, a, id)
			return err
		}},
		{"Export", audit.ActionLeadExported, func(a lp.Actor, n string, _ uuid.UUID) error {
			_, err := f.svc.Export(f.ctx, a, n)
			return err
		}},
	}
}

func sortedByID(leads ...lp.Lead) []lp.Lead {
	slices.SortFunc(leads, func(a, b lp.Lead) int { return slices.Compare(a.ID[:], b.ID[:]) })
	return leads
}

func leadIDs(leads []lp.Lead) []uuid.UUID {
	out := make([]uuid.UUID, len(leads))
	for i, l := range leads {
		out[i] = l.ID
	}
	return out
}

func summaryIDs(rows []privacy.LeadSummary) []uuid.UUID {
	out := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// sameSummary compares rows with time.Time.Equal.
func sameSummary(a, b privacy.LeadSummary) bool {
	eq := func(x, y time.Time) bool { return x.Equal(y) }
	return a.ID == b.ID && a.ProjectID == b.ProjectID && a.ProjectName == b.ProjectName && a.TemplateID == b.TemplateID &&
		a.TemplateName == b.TemplateName && a.Outcome == b.Outcome && eq(a.CreatedAt, b.CreatedAt) &&
		eq(a.LastContactAt, b.LastContactAt) && eq(a.ClosedAt, b.ClosedAt) && eq(a.ForgottenAt, b.ForgottenAt) &&
		a.LegalHold == b.LegalHold
}

// persons maps each person with access to why.
func persons(ps []privacy.Person) map[uuid.UUID]string {
	m := map[uuid.UUID]string{}
	for _, p := range ps {
		m[p.UserID] = p.Why()
	}
	return m
}

// TestSearchShowsHoldAndForgotten: the leads log shows a lead's legal hold
// and closing time; after the subject's number is forgotten, searching it
// finds nothing (the forgotten leads hold no number) and the lead itself
// shows when it was forgotten, with no data left.
func TestSearchShowsHoldAndForgotten(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		if _, err := f.svc.SetLegalHold(f.ctx, f.alice, privacy.HoldRequest{LeadID: f.insureLead.ID}); err != nil {
			t.Fatal(err)
		}
		closed := start.Add(-time.Hour)
		f.tx(func(tx storage.Tx) error {
			l, err := tx.Leads().Get(f.ctx, f.org.ID, f.energyLead.ID)
			if err != nil {
				return err
			}
			l.ClosedAt = closed
			return tx.Leads().Update(f.ctx, l)
		})
		res, err := f.svc.Search(f.ctx, f.alice, subjectTyped)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Leads {
			if hold := l.ID == f.insureLead.ID; l.LegalHold != hold {
				t.Errorf("lead %s: legal hold %v, want %v", l.ID, l.LegalHold, hold)
			}
			if l.ID == f.energyLead.ID && !l.ClosedAt.Equal(closed) {
				t.Errorf("energy lead closed at %v, want %v", l.ClosedAt, closed)
			}
		}

		f.clock.Set(start.Add(time.Minute))
		if _, err := f.svc.ForgetNumber(f.ctx, f.alice, subjectTyped, privacy.ForgetOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.Search(f.ctx, f.alice, subjectTyped)
		if err != nil {
			t.Fatal(err)
		}
		if got := summaryIDs(res.Leads); !slices.Equal(got, []uuid.UUID{f.insureLead.ID}) {
			t.Errorf("after the forget the search finds %v, want only the held Insurance lead", got)
		}
		d, err := f.svc.Lead(f.ctx, f.alice, f.energyLead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !d.ForgottenAt.Equal(start.Add(time.Minute)) || len(d.Phones) != 0 || d.Outcome != "not_interested" {
			t.Errorf("forgotten lead: %+v", d.LeadSummary)
		}
		for _, fl := range d.Fields {
			if fl.Value != "" {
				t.Errorf("forgotten lead still shows %s", fl.Key)
			}
		}
		for _, c := range d.Contacts {
			if c.Notes != "" || c.RecordingRef != "" || c.AgentName != "Bob" {
				t.Errorf("forgotten lead's call %+v: want no notes nor recording, the agent kept", c)
			}
		}
	})
}
