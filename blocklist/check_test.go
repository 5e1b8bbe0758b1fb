package blocklist_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/blocklist"
)

func TestCheck(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		expiry := start.Add(time.Hour)
		org := f.block(blocklist.BlockRequest{Number: "20123456"}).Entry
		energy := f.block(blocklist.BlockRequest{Number: "31234567", ProjectID: f.energy.ID, ExpiresAt: expiry}).Entry
		insure := f.block(blocklist.BlockRequest{Number: "40404040", ProjectID: f.insure.ID}).Entry
		// Blocked org-wide until the expiry and in Energy for ever: the
		// verdict names the block that lasts.
		f.block(blocklist.BlockRequest{Number: "50505050", ExpiresAt: expiry})
		both := f.block(blocklist.BlockRequest{Number: "50505050", ProjectID: f.energy.ID}).Entry
		// Blocked for ever in both scopes: the org-wide one is named.
		tie := f.block(blocklist.BlockRequest{Number: "70707071"}).Entry
		f.block(blocklist.BlockRequest{Number: "70707071", ProjectID: f.energy.ID})
		f.suppress("+4560606060")
		// Blocked and suppressed: the block outranks the suppression.
		f.suppress("+4520123456")

		numbers := []string{"+45 20 12 34 56", "0045 31 23 45 67", "40 40 40 40", "50505050", "60 60 60 60", "70707070", "2012345x", "+4520123456", "70707071"}
		mark := f.eventCount()
		res, err := f.svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: numbers})
		if err != nil {
			t.Fatal(err)
		}
		want := []blocklist.Verdict{
			{Number: "+4520123456", Outcome: blocklist.Blocked, Block: blocklist.BlockRef{ID: org.ID}},
			{Number: "+4531234567", Outcome: blocklist.Blocked, Block: blocklist.BlockRef{ID: energy.ID, ProjectID: f.energy.ID, ExpiresAt: expiry}},
			{Number: "+4540404040", Outcome: blocklist.Allowed}, // blocked in another project only
			{Number: "+4550505050", Outcome: blocklist.Blocked, Block: blocklist.BlockRef{ID: both.ID, ProjectID: f.energy.ID}},
			{Number: "+4560606060", Outcome: blocklist.Suppressed},
			{Number: "+4570707070", Outcome: blocklist.Allowed},
			{Outcome: blocklist.Invalid},
			{Number: "+4520123456", Outcome: blocklist.Blocked, Block: blocklist.BlockRef{ID: org.ID}},
			{Number: "+4570707071", Outcome: blocklist.Blocked, Block: blocklist.BlockRef{ID: tie.ID}},
		}
		if len(res.Verdicts) != len(want) {
			t.Fatalf("%d verdicts for %d numbers", len(res.Verdicts), len(want))
		}
		for i, v := range res.Verdicts {
			w := want[i]
			if v.Number != w.Number || v.Outcome != w.Outcome || v.Block.ID != w.Block.ID || v.Block.ProjectID != w.Block.ProjectID || !v.Block.ExpiresAt.Equal(w.Block.ExpiresAt) {
				t.Errorf("verdict %d (%s) = %+v, want %+v", i, numbers[i], v, w)
			}
			if (v.Err != nil) != (w.Outcome == blocklist.Invalid) {
				t.Errorf("verdict %d: Err = %v", i, v.Err)
			}
		}
		if err := res.Verdicts[6].Err; !errors.Is(err, lp.ErrInvalidPhone) || !strings.HasPrefix(err.Error(), `leadprivacy: CheckRequest.Numbers[6] "`) ||
			strings.Count(err.Error(), "leadprivacy:") != 1 || strings.Contains(err.Error(), "2012345") {
			t.Errorf("invalid verdict error %q: want ErrInvalidPhone naming the input, masked, prefixed once", err)
		}
		if in := checkOne(t, f, f.insure.ID, "40404040"); in.Outcome != blocklist.Blocked || in.Block.ID != insure.ID {
			t.Errorf("in Insurance: %+v", in)
		}
		if f.eventCount() != mark {
			t.Error("Check recorded events")
		}

		// Expiry at the exact instant: blocked one microsecond before,
		// allowed at it.
		f.clock.Set(expiry.Add(-time.Microsecond))
		if v := checkOne(t, f, f.energy.ID, "31234567"); v.Outcome != blocklist.Blocked {
			t.Errorf("1µs before expiry: %v", v.Outcome)
		}
		f.clock.Set(expiry)
		if v := checkOne(t, f, f.energy.ID, "31234567"); v.Outcome != blocklist.Allowed {
			t.Errorf("at expiry: %v", v.Outcome)
		}
		if v := checkOne(t, f, f.insure.ID, "50505050"); v.Outcome != blocklist.Allowed {
			t.Errorf("org-wide block at its expiry: %v", v.Outcome)
		}
	})
}

func TestCheckRejects(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		for _, c := range []struct {
			name    string
			project uuid.UUID
			want    error
		}{
			{"no project", uuid.Nil, lp.ErrInvalidArgument},
			{"unknown project", uuid.New(), lp.ErrNotFound},
		} {
			if _, err := f.svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: c.project, Numbers: []string{"20123456"}}); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
	})
}

func checkOne(t *testing.T, f *fixture, project uuid.UUID, number string) blocklist.Verdict {
	t.Helper()
	res, err := f.svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: project, Numbers: []string{number}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Verdicts[0]
}

func TestVerdictRefusal(t *testing.T) {
	bad := fmt.Errorf("number 3: %w", lp.ErrInvalidPhone)
	sentinels := []error{lp.ErrBlocked, lp.ErrSuppressed, lp.ErrInvalidPhone}
	for _, c := range []struct {
		v    blocklist.Verdict
		want error // nil: no refusal
	}{
		{blocklist.Verdict{Outcome: blocklist.Allowed}, nil},
		{blocklist.Verdict{Outcome: blocklist.Duplicate}, nil},
		{blocklist.Verdict{Outcome: blocklist.Blocked, Block: blocklist.BlockRef{ID: uuid.New()}}, lp.ErrBlocked},
		{blocklist.Verdict{Outcome: blocklist.Registered, Registry: blocklist.RegistryRef{Name: "tps", Version: 3}}, lp.ErrBlocked},
		{blocklist.Verdict{Outcome: blocklist.Suppressed}, lp.ErrSuppressed},
		{blocklist.Verdict{Outcome: blocklist.Invalid, Err: bad}, lp.ErrInvalidPhone},
		{blocklist.Verdict{Outcome: blocklist.Invalid}, lp.ErrInvalidPhone},
	} {
		err := c.v.Refusal()
		for _, s := range sentinels {
			if got, want := errors.Is(err, s), s == c.want; got != want {
				t.Errorf("%v: Refusal() = %v; errors.Is(%v) = %v, want %v", c.v.Outcome, err, s, got, want)
			}
		}
		if (err == nil) != (c.want == nil) {
			t.Errorf("%v: Refusal() = %v", c.v.Outcome, err)
		}
	}
	reg := blocklist.Verdict{Outcome: blocklist.Registered, Registry: blocklist.RegistryRef{Name: "tps", Version: 3}}
	if msg := reg.Refusal().Error(); !strings.Contains(msg, "registry tps version 3") {
		t.Errorf("Refusal() = %q, want the registry version named", msg)
	}
	if (blocklist.Verdict{Outcome: blocklist.Outcome(99)}).Refusal() == nil {
		t.Error("an unknown outcome is no refusal")
	}
}
