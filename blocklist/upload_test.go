package blocklist_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

// dncFile has, on lines 1-9: new, new (apostrophe), invalid, already
// blocked in Energy, a duplicate of line 1, expired in Energy, new, blocked
// org-wide only (another scope: new in Energy), new.
const dncFile = "+45 20 12 34 56\r\n'+4540404040\r\n2012345x\r\n31 23 45 67\r\n0045 20 12 34 56\r\n50505050\r\n60606060\r\n70707070\r\n80808080\r\n"

func uploadFixture(f *fixture) {
	f.block(blocklist.BlockRequest{Number: "31234567", ProjectID: f.energy.ID})
	f.block(blocklist.BlockRequest{Number: "50505050", ProjectID: f.energy.ID, ExpiresAt: start.Add(time.Minute)})
	f.block(blocklist.BlockRequest{Number: "70707070"})
	f.clock.Set(start.Add(time.Hour))
}

func TestUpload(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		uploadFixture(f)
		expires := start.Add(30 * 24 * time.Hour)
		var lines []blocklist.UploadLine
		var progress []int
		mark := f.eventCount()
		res, err := f.svc.Upload(f.ctx, f.blocker, blocklist.UploadRequest{File: strings.NewReader(dncFile), ProjectID: f.energy.ID,
			Reason: "dnc_list", ExpiresAt: expires,
			OnLine:   func(l blocklist.UploadLine) error { lines = append(lines, l); return nil },
			Progress: func(r blocklist.UploadResult) { progress = append(progress, r.LastLine) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 9 || res.Blocked != 6 || res.AlreadyBlocked != 1 || res.Duplicates != 1 || res.Invalid != 1 || res.LastLine != 9 {
			t.Errorf("result = %+v", res)
		}
		want := []blocklist.LineOutcome{blocklist.LineBlocked, blocklist.LineBlocked, blocklist.LineInvalid, blocklist.LineAlreadyBlocked,
			blocklist.LineDuplicate, blocklist.LineBlocked, blocklist.LineBlocked, blocklist.LineBlocked, blocklist.LineBlocked}
		var got []blocklist.LineOutcome
		for i, l := range lines {
			got = append(got, l.Outcome)
			if l.Line != i+1 {
				t.Errorf("line %d reported as %d", i+1, l.Line)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("outcomes = %v, want %v", got, want)
		}
		if rej := csvimport.RejectionOf(lines[2].Err); rej.Line != 3 || strings.Contains(rej.Value, "2012345") || !errors.Is(lines[2].Err, lp.ErrInvalidPhone) {
			t.Errorf("invalid line = %+v", rej)
		}
		// batchSize numbers a transaction: lines 1-4 (3 numbers), 5-8, 9.
		if !slices.Equal(progress, []int{4, 8, 9}) {
			t.Errorf("progress after lines %v, want [4 8 9]", progress)
		}

		energy := map[phone.Number]lp.BlockEntry{}
		for _, b := range f.entries() {
			if b.ProjectID == f.energy.ID {
				energy[b.Number] = b
			}
		}
		for _, n := range []phone.Number{"+4520123456", "+4540404040", "+4550505050", "+4560606060", "+4570707070", "+4580808080"} {
			b, ok := energy[n]
			if !ok || b.Source != lp.SourceUpload || b.Reason != "dnc_list" || !b.ExpiresAt.Equal(expires) || b.BlockedBy != f.blocker.UserID {
				t.Errorf("%s in Energy: %+v, %v", phone.Mask(n), b, ok)
			}
		}
		if b := energy["+4531234567"]; b.Source != lp.SourceManual {
			t.Errorf("the block that existed changed: %+v", b)
		}
		if len(energy) != 7 {
			t.Errorf("%d entries in Energy, want 7", len(energy))
		}

		evs := f.eventsSince(mark)
		var rows, blocked, already, invalid int
		for _, ev := range evs {
			if ev.Action != audit.ActionBlocksUploaded || ev.ObjectID != res.UploadID || ev.ProjectID != f.energy.ID || ev.MaskedNumber != "" || ev.Details["reason"] != "dnc_list" {
				t.Errorf("event %+v", ev)
			}
			rows += atoi(t, ev.Details["rows"])
			blocked += atoi(t, ev.Details["blocked"])
			already += atoi(t, ev.Details["already_blocked"])
			invalid += atoi(t, ev.Details["invalid"])
		}
		if len(evs) != 3 || rows != 9 || blocked != 6 || already != 2 || invalid != 1 {
			t.Errorf("%d events with rows %d, blocked %d, already %d, invalid %d; want 3 events, 9, 6, 2, 1", len(evs), rows, blocked, already, invalid)
		}

		// Once uploaded, the numbers are not callable in Energy.
		res2, err := f.svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: []string{"40404040", "80808080"}})
		if err != nil || res2.Verdicts[0].Outcome != blocklist.Blocked || res2.Verdicts[1].Outcome != blocklist.Blocked {
			t.Errorf("Check after upload = %+v, %v", res2, err)
		}
	})
}

// failingReader yields data, then fails.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestUploadFailure(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		errRead := errors.New("connection reset")
		// More than the reader's 64 KiB look-ahead, so that the read error
		// comes after whole batches were delivered.
		const total, batch = 10_000, 1000
		var file strings.Builder
		for i := range total {
			fmt.Fprintf(&file, "+45 3%07d\n", i)
		}
		svc := blocklist.New(f.store, f.log, &blocklist.Options{Now: f.clock.Now, BatchSize: batch})
		mark := f.eventCount()
		_, err := svc.Upload(f.ctx, f.alice, blocklist.UploadRequest{File: &failingReader{data: file.String(), err: errRead},
			Reason: "dnc_list", AllOrNothing: true})
		if !errors.Is(err, errRead) {
			t.Errorf("all or nothing: %v, want the read error", err)
		}
		if len(f.entries()) != 0 || f.eventCount() != mark {
			t.Fatal("all-or-nothing upload that failed left entries or events")
		}

		// Batched: the lines read before the error stay, one event a batch.
		res, err := svc.Upload(f.ctx, f.alice, blocklist.UploadRequest{File: &failingReader{data: file.String(), err: errRead}, Reason: "dnc_list"})
		if !errors.Is(err, errRead) {
			t.Errorf("batched: %v, want the read error", err)
		}
		if res.LastLine < batch || res.Blocked != len(f.entries()) || res.Blocked != res.Rows || res.Rows != res.LastLine {
			t.Errorf("batched result = %+v with %d entries: want every line before the error blocked", res, len(f.entries()))
		}
		if got, want := len(f.eventsSince(mark)), (res.Blocked+batch-1)/batch; got != want {
			t.Errorf("%d events for %d blocked in batches of %d, want %d", got, res.Blocked, batch, want)
		}

		// A ctx cancelled after the first batch: that batch stays.
		g := newFixture(t, f.store) // another organisation, without entries
		svc = blocklist.New(g.store, g.log, &blocklist.Options{Now: g.clock.Now, BatchSize: batch})
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		res, err = svc.Upload(ctx, g.alice, blocklist.UploadRequest{File: strings.NewReader(file.String()), Reason: "dnc_list",
			Progress: func(blocklist.UploadResult) { cancel() }})
		if !errors.Is(err, context.Canceled) || res.LastLine != batch || res.Blocked != batch || len(g.entries()) != batch {
			t.Errorf("cancelled upload = %+v, %v with %d entries; want the first batch, context.Canceled", res, err, len(g.entries()))
		}

		for _, c := range []struct {
			name string
			req  blocklist.UploadRequest
			want error
		}{
			{"binary", blocklist.UploadRequest{File: strings.NewReader("PK\x03\x04\x00\x00\x00\x00binary"), Reason: "r"}, csvimport.ErrBinary},
			{"no reason", blocklist.UploadRequest{File: strings.NewReader("20123456")}, lp.ErrInvalidArgument},
			{"past expiry", blocklist.UploadRequest{File: strings.NewReader("20123456"), Reason: "r", ExpiresAt: start}, lp.ErrInvalidArgument},
			{"free-text reason", blocklist.UploadRequest{File: strings.NewReader("20123456"), Reason: "Asked Mr Jensen"}, lp.ErrInvalidArgument},
			{"no file", blocklist.UploadRequest{Reason: "r"}, lp.ErrInvalidArgument},
		} {
			before, mark := len(f.entries()), f.eventCount()
			if _, err := f.svc.Upload(f.ctx, f.alice, c.req); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
			if len(f.entries()) != before || f.eventCount() != mark {
				t.Errorf("%s: wrote", c.name)
			}
		}
	})
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUploadIDsFollowTheFile checks that new entries get ids in upload
// order (time-ordered, uuid v7): a batch's rows then land on the last
// pages of the primary key instead of a random page each.
func TestUploadIDsFollowTheFile(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		var file strings.Builder
		var want []phone.Number
		for i := range 7 { // three batches of batchSize
			n := phone.Number("+452000000" + strconv.Itoa(i))
			file.WriteString(string(n) + "\n")
			want = append(want, n)
		}
		if _, err := f.svc.Upload(f.ctx, f.blocker, blocklist.UploadRequest{File: strings.NewReader(file.String()), Reason: "dnc_list"}); err != nil {
			t.Fatal(err)
		}
		var got []phone.Number
		for _, e := range f.entries() { // in id order
			got = append(got, e.Number)
			if e.ID.Version() != 7 {
				t.Errorf("entry id %s is uuid version %d, want 7", e.ID, e.ID.Version())
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("numbers in id order = %v, want the file's order %v", got, want)
		}
	})
}
