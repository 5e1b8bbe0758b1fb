package blocklist_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// leads returns the stored leads of project.
func (f *fixture) leads(project uuid.UUID) []lp.Lead {
	f.t.Helper()
	var out []lp.Lead
	f.tx(func(tx storage.Tx) error {
		var err error
		out, err = tx.Leads().List(f.ctx, f.org.ID, storage.LeadFilter{ProjectID: project}, storage.Page{Limit: storage.MaxLimit})
		return err
	})
	return out
}

// TestImport imports leadsCSV into Energy and checks the verdicts (the
// same as CheckImport's), the stored leads with their fields and numbers,
// and one lead.imported event per batch whose counts add up.
func TestImport(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		importFixture(f)
		mark := f.eventCount()
		var got []blocklist.LeadVerdict
		var progress []int
		res, err := f.svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: leadReader(t),
			OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v); return nil },
			Progress:  func(r blocklist.ImportResult) { progress = append(progress, r.Checked) }})
		if err != nil {
			t.Fatal(err)
		}
		want := blocklist.CheckImportResult{Checked: 8, Accepted: 2, RejectedBlocked: 2, RejectedSuppressed: 1, Invalid: 2, Duplicate: 1}
		if res.CheckImportResult != want || res.LastLine != 9 {
			t.Errorf("result %+v, want %+v and LastLine 9", res, want)
		}
		if !slices.Equal(progress, []int{3, 6, 8}) {
			t.Errorf("progress after %v leads, want after each batch of 3", progress)
		}
		var outcomes []blocklist.Outcome
		ids := map[uuid.UUID]blocklist.LeadVerdict{}
		for _, v := range got {
			outcomes = append(outcomes, v.Outcome)
			if (v.LeadID != uuid.Nil) != (v.Outcome == blocklist.Allowed) {
				t.Errorf("line %d: %v with lead id %v", v.Lead.Line, v.Outcome, v.LeadID)
			}
			if v.LeadID != uuid.Nil {
				ids[v.LeadID] = v
			}
		}
		wantOutcomes := []blocklist.Outcome{blocklist.Allowed, blocklist.Blocked, blocklist.Blocked, blocklist.Invalid, blocklist.Suppressed, blocklist.Duplicate, blocklist.Invalid, blocklist.Allowed}
		if !slices.Equal(outcomes, wantOutcomes) {
			t.Fatalf("outcomes %v, want %v", outcomes, wantOutcomes)
		}
		if b := got[2].Numbers[1]; b.Outcome != blocklist.Blocked || b.Block.ProjectID != f.energy.ID {
			t.Errorf("Carl's rejection says %+v, want the Energy block", b)
		}
		stored := f.leads(f.energy.ID)
		if len(stored) != 2 {
			t.Fatalf("stored %d leads, want 2", len(stored))
		}
		for _, l := range stored {
			v, ok := ids[l.ID]
			if !ok || l.TemplateID != f.tmpl.ID || !slices.Equal(l.Phones, v.Phones) || !maps.Equal(l.Fields, v.Lead.Fields) || !l.CreatedAt.Equal(start) {
				t.Errorf("stored %+v, verdict %+v", l, v)
			}
		}
		if ids[stored[0].ID].Lead.Fields["first_name"] != "Anna" && ids[stored[1].ID].Lead.Fields["first_name"] != "Anna" {
			t.Error("Anna was not stored")
		}
		evs := f.eventsSince(mark)
		sum := map[string]int{}
		for _, e := range evs {
			if e.Action != audit.ActionLeadsImported || e.ProjectID != f.energy.ID || e.ActorID != f.dialer.UserID || e.ObjectID != res.ImportID {
				t.Errorf("event %+v", e)
			}
			for k, v := range e.Details {
				var n int
				if _, err := fmt.Sscan(v, &n); err == nil {
					sum[k] += n
				}
			}
		}
		wantSum := map[string]int{"checked": 8, "imported": 2, "rejected_blocked": 2, "rejected_registered": 0, "rejected_suppressed": 1, "invalid": 2}
		if len(evs) != 3 || !maps.Equal(sum, wantSum) {
			t.Errorf("%d events summing to %v, want 3 summing to %v", len(evs), sum, wantSum)
		}

		// The same file into Insurance: Carl's mobile is blocked only in
		// Energy, Hans's number only in Insurance; Anna and Finn are now
		// leads of Energy, which does not stop them elsewhere.
		got = nil
		res, err = f.svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.insure.ID, TemplateID: f.tmpl.ID, Leads: leadReader(t),
			OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if got[2].Outcome != blocklist.Allowed || got[7].Outcome != blocklist.Blocked || got[0].Outcome != blocklist.Allowed {
			t.Errorf("into Insurance: Anna %v, Carl %v, Hans %v; want allowed, allowed, blocked", got[0].Outcome, got[2].Outcome, got[7].Outcome)
		}
		if n := len(f.leads(f.insure.ID)); n != res.Accepted || n != 2 {
			t.Errorf("Insurance has %d leads, Accepted %d; want 2", n, res.Accepted)
		}
	})
}

// TestImportBadInput checks the typed errors of bad requests, which store
// nothing, and the per-lead verdicts of fields the template lacks.
func TestImportBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		one := withNilErrors(slices.Values([]csvimport.LeadDraft{{Phones: []phone.Number{"+4540404040"}}}))
		mark := f.eventCount()
		for _, c := range []struct {
			name string
			req  blocklist.ImportRequest
			want error
		}{
			{"no project", blocklist.ImportRequest{TemplateID: f.tmpl.ID, Leads: one}, lp.ErrInvalidArgument},
			{"no template", blocklist.ImportRequest{ProjectID: f.energy.ID, Leads: one}, lp.ErrInvalidArgument},
			{"no leads", blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID}, lp.ErrInvalidArgument},
			{"unknown project", blocklist.ImportRequest{ProjectID: uuid.New(), TemplateID: f.tmpl.ID, Leads: one}, lp.ErrNotFound},
			{"unknown template", blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: uuid.New(), Leads: one}, lp.ErrNotFound},
		} {
			if _, err := f.svc.Import(f.ctx, f.dialer, c.req); !errors.Is(err, c.want) || !strings.HasPrefix(err.Error(), "leadprivacy: blocklist: Import: ") {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if f.eventCount() != mark || len(f.leads(uuid.Nil)) != 0 {
			t.Fatal("a refused request wrote")
		}

		leads := withNilErrors(slices.Values([]csvimport.LeadDraft{
			{Line: 2, Phones: []phone.Number{"40404040"}, Fields: map[string]string{"first_name": "Ida", "iban": "DK50"}},
			{Line: 3, Phones: []phone.Number{"40404041"}, Fields: map[string]string{"first_name": "Jon\x00"}},
			{Line: 4, Phones: []phone.Number{"4040404x"}},
			{Line: 5, Phones: []phone.Number{"40404042"}, Fields: map[string]string{"first_name": "Kim"}},
		}))
		var got []blocklist.LeadVerdict
		res, err := f.svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: leads,
			OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Invalid != 3 || res.Accepted != 1 {
			t.Errorf("counts %+v, want 3 invalid and 1 accepted", res.CheckImportResult)
		}
		for i, want := range []string{`line 2 field "iban": is not a field of the template "Energy"`, `line 3 field "first_name": must not contain NUL`} {
			if err := got[i].Err; !errors.Is(err, lp.ErrInvalidArgument) || !strings.Contains(err.Error(), want) {
				t.Errorf("line %d: %v, want %q", i+2, err, want)
			}
		}
		if n := got[2].Numbers[0]; !errors.Is(n.Err, lp.ErrInvalidPhone) || strings.Contains(n.Err.Error(), "4040404x") || !strings.Contains(n.Err.Error(), "line 4 phone 1") {
			t.Errorf("line 4: %v, want a masked invalid phone", n.Err)
		}
		if stored := f.leads(f.energy.ID); len(stored) != 1 || stored[0].Fields["first_name"] != "Kim" {
			t.Errorf("stored %+v, want only Kim", stored)
		}
	})
}

// TestImportCancelLeavesWholeBatches cancels the context once the first
// batch has committed: that batch stays with its event, nothing of the
// second is stored, and the result says how far the import got.
func TestImportCancelLeavesWholeBatches(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		leads := func(yield func(csvimport.LeadDraft, error) bool) {
			for i := range 4 * batchSize {
				if !yield(csvimport.LeadDraft{Line: i + 2, Phones: []phone.Number{phone.Number(fmt.Sprintf("31 00 00 %02d", i))}}, nil) {
					return
				}
			}
		}
		mark := f.eventCount()
		res, err := f.svc.Import(ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: leads,
			Progress: func(blocklist.ImportResult) { cancel() }})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if res.Checked != batchSize || res.Accepted != batchSize || res.LastLine != batchSize+1 {
			t.Errorf("result %+v, want the first batch (lines 2-%d)", res, batchSize+1)
		}
		if n := len(f.leads(f.energy.ID)); n != batchSize {
			t.Errorf("stored %d leads, want the %d of the first batch", n, batchSize)
		}
		if evs := f.eventsSince(mark); len(evs) != 1 || evs[0].Details["imported"] != fmt.Sprint(batchSize) {
			t.Errorf("events %+v, want one lead.imported for the first batch", evs)
		}
	})
}

// TestImportDeniedWritesNothing checks that an actor without
// lp.PermImport is refused with one access.denied and no lead.
func TestImportDeniedWritesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount()
		_, err := f.svc.Import(f.ctx, f.blocker, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: leadReader(t)})
		if !errors.Is(err, lp.ErrForbidden) {
			t.Fatalf("err = %v, want ErrForbidden", err)
		}
		evs := f.eventsSince(mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionAccessDenied || evs[0].Details["attempted"] != string(audit.ActionLeadsImported) {
			t.Errorf("events %+v, want one access.denied naming lead.imported", evs)
		}
		if n := len(f.leads(uuid.Nil)); n != 0 {
			t.Errorf("stored %d leads", n)
		}
	})
}

// TestImportChecksInItsWriteTransaction blocks a number in a host
// transaction that stays open while an Import of it starts. Where writers
// wait for each other (memstore, SQLite), the Import's batch can only
// begin once the Block has committed, and must see it: a check read
// before the write transaction would let the number in. On PostgreSQL the
// Import does not wait, and an Import that ends first is serialised
// before the Block.
func TestImportChecksInItsWriteTransaction(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		blocked, commit := make(chan struct{}), make(chan struct{})
		hostDone := make(chan error, 1)
		go func() {
			hostDone <- f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
				_, err := f.svc.BlockTx(ctx, tx, f.alice, blocklist.BlockRequest{Number: "31 99 99 99", ProjectID: f.energy.ID, Reason: "race"})
				select {
				case <-blocked: // a retry: already announced
				default:
					close(blocked)
				}
				<-commit
				return err
			})
		}()
		<-blocked
		var outcome blocklist.Outcome
		imported := make(chan error, 1)
		go func() {
			leads := withNilErrors(slices.Values([]csvimport.LeadDraft{{Phones: []phone.Number{"31999999"}}}))
			_, err := f.svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: leads,
				OnVerdict: func(v blocklist.LeadVerdict) error { outcome = v.Outcome; return nil }})
			imported <- err
		}()
		var before bool // the Import ended before the Block committed
		select {
		case err := <-imported:
			before = true
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(200 * time.Millisecond):
		}
		close(commit)
		if err := <-hostDone; err != nil {
			t.Fatal(err)
		}
		if !before {
			if err := <-imported; err != nil {
				t.Fatal(err)
			}
		}
		if !strings.HasSuffix(t.Name(), "/postgres") && (before || outcome != blocklist.Blocked) {
			t.Errorf("Import ended before the Block committed: %v, outcome %v; want it to wait and see the block", before, outcome)
		}
		if stored := len(f.leads(f.energy.ID)); (outcome == blocklist.Allowed) != (stored == 1) {
			t.Errorf("outcome %v, %d leads stored", outcome, stored)
		}
	})
}

// BenchmarkImport imports LEADPRIVACY_BENCH_LEADS leads (default 10000,
// one number each, half of them blocked) against LEADPRIVACY_BENCH_ROWS
// blocks, side by side: the service, and the same work wired from the
// storage primitives (per batch of DefaultBatchSize, in one WithTx:
// Blocks.FindByNumbers, Suppressions.Find, Leads.CreateMany of the leads
// not blocked), without the ChangeLog event. It reports leads/s.
//
//	go test -run '^$' -bench 'Import$' -benchtime 3x ./blocklist
func BenchmarkImport(b *testing.B) {
	leads := benchLeads(b)
	for _, k := range servicetest.Kinds[1:] {
		b.Run(k.Name, func(b *testing.B) {
			s := k.Open(b, filepath.Join(b.TempDir(), "lp.db"))
			b.Cleanup(func() { s.Close() })
			f := newFixture(b, s)
			svc := blocklist.New(s, f.log, nil)
			n := benchBlocks(b)
			fillBlocks(f, n)
			// Every round imports new numbers: half blocked (below n),
			// half not (at or above n), none a lead yet.
			round := 0
			numbers := func() []phone.Number {
				round++
				out := make([]phone.Number, leads)
				for i := range out {
					if i%2 == 0 {
						out[i] = benchNumber(i % n)
					} else {
						out[i] = phone.Number(fmt.Sprintf("+454%d%06d", round%10, i))
					}
				}
				return out
			}
			perSecond := func(b *testing.B, run func([]phone.Number)) {
				for b.Loop() {
					b.StopTimer()
					ns := numbers()
					b.StartTimer()
					run(ns)
				}
				b.ReportMetric(float64(leads*b.N)/b.Elapsed().Seconds(), "leads/s")
			}
			b.Run("service", func(b *testing.B) {
				perSecond(b, func(ns []phone.Number) {
					seq := func(yield func(csvimport.LeadDraft, error) bool) {
						for _, n := range ns {
							if !yield(csvimport.LeadDraft{Phones: []phone.Number{n}}, nil) {
								return
							}
						}
					}
					res, err := svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: seq})
					if err != nil || res.Accepted != leads/2 {
						b.Fatal(res, err)
					}
				})
			})
			fp, err := phone.NewFingerprinter(f.keys[f.org.ID])
			if err != nil {
				b.Fatal(err)
			}
			b.Run("store-primitives", func(b *testing.B) {
				perSecond(b, func(ns []phone.Number) {
					for lo := 0; lo < leads; lo += blocklist.DefaultBatchSize {
						batch := ns[lo:min(leads, lo+blocklist.DefaultBatchSize)]
						fps := make([]phone.Fingerprint, len(batch))
						for i, n := range batch {
							fps[i] = fp.Fingerprint(n)
						}
						err := s.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
							blocks, err := tx.Blocks().FindByNumbers(ctx, f.org.ID, batch)
							if err != nil {
								return err
							}
							if _, err := tx.Suppressions().Find(ctx, f.org.ID, fps); err != nil {
								return err
							}
							blocked := map[phone.Number]bool{}
							for _, e := range blocks {
								blocked[e.Number] = e.Applies(f.energy.ID, start)
							}
							var ls []lp.Lead
							for _, n := range batch {
								if !blocked[n] {
									ls = append(ls, lp.Lead{OrgID: f.org.ID, ID: uuid.Must(uuid.NewV7()), ProjectID: f.energy.ID, TemplateID: f.tmpl.ID,
										Phones: []phone.Number{n}, CreatedAt: start})
								}
							}
							return tx.Leads().CreateMany(ctx, f.org.ID, ls)
						})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		})
	}
}

// retryingStore runs every write transaction twice, rolling the first
// attempt back, as WithTx does after a serialization failure.
type retryingStore struct{ storage.Store }

var errRetry = errors.New("retry")

func (s retryingStore) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	err := s.Store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return errRetry
	})
	if !errors.Is(err, errRetry) {
		return err
	}
	return s.Store.WithTx(ctx, fn)
}

// TestImportRetriedBatch checks that a batch whose transaction runs again
// is decided afresh: the first attempt's accepted numbers are not taken
// for duplicates, nor counted twice, and the verdicts name the leads the
// second attempt stored.
func TestImportRetriedBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		importFixture(f)
		svc := f.service(retryingStore{f.store})
		mark := f.eventCount()
		ids := map[uuid.UUID]bool{}
		res, err := svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: leadReader(t),
			OnVerdict: func(v blocklist.LeadVerdict) error {
				if v.LeadID != uuid.Nil {
					ids[v.LeadID] = true
				}
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		want := blocklist.CheckImportResult{Checked: 8, Accepted: 2, RejectedBlocked: 2, RejectedSuppressed: 1, Invalid: 2, Duplicate: 1}
		if res.CheckImportResult != want {
			t.Errorf("counts %+v, want %+v", res.CheckImportResult, want)
		}
		stored := f.leads(f.energy.ID)
		if len(stored) != 2 || !ids[stored[0].ID] || !ids[stored[1].ID] {
			t.Errorf("stored %d leads, verdict ids %v", len(stored), ids)
		}
		if n := len(f.eventsSince(mark)); n != 3 {
			t.Errorf("%d events, want 3", n)
		}
	})
}
