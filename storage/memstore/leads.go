package memstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

type leads struct{ tx *txn }

// checkLeadRefs reports ErrNotFound unless l's project and template exist in d.
func (d *orgData) checkLeadRefs(l lp.Lead) error {
	if _, ok := d.projects.get(l.ProjectID); !ok {
		return notFound("project", l.ProjectID)
	}
	if _, ok := d.templates.get(l.TemplateID); !ok {
		return notFound("template", l.TemplateID)
	}
	return nil
}

// putLead stores l and indexes its numbers, replacing a stored lead with the same id.
func (tx *txn) putLead(d *orgData, l lp.Lead) {
	if old, ok := d.leads.get(l.ID); ok {
		for _, n := range old.Phones {
			d.leadsByNum.remove(&tx.undo, n, l.ID)
		}
	}
	l = copyLead(l)
	d.leads.put(&tx.undo, l.ID, l)
	for _, n := range l.Phones {
		d.leadsByNum.add(&tx.undo, n, l.ID)
	}
}

// deleteLead removes the lead with its number index and contact attempts; it
// reports whether the lead existed.
func (tx *txn) deleteLead(d *orgData, id uuid.UUID) bool {
	l, ok := d.leads.get(id)
	if !ok {
		return false
	}
	for _, n := range l.Phones {
		d.leadsByNum.remove(&tx.undo, n, id)
	}
	for _, c := range sortedIDs(d.contactsOf[id]) {
		del(&tx.undo, d.contacts, c)
		d.contactsOf.remove(&tx.undo, id, c)
	}
	d.leads.del(&tx.undo, id)
	return true
}

func (v leads) Create(ctx context.Context, l lp.Lead) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(l.OrgID)
	if _, ok := d.leads.get(l.ID); ok {
		return idExists("lead", l.ID)
	}
	if err := d.checkLeadRefs(l); err != nil {
		return err
	}
	v.tx.putLead(d, l)
	return nil
}

func (v leads) CreateMany(ctx context.Context, org uuid.UUID, ls []lp.Lead) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	for _, l := range ls {
		if err := l.Validate(); err != nil {
			return err
		}
		if l.OrgID != org {
			return wrongOrg("Lead.OrgID")
		}
	}
	d := v.tx.writeOrg(org)
	seen := make(map[uuid.UUID]bool, len(ls))
	for i, l := range ls {
		if _, ok := d.leads.get(l.ID); ok || seen[l.ID] {
			return fmt.Errorf("%w in lead %d of the batch", idExists("lead", l.ID), i)
		}
		seen[l.ID] = true
		if err := d.checkLeadRefs(l); err != nil {
			return fmt.Errorf("%w in lead %d of the batch", err, i)
		}
	}
	for _, l := range ls {
		v.tx.putLead(d, l)
	}
	return nil
}

func (v leads) Get(ctx context.Context, org, id uuid.UUID) (lp.Lead, error) {
	if err := v.tx.begin(ctx); err != nil {
		return lp.Lead{}, err
	}
	l, ok := v.tx.org(org).leads.get(id)
	if !ok {
		return lp.Lead{}, notFound("lead", id)
	}
	return copyLead(l), nil
}

func (v leads) Update(ctx context.Context, l lp.Lead) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(l.OrgID)
	if _, ok := d.leads.get(l.ID); !ok {
		return notFound("lead", l.ID)
	}
	if err := d.checkLeadRefs(l); err != nil {
		return err
	}
	v.tx.putLead(d, l)
	return nil
}

func (v leads) Delete(ctx context.Context, org, id uuid.UUID) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if !v.tx.deleteLead(v.tx.writeOrg(org), id) {
		return notFound("lead", id)
	}
	return nil
}

func (v leads) DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return 0, err
	}
	d := v.tx.writeOrg(org)
	n := 0
	for _, id := range ids {
		if v.tx.deleteLead(d, id) {
			n++
		}
	}
	return n, nil
}

func (v leads) FindByNumbers(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]lp.Lead, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	return findByNumbers(d.leads, d.leadsByNum, numbers, copyLead), nil
}

func (v leads) List(ctx context.Context, org uuid.UUID, f storage.LeadFilter, page storage.Page) ([]lp.Lead, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	keep, err := leadMatcher(f, d)
	if err != nil {
		return nil, err
	}
	return pageOf(d.leads, page, keep, copyLead), nil
}

func (v leads) ListIDs(ctx context.Context, org uuid.UUID, f storage.LeadFilter, page storage.Page) ([]uuid.UUID, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	keep, err := leadMatcher(f, d)
	if err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for _, l := range d.leads.page(page.After, page.Size(), keep) {
		ids = append(ids, l.ID)
	}
	return ids, nil
}

func (v leads) Count(ctx context.Context, org uuid.UUID, f storage.LeadFilter) (int, error) {
	if err := v.tx.begin(ctx); err != nil {
		return 0, err
	}
	d := v.tx.org(org)
	keep, err := leadMatcher(f, d)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range d.leads.rows {
		if keep(l) {
			n++
		}
	}
	return n, nil
}

func (v leads) CountMany(ctx context.Context, org uuid.UUID, filters []storage.LeadFilter) ([]int, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	if err := storage.ValidCountMany(filters); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	keep := make([]func(lp.Lead) bool, len(filters))
	for i, f := range filters {
		var err error
		if keep[i], err = leadMatcher(f, d); err != nil {
			return nil, lperr.Wrap("filters["+strconv.Itoa(i)+"]", err)
		}
	}
	counts := make([]int, len(filters))
	for _, l := range d.leads.rows {
		for i, k := range keep {
			if k(l) {
				counts[i]++
			}
		}
	}
	return counts, nil
}

func (v leads) AnonymiseMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID, at time.Time) (int, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return 0, err
	}
	if err := storage.ValidAnonymiseMany(ids, at); err != nil {
		return 0, err
	}
	d := v.tx.writeOrg(org)
	n := 0
	for _, id := range ids {
		l, ok := d.leads.get(id)
		if !ok || l.Forgotten() || l.LegalHold {
			continue // an id listed twice is forgotten by its first
		}
		l.Phones, l.Fields, l.ForgottenAt = nil, nil, at
		v.tx.putLead(d, l)
		n++
	}
	return n, nil
}

// leadMatcher turns f into a predicate on the leads of d. A lead is held
// when it is or its project is (storage.LeadFilter.LegalHold).
func leadMatcher(f storage.LeadFilter, d *orgData) (func(lp.Lead) bool, error) {
	if err := lp.ValidTime("LeadFilter.Before", f.Before); err != nil {
		return nil, err
	}
	f.Before = utc(f.Before) // compared as stored, to the microsecond, as on a database
	var basis func(lp.Lead) time.Time
	if !f.Before.IsZero() {
		switch f.Basis {
		case lp.SinceCreated:
			basis = func(l lp.Lead) time.Time { return l.CreatedAt }
		case lp.SinceClosed:
			basis = func(l lp.Lead) time.Time { return l.ClosedAt }
		case lp.SinceLastContact:
			basis = func(l lp.Lead) time.Time {
				if l.LastContactAt.IsZero() {
					return l.CreatedAt
				}
				return l.LastContactAt
			}
		default:
			return nil, &lp.FieldError{Field: "LeadFilter.Basis", Reason: "must be last_contact, created or closed when Before is set"}
		}
	}
	var heldProjects map[uuid.UUID]bool
	if f.LegalHold != nil {
		heldProjects = map[uuid.UUID]bool{}
		for id, p := range d.projects.rows {
			if p.OnLegalHold() {
				heldProjects[id] = true
			}
		}
	}
	return func(l lp.Lead) bool {
		switch {
		case f.ProjectID != uuid.Nil && l.ProjectID != f.ProjectID,
			len(f.Outcomes) > 0 && !slices.Contains(f.Outcomes, l.Outcome),
			slices.Contains(f.ExcludeOutcomes, l.Outcome),
			f.Forgotten != nil && *f.Forgotten != l.Forgotten(),
			f.LegalHold != nil && *f.LegalHold != (l.LegalHold || heldProjects[l.ProjectID]):
			return false
		case basis != nil:
			t := basis(l)
			return !t.IsZero() && t.Before(f.Before)
		}
		return true
	}, nil
}

type contacts struct{ tx *txn }

func copyContact(c lp.ContactAttempt) lp.ContactAttempt {
	c.At = utc(c.At)
	return c
}

func (v contacts) Add(ctx context.Context, c lp.ContactAttempt) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	d := v.tx.writeOrg(c.OrgID)
	if _, ok := d.contacts[c.ID]; ok {
		return idExists("contact attempt", c.ID)
	}
	if _, ok := d.leads.get(c.LeadID); !ok {
		return notFound("lead", c.LeadID)
	}
	set(&v.tx.undo, d.contacts, c.ID, copyContact(c))
	d.contactsOf.add(&v.tx.undo, c.LeadID, c.ID)
	return nil
}

func (v contacts) ListByLead(ctx context.Context, org, lead uuid.UUID) ([]lp.ContactAttempt, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	return sortedContacts(v.tx.org(org), lead), nil
}

// sortedContacts returns the lead's contact attempts ordered by At, then id.
func sortedContacts(d *orgData, lead uuid.UUID) []lp.ContactAttempt {
	out := make([]lp.ContactAttempt, 0, len(d.contactsOf[lead]))
	for id := range d.contactsOf[lead] {
		out = append(out, d.contacts[id])
	}
	slices.SortFunc(out, func(a, b lp.ContactAttempt) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
	return out
}

func (v contacts) EraseByLead(ctx context.Context, org, lead uuid.UUID) (int, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return 0, err
	}
	_, n := v.erase(v.tx.writeOrg(org), lead)
	return n, nil
}

func (v contacts) EraseByLeads(ctx context.Context, org uuid.UUID, leads []uuid.UUID) (map[uuid.UUID][]string, int, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return nil, 0, err
	}
	if err := storage.ValidIDBatch("leads", leads); err != nil {
		return nil, 0, err
	}
	d := v.tx.writeOrg(org)
	refs := make(map[uuid.UUID][]string)
	n := 0
	for _, lead := range leads {
		r, k := v.erase(d, lead)
		if len(r) > 0 {
			refs[lead] = r
		}
		n += k
	}
	return refs, n, nil
}

// erase clears Notes and RecordingRef of the lead's attempts and returns
// the recording references it cleared, ordered by At, then id, and how
// many attempts it changed.
func (v contacts) erase(d *orgData, lead uuid.UUID) ([]string, int) {
	var refs []string
	n := 0
	for _, c := range sortedContacts(d, lead) {
		if c.Notes == "" && c.RecordingRef == "" {
			continue
		}
		if c.RecordingRef != "" {
			refs = append(refs, c.RecordingRef)
		}
		c.Notes, c.RecordingRef = "", ""
		set(&v.tx.undo, d.contacts, c.ID, c)
		n++
	}
	return refs, n
}
