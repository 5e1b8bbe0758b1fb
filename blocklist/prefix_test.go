package blocklist_test

import (
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

// TestPrefixCheck checks which block a verdict names when prefix blocks
// apply: the number's own entry, else the longest prefix in force in the
// project, up to the instant of its expiry; through Check and CheckImport.
func TestPrefixCheck(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		expiry := start.Add(time.Hour)
		wide := f.block(blocklist.BlockRequest{Prefix: "+45 70"}).Entry
		energy := f.block(blocklist.BlockRequest{Prefix: "+45 70-12", ProjectID: f.energy.ID, ExpiresAt: expiry}).Entry
		exact := f.block(blocklist.BlockRequest{Number: "70 12 34 56"}).Entry
		insure := f.block(blocklist.BlockRequest{Prefix: "+458", ProjectID: f.insure.ID}).Entry
		if !wide.Prefix || wide.Number != "+4570" || energy.Number != "+457012" || exact.Prefix {
			t.Fatalf("entries = %+v, %+v, %+v", wide, energy, exact)
		}
		ref := func(b lp.BlockEntry) blocklist.BlockRef {
			r := blocklist.BlockRef{ID: b.ID, ProjectID: b.ProjectID, ExpiresAt: b.ExpiresAt}
			if b.Prefix {
				r.Prefix = b.Number
			}
			return r
		}
		check := func(project uuid.UUID, want map[phone.Number]blocklist.BlockRef) {
			t.Helper()
			var numbers []string
			for n := range want {
				numbers = append(numbers, string(n))
			}
			res, err := f.svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: project, Numbers: numbers})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range res.Verdicts {
				w := want[phone.Number(numbers[i])]
				blocked := w != blocklist.BlockRef{}
				if (v.Outcome == blocklist.Blocked) != blocked || v.Block.ID != w.ID || v.Block.Prefix != w.Prefix ||
					v.Block.ProjectID != w.ProjectID || !v.Block.ExpiresAt.Equal(w.ExpiresAt) {
					t.Errorf("at %s in %s: %s = %+v, want %+v", f.clock.Now().Format(time.RFC3339Nano), project, numbers[i], v, w)
				}
			}
		}
		check(f.energy.ID, map[phone.Number]blocklist.BlockRef{
			"+4570123456": ref(exact),  // the number's own entry beats every prefix
			"+4570129999": ref(energy), // the longest prefix in force
			"+4570999999": ref(wide),
			"+4580000000": {}, // blocked in Insurance only
			"+4520000000": {},
		})
		check(f.insure.ID, map[phone.Number]blocklist.BlockRef{
			"+4580000000": ref(insure),
			"+4570129999": ref(wide), // the Energy prefix does not apply here
		})
		f.clock.Set(expiry.Add(-time.Nanosecond))
		check(f.energy.ID, map[phone.Number]blocklist.BlockRef{"+4570129999": ref(energy)})
		f.clock.Set(expiry)
		check(f.energy.ID, map[phone.Number]blocklist.BlockRef{"+4570129999": ref(wide), "+4570123456": ref(exact)})

		var got []blocklist.LeadVerdict
		_, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: leadsOf(t, "Anna;70 55 55 55\nBo;20 55 55 55\n"),
			OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Outcome != blocklist.Blocked || got[0].Numbers[0].Block != ref(wide) || got[1].Outcome != blocklist.Allowed {
			t.Errorf("CheckImport verdicts = %+v", got)
		}
		if s := got[0].Numbers[0].Block.String(); s != "prefix block +4570 (org-wide, id "+wide.ID.String()+", never expires)" {
			t.Errorf("BlockRef.String() = %q", s)
		}
	})
}

// leadsOf reads a CSV of "name;phone" lines as leads of region DK.
func leadsOf(t *testing.T, rows string) iter.Seq2[csvimport.LeadDraft, error] {
	t.Helper()
	r, err := csvimport.NewLeadReader(strings.NewReader("First name;Phone\n"+rows), leadsTemplate,
		csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.All()
}

// TestPrefixBlock checks Block, Unblock, SetExpiry, Get, List and Sweep on
// prefix entries, their events, and the refusal of other ways to write a
// range.
func TestPrefixBlock(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount()
		res := f.block(blocklist.BlockRequest{Prefix: " +45 (70) 12 ", ExpiresAt: start.Add(time.Hour)})
		b := res.Entry
		if !b.Prefix || b.Number != "+457012" || res.AlreadyBlocked {
			t.Fatalf("Block = %+v", res)
		}
		if again := f.block(blocklist.BlockRequest{Prefix: "+457012"}); !again.AlreadyBlocked || again.Entry.ID != b.ID {
			t.Errorf("the same prefix again = %+v", again)
		}
		// A number of the same digits is another entry.
		twin := f.block(blocklist.BlockRequest{Number: "+4520123456"})
		twinPrefix := f.block(blocklist.BlockRequest{Prefix: "+4520123456"})
		if twin.AlreadyBlocked || twinPrefix.AlreadyBlocked || twinPrefix.Entry.ID == twin.Entry.ID {
			t.Errorf("number %+v and prefix %+v of the same digits", twin, twinPrefix)
		}
		evs := f.eventsSince(mark)
		if len(evs) != 3 || evs[0].Action != audit.ActionBlockCreated || evs[0].ObjectID != b.ID || evs[0].MaskedNumber != phone.Mask("+457012") ||
			evs[0].Fingerprint.IsZero() || evs[0].Details["prefix"] != "true" || evs[1].Details["prefix"] != "" || evs[2].Details["prefix"] != "true" {
			t.Errorf("events = %+v", evs)
		}

		for name, req := range map[string]blocklist.BlockRequest{
			"wildcard":             {Prefix: "+4599*"},
			"national":             {Prefix: "99"},
			"international 00":     {Prefix: "0045 99"},
			"unknown calling code": {Prefix: "+8"},
			"too long":             {Prefix: "+45 9912 3456 7890 12"},
			"number and prefix":    {Number: "99123456", Prefix: "+4599"},
		} {
			req.Reason = "customer_request"
			_, err := f.svc.Block(f.ctx, f.alice, req)
			if !errors.Is(err, lp.ErrInvalidArgument) || strings.Count(err.Error(), "leadprivacy:") != 1 || strings.Contains(err.Error(), req.Prefix) {
				t.Errorf("%s: %v", name, err)
			}
		}

		got, err := f.svc.Get(f.ctx, f.alice, blocklist.GetRequest{ID: b.ID})
		if err != nil || !got.Row.Prefix || got.Row.Number != "+457012" || got.Row.Masked {
			t.Errorf("Get = %+v, %v", got, err)
		}
		masked, err := f.svc.Get(f.ctx, f.blocker, blocklist.GetRequest{ID: b.ID})
		if err != nil || !masked.Row.Prefix || masked.Row.Number != phone.Mask("+457012") || !masked.Row.Masked {
			t.Errorf("Get without PermSearch = %+v, %v", masked, err)
		}
		list, err := f.svc.List(f.ctx, f.alice, blocklist.ListRequest{})
		if err != nil || len(list.Rows) != 3 {
			t.Fatalf("List = %+v, %v", list, err)
		}
		for _, r := range list.Rows {
			if r.Prefix != (r.ID != twin.Entry.ID) {
				t.Errorf("List row %+v", r)
			}
		}

		mark = f.eventCount()
		set, err := f.svc.SetExpiry(f.ctx, f.alice, blocklist.SetExpiryRequest{Target: blocklist.Target{Prefix: "+45 70 12"}, ExpiresAt: start.Add(time.Minute)})
		if err != nil || set.Entry.ID != b.ID {
			t.Fatalf("SetExpiry = %+v, %v", set, err)
		}
		if _, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{Prefix: "+4570"}}); !errors.Is(err, lp.ErrNotFound) {
			t.Errorf("Unblock of a prefix never blocked: %v", err)
		}
		if _, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{ID: b.ID, Prefix: "+457012"}}); !errors.Is(err, lp.ErrInvalidArgument) {
			t.Errorf("Unblock by ID and prefix: %v", err)
		}
		un, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{Prefix: "+4520123456"}})
		if err != nil || un.Entry.ID != twinPrefix.Entry.ID {
			t.Fatalf("Unblock by prefix = %+v, %v (the number of the same digits must stay)", un, err)
		}
		f.clock.Set(start.Add(time.Minute))
		swept, err := f.svc.Sweep(f.ctx, f.alice, blocklist.SweepRequest{})
		if err != nil || swept.Removed != 1 {
			t.Fatalf("Sweep = %+v, %v", swept, err)
		}
		evs = f.eventsSince(mark)
		want := []lp.Action{audit.ActionBlockExpiryChanged, audit.ActionBlockRemoved, audit.ActionBlockExpired}
		if a := actions(evs); !slices.Equal(a, want) {
			t.Fatalf("events %v, want %v", a, want)
		}
		for _, e := range evs {
			if e.Details["prefix"] != "true" || e.MaskedNumber == "" || e.Fingerprint.IsZero() {
				t.Errorf("event %s of a prefix entry: %+v", e.Action, e)
			}
		}
		if left := f.entries(); len(left) != 1 || left[0].ID != twin.Entry.ID {
			t.Errorf("entries left = %+v", left)
		}
	})
}

// TestPrefixUpload checks that an upload, which holds numbers, blocks a
// number even where a prefix block of the same digits exists: that entry
// is a range, not the number's own.
func TestPrefixUpload(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.block(blocklist.BlockRequest{Prefix: "+4520123456"})
		res, err := f.svc.Upload(f.ctx, f.blocker, blocklist.UploadRequest{File: strings.NewReader("+4520123456\n"), Reason: "dnc_list"})
		if err != nil || res.Blocked != 1 || res.AlreadyBlocked != 0 {
			t.Fatalf("Upload = %+v, %v", res, err)
		}
		var exact int
		for _, b := range f.entries() {
			if !b.Prefix && b.Number == "+4520123456" {
				exact++
			}
		}
		if exact != 1 {
			t.Errorf("%d exact entries of the uploaded number, want 1", exact)
		}
	})
}
