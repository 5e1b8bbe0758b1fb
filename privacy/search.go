package privacy

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// SearchResult is the "Lead Phone Numbers" view of one number: its three
// tabs. A number without leads the actor may see gives empty tabs, however
// many leads other organisations or other projects hold.
type SearchResult struct {
	// Number is the number searched, in E.164.
	Number phone.Number `json:"number"`
	// Leads is the leads log: every lead with the number in any of its
	// phones that the actor may see, ordered by lead id.
	Leads []LeadSummary `json:"leads"`
	// Data is the data available: per lead of Leads, in the same order,
	// the personal fields of its template, which Forget erases.
	Data []LeadData `json:"data"`
	// Access is the persons with access: who can see the leads found and
	// why, ordered by name, then user id.
	Access []Person `json:"access"`
}

// LeadSummary is a lead's row in the leads log: where it belongs and what
// happened to it, no personal data.
type LeadSummary struct {
	ID           uuid.UUID `json:"id"`
	ProjectID    uuid.UUID `json:"project_id"`
	ProjectName  string    `json:"project_name"`
	TemplateID   uuid.UUID `json:"template_id"`
	TemplateName string    `json:"template_name"`
	// Outcome is the call result that closed the lead or the latest one.
	Outcome       string    `json:"outcome,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	LastContactAt time.Time `json:"last_contact_at,omitzero"` // zero: never called
	ClosedAt      time.Time `json:"closed_at,omitzero"`       // zero: open
	ForgottenAt   time.Time `json:"forgotten_at,omitzero"`    // zero: not forgotten
	// LegalHold is the lead's effective legal hold: its own or its
	// project's. While it is set, Forget and retention leave the lead as
	// it is.
	LegalHold bool `json:"legal_hold"`
	// ProjectHold says the lead's project is under legal hold
	// (SetProjectHold): lifting the lead's own hold does not release it.
	ProjectHold bool `json:"project_hold,omitempty"`
}

// LeadData is the data available of one lead.
type LeadData struct {
	LeadID uuid.UUID `json:"lead_id"`
	// Fields are the personal fields of the lead's template in template
	// order, then any values the lead holds under keys its template does
	// not define (personal, as nothing says otherwise), by key.
	Fields []Field `json:"fields"`
}

// Field is one data field of a lead.
type Field struct {
	Key      string `json:"key"`
	Label    string `json:"label"` // the template's label; the key for a key the template lacks
	Personal bool   `json:"personal"`
	// Value is the lead's value, empty when it holds none. Search,
	// Lead and Export show values, as they require lp.PermSearch.
	Value string `json:"value,omitempty"`
}

// Person is one of the persons with access to the leads a search found.
type Person struct {
	UserID uuid.UUID `json:"user_id"`
	Name   string    `json:"name"`
	Role   lp.Role   `json:"role"`
	// Projects are, for an agent, the projects of the leads found that
	// the agent is a member of; nil for an admin, who sees every lead.
	Projects []ProjectRef `json:"projects,omitempty"`
}

// Why says why the person has access: "admin", or "member of" and the
// projects' names.
func (p Person) Why() string {
	if p.Role == lp.RoleAdmin {
		return "admin"
	}
	names := make([]string, len(p.Projects))
	for i, pr := range p.Projects {
		names[i] = pr.Name
	}
	return "member of " + strings.Join(names, ", ")
}

// ProjectRef names a project.
type ProjectRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// Search looks a number up as a person typed it ("0045 20 12 34 99",
// "20123499" with the organisation's default region, "+45…"): the leads
// log, the data available and the persons with access. It needs
// lp.PermSearch; an admin sees the organisation's every lead, an agent the
// leads of its projects. It records number.searched (the number masked and
// fingerprinted, and how many leads matched) in the transaction of the
// read, also when nothing matched, so every look is in the ChangeLog.
//
// It costs one Leads.FindByNumbers, and one Projects.Get, Templates.Get
// and Users.WithAccess per distinct project and template of the leads
// found. An invalid number fails with lp.ErrInvalidPhone, shown masked,
// and records nothing.
func (s *Service) Search(ctx context.Context, actor lp.Actor, number string) (SearchResult, error) {
	if err := s.authorize(ctx, actor, lp.PermSearch, audit.ActionNumberSearched); err != nil {
		return SearchResult{}, wrap("Search", err)
	}
	var res SearchResult
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		res, err = search(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionNumberSearched, Number: res.Number,
			Details: []audit.Detail{audit.Count(audit.KeyMatched, len(res.Leads))}})
		return err
	})
	if err != nil {
		return SearchResult{}, wrap("Search", err)
	}
	return res, nil
}

// search reads the three tabs of number for actor in tx.
func search(ctx context.Context, tx storage.Tx, actor lp.Actor, number string) (SearchResult, error) {
	n, err := parseTyped(ctx, tx, actor.OrgID, number, "number")
	if err != nil {
		return SearchResult{}, err
	}
	r, err := newReader(ctx, tx, actor)
	if err != nil {
		return SearchResult{}, err
	}
	leads, err := r.find(ctx, n)
	if err != nil {
		return SearchResult{}, err
	}
	res := SearchResult{Number: n, Leads: make([]LeadSummary, len(leads)), Data: make([]LeadData, len(leads))}
	var projects []uuid.UUID
	for i, l := range leads {
		if res.Leads[i], err = r.summary(ctx, l); err != nil {
			return SearchResult{}, err
		}
		t, err := r.template(ctx, l.TemplateID)
		if err != nil {
			return SearchResult{}, err
		}
		res.Data[i] = LeadData{LeadID: l.ID, Fields: fields(t, l.Fields, true)}
		if !slices.Contains(projects, l.ProjectID) {
			projects = append(projects, l.ProjectID)
		}
	}
	if res.Access, err = r.persons(ctx, projects); err != nil {
		return SearchResult{}, err
	}
	return res, nil
}

// find returns the leads with number n that the actor sees, by id.
func (r *reader) find(ctx context.Context, n phone.Number) ([]lp.Lead, error) {
	leads, err := r.tx.Leads().FindByNumbers(ctx, r.org, []phone.Number{n})
	if err != nil {
		return nil, err
	}
	return r.visible(ctx, leads)
}

// summary returns the leads log row of l.
func (r *reader) summary(ctx context.Context, l lp.Lead) (LeadSummary, error) {
	p, err := r.project(ctx, l.ProjectID)
	if err != nil {
		return LeadSummary{}, err
	}
	t, err := r.template(ctx, l.TemplateID)
	if err != nil {
		return LeadSummary{}, err
	}
	return LeadSummary{ID: l.ID, ProjectID: p.ID, ProjectName: p.Name, TemplateID: t.ID, TemplateName: t.Name,
		Outcome: l.Outcome, CreatedAt: l.CreatedAt, LastContactAt: l.LastContactAt, ClosedAt: l.ClosedAt,
		ForgottenAt: l.ForgottenAt, LegalHold: l.LegalHold || p.OnLegalHold(), ProjectHold: p.OnLegalHold()}, nil
}

// fields returns the lead's fields with their labels: the template's
// fields in template order (only the personal ones if personalOnly), then
// the values under keys the template lacks, by key, as personal.
func fields(t lp.CampaignTemplate, values map[string]string, personalOnly bool) []Field {
	out := make([]Field, 0, len(t.Fields))
	for _, tf := range t.Fields {
		if personalOnly && !tf.Personal {
			continue
		}
		out = append(out, Field{Key: tf.Key, Label: tf.Label, Personal: tf.Personal, Value: values[tf.Key]})
	}
	var extra []string
	for k := range values {
		if _, ok := t.Field(k); !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		out = append(out, Field{Key: k, Label: k, Personal: true, Value: values[k]})
	}
	return out
}
