package privacy

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// ForgetOptions say what a Forget does besides erasing the leads.
type ForgetOptions struct {
	// Suppress puts the keyed fingerprint of every erased number on the
	// suppression list, so blocklist's CheckImport rejects the number
	// forever while the number itself is stored nowhere.
	Suppress bool
	// Block also puts every erased number on the do-not-call list
	// (organisation-wide, no expiry, with Reason), in the forget's
	// transaction. It needs Options.Blocklist, lp.PermBlock and a Reason.
	Block bool
	// Reason is a reason code from the host's list, such as
	// "customer_request" (see lp.ValidCode): recorded with every event of
	// the forget. Optional unless Block is set.
	Reason string
}

// validate checks the options before any transaction opens.
func (o ForgetOptions) validate(s *Service) error {
	if o.Reason != "" {
		if err := lp.ValidCode("ForgetOptions.Reason", o.Reason); err != nil {
			return err
		}
	}
	switch {
	case o.Block && s.blocklist == nil:
		return invalid("ForgetOptions.Block", "needs a blocklist service in privacy.Options.Blocklist")
	case o.Block && o.Reason == "":
		return invalid("ForgetOptions.Reason", "must be set to a reason code such as customer_request when Block is set")
	}
	return nil
}

// Receipt is the proof of a Forget, without personal data: which leads were
// erased and what of them, which were skipped, and the external erasures
// it owes. The lead.forgotten events carry its facts under its ID.
type Receipt struct {
	ID uuid.UUID
	// Leads are the leads this call anonymised.
	Leads []ErasedLead
	// Held are the leads left as they were because they are under legal
	// hold.
	Held []LeadRef
	// AlreadyForgotten are the leads that had been forgotten before: they
	// were not changed and nothing was recorded for them.
	AlreadyForgotten []LeadRef
	// Suppressed counts the numbers this call put on the suppression list
	// (numbers suppressed before are not counted); Blocked those it put on
	// the do-not-call list.
	Suppressed, Blocked int
	By                  uuid.UUID // the acting user
	At                  time.Time
	// Erasures are the external erasures the forget owes, one per lead
	// and registered eraser, as they stand when the call returns: Done
	// once the eraser succeeded, pending otherwise (see RunErasures).
	Erasures []ErasureStatus
}

// Pending returns how many of the receipt's erasures are still owed.
func (r Receipt) Pending() int {
	n := 0
	for _, e := range r.Erasures {
		if !e.Done {
			n++
		}
	}
	return n
}

// LeadRef names a lead without its data.
type LeadRef struct {
	LeadID, ProjectID uuid.UUID
}

// ErasedLead is what a Forget erased of one lead.
type ErasedLead struct {
	LeadRef
	// FieldKeys are the keys of the field values erased, sorted.
	FieldKeys []string
	// Phones counts the phone numbers erased.
	Phones int
	// AttemptsScrubbed counts the contact attempts whose notes or recording
	// reference were erased.
	AttemptsScrubbed int
	// RecordingsQueued counts the recording references handed to the
	// erasers (zero when no eraser is registered: the references are
	// erased from the database all the same).
	RecordingsQueued int
}

// Forget erases a lead's personal data irreversibly and records
// lead.forgotten, in one transaction: every phone number and field value,
// the notes and recording references of its contact attempts. The
// anonymous lead (project, template, outcome, times) and the contact
// facts (time, agent, result, talk time) stay, so statistics do not
// change. It needs lp.PermForget, and lp.PermBlock with opts.Block. A lead
// the actor may not see, of another organisation included, is ErrNotFound.
//
// A lead under legal hold, its own or its project's (SetProjectHold), is
// not changed and is listed in Receipt.Held; a lead forgotten before is
// listed in Receipt.AlreadyForgotten, unchanged, and nothing is recorded.
// With Suppress and Block the erased numbers are suppressed and blocked in
// the same transaction (number.suppressed and block.created events).
//
// The forget's transaction also writes one pending erasure per lead and
// registered eraser (Options.Erasers) holding the lead's recording
// references, the only place they remain. Once it committed, Forget runs
// those erasers (a few tries with backoff); a success deletes the pending
// erasure and records erasure.completed, a failure leaves it pending for
// RunErasures. Without registered erasers nothing is pending: the
// references are erased with the lead and no external system is told.
func (s *Service) Forget(ctx context.Context, actor lp.Actor, leadID uuid.UUID, opts ForgetOptions) (Receipt, error) {
	r, err := s.forgetCall(ctx, actor, opts, func(ctx context.Context, tx storage.Tx, f *forgetter) error {
		return f.lead(ctx, leadID)
	})
	return r, wrap("Forget", err)
}

// ForgetNumber forgets, as Forget does, every lead holding number that the
// actor may see. The number is read as typed, national numbers in the
// organisation's default region. A number no visible lead holds (another
// organisation's number included) gives an empty receipt and records
// nothing; to block or suppress such a number use the blocklist.
func (s *Service) ForgetNumber(ctx context.Context, actor lp.Actor, number string, opts ForgetOptions) (Receipt, error) {
	r, err := s.forgetCall(ctx, actor, opts, func(ctx context.Context, tx storage.Tx, f *forgetter) error {
		return f.number(ctx, number)
	})
	return r, wrap("ForgetNumber", err)
}

// ForgetTx is Forget inside the host's transaction tx, which must be a
// transaction of the Service's store: the erasure and its events commit
// with the host's other changes. A refusal is recorded in tx. The
// erasers cannot run before the host commits, so every erasure of the
// receipt is pending: the host calls RunErasures after its commit.
func (s *Service) ForgetTx(ctx context.Context, tx storage.Tx, actor lp.Actor, leadID uuid.UUID, opts ForgetOptions) (Receipt, error) {
	r, err := s.forgetTx(ctx, tx, actor, opts, func(ctx context.Context, tx storage.Tx, f *forgetter) error {
		return f.lead(ctx, leadID)
	})
	return r, wrap("ForgetTx", err)
}

// ForgetNumberTx is ForgetNumber inside the host's transaction tx, like
// ForgetTx.
func (s *Service) ForgetNumberTx(ctx context.Context, tx storage.Tx, actor lp.Actor, number string, opts ForgetOptions) (Receipt, error) {
	r, err := s.forgetTx(ctx, tx, actor, opts, func(ctx context.Context, tx storage.Tx, f *forgetter) error {
		return f.number(ctx, number)
	})
	return r, wrap("ForgetNumberTx", err)
}

// authorizeForget checks PermForget and, for a Block, PermBlock.
func (s *Service) authorizeForget(ctx context.Context, actor lp.Actor, opts ForgetOptions) error {
	if err := s.authorize(ctx, actor, lp.PermForget, audit.ActionLeadForgotten); err != nil {
		return err
	}
	if opts.Block {
		return s.authorize(ctx, actor, lp.PermBlock, audit.ActionBlockCreated)
	}
	return nil
}

// forgetCall runs select in a transaction of its own, then the erasers of
// what it forgot.
func (s *Service) forgetCall(ctx context.Context, actor lp.Actor, opts ForgetOptions, sel func(context.Context, storage.Tx, *forgetter) error) (Receipt, error) {
	if err := s.authorizeForget(ctx, actor, opts); err != nil {
		return Receipt{}, err
	}
	if err := opts.validate(s); err != nil {
		return Receipt{}, err
	}
	var f *forgetter
	err := s.store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		f = s.newForgetter(tx, actor, opts, uuid.New())
		if err := sel(ctx, tx, f); err != nil {
			return err
		}
		return f.finish(ctx)
	})
	if err != nil {
		return Receipt{}, err
	}
	afterForgetCommit()
	f.receipt.Erasures = s.runErasures(ctx, actor, f.pending)
	return f.receipt, nil
}

// forgetTx runs select in the host's transaction.
func (s *Service) forgetTx(ctx context.Context, tx storage.Tx, actor lp.Actor, opts ForgetOptions, sel func(context.Context, storage.Tx, *forgetter) error) (Receipt, error) {
	if err := s.authorizeTx(ctx, tx, actor, lp.PermForget, audit.ActionLeadForgotten); err != nil {
		return Receipt{}, err
	}
	if opts.Block {
		if err := s.authorizeTx(ctx, tx, actor, lp.PermBlock, audit.ActionBlockCreated); err != nil {
			return Receipt{}, err
		}
	}
	if err := opts.validate(s); err != nil {
		return Receipt{}, err
	}
	f := s.newForgetter(tx, actor, opts, uuid.New())
	if err := sel(ctx, tx, f); err != nil {
		return Receipt{}, err
	}
	if err := f.finish(ctx); err != nil {
		return Receipt{}, err
	}
	for _, pe := range f.pending {
		f.receipt.Erasures = append(f.receipt.Erasures, statusOf(pe))
	}
	return f.receipt, nil
}

// afterForgetCommit runs between a forget's commit and its erasers; tests
// replace it to stop the process there.
var afterForgetCommit = func() {}

// forgetter applies one forget in one transaction: it plans each lead,
// erases it, and collects the receipt, the pending erasures and the
// erased numbers to suppress or block.
type forgetter struct {
	s       *Service
	tx      storage.Tx
	actor   lp.Actor
	opts    ForgetOptions
	now     time.Time
	view    *reader
	receipt Receipt
	pending []lp.PendingErasure
	erased  []phone.Number // every number erased, in order, each once
	seen    map[uuid.UUID]bool
	// plan, when set, makes the forgetter a dry run (Preview): it plans
	// each lead into plan and changes nothing.
	plan *Plan
}

func (s *Service) newForgetter(tx storage.Tx, actor lp.Actor, opts ForgetOptions, receipt uuid.UUID) *forgetter {
	now := s.clock()
	return &forgetter{s: s, tx: tx, actor: actor, opts: opts, now: now,
		receipt: Receipt{ID: receipt, By: actor.UserID, At: now}, seen: map[uuid.UUID]bool{}}
}

// reader returns the actor's reader, made once per transaction.
func (f *forgetter) reader(ctx context.Context) (*reader, error) {
	if f.view == nil {
		v, err := newReader(ctx, f.tx, f.actor)
		if err != nil {
			return nil, err
		}
		f.view = v
	}
	return f.view, nil
}

// lead forgets the lead with id; ErrNotFound if the actor may not see it.
func (f *forgetter) lead(ctx context.Context, id uuid.UUID) error {
	v, err := f.reader(ctx)
	if err != nil {
		return err
	}
	l, err := v.lead(ctx, id)
	if err != nil {
		return err
	}
	return f.forget(ctx, l)
}

// number forgets every visible lead holding the number typed as raw.
func (f *forgetter) number(ctx context.Context, raw string) error {
	n, err := parseTyped(ctx, f.tx, f.actor.OrgID, raw, "number")
	if err != nil {
		return err
	}
	return f.numbers(ctx, []phone.Number{n})
}

// numbers forgets every visible lead holding any of numbers.
func (f *forgetter) numbers(ctx context.Context, numbers []phone.Number) error {
	leads, err := visibleHolding(ctx, f.tx, f.actor, numbers, f.reader)
	if err != nil {
		return err
	}
	for _, l := range leads {
		if err := f.forget(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// visibleHolding returns the leads holding any of numbers that the actor
// may see.
func visibleHolding(ctx context.Context, tx storage.Tx, actor lp.Actor, numbers []phone.Number, view func(context.Context) (*reader, error)) ([]lp.Lead, error) {
	leads, err := tx.Leads().FindByNumbers(ctx, actor.OrgID, numbers)
	if err != nil || len(leads) == 0 {
		return nil, err
	}
	v, err := view(ctx)
	if err != nil {
		return nil, err
	}
	return v.visible(ctx, leads)
}

// forget erases l, unless it is held or forgotten already.
func (f *forgetter) forget(ctx context.Context, l lp.Lead) error {
	if f.seen[l.ID] {
		return nil
	}
	f.seen[l.ID] = true
	ref := LeadRef{LeadID: l.ID, ProjectID: l.ProjectID}
	if l.Forgotten() {
		f.receipt.AlreadyForgotten = append(f.receipt.AlreadyForgotten, ref)
		return nil
	}
	v, err := f.reader(ctx)
	if err != nil {
		return err
	}
	held, err := v.held(ctx, l)
	if err != nil {
		return err
	}
	if held {
		f.receipt.Held = append(f.receipt.Held, ref)
		return nil
	}
	p := planLead(l, f.s.eraserNames())
	// The attempts are read for a plan and for the erasers' references;
	// a forget without erasers scrubs them without reading them.
	var refs []string
	if f.plan != nil || len(p.Erasers) > 0 {
		if refs, err = p.readContacts(ctx, f.tx, l); err != nil {
			return err
		}
	}
	if f.plan != nil {
		f.plan.Leads = append(f.plan.Leads, p)
		return nil
	}
	anon := l
	anon.Phones, anon.Fields, anon.ForgottenAt = nil, nil, f.now
	if err := f.tx.Leads().Update(ctx, anon); err != nil {
		return err
	}
	scrubbed := 0
	if len(p.Erasers) == 0 || p.AttemptsToScrub > 0 { // attempts read and found clean need no statement
		if scrubbed, err = f.tx.Contacts().EraseByLead(ctx, l.OrgID, l.ID); err != nil {
			return err
		}
	}
	pending, err := owe(ctx, f.tx, l.OrgID, l.ID, p.Erasers, refs, f.now)
	if err != nil {
		return err
	}
	f.pending = append(f.pending, pending...)
	queued := len(refs) // read only when erasers are registered
	details := []audit.Detail{audit.Count(audit.KeyFields, len(p.FieldKeys)), audit.Count(audit.KeyPhones, p.Phones),
		audit.Count(audit.KeyContacts, scrubbed), audit.Count(audit.KeyRecordings, queued),
		audit.Flag(audit.KeySuppressed, f.opts.Suppress)}
	if f.opts.Reason != "" {
		details = append(details, audit.Code(audit.KeyReason, f.opts.Reason))
	}
	if _, err := f.s.changelog.Record(ctx, f.tx, f.actor, audit.Entry{Action: audit.ActionLeadForgotten, LeadID: l.ID,
		ProjectID: l.ProjectID, ObjectID: f.receipt.ID, Numbers: l.Phones, Details: details}); err != nil {
		return err
	}
	for _, n := range l.Phones {
		if !slices.Contains(f.erased, n) {
			f.erased = append(f.erased, n)
		}
	}
	f.receipt.Leads = append(f.receipt.Leads, ErasedLead{LeadRef: ref, FieldKeys: p.FieldKeys, Phones: p.Phones,
		AttemptsScrubbed: scrubbed, RecordingsQueued: queued})
	return nil
}

// finish suppresses and blocks the erased numbers as the options ask.
func (f *forgetter) finish(ctx context.Context) error {
	if len(f.erased) == 0 {
		return nil
	}
	if f.opts.Suppress {
		if err := f.suppress(ctx); err != nil {
			return err
		}
	}
	if f.opts.Block {
		for _, n := range f.erased {
			res, err := f.s.blocklist.BlockTx(ctx, f.tx, f.actor, blocklist.BlockRequest{Number: string(n), Reason: f.opts.Reason})
			if err != nil {
				return err
			}
			if !res.AlreadyBlocked {
				f.receipt.Blocked++
			}
		}
	}
	return nil
}

// suppress adds the fingerprints of the erased numbers not suppressed yet
// and records number.suppressed for each.
func (f *forgetter) suppress(ctx context.Context) error {
	fper, err := f.s.changelog.Fingerprints().Fingerprinter(ctx, f.actor.OrgID)
	if err != nil {
		return err
	}
	fps := make([]phone.Fingerprint, len(f.erased))
	for i, n := range f.erased {
		fps[i] = fper.Fingerprint(n)
	}
	found, err := f.tx.Suppressions().Find(ctx, f.actor.OrgID, fps)
	if err != nil {
		return err
	}
	already := make(map[phone.Fingerprint]bool, len(found))
	for _, sp := range found {
		already[sp.Fingerprint] = true
	}
	for i, n := range f.erased {
		if already[fps[i]] {
			continue
		}
		if err := f.tx.Suppressions().Add(ctx, lp.Suppression{OrgID: f.actor.OrgID, Fingerprint: fps[i], CreatedBy: f.actor.UserID, CreatedAt: f.now}); err != nil {
			return err
		}
		if _, err := f.s.changelog.Record(ctx, f.tx, f.actor, audit.Entry{Action: audit.ActionNumberSuppressed, ObjectID: f.receipt.ID,
			Number: n, Details: f.reasonDetails()}); err != nil {
			return err
		}
		f.receipt.Suppressed++
	}
	return nil
}

// reasonDetails is the reason detail of the forget's events, if any.
func (f *forgetter) reasonDetails() []audit.Detail {
	if f.opts.Reason == "" {
		return nil
	}
	return []audit.Detail{audit.Code(audit.KeyReason, f.opts.Reason)}
}

// eraserNames returns the registered erasers' names, sorted.
func (s *Service) eraserNames() []string {
	return slices.Sorted(maps.Keys(s.erasers))
}
