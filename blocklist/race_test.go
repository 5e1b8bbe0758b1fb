package blocklist_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
)

// TestBlockThenCheckNeverMisses proves the guarantee of Block: once it has
// returned, no Check that starts later allows the number. One goroutine
// blocks numbers one by one through one Store while others check all of
// them through a second Store on the same database (two Stores on one
// SQLite file, two connection pools to PostgreSQL), and every number whose
// Block had returned before a Check started must come back Blocked.
func TestBlockThenCheckNeverMisses(t *testing.T) {
	const numbers, checkers = 200, 3
	target := 100_000 // number checks per adapter
	if testing.Short() {
		target = 10_000
	}
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lp.db")
			writer := k.open(t, path)
			t.Cleanup(func() { writer.Close() })
			reader := writer
			if k.name != "memstore" {
				reader = k.open(t, path)
				t.Cleanup(func() { reader.Close() })
			}
			f := newFixture(t, writer)
			checkSvc := blocklist.New(reader, audit.New(reader, f.keys, nil, nil), &blocklist.Options{Now: f.clock.Now, Keys: f.keys})

			typed := make([]string, numbers)
			for i := range typed {
				typed[i] = fmt.Sprintf("31 %06d", 100000+i)
			}
			var blocked atomic.Int64 // typed[:blocked] have been blocked
			var checks, misses atomic.Int64
			done := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, checkers+1)
			for range checkers {
				wg.Go(func() {
					for {
						select {
						case <-done:
							if checks.Load() >= int64(target) {
								return
							}
						default:
						}
						before := int(blocked.Load())
						res, err := checkSvc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: typed})
						if err != nil {
							errs <- err
							return
						}
						for i, v := range res.Verdicts[:before] {
							if v.Outcome != blocklist.Blocked {
								misses.Add(1)
								t.Errorf("number %d was blocked before the check began, verdict %v", i, v.Outcome)
							}
						}
						checks.Add(int64(len(typed)))
					}
				})
			}
			for i, n := range typed {
				if _, err := f.svc.Block(f.ctx, f.alice, blocklist.BlockRequest{Number: n, Reason: "race"}); err != nil {
					t.Errorf("Block %d: %v", i, err)
					break
				}
				blocked.Store(int64(i + 1))
			}
			during := checks.Load()
			close(done)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			t.Logf("%d blocks interleaved with %d number checks (%d of them while blocking): %d misses", numbers, checks.Load(), during, misses.Load())
			if during == 0 {
				t.Error("no check ran while numbers were being blocked")
			}
		})
	}
}
