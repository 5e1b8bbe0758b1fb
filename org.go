package leadprivacy

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
)

// Organisation is a tenant. Every other object belongs to exactly one
// organisation, and no call ever reads or changes another organisation's data.
type Organisation struct {
	ID   uuid.UUID
	Name string
	// DefaultRegion (ISO 3166-1 alpha-2, such as "DK") is used to normalise
	// national numbers typed, uploaded or imported by the organisation.
	DefaultRegion string
	CreatedAt     time.Time
}

// Validate reports whether o can be stored.
func (o Organisation) Validate() error {
	if o.ID == uuid.Nil {
		return invalid("Organisation.ID", "must not be zero")
	}
	if o.Name == "" {
		return invalid("Organisation.Name", "must not be empty")
	}
	if !phone.ValidRegion(o.DefaultRegion) {
		return invalid("Organisation.DefaultRegion", "must be a known ISO 3166-1 region code such as DK")
	}
	return firstErr(
		ValidText("Organisation.Name", o.Name, MaxNameLen),
		ValidTime("Organisation.CreatedAt", o.CreatedAt),
	)
}

// Project groups the leads of one calling campaign, such as "Energy 2026".
// Blocks and retention rules can be scoped to a project.
type Project struct {
	OrgID     uuid.UUID
	ID        uuid.UUID
	Name      string
	CreatedAt time.Time
	// LegalHoldSince is when the whole project was put under legal hold;
	// zero when it is not held. Every lead of a held project is held as if
	// its own LegalHold were set: neither Forget nor retention erases it.
	// Who set the hold and why is in the ChangeLog (project.hold_set).
	LegalHoldSince time.Time
}

// OnLegalHold reports whether the project is under legal hold.
func (p Project) OnLegalHold() bool { return !p.LegalHoldSince.IsZero() }

// Validate reports whether p can be stored.
func (p Project) Validate() error {
	if err := validateKey("Project", p.OrgID, p.ID); err != nil {
		return err
	}
	if p.Name == "" {
		return invalid("Project.Name", "must not be empty")
	}
	return firstErr(
		ValidText("Project.Name", p.Name, MaxNameLen),
		ValidTime("Project.CreatedAt", p.CreatedAt),
		ValidTime("Project.LegalHoldSince", p.LegalHoldSince),
	)
}

// CampaignTemplate defines the data fields a lead carries. Its fields marked
// Personal are the "Data Available" that Forget erases.
type CampaignTemplate struct {
	OrgID  uuid.UUID
	ID     uuid.UUID
	Name   string
	Fields []TemplateField
}

// TemplateField defines one data field of a campaign template.
type TemplateField struct {
	Key      string // stable key used in Lead.Fields, such as "first_name" (at most MaxNameLen bytes)
	Label    string // label shown to users, such as "First name" (at most MaxNameLen bytes)
	Personal bool   // personal data: erased by Forget and never written to the ChangeLog
}

// Field returns the field with the given key.
func (t CampaignTemplate) Field(key string) (TemplateField, bool) {
	for _, f := range t.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return TemplateField{}, false
}

// PersonalFields returns the fields that Forget erases, in template order.
func (t CampaignTemplate) PersonalFields() []TemplateField {
	var out []TemplateField
	for _, f := range t.Fields {
		if f.Personal {
			out = append(out, f)
		}
	}
	return out
}

// Validate reports whether t can be stored: field keys must be non-empty and unique.
func (t CampaignTemplate) Validate() error {
	if err := validateKey("CampaignTemplate", t.OrgID, t.ID); err != nil {
		return err
	}
	if t.Name == "" {
		return invalid("CampaignTemplate.Name", "must not be empty")
	}
	if err := ValidText("CampaignTemplate.Name", t.Name, MaxNameLen); err != nil {
		return err
	}
	seen := make(map[string]bool, len(t.Fields))
	for i, f := range t.Fields {
		if f.Key == "" {
			return invalid("CampaignTemplate.Fields", "field "+strconv.Itoa(i)+" has an empty key")
		}
		if why := textProblem(f.Key, MaxNameLen); why != "" {
			return invalid("CampaignTemplate.Fields", "field "+strconv.Itoa(i)+": key "+why)
		}
		if why := textProblem(f.Label, MaxNameLen); why != "" {
			return invalid("CampaignTemplate.Fields", "field "+strconv.Itoa(i)+": label "+why)
		}
		if seen[f.Key] {
			return invalid("CampaignTemplate.Fields", "duplicate field key "+f.Key)
		}
		seen[f.Key] = true
	}
	return nil
}

// Role is a user's role in its organisation.
type Role string

// Roles. An admin sees every lead of the organisation; an agent sees the
// leads of the projects it is a member of.
const (
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// User is a person of an organisation who can see leads. Users are listed as
// the "Persons with Access" to a lead and name who blocked or forgot a number.
type User struct {
	OrgID uuid.UUID
	ID    uuid.UUID
	Name  string
	Role  Role
}

// Validate reports whether u can be stored.
func (u User) Validate() error {
	if err := validateKey("User", u.OrgID, u.ID); err != nil {
		return err
	}
	if u.Role != RoleAdmin && u.Role != RoleAgent {
		return invalid("User.Role", "must be admin or agent")
	}
	return ValidText("User.Name", u.Name, MaxNameLen)
}

// ProjectMember grants a user access to the leads of a project.
type ProjectMember struct {
	OrgID     uuid.UUID
	ProjectID uuid.UUID
	UserID    uuid.UUID
}

func validateKey(typ string, org, id uuid.UUID) error {
	if org == uuid.Nil {
		return invalid(typ+".OrgID", "must not be zero")
	}
	if id == uuid.Nil {
		return invalid(typ+".ID", "must not be zero")
	}
	return nil
}
