package privacy_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// fakeEraser records the requests it is handed; it fails while fail is
// set, and runs check (if set) on each request first.
type fakeEraser struct {
	mu    sync.Mutex
	reqs  []privacy.ErasureRequest
	fail  error
	check func(privacy.ErasureRequest)
}

func (e *fakeEraser) Erase(_ context.Context, req privacy.ErasureRequest) error {
	if e.check != nil {
		e.check(req)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqs = append(e.reqs, req)
	return e.fail
}

func (e *fakeEraser) calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.reqs)
}

func (e *fakeEraser) setFail(err error) {
	e.mu.Lock()
	e.fail = err
	e.mu.Unlock()
}

// storeDown is a recording store's failure whose text, as a host's error
// might, names the recording it failed to delete.
type storeDown struct{ ref string }

func (e storeDown) Error() string       { return "cannot delete " + e.ref + ": connection refused" }
func (e storeDown) ErasureCode() string { return "store_down" }

// pending returns the organisation's pending erasures as stored.
func (f *fixture) pending() []lp.PendingErasure {
	f.t.Helper()
	var out []lp.PendingErasure
	f.tx(func(tx storage.Tx) error {
		var err error
		out, err = tx.Erasures().List(f.ctx, f.org.ID, time.Time{}, storage.Page{Limit: storage.MaxLimit})
		return err
	})
	return out
}

// The erasers run only after the forget committed, each once with the
// lead's recording references; a success deletes the pending erasure and
// records erasure.completed.
func TestErasersRunAfterCommit(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		rec, crm := &fakeEraser{}, &fakeEraser{}
		rec.check = func(req privacy.ErasureRequest) {
			// A reader of the store sees the forget committed, and this
			// eraser's pending erasure, before the eraser runs.
			ownRecord := func(p lp.PendingErasure) bool { return p.Eraser == "recordings" && p.LeadID == req.LeadID }
			if l := f.lead(req.OrgID, req.LeadID); !l.Forgotten() || !slices.ContainsFunc(f.pending(), ownRecord) {
				t.Errorf("eraser ran before the forget committed: lead %+v, pending %+v", l, f.pending())
			}
		}
		svc := f.service(&privacy.Options{Erasers: map[string]privacy.Eraser{"recordings": rec, "crm": crm}})
		mark := f.eventCount(f.org.ID)
		r, err := svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := privacy.ErasureRequest{OrgID: f.org.ID, LeadID: f.energyLead.ID, RecordingRefs: []string{f.energyCalls[1].RecordingRef}}
		for name, e := range map[string]*fakeEraser{"recordings": rec, "crm": crm} {
			if len(e.reqs) != 1 || e.reqs[0].LeadID != want.LeadID || e.reqs[0].OrgID != want.OrgID || !slices.Equal(e.reqs[0].RecordingRefs, want.RecordingRefs) {
				t.Fatalf("eraser %s got %+v, want once %+v", name, e.reqs, want)
			}
		}
		if len(r.Erasures) != 2 || r.Pending() != 0 || r.Leads[0].RecordingsQueued != 1 || r.Leads[0].AttemptsScrubbed != 1 {
			t.Fatalf("receipt %+v, want two erasures done, one recording queued, one attempt scrubbed", r)
		}
		f.assertForgotten(f.energyLead, f.energyCalls)
		if p := f.pending(); len(p) != 0 {
			t.Fatalf("pending erasures after success: %+v", p)
		}
		evs := f.eventsSince(f.org.ID, mark)
		if want := []lp.Action{audit.ActionLeadForgotten, audit.ActionErasureCompleted, audit.ActionErasureCompleted}; !slices.Equal(actions(evs), want) {
			t.Fatalf("events %v, want %v", actions(evs), want)
		}
		for i, e := range evs[1:] {
			st := r.Erasures[i]
			if e.ObjectID != st.ID || e.LeadID != f.energyLead.ID || e.Details["eraser"] != st.Eraser ||
				e.Details["recordings"] != "1" || e.Details["attempts"] != "1" {
				t.Fatalf("erasure.completed %+v for %+v", e, st)
			}
		}
	})
}

// A failing eraser is tried a few times, then its erasure stays pending,
// listable with attempts and a last error that holds no personal data,
// until RunErasures re-drives it once it is due.
func TestFailingEraserStaysPendingUntilRunErasures(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		rec := &fakeEraser{fail: storeDown{ref: f.energyCalls[1].RecordingRef}}
		svc := f.service(&privacy.Options{Erasers: map[string]privacy.Eraser{"recordings": rec}})
		r, err := svc.Forget(f.ctx, f.alice, f.energyLead.ID, privacy.ForgetOptions{})
		if err != nil {
			t.Fatalf("a failing eraser failed the forget: %v", err)
		}
		if rec.calls() != 3 || r.Pending() != 1 || r.Erasures[0].Attempts != 3 || r.Erasures[0].LastError != "recordings failed: store_down" {
			t.Fatalf("after %d tries, receipt erasures %+v: want 3 tries, pending, last error without the error's text", rec.calls(), r.Erasures)
		}
		list, err := svc.PendingErasures(f.ctx, f.alice, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != r.Erasures[0].ID || list[0].Recordings != 1 || !list[0].NextAttemptAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("PendingErasures %+v, want the erasure due a minute later", list)
		}
		if p := f.pending(); len(p) != 1 || p[0].Attempts != 3 || !slices.Equal(p[0].RecordingRefs, []string{f.energyCalls[1].RecordingRef}) {
			t.Fatalf("stored pending erasure %+v", p)
		}
		assertNoPersonalData(t, "logs", string(f.logs.Bytes()))

		mark := f.eventCount(f.org.ID)
		run, err := svc.RunErasures(f.ctx, f.alice)
		if err != nil || run != (privacy.ErasureRun{}) || rec.calls() != 3 {
			t.Fatalf("RunErasures before it is due: %+v, %v, %d calls; want nothing run", run, err, rec.calls())
		}
		f.clock.Set(start.Add(2 * time.Minute))
		defer f.clock.Set(start)
		rec.setFail(nil)
		if run, err = svc.RunErasures(f.ctx, f.alice); err != nil || run != (privacy.ErasureRun{Completed: 1}) {
			t.Fatalf("RunErasures when due: %+v, %v; want one completed", run, err)
		}
		if p := f.pending(); len(p) != 0 {
			t.Fatalf("pending after RunErasures: %+v", p)
		}
		evs := f.eventsSince(f.org.ID, mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionErasureCompleted || evs[0].Details["attempts"] != "4" {
			t.Fatalf("events of the re-drive: %+v, want erasure.completed after 4 attempts", evs)
		}
	})
}

// ForgetTx forgets in the host's transaction: a rollback leaves nothing,
// a commit leaves the erasures pending for RunErasures.
func TestForgetTx(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		rec := &fakeEraser{}
		svc := f.service(&privacy.Options{Erasers: map[string]privacy.Eraser{"recordings": rec}})
		before, mark := f.storeState(f.org.ID), f.eventCount(f.org.ID)
		errHost := errors.New("host changed its mind")
		err := f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			if _, err := svc.ForgetNumberTx(ctx, tx, f.alice, subjectTyped, privacy.ForgetOptions{Suppress: true}); err != nil {
				return err
			}
			return errHost
		})
		if !errors.Is(err, errHost) || f.storeState(f.org.ID) != before || f.eventCount(f.org.ID) != mark || rec.calls() != 0 {
			t.Fatalf("rolled back ForgetNumberTx: %v; the store, events or eraser changed", err)
		}
		var r privacy.Receipt
		err = f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			r, err = svc.ForgetTx(ctx, tx, f.alice, f.energyLead.ID, privacy.ForgetOptions{Suppress: true})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if rec.calls() != 0 || r.Pending() != 1 || len(f.pending()) != 1 {
			t.Fatalf("ForgetTx ran the eraser (%d calls) or left %d pending: %+v", rec.calls(), len(f.pending()), r.Erasures)
		}
		f.assertForgotten(f.energyLead, f.energyCalls)
		if run, err := svc.RunErasures(f.ctx, f.alice); err != nil || run.Completed != 1 || rec.calls() != 1 {
			t.Fatalf("RunErasures after the host's commit: %+v, %v", run, err)
		}
		// A refusal inside the host's transaction is recorded there.
		mark = f.eventCount(f.org.ID)
		err = f.store.WithTx(f.ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := svc.ForgetTx(ctx, tx, f.bob, f.insureLead.ID, privacy.ForgetOptions{})
			if !errors.Is(err, lp.ErrForbidden) {
				t.Errorf("ForgetTx by Bob: %v, want ErrForbidden", err)
			}
			return nil
		})
		if err != nil || !slices.Equal(actions(f.eventsSince(f.org.ID, mark)), []lp.Action{audit.ActionAccessDenied}) {
			t.Fatalf("refused ForgetTx: %v, events %v", err, actions(f.eventsSince(f.org.ID, mark)))
		}
	})
}

// crashEnv names the SQLite file the crash test's child process forgets in.
const crashEnv = "LEADPRIVACY_TEST_CRASH_DB"

// A process that dies between the forget's commit and its erasers loses
// no erasure: the next RunErasures, in another process, runs the eraser
// with the recording references and deletes the record.
func TestForgetCrashBeforeErasers(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(t, path)
		return
	}
	path := t.TempDir() + "/lp.db"
	s := servicetest.OpenSQLite(t, path)
	defer s.Close()
	f := newFixture(t, s)
	f.path = path

	cmd := exec.Command(os.Args[0], "-test.run=^TestForgetCrashBeforeErasers$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, "LEADPRIVACY_TEST_CRASH_IDS="+
		strings.Join([]string{f.org.ID.String(), f.alice.UserID.String(), f.energyLead.ID.String()}, ","))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child: %v, want exit status 3 right after the commit\n%s", err, out)
	}
	f.assertForgotten(f.energyLead, f.energyCalls)
	if p := f.pending(); len(p) != 1 || !slices.Equal(p[0].RecordingRefs, []string{f.energyCalls[1].RecordingRef}) || p[0].Attempts != 0 {
		t.Fatalf("pending erasures after the crash: %+v, want the one the forget committed, never tried", p)
	}
	rec := &fakeEraser{}
	svc := f.service(&privacy.Options{Erasers: map[string]privacy.Eraser{"recordings": rec}})
	run, err := svc.RunErasures(f.ctx, f.alice)
	if err != nil || run.Completed != 1 {
		t.Fatalf("RunErasures after the crash: %+v, %v", run, err)
	}
	if len(rec.reqs) != 1 || rec.reqs[0].LeadID != f.energyLead.ID || !slices.Equal(rec.reqs[0].RecordingRefs, []string{f.energyCalls[1].RecordingRef}) {
		t.Fatalf("eraser got %+v, want the Energy lead's recording", rec.reqs)
	}
	if p := f.pending(); len(p) != 0 {
		t.Fatalf("pending after the re-drive: %+v", p)
	}
}

// crashChild forgets the lead named in the environment with an eraser
// registered, and exits with status 3 right after the commit.
func crashChild(t *testing.T, path string) {
	ids := strings.Split(os.Getenv("LEADPRIVACY_TEST_CRASH_IDS"), ",")
	org, user, lead := uuid.MustParse(ids[0]), uuid.MustParse(ids[1]), uuid.MustParse(ids[2])
	s := servicetest.OpenSQLite(t, path)
	now := func() time.Time { return start }
	log := audit.New(s, lp.StaticKeys{org: []byte("0123456789abcdef0123456789abcdef")}, nil, &audit.Options{Now: now})
	never := &fakeEraser{check: func(privacy.ErasureRequest) { os.Exit(4) }}
	svc := privacy.New(s, log, &privacy.Options{Now: now, Erasers: map[string]privacy.Eraser{"recordings": never}})
	privacy.SetAfterForgetCommit(func() { os.Exit(3) })
	_, err := svc.Forget(context.Background(), lp.Actor{OrgID: org, UserID: user, Permissions: lp.PermAll}, lead, privacy.ForgetOptions{})
	t.Fatalf("Forget returned (%v) instead of reaching the hook", err)
}
