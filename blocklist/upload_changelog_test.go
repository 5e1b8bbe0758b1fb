package blocklist_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestUploadChangeLogAnswersWhoBlocked uploads dncFile in batches and all
// or nothing, then asks the ChangeLog "who blocked this number, and when?"
// for every number of the file, typed as people type it: each number the
// upload blocked is named by exactly one block.uploaded event, with the
// uploader and the upload's time; a number that was already blocked is
// not; and no event holds a number in any form but a fingerprint.
func TestUploadChangeLogAnswersWhoBlocked(t *testing.T) {
	blockedByUpload := []string{"20 12 34 56", "+45 40 40 40 40", "50505050", "60606060", "0045 70707070", "80 80 80 80"}
	for _, allOrNothing := range []bool{false, true} {
		name := "batches"
		if allOrNothing {
			name = "all or nothing"
		}
		t.Run(name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, f *fixture) {
				uploadFixture(f)
				uploaded := f.clock.Now()
				mark := f.eventCount()
				res, err := f.svc.Upload(f.ctx, f.blocker, blocklist.UploadRequest{File: strings.NewReader(dncFile),
					ProjectID: f.energy.ID, Reason: "dnc_list", AllOrNothing: allOrNothing})
				if err != nil {
					t.Fatal(err)
				}
				f.clock.Set(uploaded.Add(time.Hour)) // later events would show a later time
				events := f.eventsSince(mark)
				// 7 numbers in batches of 3 (the duplicate and the invalid
				// line ride along): 3 events, each naming at most 3.
				if len(events) != 3 {
					t.Errorf("%d block.uploaded events, want one per batch: 3", len(events))
				}
				for _, e := range events {
					if e.MaskedNumber != "" || !e.Fingerprint.IsZero() || len(e.Fingerprints) > batchSize {
						t.Errorf("event %d: masked %q, fingerprint %v, %d in its set: want only a set of at most %d",
							e.Seq, e.MaskedNumber, e.Fingerprint, len(e.Fingerprints), batchSize)
					}
				}
				for _, typed := range blockedByUpload {
					var ups []lp.Event
					for _, e := range f.changelogOf(typed) {
						if e.Action == audit.ActionBlocksUploaded {
							ups = append(ups, e)
						}
					}
					if len(ups) != 1 {
						t.Errorf("%s: %d block.uploaded events, want 1", typed, len(ups))
						continue
					}
					e := ups[0]
					if e.ActorID != f.blocker.UserID || !e.Time.Equal(uploaded) || e.ObjectID != res.UploadID || e.ProjectID != f.energy.ID {
						t.Errorf("%s: event by %s at %v about upload %s in project %s, want the uploader %s at %v, upload %s, Energy",
							typed, e.ActorID, e.Time, e.ObjectID, e.ProjectID, f.blocker.UserID, uploaded, res.UploadID)
					}
				}
				// Already blocked in Energy before the upload: the ChangeLog
				// names Alice's block, not the upload.
				if evs := f.changelogOf("31 23 45 67"); len(evs) != 1 || evs[0].Action != audit.ActionBlockCreated || evs[0].ActorID != f.alice.UserID {
					t.Errorf("already blocked number: events %+v, want only Alice's block.created", evs)
				}
			})
		})
	}
}

// changelogOf returns the organisation's events about the number typed,
// as audit.Log.Query finds them, newest first.
func (f *fixture) changelogOf(typed string) []lp.Event {
	f.t.Helper()
	page, err := f.log.Query(f.ctx, f.alice, audit.Query{Number: typed})
	if err != nil {
		f.t.Fatalf("Query(%q): %v", typed, err)
	}
	return page.Events
}

// lateStore stands for another transaction blocking a number between an
// upload batch's look-up and its insert: the first FindByNumbers of each
// of its transactions finds nothing.
type lateStore struct{ storage.Store }

func (s lateStore) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, &lateTx{Tx: tx}) })
}

type lateTx struct {
	storage.Tx
	looked bool
}

func (t *lateTx) Blocks() storage.Blocks { return lateBlocks{t.Tx.Blocks(), t} }

type lateBlocks struct {
	storage.Blocks
	tx *lateTx
}

func (b lateBlocks) FindByNumbers(ctx context.Context, org uuid.UUID, numbers []phone.Number) ([]lp.BlockEntry, error) {
	if !b.tx.looked {
		b.tx.looked = true
		return nil, nil
	}
	return b.Blocks.FindByNumbers(ctx, org, numbers)
}

// TestUploadRaceNotNamed blocks a number behind an upload batch's look-up:
// the insert skips it, and the upload reports it as already blocked and
// does not name it in its event, so the ChangeLog keeps answering that
// the other blocker blocked it.
func TestUploadRaceNotNamed(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.block(blocklist.BlockRequest{Number: "20123456", ProjectID: f.energy.ID})
		svc := blocklist.New(lateStore{f.store}, f.log, &blocklist.Options{Now: f.clock.Now, BatchSize: batchSize})
		var outcomes []blocklist.LineOutcome
		res, err := svc.Upload(f.ctx, f.blocker, blocklist.UploadRequest{File: strings.NewReader("20123456\n30303030\n"),
			ProjectID: f.energy.ID, Reason: "dnc_list",
			OnLine: func(l blocklist.UploadLine) error { outcomes = append(outcomes, l.Outcome); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Blocked != 1 || res.AlreadyBlocked != 1 || !slices.Equal(outcomes, []blocklist.LineOutcome{blocklist.LineAlreadyBlocked, blocklist.LineBlocked}) {
			t.Errorf("result %+v, outcomes %v: want the raced number already blocked", res, outcomes)
		}
		for typed, want := range map[string]lp.Action{"20123456": audit.ActionBlockCreated, "30303030": audit.ActionBlocksUploaded} {
			if evs := f.changelogOf(typed); len(evs) != 1 || evs[0].Action != want {
				t.Errorf("%s: events %v, want only %s", typed, actions(evs), want)
			}
		}
	})
}
