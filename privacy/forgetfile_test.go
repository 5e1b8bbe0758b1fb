package privacy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/privacy"
)

// forgetCSV is a list of numbers to forget, with a header, a typo, the
// subject's second number (whose lead line 2 forgot), a duplicate, the
// held lead's number and, in the second batch of three numbers, a number
// without leads.
const forgetCSV = "phone\n+45 20 12 34 99\n20 12 34 9x\n+45 31 23 45 00\n0045 20 12 34 99\n40 40 40 40\n+45 99 88 77 66\n"

// ForgetFile reports every line, forgets per batch with the events of
// ForgetNumber, skips held leads and never reaches another organisation.
func TestForgetFile(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		if _, err := f.svc.SetLegalHold(f.ctx, f.alice, privacy.HoldRequest{LeadID: f.otherLead.ID}); err != nil {
			t.Fatal(err)
		}
		mark := f.eventCount(f.org.ID)
		var lines []string
		var progress []int
		res, err := f.svc.ForgetFile(f.ctx, f.alice, strings.NewReader(forgetCSV), privacy.BulkForgetOptions{
			ForgetOptions: privacy.ForgetOptions{Suppress: true, Reason: "customer_request"},
			OnLine: func(l privacy.BulkLine) error {
				s := fmt.Sprintf("%d %s %d/%d", l.Line, l.Outcome, l.Forgotten, l.Held)
				var le *csvimport.LineError
				if l.Outcome == privacy.BulkInvalid && (!errors.As(l.Err, &le) || le.Line != 3 || le.Column != 1) {
					t.Errorf("invalid line's error %v, want a LineError at line 3, column 1", l.Err)
				}
				lines = append(lines, s)
				return nil
			},
			Progress: func(r privacy.BulkResult) { progress = append(progress, r.LastLine) },
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"2 forgotten 2/0", "3 invalid 0/0", "4 no_leads 0/0", "5 duplicate 0/0", "6 held 0/1", "7 no_leads 0/0"}
		if !slices.Equal(lines, want) {
			t.Fatalf("lines\n%q\nwant\n%q", lines, want)
		}
		wantRes := privacy.BulkResult{ReceiptID: res.ReceiptID, Rows: 6, Numbers: 4, Duplicates: 1, Invalid: 1, NoLeads: 2,
			Forgotten: 2, Held: 1, Suppressed: 2, LastLine: 7}
		if res != wantRes || !slices.Equal(progress, []int{6, 7}) {
			t.Fatalf("result %+v progress %v\nwant %+v after lines 6 and 7", res, progress, wantRes)
		}
		f.assertForgotten(f.energyLead, f.energyCalls)
		f.assertForgotten(f.insureLead, f.insureCall)
		f.assertUntouched(f.otherLead)
		f.assertUntouched(f.daveLead)
		evs := f.eventsSince(f.org.ID, mark)
		wantActions := []lp.Action{audit.ActionLeadForgotten, audit.ActionLeadForgotten, audit.ActionNumberSuppressed, audit.ActionNumberSuppressed}
		if !slices.Equal(actions(evs), wantActions) || evs[0].ObjectID != res.ReceiptID {
			t.Fatalf("events %v (receipt %s), want %v under receipt %s", actions(evs), evs[0].ObjectID, wantActions, res.ReceiptID)
		}
	})
}

// A cancelled ctx or an OnLine error ends ForgetFile after the batch it
// happened in; the batches before stay committed.
func TestForgetFileStops(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		file := "+4540404040\n+4599887766\n+4599887765\n+4520123499\n"
		res, err := f.svc.ForgetFile(ctx, f.alice, strings.NewReader(file), privacy.BulkForgetOptions{
			Progress: func(privacy.BulkResult) { cancel() },
		})
		if !errors.Is(err, context.Canceled) || res.LastLine != 3 || res.Forgotten != 1 {
			t.Fatalf("cancelled ForgetFile: %+v, %v; want the first batch (line 3) kept and context.Canceled", res, err)
		}
		f.assertUntouched(f.energyLead)
		if l := f.lead(f.org.ID, f.otherLead.ID); !l.Forgotten() {
			t.Fatal("the first batch's lead was not forgotten")
		}
		stop := errors.New("stop")
		_, err = f.svc.ForgetFile(f.ctx, f.alice, strings.NewReader(file), privacy.BulkForgetOptions{
			OnLine: func(privacy.BulkLine) error { return stop },
		})
		if !errors.Is(err, stop) {
			t.Fatalf("ForgetFile with a failing OnLine: %v", err)
		}
	})
}
