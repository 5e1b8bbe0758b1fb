package blocklist_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

func TestBlock(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount()
		res := f.block(blocklist.BlockRequest{Number: "0045 20 12 34 56"})
		if res.AlreadyBlocked || res.Renewed {
			t.Errorf("first Block: %+v", res)
		}
		e := res.Entry
		if e.Number != "+4520123456" || !e.OrgWide() || e.BlockedBy != f.alice.UserID || !e.BlockedAt.Equal(start) ||
			e.Reason != "customer_request" || e.Source != lp.SourceManual || !e.ExpiresAt.IsZero() {
			t.Errorf("entry = %+v", e)
		}
		evs := f.eventsSince(mark)
		if len(evs) != 1 {
			t.Fatalf("events = %v, want one block.created", actions(evs))
		}
		ev := evs[0]
		if ev.Action != audit.ActionBlockCreated || ev.ObjectID != e.ID || ev.ProjectID != uuid.Nil || ev.ActorID != f.alice.UserID ||
			ev.MaskedNumber != phone.Mask(e.Number) || ev.Fingerprint.IsZero() ||
			ev.Details["reason"] != "customer_request" || ev.Details["source"] != "manual" || ev.Details["expires_at"] != "none" {
			t.Errorf("event = %+v", ev)
		}

		// The same number typed another way, same scope: the existing entry,
		// no second event, no error.
		mark = f.eventCount()
		again := f.block(blocklist.BlockRequest{Number: "20 12 34 56", Reason: "other_reason"})
		if !again.AlreadyBlocked || again.Entry.ID != e.ID || again.Entry.Reason != "customer_request" {
			t.Errorf("second Block = %+v, want the existing entry", again)
		}
		if evs := f.eventsSince(mark); len(evs) != 0 {
			t.Errorf("second Block recorded %v", actions(evs))
		}

		// Another scope is another entry.
		until := start.Add(48 * time.Hour)
		proj := f.block(blocklist.BlockRequest{Number: "+4520123456", ProjectID: f.energy.ID, ExpiresAt: until, Source: lp.SourceAPI})
		if proj.AlreadyBlocked || proj.Entry.ID == e.ID || proj.Entry.ProjectID != f.energy.ID || !proj.Entry.ExpiresAt.Equal(until) {
			t.Errorf("project Block = %+v", proj)
		}
		if got := len(f.entries()); got != 2 {
			t.Errorf("%d entries, want 2", got)
		}
	})
}

func TestBlockRenewsExpired(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		expiry := start.Add(time.Hour)
		first := f.block(blocklist.BlockRequest{Number: "+4520123456", ProjectID: f.energy.ID, ExpiresAt: expiry})

		// One microsecond before the expiry the block holds.
		f.clock.Set(expiry.Add(-time.Microsecond))
		if res := f.block(blocklist.BlockRequest{Number: "+4520123456", ProjectID: f.energy.ID}); !res.AlreadyBlocked {
			t.Fatalf("before expiry: %+v, want AlreadyBlocked", res)
		}

		// At the expiry it is over: blocking again renews the entry.
		f.clock.Set(expiry)
		mark := f.eventCount()
		res, err := f.svc.Block(f.ctx, f.blocker, blocklist.BlockRequest{Number: "+4520123456", ProjectID: f.energy.ID, Reason: "renewed_request"})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Renewed || res.AlreadyBlocked || res.Entry.ID != first.Entry.ID || res.Entry.BlockedBy != f.blocker.UserID ||
			!res.Entry.BlockedAt.Equal(expiry) || !res.Entry.ExpiresAt.IsZero() || res.Entry.Reason != "renewed_request" {
			t.Errorf("renewed = %+v", res)
		}
		evs := f.eventsSince(mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionBlockCreated || evs[0].ActorID != f.blocker.UserID || evs[0].ObjectID != first.Entry.ID {
			t.Errorf("events = %+v", evs)
		}
		if all := f.entries(); len(all) != 1 || all[0].Reason != "renewed_request" {
			t.Errorf("entries = %+v", all)
		}
	})
}

func TestBlockRejects(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		other := uuid.New()
		for _, c := range []struct {
			name string
			req  blocklist.BlockRequest
			want error
		}{
			{"invalid number", blocklist.BlockRequest{Number: "2012345x", Reason: "r"}, lp.ErrInvalidPhone},
			{"empty number", blocklist.BlockRequest{Reason: "r"}, lp.ErrInvalidPhone},
			{"expiry now", blocklist.BlockRequest{Number: "20123456", Reason: "r", ExpiresAt: start}, lp.ErrInvalidArgument},
			{"expiry past", blocklist.BlockRequest{Number: "20123456", Reason: "r", ExpiresAt: start.Add(-time.Hour)}, lp.ErrInvalidArgument},
			{"no reason", blocklist.BlockRequest{Number: "20123456"}, lp.ErrInvalidArgument},
			{"free-text reason", blocklist.BlockRequest{Number: "20123456", Reason: "Customer called on 20123456"}, lp.ErrInvalidArgument},
			{"bad source", blocklist.BlockRequest{Number: "20123456", Reason: "r", Source: "fax"}, lp.ErrInvalidArgument},
			{"unknown project", blocklist.BlockRequest{Number: "20123456", Reason: "r", ProjectID: other}, lp.ErrNotFound},
		} {
			mark := f.eventCount()
			_, err := f.svc.Block(f.ctx, f.alice, c.req)
			if !errors.Is(err, c.want) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			}
			if err != nil && (strings.Contains(err.Error(), "20123456") || strings.Count(err.Error(), "leadprivacy:") != 1 ||
				!strings.HasPrefix(err.Error(), "leadprivacy: blocklist: Block: ")) {
				t.Errorf("%s: error %q: want one leadprivacy: prefix, the call, and no number", c.name, err)
			}
			if len(f.entries()) != 0 || f.eventCount() != mark {
				t.Errorf("%s: wrote something", c.name)
			}
		}
		_, err := f.svc.Block(f.ctx, f.alice, blocklist.BlockRequest{Number: "2012345x", Reason: "r"})
		if want := `BlockRequest.Number "••••••5•"`; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name the input as %s", err, want)
		}
	})
}

func TestUnblock(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		org := f.block(blocklist.BlockRequest{Number: "20123456"}).Entry
		proj := f.block(blocklist.BlockRequest{Number: "20123456", ProjectID: f.energy.ID}).Entry

		mark := f.eventCount()
		res, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{Number: "+45 20 12 34 56", ProjectID: f.energy.ID}})
		if err != nil || res.Entry.ID != proj.ID {
			t.Fatalf("Unblock by number = %+v, %v", res, err)
		}
		if all := f.entries(); len(all) != 1 || all[0].ID != org.ID {
			t.Errorf("entries after unblock = %+v", all)
		}
		_, err = f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{ID: org.ID}})
		if err != nil {
			t.Fatal(err)
		}
		evs := f.eventsSince(mark)
		if got := actions(evs); !slices.Equal(got, []lp.Action{audit.ActionBlockRemoved, audit.ActionBlockRemoved}) {
			t.Fatalf("events = %v", got)
		}
		if evs[0].ObjectID != proj.ID || evs[0].ProjectID != f.energy.ID || evs[1].ObjectID != org.ID ||
			evs[1].MaskedNumber != phone.Mask(org.Number) || evs[1].Details["reason"] != "customer_request" {
			t.Errorf("events = %+v", evs)
		}

		mark = f.eventCount()
		for _, target := range []blocklist.Target{{ID: org.ID}, {Number: "20123456"}, {Number: "20123456", ProjectID: f.insure.ID}} {
			if _, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: target}); !errors.Is(err, lp.ErrNotFound) {
				t.Errorf("Unblock %+v again: %v, want ErrNotFound", target, err)
			}
		}
		for _, target := range []blocklist.Target{{}, {ID: org.ID, Number: "20123456"}} {
			if _, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: target}); !errors.Is(err, lp.ErrInvalidArgument) {
				t.Errorf("Unblock %+v: %v, want ErrInvalidArgument", target, err)
			}
		}
		if f.eventCount() != mark {
			t.Error("failed Unblock recorded events")
		}
	})
}

func TestSetExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		e := f.block(blocklist.BlockRequest{Number: "20123456", ProjectID: f.energy.ID}).Entry
		t1, t2 := start.Add(24*time.Hour), start.Add(72*time.Hour)
		mark := f.eventCount()
		for _, c := range []struct {
			target  blocklist.Target
			expires time.Time
		}{
			{blocklist.Target{ID: e.ID}, t1},                                      // set
			{blocklist.Target{Number: "20 12 34 56", ProjectID: f.energy.ID}, t2}, // move
			{blocklist.Target{ID: e.ID}, time.Time{}},                             // clear
		} {
			res, err := f.svc.SetExpiry(f.ctx, f.alice, blocklist.SetExpiryRequest{Target: c.target, ExpiresAt: c.expires})
			if err != nil || res.Unchanged || !res.Entry.ExpiresAt.Equal(c.expires) {
				t.Fatalf("SetExpiry(%v) = %+v, %v", c.expires, res, err)
			}
			if all := f.entries(); len(all) != 1 || !all[0].ExpiresAt.Equal(c.expires) {
				t.Fatalf("stored = %+v", all)
			}
		}
		evs := f.eventsSince(mark)
		if len(evs) != 3 {
			t.Fatalf("events = %v", actions(evs))
		}
		want := [][2]string{{"2026-03-03T09:00:00.000000Z", "none"}, {"2026-03-05T09:00:00.000000Z", "2026-03-03T09:00:00.000000Z"}, {"none", "2026-03-05T09:00:00.000000Z"}}
		for i, ev := range evs {
			if ev.Action != audit.ActionBlockExpiryChanged || ev.ObjectID != e.ID || ev.Details["expires_at"] != want[i][0] || ev.Details["previous_expires_at"] != want[i][1] {
				t.Errorf("event %d = %+v", i, ev)
			}
		}

		mark = f.eventCount()
		if res, err := f.svc.SetExpiry(f.ctx, f.alice, blocklist.SetExpiryRequest{Target: blocklist.Target{ID: e.ID}}); err != nil || !res.Unchanged {
			t.Errorf("SetExpiry to the same = %+v, %v", res, err)
		}
		if _, err := f.svc.SetExpiry(f.ctx, f.alice, blocklist.SetExpiryRequest{Target: blocklist.Target{ID: e.ID}, ExpiresAt: start}); !errors.Is(err, lp.ErrInvalidArgument) {
			t.Errorf("SetExpiry to now: %v, want ErrInvalidArgument", err)
		}
		if f.eventCount() != mark {
			t.Error("no-op or refused SetExpiry recorded events")
		}
	})
}

func TestGet(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		until := start.Add(time.Hour)
		e := f.block(blocklist.BlockRequest{Number: "20123456", ProjectID: f.energy.ID, ExpiresAt: until}).Entry
		mark := f.eventCount()
		full, err := f.svc.Get(f.ctx, f.alice, blocklist.GetRequest{ID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := blocklist.Row{ID: e.ID, Number: "+4520123456", ProjectID: f.energy.ID, ProjectName: "Energy 2026", BlockedBy: f.alice.UserID,
			BlockedByName: "Alice", BlockedAt: start, ExpiresAt: until, Active: true, Reason: "customer_request", Source: lp.SourceManual}
		if full.Row != want {
			t.Errorf("Get (PermSearch) =\n%+v, want\n%+v", full.Row, want)
		}
		masked, err := f.svc.Get(f.ctx, f.blocker, blocklist.GetRequest{ID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		if masked.Row.Number != "+45••••3456" || !masked.Row.Masked {
			t.Errorf("Get (no PermSearch) number = %q, masked %v", masked.Row.Number, masked.Row.Masked)
		}
		f.clock.Set(until)
		if r, _ := f.svc.Get(f.ctx, f.alice, blocklist.GetRequest{ID: e.ID}); r.Row.Active {
			t.Error("Active at the expiry instant")
		}
		if f.eventCount() != mark {
			t.Error("Get recorded events")
		}
		if _, err := f.svc.Get(f.ctx, f.alice, blocklist.GetRequest{ID: uuid.New()}); !errors.Is(err, lp.ErrNotFound) {
			t.Errorf("Get unknown: %v", err)
		}
	})
}

func TestSweep(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		var expiring []lp.BlockEntry
		for i := range 7 { // more than two batches of batchSize
			n := "2012345" + string(rune('0'+i))
			expiring = append(expiring, f.block(blocklist.BlockRequest{Number: n, ExpiresAt: start.Add(time.Duration(i+1) * time.Minute)}).Entry)
		}
		keep := f.block(blocklist.BlockRequest{Number: "31234567", ExpiresAt: start.Add(time.Hour)}).Entry
		forever := f.block(blocklist.BlockRequest{Number: "31234568"}).Entry

		f.clock.Set(start.Add(7 * time.Minute)) // the last one expires at this exact instant
		mark := f.eventCount()
		counted := &deleteCounter{Store: f.store}
		res, err := f.service(counted).Sweep(f.ctx, f.alice, blocklist.SweepRequest{})
		if err != nil || res.Removed != 7 {
			t.Fatalf("Sweep = %+v, %v, want 7 removed", res, err)
		}
		if counted.deletes != 0 || !slices.Equal(counted.batches, []int{3, 3, 1}) {
			t.Errorf("Sweep deleted %d entries one by one and batches of %v, want batches of [3 3 1] only", counted.deletes, counted.batches)
		}
		left := f.entries()
		if len(left) != 2 || !slices.ContainsFunc(left, func(b lp.BlockEntry) bool { return b.ID == keep.ID }) ||
			!slices.ContainsFunc(left, func(b lp.BlockEntry) bool { return b.ID == forever.ID }) {
			t.Errorf("left = %+v", left)
		}
		evs := f.eventsSince(mark)
		var ids []uuid.UUID
		for _, ev := range evs {
			if ev.Action != audit.ActionBlockExpired || ev.MaskedNumber == "" {
				t.Errorf("event %+v", ev)
			}
			ids = append(ids, ev.ObjectID)
		}
		for _, e := range expiring {
			if !slices.Contains(ids, e.ID) {
				t.Errorf("no block.expired for %s", e.ID)
			}
		}
		if len(evs) != 7 {
			t.Errorf("%d events, want 7", len(evs))
		}
		if res, err := f.svc.Sweep(f.ctx, f.alice, blocklist.SweepRequest{}); err != nil || res.Removed != 0 {
			t.Errorf("second Sweep = %+v, %v", res, err)
		}
	})
}

// deleteCounter is a Store that counts the block deletes of its write
// transactions: entries deleted one by one, and the size of each
// DeleteMany. Sweep runs one transaction at a time, so it needs no lock.
type deleteCounter struct {
	storage.Store
	deletes int
	batches []int
}

func (c *deleteCounter) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return c.Store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, countingTx{tx, c}) })
}

type countingTx struct {
	storage.Tx
	c *deleteCounter
}

func (tx countingTx) Blocks() storage.Blocks { return countingBlocks{tx.Tx.Blocks(), tx.c} }

type countingBlocks struct {
	storage.Blocks
	c *deleteCounter
}

func (b countingBlocks) Delete(ctx context.Context, org, id uuid.UUID) error {
	b.c.deletes++
	return b.Blocks.Delete(ctx, org, id)
}

func (b countingBlocks) DeleteMany(ctx context.Context, org uuid.UUID, ids []uuid.UUID) (int, error) {
	b.c.batches = append(b.c.batches, len(ids))
	return b.Blocks.DeleteMany(ctx, org, ids)
}

// TestTxForms runs the ...Tx calls in the host's transaction: they commit
// with it and roll back with it, events included.
func TestTxForms(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		errHost := errors.New("host fails after blocking")
		mark := f.eventCount()
		err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			if _, err := f.svc.BlockTx(ctx, tx, f.alice, blocklist.BlockRequest{Number: "20123456", Reason: "r"}); err != nil {
				return err
			}
			return errHost
		})
		if !errors.Is(err, errHost) || len(f.entries()) != 0 || f.eventCount() != mark {
			t.Fatalf("rolled back BlockTx left entries or events (err %v)", err)
		}

		var id uuid.UUID
		err = f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			res, err := f.svc.BlockTx(ctx, tx, f.alice, blocklist.BlockRequest{Number: "20123456", Reason: "r"})
			if err != nil {
				return err
			}
			id = res.Entry.ID
			if _, err := f.svc.SetExpiryTx(ctx, tx, f.alice, blocklist.SetExpiryRequest{Target: blocklist.Target{ID: id}, ExpiresAt: start.Add(time.Hour)}); err != nil {
				return err
			}
			if _, err := f.svc.UnblockTx(ctx, tx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{ID: id}}); err != nil {
				return err
			}
			// A refusal in the host's transaction is recorded there.
			_, err = f.svc.BlockTx(ctx, tx, f.dialer, blocklist.BlockRequest{Number: "20123457", Reason: "r"})
			if !errors.Is(err, lp.ErrForbidden) {
				t.Errorf("BlockTx by dialer: %v, want ErrForbidden", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []lp.Action{audit.ActionBlockCreated, audit.ActionBlockExpiryChanged, audit.ActionBlockRemoved, audit.ActionAccessDenied}
		if got := actions(f.eventsSince(mark)); !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
	})
}

func TestList(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		org := f.block(blocklist.BlockRequest{Number: "20123456"}).Entry
		energy, err := f.svc.Block(f.ctx, f.blocker, blocklist.BlockRequest{Number: "31234567", ProjectID: f.energy.ID, Reason: "r"})
		if err != nil {
			t.Fatal(err)
		}
		expired := f.block(blocklist.BlockRequest{Number: "40404040", ProjectID: f.insure.ID, ExpiresAt: start.Add(time.Minute)}).Entry
		expiring := f.block(blocklist.BlockRequest{Number: "20129999", ProjectID: f.insure.ID, ExpiresAt: start.Add(time.Hour)}).Entry
		f.clock.Set(start.Add(time.Minute))
		g := newFixture(t, f.store) // another organisation
		theirs := g.block(blocklist.BlockRequest{Number: "31234567", ProjectID: g.energy.ID}).Entry

		// ids lists every page and checks that each has the filter's total
		// and that the last one is the last full or partial page, never
		// an empty page after it.
		ids := func(name string, req blocklist.ListRequest, actor lp.Actor, total int) []uuid.UUID {
			t.Helper()
			var out []uuid.UUID
			for pages := 1; ; pages++ {
				res, err := f.svc.List(f.ctx, actor, req)
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != total {
					t.Errorf("%s: page %d: Total %d, want %d", name, pages, res.Total, total)
				}
				for _, r := range res.Rows {
					out = append(out, r.ID)
				}
				if res.Next == uuid.Nil {
					if want := max(1, (total+req.Page.Size()-1)/req.Page.Size()); pages != want {
						t.Errorf("%s: %d pages, want %d", name, pages, want)
					}
					slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
					return out
				}
				req.Page.After = res.Next
			}
		}
		sorted := func(ids ...uuid.UUID) []uuid.UUID {
			slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
			return ids
		}
		mark := f.eventCount()
		for _, c := range []struct {
			name string
			req  blocklist.ListRequest
			want []uuid.UUID
		}{
			{"all, pages of 1", blocklist.ListRequest{Page: storage.Page{Limit: 1}}, sorted(org.ID, energy.Entry.ID, expired.ID, expiring.ID)},
			{"all, pages of 2", blocklist.ListRequest{Page: storage.Page{Limit: 2}}, sorted(org.ID, energy.Entry.ID, expired.ID, expiring.ID)},
			{"all, pages of 3", blocklist.ListRequest{Page: storage.Page{Limit: 3}}, sorted(org.ID, energy.Entry.ID, expired.ID, expiring.ID)},
			{"org-wide", blocklist.ListRequest{OrgWideOnly: true}, sorted(org.ID)},
			{"Energy", blocklist.ListRequest{ProjectID: f.energy.ID}, sorted(energy.Entry.ID)},
			{"active", blocklist.ListRequest{Status: blocklist.Active, Page: storage.Page{Limit: 2}}, sorted(org.ID, energy.Entry.ID, expiring.ID)},
			{"expired", blocklist.ListRequest{Status: blocklist.Expired}, sorted(expired.ID)},
			{"unknown project", blocklist.ListRequest{ProjectID: uuid.New()}, nil},
			{"another organisation's project", blocklist.ListRequest{ProjectID: theirs.ProjectID}, nil},
			{"blocked by Bent", blocklist.ListRequest{BlockedBy: f.blocker.UserID}, sorted(energy.Entry.ID)},
			{"blocked by another organisation's user", blocklist.ListRequest{BlockedBy: g.alice.UserID}, nil},
			{"number prefix", blocklist.ListRequest{NumberPrefix: "+452012", Page: storage.Page{Limit: 1}}, sorted(org.ID, expiring.ID)},
			{"number prefix, active in Insurance", blocklist.ListRequest{NumberPrefix: "+452012", ProjectID: f.insure.ID, Status: blocklist.Active}, sorted(expiring.ID)},
			{"number prefix, nothing", blocklist.ListRequest{NumberPrefix: "+46"}, nil},
			{"expiring before", blocklist.ListRequest{ExpiringBefore: start.Add(2 * time.Hour)}, sorted(expired.ID, expiring.ID)},
			{"active, expiring before", blocklist.ListRequest{Status: blocklist.Active, ExpiringBefore: start.Add(2 * time.Hour)}, sorted(expiring.ID)},
			{"active, expiring before its expiry", blocklist.ListRequest{Status: blocklist.Active, ExpiringBefore: start.Add(time.Hour)}, nil},
		} {
			if got := ids(c.name, c.req, f.alice, len(c.want)); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		res, err := f.svc.List(f.ctx, f.blocker, blocklist.ListRequest{ProjectID: f.energy.ID})
		if err != nil || len(res.Rows) != 1 {
			t.Fatalf("List = %+v, %v", res, err)
		}
		if r := res.Rows[0]; r.Number != "+45••••4567" || !r.Masked || r.ProjectName != "Energy 2026" || r.BlockedByName != "Bent" || !r.Active {
			t.Errorf("row = %+v", r)
		}
		for _, c := range []struct {
			req   blocklist.ListRequest
			field string
		}{
			{blocklist.ListRequest{OrgWideOnly: true, ProjectID: f.energy.ID}, "ListRequest.OrgWideOnly"},
			{blocklist.ListRequest{Status: 7}, "ListRequest.Status"},
			{blocklist.ListRequest{NumberPrefix: "452012"}, "ListRequest.NumberPrefix"},
			{blocklist.ListRequest{NumberPrefix: "+45 2012"}, "ListRequest.NumberPrefix"},
			{blocklist.ListRequest{NumberPrefix: "+4520123456789012"}, "ListRequest.NumberPrefix"},
			{blocklist.ListRequest{ExpiringBefore: lp.MaxTime.Add(time.Second)}, "ListRequest.ExpiringBefore"},
		} {
			_, err := f.svc.List(f.ctx, f.alice, c.req)
			if !errors.Is(err, lp.ErrInvalidArgument) || !strings.Contains(err.Error(), c.field) || strings.Contains(err.Error(), "2012") {
				t.Errorf("List %+v: %v, want ErrInvalidArgument about %s without the prefix", c.req, err, c.field)
			}
		}
		if f.eventCount() != mark {
			t.Error("List recorded events")
		}
	})
}
