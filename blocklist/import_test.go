package blocklist_test

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

const leadsCSV = `First name;Phone;Mobile
Anna;+45 20 12 34 99;
Bo;20 12 34 56;
Carl;70 70 70 70;31 23 45 67
Dorte;7x 70 70 71;
Eva;60 60 60 60;
Finn;20 12 34 99;
Gitte;;
Hans;40404040;
`

var leadsTemplate = lp.CampaignTemplate{Name: "Energy", Fields: []lp.TemplateField{{Key: "first_name", Label: "First name", Personal: true}}}

// importFixture blocks and suppresses the numbers leadsCSV meets.
func importFixture(f *fixture) {
	f.block(blocklist.BlockRequest{Number: "20123456"})
	f.block(blocklist.BlockRequest{Number: "31234567", ProjectID: f.energy.ID})
	f.block(blocklist.BlockRequest{Number: "40404040", ProjectID: f.insure.ID})
	f.suppress("+4560606060")
}

func leadReader(t *testing.T) iter.Seq2[csvimport.LeadDraft, error] {
	t.Helper()
	r, err := csvimport.NewLeadReader(strings.NewReader(leadsCSV), leadsTemplate, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.All()
}

func TestCheckImport(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		importFixture(f)
		for _, c := range []struct {
			keep     bool
			outcomes []blocklist.Outcome
			carl     []phone.Number
			counts   blocklist.CheckImportResult
		}{
			{false,
				[]blocklist.Outcome{blocklist.Allowed, blocklist.Blocked, blocklist.Blocked, blocklist.Invalid, blocklist.Suppressed, blocklist.Duplicate, blocklist.Invalid, blocklist.Allowed},
				nil,
				blocklist.CheckImportResult{Checked: 8, Accepted: 2, RejectedBlocked: 2, RejectedSuppressed: 1, Invalid: 2, Duplicate: 1}},
			{true,
				[]blocklist.Outcome{blocklist.Allowed, blocklist.Blocked, blocklist.Allowed, blocklist.Invalid, blocklist.Suppressed, blocklist.Duplicate, blocklist.Invalid, blocklist.Allowed},
				[]phone.Number{"+4570707070"},
				blocklist.CheckImportResult{Checked: 8, Accepted: 3, RejectedBlocked: 1, RejectedSuppressed: 1, Invalid: 2, Duplicate: 1}},
		} {
			var got []blocklist.LeadVerdict
			mark := f.eventCount()
			res, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: leadReader(t), KeepCallable: c.keep,
				OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			if res != c.counts {
				t.Errorf("keep=%v: counts %+v, want %+v", c.keep, res, c.counts)
			}
			var outcomes []blocklist.Outcome
			for _, v := range got {
				outcomes = append(outcomes, v.Outcome)
			}
			if !slices.Equal(outcomes, c.outcomes) {
				t.Fatalf("keep=%v: outcomes %v, want %v", c.keep, outcomes, c.outcomes)
			}
			if !slices.Equal(got[2].Phones, c.carl) {
				t.Errorf("keep=%v: Carl's phones %v, want %v", c.keep, got[2].Phones, c.carl)
			}
			carl := got[2].Numbers
			if len(carl) != 2 || carl[0].Outcome != blocklist.Allowed || carl[1].Outcome != blocklist.Blocked || carl[1].Block.ProjectID != f.energy.ID {
				t.Errorf("Carl's numbers = %+v", carl)
			}
			if !slices.Equal(got[0].Phones, []phone.Number{"+4520123499"}) || got[0].Lead.Fields["first_name"] != "Anna" || got[0].Lead.Line != 2 {
				t.Errorf("Anna = %+v", got[0])
			}
			var le *csvimport.LineError
			if !errors.As(got[3].Err, &le) || le.Line != 5 || !errors.Is(got[3].Err, lp.ErrInvalidPhone) {
				t.Errorf("Dorte's error = %v", got[3].Err)
			}
			if !errors.Is(got[6].Err, csvimport.ErrNoPhone) {
				t.Errorf("Gitte's error = %v", got[6].Err)
			}
			evs := f.eventsSince(mark)
			if len(evs) != 1 || evs[0].Action != audit.ActionImportChecked || evs[0].ProjectID != f.energy.ID {
				t.Fatalf("events = %+v", evs)
			}
			wantDetails := map[string]string{"checked": "8", "accepted": strconv.Itoa(c.counts.Accepted), "rejected_blocked": strconv.Itoa(c.counts.RejectedBlocked),
				"rejected_registered": "0", "rejected_suppressed": "1", "invalid": "2"}
			if !maps.Equal(evs[0].Details, wantDetails) {
				t.Errorf("details = %v, want %v", evs[0].Details, wantDetails)
			}
		}
	})
}

// TestRejectedLeadClaimsNoNumber checks that the callable numbers of a
// rejected lead (beside a blocked number, or repeated in the lead) are
// not taken for duplicates in a later lead, in the same batch or the
// next, while an accepted lead's are.
func TestRejectedLeadClaimsNoNumber(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.block(blocklist.BlockRequest{Number: "20123456"})
		leads := [][]phone.Number{
			{"31000001", "20123456"}, // blocked
			{"31000001"},             // allowed: lead 1 claimed nothing
			{"31000002", "31000002"}, // duplicate within the lead
			{"31000003"},
			{"31000002"}, // allowed, in the next batch
			{"31000003"}, // duplicate of lead 4
		}
		want := []blocklist.Outcome{blocklist.Blocked, blocklist.Allowed, blocklist.Duplicate, blocklist.Allowed, blocklist.Allowed, blocklist.Duplicate}
		var got []blocklist.Outcome
		res, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID,
			Leads: func(yield func(csvimport.LeadDraft, error) bool) {
				for _, ph := range leads {
					if !yield(csvimport.LeadDraft{Phones: ph}, nil) {
						return
					}
				}
			},
			OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v.Outcome); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		if w := (blocklist.CheckImportResult{Checked: 6, Accepted: 3, RejectedBlocked: 1, Duplicate: 2}); res != w {
			t.Errorf("counts %+v, want %+v", res, w)
		}
	})
}

// TestCheckImportStreams checks that verdicts arrive while the input is
// still being read, a batch at a time, with the reading at most two
// batches ahead of the check, and that a host's own sequence with typed
// numbers works.
func TestCheckImportStreams(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.block(blocklist.BlockRequest{Number: "20123456"})
		const total = 4*batchSize + 1
		var pulled atomic.Int64 // the sequence runs on a goroutine of its own
		leads := func(yield func(csvimport.LeadDraft, error) bool) {
			for i := range total {
				pulled.Add(1)
				d := csvimport.LeadDraft{Phones: []phone.Number{phone.Number(fmt.Sprintf("31 00 00 %02d", i))}}
				if i == 5 {
					d.Phones = []phone.Number{"20 12 34 56", "31 99 99 99", "31 99 99 99"}
				}
				if i == 7 {
					d.Phones = []phone.Number{"12"}
				}
				if !yield(d, nil) {
					return
				}
			}
		}
		var pulledAt []int
		var got []blocklist.LeadVerdict
		res, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: leads, KeepCallable: true,
			OnVerdict: func(v blocklist.LeadVerdict) error {
				pulledAt = append(pulledAt, int(pulled.Load()))
				got = append(got, v)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != total || res.Accepted != total-1 || res.Invalid != 1 {
			t.Errorf("counts = %+v", res)
		}
		for i, p := range pulledAt {
			if lo, hi := min((i/batchSize+1)*batchSize, total), min((i/batchSize+3)*batchSize, total); p < lo || p > hi {
				t.Errorf("verdict %d delivered after %d leads were read, want %d to %d (its batch, at most two ahead)", i, p, lo, hi)
			}
		}
		if v := got[5]; !slices.Equal(v.Phones, []phone.Number{"+4531999999"}) || v.Numbers[0].Outcome != blocklist.Blocked || v.Numbers[2].Outcome != blocklist.Duplicate {
			t.Errorf("lead 6 = %+v", v)
		}
		if v := got[7]; v.Outcome != blocklist.Invalid || !strings.Contains(v.Numbers[0].Err.Error(), "lead 8 phone 1") {
			t.Errorf("lead 8 = %+v (%v)", v, v.Numbers[0].Err)
		}
	})
}

func TestCheckImportStopsOnFatalError(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		errDisk := errors.New("disk gone")
		leads := func(yield func(csvimport.LeadDraft, error) bool) {
			if !yield(csvimport.LeadDraft{Line: 2, Phones: []phone.Number{"+4531000000"}}, nil) {
				return
			}
			yield(csvimport.LeadDraft{}, errDisk)
		}
		var n int
		mark := f.eventCount()
		_, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: leads,
			OnVerdict: func(blocklist.LeadVerdict) error { n++; return nil }})
		if !errors.Is(err, errDisk) || n != 1 {
			t.Errorf("err = %v after %d verdicts, want the sequence's error after 1", err, n)
		}
		if f.eventCount() != mark {
			t.Error("a failed CheckImport recorded an event")
		}
		r, err := csvimport.NewLeadReader(strings.NewReader("Phone\n20123456\n\x00\x00\x00"), leadsTemplate, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
		if err == nil {
			_, err = f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: r.All()})
		}
		if !errors.Is(err, csvimport.ErrBinary) {
			t.Errorf("binary file: %v, want ErrBinary", err)
		}
	})
}
