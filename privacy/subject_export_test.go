package privacy_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestExport decodes the subject-access export of journey 3's number and
// checks every part of it: the number, who exported it and when, both
// leads with all fields and their contact history, the blocks covering the
// number (its own, a project's, a prefix range; not another number's),
// the suppression, and the lead.exported event.
func TestExport(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		block := func(req blocklist.BlockRequest) lp.BlockEntry {
			t.Helper()
			req.Reason = "customer_request"
			res, err := f.blocks.Block(f.ctx, f.alice, req)
			if err != nil {
				t.Fatal(err)
			}
			return res.Entry
		}
		expires := start.AddDate(0, 0, 30)
		orgWide := block(blocklist.BlockRequest{Number: subjectTyped})
		energy := block(blocklist.BlockRequest{Number: string(subject), ProjectID: f.energy.ID, ExpiresAt: expires})
		prefix := block(blocklist.BlockRequest{Prefix: "+45 20"})
		block(blocklist.BlockRequest{Number: string(other)}) // another number: not in the export
		f.tx(func(tx storage.Tx) error {
			return tx.Suppressions().Add(f.ctx, lp.Suppression{OrgID: f.org.ID, Fingerprint: f.fingerprint(f.org.ID, subject),
				CreatedBy: f.alice.UserID, CreatedAt: start.Add(-time.Hour)})
		})
		f.clock.Set(start.Add(time.Minute))
		mark := f.eventCount(f.org.ID)

		e, err := f.svc.Export(f.ctx, f.alice, subjectTyped)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := e.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Number         string
			OrganisationID uuid.UUID `json:"organisation_id"`
			ExportedAt     time.Time `json:"exported_at"`
			ExportedBy     struct {
				ID   uuid.UUID
				Name string
			} `json:"exported_by"`
			Leads []struct {
				ID          uuid.UUID
				ProjectID   uuid.UUID `json:"project_id"`
				ProjectName string    `json:"project_name"`
				TemplateID  uuid.UUID `json:"template_id"`
				Template    string    `json:"template_name"`
				LegalHold   bool      `json:"legal_hold"`
				ClosedAt    time.Time `json:"closed_at"`
				ForgottenAt time.Time `json:"forgotten_at"`
				Outcome     string
				CreatedAt   time.Time `json:"created_at"`
				LastContact time.Time `json:"last_contact_at"`
				Phones      []phone.Number
				Fields      []struct {
					Key, Label, Value string
					Personal          bool
				}
				Contacts []struct {
					ID           uuid.UUID
					At           time.Time
					AgentID      uuid.UUID `json:"agent_id"`
					AgentName    string    `json:"agent_name"`
					Result       string
					TalkSeconds  float64 `json:"talk_seconds"`
					Notes        string
					RecordingRef string `json:"recording_ref"`
				}
			}
			Blocks []struct {
				ID      uuid.UUID
				Number  string
				Prefix  bool
				Project *struct {
					ID   uuid.UUID
					Name string
				}
				BlockedBy struct {
					ID   uuid.UUID
					Name string
				} `json:"blocked_by"`
				BlockedAt time.Time  `json:"blocked_at"`
				ExpiresAt *time.Time `json:"expires_at"`
				Reason    string
				Source    string
			}
			Suppressed   bool
			SuppressedAt time.Time `json:"suppressed_at"`
		}
		dec := json.NewDecoder(&buf)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("decode export: %v\n%s", err, buf.String())
		}

		if doc.Number != string(subject) || doc.OrganisationID != f.org.ID || !doc.ExportedAt.Equal(start.Add(time.Minute)) ||
			doc.ExportedBy.ID != f.alice.UserID || doc.ExportedBy.Name != "Alice" {
			t.Errorf("header: number %q org %s at %v by %+v", doc.Number, doc.OrganisationID, doc.ExportedAt, doc.ExportedBy)
		}
		if !doc.Suppressed || !doc.SuppressedAt.Equal(start.Add(-time.Hour)) {
			t.Errorf("suppressed %v at %v, want true at %v", doc.Suppressed, doc.SuppressedAt, start.Add(-time.Hour))
		}

		leads := sortedByID(f.energyLead, f.insureLead)
		if len(doc.Leads) != len(leads) {
			t.Fatalf("%d leads, want %d", len(doc.Leads), len(leads))
		}
		for i, l := range leads {
			got := doc.Leads[i]
			p, tm, calls, agent := f.energy, f.energyTmpl, f.energyCalls, "Bob"
			if l.ID == f.insureLead.ID {
				p, tm, calls, agent = f.insure, f.insureTmpl, f.insureCall, "Carol"
			}
			stored := f.lead(f.org.ID, l.ID)
			if got.ID != l.ID || got.ProjectID != p.ID || got.ProjectName != p.Name || got.Template != tm.Name ||
				got.TemplateID != tm.ID || got.LegalHold || !got.ClosedAt.IsZero() || !got.ForgottenAt.IsZero() ||
				got.Outcome != l.Outcome || !got.CreatedAt.Equal(stored.CreatedAt) || !got.LastContact.Equal(stored.LastContactAt) ||
				!slices.Equal(got.Phones, l.Phones) {
				t.Errorf("lead %d: %+v", i, got)
			}
			if len(got.Fields) != len(tm.Fields) {
				t.Fatalf("lead %s: %d fields, want all %d", l.ID, len(got.Fields), len(tm.Fields))
			}
			for j, tf := range tm.Fields {
				if g := got.Fields[j]; g.Key != tf.Key || g.Label != tf.Label || g.Personal != tf.Personal || g.Value != l.Fields[tf.Key] {
					t.Errorf("lead %s field %d = %+v, want %+v = %q", l.ID, j, g, tf, l.Fields[tf.Key])
				}
			}
			if len(got.Contacts) != len(calls) {
				t.Fatalf("lead %s: %d contacts, want %d", l.ID, len(got.Contacts), len(calls))
			}
			for j, c := range calls {
				g := got.Contacts[j]
				if g.ID != c.ID || !g.At.Equal(c.At) || g.AgentID != c.AgentID || g.AgentName != agent || g.Result != c.Result ||
					g.TalkSeconds != c.Talk.Seconds() || g.Notes != c.Notes || g.RecordingRef != c.RecordingRef {
					t.Errorf("lead %s contact %d = %+v, want %+v by %s", l.ID, j, g, c, agent)
				}
			}
		}

		want := []lp.BlockEntry{orgWide, energy, prefix}
		slices.SortFunc(want, func(a, b lp.BlockEntry) int { return slices.Compare(a.ID[:], b.ID[:]) })
		if len(doc.Blocks) != len(want) {
			t.Fatalf("%d blocks %+v, want the number's, Energy's and the prefix's", len(doc.Blocks), doc.Blocks)
		}
		for i, b := range want {
			g := doc.Blocks[i]
			if g.ID != b.ID || g.Number != string(b.Number) || g.Prefix != b.Prefix || g.BlockedBy.ID != f.alice.UserID ||
				g.BlockedBy.Name != "Alice" || !g.BlockedAt.Equal(b.BlockedAt) || g.Reason != "customer_request" || g.Source != "manual" {
				t.Errorf("block %d = %+v, want %+v", i, g, b)
			}
			if (g.Project != nil) != !b.OrgWide() || (g.Project != nil && (g.Project.ID != f.energy.ID || g.Project.Name != "Energy 2026")) {
				t.Errorf("block %d scope %+v, want project %s", i, g.Project, b.ProjectID)
			}
			if (g.ExpiresAt != nil) != !b.ExpiresAt.IsZero() || (g.ExpiresAt != nil && !g.ExpiresAt.Equal(expires)) {
				t.Errorf("block %d expires %v, want %v", i, g.ExpiresAt, b.ExpiresAt)
			}
		}

		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionLeadExported || evs[0].MaskedNumber != phone.Mask(subject) ||
			evs[0].Fingerprint != f.fingerprint(f.org.ID, subject) || evs[0].Details["leads"] != "2" {
			t.Errorf("events %+v, want one lead.exported of the number with leads 2", evs)
		}
	})
}

// TestExportAgent: Bob's export holds what Bob may see: the Energy lead,
// the organisation-wide and Energy blocks, not Insurance's.
func TestExportAgent(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		var ids []uuid.UUID
		for _, p := range []uuid.UUID{uuid.Nil, f.energy.ID, f.insure.ID} {
			res, err := f.blocks.Block(f.ctx, f.alice, blocklist.BlockRequest{Number: string(subject), ProjectID: p, Reason: "r"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Entry.ID)
		}
		e, err := f.svc.Export(f.ctx, f.bob, string(subject))
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Leads) != 1 || e.Leads[0].ID != f.energyLead.ID {
			t.Errorf("leads %+v, want the Energy lead only", e.Leads)
		}
		var got []uuid.UUID
		for _, b := range e.Blocks {
			got = append(got, b.ID)
		}
		want := ids[:2]
		slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		if !slices.Equal(got, want) {
			t.Errorf("blocks %v, want the org-wide and Energy ones %v", got, want)
		}
		if e.Suppressed {
			t.Error("suppressed without a suppression")
		}
	})
}
