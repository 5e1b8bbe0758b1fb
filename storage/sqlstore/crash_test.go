//go:build unix

package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/postgres"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

var crashKills = flag.Int("crash.kills", 30,
	"how often TestCrashSQLite and TestCrashPostgres SIGKILL their child: two thirds while it writes, one third while it migrates a new database")

// crashChildEnv holds, as JSON, the crashConfig of a child process: set,
// it makes a crash test the child instead of the parent.
const crashChildEnv = "LEADPRIVACY_CRASH_CHILD"

// crashConfig tells the child what to do.
type crashConfig struct {
	Migrate                       bool // only open (and so migrate) Target, then wait to be killed
	Postgres                      bool // Target is a PostgreSQL DSN, else a SQLite file
	Target                        string
	Org, Project, Template, Admin uuid.UUID
	// Base is the first of the child's block numbers, number(Base) on, so
	// that children never block the same number twice.
	Base int
}

// crashBudget is how many block numbers one child may use; number(i)
// gives distinct numbers for i below 10^7, enough for 5,000 children.
const crashBudget = 2_000

// crashAck is what the child prints, on one line after "ack ", once
// WithTx has returned nil: the commit is acknowledged and must survive.
type crashAck struct {
	Events []ackEvent  `json:"events"`
	Blocks []uuid.UUID `json:"blocks"`
	Leads  []uuid.UUID `json:"leads"`
}

// ackEvent is a ChangeLog event the acknowledged commit recorded.
type ackEvent struct {
	Seq    int64     `json:"seq"`
	Action lp.Action `json:"action"`
	Object uuid.UUID `json:"object"`
}

// crashKeys is the fingerprint key provider of parent and children alike.
type crashKeys struct{}

func (crashKeys) FingerprintKey(context.Context, uuid.UUID) ([]byte, error) {
	return bytes.Repeat([]byte{0x5a}, 32), nil
}

// TestCrashSQLite SIGKILLs a child process at random moments while it
// commits blocks, lead uploads and their ChangeLog events, and checks
// after every kill that the reopened database passes integrity_check and
// foreign_key_check, holds every commit the child acknowledged, and that
// its ChangeLog verifies against the checkpoint signed after the previous
// kill. It also kills children while they migrate a new database: reopening
// must complete the schema, identical to one migrated without a crash.
//
// The child is this test binary run again (os.Args[0]) with crashChildEnv
// set. -crash.kills sets the budget (default 30, about 20 s on two cores):
//
//	go test ./storage/sqlstore -run TestCrashSQLite -crash.kills 1000
func TestCrashSQLite(t *testing.T) {
	if crashChildRun(t) {
		return
	}
	t.Parallel()
	dir := t.TempDir()
	n := 0
	crashTest(t, func() crashConfig {
		n++
		return crashConfig{Target: filepath.Join(dir, fmt.Sprintf("crash%d.db", n))}
	})
}

// TestCrashPostgres is TestCrashSQLite on PostgreSQL, each database a
// schema of its own: the child, a client of the server, is killed.
// PostgreSQL checks its constraints at every commit and has no integrity
// scan in core, so only acknowledged commits, the ChangeLog and the schema
// are checked.
func TestCrashPostgres(t *testing.T) {
	if crashChildRun(t) {
		return
	}
	pgtest.DSN(t)
	t.Parallel()
	crashTest(t, func() crashConfig { return crashConfig{Postgres: true, Target: pgtest.Schema(t)} })
}

// crashChildRun runs the child and reports true if this process is one.
func crashChildRun(t *testing.T) bool {
	env := os.Getenv(crashChildEnv)
	if env == "" {
		return false
	}
	var cfg crashConfig
	if err := json.Unmarshal([]byte(env), &cfg); err != nil {
		t.Fatalf("child: %s: %v", crashChildEnv, err)
	}
	crashChild(t, cfg)
	return true
}

// crashTest runs the crash test on the new databases newDB returns.
func crashTest(t *testing.T, newDB func() crashConfig) {
	migrateKills := *crashKills / 3
	t.Run("write", func(t *testing.T) { crashWrites(t, newDB(), *crashKills-migrateKills) })
	t.Run("migrate", func(t *testing.T) { crashMigrations(t, newDB, migrateKills) })
}

// crashOpen opens cfg's database, migrating it.
func crashOpen(cfg crashConfig) (*sqlstore.Store, error) {
	if cfg.Postgres {
		return postgres.Open(context.Background(), cfg.Target, nil)
	}
	return sqlite.Open(context.Background(), cfg.Target, nil)
}

// crashChild is the child: it opens cfg.Target, says "open" before and
// "ready <nanoseconds it took>" after, and unless it only migrates,
// commits transactions until it is killed, acknowledging each.
func crashChild(t *testing.T, cfg crashConfig) {
	ctx := context.Background()
	fmt.Println("open")
	start := time.Now()
	s, err := crashOpen(cfg)
	if err != nil {
		t.Fatalf("child: open: %v", err)
	}
	fmt.Println("ready", int64(time.Since(start)))
	if cfg.Migrate {
		time.Sleep(time.Minute) // the parent kills it
		t.Fatal("child: not killed")
	}
	w := world{org: cfg.Org, project: cfg.Project, template: cfg.Template, admin: cfg.Admin, now: testTime}
	log := audit.New(s, crashKeys{}, nil, nil)
	actor := lp.Actor{OrgID: w.org, UserID: w.admin, Permissions: lp.PermAll}
	next, end := cfg.Base, cfg.Base+crashBudget
	for next+100 < end { // room for the biggest transaction's blocks
		var ack crashAck
		err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			ack = crashAck{}
			record := func(e audit.Entry) error {
				ev, err := log.Record(ctx, tx, actor, e)
				if err == nil {
					ack.Events = append(ack.Events, ackEvent{Seq: ev.Seq, Action: ev.Action, Object: ev.ObjectID})
				}
				return err
			}
			if rand.IntN(3) > 0 { // blocks one by one, an event each
				for range 1 + rand.IntN(5) {
					b := w.block(number(next))
					next++
					if err := tx.Blocks().Create(ctx, b); err != nil {
						return err
					}
					ack.Blocks = append(ack.Blocks, b.ID)
					if err := record(audit.Entry{Action: audit.ActionBlockCreated, ObjectID: b.ID, Number: b.Number}); err != nil {
						return err
					}
				}
				return nil
			}
			// An upload: leads and blocks in bulk, an event for each batch.
			leads := make([]lp.Lead, 50+rand.IntN(250))
			for i := range leads {
				n := rand.IntN(10_000_000 - 1)
				leads[i] = w.lead(number(n), number(n+1))
				leads[i].Fields = map[string]string{"name": "crash lead", "segment": "b2c"}
				ack.Leads = append(ack.Leads, leads[i].ID)
			}
			if err := tx.Leads().CreateMany(ctx, w.org, leads); err != nil {
				return err
			}
			if err := record(audit.Entry{Action: audit.ActionLeadsImported, ObjectID: uuid.New(), ProjectID: w.project,
				Details: []audit.Detail{audit.Count(audit.KeyImported, len(leads))}}); err != nil {
				return err
			}
			blocks := make([]lp.BlockEntry, 10+rand.IntN(90))
			for i := range blocks {
				blocks[i] = w.block(number(next))
				next++
				ack.Blocks = append(ack.Blocks, blocks[i].ID)
			}
			n, err := tx.Blocks().CreateMany(ctx, w.org, blocks)
			if err != nil || n != len(blocks) {
				return fmt.Errorf("child: blocks.CreateMany = %d of %d, %v", n, len(blocks), err)
			}
			return record(audit.Entry{Action: audit.ActionBlocksUploaded, ObjectID: uuid.New(),
				Details: []audit.Detail{audit.Count(audit.KeyBlocked, n)}})
		})
		if err != nil {
			t.Fatalf("child: transaction: %v", err)
		}
		line, err := json.Marshal(ack)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ack %s\n", line)
	}
	time.Sleep(time.Minute) // out of numbers: wait to be killed
	t.Fatal("child: not killed")
}

// crashRun starts a child with cfg, kills it with SIGKILL delay after it
// printed a line starting with trigger, and returns every complete line it printed. A
// child that dies otherwise fails the test.
func crashRun(t *testing.T, cfg crashConfig, trigger string, delay time.Duration) []string {
	t.Helper()
	env, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	test, _, _ := strings.Cut(t.Name(), "/")
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+string(env))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	kill := func() { cmd.Process.Signal(syscall.SIGKILL) }
	hung := time.AfterFunc(time.Minute, kill)
	defer hung.Stop()
	var lines []string
	var killer *time.Timer
	r := bufio.NewReader(stdout)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break // EOF: the child is dead; a last line without its newline is not acknowledged
		}
		line = strings.TrimSuffix(line, "\n")
		lines = append(lines, line)
		if strings.HasPrefix(line, trigger) && killer == nil {
			killer = time.AfterFunc(delay, kill)
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && killer != nil {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return lines
		}
	}
	t.Fatalf("child did not die by our SIGKILL after %q: %v\nstdout:\n%s\nstderr:\n%s",
		trigger, err, strings.Join(lines, "\n"), stderr.String())
	return nil
}

// crashWrites kills a child writing to cfg's database kills times,
// checking the database after each kill.
func crashWrites(t *testing.T, cfg crashConfig, kills int) {
	ctx := context.Background()
	s, err := crashOpen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, s)
	skey, vkey, err := note.GenerateKey(crand.Reader, "leadprivacy-crash-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	actor := lp.Actor{OrgID: w.org, UserID: w.admin, Permissions: lp.PermAll}
	checkpoint, err := audit.New(s, crashKeys{}, signer, nil).Checkpoint(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if kills*crashBudget > 10_000_000 {
		t.Fatalf("%d kills would need more distinct block numbers than number gives", kills)
	}
	cfg.Org, cfg.Project, cfg.Template, cfg.Admin = w.org, w.project, w.template, w.admin
	var acks []crashAck
	var early int
	for k := range kills {
		cfg.Base = k * crashBudget
		// Half the kills land after the child's first commit, a quarter
		// after it opened the database (before or after its first commit,
		// depending on the machine's speed), a quarter soon after it
		// started, which can be while it opens the database.
		trigger, delay := "ack", time.Duration(rand.Int64N(int64(300*time.Millisecond)))
		switch rand.IntN(4) {
		case 0:
			trigger, delay = "open", time.Duration(rand.Int64N(int64(30*time.Millisecond)))
			early++
		case 1:
			trigger = "ready"
		}
		for _, line := range crashRun(t, cfg, trigger, delay) {
			if a, ok := strings.CutPrefix(line, "ack "); ok {
				var ack crashAck
				if err := json.Unmarshal([]byte(a), &ack); err != nil {
					t.Fatalf("kill %d: child's ack %q: %v", k, a, err)
				}
				acks = append(acks, ack)
			}
		}
		s, err := crashOpen(cfg)
		if err != nil {
			t.Fatalf("kill %d: reopen: %v", k, err)
		}
		checkIntegrity(t, s)
		tree, err := audit.Verify(ctx, s, w.org, checkpoint, verifier)
		if err != nil {
			t.Fatalf("kill %d: ChangeLog does not verify against the checkpoint before the kill: %v", k, err)
		}
		checkAcks(t, s, w.org, acks)
		if checkpoint, err = audit.New(s, crashKeys{}, signer, nil).Checkpoint(ctx, actor); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("kill %d (%s+%v): %d commits acknowledged so far, ChangeLog of %d events verified", k, trigger, delay, len(acks), tree.N)
	}
	if len(acks) == 0 && kills > 0 {
		t.Fatalf("no commit acknowledged in %d runs: the children never got to write", kills)
	}
	t.Logf("%d kills (%d soon after the child started): all %d acknowledged commits survived", kills, early, len(acks))
}

// checkIntegrity fails t unless a SQLite s passes SQLite's integrity and
// foreign key checks.
func checkIntegrity(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	if s.Dialect() != sqlstore.SQLite {
		return
	}
	db := s.DB()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			t.Fatal(err)
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var violations int
	if err := db.QueryRow("SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&violations); err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 || violations > 0 {
		t.Fatalf("integrity_check: %v; foreign_key_check: %d violations", problems, violations)
	}
}

// checkAcks fails t unless every acknowledged block, lead and event is in s.
func checkAcks(t *testing.T, s *sqlstore.Store, org uuid.UUID, acks []crashAck) {
	t.Helper()
	leads, blocks := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	var events []lp.Event
	err := s.View(context.Background(), func(ctx context.Context, tx storage.Tx) error {
		for page := (storage.Page{Limit: storage.MaxLimit}); ; {
			ids, err := tx.Leads().ListIDs(ctx, org, storage.LeadFilter{}, page)
			if err != nil || len(ids) == 0 {
				return err
			}
			for _, id := range ids {
				leads[id] = true
			}
			page.After = ids[len(ids)-1]
		}
	})
	if err == nil {
		err = s.View(context.Background(), func(ctx context.Context, tx storage.Tx) error {
			for page := (storage.Page{Limit: storage.MaxLimit}); ; {
				bs, err := tx.Blocks().List(ctx, org, storage.BlockFilter{}, page)
				if err != nil || len(bs) == 0 {
					return err
				}
				for _, b := range bs {
					blocks[b.ID] = true
				}
				page.After = bs[len(bs)-1].ID
			}
		})
	}
	if err == nil {
		err = s.View(context.Background(), func(ctx context.Context, tx storage.Tx) error {
			n, err := tx.Events().Count(ctx, org)
			if err == nil {
				events, err = tx.Events().Range(ctx, org, 0, n)
			}
			return err
		})
	}
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	for i, a := range acks {
		for _, id := range a.Leads {
			if !leads[id] {
				t.Fatalf("ack %d: lead %s lost", i, id)
			}
		}
		for _, id := range a.Blocks {
			if !blocks[id] {
				t.Fatalf("ack %d: block %s lost", i, id)
			}
		}
		for _, e := range a.Events {
			if e.Seq >= int64(len(events)) || events[e.Seq].Action != e.Action || events[e.Seq].ObjectID != e.Object {
				t.Fatalf("ack %d: event %d (%s %s) lost", i, e.Seq, e.Action, e.Object)
			}
		}
	}
}

// crashMigrations kills children while they create and migrate a new
// database from newDB, kills times, and checks that reopening each one
// completes it.
func crashMigrations(t *testing.T, newDB func() crashConfig, kills int) {
	want := schemaAt(t, newDB())
	// The kills spread over the time a child takes to create and migrate
	// a database, and half of it again: the shortest seen so far, as the
	// machine's load makes it vary.
	calibrate := newDB()
	calibrate.Migrate = true
	window, ok := openedIn(t, crashRun(t, calibrate, "ready", 0))
	if !ok {
		t.Fatal("the calibrating child never got ready")
	}
	var beforeReady, unmigrated int
	for k := range kills {
		cfg := newDB()
		cfg.Migrate = true
		delay := time.Duration(rand.Int64N(int64(window * 3 / 2)))
		if d, ok := openedIn(t, crashRun(t, cfg, "open", delay)); ok {
			window = min(window, d)
		} else {
			beforeReady++
		}
		if schemaVersionOf(t, cfg) < sqlstore.SchemaVersion() {
			unmigrated++
		}
		if got := schemaAt(t, cfg); got != want {
			t.Fatalf("kill %d (+%v): schema after reopening differs from a clean migration:\n%s\nwant:\n%s", k, delay, got, want)
		}
	}
	t.Logf("%d kills within 1.5 x %v after \"open\": %d before \"ready\", %d before the migration committed (reopening completed it)",
		kills, window, beforeReady, unmigrated)
	if kills >= 5 && unmigrated == 0 {
		t.Errorf("no kill of %d landed before the migration committed: the test did not exercise it", kills)
	}
}

// openedIn returns how long the child said it took to open its database,
// if it got that far.
func openedIn(t *testing.T, lines []string) (time.Duration, bool) {
	t.Helper()
	for _, line := range lines {
		if ns, ok := strings.CutPrefix(line, "ready "); ok {
			n, err := strconv.ParseInt(ns, 10, 64)
			if err != nil {
				t.Fatalf("child's %q: %v", line, err)
			}
			return time.Duration(n), true
		}
	}
	return 0, false
}

// schemaVersionOf reads the schema version of cfg's database without
// migrating it: 0 if it has none yet.
func schemaVersionOf(t *testing.T, cfg crashConfig) int {
	t.Helper()
	driver, source := "sqlite", "file:"+cfg.Target
	exists := "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'schema_version'"
	if cfg.Postgres {
		driver, source = "pgx", cfg.Target
		exists = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_version'"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables, v int
	err = db.QueryRow(exists).Scan(&tables)
	if err == nil && tables > 0 {
		err = db.QueryRow("SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&v)
	}
	if err != nil {
		t.Fatalf("read schema version: %v", err)
	}
	return v
}

// schemaAt opens (creating and migrating if needed) cfg's database, checks
// its integrity and returns its schema: every table, column, index and
// constraint, and how many versions schema_version records.
func schemaAt(t *testing.T, cfg crashConfig) string {
	t.Helper()
	s, err := crashOpen(cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	checkIntegrity(t, s)
	q := "SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || COALESCE(sql, '') FROM sqlite_schema ORDER BY 1"
	if cfg.Postgres {
		q = `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
			FROM information_schema.columns WHERE table_schema = current_schema()
			UNION ALL SELECT indexname || ': ' || replace(indexdef, current_schema() || '.', '')
			FROM pg_indexes WHERE schemaname = current_schema()
			UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
			ORDER BY 1`
	}
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM schema_version").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "%d schema versions\n", versions)
	return b.String()
}
