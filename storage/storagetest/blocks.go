package storagetest

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

var contactCases = []testCase{
	{"Add", func(h *harness) {
		tn := h.tenant("A")
		l := h.lead(tn)
		h.addLeads(l)
		c := h.contact(l, h.now)
		c.AgentID = tn.Agent1.ID
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Contacts().Add(ctx, c))
			h.is(tx.Contacts().Add(ctx, c), lp.ErrConflict)
			h.is(tx.Contacts().Add(ctx, h.contact(h.lead(tn), h.now)), lp.ErrNotFound)
			bad := h.contact(l, h.now)
			bad.Talk = -time.Second
			h.is(tx.Contacts().Add(ctx, bad), lp.ErrInvalidArgument)
			h.is(tx.Contacts().Add(ctx, h.contact(l, time.Time{})), lp.ErrInvalidArgument)
			got, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			require.Equal(h.t, []lp.ContactAttempt{c}, got)
		})
	}},
	{"ListByLead", func(h *harness) {
		tn := h.tenant("A")
		l, other := h.lead(tn), h.lead(tn)
		h.addLeads(l, other)
		late, early := h.contact(l, h.now), h.contact(l, h.now.Add(-time.Hour))
		same1, same2 := h.contact(l, h.now.Add(-time.Minute)), h.contact(l, h.now.Add(-time.Minute))
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for _, c := range []lp.ContactAttempt{late, same1, early, same2, h.contact(other, h.now)} {
				h.noErr(tx.Contacts().Add(ctx, c))
			}
		})
		mid := []lp.ContactAttempt{same1, same2}
		sortByID(mid, func(c lp.ContactAttempt) uuid.UUID { return c.ID })
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			require.Equal(h.t, []lp.ContactAttempt{early, mid[0], mid[1], late}, got, "ordered by At, then id")
			got, err = tx.Contacts().ListByLead(ctx, tn.Org.ID, uuid.New())
			h.noErr(err)
			require.Empty(h.t, got)
		})
	}},
	{"EraseByLead", func(h *harness) {
		tn := h.tenant("A")
		l, other := h.lead(tn), h.lead(tn)
		h.addLeads(l, other)
		notesOnly, recOnly, neither := h.contact(l, h.now), h.contact(l, h.now.Add(time.Second)), h.contact(l, h.now.Add(2*time.Second))
		notesOnly.RecordingRef, recOnly.Notes, neither.Notes, neither.RecordingRef = "", "", "", ""
		kept := h.contact(other, h.now)
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for _, c := range []lp.ContactAttempt{notesOnly, recOnly, neither, kept} {
				h.noErr(tx.Contacts().Add(ctx, c))
			}
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			n, err := tx.Contacts().EraseByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			require.Equal(h.t, 2, n, "counts the attempts it changed")
			n, err = tx.Contacts().EraseByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			require.Zero(h.t, n)
			n, err = tx.Contacts().EraseByLead(ctx, tn.Org.ID, uuid.New())
			h.noErr(err)
			require.Zero(h.t, n)
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			notesOnly.Notes, recOnly.RecordingRef = "", ""
			require.Equal(h.t, []lp.ContactAttempt{notesOnly, recOnly, neither}, got, "non-personal call facts stay")
			got, err = tx.Contacts().ListByLead(ctx, tn.Org.ID, other.ID)
			h.noErr(err)
			require.Equal(h.t, []lp.ContactAttempt{kept}, got)
		})
	}},
	{"EraseByLeads", testContactsEraseByLeads},
}

var blockCases = []testCase{
	{"Create", testBlocksCreate},
	{"CreateMany", testBlocksCreateMany},
	{"Get", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.Blocks().Get(ctx, tn.Org.ID, uuid.New())
			h.is(err, lp.ErrNotFound)
		})
	}},
	{"Update", testBlocksUpdate},
	{"Delete", func(h *harness) {
		tn := h.tenant("A")
		b := h.block(tn)
		h.addBlocks(b)
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Blocks().Delete(ctx, tn.Org.ID, b.ID))
			h.is(tx.Blocks().Delete(ctx, tn.Org.ID, b.ID), lp.ErrNotFound)
			_, err := tx.Blocks().Get(ctx, tn.Org.ID, b.ID)
			h.is(err, lp.ErrNotFound)
			found, err := tx.Blocks().FindByNumbers(ctx, tn.Org.ID, []phone.Number{b.Number})
			h.noErr(err)
			require.Empty(h.t, found)
			again := b
			again.ID = uuid.New()
			h.noErr(tx.Blocks().Create(ctx, again), "the scope is free again after Delete")
		})
	}},
	{"FindByNumbers", testBlocksFindByNumbers},
	{"FindByNumbersPrefixes", testBlocksFindByNumbersPrefixes},
	{"List", testBlocksList},
	{"DeleteMany", testBlocksDeleteMany},
}

func (h *harness) getBlock(org, id uuid.UUID) lp.BlockEntry {
	h.t.Helper()
	var b lp.BlockEntry
	h.tx(func(ctx context.Context, tx storage.Tx) {
		var err error
		b, err = tx.Blocks().Get(ctx, org, id)
		h.noErr(err)
	})
	return b
}

func testBlocksCreate(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	orgWide := h.block(tn, func(b *lp.BlockEntry) { b.ExpiresAt = h.now.Add(time.Hour) })
	project := h.block(tn, func(b *lp.BlockEntry) { b.Number, b.ProjectID, b.Source = orgWide.Number, tn.P1.ID, lp.SourceAPI })
	h.addBlocks(orgWide, project)
	require.Equal(h.t, orgWide, h.getBlock(tn.Org.ID, orgWide.ID))
	require.Equal(h.t, project, h.getBlock(tn.Org.ID, project.ID))
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.is(tx.Blocks().Create(ctx, h.block(tn, func(b *lp.BlockEntry) { b.ID = orgWide.ID })), lp.ErrConflict, "same id")
		h.is(tx.Blocks().Create(ctx, h.block(tn, func(b *lp.BlockEntry) { b.Number = orgWide.Number })), lp.ErrConflict, "same scope")
		h.is(tx.Blocks().Create(ctx, h.block(tn, func(b *lp.BlockEntry) { b.Number, b.ProjectID = orgWide.Number, tn.P1.ID })),
			lp.ErrConflict, "same project scope")
		h.noErr(tx.Blocks().Create(ctx, h.block(tn, func(b *lp.BlockEntry) { b.Number, b.ProjectID = orgWide.Number, tn.P2.ID })),
			"another project is another scope")
		h.is(tx.Blocks().Create(ctx, h.block(tn, func(b *lp.BlockEntry) { b.ProjectID = uuid.New() })), lp.ErrNotFound)
		h.is(tx.Blocks().Create(ctx, h.block(tn, func(b *lp.BlockEntry) { b.ProjectID = other.P1.ID })), lp.ErrNotFound)
		for name, mod := range map[string]func(*lp.BlockEntry){
			"national number": func(b *lp.BlockEntry) { b.Number = "20123456" },
			"no BlockedAt":    func(b *lp.BlockEntry) { b.BlockedAt = time.Time{} },
			"expiry first":    func(b *lp.BlockEntry) { b.ExpiresAt = b.BlockedAt },
		} {
			h.is(tx.Blocks().Create(ctx, h.block(tn, mod)), lp.ErrInvalidArgument, name)
		}
	})
	// An expired entry still holds its scope.
	expired := h.block(tn, func(b *lp.BlockEntry) { b.BlockedAt, b.ExpiresAt = h.now.Add(-2*time.Hour), h.now.Add(-time.Hour) })
	h.addBlocks(expired)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.is(tx.Blocks().Create(ctx, h.block(tn, func(b *lp.BlockEntry) { b.Number = expired.Number })), lp.ErrConflict, "expired entries included")
	})
}

func testBlocksCreateMany(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	existing := h.block(tn)
	h.addBlocks(existing)
	dupNumber := h.number()
	first := h.block(tn, func(b *lp.BlockEntry) { b.Number = dupNumber; b.Reason = "first" })
	batch := []lp.BlockEntry{
		h.block(tn),
		h.block(tn, func(b *lp.BlockEntry) { b.Number = existing.Number }), // skipped: exists
		first, // inserted
		h.block(tn, func(b *lp.BlockEntry) { b.Number = dupNumber }),                           // skipped: earlier in batch
		h.block(tn, func(b *lp.BlockEntry) { b.Number, b.ProjectID = dupNumber, tn.P1.ID }),    // another scope
		h.block(tn, func(b *lp.BlockEntry) { b.ID = existing.ID; b.Number = existing.Number }), // skipped, so no id conflict
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Blocks().CreateMany(ctx, tn.Org.ID, batch)
		h.noErr(err)
		require.Equal(h.t, 3, n)
		n, err = tx.Blocks().CreateMany(ctx, tn.Org.ID, batch)
		h.noErr(err)
		require.Zero(h.t, n, "a second upload of the same entries inserts nothing")
		n, err = tx.Blocks().CreateMany(ctx, tn.Org.ID, nil)
		h.noErr(err)
		require.Zero(h.t, n)
	})
	require.Equal(h.t, first, h.getBlock(tn.Org.ID, first.ID), "the first entry of a scope wins")
	require.Equal(h.t, existing, h.getBlock(tn.Org.ID, existing.ID), "an existing entry is kept")
	h.tx(func(ctx context.Context, tx storage.Tx) {
		all, err := tx.Blocks().List(ctx, tn.Org.ID, storage.BlockFilter{}, storage.Page{})
		h.noErr(err)
		require.Equal(h.t, sorted(existing.ID, batch[0].ID, first.ID, batch[4].ID), ids(all, blockID))
	})
	fresh := func() lp.BlockEntry { return h.block(tn) }
	for _, tc := range []struct {
		name  string
		batch []lp.BlockEntry
		want  error
	}{
		{"existing id", []lp.BlockEntry{fresh(), h.block(tn, func(b *lp.BlockEntry) { b.ID = existing.ID })}, lp.ErrConflict},
		{"id twice", func() []lp.BlockEntry {
			a := fresh()
			return []lp.BlockEntry{a, h.block(tn, func(b *lp.BlockEntry) { b.ID = a.ID })}
		}(), lp.ErrConflict},
		{"missing project", []lp.BlockEntry{fresh(), h.block(tn, func(b *lp.BlockEntry) { b.ProjectID = uuid.New() })}, lp.ErrNotFound},
		{"invalid", []lp.BlockEntry{fresh(), h.block(tn, func(b *lp.BlockEntry) { b.Number = "+1" })}, lp.ErrInvalidArgument},
		{"other organisation", []lp.BlockEntry{fresh(), h.block(other)}, lp.ErrInvalidArgument},
	} {
		h.noErr(h.try(func(ctx context.Context, tx storage.Tx) error {
			n, err := tx.Blocks().CreateMany(ctx, tn.Org.ID, tc.batch)
			h.is(err, tc.want, tc.name)
			require.Zero(h.t, n, tc.name)
			found, err := tx.Blocks().FindByNumbers(ctx, tn.Org.ID, []phone.Number{tc.batch[0].Number})
			h.noErr(err)
			require.Empty(h.t, found, "%s: CreateMany stored part of a failed batch", tc.name)
			return nil
		}))
	}
}

func testBlocksUpdate(h *harness) {
	tn := h.tenant("A")
	b := h.block(tn, func(b *lp.BlockEntry) { b.ProjectID = tn.P1.ID })
	h.addBlocks(b)
	changed := b
	changed.ExpiresAt, changed.Reason, changed.BlockedBy = h.now.Add(30*24*time.Hour), "campaign_ended", tn.Agent1.ID
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Blocks().Update(ctx, changed))
		h.is(tx.Blocks().Update(ctx, h.block(tn)), lp.ErrNotFound)
		moved := changed
		moved.Number = h.number()
		h.is(tx.Blocks().Update(ctx, moved), lp.ErrInvalidArgument, "number cannot change")
		moved = changed
		moved.ProjectID = uuid.Nil
		h.is(tx.Blocks().Update(ctx, moved), lp.ErrInvalidArgument, "scope cannot change")
		bad := changed
		bad.ExpiresAt = bad.BlockedAt.Add(-time.Second)
		h.is(tx.Blocks().Update(ctx, bad), lp.ErrInvalidArgument)
	})
	require.Equal(h.t, changed, h.getBlock(tn.Org.ID, b.ID))
	changed.ExpiresAt = time.Time{}
	h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Blocks().Update(ctx, changed)) })
	require.Equal(h.t, changed, h.getBlock(tn.Org.ID, b.ID), "an expiry can be removed")
}

func testBlocksFindByNumbers(h *harness) {
	tn := h.tenant("A")
	n1, n2 := h.number(), h.number()
	a := h.block(tn, func(b *lp.BlockEntry) { b.Number = n1 })
	b := h.block(tn, func(b *lp.BlockEntry) { b.Number, b.ProjectID = n1, tn.P1.ID })
	c := h.block(tn, func(b *lp.BlockEntry) {
		b.Number, b.BlockedAt, b.ExpiresAt = n2, h.now.Add(-2*time.Hour), h.now.Add(-time.Hour)
	})
	d := h.block(tn)
	h.addBlocks(a, b, c, d)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, tc := range []struct {
			name    string
			numbers []phone.Number
			want    []lp.BlockEntry
		}{
			{"every scope", []phone.Number{n1}, []lp.BlockEntry{a, b}},
			{"expired too, batch, duplicates", []phone.Number{n2, h.number(), n1, n2}, []lp.BlockEntry{a, b, c}},
			{"unknown", []phone.Number{h.number()}, nil},
			{"empty", nil, nil},
		} {
			got, err := tx.Blocks().FindByNumbers(ctx, tn.Org.ID, tc.numbers)
			h.noErr(err)
			sortByID(tc.want, blockID)
			require.Equal(h.t, tc.want, nilIfEmpty(got), tc.name)
		}
	})
}

// testBlocksFindByNumbersPrefixes checks prefix entries: found for every
// number they start, whatever their scope or expiry, and kept apart from
// exact entries of the same digits.
func testBlocksFindByNumbersPrefixes(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	prefix := func(p phone.Number, mods ...func(*lp.BlockEntry)) lp.BlockEntry {
		return h.block(tn, append([]func(*lp.BlockEntry){func(b *lp.BlockEntry) { b.Number, b.Prefix = p, true }}, mods...)...)
	}
	const n = phone.Number("+4591234567")
	country := prefix("+45")
	short := prefix("+4591", func(b *lp.BlockEntry) { b.ProjectID = tn.P1.ID })
	long := prefix("+459123", func(b *lp.BlockEntry) { b.BlockedAt, b.ExpiresAt = h.now.Add(-2*time.Hour), h.now.Add(-time.Hour) })
	whole := prefix(n) // a prefix as long as the number stops it too
	exact := h.block(tn, func(b *lp.BlockEntry) { b.Number = n })
	elsewhere := prefix("+4592")
	// Variable-length numbering: +4930123 is a number and a prefix of
	// +4930123456; its exact entry must not stop the longer number.
	shortNumber := h.block(tn, func(b *lp.BlockEntry) { b.Number = "+4930123" })
	h.addBlocks(country, short, long, whole, exact, elsewhere, shortNumber)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.is(tx.Blocks().Create(ctx, prefix("+459123")), lp.ErrConflict, "same prefix, same scope, expired")
		h.is(tx.Blocks().Create(ctx, prefix("+4591", func(b *lp.BlockEntry) { b.ProjectID = tn.P1.ID })), lp.ErrConflict)
		other := h.block(other, func(b *lp.BlockEntry) { b.Number, b.Prefix = "+4591", true })
		h.noErr(tx.Blocks().Create(ctx, other), "another organisation")
		for name, p := range map[string]phone.Number{
			"wildcard": "+4591*", "no plus": "4591", "spaces": "+45 91", "unknown calling code": "+8",
			"too long": "+4591234567890123", "plus alone": "+",
		} {
			h.is(tx.Blocks().Create(ctx, prefix(p)), lp.ErrInvalidArgument, name)
		}
		for _, tc := range []struct {
			name    string
			numbers []phone.Number
			want    []lp.BlockEntry
		}{
			{"every prefix, scope and expiry, and the exact entry", []phone.Number{n}, []lp.BlockEntry{country, short, long, whole, exact}},
			{"a sibling range", []phone.Number{"+4592000000"}, []lp.BlockEntry{country, elsewhere}},
			{"batch", []phone.Number{"+4591000000", "+4930123456"}, []lp.BlockEntry{country, short}},
			{"exact entry of a shorter number", []phone.Number{"+4930123456"}, nil},
			{"the shorter number itself", []phone.Number{"+4930123"}, []lp.BlockEntry{shortNumber}},
		} {
			got, err := tx.Blocks().FindByNumbers(ctx, tn.Org.ID, tc.numbers)
			h.noErr(err)
			sortByID(tc.want, blockID)
			require.Equal(h.t, tc.want, nilIfEmpty(got), tc.name)
		}
	})
	// CreateMany keeps a prefix and a number of the same digits apart.
	h.tx(func(ctx context.Context, tx storage.Tx) {
		m := h.number()
		created, err := tx.Blocks().CreateMany(ctx, tn.Org.ID, []lp.BlockEntry{
			h.block(tn, func(b *lp.BlockEntry) { b.Number = m }), prefix(m), prefix(m), prefix("+459123"),
		})
		h.noErr(err)
		require.Equal(h.t, 2, created, "the number and its prefix twin; the second twin and the taken prefix are skipped")
		moved := whole
		moved.Prefix = false
		h.is(tx.Blocks().Update(ctx, moved), lp.ErrInvalidArgument, "a prefix entry cannot become exact")
	})
	require.Equal(h.t, whole, h.getBlock(tn.Org.ID, whole.ID))
}

func testBlocksList(h *harness) {
	tn := h.tenant("A")
	now := h.now
	orgWide := h.block(tn)
	p1 := h.block(tn, func(b *lp.BlockEntry) { b.ProjectID = tn.P1.ID })
	p2Expiring := h.block(tn, func(b *lp.BlockEntry) { b.ProjectID, b.ExpiresAt = tn.P2.ID, now.Add(time.Hour) })
	expired := h.block(tn, func(b *lp.BlockEntry) { b.BlockedAt, b.ExpiresAt = now.Add(-2*time.Hour), now.Add(-time.Hour) })
	// The numbers of h.number all start with "+4520"; these three test the
	// prefix bounds: "+4529" ends where "+453" starts, "+9" has no end.
	nines := h.block(tn, func(b *lp.BlockEntry) { b.Number, b.BlockedBy = "+4529999999", tn.Agent1.ID })
	next := h.block(tn, func(b *lp.BlockEntry) {
		b.Number, b.BlockedBy, b.ProjectID, b.ExpiresAt = "+4530123456", tn.Agent1.ID, tn.P2.ID, now.Add(3*time.Hour)
	})
	india := h.block(tn, func(b *lp.BlockEntry) { b.Number = "+919876543210" })
	var many []lp.BlockEntry
	for range 9 {
		many = append(many, h.block(tn, func(b *lp.BlockEntry) { b.ProjectID = tn.P1.ID }))
	}
	h.addBlocks(orgWide, p1, p2Expiring, expired, nines, next, india)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Blocks().CreateMany(ctx, tn.Org.ID, many)
		h.noErr(err)
		require.Equal(h.t, len(many), n)
	})
	p1s := append([]lp.BlockEntry{p1}, many...)
	plus := func(bs ...lp.BlockEntry) []lp.BlockEntry { return append(slices.Clone(p1s), bs...) }
	for _, tc := range []struct {
		name string
		f    storage.BlockFilter
		want []lp.BlockEntry
	}{
		{"zero", storage.BlockFilter{}, plus(orgWide, p2Expiring, expired, nines, next, india)},
		{"project", storage.BlockFilter{ProjectID: tn.P1.ID}, p1s},
		{"org-wide", storage.BlockFilter{OrgWideOnly: true}, []lp.BlockEntry{orgWide, expired, nines, india}},
		{"active", storage.BlockFilter{ActiveAt: now}, plus(orgWide, p2Expiring, nines, next, india)},
		{"active at expiry", storage.BlockFilter{ActiveAt: now.Add(time.Hour)}, plus(orgWide, nines, next, india)},
		{"expired", storage.BlockFilter{ExpiredAt: now}, []lp.BlockEntry{expired}},
		{"expired at expiry", storage.BlockFilter{ExpiredAt: now.Add(time.Hour)}, []lp.BlockEntry{p2Expiring, expired}},
		{"org-wide active", storage.BlockFilter{OrgWideOnly: true, ActiveAt: now}, []lp.BlockEntry{orgWide, nines, india}},
		{"project and expired", storage.BlockFilter{ProjectID: tn.P2.ID, ExpiredAt: now.Add(2 * time.Hour)}, []lp.BlockEntry{p2Expiring}},
		{"contradiction", storage.BlockFilter{ProjectID: tn.P1.ID, OrgWideOnly: true}, nil},
		{"blocked by", storage.BlockFilter{BlockedBy: tn.Agent1.ID}, []lp.BlockEntry{nines, next}},
		{"blocked by nobody's blocker", storage.BlockFilter{BlockedBy: tn.Agent2.ID}, nil},
		{"prefix", storage.BlockFilter{NumberPrefix: "+452"}, plus(orgWide, p2Expiring, expired, nines)},
		{"prefix of nines ends at the next digit", storage.BlockFilter{NumberPrefix: "+4529"}, []lp.BlockEntry{nines}},
		{"prefix starting at that bound", storage.BlockFilter{NumberPrefix: "+453"}, []lp.BlockEntry{next}},
		{"prefix without an end", storage.BlockFilter{NumberPrefix: "+9"}, []lp.BlockEntry{india}},
		{"prefix of the whole number", storage.BlockFilter{NumberPrefix: string(nines.Number)}, []lp.BlockEntry{nines}},
		{"country prefix", storage.BlockFilter{NumberPrefix: "+4"}, plus(orgWide, p2Expiring, expired, nines, next)},
		{"prefix matching nothing", storage.BlockFilter{NumberPrefix: "+1"}, nil},
		{"expires before", storage.BlockFilter{ExpiresBefore: now.Add(time.Hour)}, []lp.BlockEntry{expired}},
		{"expires before, past the expiry", storage.BlockFilter{ExpiresBefore: now.Add(time.Hour + time.Microsecond)}, []lp.BlockEntry{expired, p2Expiring}},
		{"expires before, to the microsecond", storage.BlockFilter{ExpiresBefore: now.Add(time.Hour + 500*time.Nanosecond)}, []lp.BlockEntry{expired}},
		{"active, expiring before", storage.BlockFilter{ActiveAt: now, ExpiresBefore: now.Add(4 * time.Hour)}, []lp.BlockEntry{p2Expiring, next}},
		{"everything at once", storage.BlockFilter{OrgWideOnly: true, BlockedBy: tn.Agent1.ID, NumberPrefix: "+45", ActiveAt: now}, []lp.BlockEntry{nines}},
	} {
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got := listAll(h, func(p storage.Page) ([]lp.BlockEntry, error) { return tx.Blocks().List(ctx, tn.Org.ID, tc.f, p) }, blockID)
			sortByID(tc.want, blockID)
			require.Equal(h.t, tc.want, nilIfEmpty(got), tc.name)
			n, err := tx.Blocks().Count(ctx, tn.Org.ID, tc.f)
			h.noErr(err, tc.name)
			require.Equal(h.t, len(tc.want), n, "Count of %s", tc.name)
		})
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, f := range []storage.BlockFilter{
			{NumberPrefix: "4520"}, {NumberPrefix: "+"}, {NumberPrefix: "+45 20"}, {NumberPrefix: "+45a"},
			{NumberPrefix: "+4520+"}, {NumberPrefix: "+" + strings.Repeat("4", 16)}, {NumberPrefix: "++45"},
			{ExpiresBefore: lp.MaxTime.Add(time.Microsecond)}, {ActiveAt: lp.MaxTime.Add(time.Microsecond)},
			{ExpiredAt: time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)},
		} {
			_, err := tx.Blocks().List(ctx, tn.Org.ID, f, storage.Page{})
			h.is(err, lp.ErrInvalidArgument, "List %+v", f)
			if digits := strings.Trim(f.NumberPrefix, "+"); digits != "" {
				require.NotContains(h.t, err.Error(), digits, "the prefix may be most of a number")
			}
			_, err = tx.Blocks().Count(ctx, tn.Org.ID, f)
			h.is(err, lp.ErrInvalidArgument, "Count %+v", f)
		}
		n, err := tx.Blocks().Count(ctx, tn.Org.ID, storage.BlockFilter{NumberPrefix: "+" + strings.Repeat("4", 15)})
		h.noErr(err, "15 digits is a prefix; the transaction is still usable")
		require.Zero(h.t, n)
	})
}

func testBlocksDeleteMany(h *harness) {
	tn := h.tenant("A")
	a, b, c := h.block(tn), h.block(tn, func(x *lp.BlockEntry) { x.ProjectID = tn.P1.ID }), h.block(tn)
	h.addBlocks(a, b, c)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Blocks().DeleteMany(ctx, tn.Org.ID, []uuid.UUID{a.ID, uuid.New(), b.ID, a.ID})
		h.noErr(err)
		require.Equal(h.t, 2, n, "an id listed twice counts once; unknown ids are skipped")
		n, err = tx.Blocks().DeleteMany(ctx, tn.Org.ID, []uuid.UUID{a.ID, b.ID})
		h.noErr(err)
		require.Zero(h.t, n)
		n, err = tx.Blocks().DeleteMany(ctx, tn.Org.ID, nil)
		h.noErr(err)
		require.Zero(h.t, n)
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		all, err := tx.Blocks().List(ctx, tn.Org.ID, storage.BlockFilter{}, storage.Page{})
		h.noErr(err)
		require.Equal(h.t, []lp.BlockEntry{c}, all)
		found, err := tx.Blocks().FindByNumbers(ctx, tn.Org.ID, []phone.Number{a.Number, b.Number})
		h.noErr(err)
		require.Empty(h.t, found)
		h.noErr(tx.Blocks().Create(ctx, h.block(tn, func(x *lp.BlockEntry) { x.Number, x.ProjectID = b.Number, b.ProjectID })),
			"the scope is free again after DeleteMany")
	})
}

var suppressionCases = []testCase{
	{"Add", func(h *harness) {
		tn := h.tenant("A")
		s := lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fps[0], CreatedBy: tn.Admin.ID, CreatedAt: h.now}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Suppressions().Add(ctx, s))
			later := s
			later.CreatedBy, later.CreatedAt = tn.Agent1.ID, h.now.Add(time.Hour)
			h.noErr(tx.Suppressions().Add(ctx, later), "adding again is a no-op")
			h.is(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: tn.Org.ID, CreatedAt: h.now}), lp.ErrInvalidArgument)
			h.is(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fps[1]}), lp.ErrInvalidArgument)
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Suppressions().Find(ctx, tn.Org.ID, []phone.Fingerprint{fps[0]})
			h.noErr(err)
			require.Equal(h.t, []lp.Suppression{s}, got, "the first entry is kept")
		})
	}},
	{"Find", func(h *harness) {
		tn := h.tenant("A")
		var want []lp.Suppression
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for _, fp := range fps[:2] {
				s := lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fp, CreatedBy: tn.Admin.ID, CreatedAt: h.now}
				h.noErr(tx.Suppressions().Add(ctx, s))
				want = append(want, s)
			}
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Suppressions().Find(ctx, tn.Org.ID, []phone.Fingerprint{fps[2], fps[1], fps[0]})
			h.noErr(err)
			require.ElementsMatch(h.t, want, got)
			got, err = tx.Suppressions().Find(ctx, tn.Org.ID, []phone.Fingerprint{fps[2]})
			h.noErr(err)
			require.Empty(h.t, got)
			got, err = tx.Suppressions().Find(ctx, tn.Org.ID, nil)
			h.noErr(err)
			require.Empty(h.t, got)
		})
	}},
	{"Remove", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fps[0], CreatedAt: h.now}))
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Suppressions().Remove(ctx, tn.Org.ID, fps[0]))
			h.is(tx.Suppressions().Remove(ctx, tn.Org.ID, fps[0]), lp.ErrNotFound)
			got, err := tx.Suppressions().Find(ctx, tn.Org.ID, fps)
			h.noErr(err)
			require.Empty(h.t, got)
		})
	}},
}
