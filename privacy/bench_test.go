package privacy_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// benchLeads is the size of the benchmark world; the figure is
// taken with -privacy.leads=1000000.
var benchLeads = flag.Int("privacy.leads", 100_000, "leads of the privacy benchmark world")

// benchWorld is the fixture's cast plus n leads in Energy and Insurance
// (alternately), for the benchmarks of Search and Forget. Lead i has the
// number benchNumber(i), odd leads also benchSecond(i), every personal
// field of its template filled, and three contact attempts with notes and
// a recording reference; it was last contacted a day before start.
type benchWorld struct {
	*fixture
	n   int
	ids []uuid.UUID // lead i's id
}

// benchNumber is the first number of lead i: +4530000000 + i.
func benchNumber(i int) phone.Number { return phone.Number(fmt.Sprintf("+453%07d", i)) }

// benchSecond is the second number of odd lead i: +4560000000 + i.
func benchSecond(i int) phone.Number { return phone.Number(fmt.Sprintf("+456%07d", i)) }

// newBenchWorld opens a store of kind (a servicetest.Kinds name) and fills it
// with *benchLeads leads, 10,000 per transaction (Leads.CreateMany and
// Contacts.Add); on PostgreSQL it then vacuums, gathers the planner's
// statistics and checkpoints, as autovacuum and the checkpointer would
// soon after a bulk load, so their work does not fall on the first
// benchmark.
func newBenchWorld(b *testing.B, kind string) *benchWorld {
	b.Helper()
	i := slices.IndexFunc(servicetest.Kinds, func(k servicetest.Kind) bool { return k.Name == kind })
	s := servicetest.Kinds[i].Open(b, filepath.Join(b.TempDir(), "lp.db"))
	b.Cleanup(func() { s.Close() })
	w := &benchWorld{fixture: newFixture(b, s), n: *benchLeads}
	w.ids = make([]uuid.UUID, w.n)
	const perTx = 10_000
	for lo := 0; lo < w.n; lo += perTx {
		hi := min(w.n, lo+perTx)
		leads := make([]lp.Lead, 0, hi-lo)
		for i := lo; i < hi; i++ {
			w.ids[i] = uuid.New()
			leads = append(leads, w.benchLead(i))
		}
		w.tx(func(tx storage.Tx) error {
			if err := tx.Leads().CreateMany(w.ctx, w.org.ID, leads); err != nil {
				return err
			}
			for _, l := range leads {
				for c := range 3 {
					err := tx.Contacts().Add(w.ctx, lp.ContactAttempt{OrgID: w.org.ID, ID: uuid.New(), LeadID: l.ID,
						At: l.LastContactAt.Add(-time.Duration(2-c) * time.Hour), AgentID: w.bob.UserID, Result: "no_answer",
						Talk: time.Duration(c) * time.Minute, Notes: "note " + l.ID.String()[:8], RecordingRef: "rec://bench/" + l.ID.String()})
					if err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if sq, ok := s.(*sqlstore.Store); ok && sq.Dialect() == sqlstore.Postgres {
		for _, stmt := range []string{"VACUUM ANALYZE", "CHECKPOINT"} {
			if _, err := sq.DB().Exec(stmt); err != nil {
				b.Fatalf("%s: %v", stmt, err)
			}
		}
	}
	return w
}

// benchLead is lead i of the world (its id from w.ids).
func (w *benchWorld) benchLead(i int) lp.Lead {
	l := lp.Lead{OrgID: w.org.ID, ID: w.ids[i], Phones: []phone.Number{benchNumber(i)}, Outcome: "no_answer",
		CreatedAt: start.AddDate(0, 0, -30), LastContactAt: start.AddDate(0, 0, -1)}
	if i%2 == 1 {
		l.Phones = append(l.Phones, benchSecond(i))
	}
	id := fmt.Sprint(i)
	if i%2 == 0 {
		l.ProjectID, l.TemplateID = w.energy.ID, w.energyTmpl.ID
		l.Fields = map[string]string{"first_name": "First" + id, "last_name": "Last" + id, "email": id + "@example.dk",
			"address": "Street " + id, "meter_size": "25A", "tariff": "flex"}
	} else {
		l.ProjectID, l.TemplateID = w.insure.ID, w.insureTmpl.ID
		l.Fields = map[string]string{"name": "Name " + id, "date_of_birth": "1970-01-01", "policy_number": "POL-" + id,
			"product": "home"}
	}
	return l
}

// variant is one operation a benchmark measures beside others.
type variant struct {
	name string
	op   func()
}

// interleaved runs every variant once per iteration, in an order rotated
// each iteration, so that the load of a shared machine (other processes,
// PostgreSQL's checkpoints) falls on all of them alike, and reports each
// one's p50 and p99 latency in µs ("service-p50-µs"). ns/op is the time of
// one round of all the variants.
func interleaved(b *testing.B, variants ...variant) map[string][2]time.Duration {
	took := make([][]time.Duration, len(variants))
	round := 0
	for b.Loop() {
		for j := range variants {
			v := (round + j) % len(variants)
			t0 := time.Now()
			variants[v].op()
			took[v] = append(took[v], time.Since(t0))
		}
		round++
	}
	b.StopTimer()
	out := map[string][2]time.Duration{}
	for v, ds := range took {
		slices.Sort(ds)
		p50, p99 := ds[len(ds)/2], ds[len(ds)*99/100]
		out[variants[v].name] = [2]time.Duration{p50, p99}
		b.ReportMetric(float64(p50.Nanoseconds())/1e3, variants[v].name+"-p50-µs")
		b.ReportMetric(float64(p99.Nanoseconds())/1e3, variants[v].name+"-p99-µs")
	}
	return out
}

// BenchmarkSearch measures Search of one random lead's number as Alice
// (the admin, who sees every lead), on SQLite and PostgreSQL, interleaved
// with
//
//   - bare: the storage reads Search needs, in one View and without an
//     event: the actor's user, Leads.FindByNumbers, and Projects.Get,
//     Templates.Get and Users.WithAccess of the lead's project and
//     template;
//   - bare+event: the same reads in a WithTx that also records the
//     number.searched event, the least a durable, audited search costs;
//   - commit: a WithTx that only records that event, the durable commit
//     alone.
//
// It reports each one's p50 and p99 latency, and service's p50 and p99 as
// multiples of bare's and of bare+event's ("x-bare-p50").
//
//	go test ./privacy -run '^$' -bench Search -benchtime 2000x [-privacy.leads=1000000]
func BenchmarkSearch(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			w := newBenchWorld(b, kind)
			rng := rand.New(rand.NewPCG(1, 2))
			random := func() phone.Number { return benchNumber(rng.IntN(w.n)) }
			entry := func(n phone.Number, matched int) audit.Entry {
				return audit.Entry{Action: audit.ActionNumberSearched, Number: n,
					Details: []audit.Detail{audit.Count(audit.KeyMatched, matched)}}
			}
			check := func(err error) {
				if err != nil {
					b.Fatal(err)
				}
			}
			got := interleaved(b,
				variant{"service", func() {
					res, err := w.svc.Search(w.ctx, w.alice, string(random()))
					if err != nil || len(res.Leads) != 1 || len(res.Access) < 2 {
						b.Fatalf("search: %d leads, %d persons, %v", len(res.Leads), len(res.Access), err)
					}
				}},
				variant{"bare", func() {
					check(w.store.View(w.ctx, func(ctx context.Context, tx storage.Tx) error {
						_, err := w.bareLookups(ctx, tx, random())
						return err
					}))
				}},
				variant{"bare+event", func() {
					check(w.store.WithTx(w.ctx, func(ctx context.Context, tx storage.Tx) error {
						n := random()
						matched, err := w.bareLookups(ctx, tx, n)
						if err != nil {
							return err
						}
						_, err = w.log.Record(ctx, tx, w.alice, entry(n, matched))
						return err
					}))
				}},
				variant{"commit", func() {
					check(w.store.WithTx(w.ctx, func(ctx context.Context, tx storage.Tx) error {
						_, err := w.log.Record(ctx, tx, w.alice, entry(random(), 1))
						return err
					}))
				}},
			)
			for _, base := range []string{"bare", "bare+event"} {
				for i, p := range []string{"p50", "p99"} {
					b.ReportMetric(float64(got["service"][i])/float64(got[base][i]), "x-"+base+"-"+p)
				}
			}
		})
	}
}

// bareLookups makes the storage reads of a search of n by Alice, and
// returns how many leads have n.
func (w *benchWorld) bareLookups(ctx context.Context, tx storage.Tx, n phone.Number) (int, error) {
	if _, err := tx.Users().Get(ctx, w.org.ID, w.alice.UserID); err != nil {
		return 0, err
	}
	leads, err := tx.Leads().FindByNumbers(ctx, w.org.ID, []phone.Number{n})
	if err != nil {
		return 0, err
	}
	for _, l := range leads {
		if _, err := tx.Projects().Get(ctx, w.org.ID, l.ProjectID); err != nil {
			return 0, err
		}
		if _, err := tx.Templates().Get(ctx, w.org.ID, l.TemplateID); err != nil {
			return 0, err
		}
		if _, err := tx.Users().WithAccess(ctx, w.org.ID, l.ProjectID); err != nil {
			return 0, err
		}
	}
	return len(leads), nil
}
