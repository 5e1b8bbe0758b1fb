package leadprivacy_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

var (
	org     = uuid.MustParse("00000000-0000-7000-8000-000000000001")
	id      = uuid.MustParse("00000000-0000-7000-8000-000000000002")
	project = uuid.MustParse("00000000-0000-7000-8000-000000000003")
	tmpl    = uuid.MustParse("00000000-0000-7000-8000-000000000004")
	t0      = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
)

type validator interface{ Validate() error }

func TestValidate(t *testing.T) {
	validLead := lp.Lead{OrgID: org, ID: id, ProjectID: project, TemplateID: tmpl, Phones: []phone.Number{"+4520123456"}}
	validBlock := lp.BlockEntry{OrgID: org, ID: id, Number: "+4520123456", BlockedAt: t0}
	validRule := lp.RetentionRule{OrgID: org, ID: id, ProjectID: project, KeepFor: time.Hour, Action: lp.ActionForget, Basis: lp.SinceLastContact}
	tests := []struct {
		name  string
		v     validator
		field string // "" means valid
	}{
		{"organisation ok", lp.Organisation{ID: org, Name: "Nordic Sales", DefaultRegion: "DK"}, ""},
		{"organisation unknown region", lp.Organisation{ID: org, Name: "Nordic Sales", DefaultRegion: "XX"}, "Organisation.DefaultRegion"},
		{"organisation no id", lp.Organisation{Name: "n", DefaultRegion: "DK"}, "Organisation.ID"},
		{"project ok", lp.Project{OrgID: org, ID: id, Name: "Energy"}, ""},
		{"project no org", lp.Project{ID: id, Name: "Energy"}, "Project.OrgID"},
		{"template duplicate key", lp.CampaignTemplate{OrgID: org, ID: id, Name: "E", Fields: []lp.TemplateField{{Key: "a"}, {Key: "a"}}}, "CampaignTemplate.Fields"},
		{"template empty key", lp.CampaignTemplate{OrgID: org, ID: id, Name: "E", Fields: []lp.TemplateField{{Key: ""}}}, "CampaignTemplate.Fields"},
		{"user bad role", lp.User{OrgID: org, ID: id, Role: "boss"}, "User.Role"},
		{"user ok", lp.User{OrgID: org, ID: id, Role: lp.RoleAgent}, ""},
		{"lead ok", validLead, ""},
		{"lead no project", func() lp.Lead { l := validLead; l.ProjectID = uuid.Nil; return l }(), "Lead.ProjectID"},
		{"lead not e164", func() lp.Lead { l := validLead; l.Phones = []phone.Number{"20123456"}; return l }(), "Lead.Phones"},
		{"lead duplicate number", func() lp.Lead { l := validLead; l.Phones = []phone.Number{"+4520123456", "+4520123456"}; return l }(), "Lead.Phones"},
		{"forgotten lead with data", func() lp.Lead { l := validLead; l.ForgottenAt = t0; return l }(), "Lead"},
		{"forgotten lead anonymous", func() lp.Lead { l := validLead; l.ForgottenAt = t0; l.Phones = nil; return l }(), ""},
		{"contact negative talk", lp.ContactAttempt{OrgID: org, ID: id, LeadID: id, At: t0, Talk: -time.Second}, "ContactAttempt.Talk"},
		{"contact no time", lp.ContactAttempt{OrgID: org, ID: id, LeadID: id}, "ContactAttempt.At"},
		{"block ok", validBlock, ""},
		{"block national number", func() lp.BlockEntry { b := validBlock; b.Number = "20123456"; return b }(), "BlockEntry.Number"},
		{"block expiry before start", func() lp.BlockEntry { b := validBlock; b.ExpiresAt = t0; return b }(), "BlockEntry.ExpiresAt"},
		{"block prefix", func() lp.BlockEntry { b := validBlock; b.Number, b.Prefix = "+4570", true; return b }(), ""},
		{"block prefix of a calling code only", func() lp.BlockEntry { b := validBlock; b.Number, b.Prefix = "+45", true; return b }(), ""},
		{"block prefix as long as a number", func() lp.BlockEntry { b := validBlock; b.Prefix = true; return b }(), ""},
		{"block prefix with wildcard", func() lp.BlockEntry { b := validBlock; b.Number, b.Prefix = "+4570*", true; return b }(), "BlockEntry.Number"},
		{"block prefix national", func() lp.BlockEntry { b := validBlock; b.Number, b.Prefix = "70", true; return b }(), "BlockEntry.Number"},
		{"block prefix unknown calling code", func() lp.BlockEntry { b := validBlock; b.Number, b.Prefix = "+8", true; return b }(), "BlockEntry.Number"},
		{"block prefix of 16 digits", func() lp.BlockEntry { b := validBlock; b.Number, b.Prefix = "+4570123456789012", true; return b }(), "BlockEntry.Number"},
		{"block prefix not flagged", func() lp.BlockEntry { b := validBlock; b.Number = "+4570"; return b }(), "BlockEntry.Number"},
		{"suppression zero fingerprint", lp.Suppression{OrgID: org, CreatedAt: t0}, "Suppression.Fingerprint"},
		{"rule ok", validRule, ""},
		{"rule zero keep", func() lp.RetentionRule { r := validRule; r.KeepFor = 0; return r }(), "RetentionRule.KeepFor"},
		{"rule bad action", func() lp.RetentionRule { r := validRule; r.Action = "shred"; return r }(), "RetentionRule.Action"},
		{"rule bad basis", func() lp.RetentionRule { r := validRule; r.Basis = ""; return r }(), "RetentionRule.Basis"},
		{"event no actor", lp.Event{OrgID: org, Action: "lead.viewed", Time: t0}, "Event.ActorID"},

		// Codes: one rule for reasons, outcomes and ChangeLog codes.
		{"block reason code", func() lp.BlockEntry { b := validBlock; b.Reason = "customer_request"; return b }(), ""},
		{"block reason with name and number", func() lp.BlockEntry { b := validBlock; b.Reason = "Jens Hansen asked, call 20123456"; return b }(), "BlockEntry.Reason"},
		{"block reason 1.1 MB", func() lp.BlockEntry { b := validBlock; b.Reason = strings.Repeat("a", 1100_000); return b }(), "BlockEntry.Reason"},
		{"block reason number", func() lp.BlockEntry { b := validBlock; b.Reason = "call20123456"; return b }(), "BlockEntry.Reason"},
		{"block source free text", func() lp.BlockEntry { b := validBlock; b.Source = "Jens"; return b }(), "BlockEntry.Source"},
		{"rule outcome free text", func() lp.RetentionRule { r := validRule; r.Outcome = strings.Repeat("x", 10<<20); return r }(), "RetentionRule.Outcome"},
		{"lead outcome code", func() lp.Lead { l := validLead; l.Outcome = "not_interested"; return l }(), ""},
		{"lead outcome with NUL", func() lp.Lead { l := validLead; l.Outcome = "success\x00"; return l }(), "Lead.Outcome"},
		{"contact result sentence", lp.ContactAttempt{OrgID: org, ID: id, LeadID: id, At: t0, Result: "Called Jens"}, "ContactAttempt.Result"},
		{"event action sentence", lp.Event{OrgID: org, ActorID: id, Action: "Jens looked", Time: t0}, "Event.Action"},
		{"event detail key sentence", lp.Event{OrgID: org, ActorID: id, Action: "lead.viewed", Time: t0, Details: map[string]string{"Jens Hansen": "1"}}, "Event.Details"},

		// Texts: valid UTF-8, no NUL, bounded; everything else is kept.
		{"organisation name bidi", lp.Organisation{ID: org, Name: "Nordic \u202eSales\u202c", DefaultRegion: "DK"}, ""},
		{"organisation name invalid UTF-8", lp.Organisation{ID: org, Name: "Caf\xe9", DefaultRegion: "DK"}, "Organisation.Name"},
		{"organisation name too long", lp.Organisation{ID: org, Name: strings.Repeat("n", lp.MaxNameLen+1), DefaultRegion: "DK"}, "Organisation.Name"},
		{"project name at the limit", lp.Project{OrgID: org, ID: id, Name: strings.Repeat("n", lp.MaxNameLen)}, ""},
		{"project name NUL", lp.Project{OrgID: org, ID: id, Name: "a\x00b"}, "Project.Name"},
		{"template name invalid UTF-8", lp.CampaignTemplate{OrgID: org, ID: id, Name: "\xff"}, "CampaignTemplate.Name"},
		{"template label NUL", lp.CampaignTemplate{OrgID: org, ID: id, Name: "E", Fields: []lp.TemplateField{{Key: "a", Label: "A\x00"}}}, "CampaignTemplate.Fields"},
		{"template key too long", lp.CampaignTemplate{OrgID: org, ID: id, Name: "E", Fields: []lp.TemplateField{{Key: strings.Repeat("k", lp.MaxNameLen+1)}}}, "CampaignTemplate.Fields"},
		{"user name invalid UTF-8", lp.User{OrgID: org, ID: id, Role: lp.RoleAgent, Name: "\xc3"}, "User.Name"},
		{"lead field value invalid UTF-8", func() lp.Lead { l := validLead; l.Fields = map[string]string{"name": "J\xe9ns"}; return l }(), "Lead.Fields"},
		{"lead field value 10 MB", func() lp.Lead {
			l := validLead
			l.Fields = map[string]string{"name": strings.Repeat("j", 10<<20)}
			return l
		}(), "Lead.Fields"},
		{"lead field key NUL", func() lp.Lead { l := validLead; l.Fields = map[string]string{"na\x00me": "Jens"}; return l }(), "Lead.Fields"},
		{"lead field value at the limit", func() lp.Lead {
			l := validLead
			l.Fields = map[string]string{"notes": strings.Repeat("j", lp.MaxTextLen)}
			return l
		}(), ""},
		{"contact notes NUL", lp.ContactAttempt{OrgID: org, ID: id, LeadID: id, At: t0, Notes: "a\x00"}, "ContactAttempt.Notes"},
		{"contact recording too long", lp.ContactAttempt{OrgID: org, ID: id, LeadID: id, At: t0, RecordingRef: strings.Repeat("r", lp.MaxTextLen+1)}, "ContactAttempt.RecordingRef"},
		{"event detail value invalid UTF-8", lp.Event{OrgID: org, ActorID: id, Action: "lead.viewed", Time: t0, Details: map[string]string{"reason": "\xff"}}, "Event.Details"},

		// Times: zero or years 1-9999 UTC, not truncated to zero.
		{"block expiry year 300000", func() lp.BlockEntry {
			b := validBlock
			b.ExpiresAt = time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
			return b
		}(), "BlockEntry.ExpiresAt"},
		{"block expiry MaxInt64/2 seconds", func() lp.BlockEntry { b := validBlock; b.ExpiresAt = time.Unix(math.MaxInt64/2, 0); return b }(), "BlockEntry.ExpiresAt"},
		{"block expiry at MaxTime", func() lp.BlockEntry { b := validBlock; b.ExpiresAt = lp.MaxTime; return b }(), ""},
		{"block expiry last nanosecond of 9999", func() lp.BlockEntry { b := validBlock; b.ExpiresAt = lp.MaxTime.Add(999); return b }(), ""},
		{"block expiry year 10000", func() lp.BlockEntry { b := validBlock; b.ExpiresAt = lp.MaxTime.Add(time.Microsecond); return b }(), "BlockEntry.ExpiresAt"},
		{"block blocked 1 ns after zero", func() lp.BlockEntry { b := validBlock; b.BlockedAt = time.Time{}.Add(1); return b }(), "BlockEntry.BlockedAt"},
		{"block blocked before year 1", func() lp.BlockEntry {
			b := validBlock
			b.BlockedAt = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)
			return b
		}(), "BlockEntry.BlockedAt"},
		{"block blocked at MinTime", func() lp.BlockEntry { b := validBlock; b.BlockedAt = lp.MinTime; return b }(), ""},
		{"lead closed in year 300000", func() lp.Lead { l := validLead; l.ClosedAt = time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC); return l }(), "Lead.ClosedAt"},
		{"lead created 1 ns after zero", func() lp.Lead { l := validLead; l.CreatedAt = time.Time{}.Add(1); return l }(), "Lead.CreatedAt"},
		{"contact in year 10000", lp.ContactAttempt{OrgID: org, ID: id, LeadID: id, At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "ContactAttempt.At"},
		{"suppression in year 300000", lp.Suppression{OrgID: org, Fingerprint: phone.Fingerprint{1}, CreatedAt: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}, "Suppression.CreatedAt"},
		{"rule created 1 ns after zero", func() lp.RetentionRule { r := validRule; r.CreatedAt = time.Time{}.Add(1); return r }(), "RetentionRule.CreatedAt"},
		{"project created in year 300000", lp.Project{OrgID: org, ID: id, Name: "E", CreatedAt: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}, "Project.CreatedAt"},
		{"organisation created before year 1", lp.Organisation{ID: org, Name: "n", DefaultRegion: "DK", CreatedAt: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}, "Organisation.CreatedAt"},
		{"event in year 300000", lp.Event{OrgID: org, ActorID: id, Action: "lead.viewed", Time: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}, "Event.Time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var fe *lp.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Validate() = %v, want a FieldError for %s", err, tt.field)
			}
			if !errors.Is(err, lp.ErrInvalidArgument) {
				t.Errorf("errors.Is(%v, ErrInvalidArgument) = false", err)
			}
			if !strings.HasPrefix(err.Error(), "leadprivacy: ") {
				t.Errorf("message %q lacks the leadprivacy: prefix", err)
			}
		})
	}
}

func TestValidateKeepsNumbersOutOfErrors(t *testing.T) {
	l := lp.Lead{OrgID: org, ID: id, ProjectID: project, TemplateID: tmpl, Phones: []phone.Number{"+4520123456", "+4520123456"}}
	if err := l.Validate(); err == nil || strings.Contains(err.Error(), "20123456") {
		t.Fatalf("Validate() = %v: want an error that does not contain the number", err)
	}
	b := lp.BlockEntry{OrgID: org, ID: id, Number: "+4520123456", BlockedAt: t0, Reason: "Jens Hansen asked, call 20123456"}
	if err := b.Validate(); err == nil || strings.Contains(err.Error(), "Jens") || strings.Contains(err.Error(), "20123456") {
		t.Fatalf("Validate() = %v: want an error that repeats neither the name nor the number", err)
	}
}

func TestActorAuthorize(t *testing.T) {
	user := uuid.MustParse("00000000-0000-7000-8000-0000000000aa")
	tests := []struct {
		name  string
		actor lp.Actor
		want  lp.Permission
		ok    bool
	}{
		{"zero actor fails closed", lp.Actor{}, lp.PermSearch, false},
		{"zero actor with permissions still fails", lp.Actor{Permissions: lp.PermAll}, lp.PermSearch, false},
		{"missing user", lp.Actor{OrgID: org, Permissions: lp.PermAll}, lp.PermSearch, false},
		{"admin", lp.Actor{OrgID: org, UserID: user, Permissions: lp.PermAll}, lp.PermForget, true},
		{"agent without forget", lp.Actor{OrgID: org, UserID: user, Permissions: lp.PermSearch}, lp.PermForget, false},
		{"needs both", lp.Actor{OrgID: org, UserID: user, Permissions: lp.PermSearch}, lp.PermSearch | lp.PermForget, false},
		{"asking for nothing is not a grant", lp.Actor{OrgID: org, UserID: user, Permissions: lp.PermAll}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.actor.Authorize(tt.want)
			if tt.ok != (err == nil) {
				t.Fatalf("Authorize() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, lp.ErrForbidden) {
				t.Fatalf("Authorize() = %v, want ErrForbidden", err)
			}
		})
	}
}

func TestBlockEntryApplies(t *testing.T) {
	other := uuid.MustParse("00000000-0000-7000-8000-0000000000bb")
	orgWide := lp.BlockEntry{BlockedAt: t0}
	energy := lp.BlockEntry{ProjectID: project, BlockedAt: t0, ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	for _, tt := range []struct {
		name    string
		b       lp.BlockEntry
		project uuid.UUID
		at      time.Time
		want    bool
	}{
		{"org-wide applies to any project", orgWide, other, t0.Add(time.Hour), true},
		{"project block applies to its project", energy, project, t0.Add(time.Hour), true},
		{"project block ignores other projects", energy, other, t0.Add(time.Hour), false},
		{"expired at the expiry instant", energy, project, energy.ExpiresAt, false},
		{"active just before expiry", energy, project, energy.ExpiresAt.Add(-time.Microsecond), true},
	} {
		if got := tt.b.Applies(tt.project, tt.at); got != tt.want {
			t.Errorf("%s: Applies() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTemplateFields(t *testing.T) {
	energy := lp.CampaignTemplate{Fields: []lp.TemplateField{
		{Key: "first_name", Personal: true}, {Key: "tariff"}, {Key: "email", Personal: true},
	}}
	var keys []string
	for _, f := range energy.PersonalFields() {
		keys = append(keys, f.Key)
	}
	if got := strings.Join(keys, ","); got != "first_name,email" {
		t.Errorf("PersonalFields() = %s, want first_name,email", got)
	}
	if f, ok := energy.Field("tariff"); !ok || f.Personal {
		t.Errorf("Field(tariff) = %+v, %v", f, ok)
	}
	if _, ok := energy.Field("missing"); ok {
		t.Error("Field(missing) found")
	}
}

func TestStaticKeys(t *testing.T) {
	keys := lp.StaticKeys{org: []byte("0123456789abcdef")}
	got, err := keys.FingerprintKey(t.Context(), org)
	if err != nil || string(got) != "0123456789abcdef" {
		t.Fatalf("FingerprintKey = %q, %v", got, err)
	}
	got[0] = 'X'
	if again, _ := keys.FingerprintKey(t.Context(), org); again[0] != '0' {
		t.Fatal("mutating a returned key changed the provider")
	}
	if _, err := keys.FingerprintKey(t.Context(), id); !errors.Is(err, lp.ErrNotFound) {
		t.Fatalf("unknown organisation: %v, want ErrNotFound", err)
	}
}

func TestBlockPrefixes(t *testing.T) {
	if got := lp.PrefixesOf("+4520123456"); !slices.Equal(got, []phone.Number{"+45", "+452", "+4520", "+45201", "+452012", "+4520123", "+45201234", "+452012345", "+4520123456"}) {
		t.Errorf("PrefixesOf(+4520123456) = %v", got)
	}
	if got := lp.PrefixesOf("+12015550123"); got[0] != "+1" || len(got) != 11 {
		t.Errorf("PrefixesOf(+12015550123) = %v", got)
	}
	if got := lp.PrefixesOf("20123456"); got != nil {
		t.Errorf("PrefixesOf of a national number = %v", got)
	}
	prefix := lp.BlockEntry{Number: "+4520", Prefix: true}
	exact := lp.BlockEntry{Number: "+4520123456"}
	for _, c := range []struct {
		b    lp.BlockEntry
		n    phone.Number
		want bool
	}{
		{prefix, "+4520123456", true}, {prefix, "+4521123456", false}, {prefix, "+4520", true},
		{exact, "+4520123456", true}, {exact, "+45201234567", false},
	} {
		if got := c.b.Covers(c.n); got != c.want {
			t.Errorf("%+v.Covers(%s) = %v", c.b, c.n, got)
		}
	}
}
