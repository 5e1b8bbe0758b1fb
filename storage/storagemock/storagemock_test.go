package storagemock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/storagemock"
)

// recordView is the kind of service code the mocks are for: it appends a
// ChangeLog event in a transaction and reports the sequence number only if
// the transaction committed.
func recordView(ctx context.Context, s storage.Store, e lp.Event) (int64, error) {
	var seq int64
	err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		seq, err = tx.Events().Append(ctx, e)
		return err
	})
	if err != nil {
		return 0, err
	}
	return seq, nil
}

// A commit failure is hard to provoke on a real store; with the mocks the
// test states it directly and checks the service does not report the
// sequence number of an event that was never committed.
func TestCommitFailureIsReported(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := storagemock.NewMockStore(ctrl)
	tx := storagemock.NewMockTx(ctrl)
	events := storagemock.NewMockEvents(ctrl)
	e := lp.Event{OrgID: uuid.New(), Time: time.Now(), ActorID: uuid.New(), Action: "lead.viewed"}
	errCommit := errors.New("commit failed")

	tx.EXPECT().Events().Return(events)
	events.EXPECT().Append(gomock.Any(), e).Return(int64(41), nil)
	store.EXPECT().WithTx(gomock.Any(), gomock.Any()).DoAndReturn(
		func(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
			if err := fn(ctx, tx); err != nil {
				return err
			}
			return errCommit
		})

	seq, err := recordView(t.Context(), store, e)
	if !errors.Is(err, errCommit) {
		t.Fatalf("err = %v, want the commit error", err)
	}
	if seq != 0 {
		t.Fatalf("seq = %d for an event that was not committed", seq)
	}
}
