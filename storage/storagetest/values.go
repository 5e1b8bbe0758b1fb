package storagetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

var valueCases = []testCase{
	{"Texts", testHostileTexts},
	{"Times", testHostileTimes},
	{"QueryTimes", testQueryTimes},
	{"ErrorMessages", testErrorMessages},
}

// hostileTexts are texts a host may pass by mistake or on purpose: each is
// stored byte-exact or refused, never changed on the way.
var hostileTexts = []named[string]{
	{"nul", "a\x00b", true},
	{"invalid UTF-8", "Caf\xe9 \xff\xfe", true},
	{"truncated UTF-8", "\xc3", true},
	{"bidi controls", "\u202eevil\u202c \u2067x\u2069 \u200f", false},
	{"line separators", "a\u2028b\u2029c", false},
	{"JSON and SQL specials", `"q" \ <t> & ' ; -- %_ {}` + "\n\t\r", false},
	{"controls", "\x01\x1f\x7f", false},
	{"BOM and emoji", "\ufeff😀 ﷽", false},
	{"name limit", strings.Repeat("é", lp.MaxNameLen/2), false},
	{"over the name limit", strings.Repeat("n", lp.MaxNameLen+1), false},
	{"10 MB", strings.Repeat("x", 10<<20), true},
	{"code", "customer_request", false},
}

// hostileTimes are times at and beyond the edges of the supported range:
// each is stored to the microsecond or refused, never wrapped around,
// shifted or read back as unset.
var hostileTimes = []named[time.Time]{
	{"year 300000", time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), true},
	{"MaxInt64/2 seconds", time.Unix(math.MaxInt64/2, 0), true},
	{"1 ns after zero", time.Time{}.Add(1), true},
	{"year 0", time.Date(0, 12, 31, 23, 59, 59, 0, time.UTC), true},
	{"MinTime", lp.MinTime, false},
	{"MaxTime", lp.MaxTime, false},
	{"last nanosecond of 9999", lp.MaxTime.Add(999), false},
	{"year 10000", lp.MaxTime.Add(time.Microsecond), true},
	{"before 1970", time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), false},
	{"nanoseconds", time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC), false},
	{"other zone", time.Date(2031, 5, 6, 7, 8, 9, 0, time.FixedZone("", 5*3600+1800)), false},
}

// named is a test value with a short name for messages (the values can be
// 10 MB long).
type named[V any] struct {
	name    string
	v       V
	refused bool // every field of the contract refuses it
}

// readFunc reads back the field a probe wrote.
type readFunc[V any] func(ctx context.Context, tx storage.Tx) (V, error)

// A probe stores a value in one field through one write method of the
// contract. prepare builds a fresh object holding v (storing whatever the
// write needs first) and returns it, the write, and how to read the field
// back.
type probe[V any] struct {
	name    string
	prepare func(v V) (obj interface{ Validate() error }, write func(ctx context.Context, tx storage.Tx) error, read readFunc[V])
}

// runProbes pushes every value through every probe. What the object's
// Validate accepts must be stored and read back as want(v); what it
// refuses must fail with ErrInvalidArgument and leave the field as it
// was. So every
// adapter stores the same values, exactly, and refuses the same values.
func runProbes[V any](h *harness, probes []probe[V], values []named[V], want func(V) V, equal func(a, b V) bool) {
	h.t.Helper()
	for _, p := range probes {
		for _, v := range values {
			name := p.name + " " + v.name
			obj, write, read := p.prepare(v.v)
			valid := obj.Validate() == nil
			require.False(h.t, valid && v.refused, "%s: Validate accepts a value the contract refuses on every adapter", name)
			before, berr := readBack(h, read)
			err := h.try(write)
			got, rerr := readBack(h, read)
			if valid {
				require.NoError(h.t, err, name)
				require.NoError(h.t, rerr, name+": read back")
				require.True(h.t, equal(want(v.v), got), "%s: stored %s, read back %s", name, show(want(v.v)), show(got))
				continue
			}
			require.ErrorIs(h.t, err, lp.ErrInvalidArgument, name+": Validate refuses it, the store must too")
			require.True(h.t, errors.Is(berr, lp.ErrNotFound) == errors.Is(rerr, lp.ErrNotFound) && equal(before, got),
				"%s: refused, but the field changed from %s to %s", name, show(before), show(got))
		}
	}
}

// readBack runs read in a read-only transaction.
func readBack[V any](h *harness, read readFunc[V]) (v V, err error) {
	h.t.Helper()
	require.NoError(h.t, h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		v, err = read(ctx, tx)
		return nil
	}))
	return v, err
}

// show prints a value short enough for a message.
func show(v any) string {
	s := fmt.Sprintf("%q", v)
	if t, ok := v.(time.Time); ok {
		s = t.Format(time.RFC3339Nano)
	}
	if len(s) > 60 {
		return fmt.Sprintf("%s... (%d bytes)", s[:60], len(s))
	}
	return s
}

// outcome returns an outcome code unique in the subtest.
func (h *harness) outcome() string {
	h.outcomes++
	return "outcome_" + strings.Map(func(r rune) rune { return 'a' + r - '0' }, strconv.Itoa(h.outcomes))
}

// nextSeq returns the sequence number the organisation's next event gets.
func (h *harness) nextSeq(org uuid.UUID) (n int64) {
	h.tx(func(ctx context.Context, tx storage.Tx) {
		var err error
		n, err = tx.Events().Count(ctx, org)
		h.noErr(err)
	})
	return n
}

// notFound reports a missing object as ErrNotFound.
func notFound(what string) error { return fmt.Errorf("%w: %s", lp.ErrNotFound, what) }

// testHostileTexts pushes hostile texts through every field that holds text
// and every write method that stores it.
func testHostileTexts(h *harness) {
	tn := h.tenant("A")
	org := tn.Org.ID
	type obj = interface{ Validate() error }
	type write = func(ctx context.Context, tx storage.Tx) error
	type read = readFunc[string]
	getLead := func(id uuid.UUID, field func(lp.Lead) string) read {
		return func(ctx context.Context, tx storage.Tx) (string, error) {
			l, err := tx.Leads().Get(ctx, org, id)
			return field(l), err
		}
	}
	getBlock := func(id uuid.UUID) read {
		return func(ctx context.Context, tx storage.Tx) (string, error) {
			b, err := tx.Blocks().Get(ctx, org, id)
			return b.Reason, err
		}
	}
	getTemplate := func(id uuid.UUID, field func(lp.CampaignTemplate) string) read {
		return func(ctx context.Context, tx storage.Tx) (string, error) {
			t, err := tx.Templates().Get(ctx, org, id)
			return field(t), err
		}
	}
	getRule := func(id uuid.UUID) read {
		return func(ctx context.Context, tx storage.Tx) (string, error) {
			r, err := tx.RetentionRules().Get(ctx, org, id)
			return r.Outcome, err
		}
	}
	contact := func(field func(*lp.ContactAttempt) *string) func(s string) (obj, write, read) {
		return func(s string) (obj, write, read) {
			l := h.lead(tn)
			h.addLeads(l)
			c := h.contact(l, h.now)
			*field(&c) = s
			return c, func(ctx context.Context, tx storage.Tx) error { return tx.Contacts().Add(ctx, c) },
				func(ctx context.Context, tx storage.Tx) (string, error) {
					cs, err := tx.Contacts().ListByLead(ctx, org, l.ID)
					if err != nil || len(cs) == 0 {
						return "", errors.Join(err, notFound("contact attempt"))
					}
					return *field(&cs[0]), nil
				}
		}
	}
	event := func(mod func(*lp.Event, string), field func(lp.Event) string) func(s string) (obj, write, read) {
		return func(s string) (obj, write, read) {
			e := h.event(tn)
			mod(&e, s)
			seq := h.nextSeq(org)
			return e, func(ctx context.Context, tx storage.Tx) error {
					_, err := tx.Events().Append(ctx, e)
					return err
				}, func(ctx context.Context, tx storage.Tx) (string, error) {
					es, err := tx.Events().Range(ctx, org, seq, seq+1)
					if err != nil || len(es) == 0 {
						return "", errors.Join(err, notFound("event"))
					}
					return field(es[0]), nil
				}
		}
	}
	probes := []probe[string]{
		{"Organisations.Create Name", func(s string) (obj, write, read) {
			o := lp.Organisation{ID: uuid.New(), Name: s, DefaultRegion: "DK", CreatedAt: h.now}
			return o, func(ctx context.Context, tx storage.Tx) error { return tx.Organisations().Create(ctx, o) },
				func(ctx context.Context, tx storage.Tx) (string, error) {
					got, err := tx.Organisations().Get(ctx, o.ID)
					return got.Name, err
				}
		}},
		{"Organisations.Update Name", func(s string) (obj, write, read) {
			o := h.tenant("B").Org
			o.Name = s
			return o, func(ctx context.Context, tx storage.Tx) error { return tx.Organisations().Update(ctx, o) },
				func(ctx context.Context, tx storage.Tx) (string, error) {
					got, err := tx.Organisations().Get(ctx, o.ID)
					return got.Name, err
				}
		}},
		{"Projects.Create Name", func(s string) (obj, write, read) {
			p := lp.Project{OrgID: org, ID: uuid.New(), Name: s, CreatedAt: h.now}
			return p, func(ctx context.Context, tx storage.Tx) error { return tx.Projects().Create(ctx, p) },
				func(ctx context.Context, tx storage.Tx) (string, error) {
					got, err := tx.Projects().Get(ctx, org, p.ID)
					return got.Name, err
				}
		}},
		{"Templates.Create Name", func(s string) (obj, write, read) {
			t := lp.CampaignTemplate{OrgID: org, ID: uuid.New(), Name: s}
			return t, func(ctx context.Context, tx storage.Tx) error { return tx.Templates().Create(ctx, t) },
				getTemplate(t.ID, func(t lp.CampaignTemplate) string { return t.Name })
		}},
		{"Templates.Create field Key", func(s string) (obj, write, read) {
			t := lp.CampaignTemplate{OrgID: org, ID: uuid.New(), Name: "T", Fields: []lp.TemplateField{{Key: s, Label: "L"}}}
			return t, func(ctx context.Context, tx storage.Tx) error { return tx.Templates().Create(ctx, t) },
				getTemplate(t.ID, func(t lp.CampaignTemplate) string {
					return fieldOf(t, func(f lp.TemplateField) string { return f.Key })
				})
		}},
		{"Templates.Update field Label", func(s string) (obj, write, read) {
			t := lp.CampaignTemplate{OrgID: org, ID: uuid.New(), Name: "T", Fields: []lp.TemplateField{{Key: "k", Label: "L"}}}
			h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Templates().Create(ctx, t)) })
			t.Fields = []lp.TemplateField{{Key: "k", Label: s}}
			return t, func(ctx context.Context, tx storage.Tx) error { return tx.Templates().Update(ctx, t) },
				getTemplate(t.ID, func(t lp.CampaignTemplate) string {
					return fieldOf(t, func(f lp.TemplateField) string { return f.Label })
				})
		}},
		{"Users.Create Name", func(s string) (obj, write, read) {
			u := lp.User{OrgID: org, ID: uuid.New(), Name: s, Role: lp.RoleAgent}
			return u, func(ctx context.Context, tx storage.Tx) error { return tx.Users().Create(ctx, u) },
				func(ctx context.Context, tx storage.Tx) (string, error) {
					got, err := tx.Users().Get(ctx, org, u.ID)
					return got.Name, err
				}
		}},
		{"Leads.Create Fields value", func(s string) (obj, write, read) {
			l := h.lead(tn, func(l *lp.Lead) { l.Fields["first_name"] = s })
			return l, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Create(ctx, l) },
				getLead(l.ID, func(l lp.Lead) string { return l.Fields["first_name"] })
		}},
		{"Leads.Create Fields key", func(s string) (obj, write, read) {
			l := h.lead(tn, func(l *lp.Lead) { l.Fields = map[string]string{s: "v"} })
			return l, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Create(ctx, l) },
				getLead(l.ID, func(l lp.Lead) string {
					for k := range l.Fields {
						return k
					}
					return ""
				})
		}},
		{"Leads.Create Outcome", func(s string) (obj, write, read) {
			l := h.lead(tn, func(l *lp.Lead) { l.Outcome = s })
			return l, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Create(ctx, l) },
				getLead(l.ID, func(l lp.Lead) string { return l.Outcome })
		}},
		{"Leads.CreateMany Fields value", func(s string) (obj, write, read) {
			l := h.lead(tn, func(l *lp.Lead) { l.Fields["tariff"] = s })
			return l, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().CreateMany(ctx, org, []lp.Lead{l}) },
				getLead(l.ID, func(l lp.Lead) string { return l.Fields["tariff"] })
		}},
		{"Leads.Update Fields value", func(s string) (obj, write, read) {
			l := h.lead(tn)
			h.addLeads(l)
			l.Fields = map[string]string{"first_name": s}
			return l, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Update(ctx, l) },
				getLead(l.ID, func(l lp.Lead) string { return l.Fields["first_name"] })
		}},
		{"Contacts.Add Notes", contact(func(c *lp.ContactAttempt) *string { return &c.Notes })},
		{"Contacts.Add RecordingRef", contact(func(c *lp.ContactAttempt) *string { return &c.RecordingRef })},
		{"Contacts.Add Result", contact(func(c *lp.ContactAttempt) *string { return &c.Result })},
		{"Blocks.Create Reason", func(s string) (obj, write, read) {
			b := h.block(tn, func(b *lp.BlockEntry) { b.Reason = s })
			return b, func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Create(ctx, b) }, getBlock(b.ID)
		}},
		{"Blocks.CreateMany Reason", func(s string) (obj, write, read) {
			b := h.block(tn, func(b *lp.BlockEntry) { b.Reason = s })
			return b, func(ctx context.Context, tx storage.Tx) error {
				_, err := tx.Blocks().CreateMany(ctx, org, []lp.BlockEntry{b})
				return err
			}, getBlock(b.ID)
		}},
		{"Blocks.Update Reason", func(s string) (obj, write, read) {
			b := h.block(tn)
			h.addBlocks(b)
			b.Reason = s
			return b, func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Update(ctx, b) }, getBlock(b.ID)
		}},
		{"RetentionRules.Create Outcome", func(s string) (obj, write, read) {
			r := h.rule(tn, s)
			return r, func(ctx context.Context, tx storage.Tx) error { return tx.RetentionRules().Create(ctx, r) }, getRule(r.ID)
		}},
		{"RetentionRules.Update Outcome", func(s string) (obj, write, read) {
			r := h.rule(tn, h.outcome())
			r.ProjectID = tn.P2.ID // the Create probe stores the same outcomes in P1
			h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.RetentionRules().Create(ctx, r)) })
			r.Outcome = s
			return r, func(ctx context.Context, tx storage.Tx) error { return tx.RetentionRules().Update(ctx, r) }, getRule(r.ID)
		}},
		{"Events.Append Action", event(func(e *lp.Event, s string) { e.Action = lp.Action(s) }, func(e lp.Event) string { return string(e.Action) })},
		{"Events.Append MaskedNumber", event(func(e *lp.Event, s string) { e.MaskedNumber = s }, func(e lp.Event) string { return e.MaskedNumber })},
		{"Events.Append Details value", event(func(e *lp.Event, s string) { e.Details = map[string]string{"reason": s} }, func(e lp.Event) string { return e.Details["reason"] })},
	}
	runProbes(h, probes, hostileTexts, func(s string) string { return s }, func(a, b string) bool { return a == b })
}

// fieldOf returns f of the template's only field, or "" if it has none.
func fieldOf(t lp.CampaignTemplate, f func(lp.TemplateField) string) string {
	if len(t.Fields) == 0 {
		return ""
	}
	return f(t.Fields[0])
}

// testHostileTimes pushes edge times through every time field and every
// write method that stores it.
func testHostileTimes(h *harness) {
	tn := h.tenant("A")
	org := tn.Org.ID
	type obj = interface{ Validate() error }
	type write = func(ctx context.Context, tx storage.Tx) error
	type read = readFunc[time.Time]
	lead := func(create func(ctx context.Context, tx storage.Tx, l lp.Lead) error, mod func(*lp.Lead, time.Time), field func(lp.Lead) time.Time) func(t time.Time) (obj, write, read) {
		return func(t time.Time) (obj, write, read) {
			l := h.lead(tn, func(l *lp.Lead) { mod(l, t) })
			return l, func(ctx context.Context, tx storage.Tx) error { return create(ctx, tx, l) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					got, err := tx.Leads().Get(ctx, org, l.ID)
					return field(got), err
				}
		}
	}
	createLead := func(ctx context.Context, tx storage.Tx, l lp.Lead) error { return tx.Leads().Create(ctx, l) }
	createLeads := func(ctx context.Context, tx storage.Tx, l lp.Lead) error {
		return tx.Leads().CreateMany(ctx, org, []lp.Lead{l})
	}
	block := func(store func(ctx context.Context, tx storage.Tx, b lp.BlockEntry) error, mod func(*lp.BlockEntry, time.Time), field func(lp.BlockEntry) time.Time) func(t time.Time) (obj, write, read) {
		return func(t time.Time) (obj, write, read) {
			b := h.block(tn, func(b *lp.BlockEntry) { b.BlockedAt = lp.MinTime })
			mod(&b, t)
			return b, func(ctx context.Context, tx storage.Tx) error { return store(ctx, tx, b) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					got, err := tx.Blocks().Get(ctx, org, b.ID)
					return field(got), err
				}
		}
	}
	createBlock := func(ctx context.Context, tx storage.Tx, b lp.BlockEntry) error { return tx.Blocks().Create(ctx, b) }
	createBlocks := func(ctx context.Context, tx storage.Tx, b lp.BlockEntry) error {
		_, err := tx.Blocks().CreateMany(ctx, org, []lp.BlockEntry{b})
		return err
	}
	updateBlock := func(ctx context.Context, tx storage.Tx, b lp.BlockEntry) error {
		stored := b
		stored.ExpiresAt = time.Time{}
		if err := tx.Blocks().Create(ctx, stored); err != nil {
			return err
		}
		return tx.Blocks().Update(ctx, b)
	}
	expires := func(b *lp.BlockEntry, t time.Time) { b.ExpiresAt = t }
	expiresAt := func(b lp.BlockEntry) time.Time { return b.ExpiresAt }
	probes := []probe[time.Time]{
		{"Organisations.Create CreatedAt", func(t time.Time) (obj, write, read) {
			o := lp.Organisation{ID: uuid.New(), Name: "O", DefaultRegion: "DK", CreatedAt: t}
			return o, func(ctx context.Context, tx storage.Tx) error { return tx.Organisations().Create(ctx, o) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					got, err := tx.Organisations().Get(ctx, o.ID)
					return got.CreatedAt, err
				}
		}},
		{"Projects.Create CreatedAt", func(t time.Time) (obj, write, read) {
			p := lp.Project{OrgID: org, ID: uuid.New(), Name: "P", CreatedAt: t}
			return p, func(ctx context.Context, tx storage.Tx) error { return tx.Projects().Create(ctx, p) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					got, err := tx.Projects().Get(ctx, org, p.ID)
					return got.CreatedAt, err
				}
		}},
		{"Leads.Create CreatedAt", lead(createLead, func(l *lp.Lead, t time.Time) { l.CreatedAt = t }, func(l lp.Lead) time.Time { return l.CreatedAt })},
		{"Leads.Create LastContactAt", lead(createLead, func(l *lp.Lead, t time.Time) { l.LastContactAt = t }, func(l lp.Lead) time.Time { return l.LastContactAt })},
		{"Leads.Create ClosedAt", lead(createLead, func(l *lp.Lead, t time.Time) { l.ClosedAt = t }, func(l lp.Lead) time.Time { return l.ClosedAt })},
		{"Leads.Create ForgottenAt", lead(createLead, func(l *lp.Lead, t time.Time) { l.ForgottenAt, l.Phones, l.Fields = t, nil, nil }, func(l lp.Lead) time.Time { return l.ForgottenAt })},
		{"Leads.CreateMany ClosedAt", lead(createLeads, func(l *lp.Lead, t time.Time) { l.ClosedAt = t }, func(l lp.Lead) time.Time { return l.ClosedAt })},
		{"Leads.Update LastContactAt", func(t time.Time) (obj, write, read) {
			l := h.lead(tn)
			h.addLeads(l)
			l.LastContactAt = t
			return l, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Update(ctx, l) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					got, err := tx.Leads().Get(ctx, org, l.ID)
					return got.LastContactAt, err
				}
		}},
		{"Contacts.Add At", func(t time.Time) (obj, write, read) {
			l := h.lead(tn)
			h.addLeads(l)
			c := h.contact(l, t)
			return c, func(ctx context.Context, tx storage.Tx) error { return tx.Contacts().Add(ctx, c) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					cs, err := tx.Contacts().ListByLead(ctx, org, l.ID)
					if err != nil || len(cs) == 0 {
						return time.Time{}, errors.Join(err, notFound("contact attempt"))
					}
					return cs[0].At, nil
				}
		}},
		{"Blocks.Create BlockedAt", block(createBlock, func(b *lp.BlockEntry, t time.Time) { b.BlockedAt = t }, func(b lp.BlockEntry) time.Time { return b.BlockedAt })},
		{"Blocks.Create ExpiresAt", block(createBlock, expires, expiresAt)},
		{"Blocks.CreateMany ExpiresAt", block(createBlocks, expires, expiresAt)},
		{"Blocks.Update ExpiresAt", block(updateBlock, expires, expiresAt)},
		{"Suppressions.Add CreatedAt", func(t time.Time) (obj, write, read) {
			var fp phone.Fingerprint
			_, _ = rand.Read(fp[:])
			s := lp.Suppression{OrgID: org, Fingerprint: fp, CreatedBy: tn.Admin.ID, CreatedAt: t}
			return s, func(ctx context.Context, tx storage.Tx) error { return tx.Suppressions().Add(ctx, s) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					got, err := tx.Suppressions().Find(ctx, org, []phone.Fingerprint{fp})
					if err != nil || len(got) == 0 {
						return time.Time{}, errors.Join(err, notFound("suppression"))
					}
					return got[0].CreatedAt, nil
				}
		}},
		{"RetentionRules.Create CreatedAt", func(t time.Time) (obj, write, read) {
			r := h.rule(tn, h.outcome())
			r.CreatedAt = t
			return r, func(ctx context.Context, tx storage.Tx) error { return tx.RetentionRules().Create(ctx, r) },
				func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					got, err := tx.RetentionRules().Get(ctx, org, r.ID)
					return got.CreatedAt, err
				}
		}},
		{"Events.Append Time", func(t time.Time) (obj, write, read) {
			e := h.event(tn, func(e *lp.Event) { e.Time = t })
			seq := h.nextSeq(org)
			return e, func(ctx context.Context, tx storage.Tx) error {
					_, err := tx.Events().Append(ctx, e)
					return err
				}, func(ctx context.Context, tx storage.Tx) (time.Time, error) {
					es, err := tx.Events().Range(ctx, org, seq, seq+1)
					if err != nil || len(es) == 0 {
						return time.Time{}, errors.Join(err, notFound("event"))
					}
					return es[0].Time, nil
				}
		}},
	}
	runProbes(h, probes, hostileTimes,
		func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) },
		func(a, b time.Time) bool { return a.Equal(b) && b.Location() == time.UTC })
}

// testQueryTimes checks that a query time outside the storable range is
// refused, not encoded wrapped around so that it selects the wrong rows
// (a purge selecting every lead, a ChangeLog query every event).
func testQueryTimes(h *harness) {
	w := h.world("A")
	org := w.Org.ID
	for _, v := range hostileTimes {
		if !v.refused {
			continue
		}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.Events().Query(ctx, org, storage.EventQuery{Since: v.v})
			h.is(err, lp.ErrInvalidArgument, "Events.Query Since "+v.name)
			_, err = tx.Events().Query(ctx, org, storage.EventQuery{Until: v.v})
			h.is(err, lp.ErrInvalidArgument, "Events.Query Until "+v.name)
			f := storage.LeadFilter{Basis: lp.SinceCreated, Before: v.v}
			_, err = tx.Leads().List(ctx, org, f, storage.Page{})
			h.is(err, lp.ErrInvalidArgument, "Leads.List Before "+v.name)
			_, err = tx.Leads().ListIDs(ctx, org, f, storage.Page{})
			h.is(err, lp.ErrInvalidArgument, "Leads.ListIDs Before "+v.name)
		})
	}
}

// testErrorMessages checks that a failure says what is wrong, naming the
// kind of object and its id where there is one, with exactly one
// "leadprivacy:" prefix, so a host can log it as it is.
func testErrorMessages(h *harness) {
	w := h.world("A")
	org, missing := w.Org.ID, uuid.New()
	noProject := func(x *lp.Lead) { x.ProjectID = missing }
	reg, era := w.Registries[0], w.Erasures[0]
	cases := []struct {
		name   string
		target error
		want   []string // substrings of the message
		call   func(ctx context.Context, tx storage.Tx) error
	}{
		{"Projects.Get", lp.ErrNotFound, []string{"project", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Projects().Get(ctx, org, missing)
			return err
		}},
		{"Templates.Get", lp.ErrNotFound, []string{"template", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Templates().Get(ctx, org, missing)
			return err
		}},
		{"Users.Get", lp.ErrNotFound, []string{"user", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Users().Get(ctx, org, missing)
			return err
		}},
		{"Leads.Get", lp.ErrNotFound, []string{"lead", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Leads().Get(ctx, org, missing)
			return err
		}},
		{"Leads.Update", lp.ErrNotFound, []string{"lead", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().Update(ctx, h.lead(w.tenant, func(x *lp.Lead) { x.ID = missing }))
		}},
		{"Leads.Delete", lp.ErrNotFound, []string{"lead", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().Delete(ctx, org, missing)
		}},
		{"Leads.Create missing project", lp.ErrNotFound, []string{"project", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().Create(ctx, h.lead(w.tenant, noProject))
		}},
		{"Leads.Create id exists", lp.ErrConflict, []string{"lead", w.Leads[0].ID.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().Create(ctx, h.lead(w.tenant, func(x *lp.Lead) { x.ID = w.Leads[0].ID }))
		}},
		{"Leads.CreateMany second entry's project", lp.ErrNotFound, []string{"lead 1 of the batch", "project", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().CreateMany(ctx, org, []lp.Lead{h.lead(w.tenant), h.lead(w.tenant, noProject)})
		}},
		{"Leads.CreateMany id exists", lp.ErrConflict, []string{"lead 1 of the batch", w.Leads[1].ID.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().CreateMany(ctx, org, []lp.Lead{h.lead(w.tenant), h.lead(w.tenant, func(x *lp.Lead) { x.ID = w.Leads[1].ID })})
		}},
		{"Contacts.Add missing lead", lp.ErrNotFound, []string{"lead", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Contacts().Add(ctx, h.contact(h.lead(w.tenant, func(x *lp.Lead) { x.ID = missing }), h.now))
		}},
		{"Blocks.Get", lp.ErrNotFound, []string{"block entry", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Blocks().Get(ctx, org, missing)
			return err
		}},
		{"Blocks.Create already blocked", lp.ErrConflict, []string{"already blocked", w.Blocks[1].ID.String(), w.Blocks[1].ExpiresAt.Format(time.RFC3339)}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Blocks().Create(ctx, h.block(w.tenant, func(x *lp.BlockEntry) { x.Number, x.ProjectID = w.Blocks[1].Number, w.Blocks[1].ProjectID }))
		}},
		{"Blocks.Create id exists", lp.ErrConflict, []string{"block entry", w.Blocks[0].ID.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Blocks().Create(ctx, h.block(w.tenant, func(x *lp.BlockEntry) { x.ID = w.Blocks[0].ID }))
		}},
		{"Blocks.Create missing project", lp.ErrNotFound, []string{"project", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Blocks().Create(ctx, h.block(w.tenant, func(x *lp.BlockEntry) { x.ProjectID = missing }))
		}},
		{"Blocks.CreateMany missing project", lp.ErrNotFound, []string{"project", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Blocks().CreateMany(ctx, org, []lp.BlockEntry{h.block(w.tenant), h.block(w.tenant, func(x *lp.BlockEntry) { x.ProjectID = missing })})
			return err
		}},
		{"Blocks.CreateMany id exists", lp.ErrConflict, []string{"block entry", w.Blocks[0].ID.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Blocks().CreateMany(ctx, org, []lp.BlockEntry{h.block(w.tenant, func(x *lp.BlockEntry) { x.ID = w.Blocks[0].ID })})
			return err
		}},
		{"Blocks.Delete", lp.ErrNotFound, []string{"block entry", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Blocks().Delete(ctx, org, missing)
		}},
		{"RetentionRules.Get", lp.ErrNotFound, []string{"retention rule", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.RetentionRules().Get(ctx, org, missing)
			return err
		}},
		{"RetentionRules.Create outcome taken", lp.ErrConflict, []string{"rule for this outcome"}, func(ctx context.Context, tx storage.Tx) error {
			return tx.RetentionRules().Create(ctx, h.rule(w.tenant, w.Rule.Outcome))
		}},
		{"Suppressions.Remove", lp.ErrNotFound, []string{"suppression"}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Suppressions().Remove(ctx, org, fps[2])
		}},
		{"Registries.Get", lp.ErrNotFound, []string{"registry", `"absent"`}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Registries().Get(ctx, org, "absent")
			return err
		}},
		{"Registries.Create id exists", lp.ErrConflict, []string{"registry", reg.ID.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().Create(ctx, h.registry(w.tenant, "other", nil, func(x *lp.Registry) { x.ID = reg.ID }))
		}},
		{"Registries.Create name taken", lp.ErrConflict, []string{"registry", `"tps"`}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().Create(ctx, h.registry(w.tenant, "tps", nil))
		}},
		{"Registries.Create missing project", lp.ErrNotFound, []string{"project", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().Create(ctx, h.registry(w.tenant, "other", nil, func(x *lp.Registry) { x.ProjectIDs = []uuid.UUID{missing} }))
		}},
		{"Registries.Update missing", lp.ErrNotFound, []string{"registry", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().Update(ctx, h.registry(w.tenant, "tps", nil, func(x *lp.Registry) { x.ID = missing }))
		}},
		{"Registries.Update renames", lp.ErrInvalidArgument, []string{"Registry.Name"}, func(ctx context.Context, tx storage.Tx) error {
			renamed := reg
			renamed.Name = "other"
			return tx.Registries().Update(ctx, renamed)
		}},
		{"Registries.Delete", lp.ErrNotFound, []string{"registry", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().Delete(ctx, org, missing)
		}},
		{"Registries.WriteSnapshot missing registry", lp.ErrNotFound, []string{"registry", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().WriteSnapshot(ctx, org, missing, 1, nil)
		}},
		{"Registries.WriteSnapshot version taken", lp.ErrConflict, []string{"snapshot", reg.ID.String(), "version 1"}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().WriteSnapshot(ctx, org, reg.ID, 1, nil)
		}},
		{"Registries.ReadSnapshot", lp.ErrNotFound, []string{"snapshot", reg.ID.String(), "version 2"}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Registries().ReadSnapshot(ctx, org, reg.ID, 2)
			return err
		}},
		{"Registries.ReadSnapshotTo", lp.ErrNotFound, []string{"snapshot", reg.ID.String(), "version 2"}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().ReadSnapshotTo(ctx, org, reg.ID, 2, io.Discard)
		}},
		{"Erasures.Get", lp.ErrNotFound, []string{"pending erasure", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Erasures().Get(ctx, org, missing)
			return err
		}},
		{"Erasures.Add id exists", lp.ErrConflict, []string{"pending erasure", era.ID.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Erasures().Add(ctx, h.erasure(w.tenant, func(x *lp.PendingErasure) { x.ID = era.ID }))
		}},
		{"Erasures.Update missing", lp.ErrNotFound, []string{"pending erasure", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Erasures().Update(ctx, h.erasure(w.tenant, func(x *lp.PendingErasure) { x.ID = missing }))
		}},
		{"Erasures.Update lead", lp.ErrInvalidArgument, []string{"PendingErasure", "Attempts"}, func(ctx context.Context, tx storage.Tx) error {
			changed := era
			changed.LeadID = missing
			return tx.Erasures().Update(ctx, changed)
		}},
		{"Erasures.Delete", lp.ErrNotFound, []string{"pending erasure", missing.String()}, func(ctx context.Context, tx storage.Tx) error {
			return tx.Erasures().Delete(ctx, org, missing)
		}},
	}
	for _, c := range cases {
		err := h.try(c.call)
		h.is(err, c.target, c.name)
		msg := err.Error()
		if n := strings.Count(msg, "leadprivacy:"); n != 1 {
			h.t.Errorf("%s: %q has %d leadprivacy: prefixes, want 1", c.name, msg, n)
		}
		for _, want := range c.want {
			if !strings.Contains(msg, want) {
				h.t.Errorf("%s: %q does not name %s", c.name, msg, want)
			}
		}
	}
}
