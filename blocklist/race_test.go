package blocklist_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestBlockThenCheckNeverMisses proves the guarantee of Block: once it has
// returned, no Check, CheckImport or Import (each every tenth round) that
// starts later allows the number. One goroutine
// blocks numbers one by one (every other one by a prefix block of its
// range) through one Store while others check all of
// them through a second Store on the same database (two Stores on one
// SQLite file, two connection pools to PostgreSQL), and every number whose
// Block had returned before a Check started must come back Blocked.
func TestBlockThenCheckNeverMisses(t *testing.T) {
	const numbers, checkers = 200, 3
	target := 100_000 // number checks per adapter
	if testing.Short() {
		target = 10_000
	}
	for _, k := range servicetest.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lp.db")
			writer := k.Open(t, path)
			t.Cleanup(func() { writer.Close() })
			reader := writer
			if k.Name != "memstore" {
				reader = k.Open(t, path)
				t.Cleanup(func() { reader.Close() })
			}
			f := newFixture(t, writer)
			checkSvc := blocklist.New(reader, audit.New(reader, f.keys, nil, nil), &blocklist.Options{Now: f.clock.Now})

			typed := make([]string, numbers)
			for i := range typed {
				typed[i] = fmt.Sprintf("31 %06d", 100000+i)
			}
			var blocked atomic.Int64 // typed[:blocked] have been blocked
			var checks, misses, rounds atomic.Int64
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
						outcomes, err := check(checkSvc, f, typed, int(rounds.Add(1)%10))
						if err != nil {
							errs <- err
							return
						}
						for i, o := range outcomes[:before] {
							if o != blocklist.Blocked {
								misses.Add(1)
								t.Errorf("number %d was blocked before the check began, verdict %v", i, o)
							}
						}
						checks.Add(int64(len(typed)))
					}
				})
			}
			for i, n := range typed {
				req := blocklist.BlockRequest{Number: n, Reason: "race"}
				if i%2 == 1 { // blocked by a prefix block of its range of ten numbers
					req = blocklist.BlockRequest{Prefix: "+45" + strings.ReplaceAll(n, " ", "")[:7], Reason: "race"}
				}
				if _, err := f.svc.Block(f.ctx, f.alice, req); err != nil {
					t.Errorf("Block %d: %v", i, err)
					break
				}
				blocked.Store(int64(i + 1))
				if i == numbers/2 { // a fast store could block everything before a check ends
					for c := checks.Load(); checks.Load() == c && len(errs) == 0; {
						time.Sleep(time.Millisecond)
					}
				}
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
			snap, store := blocklist.SnapshotBatches(checkSvc)
			t.Logf("batches: %d answered from the screening snapshot, %d from the store", snap, store)
			if snap == 0 {
				t.Error("no batch was answered from the screening snapshot")
			}
		})
	}
}

// check returns the outcome of each of numbers in the Energy project, from
// Check, or from CheckImport (round 0) or Import (round 5) of one lead per
// number.
func check(svc *blocklist.Service, f *fixture, numbers []string, round int) ([]blocklist.Outcome, error) {
	out := make([]blocklist.Outcome, 0, len(numbers))
	if round != 0 && round != 5 {
		res, err := svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: numbers})
		for _, v := range res.Verdicts {
			out = append(out, v.Outcome)
		}
		return out, err
	}
	leads := func(yield func(csvimport.LeadDraft, error) bool) {
		for _, n := range numbers {
			if !yield(csvimport.LeadDraft{Phones: []phone.Number{phone.Number(n)}}, nil) {
				return
			}
		}
	}
	onVerdict := func(v blocklist.LeadVerdict) error { out = append(out, v.Outcome); return nil }
	if round == 5 {
		_, err := svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: leads, OnVerdict: onVerdict})
		return out, err
	}
	_, err := svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: leads, OnVerdict: onVerdict})
	return out, err
}

// TestConcurrentBlocksOfOneNumber checks that goroutines blocking the same
// number in the same scope at once make one entry and one event, and that
// the others are told it is already blocked, never a conflict.
func TestConcurrentBlocksOfOneNumber(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		const n = 6
		mark := f.eventCount()
		var created atomic.Int64
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				res, err := f.svc.Block(f.ctx, f.alice, blocklist.BlockRequest{Number: "20 12 34 56", ProjectID: f.energy.ID, Reason: "race"})
				if err != nil {
					t.Errorf("Block: %v", err)
					return
				}
				if !res.AlreadyBlocked {
					created.Add(1)
				}
			})
		}
		wg.Wait()
		if created.Load() != 1 || len(f.entries()) != 1 {
			t.Errorf("%d calls created, %d entries; want 1 and 1", created.Load(), len(f.entries()))
		}
		if evs := f.eventsSince(mark); len(evs) != 1 {
			t.Errorf("events = %v, want one block.created", actions(evs))
		}
	})
}

// TestBlockWhileAnotherBlockCommits blocks a number in a transaction that
// stays open while a second Block of the same number starts: on PostgreSQL
// the second one reads before the first commits, and its insert then
// collides with the committed row. It must still answer AlreadyBlocked.
func TestBlockWhileAnotherBlockCommits(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		req := blocklist.BlockRequest{Number: "20123456", Reason: "race"}
		blocked, commit := make(chan struct{}), make(chan struct{})
		var first blocklist.BlockResult
		var wg sync.WaitGroup
		wg.Go(func() {
			err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
				var err error
				first, err = f.svc.BlockTx(ctx, tx, f.alice, req)
				close(blocked)
				<-commit
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
		<-blocked
		var second blocklist.BlockResult
		var err error
		wg.Go(func() { second, err = f.svc.Block(f.ctx, f.alice, req) })
		time.Sleep(100 * time.Millisecond) // let the second Block read and reach its insert
		close(commit)
		wg.Wait()
		if err != nil || !second.AlreadyBlocked || second.Entry.ID != first.Entry.ID {
			t.Errorf("second Block = %+v, %v; want AlreadyBlocked with the first entry", second, err)
		}
	})
}
