package csvimport_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":          "'=1+1",
		"+4520123456":   "'+4520123456",
		"-2":            "'-2",
		"@SUM(A1)":      "'@SUM(A1)",
		"\tx":           "'\tx",
		"\rx":           "'\rx",
		"＝1":            "'＝1",
		"":              "",
		"20 12":         "20 12",
		"'already text": "'already text",
	} {
		if got := csvimport.Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteRejectionsRoundTrip(t *testing.T) {
	rs := []csvimport.Rejection{
		{Line: 2, Column: 1, Value: "+4520123456", Reason: "blocked org-wide"},
		{Line: 9, Column: 1, Value: "+4531234567", Reason: "=HYPERLINK(\"http://x\")"},
		csvimport.RejectionOf(&csvimport.LineError{Line: 12, Column: 1, Value: phone.MaskInput("2012x"), Err: csvimport.ErrNoPhone}),
	}
	var buf bytes.Buffer
	if err := csvimport.WriteRejections(&buf, slices.Values(rs), &csvimport.ReportOptions{Comma: ';'}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeffline;column;value;reason\r\n2;1;'+4520123456;blocked org-wide\r\n") {
		t.Errorf("report = %q", out)
	}
	// No cell may start a formula when Excel opens it.
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would be a formula", cell)
			}
		}
	}
	if recs[3][3] != "no phone number" {
		t.Errorf("reason = %q", recs[3][3])
	}
	// Our own E.164 values read back unchanged.
	nr, err := csvimport.NewNumberReader(strings.NewReader(out), csvimport.NumberOptions{Columns: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	var got []phone.Number
	for row, err := range nr.All() {
		if err == nil {
			got = append(got, row.Number)
		}
	}
	if want := []phone.Number{"+4520123456", "+4531234567"}; !equal(got, want) {
		t.Errorf("read back %v, want %v", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteRejectionsWriteError(t *testing.T) {
	if err := csvimport.WriteRejections(failWriter{}, slices.Values([]csvimport.Rejection{{Line: 1}}), nil); err == nil {
		t.Fatal("write error not returned")
	}
}
