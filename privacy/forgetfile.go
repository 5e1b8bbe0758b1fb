package privacy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// BulkForgetOptions tune ForgetFile.
type BulkForgetOptions struct {
	// ForgetOptions apply to every lead forgotten.
	ForgetOptions
	// Columns are the 1-based columns holding numbers; empty lets the
	// reader choose (see csvimport.NumberOptions).
	Columns []int
	// OnLine receives the outcome of every line, in file order, once its
	// batch committed. An error it returns ends the call; the batches
	// committed before stay.
	OnLine func(BulkLine) error
	// Progress, if set, receives the counts so far after each batch.
	Progress func(BulkResult)
}

// BulkOutcome is what ForgetFile did with one line.
type BulkOutcome uint8

// Bulk line outcomes.
const (
	BulkForgotten BulkOutcome = iota // at least one lead holding the number was forgotten
	BulkHeld                         // the leads holding the number are under legal hold
	// BulkNoLeads: no lead the actor may see holds the number, or an
	// earlier line of the file forgot the leads that did (a forgotten
	// lead holds no number).
	BulkNoLeads
	BulkDuplicate // the number is on an earlier line of the file
	BulkInvalid   // not a number (BulkLine.Err says where and why)
)

var bulkOutcomeNames = [...]string{BulkForgotten: "forgotten", BulkHeld: "held", BulkNoLeads: "no_leads",
	BulkDuplicate: "duplicate", BulkInvalid: "invalid"}

// String returns the outcome's code, such as "no_leads".
func (o BulkOutcome) String() string {
	if int(o) < len(bulkOutcomeNames) {
		return bulkOutcomeNames[o]
	}
	return "bulk_outcome(" + strconv.Itoa(int(o)) + ")"
}

// BulkLine is the outcome of one line of ForgetFile.
type BulkLine struct {
	Line, Column int
	Number       phone.Number // E.164; "" when Invalid
	Outcome      BulkOutcome
	// Forgotten and Held count the leads this line's number forgot and
	// found under legal hold (a lead holding two numbers of the file
	// counts on the first line).
	Forgotten, Held int
	Err             error // the reader's *csvimport.LineError when Invalid
}

// BulkResult counts a ForgetFile. Rows = Numbers + Duplicates + Invalid.
type BulkResult struct {
	// ReceiptID is the ObjectID of every lead.forgotten event of the file.
	ReceiptID                    uuid.UUID
	Rows, Numbers                int
	Duplicates, Invalid, NoLeads int
	// Forgotten and Held count leads; Suppressed and Blocked numbers.
	Forgotten, Held     int
	Suppressed, Blocked int
	// ErasuresPending counts the external erasures left pending (see
	// RunErasures).
	ErasuresPending int
	// LastLine is the last line of the file whose batch committed.
	LastLine int
}

// ForgetFile forgets, as ForgetNumber does, every lead the actor may see
// that holds a number of a CSV file (one number a line or a column of a
// wider sheet, read by csvimport.NumberReader, national numbers in the
// organisation's region). Each batch of BatchSize numbers is one
// transaction with its events, followed by the erasers of its leads; a
// fatal problem (a read error, a cancelled ctx, an error of OnLine) ends
// the call and keeps the batches before it (BulkResult.LastLine). It
// needs lp.PermForget, and lp.PermBlock with Block.
func (s *Service) ForgetFile(ctx context.Context, actor lp.Actor, r io.Reader, opts BulkForgetOptions) (BulkResult, error) {
	res, err := s.forgetFile(ctx, actor, r, opts)
	return res, wrap("ForgetFile", err)
}

func (s *Service) forgetFile(ctx context.Context, actor lp.Actor, r io.Reader, opts BulkForgetOptions) (BulkResult, error) {
	if err := s.authorizeForget(ctx, actor, opts.ForgetOptions); err != nil {
		return BulkResult{}, err
	}
	if err := opts.validate(s); err != nil {
		return BulkResult{}, err
	}
	if r == nil {
		return BulkResult{}, invalid("r", "must not be nil")
	}
	var reg string
	if err := s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		o, err := tx.Organisations().Get(ctx, actor.OrgID)
		reg = o.DefaultRegion
		return err
	}); err != nil {
		return BulkResult{}, fmt.Errorf("organisation: %w", err)
	}
	reader, err := csvimport.NewNumberReader(r, csvimport.NumberOptions{Options: csvimport.Options{Region: reg}, Columns: opts.Columns})
	if err != nil {
		return BulkResult{}, fmt.Errorf("file: %w", err)
	}
	b := &bulk{s: s, actor: actor, opts: opts, res: BulkResult{ReceiptID: uuid.New()}}
	var lines []BulkLine
	numbers := 0
	for row, err := range reader.All() {
		line := BulkLine{Line: row.Line, Column: row.Column, Number: row.Number}
		switch {
		case err != nil:
			var le *csvimport.LineError
			if !errors.As(err, &le) || le.Fatal {
				return b.res, errors.Join(fmt.Errorf("file: %w", err), b.flush(ctx, lines))
			}
			line = BulkLine{Line: le.Line, Column: le.Column, Outcome: BulkInvalid, Err: err}
		case row.Duplicate:
			line.Outcome = BulkDuplicate
		default:
			numbers++
		}
		lines = append(lines, line)
		if numbers == s.batch {
			if err := b.flush(ctx, lines); err != nil {
				return b.res, err
			}
			lines, numbers = lines[:0], 0
		}
	}
	return b.res, b.flush(ctx, lines)
}

// bulk applies a ForgetFile batch by batch.
type bulk struct {
	s     *Service
	actor lp.Actor
	opts  BulkForgetOptions
	res   BulkResult
}

// flush forgets the leads of lines' numbers in one transaction, runs
// their erasers, then delivers the lines' outcomes and the progress.
func (b *bulk) flush(ctx context.Context, lines []BulkLine) error {
	if len(lines) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var f *forgetter
	err := b.s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		f = b.s.newForgetter(tx, b.actor, b.opts.ForgetOptions, b.res.ReceiptID)
		return f.lines(ctx, lines)
	})
	if err != nil {
		return err
	}
	statuses := b.s.runErasures(ctx, b.actor, f.pending)
	b.res.Rows += len(lines)
	b.res.LastLine = lines[len(lines)-1].Line
	b.res.Forgotten += len(f.receipt.Leads)
	b.res.Held += len(f.receipt.Held)
	b.res.Suppressed += f.receipt.Suppressed
	b.res.Blocked += f.receipt.Blocked
	for _, st := range statuses {
		if !st.Done {
			b.res.ErasuresPending++
		}
	}
	for _, l := range lines {
		switch l.Outcome {
		case BulkInvalid:
			b.res.Invalid++
		case BulkDuplicate:
			b.res.Duplicates++
		case BulkNoLeads:
			b.res.NoLeads++
			b.res.Numbers++
		default:
			b.res.Numbers++
		}
		if b.opts.OnLine != nil {
			if err := b.opts.OnLine(l); err != nil {
				return fmt.Errorf("OnLine: %w", err)
			}
		}
	}
	if b.opts.Progress != nil {
		b.opts.Progress(b.res)
	}
	return nil
}

// lines forgets every visible lead holding a number of lines, in line
// order, then suppresses and blocks, and sets each line's outcome. A
// transaction run again may call it again on the same lines.
func (f *forgetter) lines(ctx context.Context, lines []BulkLine) error {
	var numbers []phone.Number
	for _, l := range lines {
		if l.Number != "" && l.Outcome != BulkDuplicate {
			numbers = append(numbers, l.Number)
		}
	}
	leads, err := visibleHolding(ctx, f.tx, f.actor, numbers, f.reader)
	if err != nil {
		return err
	}
	holding := make(map[phone.Number][]lp.Lead, len(numbers))
	for _, l := range leads {
		for _, n := range l.Phones {
			holding[n] = append(holding[n], l)
		}
	}
	for i := range lines {
		l := &lines[i]
		if l.Outcome == BulkInvalid || l.Outcome == BulkDuplicate {
			continue
		}
		l.Forgotten, l.Held = 0, 0
		for _, lead := range holding[l.Number] {
			erased, held := len(f.receipt.Leads), len(f.receipt.Held)
			if err := f.forget(ctx, lead); err != nil {
				return err
			}
			l.Forgotten += len(f.receipt.Leads) - erased
			l.Held += len(f.receipt.Held) - held
		}
		switch {
		case l.Forgotten > 0:
			l.Outcome = BulkForgotten
		case l.Held > 0:
			l.Outcome = BulkHeld
		default:
			l.Outcome = BulkNoLeads
		}
	}
	return f.finish(ctx)
}
