package blocklist

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// UploadRequest puts the numbers of a CSV file (a do-not-call list
// exported from a spreadsheet) on the do-not-call list, all in one scope
// with one reason and expiry.
type UploadRequest struct {
	// File is the list, read once by csvimport.NumberReader: one number a
	// line or a column of a wider sheet, header optional, numbers as typed
	// (national ones in the organisation's region).
	File io.Reader
	// Columns are the 1-based columns holding numbers; empty lets the
	// reader choose (see csvimport.NumberOptions).
	Columns []int
	// ProjectID, Reason and ExpiresAt apply to every number, as in
	// BlockRequest.
	ProjectID uuid.UUID
	Reason    string
	ExpiresAt time.Time
	// AllOrNothing applies the whole file in one transaction: a fatal
	// problem (a read error, a cancelled ctx, a line beyond the limits)
	// leaves no entry and no event. Otherwise each batch of BatchSize
	// numbers commits on its own with its block.uploaded event, and a
	// fatal problem keeps the batches before it (UploadResult.LastLine).
	AllOrNothing bool
	// OnLine receives the outcome of every line, in file order, once its
	// batch is applied (under AllOrNothing the outcomes hold only if
	// Upload returns nil). An error it returns ends the upload like a
	// fatal problem. Rejected lines carry a *csvimport.LineError, ready for
	// csvimport.RejectionOf and WriteRejections.
	OnLine func(UploadLine) error
	// Progress, if set, receives the counts so far after each batch.
	Progress func(UploadResult)
}

// LineOutcome is what an upload did with one line.
type LineOutcome uint8

// Line outcomes.
const (
	LineBlocked        LineOutcome = iota // blocked now: a new entry, or an expired one in the scope renewed
	LineAlreadyBlocked                    // already actively blocked in the scope: left as it was
	LineDuplicate                         // the number is on an earlier line of the file
	LineInvalid                           // not a number (UploadLine.Err says where and why)
)

var lineOutcomeNames = [...]string{LineBlocked: "blocked", LineAlreadyBlocked: "already_blocked", LineDuplicate: "duplicate", LineInvalid: "invalid"}

// String returns the outcome's code, such as "already_blocked".
func (o LineOutcome) String() string {
	if int(o) < len(lineOutcomeNames) {
		return lineOutcomeNames[o]
	}
	return "line_outcome(" + strconv.Itoa(int(o)) + ")"
}

// UploadLine is the outcome of one line of an upload.
type UploadLine struct {
	Line, Column int
	Number       phone.Number // E.164; "" when Invalid
	Outcome      LineOutcome
	Err          error // the reader's *csvimport.LineError when Invalid
}

// UploadResult counts an upload's lines. Rows = Blocked + AlreadyBlocked +
// Duplicates + Invalid.
type UploadResult struct {
	// UploadID is the ObjectID of the upload's block.uploaded events.
	UploadID                                           uuid.UUID
	Rows, Blocked, AlreadyBlocked, Duplicates, Invalid int
	// LastLine is the last line of the file whose batch was committed.
	LastLine int
}

// Upload reads a list of numbers and blocks each in the request's scope,
// BatchSize numbers per set-based write (Blocks.CreateMany), with
// source "upload". It needs lp.PermBlock. Numbers already actively blocked
// in the scope stay as they are; expired ones are renewed like Block does.
// Each batch records one block.uploaded event (ObjectID UploadID) with the
// counts of its lines and the keyed fingerprints of the numbers it blocked
// (audit.Entry.Numbers: no number is stored, not even masked), so
// audit.Log.Query by number answers who blocked each number of the file,
// and when. Under AllOrNothing the batches' events are written in the one
// transaction (an empty file still gets one), so no event grows with the
// file.
//
// A binary or UTF-16 file is read as csvimport reads it: UTF-16 with a BOM
// is accepted, binary data fails with csvimport.ErrBinary before anything
// is written.
func (s *Service) Upload(ctx context.Context, actor lp.Actor, req UploadRequest) (UploadResult, error) {
	if err := s.authorize(ctx, actor, lp.PermBlock, audit.ActionBlocksUploaded); err != nil {
		return UploadResult{}, wrap("Upload", err)
	}
	res, err := s.upload(ctx, actor, req)
	return res, wrap("Upload", err)
}

func (s *Service) upload(ctx context.Context, actor lp.Actor, req UploadRequest) (UploadResult, error) {
	now := s.clock()
	switch {
	case req.File == nil:
		return UploadResult{}, invalid("UploadRequest.File", "must not be nil")
	case req.Reason == "":
		return UploadResult{}, invalid("UploadRequest.Reason", "must be set to a reason code such as dnc_list")
	case !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(now):
		return UploadResult{}, invalid("UploadRequest.ExpiresAt", "must be in the future")
	}
	var reg string
	err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		if reg, err = region(ctx, tx, actor.OrgID); err != nil {
			return err
		}
		return checkProject(ctx, tx, actor.OrgID, req.ProjectID, "UploadRequest.ProjectID")
	})
	if err != nil {
		return UploadResult{}, err
	}
	reader, err := csvimport.NewNumberReader(req.File, csvimport.NumberOptions{Options: csvimport.Options{Region: reg}, Columns: req.Columns})
	if err != nil {
		return UploadResult{}, fmt.Errorf("UploadRequest.File: %w", err)
	}
	u := &uploader{svc: s, actor: actor, req: req, res: UploadResult{UploadID: uuid.New()},
		template: lp.BlockEntry{OrgID: actor.OrgID, ProjectID: req.ProjectID, BlockedBy: actor.UserID, BlockedAt: now,
			ExpiresAt: req.ExpiresAt.UTC().Truncate(time.Microsecond), Reason: req.Reason, Source: lp.SourceUpload}}
	if !req.AllOrNothing {
		err := u.read(reader, func(lines []UploadLine) error {
			var batch UploadResult
			err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				var err error
				if batch, err = u.apply(ctx, tx, lines); err != nil {
					return err
				}
				return u.record(ctx, tx, batch, lines)
			})
			if err == nil {
				u.add(batch)
			}
			return err
		})
		return u.res, err
	}
	runs := 0
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if runs++; runs > 1 {
			return errors.New("leadprivacy: the store asked to run an all-or-nothing upload again, but its file is read once: upload it again")
		}
		err := u.read(reader, func(lines []UploadLine) error {
			batch, err := u.apply(ctx, tx, lines)
			if err == nil {
				err = u.record(ctx, tx, batch, lines)
			}
			if err == nil {
				u.add(batch)
			}
			return err
		})
		if err != nil || u.res.Rows > 0 {
			return err
		}
		return u.record(ctx, tx, u.res, nil) // an empty file: still one event
	})
	if err != nil {
		return UploadResult{UploadID: u.res.UploadID}, err
	}
	return u.res, nil
}

// uploader applies one upload batch by batch.
type uploader struct {
	svc      *Service
	actor    lp.Actor
	req      UploadRequest
	template lp.BlockEntry // every entry of the upload but its id and number
	res      UploadResult
}

// read turns the file's rows into lines and hands them to apply in
// batches of BatchSize numbers, at most lp.MaxEventFingerprints, the most
// one block.uploaded event can name.
func (u *uploader) read(reader *csvimport.NumberReader, apply func([]UploadLine) error) error {
	var lines []UploadLine
	numbers, size := 0, min(u.svc.batch, lp.MaxEventFingerprints)
	for row, err := range reader.All() {
		line := UploadLine{Line: row.Line, Column: row.Column, Number: row.Number}
		switch {
		case err != nil:
			var le *csvimport.LineError
			if !errors.As(err, &le) || le.Fatal {
				return errors.Join(fmt.Errorf("UploadRequest.File: %w", err), u.flush(lines, apply))
			}
			line = UploadLine{Line: le.Line, Column: le.Column, Outcome: LineInvalid, Err: err}
		case row.Duplicate:
			line.Outcome = LineDuplicate
		default:
			numbers++
		}
		lines = append(lines, line)
		if numbers == size {
			if err := u.flush(lines, apply); err != nil {
				return err
			}
			lines, numbers = lines[:0], 0
		}
	}
	return u.flush(lines, apply)
}

// flush applies lines, then delivers their outcomes and the progress.
func (u *uploader) flush(lines []UploadLine, apply func([]UploadLine) error) error {
	if len(lines) == 0 {
		return nil
	}
	if err := apply(lines); err != nil {
		return err
	}
	for _, l := range lines {
		if u.req.OnLine != nil {
			if err := u.req.OnLine(l); err != nil {
				return fmt.Errorf("OnLine: %w", err)
			}
		}
	}
	if u.req.Progress != nil {
		u.req.Progress(u.res)
	}
	return nil
}

// apply blocks the numbers of lines in tx, sets their outcomes and
// returns their counts: one look-up of the batch's entries, renewals of
// expired ones, one CreateMany for the new ones. A transaction run again
// may call it again on the same lines.
func (u *uploader) apply(ctx context.Context, tx storage.Tx, lines []UploadLine) (UploadResult, error) {
	var numbers []phone.Number
	for _, l := range lines {
		if l.Number != "" && l.Outcome != LineDuplicate {
			numbers = append(numbers, l.Number)
		}
	}
	found, err := tx.Blocks().FindByNumbers(ctx, u.actor.OrgID, numbers)
	if err != nil {
		return UploadResult{}, err
	}
	inScope := make(map[phone.Number]lp.BlockEntry, len(found))
	for _, b := range found {
		if b.ProjectID == u.req.ProjectID && !b.Prefix { // a file holds numbers, not prefixes
			inScope[b.Number] = b
		}
	}
	batch := UploadResult{Rows: len(lines), LastLine: lines[len(lines)-1].Line}
	fresh := make([]lp.BlockEntry, 0, len(numbers))
	freshLines := make([]*UploadLine, 0, len(numbers)) // the line of each fresh entry
	for i := range lines {
		l := &lines[i]
		switch {
		case l.Outcome == LineDuplicate:
			batch.Duplicates++
			continue
		case l.Outcome == LineInvalid:
			batch.Invalid++
			continue
		}
		entry := u.template
		entry.Number = l.Number
		old, ok := inScope[l.Number]
		switch {
		case ok && old.ActiveAt(entry.BlockedAt):
			l.Outcome = LineAlreadyBlocked
			batch.AlreadyBlocked++
			continue
		case ok:
			entry.ID = old.ID
			if err := tx.Blocks().Update(ctx, entry); err != nil {
				return UploadResult{}, err
			}
		default:
			// Time-ordered ids: a batch's rows land on the last pages of
			// the (org_id, id) primary key, not on one random page each
			// (at 1M entries SQLite otherwise rewrites about a page per
			// row and commit).
			if entry.ID, err = uuid.NewV7(); err != nil {
				return UploadResult{}, fmt.Errorf("block entry id: %w", err)
			}
			fresh = append(fresh, entry)
			freshLines = append(freshLines, l)
		}
		l.Outcome = LineBlocked
		batch.Blocked++
	}
	inserted, err := tx.Blocks().CreateMany(ctx, u.actor.OrgID, fresh)
	if err != nil || inserted == len(fresh) {
		return batch, err
	}
	// Entries another transaction made since the look-up were skipped:
	// their lines are already blocked, and the batch's event must not
	// name them as blocked by this upload.
	return batch, u.skipped(ctx, tx, fresh, freshLines, &batch)
}

// skipped marks the lines of the fresh entries that CreateMany skipped
// (their numbers were blocked in the scope meanwhile) as already blocked,
// telling them by id from the entries it stored.
func (u *uploader) skipped(ctx context.Context, tx storage.Tx, fresh []lp.BlockEntry, lines []*UploadLine, batch *UploadResult) error {
	numbers := make([]phone.Number, len(fresh))
	for i, e := range fresh {
		numbers[i] = e.Number
	}
	found, err := tx.Blocks().FindByNumbers(ctx, u.actor.OrgID, numbers)
	if err != nil {
		return err
	}
	stored := make(map[uuid.UUID]bool, len(found))
	for _, b := range found {
		stored[b.ID] = true
	}
	for i, e := range fresh {
		if !stored[e.ID] {
			lines[i].Outcome = LineAlreadyBlocked
			batch.Blocked--
			batch.AlreadyBlocked++
		}
	}
	return nil
}

// add counts a batch that was applied.
func (u *uploader) add(batch UploadResult) {
	u.res.Rows += batch.Rows
	u.res.Blocked += batch.Blocked
	u.res.AlreadyBlocked += batch.AlreadyBlocked
	u.res.Duplicates += batch.Duplicates
	u.res.Invalid += batch.Invalid
	u.res.LastLine = batch.LastLine
}

// record writes the block.uploaded event of a batch: the counts of c, the
// upload's reason, and the numbers its lines blocked, which the event
// keeps as keyed fingerprints so that a ChangeLog query by any of them
// answers who blocked it and when. Lines that repeat a number count as
// already blocked.
func (u *uploader) record(ctx context.Context, tx storage.Tx, c UploadResult, lines []UploadLine) error {
	var blocked []phone.Number
	for _, l := range lines {
		if l.Outcome == LineBlocked {
			blocked = append(blocked, l.Number)
		}
	}
	_, err := u.svc.changelog.Record(ctx, tx, u.actor, audit.Entry{
		Action: audit.ActionBlocksUploaded, ObjectID: u.res.UploadID, ProjectID: u.req.ProjectID, Numbers: blocked,
		Details: []audit.Detail{audit.Count(audit.KeyRows, c.Rows), audit.Count(audit.KeyBlocked, c.Blocked),
			audit.Count(audit.KeyAlreadyBlocked, c.AlreadyBlocked+c.Duplicates), audit.Count(audit.KeyInvalid, c.Invalid),
			audit.Code(audit.KeyReason, u.req.Reason)},
	})
	return err
}
