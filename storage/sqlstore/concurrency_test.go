package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlite"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// TestConcurrentWritersSQLite runs writers and readers through several
// Stores (separate connection pools, as separate processes would) on one
// file. Each write transaction does a read-modify-write of a shared
// counter, appends an event and creates a block: no increment may be lost,
// sequence numbers must be gapless, and no busy error may escape.
func TestConcurrentWritersSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "concurrent.db")
	ctx := context.Background()
	const stores, writersPerStore, txPerWriter = 3, 2, 25
	// Store 0 waits for locks in SQLite's busy handler; the others give up
	// at once and rely on WithTx's retries.
	opts := []*sqlstore.Options{nil, {BusyTimeout: time.Millisecond, MaxAttempts: 1000}, {BusyTimeout: time.Millisecond, MaxAttempts: 1000}}
	ss := make([]*sqlstore.Store, stores)
	for i := range ss {
		s, err := sqlite.Open(ctx, path, opts[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ss[i] = s
	}
	w := newWorld(t, ss[0])
	counter := w.lead(number(0))
	counter.Fields = map[string]string{"n": "0"}
	if err := ss[0].WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return tx.Leads().Create(ctx, counter) }); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, stores*(writersPerStore+1))
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for si, s := range ss {
		for wi := range writersPerStore {
			wg.Go(func() {
				for k := range txPerWriter {
					n := number(1 + (si*writersPerStore+wi)*txPerWriter + k)
					err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
						l, err := tx.Leads().Get(ctx, w.org, counter.ID)
						if err != nil {
							return err
						}
						v, _ := strconv.Atoi(l.Fields["n"])
						l.Fields["n"] = strconv.Itoa(v + 1)
						if err := tx.Leads().Update(ctx, l); err != nil {
							return err
						}
						if _, err := tx.Events().Append(ctx, w.event(l.ID)); err != nil {
							return err
						}
						return tx.Blocks().Create(ctx, w.block(n))
					})
					if err != nil {
						errs <- fmt.Errorf("store %d writer %d: %w", si, wi, err)
						return
					}
				}
			})
		}
		readers.Go(func() {
			var last int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					c, err := tx.Events().Count(ctx, w.org)
					if err != nil {
						return err
					}
					if c < last {
						return fmt.Errorf("event count went back from %d to %d", last, c)
					}
					last = c
					_, err = tx.Blocks().FindByNumbers(ctx, w.org, []phone.Number{number(1), number(2)})
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("store %d reader: %w", si, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			t.Errorf("lock error escaped: %v", err)
		} else {
			t.Error(err)
		}
	}

	total := stores * writersPerStore * txPerWriter
	err := ss[2].WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		l, err := tx.Leads().Get(ctx, w.org, counter.ID)
		if err != nil {
			return err
		}
		if l.Fields["n"] != strconv.Itoa(total) {
			return fmt.Errorf("counter = %s after %d increments: lost writes", l.Fields["n"], total)
		}
		es, err := tx.Events().Range(ctx, w.org, 0, int64(total)+1)
		if err != nil {
			return err
		}
		if len(es) != total {
			return fmt.Errorf("%d events, want %d", len(es), total)
		}
		for i, e := range es {
			if e.Seq != int64(i) {
				return fmt.Errorf("event %d has Seq %d: not gapless", i, e.Seq)
			}
		}
		bs, err := tx.Blocks().List(ctx, w.org, storage.BlockFilter{}, storage.Page{Limit: storage.MaxLimit})
		if err != nil {
			return err
		}
		if len(bs) != total {
			return fmt.Errorf("%d blocks, want %d", len(bs), total)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoOrphanContactsPostgres adds contact attempts to leads while other
// transactions delete those leads. lead_phones and contacts have no
// foreign keys (schema version 3): Contacts.Add locks the lead it adds to
// and Leads.Delete removes the children after the lead, so no attempt,
// with its notes, may outlive its lead.
func TestNoOrphanContactsPostgres(t *testing.T) {
	t.Parallel()
	s := openPostgres(t, nil)
	ctx := context.Background()
	w := newWorld(t, s)
	const leads, addersPerLead = 40, 3
	all := w.storeLeads(t, s, leads)
	var wg sync.WaitGroup
	for _, l := range all {
		for range addersPerLead {
			wg.Go(func() {
				err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					return tx.Contacts().Add(ctx, lp.ContactAttempt{OrgID: w.org, ID: newID(), LeadID: l.ID, At: w.now,
						AgentID: w.admin, Result: "no_answer", Notes: "personal note"})
				})
				if err != nil && !errors.Is(err, lp.ErrNotFound) {
					t.Errorf("add contact: %v", err)
				}
			})
		}
		wg.Go(func() {
			if err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				return tx.Leads().Delete(ctx, w.org, l.ID)
			}); err != nil {
				t.Errorf("delete lead: %v", err)
			}
		})
	}
	wg.Wait()
	var orphans int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts c
		WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.org_id = c.org_id AND l.id = c.lead_id)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d contact attempts outlived their lead", orphans)
	}
}
