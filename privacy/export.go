package privacy

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// SubjectExport is everything an organisation holds about one phone
// number: the answer to a GDPR Art. 15 subject-access request. It is
// meant to be handed over as JSON (WriteJSON, or json.Marshal); every
// field has a JSON name.
type SubjectExport struct {
	// Number is the number exported, in E.164.
	Number         phone.Number `json:"number"`
	OrganisationID uuid.UUID    `json:"organisation_id"`
	ExportedAt     time.Time    `json:"exported_at"`
	ExportedBy     UserRef      `json:"exported_by"`
	// Leads are the leads with the number that the exporting actor may
	// see, with every field and the contact history, ordered by id.
	Leads []LeadDetail `json:"leads"`
	// Blocks are the do-not-call entries that cover the number (its own
	// and prefix ranges, any scope, expired or not), ordered by id; an
	// agent sees the organisation-wide ones and those of its projects.
	Blocks []BlockInfo `json:"blocks"`
	// Suppressed says the number was forgotten with suppression: it is
	// kept only as a keyed fingerprint, so it is never imported again.
	Suppressed   bool      `json:"suppressed"`
	SuppressedAt time.Time `json:"suppressed_at,omitzero"`
}

// UserRef names a user.
type UserRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// BlockInfo is one do-not-call entry covering an exported number.
type BlockInfo struct {
	ID uuid.UUID `json:"id"`
	// Number is the blocked number, or with Prefix set the prefix of the
	// blocked range, in E.164.
	Number phone.Number `json:"number"`
	Prefix bool         `json:"prefix"`
	// Project is the project the block applies to; zero for every project.
	Project   ProjectRef     `json:"project,omitzero"`
	BlockedBy UserRef        `json:"blocked_by"`
	BlockedAt time.Time      `json:"blocked_at"`
	ExpiresAt time.Time      `json:"expires_at,omitzero"` // zero: never
	Reason    string         `json:"reason,omitempty"`
	Source    lp.BlockSource `json:"source"`
}

// WriteJSON writes the export to w as indented JSON.
func (e SubjectExport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

// Export is the subject-access export of a number as typed: every lead
// with the number (all fields, the contact history), the block entries
// covering it, whether it is suppressed, and when and by whom it was
// exported. It needs lp.PermSearch and sees what Search sees; it records
// lead.exported (the number masked and fingerprinted, how many leads) in
// the transaction of the read, also when nothing matched. An invalid
// number fails with lp.ErrInvalidPhone, shown masked, and records nothing.
func (s *Service) Export(ctx context.Context, actor lp.Actor, number string) (SubjectExport, error) {
	if err := s.authorize(ctx, actor, lp.PermSearch, audit.ActionLeadExported); err != nil {
		return SubjectExport{}, wrap("Export", err)
	}
	fp, err := s.changelog.Fingerprints().Fingerprinter(ctx, actor.OrgID)
	if err != nil {
		return SubjectExport{}, wrap("Export", err)
	}
	var e SubjectExport
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := parseTyped(ctx, tx, actor.OrgID, number, "number")
		if err != nil {
			return err
		}
		r, err := newReader(ctx, tx, actor)
		if err != nil {
			return err
		}
		e = SubjectExport{Number: n, OrganisationID: actor.OrgID, ExportedAt: s.clock(),
			ExportedBy: UserRef{ID: r.actor.ID, Name: r.actor.Name}, Leads: []LeadDetail{}, Blocks: []BlockInfo{}}
		leads, err := r.find(ctx, n)
		if err != nil {
			return err
		}
		for _, l := range leads {
			d, err := r.detail(ctx, l)
			if err != nil {
				return err
			}
			e.Leads = append(e.Leads, d)
		}
		if e.Blocks, err = r.blocks(ctx, n); err != nil {
			return err
		}
		sup, err := tx.Suppressions().Find(ctx, actor.OrgID, []phone.Fingerprint{fp.Fingerprint(n)})
		if err != nil {
			return lperr.Wrap("suppressions", err)
		}
		if len(sup) > 0 {
			e.Suppressed, e.SuppressedAt = true, sup[0].CreatedAt
		}
		_, err = s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionLeadExported, Number: n,
			Details: []audit.Detail{audit.Count(audit.KeyLeads, len(e.Leads))}})
		return err
	})
	if err != nil {
		return SubjectExport{}, wrap("Export", err)
	}
	return e, nil
}

// blocks returns the entries covering n that the actor sees: the
// organisation-wide ones and those of projects whose leads it sees.
func (r *reader) blocks(ctx context.Context, n phone.Number) ([]BlockInfo, error) {
	entries, err := r.tx.Blocks().FindByNumbers(ctx, r.org, []phone.Number{n})
	if err != nil {
		return nil, lperr.Wrap("blocks", err)
	}
	out := make([]BlockInfo, 0, len(entries))
	for _, b := range entries {
		info := BlockInfo{ID: b.ID, Number: b.Number, Prefix: b.Prefix, BlockedAt: b.BlockedAt, ExpiresAt: b.ExpiresAt,
			Reason: b.Reason, Source: b.Source}
		if !b.OrgWide() {
			ok, err := r.seesProject(ctx, b.ProjectID)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			p, err := r.project(ctx, b.ProjectID)
			if err != nil {
				return nil, err
			}
			info.Project = ProjectRef{ID: p.ID, Name: p.Name}
		}
		name, err := r.userName(ctx, b.BlockedBy)
		if err != nil {
			return nil, err
		}
		info.BlockedBy = UserRef{ID: b.BlockedBy, Name: name}
		out = append(out, info)
	}
	return out, nil
}
