package audit_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

func seqs(evs []lp.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

func TestQueryFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		energy, lead, rule := fixtureProjects[1], uuid.New(), uuid.New()
		f.mustRecord(f.admin, audit.Entry{Action: audit.ActionBlockCreated, Number: "+4520123456"})                     // 0
		f.mustRecord(f.agent, audit.Entry{Action: audit.ActionNumberSearched, Number: "+4520123499"})                   // 1
		f.mustRecord(f.agent, audit.Entry{Action: audit.ActionLeadViewed, LeadID: lead, ProjectID: energy})             // 2
		f.mustRecord(f.admin, audit.Entry{Action: audit.ActionLeadForgotten, LeadID: lead, Number: "+4520123499"})      // 3
		f.mustRecord(f.admin, audit.Entry{Action: audit.ActionRetentionRuleCreated, ObjectID: rule, ProjectID: energy}) // 4
		f.mustRecord(f.admin, audit.Entry{Action: audit.ActionNumberSuppressed, Number: "+4520123499"})                 // 5
		other := newFixture(t, f.store)                                                                                 // another organisation in the same store
		other.mustRecord(other.admin, audit.Entry{Action: audit.ActionLeadForgotten, Number: "+4520123499"})

		third := clockStart.Add(2 * time.Minute).Truncate(time.Microsecond) // event 2
		cases := []struct {
			name string
			q    audit.Query
			want []int64
		}{
			{"all", audit.Query{}, []int64{5, 4, 3, 2, 1, 0}},
			{"actor", audit.Query{ActorID: f.agent.UserID}, []int64{2, 1}},
			{"actions", audit.Query{Actions: []lp.Action{audit.ActionLeadForgotten, audit.ActionBlockCreated}}, []int64{3, 0}},
			{"lead", audit.Query{LeadID: lead}, []int64{3, 2}},
			{"project", audit.Query{ProjectID: energy}, []int64{4, 2}},
			{"object", audit.Query{ObjectID: rule}, []int64{4}},
			{"since", audit.Query{Since: third}, []int64{5, 4, 3, 2}},
			{"until", audit.Query{Until: third}, []int64{1, 0}},
			{"number E.164", audit.Query{Number: "+4520123499"}, []int64{5, 3, 1}},
			{"number as typed", audit.Query{Number: "0045 20 12 34 99"}, []int64{5, 3, 1}},
			{"national number", audit.Query{Number: "20 12 34 99"}, []int64{5, 3, 1}},
			{"who forgot this number", audit.Query{Number: "+45 20 12 34 99", Actions: []lp.Action{audit.ActionLeadForgotten}}, []int64{3}},
			{"number never seen", audit.Query{Number: "+4520000000"}, []int64{}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p, err := f.log.Query(f.ctx, f.admin, c.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := seqs(p.Events); !slices.Equal(got, c.want) {
					t.Errorf("seqs %v, want %v", got, c.want)
				}
				if p.Next != 0 {
					t.Errorf("Next = %d on the only page", p.Next)
				}
			})
		}
		if p, _ := f.log.Query(f.ctx, f.admin, audit.Query{Number: "+4520123499"}); len(p.Events) > 0 && p.Events[0].ActorID != f.admin.UserID {
			t.Error("the newest event about the number is not Alice's")
		}
	})
}

func TestQueryPagesNewestFirst(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		for i := range 7 {
			f.mustRecord(f.admin, varied(i))
		}
		var got []int64
		q := audit.Query{Limit: 3}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			p, err := f.log.Query(f.ctx, f.admin, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, seqs(p.Events)...)
			if p.Next == 0 {
				break
			}
			q.BeforeSeq = p.Next
			f.mustRecord(f.admin, varied(99)) // appends meanwhile never show up in later pages
		}
		if want := []int64{6, 5, 4, 3, 2, 1, 0}; !slices.Equal(got, want) {
			t.Errorf("pages gave %v, want %v", got, want)
		}
	})
}

func TestQueryNeedsPermission(t *testing.T) {
	f := newMemFixture(t)
	f.mustRecord(f.admin, varied(0))
	if _, err := f.log.Query(f.ctx, f.agent, audit.Query{}); !errors.Is(err, lp.ErrForbidden) {
		t.Fatalf("agent Query = %v, want ErrForbidden", err)
	}
	if _, err := f.log.Query(f.ctx, lp.Actor{}, audit.Query{}); !errors.Is(err, lp.ErrForbidden) {
		t.Fatalf("zero actor Query = %v, want ErrForbidden", err)
	}
	p, err := f.log.Query(f.ctx, f.admin, audit.Query{Actions: []lp.Action{audit.ActionAccessDenied}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 1 || p.Events[0].ActorID != f.agent.UserID || p.Events[0].Details["attempted"] != "changelog.read" {
		t.Errorf("denied read not recorded: %+v", p.Events)
	}
}

func TestQueryInvalidNumber(t *testing.T) {
	f := newMemFixture(t)
	_, err := f.log.Query(f.ctx, f.admin, audit.Query{Number: "call me 2012"})
	if !errors.Is(err, lp.ErrInvalidPhone) {
		t.Fatalf("Query = %v, want ErrInvalidPhone", err)
	}
}

// TestErrorsCarryOnePrefix checks that an error the ChangeLog wraps around
// a store's or a parser's says "leadprivacy:" once, as every SDK error does.
func TestErrorsCarryOnePrefix(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		_, err := f.log.Query(f.ctx, f.admin, audit.Query{Number: "call me 2012"})
		if err == nil || strings.Count(err.Error(), "leadprivacy:") != 1 {
			t.Errorf("Query of a bad number: %v, want one leadprivacy: prefix", err)
		}
		_, err = f.log.Prove(f.ctx, f.admin, 0, 1) // an empty log: no tree of size 1
		if err == nil || strings.Count(err.Error(), "leadprivacy:") != 1 {
			t.Errorf("Prove past the log: %v, want one leadprivacy: prefix", err)
		}
	})
}

func TestAccessSummary(t *testing.T) {
	f := newMemFixture(t)
	bob := lp.Actor{OrgID: f.org.ID, UserID: uuid.New(), Permissions: lp.PermSearch}
	f.addUser(bob, lp.RoleAgent)
	// The clock moves a minute per event; jump days by recording through
	// Logs with their own clocks.
	at := func(d time.Time) *audit.Log {
		return audit.New(f.store, f.keys, nil, &audit.Options{Now: func() time.Time { return d }})
	}
	record := func(l *audit.Log, actor lp.Actor, a lp.Action) {
		t.Helper()
		f.tx(func(tx storage.Tx) error {
			_, err := l.Record(f.ctx, tx, actor, audit.Entry{Action: a})
			return err
		})
	}
	mar1, mar2, apr1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC), time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	record(at(mar1), f.agent, audit.ActionNumberSearched)
	record(at(mar1), f.agent, audit.ActionLeadViewed)
	record(at(mar1), f.agent, audit.ActionLeadViewed)
	record(at(mar2), f.agent, audit.ActionNumberSearched)
	record(at(mar2), bob, audit.ActionLeadViewed)
	record(at(mar2), bob, audit.ActionBlockCreated) // not a look at lead data
	record(at(apr1), bob, audit.ActionNumberSearched)

	days, err := f.log.AccessSummary(f.ctx, f.admin, audit.SummaryQuery{Since: mar1, Until: apr1, Period: audit.Day})
	if err != nil {
		t.Fatal(err)
	}
	d1, d2 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	want := []audit.AccessCount{
		{UserID: f.agent.UserID, Period: d1, Searches: 1, Views: 2},
		{UserID: f.agent.UserID, Period: d2, Searches: 1},
		{UserID: bob.UserID, Period: d2, Views: 1},
	}
	if bytesLess(bob.UserID, f.agent.UserID) {
		want[1], want[2] = want[2], want[1]
	}
	if !slices.EqualFunc(days, want, accessEqual) {
		t.Errorf("per day\n got %+v\nwant %+v", days, want)
	}

	cph, _ := time.LoadLocation("Europe/Copenhagen")
	months, err := f.log.AccessSummary(f.ctx, f.admin, audit.SummaryQuery{Period: audit.Month, Location: cph})
	if err != nil {
		t.Fatal(err)
	}
	m3, m4 := time.Date(2026, 3, 1, 0, 0, 0, 0, cph), time.Date(2026, 4, 1, 0, 0, 0, 0, cph)
	want = []audit.AccessCount{
		{UserID: f.agent.UserID, Period: m3, Searches: 2, Views: 2},
		{UserID: bob.UserID, Period: m3, Views: 1},
		{UserID: bob.UserID, Period: m4, Searches: 1},
	}
	if bytesLess(bob.UserID, f.agent.UserID) {
		want[0], want[1] = want[1], want[0]
	}
	if !slices.EqualFunc(months, want, accessEqual) {
		t.Errorf("per month\n got %+v\nwant %+v", months, want)
	}
	if _, err := f.log.AccessSummary(f.ctx, f.admin, audit.SummaryQuery{Period: "week"}); !errors.Is(err, lp.ErrInvalidArgument) {
		t.Errorf("week period = %v", err)
	}
	if _, err := f.log.AccessSummary(f.ctx, bob, audit.SummaryQuery{Period: audit.Day}); !errors.Is(err, lp.ErrForbidden) {
		t.Errorf("agent summary = %v", err)
	}
}

func bytesLess(a, b uuid.UUID) bool { return slices.Compare(a[:], b[:]) < 0 }

func accessEqual(a, b audit.AccessCount) bool {
	return a.UserID == b.UserID && a.Period.Equal(b.Period) && a.Searches == b.Searches && a.Views == b.Views
}

// TestQueryRefusesTimesOutOfRange checks that a window outside lp.ValidTime's
// range is refused on every store rather than encoded wrapped around (on
// SQLite year 300000 overflowed into a time before every event, so Since
// selected them all).
func TestQueryRefusesTimesOutOfRange(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		f.mustRecord(f.admin, audit.Entry{Action: audit.ActionBlockCreated, Number: "+4520123456"})
		far := time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, q := range []audit.Query{{Since: far}, {Until: far}, {Since: time.Time{}.Add(1)}, {Until: time.Unix(1<<62, 0)}} {
			p, err := f.log.Query(f.ctx, f.admin, q)
			if !errors.Is(err, lp.ErrInvalidArgument) {
				t.Errorf("Query(Since %v, Until %v) = %d events, %v; want ErrInvalidArgument", q.Since, q.Until, len(p.Events), err)
			}
		}
	})
}
