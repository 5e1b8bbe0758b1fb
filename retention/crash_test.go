package retention_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/retention"
)

// crashEnv names the variable that makes the test binary the purging
// child of TestPurgeKilledMidwayResumes: it holds the child's job file.
const crashEnv = "LEADPRIVACY_RETENTION_CRASH_CHILD"

// crashJob is what the child needs to purge the parent's database.
type crashJob struct {
	Path   string
	Keys   map[uuid.UUID][]byte
	Actor  lp.Actor
	Batch  int
	Leases time.Duration
}

// TestPurgeKilledMidwayResumes purges an SQLite database in a child
// process (this test binary run again), kills it with SIGKILL after a few
// batches, and purges again: the database ends in the state of one clean
// purge, every purged lead named by exactly one batch event. The
// killed run's lease has run out by the rerun (the rerun's clock is later).
func TestPurgeKilledMidwayResumes(t *testing.T) {
	if job := os.Getenv(crashEnv); job != "" {
		crashChild(t, job)
		return
	}
	const leads, batch = 3000, 50
	dir := t.TempDir()
	seedPath := filepath.Join(dir, "seed.db")
	seed := servicetest.OpenSQLite(t, seedPath)
	base := newFixture(t, seed)
	w := seedPurge(base, leads)
	seed.Close()
	opts := &retention.Options{BatchSize: batch}

	cleanPath := filepath.Join(dir, "clean.db")
	copyFile(t, seedPath, cleanPath)
	cs := servicetest.OpenSQLite(t, cleanPath)
	defer cs.Close()
	cf := base.on(t, cs, opts)
	if _, err := cf.svc.Purge(cf.ctx, cf.system, start, retention.PurgeOptions{}); err != nil {
		t.Fatal(err)
	}
	want := w.state(cf)

	for _, killAfter := range []int{2, 9, 23} {
		path := filepath.Join(dir, "kill"+strconv.Itoa(killAfter)+".db")
		copyFile(t, seedPath, path)
		done := runAndKill(t, path, base, batch, killAfter)
		s := servicetest.OpenSQLite(t, path)
		f := base.on(t, s, opts)
		before := w.state(f)
		if n := len(before.named); n == 0 || n >= len(want.named) {
			t.Fatalf("kill after batch %d: %d leads purged before the kill, want some but not all (%d)", killAfter, n, len(want.named))
		}
		for id, st := range before.leads {
			if st == "half-erased" {
				t.Fatalf("kill after batch %d: lead %s half-erased", killAfter, id)
			}
		}
		f.clock.Set(start.Add(2 * time.Minute)) // past the killed purge's lease
		if _, err := f.svc.Purge(f.ctx, f.system, start, retention.PurgeOptions{}); err != nil {
			t.Fatalf("rerun after the kill: %v", err)
		}
		got := w.state(f)
		got.counts, want.counts = nil, nil // the killed run recorded no purge.run for its last rule
		sameState(t, "killed after batch "+strconv.Itoa(killAfter), got, want)
		f.clock.Set(start)
		s.Close()
		t.Logf("killed after %d batches reported (%d leads purged before the kill)", done, len(before.named))
	}
}

// runAndKill runs the child purge on path and kills it with SIGKILL once
// it reported killAfter committed batches; it returns how many it saw.
func runAndKill(t *testing.T, path string, base *fixture, batch, killAfter int) int {
	t.Helper()
	job := crashJob{Path: path, Keys: map[uuid.UUID][]byte(base.keys), Actor: base.system, Batch: batch, Leases: time.Minute}
	jobPath := path + ".job.json"
	data, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jobPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPurgeKilledMidwayResumes$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+jobPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "retention-batch ") {
			seen++
			if seen == killAfter {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	if seen < killAfter {
		t.Fatalf("the child ended after %d batches (%v): the purge is too small to kill midway", seen, err)
	}
	return seen
}

// crashChild is the purging child: it purges the job's database and
// reports every committed batch on stdout until it is killed.
func crashChild(t *testing.T, jobPath string) {
	data, err := os.ReadFile(jobPath)
	if err != nil {
		t.Fatal(err)
	}
	var job crashJob
	if err := json.Unmarshal(data, &job); err != nil {
		t.Fatal(err)
	}
	store := servicetest.OpenSQLite(t, job.Path)
	now := func() time.Time { return start }
	log := audit.New(store, lp.StaticKeys(job.Keys), nil, &audit.Options{Now: now})
	priv := privacy.New(store, log, &privacy.Options{Now: now})
	svc := retention.New(store, log, priv, &retention.Options{Now: now, BatchSize: job.Batch, LeaseFor: job.Leases})
	_, err = svc.Purge(context.Background(), job.Actor, start, retention.PurgeOptions{Progress: func(p retention.Progress) {
		// Unbuffered: the parent's kill lands somewhere in a later batch.
		fmt.Fprintf(os.Stdout, "retention-batch %d\n", p.Done)
	}})
	if err != nil {
		t.Fatal(err)
	}
}
