package audit_test

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// goldenSetRecordHash is RecordHash of goldenEvent() with the fingerprint
// set {goldenFPs}, computed by the code before events had lead sets
// (commit 8e9b31a): with goldenRecordHash it pins the leaves of the logs
// written before, so their stored checkpoints still verify (a tree hash
// depends on its leaves only).
const goldenSetRecordHash = "tbwA50EqDQP/dwkPm+Cy+5pFnFJSrg8WF3b6Wg7UBx4="

var goldenFPs = []phone.Fingerprint{{0: 0xaa, 31: 1}, {0: 0xbb, 31: 2}}

// TestRecordHashCoversLeadSet checks that a lead set is in an event's leaf
// only when it is not empty, sorted, after the fingerprint set (its count
// written even when 0, so the two sets never read as each other), and
// that events without one keep the leaves they had before.
func TestRecordHashCoversLeadSet(t *testing.T) {
	withFPs := goldenEvent()
	withFPs.Fingerprints = goldenFPs
	if got := audit.RecordHash(withFPs).String(); got != goldenSetRecordHash {
		t.Fatalf("RecordHash of an event with fingerprints, no leads = %s, want %s as before lead sets existed", got, goldenSetRecordHash)
	}
	if got := audit.RecordHash(goldenEvent()).String(); got != goldenRecordHash {
		t.Fatalf("RecordHash of an event without sets = %s, want %s", got, goldenRecordHash)
	}
	empty := goldenEvent()
	empty.LeadIDs = []uuid.UUID{}
	if audit.RecordHash(empty) != audit.RecordHash(goldenEvent()) {
		t.Error("an empty lead set changed the hash")
	}
	a, b := uuid.MustParse("00000000-0000-0000-0000-0000000000aa"), uuid.MustParse("00000000-0000-0000-0000-0000000000bb")
	withLeads := func(fps []phone.Fingerprint, ids ...uuid.UUID) lp.Event {
		e := goldenEvent()
		e.Fingerprints, e.LeadIDs = fps, ids
		return e
	}
	base := hex.EncodeToString(audit.AppendCanonical(nil, goldenEvent()))
	leads := "02" + hex.EncodeToString(a[:]) + hex.EncodeToString(b[:])
	for name, c := range map[string]struct {
		e    lp.Event
		want string
	}{
		"leads only": {withLeads(nil, b, a), base + "00" + leads},
		"both sets": {withLeads(goldenFPs, b, a),
			base + "02" + hex.EncodeToString(goldenFPs[0][:]) + hex.EncodeToString(goldenFPs[1][:]) + leads},
	} {
		if got := hex.EncodeToString(audit.AppendCanonical(nil, c.e)); got != c.want {
			t.Errorf("%s: encoding\n got %s\nwant %s", name, got, c.want)
		}
	}
	h := audit.RecordHash(withLeads(nil, a, b))
	if audit.RecordHash(withLeads(nil, b, a)) != h {
		t.Error("the set's order changed the hash")
	}
	changed := b
	changed[9] ^= 1
	for name, e := range map[string]lp.Event{
		"no set":              goldenEvent(),
		"one lead removed":    withLeads(nil, a),
		"one lead changed":    withLeads(nil, a, changed),
		"one lead added":      withLeads(nil, a, b, uuid.New()),
		"set moved to LeadID": func() lp.Event { e := withLeads(nil, b); e.LeadID = a; return e }(),
	} {
		if audit.RecordHash(e) == h {
			t.Errorf("%s: same hash", name)
		}
	}
}

// TestRecordLeadIDs records a set of leads (a purge batch) on every
// adapter: the event keeps them sorted without repeats, a query by any of
// them finds it beside the events of that lead alone, the export lists
// them, and a zero id or too large a set is refused before anything is
// written.
func TestRecordLeadIDs(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
		want := slices.SortedFunc(slices.Values(ids), func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
		in := []uuid.UUID{ids[2], ids[0], ids[1], ids[0]}
		ev := f.mustRecord(f.admin, audit.Entry{Action: audit.ActionPurgeRun, LeadIDs: in})
		if !slices.Equal(ev.LeadIDs, want) || ev.LeadID != uuid.Nil {
			t.Errorf("event = %+v, want the three leads sorted", ev)
		}
		if in[0] != ids[2] {
			t.Error("Record sorted the caller's slice")
		}
		if stored := f.events(); len(stored) != 1 || !slices.Equal(stored[0].LeadIDs, want) {
			t.Errorf("stored events = %+v, want the set", stored)
		}
		single := f.mustRecord(f.admin, audit.Entry{Action: audit.ActionLeadForgotten, LeadID: ids[1]})
		for lead, seqs := range map[uuid.UUID][]int64{ids[0]: {ev.Seq}, ids[1]: {single.Seq, ev.Seq}, uuid.New(): nil} {
			page, err := f.log.Query(f.ctx, f.admin, audit.Query{LeadID: lead})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range page.Events {
				got = append(got, e.Seq)
			}
			if !slices.Equal(got, seqs) {
				t.Errorf("Query(lead %s) = events %v, want %v", lead, got, seqs)
			}
		}
		var fe *lp.FieldError
		_, err := f.record(f.admin, audit.Entry{Action: audit.ActionPurgeRun, LeadIDs: []uuid.UUID{ids[0], uuid.Nil}})
		if !errors.Is(err, lp.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != "Entry.LeadIDs" {
			t.Errorf("a zero id: %v, want ErrInvalidArgument on Entry.LeadIDs", err)
		}
		many := make([]uuid.UUID, lp.MaxEventLeads+1)
		for i := range many {
			many[i] = uuid.New()
		}
		if _, err := f.record(f.admin, audit.Entry{Action: audit.ActionPurgeRun, LeadIDs: many}); !errors.Is(err, lp.ErrInvalidArgument) {
			t.Errorf("%d leads: %v, want ErrInvalidArgument", len(many), err)
		}
		repeated := append(slices.Clone(many[:lp.MaxEventLeads]), many[:lp.MaxEventLeads]...)
		if _, err := f.record(f.admin, audit.Entry{Action: audit.ActionPurgeRun, LeadIDs: repeated}); err != nil {
			t.Errorf("%d leads, %d distinct: %v, want recorded", len(repeated), lp.MaxEventLeads, err)
		}
		if n := len(f.events()); n != 3 {
			t.Errorf("%d events after refused entries, want 3", n)
		}

		// The export lists the set: a JSON array, a CSV cell of ids
		// separated by a space.
		var js, cs bytes.Buffer
		q := audit.Query{LeadID: ids[0]}
		if _, err := f.log.Export(f.ctx, f.admin, q, &js, audit.JSONLines); err != nil {
			t.Fatal(err)
		}
		var rec struct {
			LeadIDs []string `json:"lead_ids"`
		}
		if err := json.Unmarshal(js.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		wantStrs := []string{want[0].String(), want[1].String(), want[2].String()}
		if !slices.Equal(rec.LeadIDs, wantStrs) {
			t.Errorf("JSON lead_ids = %v, want %v", rec.LeadIDs, wantStrs)
		}
		if _, err := f.log.Export(f.ctx, f.admin, q, &cs, audit.CSV); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&cs).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(rows[0], "lead_ids")
		if len(rows) != 2 || col < 0 || rows[1][col] != strings.Join(wantStrs, " ") {
			t.Errorf("CSV = %q, want a lead_ids column holding the set", rows)
		}
	})
}

// TestVerifyDetectsLeadSetTampering edits the lead set of each event of a
// signed log and requires Verify to report exactly that event.
func TestVerifyDetectsLeadSetTampering(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		const n = 20
		entries := make([]audit.Entry, n)
		for i := range entries {
			entries[i] = varied(i)
			entries[i].LeadIDs = []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
		}
		f.recordAll(f.admin, entries)
		cp := f.checkpoint()
		base := snapshot(f)
		if _, err := audit.Verify(f.ctx, base, f.org.ID, cp, f.verifier); err != nil {
			t.Fatalf("unmutated snapshot: %v", err)
		}
		edits := map[string]func([]uuid.UUID) []uuid.UUID{
			"change one": func(s []uuid.UUID) []uuid.UUID { s[1][5] ^= 1; return s },
			"remove one": func(s []uuid.UUID) []uuid.UUID { return slices.Delete(s, 1, 2) },
			"add one":    func(s []uuid.UUID) []uuid.UUID { return append(s, uuid.New()) },
			"remove all": func([]uuid.UUID) []uuid.UUID { return nil },
		}
		for name, edit := range edits {
			for i := range n {
				evs := slices.Clone(base.events)
				if len(evs[i].LeadIDs) != 3 {
					t.Fatalf("event %d has %d leads, want 3", i, len(evs[i].LeadIDs))
				}
				evs[i].LeadIDs = edit(slices.Clone(evs[i].LeadIDs))
				_, err := audit.Verify(f.ctx, base.with(evs), f.org.ID, cp, f.verifier)
				var te *audit.TamperError
				if !errors.As(err, &te) || te.Index != int64(i) {
					t.Errorf("%s of event %d: Verify = %v, want a TamperError at it", name, i, err)
				}
			}
		}
	})
}
