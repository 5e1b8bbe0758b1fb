package blocklist

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/internal/numindex"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// CheckImportRequest asks for a verdict on every candidate lead of an
// import into one project.
type CheckImportRequest struct {
	// ProjectID is the project the leads would be imported into; it must
	// be a project of the actor's organisation.
	ProjectID uuid.UUID
	// Leads yields the candidates: a csvimport.LeadReader's All, or the
	// host's own sequence. Phones may be in E.164 or as typed (read in the
	// organisation's region). A *csvimport.LineError that is not Fatal is
	// a rejected row (an Invalid verdict); any other error ends the check
	// and is returned.
	//
	// The sequence runs on a goroutine of its own, up to two batches
	// ahead of the batch being checked, so it must not touch what
	// OnVerdict touches without synchronisation. The call stops it (its
	// yield returns false) and waits for it to return before returning
	// itself, whatever ends the call; a panic in it is raised again on
	// the caller's goroutine.
	Leads iter.Seq2[csvimport.LeadDraft, error]
	// KeepCallable accepts a lead that has blocked, suppressed, invalid or
	// duplicate numbers if at least one of its numbers is callable, with
	// only the callable ones (LeadVerdict.Phones). By default such a lead
	// is rejected.
	KeepCallable bool
	// OnVerdict receives each lead's verdict, in input order, as soon as
	// its batch is checked, on the caller's goroutine; an error it
	// returns ends the check and is returned. Nil: only the counts are
	// kept.
	OnVerdict func(LeadVerdict) error
}

// LeadVerdict is the check of one candidate lead.
type LeadVerdict struct {
	// Lead is the candidate as the sequence yielded it (zero for a row
	// the reader rejected).
	Lead    csvimport.LeadDraft
	Outcome Outcome
	// Phones are the numbers to import, in E.164: all of the lead's when
	// every one is callable, the callable ones under KeepCallable, nil
	// when the lead is rejected.
	Phones []phone.Number
	// Numbers holds the verdict of each of the lead's numbers, in order.
	Numbers []Verdict
	// Err says why a row is Invalid as a whole: the reader's
	// *csvimport.LineError, a lead without numbers, or (Import) a field
	// the template lacks or a value too long to store.
	Err error
	// LeadID is the id of the lead Import stored; zero for CheckImport
	// and for rejected leads.
	LeadID uuid.UUID
}

// CheckImportResult counts the leads by verdict. Checked is the sum of the
// others.
type CheckImportResult struct {
	Checked, Accepted, RejectedBlocked, RejectedRegistered, RejectedSuppressed, Invalid, Duplicate int
}

// CheckImport gives every candidate lead of an import a verdict: accepted,
// or rejected as blocked, registered, suppressed, invalid or duplicate (a number already
// in an earlier accepted lead of the import). A lead is rejected if any of
// its numbers is not callable, unless KeepCallable. It needs lp.PermImport.
//
// It streams: it reads BatchSize leads, checks their numbers in one
// read-only transaction (from the screening snapshot, or with one round
// trip for blocks and one for suppressions; see the package doc), hands
// the verdicts to OnVerdict and goes on, reading the next batches
// meanwhile on another goroutine, so it never holds more than three
// batches of leads. To recognise duplicates it keeps the accepted numbers
// of the import, 16 to 32 bytes each (a table at most half full, which
// the next import reuses).
//
// When the whole sequence was checked it records one import.checked event
// with the counts (duplicates are the checked leads no other count
// holds). A call that ends with an error records nothing: nothing was
// changed, and the verdicts delivered stand.
func (s *Service) CheckImport(ctx context.Context, actor lp.Actor, req CheckImportRequest) (CheckImportResult, error) {
	if err := s.authorize(ctx, actor, lp.PermImport, audit.ActionImportChecked); err != nil {
		return CheckImportResult{}, wrap("CheckImport", err)
	}
	res, err := s.checkImport(ctx, actor, req)
	if err != nil {
		return res, wrap("CheckImport", err)
	}
	err = s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := s.changelog.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionImportChecked, ProjectID: req.ProjectID,
			Details: []audit.Detail{audit.Count(audit.KeyChecked, res.Checked), audit.Count(audit.KeyAccepted, res.Accepted),
				audit.Count(audit.KeyRejectedBlocked, res.RejectedBlocked), audit.Count(audit.KeyRejectedRegistered, res.RejectedRegistered),
				audit.Count(audit.KeyRejectedSuppressed, res.RejectedSuppressed), audit.Count(audit.KeyInvalid, res.Invalid)}})
		return err
	})
	return res, wrap("CheckImport", err)
}

func (s *Service) checkImport(ctx context.Context, actor lp.Actor, req CheckImportRequest) (CheckImportResult, error) {
	if req.ProjectID == uuid.Nil {
		return CheckImportResult{}, invalid("CheckImportRequest.ProjectID", "must name the project the leads are imported into")
	}
	if req.Leads == nil {
		return CheckImportResult{}, invalid("CheckImportRequest.Leads", "must not be nil")
	}
	im, err := s.importer(ctx, actor, req, "CheckImportRequest.ProjectID", nil)
	if err != nil {
		return CheckImportResult{}, err
	}
	im.run = s.store.View
	err = im.all(ctx)
	return im.res, err
}

// importer returns the importer of one CheckImport or Import call, with
// the organisation's region read and the project checked; prepare, if
// set, reads more in that transaction (Import's template).
func (s *Service) importer(ctx context.Context, actor lp.Actor, req CheckImportRequest, field string,
	prepare func(context.Context, storage.Tx) error) (*importer, error) {
	c, err := s.checker(ctx, actor, req.ProjectID)
	if err != nil {
		return nil, err
	}
	im := &importer{checker: c, req: req, size: s.batch, ahead: s.ahead, seen: keySets.Get().(*keySet)}
	err = s.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		if im.region, err = c.prepare(ctx, tx, field); err != nil || prepare == nil {
			return err
		}
		return prepare(ctx, tx)
	})
	return im, err
}

// aheadPolicy says when the reading goroutine of CheckImport and Import
// prepares a batch and looks it up ahead of its transaction (see
// importer.read).
type aheadPolicy uint8

const (
	aheadWhenBehind aheadPolicy = iota // when the checking goroutine is behind: the default
	aheadAlways                        // every batch (tests)
	aheadNever                         // no batch: the checking goroutine prepares them too (tests)
)

// candidate is one lead or rejected row of the input, and its place in it.
type candidate struct {
	lead  csvimport.LeadDraft
	err   error
	index int // 1-based position in the sequence
}

// importer checks the candidates of one CheckImport or Import call batch
// by batch.
type importer struct {
	*checker
	req    CheckImportRequest
	region string
	size   int      // candidates per batch
	seen   *keySet  // keys of the accepted numbers (from keySets, returned by all)
	added  []uint64 // the keys the batch being checked added to seen
	res    CheckImportResult
	ahead  aheadPolicy
	// regsAhead are the registries in force for the project as the last
	// batch's transaction saw them: the reading goroutine looks the next
	// batches up in them (see lookAhead). nil until a batch was checked.
	regsAhead atomic.Pointer[[]registryView]
	// run runs a batch's transaction: Store.View for CheckImport,
	// Store.WithTx for Import, which may run it more than once.
	run func(context.Context, func(context.Context, storage.Tx) error) error
	// validate, if set, rejects a lead as Invalid before its numbers are
	// checked (Import: fields the template lacks).
	validate func(candidate) error
	// save, if set, stores the batch's accepted leads in the transaction
	// that checked them; counts are the batch's.
	save func(ctx context.Context, tx storage.Tx, verdicts []LeadVerdict, counts CheckImportResult) error
	// committed, if set, hears of each batch once its transaction has
	// committed, before its verdicts are delivered.
	committed func(batch []candidate)
}

// all reads the candidates and checks them batch by batch. A fatal
// reader error ends it after the candidates read before it were checked.
//
// The sequence is read on a goroutine of its own (see read), at most two
// batches ahead of the one being checked, so that reading and parsing
// the file overlap the look-ups; the checks, the transactions and
// OnVerdict stay on the caller's goroutine, in input order. all returns
// only once that goroutine has ended: on an error, a cancelled ctx or an
// OnVerdict error it stops at its next candidate. A checked batch goes
// back to the reading goroutine (free), which refills its memory.
func (im *importer) all(ctx context.Context) error {
	batches := make(chan *pending, 1)
	free := make(chan *pending, 4) // at most three batches are out at once
	stop, done := make(chan struct{}), make(chan struct{})
	// Verdicts that OnVerdict or save may keep get memory of their own.
	fresh := im.req.OnVerdict != nil || im.save != nil
	go func() {
		defer close(done)
		defer close(batches)
		im.read(batches, free, stop, fresh)
	}()
	defer func() {
		close(stop)
		<-done
		im.seen.reset()
		keySets.Put(im.seen)
		im.seen = nil
	}()
	for p := range batches {
		if p.panicked != nil {
			panic(p.panicked)
		}
		if !p.prepared {
			im.prepare(p, fresh)
		}
		err := im.flush(ctx, p)
		if p.err != nil {
			return errors.Join(fmt.Errorf("leads: %w", p.err), err)
		}
		if err != nil {
			return err
		}
		select {
		case free <- p:
		default:
		}
	}
	return nil
}

// pending is a batch of candidates read and prepared, not yet checked.
// The reading goroutine fills it, the checking one checks it and hands
// it back to be filled again.
type pending struct {
	batch    []candidate
	verdicts []LeadVerdict  // one per candidate, numbers parsed
	nums     numberBatch    // the valid numbers, their verdicts (LeadVerdict.Numbers) and the look-ups ahead
	phones   []phone.Number // where decide puts the accepted leads' LeadVerdict.Phones
	err      error          // a fatal reader error that ended the sequence after batch
	panicked any            // what the sequence panicked with, re-panicked by all
	prepared bool           // prepare has run
}

// read runs the sequence on its own goroutine, sending each batch,
// prepared, to out, until the sequence ends or stop closes. It fills the
// batches that come back on free, else new ones; fresh is as in prepare.
//
// It prepares a batch, and then looks it up ahead (see lookAhead), only
// while the checking goroutine is behind, with the previous batch still
// waiting in out: it would wait for it anyway. Otherwise the checking
// goroutine does that itself, so that the work goes to whichever of the
// two has time.
func (im *importer) read(out chan<- *pending, free <-chan *pending, stop <-chan struct{}, fresh bool) {
	behind := func() bool { return im.ahead == aheadAlways || im.ahead == aheadWhenBehind && len(out) == cap(out) }
	prepare := func(p *pending) {
		p.prepared = false
		if behind() {
			im.prepare(p, fresh)
			p.prepared = true
			if behind() {
				im.lookAhead(&p.nums)
			}
		}
	}
	send := func(p *pending) bool {
		select {
		case out <- p:
			return true
		case <-stop:
			return false
		}
	}
	defer func() {
		if r := recover(); r != nil {
			send(&pending{panicked: r})
		}
	}()
	next := func() *pending {
		select {
		case p := <-free:
			p.batch = p.batch[:0]
			return p
		default:
			return &pending{batch: make([]candidate, 0, im.size)}
		}
	}
	p := next()
	index := 0
	for d, err := range im.req.Leads {
		index++
		if err != nil {
			var le *csvimport.LineError
			if !errors.As(err, &le) || le.Fatal {
				prepare(p)
				p.err = err
				send(p)
				return
			}
		}
		p.batch = append(p.batch, candidate{lead: d, err: err, index: index})
		if len(p.batch) == im.size {
			prepare(p)
			if !send(p) {
				return
			}
			p = next()
		}
	}
	if len(p.batch) > 0 {
		prepare(p)
		send(p)
	}
}

// prepare makes the verdicts of p's batch as far as reading can: rows the
// reader rejected, leads without numbers or that validate rejects, and
// each number parsed in the organisation's region. With fresh, the memory of the
// verdicts' Numbers and Phones is new, as the host may keep them;
// otherwise that of an earlier batch is reused. Nothing is looked up
// ahead yet.
func (im *importer) prepare(p *pending, fresh bool) {
	batch, nb := p.batch, &p.nums
	nb.snap, nb.listedOK = nil, false
	phones := 0
	for _, c := range batch {
		if c.err == nil {
			phones += len(c.lead.Phones)
		}
	}
	if fresh || cap(nb.out) < phones {
		nb.out, p.phones = make([]Verdict, phones), make([]phone.Number, 0, phones)
	}
	p.verdicts = slices.Grow(p.verdicts[:0], len(batch))[:len(batch)]
	nb.numbers, nb.keys, nb.at = nb.numbers[:0], nb.keys[:0], nb.at[:0]
	pos := 0 // where the next lead's numbers go in nb.out
	for i, c := range batch {
		v := &p.verdicts[i]
		*v = LeadVerdict{Lead: c.lead, Err: c.err}
		if c.err != nil {
			continue
		}
		if len(c.lead.Phones) == 0 {
			v.Err = lperr.Wrap(im.where(c), csvimport.ErrNoPhone)
			continue
		}
		if im.validate != nil {
			if v.Err = im.validate(c); v.Err != nil {
				continue
			}
		}
		end := pos + len(c.lead.Phones)
		v.Numbers = nb.out[pos:end:end]
		for j, ph := range c.lead.Phones {
			// csvimport's numbers are in E.164: checked without parsing.
			// Not parseNumber: the field's name is built only for an error.
			n, err := ph, error(nil)
			if !phone.IsE164(string(ph)) {
				n, err = phone.Parse(string(ph), im.region)
			}
			if err != nil {
				v.Numbers[j] = Verdict{Outcome: Invalid, Err: numberError(im.where(c)+" phone "+strconv.Itoa(j+1), string(ph), err)}
				continue
			}
			v.Numbers[j] = Verdict{Number: n}
			nb.numbers = append(nb.numbers, n)
			nb.keys = append(nb.keys, key(n))
			nb.at = append(nb.at, int32(pos+j))
		}
		pos = end
	}
}

// lookAhead looks a batch's numbers up, on the reading goroutine, in the
// organisation's screening snapshot as it is now and in the registries
// the last batch's transaction saw in force, so that the two goroutines
// share the work; the check uses each answer only if its transaction sees
// the same (see checker.check).
func (im *importer) lookAhead(nb *numberBatch) {
	nb.snap, nb.listedOK = nil, false
	if len(nb.numbers) == 0 {
		return
	}
	if snap := im.screens.peek(im.org); snap != nil {
		nb.snap, nb.from, nb.until = snap, im.clock(), time.Time{}
		for i, n := range nb.numbers {
			nb.out[nb.at[i]] = im.lookUp(snap, n, nb.keys[i], nb.from, &nb.until)
		}
	}
	if regs := im.regsAhead.Load(); regs != nil {
		nb.listed = slices.Grow(nb.listed[:0], len(nb.keys))[:len(nb.keys)]
		nb.scratch.registeredAll(*regs, nb.keys, nb.listed)
		nb.regs, nb.listedOK = *regs, true
	}
}

// flush checks a prepared batch in one transaction, in which save stores
// what it accepted, and delivers its verdicts once that has committed.
func (im *importer) flush(ctx context.Context, p *pending) error {
	if len(p.batch) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var counts CheckImportResult
	err := im.run(ctx, func(ctx context.Context, tx storage.Tx) error {
		// A transaction run again starts afresh.
		im.undo(0)
		counts, p.phones = CheckImportResult{}, p.phones[:0]
		if err := im.check(ctx, tx, &p.nums); err != nil {
			return err
		}
		if regs := im.regsAhead.Load(); regs == nil || !sameRegistries(*regs, p.nums.regs) {
			regs := p.nums.regs // not &p.nums.regs: the reading goroutine refills p
			im.regsAhead.Store(&regs)
		}
		im.seen.warm(p.nums.keys)
		for i := range p.verdicts {
			im.decide(&p.verdicts[i], &counts, p)
		}
		if im.save == nil {
			return nil
		}
		return im.save(ctx, tx, p.verdicts, counts)
	})
	im.refresh(ctx)
	if err != nil {
		return err
	}
	im.added = im.added[:0] // seen keeps them: the batch committed
	im.res.add(counts)
	if im.committed != nil {
		im.committed(p.batch)
	}
	if im.req.OnVerdict != nil {
		for _, v := range p.verdicts {
			if err := im.req.OnVerdict(v); err != nil {
				return fmt.Errorf("OnVerdict: %w", err)
			}
		}
	}
	return nil
}

// undo takes the keys added from mark on out of seen: a rejected lead's
// (decide), or all of a batch whose transaction did not commit or is run
// again (mark 0).
func (im *importer) undo(mark int) {
	for _, k := range im.added[mark:] {
		im.seen.remove(k)
	}
	im.added = im.added[:mark]
}

// add adds the counts of b to r.
func (r *CheckImportResult) add(b CheckImportResult) {
	r.Checked += b.Checked
	r.Accepted += b.Accepted
	r.RejectedBlocked += b.RejectedBlocked
	r.RejectedRegistered += b.RejectedRegistered
	r.RejectedSuppressed += b.RejectedSuppressed
	r.Invalid += b.Invalid
	r.Duplicate += b.Duplicate
}

// line is the file line of a candidate, from the reader's draft or its
// error; 0 if the sequence gives none.
func (c candidate) line() int {
	var le *csvimport.LineError
	if c.err != nil && errors.As(c.err, &le) {
		return le.Line
	}
	return c.lead.Line
}

// where names a candidate in errors: its line if the reader gave one,
// else its position in the sequence.
func (im *importer) where(c candidate) string {
	if c.lead.Line > 0 {
		return "line " + strconv.Itoa(c.lead.Line)
	}
	return "lead " + strconv.Itoa(c.index)
}

// decide sets the lead's outcome and phones from its numbers' verdicts,
// marking numbers of earlier accepted leads (or repeated in the lead) as
// duplicates, and counts it in the batch's counts res. The phones of an
// accepted lead go to p.phones and its numbers' keys to seen, recorded in
// added until the batch commits.
//
// A callable number's key goes to seen as it is found new, in the one
// probe that looks for it there; if the lead is then rejected, its keys
// are taken out again.
func (im *importer) decide(v *LeadVerdict, res *CheckImportResult, p *pending) {
	res.Checked++
	v.Phones, v.LeadID = nil, uuid.Nil // a transaction run again decides afresh
	if v.Err != nil {
		v.Outcome = Invalid
		res.Invalid++
		return
	}
	start, mark := len(p.phones), len(im.added)
	worst := Allowed
	for j := range v.Numbers {
		n := &v.Numbers[j]
		if n.Outcome == Allowed {
			if k := key(n.Number); im.seen.add(k) {
				p.phones = append(p.phones, n.Number)
				im.added = append(im.added, k)
			} else {
				n.Outcome = Duplicate
			}
		}
		if n.Outcome != Allowed && (worst == Allowed || n.Outcome < worst) {
			worst = n.Outcome
		}
	}
	callable := p.phones[start:len(p.phones):len(p.phones)]
	if worst != Allowed && !(im.req.KeepCallable && len(callable) > 0) {
		im.undo(mark)
		p.phones = p.phones[:start]
		v.Outcome = worst
		switch worst {
		case Blocked:
			res.RejectedBlocked++
		case Registered:
			res.RejectedRegistered++
		case Suppressed:
			res.RejectedSuppressed++
		case Invalid:
			res.Invalid++
		case Duplicate:
			res.Duplicate++
		}
		return
	}
	v.Outcome, v.Phones = Allowed, callable
	res.Accepted++
}

// key packs an E.164 number into an integer (numindex.Key): at most 15
// digits after the '+', and calling codes never start with 0, so distinct
// numbers have distinct keys; 0 for what is not E.164.
func key(n phone.Number) uint64 {
	k, _ := numindex.Key(n)
	return k
}
