package memstore

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestTableMatchesModel drives a table with random puts, deletes, pages and
// rollbacks and compares it with a plain map after every step.
func TestTableMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tb := newTable[row]()
	model := map[uuid.UUID]row{}
	pool := make([]uuid.UUID, 40)
	for i := range pool {
		pool[i] = uuid.New()
	}
	for step := range 3000 {
		var u undoLog
		saved := maps.Clone(model)
		for range r.IntN(5) + 1 {
			id := pool[r.IntN(len(pool))]
			if r.IntN(3) == 0 {
				tb.del(&u, id)
				delete(model, id)
			} else {
				tb.put(&u, id, row{id, step})
				model[id] = row{id, step}
			}
			if r.IntN(4) == 0 {
				checkTable(t, tb, model)
			}
		}
		if r.IntN(3) == 0 {
			for i := len(u) - 1; i >= 0; i-- {
				u[i]()
			}
			model = saved
		}
		checkTable(t, tb, model)
	}
}

type row struct {
	id   uuid.UUID
	step int
}

func checkTable(t *testing.T, tb *table[row], model map[uuid.UUID]row) {
	t.Helper()
	want := slices.SortedFunc(maps.Keys(model), compareIDs)
	var got []uuid.UUID
	after := uuid.Nil
	for {
		page := tb.page(after, 3, nil)
		for _, v := range page {
			if model[v.id] != v {
				t.Fatalf("page holds %v, want %v", v, model[v.id])
			}
			got = append(got, v.id)
		}
		if len(page) < 3 {
			break
		}
		after = got[len(got)-1]
	}
	if !slices.Equal(want, got) {
		t.Fatalf("table order %v, want %v", got, want)
	}
	if len(tb.rows) != len(model) {
		t.Fatalf("table holds %d rows, want %d", len(tb.rows), len(model))
	}
}

// TestWaitForLockHonoursContext checks that a transaction waiting for a
// running one gives up when its context ends.
func TestWaitForLockHonoursContext(t *testing.T) {
	s := New()
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.WithTx(context.Background(), func(context.Context, storage.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := s.WithTx(ctx, func(context.Context, storage.Tx) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting WithTx: %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestReadsOfUnknownOrgsKeepNothing reads every kind of object of
// organisations that have no data: the store must not grow an entry for
// each (memory per made-up org id).
func TestReadsOfUnknownOrgsKeepNothing(t *testing.T) {
	s := New()
	ctx := context.Background()
	for range 100 {
		org := uuid.New()
		err := s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Leads().List(ctx, org, storage.LeadFilter{}, storage.Page{})
			_, err2 := tx.Blocks().FindByNumbers(ctx, org, []phone.Number{"+4520123456"})
			_, err3 := tx.Events().Count(ctx, org)
			_, err4 := tx.Projects().List(ctx, org, storage.Page{})
			return errors.Join(err, err2, err3, err4)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(s.data) != 0 {
		t.Errorf("reads of 100 unknown organisations left %d entries", len(s.data))
	}
}
