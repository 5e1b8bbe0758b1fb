package csvimport_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

// readNumbers reads input as a DK number list and returns the rows and
// errors in order, as strings, so tests compare whole outputs.
func readNumbers(t *testing.T, input string, opts csvimport.NumberOptions) (rows []csvimport.NumberRow, errs []error) {
	t.Helper()
	if opts.Region == "" {
		opts.Region = "DK"
	}
	nr, err := csvimport.NewNumberReader(strings.NewReader(input), opts)
	if err != nil {
		t.Fatalf("NewNumberReader: %v", err)
	}
	for row, err := range nr.All() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// lineErr asserts err is a *LineError at line/column wrapping target.
func lineErr(t *testing.T, err error, line, column int, target error, fatal bool) *csvimport.LineError {
	t.Helper()
	var le *csvimport.LineError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not a *LineError", err, err)
	}
	if le.Line != line || le.Column != column || le.Fatal != fatal || !errors.Is(err, target) {
		t.Fatalf("error %v = %+v, want line %d column %d fatal %v wrapping %v", err, le, line, column, fatal, target)
	}
	return le
}

func TestNumbersDNCUpload(t *testing.T) {
	// Scenario 1: Excel export, no header, spaces, a typo, blank lines, a
	// repeated number.
	input := "+45 20 12 34 56\r\n31 23 45 67\r\n\r\n2012345x\r\n   \r\n20 12 34 56\r\n"
	rows, errs := readNumbers(t, input, csvimport.NumberOptions{})
	want := []csvimport.NumberRow{
		{Line: 1, Column: 1, Number: "+4520123456"},
		{Line: 2, Column: 1, Number: "+4531234567"},
		{Line: 6, Column: 1, Number: "+4520123456", Duplicate: true, FirstLine: 1},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	if len(errs) != 1 {
		t.Fatalf("errors = %v", errs)
	}
	le := lineErr(t, errs[0], 4, 1, leadprivacy.ErrInvalidPhone, false)
	if le.Value != phone.MaskInput("2012345x") {
		t.Errorf("value = %q, want the masked input", le.Value)
	}
	if !strings.HasPrefix(le.Error(), `leadprivacy: line 4, column 1 (value "`+le.Value+`"): invalid phone number`) {
		t.Errorf("message = %q", le.Error())
	}
	if strings.Contains(le.Error(), "2012345") {
		t.Errorf("message %q shows the raw value", le.Error())
	}
}

func TestNumbersHeaderAndColumns(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		opts   csvimport.NumberOptions
		header bool
		cols   []int
		want   []phone.Number
	}{
		{"named phone columns", "id;Name;Mobile;Phone 2\n1;Ann;20123456;31234567\n", csvimport.NumberOptions{}, true, []int{3, 4}, []phone.Number{"+4520123456", "+4531234567"}},
		{"numbered short names", "id,Tel 1,Nummer 2\n1001,20123456,31234567\n", csvimport.NumberOptions{}, true, []int{2, 3}, []phone.Number{"+4520123456", "+4531234567"}},
		{"header without phone name", "Blocked\n20123456\n", csvimport.NumberOptions{}, true, []int{1}, []phone.Number{"+4520123456"}},
		{"no header, guessed column", "1001,20123456\n1002,31234567\n", csvimport.NumberOptions{}, false, []int{2}, []phone.Number{"+4520123456", "+4531234567"}},
		{"header without phone name, guessed column", "id,who\n1001,20123456\n", csvimport.NumberOptions{}, true, []int{2}, []phone.Number{"+4520123456"}},
		{"caller's column", "20123456,31234567\n", csvimport.NumberOptions{Columns: []int{2}}, false, []int{2}, []phone.Number{"+4531234567"}},
		{"only a header", "Phone\n", csvimport.NumberOptions{}, true, []int{1}, nil},
		{"empty", "", csvimport.NumberOptions{}, false, []int{1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Region = "DK"
			nr, err := csvimport.NewNumberReader(strings.NewReader(tt.input), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if (nr.Format().Header != nil) != tt.header {
				t.Errorf("header = %q", nr.Format().Header)
			}
			if got := nr.Columns(); !equal(got, tt.cols) {
				t.Errorf("columns = %v, want %v", got, tt.cols)
			}
			var got []phone.Number
			for row, err := range nr.All() {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, row.Number)
			}
			if !equal(got, tt.want) {
				t.Errorf("numbers = %v, want %v", got, tt.want)
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNumbersRowErrors(t *testing.T) {
	// A row with data but an empty number cell is reported, not skipped.
	_, errs := readNumbers(t, "id,phone\n1,20123456\n2,\n", csvimport.NumberOptions{})
	if len(errs) != 1 {
		t.Fatalf("errors = %v", errs)
	}
	le := lineErr(t, errs[0], 3, 2, csvimport.ErrNoPhone, false)
	if le.Error() != "leadprivacy: line 3, column 2: no phone number" {
		t.Errorf("message = %q", le.Error())
	}
}

func TestNumbersStopOnError(t *testing.T) {
	rows, errs := readNumbers(t, "20123456\nnope1\n31234567\n", csvimport.NumberOptions{Options: csvimport.Options{StopOnError: true}})
	if len(rows) != 1 || len(errs) != 1 {
		t.Fatalf("rows %v errs %v", rows, errs)
	}
	lineErr(t, errs[0], 2, 1, leadprivacy.ErrInvalidPhone, true)
}

func TestNumbersConsumerStops(t *testing.T) {
	nr, err := csvimport.NewNumberReader(strings.NewReader("20123456\n31234567\n"), csvimport.NumberOptions{Options: csvimport.Options{Region: "DK"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range nr.All() {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("yielded %d after break", n)
	}
	for _, err := range nr.All() {
		if err == nil || !strings.Contains(err.Error(), "already read") {
			t.Fatalf("second All: %v", err)
		}
	}
}

func TestNumbersOptionsValidation(t *testing.T) {
	for _, opts := range []csvimport.NumberOptions{
		{Options: csvimport.Options{Region: "XX"}},
		{Options: csvimport.Options{Comma: '"'}},
		{Options: csvimport.Options{MaxRows: -1}},
		{Columns: []int{0}},
	} {
		if _, err := csvimport.NewNumberReader(strings.NewReader("1"), opts); !errors.Is(err, leadprivacy.ErrInvalidArgument) {
			t.Errorf("%+v: err = %v, want ErrInvalidArgument", opts, err)
		}
	}
}

func TestNumbersFatal(t *testing.T) {
	tests := []struct {
		name         string
		input        string
		opts         csvimport.Options
		rows         int
		line, column int
		target       error
	}{
		{"unterminated quote", "20123456\n\"31234567\n20123499\n", csvimport.Options{}, 1, 2, 1, csvimport.ErrUnterminatedQuote},
		{"too many rows", "20123456\n31234567\n20123499\n", csvimport.Options{MaxRows: 2}, 2, 3, 0, csvimport.ErrTooManyRows},
		{"too many columns", "20123456\n1,2,3,4\n", csvimport.Options{MaxColumns: 3}, 1, 2, 4, csvimport.ErrTooManyColumns},
		{"line too long", "20123456\n" + strings.Repeat("9", 100) + "\n", csvimport.Options{MaxLineBytes: 50}, 1, 2, 1, csvimport.ErrLineTooLong},
		{"NUL after the prefix", "20123456\n" + strings.Repeat("31234567\n", 10000) + "1\x002\n", csvimport.Options{}, 10001, 10002, 1, csvimport.ErrBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs := readNumbers(t, tt.input, csvimport.NumberOptions{Options: tt.opts})
			if len(rows) != tt.rows || len(errs) != 1 {
				t.Fatalf("%d rows, errors %v", len(rows), errs)
			}
			lineErr(t, errs[0], tt.line, tt.column, tt.target, true)
		})
	}
}

func TestNumbersBinary(t *testing.T) {
	for name, input := range map[string]string{
		"xlsx":     "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
		"controls": strings.Repeat("\x01\x02\x03\x04abc", 50),
	} {
		_, err := csvimport.NewNumberReader(strings.NewReader(input), csvimport.NumberOptions{})
		if !errors.Is(err, csvimport.ErrBinary) {
			t.Errorf("%s: err = %v, want ErrBinary", name, err)
		}
	}
}

func TestDetectComma(t *testing.T) {
	tests := []struct {
		input string
		want  rune
	}{
		// Decimal commas in every row, but the header has none.
		{"name;size;phone\nA;3,5;20123456\nB;4,5;31234567\n", ';'},
		{"phone\n20123456\n", ','},
		{"a|b\n1|20123456\n", '|'},
		{"a\tb\n1\t20123456\n", '\t'},
		// A quoted delimiter does not count.
		{"\"a;b\",c\n\"x;y\",20123456\n", ','},
	}
	for _, tt := range tests {
		nr, err := csvimport.NewNumberReader(strings.NewReader(tt.input), csvimport.NumberOptions{Options: csvimport.Options{Region: "DK"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := nr.Format().Comma; got != tt.want {
			t.Errorf("%q: comma %q, want %q", tt.input, got, tt.want)
		}
	}
}

func TestScannerQuoting(t *testing.T) {
	// Lenient quoting as Excel writes and reads it, and CR-only line ends.
	tmpl := leadprivacy.CampaignTemplate{Fields: []leadprivacy.TemplateField{{Key: "note"}}}
	input := "phone,note\r" +
		"20123456,say \"hi\"\r" + // bare quotes kept
		"31234567,\"a\"\"b\"c\r" + // doubled quote, text after closing quote
		"20123499,\"x\r\ny\rz\"\r" + // line breaks in quotes become \n
		"20123498,\"\"\r"
	lr, err := csvimport.NewLeadReader(strings.NewReader(input), tmpl, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	var lines []int
	for d, err := range lr.All() {
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, d.Fields["note"])
		lines = append(lines, d.Line)
	}
	if want := []string{`say "hi"`, `a"bc`, "x\ny\nz", ""}; !equal(notes, want) {
		t.Errorf("notes = %q, want %q", notes, want)
	}
	if want := []int{2, 3, 4, 7}; !equal(lines, want) {
		t.Errorf("lines = %v, want %v", lines, want)
	}
}

func TestNumbersDuplicatesAcrossGrowth(t *testing.T) {
	// Enough distinct numbers to grow the duplicate table several times.
	const n = 5000
	var b strings.Builder
	for range 2 {
		for i := range n {
			fmt.Fprintf(&b, "%d\n", 20000000+i*7)
		}
	}
	rows, errs := readNumbers(t, b.String(), csvimport.NumberOptions{})
	if len(errs) != 0 || len(rows) != 2*n {
		t.Fatalf("%d rows, errors %v", len(rows), errs)
	}
	for i, r := range rows {
		first := i < n
		if r.Duplicate == first || (!first && r.FirstLine != i-n+1) {
			t.Fatalf("row %d = %+v", i, r)
		}
	}
}

func TestNumbersJoin(t *testing.T) {
	// The US registry's "area code,number" layout: one number per row,
	// split over two columns. A row missing its line number is invalid,
	// not taken as a short number; a row of empty cells is a blank line.
	input := "area_code,phone\r\n201,5551234\r\n 212 , 555 0100 \r\n303,\r\n,\r\n201,5551234\r\n"
	rows, errs := readNumbers(t, input, csvimport.NumberOptions{Options: csvimport.Options{Region: "US"}, Columns: []int{1, 2}, Join: true})
	want := []csvimport.NumberRow{
		{Line: 2, Column: 1, Number: "+12015551234"},
		{Line: 3, Column: 1, Number: "+12125550100"},
		{Line: 6, Column: 1, Number: "+12015551234", Duplicate: true, FirstLine: 2},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows = %+v, want %+v", rows, want)
	}
	if len(errs) != 1 {
		t.Fatalf("errors = %v", errs)
	}
	lineErr(t, errs[0], 4, 1, leadprivacy.ErrInvalidPhone, false)

	// Without Join the same file is two columns of short numbers.
	rows, _ = readNumbers(t, "201,5551234\n", csvimport.NumberOptions{Options: csvimport.Options{Region: "US"}, Columns: []int{1, 2}})
	for _, r := range rows {
		if r.Number == "+12015551234" {
			t.Fatalf("joined without Join: %+v", rows)
		}
	}

	if _, err := csvimport.NewNumberReader(strings.NewReader(""), csvimport.NumberOptions{Columns: []int{1}, Join: true}); !errors.Is(err, leadprivacy.ErrInvalidArgument) {
		t.Fatalf("Join with one column: %v", err)
	}
}

func TestNumbersTPSFixedWidth(t *testing.T) {
	// TPS full files: the dialling code left-justified in 5 characters,
	// the rest right-justified in 7, CR LF; or the whole number in 12.
	// Each line is one number, never two tokens.
	input := "0207 3787244\r\n01635 506160\r\n07860 338653\r\n02073787245 \r\n"
	rows, errs := readNumbers(t, input, csvimport.NumberOptions{Options: csvimport.Options{Region: "GB"}})
	if len(errs) != 0 {
		t.Fatalf("errors = %v", errs)
	}
	var got []string
	for _, r := range rows {
		got = append(got, string(r.Number))
	}
	if want := "[+442073787244 +441635506160 +447860338653 +442073787245]"; fmt.Sprint(got) != want {
		t.Fatalf("numbers = %v, want %s", got, want)
	}
}

func TestNumbersNoDuplicateTable(t *testing.T) {
	input := "20123456\n20123456\n"
	rows, _ := readNumbers(t, input, csvimport.NumberOptions{NoDuplicateTable: true})
	if len(rows) != 2 || rows[1].Duplicate || rows[1].FirstLine != 0 || rows[1].Number != "+4520123456" {
		t.Fatalf("rows = %+v, want the repeat delivered as a plain row", rows)
	}
	rows, _ = readNumbers(t, input, csvimport.NumberOptions{})
	if !rows[1].Duplicate {
		t.Fatalf("rows = %+v: the default finds the repeat", rows)
	}
}
