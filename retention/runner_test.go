package retention_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/retention"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestRunnersNeverPurgeAtOnce runs two Runners (two Services, as two
// processes would; on SQLite two Stores of one file) while due leads keep
// arriving, and reads from the ChangeLog that no two purge runs
// interleaved: the events of each run (its batches and its purge.run)
// form an unbroken stretch of the log.
func TestRunnersNeverPurgeAtOnce(t *testing.T) {
	for _, k := range servicetest.Kinds[:2] {
		t.Run(k.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lp.db")
			s1 := k.Open(t, path)
			defer s1.Close()
			f := newFixture(t, s1)
			s2 := s1
			if k.Name == "sqlite" {
				s2 = k.Open(t, path)
				defer s2.Close()
			}
			f.setRule(retention.RuleRequest{ProjectID: f.energy.ID, Outcome: "success", KeepFor: 30 * day})
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			opts := &retention.Options{BatchSize: 5, Logger: logger}
			runners := []*retention.Runner{
				retention.NewRunner(f.on(t, s1, opts).svc, f.system, retention.RunnerOptions{Interval: time.Millisecond, Jitter: time.Millisecond}),
				retention.NewRunner(f.on(t, s2, opts).svc, f.system, retention.RunnerOptions{Interval: time.Millisecond, Jitter: time.Millisecond}),
			}
			ctx, cancel := context.WithCancel(f.ctx)
			var wg sync.WaitGroup
			errs := make([]error, len(runners))
			for i, r := range runners {
				wg.Go(func() { errs[i] = r.Run(ctx) })
			}
			// Due leads keep arriving for a while.
			deadline := time.Now().Add(1500 * time.Millisecond)
			for time.Now().Before(deadline) {
				err := s1.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
					leads := make([]lp.Lead, 12)
					for i := range leads {
						leads[i] = lp.Lead{OrgID: f.org.ID, ID: uuid.New(), ProjectID: f.energy.ID, TemplateID: f.tmpl.ID,
							Phones: []phone.Number{testNumber()}, Fields: map[string]string{"first_name": "Jens"}, Outcome: "success",
							CreatedAt: start.Add(-100 * day), LastContactAt: start.Add(-40 * day)}
					}
					return tx.Leads().CreateMany(ctx, f.org.ID, leads)
				})
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("runner %d Run = %v, want nil once ctx ends", i, err)
				}
			}
			// Every run's events form an unbroken stretch of the log.
			type span struct{ first, last int64 }
			spans := map[string]*span{}
			var order []string
			for _, e := range f.events(f.org.ID) {
				if e.Action != audit.ActionLeadForgotten && e.Action != audit.ActionPurgeRun {
					continue
				}
				run := e.Details["run"]
				sp, ok := spans[run]
				if !ok {
					sp = &span{first: e.Seq}
					spans[run] = sp
					order = append(order, run)
				}
				sp.last = e.Seq
			}
			batchRuns := 0
			for i, run := range order {
				if i > 0 && spans[order[i-1]].last > spans[run].first {
					t.Errorf("run %s began (seq %d) before run %s ended (seq %d)", run, spans[run].first, order[i-1], spans[order[i-1]].last)
				}
				if spans[run].last > spans[run].first {
					batchRuns++
				}
			}
			skipped := strings.Count(logs.String(), "purge skipped")
			if batchRuns < 2 && skipped == 0 {
				t.Errorf("%d runs purged anything and none was skipped: the runners did not contend", batchRuns)
			}
			t.Logf("%d purge runs, %d of them with batches; %d purges skipped because the other held the lease",
				len(order), batchRuns, skipped)
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of loggers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
