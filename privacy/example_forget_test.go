package privacy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

// recordingStore is a host's eraser for its call recordings.
type recordingStore struct{ down bool }

func (r *recordingStore) Erase(_ context.Context, req privacy.ErasureRequest) error {
	if r.down {
		return errors.New("recording store unreachable")
	}
	for _, ref := range req.RecordingRefs {
		fmt.Println("recording store deletes", ref)
	}
	return nil
}

func ExampleService_ForgetNumber() {
	ctx := context.Background()
	ex := newExample()
	svc := privacy.New(ex.store, ex.changelog, &privacy.Options{
		Erasers: map[string]privacy.Eraser{"recordings": &recordingStore{}},
	})

	// Alice previews what forgetting the number would erase ...
	plan, err := svc.Preview(ctx, ex.alice, privacy.ForgetRequest{Number: "0045 20 12 34 99"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range plan.Leads {
		fmt.Printf("would erase fields %v, %d phone, %d call note, %d recording via %v\n",
			l.FieldKeys, l.Phones, l.AttemptsToScrub, l.Recordings, l.Erasers)
	}
	// ... then forgets it, suppressing the number for future imports. The
	// recording store's eraser runs once the forget has committed.
	r, err := svc.ForgetNumber(ctx, ex.alice, "0045 20 12 34 99", privacy.ForgetOptions{Suppress: true, Reason: "customer_request"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range r.Leads {
		fmt.Printf("forgot lead %s: fields %v, %d phone, %d call scrubbed, %d recording queued\n",
			l.LeadID, l.FieldKeys, l.Phones, l.AttemptsScrubbed, l.RecordingsQueued)
	}
	fmt.Printf("suppressed %d number; erasures pending: %d\n", r.Suppressed, r.Pending())
	// Output:
	// would erase fields [first_name tariff], 1 phone, 1 call note, 1 recording via [recordings]
	// recording store deletes rec://2026/0301-1.wav
	// forgot lead 00000000-0000-0000-0000-000000000006: fields [first_name tariff], 1 phone, 1 call scrubbed, 1 recording queued
	// suppressed 1 number; erasures pending: 0
}

func ExampleService_SetLegalHold() {
	ctx := context.Background()
	ex := newExample()

	if _, err := ex.svc.SetLegalHold(ctx, ex.alice, privacy.HoldRequest{LeadID: ex.lead.ID, Reason: "litigation"}); err != nil {
		fmt.Println(err)
		return
	}
	r, err := ex.svc.Forget(ctx, ex.alice, ex.lead.ID, privacy.ForgetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("forgotten %d, held %d\n", len(r.Leads), len(r.Held))

	if _, err := ex.svc.LiftLegalHold(ctx, ex.alice, privacy.HoldRequest{LeadID: ex.lead.ID}); err != nil {
		fmt.Println(err)
		return
	}
	r, err = ex.svc.Forget(ctx, ex.alice, ex.lead.ID, privacy.ForgetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("forgotten %d, held %d\n", len(r.Leads), len(r.Held))
	// Output:
	// forgotten 0, held 1
	// forgotten 1, held 0
}

func ExampleService_SetProjectHold() {
	ctx := context.Background()
	ex := newExample()

	// Litigation over the whole Energy campaign: every lead of it is held.
	h, err := ex.svc.SetProjectHold(ctx, ex.alice, privacy.ProjectHoldRequest{ProjectID: ex.lead.ProjectID, Reason: "litigation"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("project held since", h.Since.Format(time.DateOnly))
	r, err := ex.svc.ForgetNumber(ctx, ex.alice, "0045 20 12 34 99", privacy.ForgetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("forgotten %d, held %d\n", len(r.Leads), len(r.Held))

	if _, err := ex.svc.LiftProjectHold(ctx, ex.alice, privacy.ProjectHoldRequest{ProjectID: ex.lead.ProjectID}); err != nil {
		fmt.Println(err)
		return
	}
	r, err = ex.svc.ForgetNumber(ctx, ex.alice, "0045 20 12 34 99", privacy.ForgetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("forgotten %d, held %d\n", len(r.Leads), len(r.Held))
	// Output:
	// project held since 2026-03-02
	// forgotten 0, held 1
	// forgotten 1, held 0
}

func ExampleService_RunErasures() {
	ctx := context.Background()
	ex := newExample()
	recordings := &recordingStore{down: true}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := privacy.New(ex.store, ex.changelog, &privacy.Options{
		Now:     func() time.Time { return now },
		Erasers: map[string]privacy.Eraser{"recordings": recordings},
	})

	// The recording store is down when Alice forgets the lead: the
	// erasure stays pending, with no personal data in its last error.
	if _, err := svc.Forget(ctx, ex.alice, ex.lead.ID, privacy.ForgetOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	pending, err := svc.PendingErasures(ctx, ex.alice, storage.Page{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pending {
		fmt.Printf("pending: %s for lead %s, %d attempts, last error %q, next at %s\n",
			p.Eraser, p.LeadID, p.Attempts, p.LastError, p.NextAttemptAt.Format(time.TimeOnly))
	}

	// Later the host's scheduler re-drives what is due.
	recordings.down = false
	now = now.Add(time.Minute)
	run, err := svc.RunErasures(ctx, ex.alice)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("completed %d, failed %d\n", run.Completed, run.Failed)
	// Output:
	// pending: recordings for lead 00000000-0000-0000-0000-000000000006, 3 attempts, last error "recordings failed", next at 09:01:00
	// recording store deletes rec://2026/0301-1.wav
	// completed 1, failed 0
}

func ExampleService_ForgetFile() {
	ctx := context.Background()
	ex := newExample()

	// A list of numbers to forget, as a spreadsheet exports it.
	file := "phone\n+45 20 12 34 99\n20 12 34 9x\n+45 99 88 77 66\n"
	res, err := ex.svc.ForgetFile(ctx, ex.alice, strings.NewReader(file), privacy.BulkForgetOptions{
		ForgetOptions: privacy.ForgetOptions{Suppress: true},
		OnLine: func(l privacy.BulkLine) error {
			fmt.Printf("line %d: %s\n", l.Line, l.Outcome)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d rows: %d leads forgotten, %d numbers without leads, %d invalid\n", res.Rows, res.Forgotten, res.NoLeads, res.Invalid)
	// Output:
	// line 2: forgotten
	// line 3: invalid
	// line 4: no_leads
	// 3 rows: 1 leads forgotten, 1 numbers without leads, 1 invalid
}
