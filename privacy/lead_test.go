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
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
)

// TestLead: the Energy lead with every field labelled in template order,
// its numbers, and its contact history with agent names, results, talk
// times, notes and recording references; one lead.viewed event.
func TestLead(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount(f.org.ID)
		d, err := f.svc.Lead(f.ctx, f.alice, f.energyLead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.ID != f.energyLead.ID || d.ProjectName != "Energy 2026" || d.TemplateName != "Energy" || d.Outcome != "not_interested" {
			t.Errorf("summary %+v", d.LeadSummary)
		}
		if !slices.Equal(d.Phones, f.energyLead.Phones) {
			t.Errorf("phones %v, want %v", d.Phones, f.energyLead.Phones)
		}
		var want []privacy.Field
		for _, tf := range f.energyTmpl.Fields {
			want = append(want, privacy.Field{Key: tf.Key, Label: tf.Label, Personal: tf.Personal, Value: f.energyLead.Fields[tf.Key]})
		}
		if !slices.Equal(d.Fields, want) {
			t.Errorf("fields %+v, want %+v", d.Fields, want)
		}
		if len(d.Contacts) != len(f.energyCalls) {
			t.Fatalf("%d contacts, want %d", len(d.Contacts), len(f.energyCalls))
		}
		for i, c := range f.energyCalls {
			got := d.Contacts[i]
			if got.ID != c.ID || !got.At.Equal(c.At) || got.AgentID != f.bob.UserID || got.AgentName != "Bob" ||
				got.Result != c.Result || got.Talk != c.Talk || got.Notes != c.Notes || got.RecordingRef != c.RecordingRef {
				t.Errorf("contact %d = %+v, want %+v by Bob", i, got, c)
			}
		}
		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionLeadViewed || evs[0].LeadID != f.energyLead.ID ||
			evs[0].ProjectID != f.energy.ID || evs[0].ActorID != f.alice.UserID {
			t.Errorf("events %+v, want one lead.viewed of the Energy lead by Alice", evs)
		}
	})
}

// TestLeadExtraFields: values under keys the template does not define are
// shown (after the template's fields, as personal), so nothing held is
// hidden from the subject or from Forget's preview.
func TestLeadExtraFields(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		l := f.addLead(f.energy, f.energyTmpl, []phone.Number{"+4540404041"}, map[string]string{"zz_extra": "x1", "a_extra": "x2", "tariff": "fixed"}, "")
		d, err := f.svc.Lead(f.ctx, f.alice, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := len(f.energyTmpl.Fields)
		if len(d.Fields) != n+2 || d.Fields[n] != (privacy.Field{Key: "a_extra", Label: "a_extra", Personal: true, Value: "x2"}) ||
			d.Fields[n+1].Key != "zz_extra" || d.Fields[5].Value != "fixed" {
			t.Errorf("fields %+v: want the template's six, then a_extra and zz_extra as personal", d.Fields)
		}
	})
}

// TestLeadAccessSummary: the lead.viewed and number.searched events answer
// the auditor's "which users accessed lead admin last month".
func TestLeadAccessSummary(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		lastMonth := time.Date(2026, 2, 10, 10, 0, 0, 0, time.UTC)
		f.clock.Set(lastMonth)
		for _, a := range []lp.Actor{f.alice, f.bob, f.bob} {
			if _, err := f.svc.Lead(f.ctx, a, f.energyLead.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Search(f.ctx, f.carol, string(subject)); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(start) // this month: not counted
		if _, err := f.svc.Lead(f.ctx, f.carol, f.insureLead.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.log.AccessSummary(f.ctx, f.alice, audit.SummaryQuery{Period: audit.Month,
			Since: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		want := map[uuid.UUID][2]int{f.alice.UserID: {0, 1}, f.bob.UserID: {0, 2}, f.carol.UserID: {1, 0}}
		if len(got) != len(want) {
			t.Fatalf("summary %+v, want Alice, Bob and Carol", got)
		}
		for _, c := range got {
			if w := want[c.UserID]; [2]int{c.Searches, c.Views} != w || !c.Period.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("user %s: %d searches, %d views in %v; want %v in February", c.UserID, c.Searches, c.Views, c.Period, w)
			}
		}
	})
}

// TestIsolation: for every read, whatever the actor may not see (another
// organisation's lead or number, a lead of a project an agent is not in)
// is indistinguishable from what does not exist: the same error for an
// id, the same empty result for a number, the same events.
func TestIsolation(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		unknown := uuid.New()
		const nowhere = "+4540404049" // no lead, no block anywhere
		type look struct {
			actor  lp.Actor
			number string
			lead   uuid.UUID
		}
		insOnly := f.addLead(f.insure, f.insureTmpl, []phone.Number{"+4540404042"}, map[string]string{"name": "Ida"}, "")
		daveOnly := f.addLead(f.daveProject, f.daveTmpl, []phone.Number{"+4540404043"}, map[string]string{"first_name": "Ole"}, "")
		for _, c := range []struct {
			name         string
			hidden, none look
		}{
			{"Dave, Nordic's number and lead", look{f.dave, string(other), f.otherLead.ID}, look{f.dave, nowhere, unknown}},
			{"Bob, an Insurance number and lead", look{f.bob, "+4540404042", insOnly.ID}, look{f.bob, nowhere, unknown}},
			{"Alice, Dave's number and lead", look{f.alice, "+4540404043", daveOnly.ID}, look{f.alice, nowhere, unknown}},
		} {
			for _, call := range readCalls(f) {
				run := func(l look) (string, []lp.Event) {
					org := l.actor.OrgID
					mark := f.eventCount(org)
					var out string
					switch call.name {
					case "Search":
						res, err := f.svc.Search(f.ctx, l.actor, l.number)
						if err != nil {
							t.Fatalf("%s %s: %v", c.name, call.name, err)
						}
						res.Number = ""
						out = fmtResult(res)
					case "Export":
						e, err := f.svc.Export(f.ctx, l.actor, l.number)
						if err != nil {
							t.Fatalf("%s %s: %v", c.name, call.name, err)
						}
						e.Number = ""
						out = fmtResult(e)
					case "Lead":
						_, err := f.svc.Lead(f.ctx, l.actor, l.lead)
						if !errors.Is(err, lp.ErrNotFound) {
							t.Fatalf("%s Lead: err = %v, want ErrNotFound", c.name, err)
						}
						out = strings.ReplaceAll(err.Error(), l.lead.String(), "ID")
					}
					evs := f.eventsSince(org, mark)
					for i := range evs { // what differs by nature: the number searched, the clock
						evs[i].Seq, evs[i].MaskedNumber, evs[i].Fingerprint = 0, "", phone.Fingerprint{}
					}
					return out, evs
				}
				gotOut, gotEvs := run(c.hidden)
				wantOut, wantEvs := run(c.none)
				if gotOut != wantOut {
					t.Errorf("%s, %s: result %s\nwant as for nothing: %s", c.name, call.name, gotOut, wantOut)
				}
				if fmtResult(gotEvs) != fmtResult(wantEvs) {
					t.Errorf("%s, %s: events %+v\nwant as for nothing: %+v", c.name, call.name, gotEvs, wantEvs)
				}
			}
		}
	})
}

// fmtResult prints v for comparison, maps sorted by key.
func fmtResult(v any) string { return fmt.Sprintf("%+v", v) }
