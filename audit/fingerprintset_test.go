package audit_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// goldenRecordHash is RecordHash(goldenEvent()), computed by the code
// before events had fingerprint sets: an event without a set must keep
// it, or every stored log would fail to verify (checked against commit
// 053fb7b, before this change).
const goldenRecordHash = "6o7yPI+xs/ivCLbIsXqHtkLL/YGPAOykTZo+Djz8FZA="

// TestRecordHashCoversFingerprintSet checks that a fingerprint set is in
// an event's leaf only when it is not empty, in sorted order, so the
// order it came in does not matter, but every fingerprint of it does.
func TestRecordHashCoversFingerprintSet(t *testing.T) {
	golden := goldenEvent()
	if got := audit.RecordHash(golden).String(); got != goldenRecordHash {
		t.Fatalf("RecordHash of an event without a set = %s, want %s as before sets existed", got, goldenRecordHash)
	}
	empty := goldenEvent()
	empty.Fingerprints = []phone.Fingerprint{}
	if audit.RecordHash(empty) != audit.RecordHash(golden) {
		t.Error("an empty set changed the hash")
	}
	a, b := phone.Fingerprint{0: 0xaa, 31: 1}, phone.Fingerprint{0: 0xbb, 31: 2}
	withSet := func(fps ...phone.Fingerprint) lp.Event {
		e := goldenEvent()
		e.Fingerprints = fps
		return e
	}
	want := hex.EncodeToString(audit.AppendCanonical(nil, golden)) + "02" + hex.EncodeToString(a[:]) + hex.EncodeToString(b[:])
	if got := hex.EncodeToString(audit.AppendCanonical(nil, withSet(b, a))); got != want {
		t.Errorf("encoding with a set\n got %s\nwant %s", got, want)
	}
	h := audit.RecordHash(withSet(a, b))
	if audit.RecordHash(withSet(b, a)) != h {
		t.Error("the set's order changed the hash")
	}
	changed := b
	changed[17] ^= 1
	for name, e := range map[string]lp.Event{
		"no set":                   golden,
		"one fingerprint removed":  withSet(a),
		"one fingerprint changed":  withSet(a, changed),
		"one fingerprint added":    withSet(a, b, phone.Fingerprint{0xcc}),
		"set moved to Fingerprint": func() lp.Event { e := withSet(b); e.Fingerprint = a; return e }(),
	} {
		if audit.RecordHash(e) == h {
			t.Errorf("%s: same hash", name)
		}
	}
}

// setEntry is an entry naming a set of numbers, as an upload batch does.
func setEntry(i int) audit.Entry {
	e := varied(i)
	e.Action, e.Number = audit.ActionBlocksUploaded, ""
	for j := range 3 {
		e.Numbers = append(e.Numbers, phone.Number("+4530"+string(rune('0'+i%10))+string(rune('0'+j))+"1234"))
	}
	return e
}

// TestRecordNumbers records a set of numbers on every adapter: the event
// keeps their fingerprints sorted and without repeats and no form of the
// numbers, a query by any of them finds it, and a number not in E.164
// form is refused, saying which.
func TestRecordNumbers(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		n1, n2, n3 := phone.Number("+4520123456"), phone.Number("+4530123456"), phone.Number("+4540123456")
		ev := f.mustRecord(f.admin, audit.Entry{Action: audit.ActionBlocksUploaded, Numbers: []phone.Number{n3, n1, n2, n1}})
		want := []phone.Fingerprint{f.keys.fingerprint(t, f.org.ID, n1), f.keys.fingerprint(t, f.org.ID, n2), f.keys.fingerprint(t, f.org.ID, n3)}
		slices.SortFunc(want, func(a, b phone.Fingerprint) int { return slices.Compare(a[:], b[:]) })
		if !slices.Equal(ev.Fingerprints, want) || ev.MaskedNumber != "" || !ev.Fingerprint.IsZero() {
			t.Errorf("event = %+v, want the three fingerprints sorted, no number", ev)
		}
		if stored := f.events(); len(stored) != 1 || !slices.Equal(stored[0].Fingerprints, want) {
			t.Errorf("stored events = %+v, want the set", stored)
		}
		other := f.mustRecord(f.admin, audit.Entry{Action: audit.ActionBlockCreated, Number: n2})
		for typed, seqs := range map[string][]int64{"20 12 34 56": {ev.Seq}, "0045 30 12 34 56": {other.Seq, ev.Seq}, "+45 50 12 34 56": nil} {
			page, err := f.log.Query(f.ctx, f.admin, audit.Query{Number: typed})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range page.Events {
				got = append(got, e.Seq)
			}
			if !slices.Equal(got, seqs) {
				t.Errorf("Query(%q) = events %v, want %v", typed, got, seqs)
			}
		}
		_, err := f.record(f.admin, audit.Entry{Action: audit.ActionBlocksUploaded, Numbers: []phone.Number{n1, "20123456"}})
		var fe *lp.FieldError
		if !errors.Is(err, lp.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != "Entry.Numbers[1]" {
			t.Errorf("a national number: %v, want ErrInvalidArgument on Entry.Numbers[1]", err)
		}
		many := make([]phone.Number, lp.MaxEventFingerprints+1)
		for i := range many {
			many[i] = phone.Number(fmt.Sprintf("+4531%06d", i))
		}
		if _, err := f.record(f.admin, audit.Entry{Action: audit.ActionBlocksUploaded, Numbers: many}); !errors.Is(err, lp.ErrInvalidArgument) {
			t.Errorf("%d numbers: %v, want ErrInvalidArgument", len(many), err)
		}
		if n := len(f.events()); n != 2 {
			t.Errorf("%d events after refused entries, want 2", n)
		}
	})
}

// TestVerifyDetectsFingerprintSetTampering edits the fingerprint set of
// each event of a signed log in every way and requires Verify to report
// exactly that event.
func TestVerifyDetectsFingerprintSetTampering(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		const n = 40
		entries := make([]audit.Entry, n)
		for i := range entries {
			entries[i] = setEntry(i)
		}
		f.recordAll(f.admin, entries)
		cp := f.checkpoint()
		base := snapshot(f)
		if _, err := audit.Verify(f.ctx, base, f.org.ID, cp, f.verifier); err != nil {
			t.Fatalf("unmutated snapshot: %v", err)
		}
		edits := map[string]func([]phone.Fingerprint) []phone.Fingerprint{
			"change one": func(s []phone.Fingerprint) []phone.Fingerprint { s[1][5] ^= 1; return s },
			"remove one": func(s []phone.Fingerprint) []phone.Fingerprint { return slices.Delete(s, 1, 2) },
			"add one":    func(s []phone.Fingerprint) []phone.Fingerprint { return append(s, phone.Fingerprint{0xff}) },
			"remove all": func([]phone.Fingerprint) []phone.Fingerprint { return nil },
		}
		for name, edit := range edits {
			for i := range n {
				evs := slices.Clone(base.events)
				if len(evs[i].Fingerprints) != 3 {
					t.Fatalf("event %d has %d fingerprints, want 3", i, len(evs[i].Fingerprints))
				}
				evs[i].Fingerprints = edit(slices.Clone(evs[i].Fingerprints))
				_, err := audit.Verify(f.ctx, base.with(evs), f.org.ID, cp, f.verifier)
				var te *audit.TamperError
				if !errors.As(err, &te) || te.Index != int64(i) {
					t.Errorf("%s of event %d: Verify = %v, want a TamperError at it", name, i, err)
				}
			}
		}
	})
}
