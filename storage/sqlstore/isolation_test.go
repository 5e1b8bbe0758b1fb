package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/pgtest"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// TestSerializationFailureRetried runs two write transactions in write
// skew on PostgreSQL: each reads one of two duplicate leads and, if it is
// still open, closes the other. Run one at a time, one of them stays open.
// The second transaction's serialization failure surfaces at COMMIT (fn
// returned nil), or at its Update, whose error fn returns wrapped: WithTx
// must run it again either way, and the retry sees the first one's close.
func TestSerializationFailureRetried(t *testing.T) {
	pgtest.DSN(t)
	t.Parallel()
	for _, atCommit := range []bool{true, false} {
		t.Run(map[bool]string{true: "commit", false: "statement"}[atCommit], func(t *testing.T) {
			t.Parallel()
			s := openPostgres(t, nil)
			ctx := t.Context()
			w := newWorld(t, s)
			a, b := w.lead(number(1)), w.lead(number(1))
			if err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				return tx.Leads().CreateMany(ctx, w.org, []lp.Lead{a, b})
			}); err != nil {
				t.Fatal(err)
			}
			// closeDuplicate reads mine and, if it is open, closes other,
			// calling between before it writes and after when it has.
			closeDuplicate := func(ctx context.Context, tx storage.Tx, mine, other uuid.UUID, between, after func() error) error {
				l, err := tx.Leads().Get(ctx, w.org, mine)
				if err != nil || !l.ClosedAt.IsZero() {
					return err
				}
				if err := between(); err != nil {
					return err
				}
				o, err := tx.Leads().Get(ctx, w.org, other)
				if err != nil {
					return err
				}
				o.ClosedAt = w.now
				if err := tx.Leads().Update(ctx, o); err != nil {
					return fmt.Errorf("close duplicate: %w", err)
				}
				return after()
			}
			nothing := func() error { return nil }
			// The first transaction reads a, waits for the second to read b,
			// closes b and commits (at commit: waits for the second to close
			// a first). The second's first attempt then fails.
			read1, read2, wrote1, wrote2, done1 := make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
			first := make(chan error, 1)
			go func() {
				defer close(done1)
				var runs int
				first <- s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					if runs++; runs > 1 {
						return fmt.Errorf("first transaction ran again")
					}
					return closeDuplicate(ctx, tx, a.ID, b.ID,
						func() error { close(read1); return recv(read2) },
						func() error {
							if !atCommit {
								return nil
							}
							close(wrote1)
							return recv(wrote2)
						})
				})
			}()
			var runs int
			var firstAttempt error // what the second's fn returned the first time
			err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				if runs++; runs > 1 {
					return closeDuplicate(ctx, tx, b.ID, a.ID, nothing, nothing)
				}
				if err := recv(read1); err != nil {
					return err
				}
				firstAttempt = closeDuplicate(ctx, tx, b.ID, a.ID,
					func() error {
						close(read2)
						if atCommit {
							return recv(wrote1)
						}
						return recv(done1)
					},
					func() error {
						if !atCommit {
							return nil
						}
						close(wrote2)
						return recv(done1)
					})
				return firstAttempt
			})
			if err != nil {
				t.Fatalf("second transaction: %v", err)
			}
			if err := <-first; err != nil {
				t.Fatalf("first transaction: %v", err)
			}
			var pe *pgconn.PgError
			switch {
			case runs != 2:
				t.Fatalf("second transaction ran %d times, want 2 (a serialization failure, then a retry)", runs)
			case atCommit && firstAttempt != nil:
				t.Fatalf("first attempt failed before COMMIT: %v", firstAttempt)
			case !atCommit && !(errors.As(firstAttempt, &pe) && pe.Code == "40001"):
				t.Fatalf("first attempt: %v, want a wrapped serialization failure", firstAttempt)
			}
			if err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
				ga, err := tx.Leads().Get(ctx, w.org, a.ID)
				if err != nil {
					return err
				}
				gb, err := tx.Leads().Get(ctx, w.org, b.ID)
				if err != nil {
					return err
				}
				if !ga.ClosedAt.IsZero() || gb.ClosedAt.IsZero() {
					return fmt.Errorf("a closed: %v, b closed: %v; want only b closed", !ga.ClosedAt.IsZero(), !gb.ClosedAt.IsZero())
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// recv waits for ch to close, for at most 10 s.
func recv(ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("timed out waiting for the other transaction")
	}
}

// TestSameOrgAppendersFinish runs audited write transactions (erase a
// lead, append its event) from 8 goroutines in one organisation, with
// only 3 attempts each. Every append updates the organisation's event
// counter, so under SERIALIZABLE each commit fails the concurrent
// appenders; a retry must then take its turn (lockCountersSQL) rather
// than race them again, so none runs out of attempts.
func TestSameOrgAppendersFinish(t *testing.T) {
	pgtest.DSN(t)
	t.Parallel()
	s := openPostgres(t, &sqlstore.Options{MaxAttempts: 3})
	ctx := t.Context()
	w := newWorld(t, s)
	const writers, perWriter = 8, 15
	all := w.storeLeads(t, s, writers*perWriter)
	var wg sync.WaitGroup
	errs := make(chan error, len(all))
	for g := range writers {
		wg.Go(func() {
			for _, l := range all[g*perWriter : (g+1)*perWriter] {
				errs <- s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					l.Phones, l.Fields, l.ForgottenAt = nil, nil, w.now
					if err := tx.Leads().Update(ctx, l); err != nil {
						return err
					}
					_, err := tx.Events().Append(ctx, w.event(l.ID))
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			if failed == 1 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d transactions failed", failed, len(all))
	}
}
