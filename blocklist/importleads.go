package blocklist

import (
	"context"
	"iter"
	"strconv"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/storage"
)

// ImportRequest asks to check candidate leads and store the accepted
// ones in a project.
type ImportRequest struct {
	// ProjectID is the project the leads are imported into; it must be a
	// project of the actor's organisation.
	ProjectID uuid.UUID
	// TemplateID is the campaign template of the leads; it must be a
	// template of the actor's organisation, and every field of a lead
	// must be one of its fields.
	TemplateID uuid.UUID
	// Leads yields the candidates, as in CheckImportRequest.
	Leads iter.Seq2[csvimport.LeadDraft, error]
	// KeepCallable imports a lead with only its callable numbers, as in
	// CheckImportRequest.
	KeepCallable bool
	// OnVerdict receives each lead's verdict, in input order, once its
	// batch has committed (LeadVerdict.LeadID names the stored lead). An
	// error it returns ends the import; the batches committed stay.
	OnVerdict func(LeadVerdict) error
	// Progress, if set, receives the counts so far after each batch
	// commits, before the batch's verdicts go to OnVerdict.
	Progress func(ImportResult)
}

// ImportResult counts the leads of the batches that committed: the
// Accepted ones were stored. After an error, Checked is how many
// candidates of the sequence were handled (skip them to resume) and
// LastLine the line of the last of them.
type ImportResult struct {
	CheckImportResult
	// ImportID is the ObjectID of the call's lead.imported events, as
	// UploadResult.UploadID is of an upload's.
	ImportID uuid.UUID
	// LastLine is the file line of the last candidate whose batch
	// committed; 0 when the sequence gives no lines.
	LastLine int
}

// Import checks candidate leads like CheckImport and stores the accepted
// ones in the project, with the template's fields and the callable
// numbers in E.164. It needs lp.PermImport. Hosts that keep leads in
// their own tables call CheckImport instead.
//
// Each batch of BatchSize candidates is checked and its leads created in
// one write transaction, with one lead.imported event holding the batch's
// counts, so a Block that commits before the batch's check is seen, and
// one that commits during it is serialised after the import: once Block
// has returned, no later Import stores its number. A batch commits whole
// or not at all: an error (a cancelled ctx, a fatal reader error, an
// OnVerdict error) keeps the batches before it, and ImportResult says how
// far they reach. A fatal reader error first imports the candidates read
// before it.
func (s *Service) Import(ctx context.Context, actor lp.Actor, req ImportRequest) (ImportResult, error) {
	if err := s.authorize(ctx, actor, lp.PermImport, audit.ActionLeadsImported); err != nil {
		return ImportResult{}, wrap("Import", err)
	}
	res, err := s.importLeads(ctx, actor, req)
	return res, wrap("Import", err)
}

func (s *Service) importLeads(ctx context.Context, actor lp.Actor, req ImportRequest) (ImportResult, error) {
	switch {
	case req.ProjectID == uuid.Nil:
		return ImportResult{}, invalid("ImportRequest.ProjectID", "must name the project the leads are imported into")
	case req.TemplateID == uuid.Nil:
		return ImportResult{}, invalid("ImportRequest.TemplateID", "must name the template of the leads")
	case req.Leads == nil:
		return ImportResult{}, invalid("ImportRequest.Leads", "must not be nil")
	}
	var tmpl lp.CampaignTemplate
	im, err := s.importer(ctx, actor,
		CheckImportRequest{ProjectID: req.ProjectID, Leads: req.Leads, KeepCallable: req.KeepCallable, OnVerdict: req.OnVerdict},
		"ImportRequest.ProjectID", func(ctx context.Context, tx storage.Tx) error {
			var err error
			if tmpl, err = tx.Templates().Get(ctx, actor.OrgID, req.TemplateID); err != nil {
				return lperr.Wrap("ImportRequest.TemplateID "+req.TemplateID.String(), err)
			}
			return nil
		})
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{ImportID: uuid.New()}
	im.run = s.store.WithTx
	im.validate = func(c candidate) error {
		for k, v := range c.lead.Fields {
			if _, ok := tmpl.Field(k); !ok {
				return invalid(im.where(c)+" field "+strconv.Quote(k), "is not a field of the template "+strconv.Quote(tmpl.Name))
			}
			if err := lp.ValidText(im.where(c)+" field "+strconv.Quote(k), v, lp.MaxTextLen); err != nil {
				return err
			}
		}
		return nil
	}
	im.save = func(ctx context.Context, tx storage.Tx, verdicts []LeadVerdict, counts CheckImportResult) error {
		now := s.clock()
		var leads []lp.Lead
		for i := range verdicts {
			v := &verdicts[i]
			if v.Outcome != Allowed {
				continue
			}
			v.LeadID = uuid.Must(uuid.NewV7())
			leads = append(leads, lp.Lead{OrgID: actor.OrgID, ID: v.LeadID, ProjectID: req.ProjectID, TemplateID: req.TemplateID,
				Phones: v.Phones, Fields: v.Lead.Fields, CreatedAt: now})
		}
		if len(leads) > 0 {
			if err := tx.Leads().CreateMany(ctx, actor.OrgID, leads); err != nil {
				return err
			}
		}
		_, err := s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionLeadsImported, ObjectID: res.ImportID, ProjectID: req.ProjectID,
			Details: []audit.Detail{audit.Count(audit.KeyChecked, counts.Checked),
				audit.Count(audit.KeyImported, counts.Accepted), audit.Count(audit.KeyRejectedBlocked, counts.RejectedBlocked),
				audit.Count(audit.KeyRejectedRegistered, counts.RejectedRegistered),
				audit.Count(audit.KeyRejectedSuppressed, counts.RejectedSuppressed), audit.Count(audit.KeyInvalid, counts.Invalid)}})
		return err
	}
	im.committed = func(batch []candidate) {
		res.CheckImportResult = im.res
		res.LastLine = batch[len(batch)-1].line()
		if req.Progress != nil {
			req.Progress(res)
		}
	}
	err = im.all(ctx)
	return res, err
}
