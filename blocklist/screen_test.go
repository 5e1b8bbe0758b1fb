package blocklist_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

// oneLeadEach yields one lead per number, as typed.
func oneLeadEach(numbers ...string) func(func(csvimport.LeadDraft, error) bool) {
	return func(yield func(csvimport.LeadDraft, error) bool) {
		for _, n := range numbers {
			if !yield(csvimport.LeadDraft{Phones: []phone.Number{phone.Number(n)}}, nil) {
				return
			}
		}
	}
}

// TestSnapshotSeesChangesBetweenBatches changes the list between the
// batches of one CheckImport (an unblock, an expiry, a suppression written
// as privacy.Forget writes it, a prefix block) and checks that the next
// batch's verdicts follow, whether the batch is answered from the store
// (the first after a write) or from the snapshot (the others), and
// whether the batches are looked up ahead on the reading goroutine or not.
func TestSnapshotSeesChangesBetweenBatches(t *testing.T) {
	for _, ahead := range []bool{true, false} {
		t.Run(fmt.Sprintf("ahead=%v", ahead), func(t *testing.T) { testSnapshotSeesChangesBetweenBatches(t, ahead) })
	}
}

func testSnapshotSeesChangesBetweenBatches(t *testing.T, ahead bool) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		blocklist.ReloadAtOnce(f.svc)
		blocklist.LookAhead(f.svc, ahead)
		const a, b, c = "+4520111111", "+4520222222", "+4520333333"
		exact := f.block(blocklist.BlockRequest{Number: a})
		expiring := f.block(blocklist.BlockRequest{Number: b, ProjectID: f.energy.ID, ExpiresAt: start.Add(time.Hour)})
		var prefix blocklist.BlockResult
		// Each batch checks a, b and c; after some of them the list changes.
		type want struct {
			a, b, c blocklist.Outcome
			aBlock  uuid.UUID
		}
		batches := []struct {
			want  want
			after func()
		}{
			{want{blocklist.Blocked, blocklist.Blocked, blocklist.Allowed, exact.Entry.ID}, nil},
			{want{blocklist.Blocked, blocklist.Blocked, blocklist.Allowed, exact.Entry.ID}, func() {
				if _, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{Number: a}}); err != nil {
					t.Fatal(err)
				}
			}},
			{want{blocklist.Allowed, blocklist.Blocked, blocklist.Allowed, uuid.Nil}, nil},
			{want{blocklist.Allowed, blocklist.Blocked, blocklist.Allowed, uuid.Nil}, func() { f.clock.Set(start.Add(2 * time.Hour)) }},
			{want{blocklist.Allowed, blocklist.Allowed, blocklist.Allowed, uuid.Nil}, func() { f.suppress(c) }},
			{want{blocklist.Allowed, blocklist.Allowed, blocklist.Suppressed, uuid.Nil}, nil},
			{want{blocklist.Allowed, blocklist.Allowed, blocklist.Suppressed, uuid.Nil}, func() {
				prefix = f.block(blocklist.BlockRequest{Prefix: "+45 201"})
			}},
			{want{blocklist.Blocked, blocklist.Allowed, blocklist.Suppressed, uuid.Nil}, nil},
			{want{blocklist.Blocked, blocklist.Allowed, blocklist.Suppressed, uuid.Nil}, nil},
		}
		var numbers []string
		for range batches {
			numbers = append(numbers, a, b, c)
		}
		var got []blocklist.LeadVerdict
		snap0, store0 := blocklist.SnapshotBatches(f.svc)
		_, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: oneLeadEach(numbers...),
			OnVerdict: func(v blocklist.LeadVerdict) error {
				got = append(got, v)
				if len(got)%batchSize == 0 {
					if after := batches[len(got)/batchSize-1].after; after != nil {
						after()
					}
				}
				return nil
			}})
		require.NoError(t, err)
		require.Len(t, got, len(numbers))
		// A number accepted by an earlier lead is a duplicate: callable all the same.
		callable := func(o blocklist.Outcome) blocklist.Outcome {
			if o == blocklist.Duplicate {
				return blocklist.Allowed
			}
			return o
		}
		for i, bt := range batches {
			v := got[i*batchSize : (i+1)*batchSize]
			require.Equal(t, []blocklist.Outcome{bt.want.a, bt.want.b, bt.want.c},
				[]blocklist.Outcome{callable(v[0].Outcome), callable(v[1].Outcome), callable(v[2].Outcome)}, "batch %d", i+1)
			switch {
			case bt.want.a == blocklist.Blocked && bt.want.aBlock != uuid.Nil:
				require.Equal(t, bt.want.aBlock, v[0].Numbers[0].Block.ID, "batch %d", i+1)
				require.Empty(t, v[0].Numbers[0].Block.Prefix)
			case bt.want.a == blocklist.Blocked:
				require.Equal(t, prefix.Entry.ID, v[0].Numbers[0].Block.ID, "batch %d", i+1)
				require.Equal(t, phone.Number("+45201"), v[0].Numbers[0].Block.Prefix)
			}
			if bt.want.b == blocklist.Blocked {
				require.Equal(t, blocklist.BlockRef{ID: expiring.Entry.ID, ProjectID: f.energy.ID, ExpiresAt: start.Add(time.Hour)},
					v[1].Numbers[0].Block, "batch %d", i+1)
			}
		}
		snap, store := blocklist.SnapshotBatches(f.svc)
		// The first batch and each after a write read the store, the others the snapshot.
		require.Equal(t, int64(4), store-store0, "batches answered from the store")
		require.Equal(t, int64(5), snap-snap0, "batches answered from the snapshot")
	})
}

// TestSnapshotMatchesStore is differential: on random lists of exact and
// prefix blocks, org-wide and per project, some expired, and
// suppressions, a Service answering from its snapshot gives the verdicts,
// every field, of one reading the store.
func TestSnapshotMatchesStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		rng := rand.New(rand.NewPCG(11, 17))
		random := func() string { return fmt.Sprintf("+45202%05d", rng.IntN(400)) }
		for range 150 {
			req := blocklist.BlockRequest{Number: random()}
			if rng.IntN(6) == 0 { // a prefix of a range of 10 numbers, or of 1
				req = blocklist.BlockRequest{Prefix: req.Number[:10+rng.IntN(2)]}
			}
			switch rng.IntN(3) {
			case 1:
				req.ProjectID = f.energy.ID
			case 2:
				req.ProjectID = f.insure.ID
			}
			if rng.IntN(2) == 0 {
				req.ExpiresAt = start.Add(time.Duration(1+rng.IntN(240)) * time.Minute)
			}
			f.block(req)
		}
		for range 40 {
			f.suppress(phone.Number(random()))
		}
		f.clock.Set(start.Add(2 * time.Hour)) // about half the expiring blocks have expired
		numbers := make([]string, 600)
		for i := range numbers {
			numbers[i] = random()
		}
		snapSvc := blocklist.New(f.store, f.log, &blocklist.Options{Now: f.clock.Now, BatchSize: 50})
		storeSvc := blocklist.New(f.store, f.log, &blocklist.Options{Now: f.clock.Now, BatchSize: 50, SnapshotLimit: -1})
		for _, project := range []uuid.UUID{f.energy.ID, f.insure.ID} {
			req := blocklist.CheckRequest{ProjectID: project, Numbers: numbers}
			want, err := storeSvc.Check(f.ctx, f.dialer, req)
			require.NoError(t, err)
			_, err = snapSvc.Check(f.ctx, f.dialer, req) // loads the snapshot
			require.NoError(t, err)
			before, _ := blocklist.SnapshotBatches(snapSvc)
			got, err := snapSvc.Check(f.ctx, f.dialer, req)
			require.NoError(t, err)
			after, _ := blocklist.SnapshotBatches(snapSvc)
			require.Equal(t, int64(len(numbers)/50), after-before, "every batch from the snapshot")
			require.Equal(t, want, got)
			outcomes := map[blocklist.Outcome]int{}
			for _, v := range got.Verdicts {
				outcomes[v.Outcome]++
				if v.Block.Prefix != "" {
					outcomes[99]++
				}
			}
			t.Logf("outcomes %v", outcomes)
			require.Positive(t, outcomes[blocklist.Blocked], "the lists block some numbers")
			require.Positive(t, outcomes[blocklist.Suppressed])
			require.Positive(t, outcomes[blocklist.Allowed])
			require.Positive(t, outcomes[99], "prefix blocks among them")
		}
		// CheckImport, whose batches are looked up ahead while the leads
		// are read (always), or in their transactions (!always).
		for _, always := range []bool{true, false} {
			blocklist.LookAhead(snapSvc, always)
			for _, project := range []uuid.UUID{f.energy.ID, f.insure.ID} {
				var want, got []blocklist.LeadVerdict
				_, err := storeSvc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: project, Leads: oneLeadEach(numbers...),
					OnVerdict: func(v blocklist.LeadVerdict) error { want = append(want, v); return nil }})
				require.NoError(t, err)
				ahead := blocklist.PrecheckedBatches(snapSvc)
				_, err = snapSvc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: project, Leads: oneLeadEach(numbers...),
					OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v); return nil }})
				require.NoError(t, err)
				require.Equal(t, want, got)
				if always {
					require.Positive(t, blocklist.PrecheckedBatches(snapSvc)-ahead, "batches looked up ahead")
				} else {
					require.Zero(t, blocklist.PrecheckedBatches(snapSvc)-ahead, "batches looked up ahead")
				}
			}
		}
		snap, store := blocklist.SnapshotBatches(storeSvc)
		require.Zero(t, snap, "SnapshotLimit -1 never uses a snapshot")
		require.Positive(t, store)
	})
}

// TestSnapshotLimit checks that an organisation with more block entries
// and suppressions than SnapshotLimit is checked against the store, and
// one within it from the snapshot, with the same verdicts.
func TestSnapshotLimit(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.block(blocklist.BlockRequest{Number: "+4520111111"})
		f.block(blocklist.BlockRequest{Prefix: "+45 2022"})
		f.suppress("+4520333333")
		req := blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: []string{"+4520111111", "+4520222222", "+4520333333", "+4520444444"}}
		for _, tc := range []struct {
			limit    int
			snapshot bool
		}{{2, false}, {3, true}} {
			svc := blocklist.New(f.store, f.log, &blocklist.Options{Now: f.clock.Now, SnapshotLimit: tc.limit})
			blocklist.ReloadAtOnce(svc)
			for range 3 {
				res, err := svc.Check(f.ctx, f.dialer, req)
				require.NoError(t, err)
				var outcomes []blocklist.Outcome
				for _, v := range res.Verdicts {
					outcomes = append(outcomes, v.Outcome)
				}
				require.Equal(t, []blocklist.Outcome{blocklist.Blocked, blocklist.Blocked, blocklist.Suppressed, blocklist.Allowed}, outcomes)
			}
			snap, store := blocklist.SnapshotBatches(svc)
			if tc.snapshot {
				require.Equal(t, [2]int64{2, 1}, [2]int64{snap, store}, "limit %d: the first check loads the snapshot", tc.limit)
			} else {
				require.Equal(t, [2]int64{0, 3}, [2]int64{snap, store}, "limit %d: over the limit, the store", tc.limit)
			}
		}
	})
}

// TestSnapshotWithConcurrentWriters checks numbers from several
// goroutines while others block, unblock and suppress them, and checks
// each verdict against what was certainly in force for the whole check:
// run with -race, it also proves the snapshot's sharing and replacement.
func TestSnapshotWithConcurrentWriters(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		const stable = "+4520999999" // blocked throughout
		f.block(blocklist.BlockRequest{Number: stable})
		svc := blocklist.New(f.store, audit.New(f.store, f.keys, nil, nil), &blocklist.Options{Now: f.clock.Now, BatchSize: 2})
		stop := make(chan struct{})
		writerDone := make(chan error, 1)
		go func() {
			defer close(writerDone)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := fmt.Sprintf("+452080%04d", i%50)
				if _, err := svc.Block(f.ctx, f.alice, blocklist.BlockRequest{Number: n, Reason: "race"}); err != nil {
					writerDone <- err
					return
				}
				if i%3 == 0 {
					if _, err := svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{Number: n}}); err != nil {
						writerDone <- err
						return
					}
				}
				if i%7 == 0 {
					f.suppress(phone.Number(n))
				}
			}
		}()
		numbers := []string{stable, "+4520800001", "+4520800002", "+4520777777", stable}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				for range 30 {
					res, err := svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: numbers})
					if err != nil {
						errs <- err
						return
					}
					if res.Verdicts[0].Outcome != blocklist.Blocked || res.Verdicts[4].Outcome != blocklist.Blocked ||
						res.Verdicts[3].Outcome != blocklist.Allowed {
						errs <- fmt.Errorf("verdicts %v %v %v", res.Verdicts[0].Outcome, res.Verdicts[3].Outcome, res.Verdicts[4].Outcome)
						return
					}
				}
				errs <- nil
			}()
		}
		for range 4 {
			require.NoError(t, <-errs)
		}
		close(stop)
		require.NoError(t, <-writerDone)
		snap, store := blocklist.SnapshotBatches(svc)
		t.Logf("batches: %d from the snapshot, %d from the store", snap, store)
		require.Positive(t, store)
	})
}
