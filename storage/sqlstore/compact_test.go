package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// deletedFilesHolding returns the unlinked files this process holds open
// whose bytes contain canary: the temp files SQLite deletes on open.
func deletedFilesHolding(t *testing.T, canary string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("needs Linux /proc/self/fd: %v", err)
	}
	var found []string
	for _, fd := range fds {
		p := filepath.Join("/proc/self/fd", fd.Name())
		target, err := os.Readlink(p)
		if err != nil || !strings.HasSuffix(target, "(deleted)") {
			continue // closed meanwhile, or a file with a name
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(canary)) {
			found = append(found, fmt.Sprintf("%s (%d bytes)", target, len(b)))
		}
	}
	return found
}

// writerPragmas returns the settings of the writer connection that
// Compact changes while it works.
func writerPragmas(t *testing.T, s *sqlstore.Store) string {
	t.Helper()
	var busy, temp int
	if err := s.DB().QueryRow("PRAGMA busy_timeout").Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow("PRAGMA temp_store").Scan(&temp); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("busy_timeout=%d temp_store=%d", busy, temp)
}

// TestCompactKeepsTempStoreMemory checks that Compact leaves the writer as
// sqlite.Open configured it, with temp_store=MEMORY: a bulk transaction
// after it spills no lead data into a temporary file. (At temp_store's
// default the statement journal, which keeps the old content of every page
// a statement changes, spills to an unlinked file in the temp directory.)
func TestCompactKeepsTempStoreMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openSQLite(t, nil)
	w := newWorld(t, s)
	tag := make([]byte, 8)
	rand.Read(tag)
	canary := "TEMPCANARY-" + hex.EncodeToString(tag)
	leads := make([]lp.Lead, 5000)
	ids := make([]uuid.UUID, len(leads))
	for i := range leads {
		leads[i] = w.lead(number(i))
		leads[i].Fields = map[string]string{"name": fmt.Sprintf("%s %d", canary, i)}
		ids[i] = leads[i].ID
	}
	err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Leads().CreateMany(ctx, w.org, leads)
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	opened := writerPragmas(t, s)
	if err := s.Compact(ctx); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if got := writerPragmas(t, s); got != opened {
		t.Errorf("after Compact the writer has %s; sqlite.Open set %s", got, opened)
	}
	var during []string
	err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		// A change first, so the bulk delete runs with a statement journal.
		if err := tx.Leads().Create(ctx, w.lead(number(9_999_999))); err != nil {
			return err
		}
		if n, err := tx.Leads().DeleteMany(ctx, w.org, ids); err != nil || n != len(ids) {
			return fmt.Errorf("DeleteMany = %d, %w", n, err)
		}
		during = deletedFilesHolding(t, canary)
		return nil
	})
	if err != nil {
		t.Fatalf("bulk transaction: %v", err)
	}
	if len(during) > 0 {
		t.Errorf("during a bulk transaction after Compact, lead data spilled into temp files: %v", during)
	}
	if after := deletedFilesHolding(t, canary); len(after) > 0 {
		t.Errorf("after a bulk transaction, temp files still hold lead data: %v", after)
	}
}

// TestCompactWaitsForReadersWithoutBlockingWriters holds a View open on a
// snapshot in the WAL, so Compact cannot truncate it: Compact waits until
// its ctx ends and returns ctx's error (not ErrBusy), while a WithTx
// started meanwhile commits at once. Once the View ends Compact succeeds.
func TestCompactWaitsForReadersWithoutBlockingWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openSQLite(t, nil)
	w := newWorld(t, s) // leaves frames in the WAL

	reading, release := make(chan struct{}), make(chan struct{})
	viewDone := make(chan error, 1)
	go func() {
		viewDone <- s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
			if _, err := tx.Organisations().Get(ctx, w.org); err != nil {
				return err
			}
			close(reading)
			<-release
			return nil
		})
	}()
	select {
	case <-reading:
	case err := <-viewDone:
		t.Fatalf("View: %v", err)
	}
	endView := sync.OnceValue(func() error { close(release); return <-viewDone })
	t.Cleanup(func() { endView() })

	opened := writerPragmas(t, s)
	const wait = 3 * time.Second
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	compactDone := make(chan error, 1)
	start := time.Now()
	go func() { compactDone <- s.Compact(cctx) }()

	time.Sleep(200 * time.Millisecond) // Compact is retrying its checkpoint now
	b := w.block(number(1))
	txStart := time.Now()
	err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return tx.Blocks().Create(ctx, b) })
	if took := time.Since(txStart); err != nil || took > 750*time.Millisecond {
		t.Errorf("WithTx while Compact waits for a reader = %v after %v; want nil at once", err, took)
	}

	err = <-compactDone
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sqlstore.ErrBusy) {
		t.Errorf("Compact with a reader open = %v; want ctx's deadline error, not ErrBusy", err)
	}
	if took > wait+time.Second {
		t.Errorf("Compact returned %v after its ctx's deadline of %v", took, wait)
	}
	if got := writerPragmas(t, s); got != opened {
		t.Errorf("after Compact gave up the writer has %s; sqlite.Open set %s", got, opened)
	}

	if err := endView(); err != nil {
		t.Fatalf("View: %v", err)
	}
	if err := s.Compact(ctx); err != nil {
		t.Fatalf("Compact after the reader ended: %v", err)
	}
	err = s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Blocks().Get(ctx, w.org, b.ID)
		return err
	})
	if err != nil {
		t.Errorf("block committed during Compact: %v", err)
	}
}
