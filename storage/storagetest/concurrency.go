package storagetest

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// concurrencyCases run real concurrent transactions: write transactions
// must behave as if run one at a time (storage.Store.WithTx), which a
// store that serialises writers gets for free and a database with
// concurrent writers (PostgreSQL) must enforce.
var concurrencyCases = []testCase{
	{"LostUpdate", testLostUpdate},
	{"ForgetAgainstStaleUpdate", testForgetAgainstStaleUpdate},
	{"SuppressAgainstImport", testSuppressAgainstImport},
}

// testLostUpdate increments a counter in a lead's fields from several
// goroutines, each increment a Get, +1, Update transaction: every
// transaction commits and no increment is lost.
func testLostUpdate(h *harness) {
	tn := h.tenant("A")
	counter := h.lead(tn, func(l *lp.Lead) { l.Fields = map[string]string{"n": "0"} })
	h.addLeads(counter)
	const perWriter = 10
	var wg sync.WaitGroup
	errs := make(chan error, h.opts.Writers*perWriter)
	for range h.opts.Writers {
		wg.Go(func() {
			for range perWriter {
				errs <- h.s.WithTx(h.ctx, func(ctx context.Context, tx storage.Tx) error {
					l, err := tx.Leads().Get(ctx, tn.Org.ID, counter.ID)
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(l.Fields["n"])
					if err != nil {
						return err
					}
					l.Fields["n"] = strconv.Itoa(n + 1)
					return tx.Leads().Update(ctx, l)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(h.t, err)
	}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		l, err := tx.Leads().Get(ctx, tn.Org.ID, counter.ID)
		h.noErr(err)
		require.Equal(h.t, strconv.Itoa(h.opts.Writers*perWriter), l.Fields["n"], "increments lost")
	})
}

// testForgetAgainstStaleUpdate forgets leads (phones, fields and contact
// notes erased) while agent transactions that read them before the forget
// save an outcome after it: the forget must stay complete (no phone,
// field or note comes back) and the outcome must be kept.
func testForgetAgainstStaleUpdate(h *harness) {
	tn := h.tenant("A")
	ls := make([]lp.Lead, 10)
	for i := range ls {
		ls[i] = h.lead(tn)
	}
	h.addLeads(ls...)
	h.overlapping(len(ls),
		func(ctx context.Context, tx storage.Tx, i int, wait func()) error { // the agent saves an outcome
			x, err := tx.Leads().Get(ctx, tn.Org.ID, ls[i].ID)
			if err != nil {
				return err
			}
			wait()
			x.Outcome = "not_interested"
			if x.ForgottenAt.IsZero() {
				if err := tx.Contacts().Add(ctx, h.contact(x, h.now)); err != nil {
					return err
				}
			}
			return tx.Leads().Update(ctx, x)
		},
		func(ctx context.Context, tx storage.Tx, i int) error { // the forget
			x, err := tx.Leads().Get(ctx, tn.Org.ID, ls[i].ID)
			if err != nil {
				return err
			}
			x.Phones, x.Fields, x.ForgottenAt = nil, nil, h.now
			if err := tx.Leads().Update(ctx, x); err != nil {
				return err
			}
			_, err = tx.Contacts().EraseByLead(ctx, tn.Org.ID, x.ID)
			return err
		})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, l := range ls {
			got, err := tx.Leads().Get(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			require.Empty(h.t, got.Phones, "a forgotten lead's phones came back")
			require.Empty(h.t, got.Fields, "a forgotten lead's fields came back")
			require.Equal(h.t, h.now, got.ForgottenAt)
			require.Equal(h.t, "not_interested", got.Outcome, "the agent's outcome was lost")
			found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, l.Phones)
			h.noErr(err)
			require.Empty(h.t, found, "a forgotten number is still indexed")
			cs, err := tx.Contacts().ListByLead(ctx, tn.Org.ID, l.ID)
			h.noErr(err)
			for _, c := range cs {
				require.Empty(h.t, c.Notes, "a contact note outlived the forget")
				require.Empty(h.t, c.RecordingRef, "a recording outlived the forget")
			}
		}
	})
}

// testSuppressAgainstImport imports leads whose numbers are being
// suppressed and forgotten at the same time. The import checks the
// suppression, then creates the lead; the suppression adds it, then
// forgets the leads that have the number. Run one at a time, either the
// import sees the suppression or the forget sees the lead: no lead may
// keep a suppressed number. No row exists to lock here (the import reads
// an absent suppression, the forget an absent lead), so it takes
// serializable transactions, not row locks.
func testSuppressAgainstImport(h *harness) {
	tn := h.tenant("A")
	const n = 5
	numbers, fps, imports := make([]phone.Number, n), make([]phone.Fingerprint, n), make([]lp.Lead, n)
	for i := range n {
		imports[i] = h.lead(tn)
		numbers[i], fps[i] = imports[i].Phones[0], phone.Fingerprint{0xf0, byte(i)}
	}
	h.overlapping(n,
		func(ctx context.Context, tx storage.Tx, i int, wait func()) error { // the import
			sup, err := tx.Suppressions().Find(ctx, tn.Org.ID, fps[i:i+1])
			if err != nil || len(sup) > 0 {
				return err
			}
			wait()
			return tx.Leads().Create(ctx, imports[i])
		},
		func(ctx context.Context, tx storage.Tx, i int) error { // the suppression with its forget
			err := tx.Suppressions().Add(ctx, lp.Suppression{OrgID: tn.Org.ID, Fingerprint: fps[i], CreatedBy: tn.Admin.ID, CreatedAt: h.now})
			if err != nil {
				return err
			}
			found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, numbers[i:i+1])
			if err != nil {
				return err
			}
			for _, x := range found {
				x.Phones, x.Fields, x.ForgottenAt = nil, nil, h.now
				if err := tx.Leads().Update(ctx, x); err != nil {
					return err
				}
			}
			return nil
		})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		found, err := tx.Leads().FindByNumbers(ctx, tn.Org.ID, numbers)
		h.noErr(err)
		require.Empty(h.t, ids(found, leadID), "a lead was imported with a suppressed number")
		sup, err := tx.Suppressions().Find(ctx, tn.Org.ID, fps)
		h.noErr(err)
		require.Len(h.t, sup, n)
	})
}

// overlapPatience bounds how long the first transaction of a pair waits
// for the second to commit. A store that serialises writers makes the
// second wait for the first, so there the first goes on after it; the
// whole run shares it, so the cost is paid once.
const overlapPatience = time.Second

// overlapping runs n pairs of transactions at once, each in its own
// WithTx, and requires every one to commit. Pair i's first transaction
// calls wait between its reads and its writes; the second begins once the
// first has read, and wait returns when the second has committed (or after
// overlapPatience), so the first writes what it read before the second's
// change. Both fns may run again on a retry, and the pairs run at once,
// so the fns must not call builders that change h (number, lead).
func (h *harness) overlapping(n int,
	first func(ctx context.Context, tx storage.Tx, i int, wait func()) error,
	second func(ctx context.Context, tx storage.Tx, i int) error,
) {
	h.t.Helper()
	patience := make(chan struct{})
	timer := time.AfterFunc(overlapPatience, func() { close(patience) })
	defer timer.Stop()
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		read, committed := make(chan struct{}), make(chan struct{})
		var once sync.Once
		wait := func() {
			once.Do(func() { close(read) })
			select {
			case <-committed:
			case <-patience:
			}
		}
		wg.Go(func() {
			errs <- h.s.WithTx(h.ctx, func(ctx context.Context, tx storage.Tx) error { return first(ctx, tx, i, wait) })
		})
		wg.Go(func() {
			defer close(committed)
			select {
			case <-read:
			case <-patience:
			}
			errs <- h.s.WithTx(h.ctx, func(ctx context.Context, tx storage.Tx) error { return second(ctx, tx, i) })
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(h.t, err)
	}
}
