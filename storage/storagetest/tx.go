package storagetest

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

var txCases = []testCase{
	{"CommitVisible", testCommitVisible},
	{"RollbackOnError", testRollbackOnError},
	{"RollbackOnPanic", testRollbackOnPanic},
	{"CancelledBefore", testCancelledBefore},
	{"CancelledDuring", testCancelledDuring},
	{"CancelledMethods", testCancelledMethods},
	{"UseAfterDone", testUseAfterDone},
	{"ConcurrentAppend", testConcurrentAppend},
	{"ViewReadsCommitted", testViewReadsCommitted},
	{"ViewRejectsWrites", testViewRejectsWrites},
	{"NestedFails", testNestedFails},
	{"UnusableAfterFailure", testUnusableAfterFailure},
	{"ViewUnusableAfterWrite", testViewUnusableAfterWrite},
}

var errBoom = errors.New("storagetest: boom")

func testCommitVisible(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	h.tx(func(ctx context.Context, tx storage.Tx) { h.changeEverything(ctx, tx, w) })
	after := h.snapshot(w)
	require.Equal(h.t, "Renamed", after.Org.Name)
	require.Len(h.t, after.Projects, len(before.Projects)+1)
	require.Len(h.t, after.Templates, len(before.Templates)+1)
	require.Len(h.t, after.Users, len(before.Users)+1)
	require.Len(h.t, after.Leads, len(before.Leads)-2+5)
	require.Len(h.t, after.Blocks, len(before.Blocks)-2+3)
	require.Len(h.t, after.Suppressions, len(before.Suppressions))
	require.NotContains(h.t, after.Suppressions, w.FPs[0])
	require.Len(h.t, after.Rules, 1)
	require.Equal(h.t, "no_answer", after.Rules[0].Outcome)
	require.Len(h.t, after.Events, len(before.Events)+1)
	require.Contains(h.t, after.Hashes, int64(5))
	require.Equal(h.t, []string{"dnc", "tps"}, registryNames(after.Registries))
	require.EqualValues(h.t, 2, after.Registries[1].Version)
	require.Len(h.t, after.Snapshots, 1, "version 2 of tps only")
	require.Len(h.t, after.Erasures, len(before.Erasures))
	require.NotContains(h.t, ids(after.Erasures, erasureID), w.Erasures[1].ID)
	require.NotContains(h.t, after.Leases, w.Lease.Name, "released")
	require.Contains(h.t, after.Leases, changedLease)
}

func registryNames(rs []lp.Registry) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func testRollbackOnError(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	err := h.try(func(ctx context.Context, tx storage.Tx) error {
		h.changeEverything(ctx, tx, w)
		return errBoom
	})
	require.ErrorIs(h.t, err, errBoom, "WithTx must return fn's error")
	require.Equal(h.t, before, h.snapshot(w), "a failed transaction changed the store")
}

func testRollbackOnPanic(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = h.try(func(ctx context.Context, tx storage.Tx) error {
			h.changeEverything(ctx, tx, w)
			panic(errBoom)
		})
	}()
	require.Equal(h.t, errBoom, recovered, "WithTx must re-panic with fn's panic value")
	require.Equal(h.t, before, h.snapshot(w), "a panicking transaction changed the store")
	// The store is still usable after the panic.
	h.appendEvents(h.event(w.tenant))
}

func testCancelledBefore(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	err := h.s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		h.changeEverything(ctx, tx, w)
		return nil
	})
	require.ErrorIs(h.t, err, context.Canceled)
	require.Equal(h.t, before, h.snapshot(w))
}

func testCancelledDuring(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	err := h.s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Events().Append(ctx, h.event(w.tenant))
		h.noErr(err)
		cancel()
		return nil
	})
	require.ErrorIs(h.t, err, context.Canceled, "WithTx must not commit when ctx is cancelled")
	require.Equal(h.t, before, h.snapshot(w))
}

// call is one method of the contract called with valid arguments.
type call struct {
	name string
	fn   func(ctx context.Context, tx storage.Tx) error
}

// calls returns every method of every view, called on w's objects.
func (h *harness) calls(w world) []call {
	org, l, b := w.Org.ID, w.Leads[0], w.Blocks[0]
	r, e := w.Registries[0], w.Erasures[0]
	gone, gone2 := w.Leads[1].ID, w.Leads[2].ID // deleted by the calls
	m := lp.ProjectMember{OrgID: org, ProjectID: w.P1.ID, UserID: w.Agent1.ID}
	nums := []phone.Number{l.Phones[0], b.Number}
	errOf := func(_ any, err error) error { return err }
	return []call{
		{"Organisations.Create", func(ctx context.Context, tx storage.Tx) error {
			return tx.Organisations().Create(ctx, lp.Organisation{ID: uuid.New(), Name: "X", DefaultRegion: "DK"})
		}},
		{"Organisations.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Organisations().Get(ctx, org)) }},
		{"Organisations.Update", func(ctx context.Context, tx storage.Tx) error { return tx.Organisations().Update(ctx, w.Org) }},
		{"Projects.Create", func(ctx context.Context, tx storage.Tx) error {
			return tx.Projects().Create(ctx, lp.Project{OrgID: org, ID: uuid.New(), Name: "X"})
		}},
		{"Projects.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Projects().Get(ctx, org, w.P1.ID)) }},
		{"Projects.List", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Projects().List(ctx, org, storage.Page{}))
		}},
		{"Projects.SetLegalHold", func(ctx context.Context, tx storage.Tx) error {
			return tx.Projects().SetLegalHold(ctx, org, w.P2.ID, w.Org.CreatedAt)
		}},
		{"Templates.Create", func(ctx context.Context, tx storage.Tx) error {
			return tx.Templates().Create(ctx, lp.CampaignTemplate{OrgID: org, ID: uuid.New(), Name: "X"})
		}},
		{"Templates.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Templates().Get(ctx, org, w.Tpl.ID)) }},
		{"Templates.Update", func(ctx context.Context, tx storage.Tx) error { return tx.Templates().Update(ctx, w.Tpl) }},
		{"Templates.List", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Templates().List(ctx, org, storage.Page{}))
		}},
		{"Users.Create", func(ctx context.Context, tx storage.Tx) error {
			return tx.Users().Create(ctx, lp.User{OrgID: org, ID: uuid.New(), Role: lp.RoleAgent})
		}},
		{"Users.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Users().Get(ctx, org, w.Admin.ID)) }},
		{"Users.List", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Users().List(ctx, org, storage.Page{}))
		}},
		{"Users.AddMember", func(ctx context.Context, tx storage.Tx) error { return tx.Users().AddMember(ctx, m) }},
		{"Users.RemoveMember", func(ctx context.Context, tx storage.Tx) error { return tx.Users().RemoveMember(ctx, m) }},
		{"Users.WithAccess", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Users().WithAccess(ctx, org, w.P1.ID)) }},
		{"Leads.Create", func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Create(ctx, h.lead(w.tenant)) }},
		{"Leads.CreateMany", func(ctx context.Context, tx storage.Tx) error {
			return tx.Leads().CreateMany(ctx, org, []lp.Lead{h.lead(w.tenant)})
		}},
		{"Leads.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Leads().Get(ctx, org, l.ID)) }},
		{"Leads.Update", func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Update(ctx, l) }},
		{"Leads.Delete", func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Delete(ctx, org, gone) }},
		{"Leads.DeleteMany", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Leads().DeleteMany(ctx, org, []uuid.UUID{gone2}))
		}},
		{"Leads.FindByNumbers", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Leads().FindByNumbers(ctx, org, nums)) }},
		{"Leads.List", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Leads().List(ctx, org, storage.LeadFilter{}, storage.Page{}))
		}},
		{"Leads.ListIDs", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Leads().ListIDs(ctx, org, storage.LeadFilter{}, storage.Page{}))
		}},
		{"Contacts.Add", func(ctx context.Context, tx storage.Tx) error { return tx.Contacts().Add(ctx, h.contact(l, h.now)) }},
		{"Contacts.ListByLead", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Contacts().ListByLead(ctx, org, l.ID)) }},
		{"Contacts.EraseByLead", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Contacts().EraseByLead(ctx, org, l.ID))
		}},
		{"Blocks.Create", func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Create(ctx, h.block(w.tenant)) }},
		{"Blocks.CreateMany", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Blocks().CreateMany(ctx, org, []lp.BlockEntry{h.block(w.tenant)}))
		}},
		{"Blocks.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Blocks().Get(ctx, org, b.ID)) }},
		{"Blocks.Update", func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Update(ctx, b) }},
		{"Blocks.Delete", func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Delete(ctx, org, b.ID) }},
		{"Blocks.FindByNumbers", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Blocks().FindByNumbers(ctx, org, nums))
		}},
		{"Blocks.List", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Blocks().List(ctx, org, storage.BlockFilter{}, storage.Page{}))
		}},
		{"Blocks.Count", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Blocks().Count(ctx, org, storage.BlockFilter{}))
		}},
		{"Blocks.DeleteMany", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Blocks().DeleteMany(ctx, org, []uuid.UUID{w.Blocks[1].ID}))
		}},
		{"Suppressions.Add", func(ctx context.Context, tx storage.Tx) error {
			return tx.Suppressions().Add(ctx, lp.Suppression{OrgID: org, Fingerprint: w.FPs[2], CreatedAt: h.now})
		}},
		{"Suppressions.Find", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Suppressions().Find(ctx, org, w.FPs)) }},
		{"Suppressions.Remove", func(ctx context.Context, tx storage.Tx) error { return tx.Suppressions().Remove(ctx, org, w.FPs[0]) }},
		{"Suppressions.ListFingerprints", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Suppressions().ListFingerprints(ctx, org, phone.Fingerprint{}, 0))
		}},
		{"Blocks.ScreeningGeneration", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Blocks().ScreeningGeneration(ctx, org))
		}},
		{"RetentionRules.Create", func(ctx context.Context, tx storage.Tx) error {
			return tx.RetentionRules().Create(ctx, h.rule(w.tenant, "other"))
		}},
		{"RetentionRules.Get", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.RetentionRules().Get(ctx, org, w.Rule.ID))
		}},
		{"RetentionRules.Update", func(ctx context.Context, tx storage.Tx) error { return tx.RetentionRules().Update(ctx, w.Rule) }},
		{"RetentionRules.Delete", func(ctx context.Context, tx storage.Tx) error { return tx.RetentionRules().Delete(ctx, org, w.Rule.ID) }},
		{"RetentionRules.List", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.RetentionRules().List(ctx, org, uuid.Nil))
		}},
		{"Events.Append", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Events().Append(ctx, h.event(w.tenant)))
		}},
		{"Events.Count", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Events().Count(ctx, org)) }},
		{"Events.Range", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Events().Range(ctx, org, 0, 2)) }},
		{"Events.Query", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Events().Query(ctx, org, storage.EventQuery{}))
		}},
		{"Events.WriteHashes", func(ctx context.Context, tx storage.Tx) error {
			return tx.Events().WriteHashes(ctx, org, []int64{7}, [][32]byte{{7}})
		}},
		{"Events.ReadHashes", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Events().ReadHashes(ctx, org, w.Hashes))
		}},
		{"Registries.Create", func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().Create(ctx, h.registry(w.tenant, h.code("reg"), nil))
		}},
		{"Registries.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Registries().Get(ctx, org, r.Name)) }},
		{"Registries.List", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Registries().List(ctx, org)) }},
		{"Registries.Update", func(ctx context.Context, tx storage.Tx) error { return tx.Registries().Update(ctx, r) }},
		{"Registries.WriteSnapshot", func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().WriteSnapshot(ctx, org, r.ID, 2, []byte("v2"))
		}},
		{"Registries.ReadSnapshot", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Registries().ReadSnapshot(ctx, org, r.ID, 1))
		}},
		{"Registries.ReadSnapshotTo", func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().ReadSnapshotTo(ctx, org, r.ID, 1, io.Discard)
		}},
		{"Registries.DeleteSnapshots", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Registries().DeleteSnapshots(ctx, org, r.ID, 1))
		}},
		{"Registries.Delete", func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().Delete(ctx, org, w.Registries[1].ID)
		}},
		{"Leads.Count", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Leads().Count(ctx, org, storage.LeadFilter{ProjectID: w.P1.ID}))
		}},
		{"Leads.CountMany", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Leads().CountMany(ctx, org, []storage.LeadFilter{{ProjectID: w.P1.ID}, {}}))
		}},
		{"Leads.AnonymiseMany", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Leads().AnonymiseMany(ctx, org, []uuid.UUID{l.ID}, h.now))
		}},
		{"Contacts.EraseByLeads", func(ctx context.Context, tx storage.Tx) error {
			_, _, err := tx.Contacts().EraseByLeads(ctx, org, []uuid.UUID{l.ID})
			return err
		}},
		{"Leases.Acquire", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Leases().Acquire(ctx, org, changedLease, uuid.New(), h.now, h.now.Add(time.Minute)))
		}},
		{"Leases.Get", func(ctx context.Context, tx storage.Tx) error {
			_, _, err := tx.Leases().Get(ctx, org, w.Lease.Name)
			return err
		}},
		{"Leases.Release", func(ctx context.Context, tx storage.Tx) error {
			return tx.Leases().Release(ctx, org, w.Lease.Name, w.Lease.Holder)
		}},
		{"Erasures.Add", func(ctx context.Context, tx storage.Tx) error { return tx.Erasures().Add(ctx, h.erasure(w.tenant)) }},
		{"Erasures.Get", func(ctx context.Context, tx storage.Tx) error { return errOf(tx.Erasures().Get(ctx, org, e.ID)) }},
		{"Erasures.List", func(ctx context.Context, tx storage.Tx) error {
			return errOf(tx.Erasures().List(ctx, org, h.now, storage.Page{}))
		}},
		{"Erasures.Update", func(ctx context.Context, tx storage.Tx) error { return tx.Erasures().Update(ctx, e) }},
		{"Erasures.Delete", func(ctx context.Context, tx storage.Tx) error {
			return tx.Erasures().Delete(ctx, org, w.Erasures[1].ID)
		}},
	}
}

// testCancelledMethods calls every method with a cancelled context; each
// must fail with an error wrapping context.Canceled and change nothing.
func testCancelledMethods(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	for _, c := range h.calls(w) {
		var got error
		_ = h.try(func(ctx context.Context, tx storage.Tx) error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			got = c.fn(cctx, tx)
			return got
		})
		require.ErrorIs(h.t, got, context.Canceled, c.name)
	}
	// The calls are valid: with a live context they succeed.
	for _, c := range h.calls(w) {
		require.NoError(h.t, h.try(c.fn), c.name)
	}
	require.NotEqual(h.t, before, h.snapshot(w))
}

// testUseAfterDone keeps the tx of a finished transaction and calls every
// method on it: each must fail with storage.ErrTxDone.
func testUseAfterDone(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	for _, finish := range []error{nil, errBoom} {
		var kept storage.Tx
		err := h.try(func(ctx context.Context, tx storage.Tx) error {
			kept = tx
			return finish
		})
		require.ErrorIs(h.t, err, finish)
		for _, c := range h.calls(w) {
			require.ErrorIs(h.t, c.fn(h.ctx, kept), storage.ErrTxDone, c.name)
		}
	}
	require.Equal(h.t, before, h.snapshot(w))
}

// testViewReadsCommitted reads in View what WithTx committed, and checks
// that View returns fn's error.
func testViewReadsCommitted(h *harness) {
	w := h.world("A")
	var got lp.Organisation
	require.NoError(h.t, h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		got, err = tx.Organisations().Get(ctx, w.Org.ID)
		return err
	}))
	require.Equal(h.t, w.Org, got)
	err := h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error { return errBoom })
	require.ErrorIs(h.t, err, errBoom, "View must return fn's error")
	var kept storage.Tx
	require.NoError(h.t, h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error { kept = tx; return nil }))
	_, err = kept.Organisations().Get(h.ctx, w.Org.ID)
	require.ErrorIs(h.t, err, storage.ErrTxDone, "a View tx used after View returned")
}

// writeMethods are the methods of the contract that write.
var writeMethods = map[string]bool{"Create": true, "CreateMany": true, "Update": true, "Delete": true,
	"DeleteMany": true, "Add": true, "EraseByLead": true, "Remove": true, "AddMember": true,
	"RemoveMember": true, "Append": true, "WriteHashes": true, "WriteSnapshot": true, "DeleteSnapshots": true,
	"AnonymiseMany": true, "EraseByLeads": true, "Acquire": true, "Release": true, "SetLegalHold": true}

// testViewRejectsWrites calls every method in View: the writes must fail
// with ErrReadOnly, the reads succeed, and nothing may change.
func testViewRejectsWrites(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	for _, c := range h.calls(w) {
		_, method, _ := strings.Cut(c.name, ".")
		var got error
		_ = h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
			got = c.fn(ctx, tx)
			return got
		})
		if writeMethods[method] {
			require.ErrorIs(h.t, got, storage.ErrReadOnly, c.name)
		} else {
			require.NoError(h.t, got, c.name)
		}
	}
	require.Equal(h.t, before, h.snapshot(w))
}

// testConcurrentAppend appends events from several goroutines, each in its
// own transactions: the organisation's sequence must be 0..n-1 without gaps
// or duplicates, and each event must be stored once.
func testConcurrentAppend(h *harness) {
	tn := h.tenant("A")
	const perWriter = 10
	var wg sync.WaitGroup
	errs := make(chan error, h.opts.Writers*perWriter)
	for range h.opts.Writers {
		wg.Go(func() {
			for range perWriter {
				obj := uuid.New()
				errs <- h.s.WithTx(h.ctx, func(ctx context.Context, tx storage.Tx) error {
					_, err := tx.Events().Append(ctx, h.event(tn, func(e *lp.Event) { e.ObjectID = obj }))
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(h.t, err)
	}
	n := int64(h.opts.Writers * perWriter)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		count, err := tx.Events().Count(ctx, tn.Org.ID)
		h.noErr(err)
		require.Equal(h.t, n, count)
		evs, err := tx.Events().Range(ctx, tn.Org.ID, 0, n)
		h.noErr(err)
		objects := map[uuid.UUID]bool{}
		for i, e := range evs {
			require.Equal(h.t, int64(i), e.Seq)
			objects[e.ObjectID] = true
		}
		require.Len(h.t, objects, int(n), "an event was stored twice or lost")
	})
}

// within runs fn and fails the test if it does not return within d: a
// transaction that waits for itself fails the case instead of hanging the
// suite.
func (h *harness) within(d time.Duration, fn func()) {
	h.t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	select {
	case p := <-done:
		if p != nil {
			panic(p)
		}
	case <-time.After(d):
		h.t.Fatalf("did not return within %v: a nested transaction waits for itself", d)
	}
}

// testNestedFails calls WithTx and View with the ctx of an open
// transaction of the same store, in every combination: each must fail at
// once with ErrNestedTx without running its callback, and the outer
// transaction must commit what it wrote itself, nothing else.
func testNestedFails(h *harness) {
	tn := h.tenant("A")
	type begin func(ctx context.Context, fn func(ctx context.Context, tx storage.Tx) error) error
	kinds := []struct {
		name string
		run  begin
	}{{"WithTx", h.s.WithTx}, {"View", h.s.View}}
	for _, outer := range kinds {
		for _, inner := range kinds {
			name := inner.name + " in " + outer.name
			// Bounded below the watchdog: an adapter that waits for a
			// lock honouring ctx fails with DeadlineExceeded instead.
			ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
			var innerErr error
			innerRan := false
			start := time.Now()
			h.within(10*time.Second, func() {
				err := outer.run(ctx, func(ctx context.Context, tx storage.Tx) error {
					if outer.name == "WithTx" {
						if _, err := tx.Events().Append(ctx, h.event(tn)); err != nil {
							return err
						}
					}
					// A ctx derived from the transaction's is marked too.
					dctx, dcancel := context.WithCancel(ctx)
					defer dcancel()
					innerErr = inner.run(dctx, func(ctx context.Context, tx storage.Tx) error {
						innerRan = true
						_, err := tx.Events().Append(ctx, h.event(tn))
						return err
					})
					return nil
				})
				require.NoError(h.t, err, "%s: the outer transaction", name)
			})
			cancel()
			require.ErrorIs(h.t, innerErr, storage.ErrNestedTx, name)
			require.False(h.t, innerRan, "%s: the nested callback ran", name)
			require.Less(h.t, time.Since(start), time.Second, "%s: ErrNestedTx must come at once", name)
		}
	}
	// Only the two outer WithTx appended.
	h.tx(func(ctx context.Context, tx storage.Tx) {
		n, err := tx.Events().Count(ctx, tn.Org.ID)
		h.noErr(err)
		require.Equal(h.t, int64(2), n, "a nested transaction wrote")
	})
	// The ctx of a finished transaction no longer counts as nested.
	var kept context.Context
	h.tx(func(ctx context.Context, tx storage.Tx) { kept = ctx })
	require.NoError(h.t, h.s.View(kept, func(context.Context, storage.Tx) error { return nil }))
}

// testUnusableAfterFailure fails one call of a transaction with an error
// that is not an outcome (a cancelled context), then goes on with a live
// one: every later call must fail with an error wrapping the first, and
// WithTx must return it and commit nothing although fn returns nil.
func testUnusableAfterFailure(h *harness) {
	w := h.world("A")
	before := h.snapshot(w)
	var first error
	err := h.try(func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Events().Append(ctx, h.event(w.tenant))
		h.noErr(err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, first = tx.Events().Append(cctx, h.event(w.tenant))
		require.ErrorIs(h.t, first, context.Canceled)
		for _, c := range h.calls(w) {
			require.ErrorIs(h.t, c.fn(ctx, tx), context.Canceled, "%s after a failed call", c.name)
		}
		return nil // a host that swallowed the failure
	})
	require.ErrorIs(h.t, err, context.Canceled, "WithTx must return the failure that made the tx unusable")
	require.Equal(h.t, before, h.snapshot(w), "a transaction that failed committed")
	// An outcome leaves the transaction usable.
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.is(tx.Organisations().Create(ctx, w.Org), lp.ErrConflict)
		_, err := tx.Organisations().Get(ctx, w.Org.ID)
		h.noErr(err, "a call after ErrConflict")
	})
}

// testViewUnusableAfterWrite writes in View: after ErrReadOnly the View is
// unusable like any transaction after a failure.
func testViewUnusableAfterWrite(h *harness) {
	w := h.world("A")
	var read error
	err := h.s.View(h.ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Events().Append(ctx, h.event(w.tenant))
		require.ErrorIs(h.t, err, storage.ErrReadOnly)
		_, read = tx.Organisations().Get(ctx, w.Org.ID)
		return nil
	})
	require.ErrorIs(h.t, read, storage.ErrReadOnly, "a read after a refused write")
	require.ErrorIs(h.t, err, storage.ErrReadOnly, "View must return the failure")
}
