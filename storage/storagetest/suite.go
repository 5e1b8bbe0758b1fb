package storagetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Options holds what adapters may legitimately differ in. A nil *Options
// means the defaults.
type Options struct {
	// TimePrecision is the resolution the adapter keeps times in: a time
	// read back may differ from the one written by less than this (the
	// database truncates or rounds). The contract requires at least
	// microseconds, the default; times that are whole microseconds must
	// always come back exactly.
	TimePrecision time.Duration
	// Writers is the number of goroutines that append ChangeLog events at
	// once in the concurrency test (default 8). An adapter whose database
	// serialises writers slowly may lower it, never below 2.
	Writers int
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.TimePrecision <= 0 {
		out.TimePrecision = time.Microsecond
	}
	if out.Writers < 2 {
		out.Writers = 8
	}
	return out
}

// Run runs the conformance suite against stores made by newStore, one fresh
// store per subtest. newStore should register its own cleanup (t.Cleanup);
// Run closes each store at the end of its subtest.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store, opts *Options) {
	o := opts.withDefaults()
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					s := newStore(t)
					t.Cleanup(func() { require.NoError(t, s.Close()) })
					c.fn(newHarness(t, s, o))
				})
			}
		})
	}
}

type testCase struct {
	name string
	fn   func(h *harness)
}

type group struct {
	name  string
	cases []testCase
}

// groups lists every subtest by view and method; each file adds its view.
var groups = []group{
	{"Tx", txCases},
	{"Organisations", orgCases},
	{"Projects", projectCases},
	{"Templates", templateCases},
	{"Users", userCases},
	{"Leads", leadCases},
	{"Contacts", contactCases},
	{"Blocks", blockCases},
	{"Suppressions", suppressionCases},
	{"Screening", screeningCases},
	{"RetentionRules", ruleCases},
	{"Events", eventCases},
	{"Registries", registryCases},
	{"Erasures", erasureCases},
	{"Leases", leaseCases},
	{"Isolation", isolationCases},
	{"Divergence", divergenceCases},
	{"Values", valueCases},
	{"Concurrency", concurrencyCases},
}

// harness is one subtest's store with fixture builders.
type harness struct {
	t        *testing.T
	s        storage.Store
	ctx      context.Context
	opts     Options
	now      time.Time // a whole number of microseconds, UTC
	numbers  int
	outcomes int
}

func newHarness(t *testing.T, s storage.Store, o Options) *harness {
	return &harness{t: t, s: s, ctx: t.Context(), opts: o,
		now: time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)}
}

// tx runs fn in a transaction that must commit.
func (h *harness) tx(fn func(ctx context.Context, tx storage.Tx)) {
	h.t.Helper()
	require.NoError(h.t, h.s.WithTx(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		fn(ctx, tx)
		return nil
	}))
}

// try runs fn in its own transaction and returns its error (the
// transaction rolls back if it is not nil).
func (h *harness) try(fn func(ctx context.Context, tx storage.Tx) error) error {
	return h.s.WithTx(h.ctx, fn)
}

// is asserts that err matches target.
func (h *harness) is(err, target error, msg ...any) {
	h.t.Helper()
	require.Error(h.t, err, msg...)
	require.ErrorIs(h.t, err, target, msg...)
}

func (h *harness) noErr(err error, msg ...any) {
	h.t.Helper()
	require.NoError(h.t, err, msg...)
}

// number returns a valid E.164 number (Danish mobile) unique in the subtest.
func (h *harness) number() phone.Number {
	h.numbers++
	return phone.Number(fmt.Sprintf("+452%07d", h.numbers))
}

// tenant is an organisation with two projects, a template and three users:
// an admin, an agent in P1 and an agent in P2.
type tenant struct {
	Org                   lp.Organisation
	P1, P2                lp.Project
	Tpl                   lp.CampaignTemplate
	Admin, Agent1, Agent2 lp.User
}

func (h *harness) tenant(name string) tenant {
	h.t.Helper()
	org := uuid.New()
	tn := tenant{
		Org: lp.Organisation{ID: org, Name: name, DefaultRegion: "DK", CreatedAt: h.now},
		P1:  lp.Project{OrgID: org, ID: uuid.New(), Name: "Energy 2026", CreatedAt: h.now},
		P2:  lp.Project{OrgID: org, ID: uuid.New(), Name: "Insurance Q4", CreatedAt: h.now},
		Tpl: lp.CampaignTemplate{OrgID: org, ID: uuid.New(), Name: "Energy", Fields: []lp.TemplateField{
			{Key: "first_name", Label: "First name", Personal: true},
			{Key: "tariff", Label: "Tariff"},
		}},
		Admin:  lp.User{OrgID: org, ID: uuid.New(), Name: "Alice", Role: lp.RoleAdmin},
		Agent1: lp.User{OrgID: org, ID: uuid.New(), Name: "Bob", Role: lp.RoleAgent},
		Agent2: lp.User{OrgID: org, ID: uuid.New(), Name: "Carol", Role: lp.RoleAgent},
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Organisations().Create(ctx, tn.Org))
		h.noErr(tx.Projects().Create(ctx, tn.P1))
		h.noErr(tx.Projects().Create(ctx, tn.P2))
		h.noErr(tx.Templates().Create(ctx, tn.Tpl))
		for _, u := range []lp.User{tn.Admin, tn.Agent1, tn.Agent2} {
			h.noErr(tx.Users().Create(ctx, u))
		}
		h.noErr(tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: tn.P1.ID, UserID: tn.Agent1.ID}))
		h.noErr(tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: org, ProjectID: tn.P2.ID, UserID: tn.Agent2.ID}))
	})
	return tn
}

// code returns a code (lp.ValidCode) unique in the subtest, prefix_N.
func (h *harness) code(prefix string) string {
	h.numbers++
	return prefix + "_" + strconv.Itoa(h.numbers%10_000)
}

// lead builds (does not store) an open lead of P1 with one fresh number.
func (h *harness) lead(tn tenant, mods ...func(*lp.Lead)) lp.Lead {
	l := lp.Lead{
		OrgID: tn.Org.ID, ID: uuid.New(), ProjectID: tn.P1.ID, TemplateID: tn.Tpl.ID,
		Phones:    []phone.Number{h.number()},
		Fields:    map[string]string{"first_name": "Jens", "tariff": "A"},
		Outcome:   "success",
		CreatedAt: h.now.Add(-48 * time.Hour),
	}
	for _, m := range mods {
		m(&l)
	}
	return l
}

// addLeads stores leads in one transaction.
func (h *harness) addLeads(ls ...lp.Lead) {
	h.t.Helper()
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, l := range ls {
			h.noErr(tx.Leads().Create(ctx, l))
		}
	})
}

// block builds (does not store) an org-wide manual block of a fresh number.
func (h *harness) block(tn tenant, mods ...func(*lp.BlockEntry)) lp.BlockEntry {
	b := lp.BlockEntry{OrgID: tn.Org.ID, ID: uuid.New(), Number: h.number(), BlockedBy: tn.Admin.ID,
		BlockedAt: h.now, Reason: "customer_request", Source: lp.SourceManual}
	for _, m := range mods {
		m(&b)
	}
	return b
}

func (h *harness) addBlocks(bs ...lp.BlockEntry) {
	h.t.Helper()
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, b := range bs {
			h.noErr(tx.Blocks().Create(ctx, b))
		}
	})
}

// event builds (does not append) an event by the tenant's admin.
func (h *harness) event(tn tenant, mods ...func(*lp.Event)) lp.Event {
	e := lp.Event{OrgID: tn.Org.ID, Time: h.now, ActorID: tn.Admin.ID, Action: "lead.viewed"}
	for _, m := range mods {
		m(&e)
	}
	return e
}

func (h *harness) appendEvents(es ...lp.Event) {
	h.t.Helper()
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, e := range es {
			_, err := tx.Events().Append(ctx, e)
			h.noErr(err)
		}
	})
}

func (h *harness) rule(tn tenant, outcome string) lp.RetentionRule {
	return lp.RetentionRule{OrgID: tn.Org.ID, ID: uuid.New(), ProjectID: tn.P1.ID, Outcome: outcome,
		KeepFor: 60 * 24 * time.Hour, Action: lp.ActionForget, Basis: lp.SinceLastContact,
		CreatedBy: tn.Admin.ID, CreatedAt: h.now}
}

func (h *harness) contact(l lp.Lead, at time.Time) lp.ContactAttempt {
	return lp.ContactAttempt{OrgID: l.OrgID, ID: uuid.New(), LeadID: l.ID, At: at, Result: "no_answer",
		Talk: 42 * time.Second, Notes: "call back after 5", RecordingRef: "rec/" + uuid.NewString()}
}

// ids returns the ids of values in order.
func ids[V any](vs []V, id func(V) uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(vs))
	for _, v := range vs {
		out = append(out, id(v))
	}
	return out
}

func leadID(l lp.Lead) uuid.UUID        { return l.ID }
func blockID(b lp.BlockEntry) uuid.UUID { return b.ID }

// sorted returns ids in the contract's order: ascending bytes.
func sorted(in ...uuid.UUID) []uuid.UUID {
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return out
}

// normLead makes a lead comparable across adapters: empty slices and maps as nil.
func normLead(l lp.Lead) lp.Lead {
	if len(l.Phones) == 0 {
		l.Phones = nil
	}
	if len(l.Fields) == 0 {
		l.Fields = nil
	}
	return l
}

func normLeads(ls []lp.Lead) []lp.Lead {
	if len(ls) == 0 {
		return nil
	}
	out := make([]lp.Lead, len(ls))
	for i, l := range ls {
		out[i] = normLead(l)
	}
	return out
}

func normTemplate(t lp.CampaignTemplate) lp.CampaignTemplate {
	if len(t.Fields) == 0 {
		t.Fields = nil
	}
	return t
}

func normEvent(e lp.Event) lp.Event {
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e
}

func normEvents(es []lp.Event) []lp.Event {
	if len(es) == 0 {
		return nil
	}
	out := make([]lp.Event, len(es))
	for i, e := range es {
		out[i] = normEvent(e)
	}
	return out
}

// nilIfEmpty makes empty and nil results compare equal.
func nilIfEmpty[V any](vs []V) []V {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

func ptr[V any](v V) *V { return &v }
