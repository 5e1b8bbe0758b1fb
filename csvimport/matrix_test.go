package csvimport_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

// matrixRows are the golden rows: a name with letters outside ASCII (so a
// Windows-1252 file is not valid UTF-8) and a number in a shape a
// spreadsheet produces, with its exact E.164 form for region DK.
var matrixRows = []struct{ name, number, want string }{
	{"Søren", "+45 20 12 34 56", "+4520123456"},
	{"Åse Ærø", "31 23 45 67", "+4531234567"},
	{"Zoë", "0045 20 12 34 99", "+4520123499"},
	{"Renée", "＋４５ ２０ １２ ３４ ５５", "+4520123455"},
	{"José", "'+4520123454", "+4520123454"},
	{"Bjørn", "+45 20 12 34 56", "+4520123456"}, // duplicate of the first
}

type matrixCase struct {
	enc     string
	comma   string
	eol     string
	header  bool
	quoted  bool
	lastEOL bool
}

func (c matrixCase) String() string {
	return fmt.Sprintf("%s/%q/%q/header=%v/quoted=%v/lastEOL=%v", c.enc, c.comma, c.eol, c.header, c.quoted, c.lastEOL)
}

// build renders the case as bytes, with the line each data row starts on
// and the name each row carries after decoding.
func (c matrixCase) build(t *testing.T) (data []byte, lines []int, names []string) {
	var b strings.Builder
	line := 1
	if c.header {
		b.WriteString("Navn" + c.comma + "Telefon nr." + c.eol)
		line++
	}
	for i, r := range matrixRows {
		name := r.name
		if c.quoted && i%2 == 0 {
			// A delimiter, a doubled quote and a line break inside quotes.
			name = r.name + c.comma + ` "x"` + c.eol + "y"
		}
		if i > 0 {
			b.WriteString(c.eol)
		}
		lines = append(lines, line)
		if c.quoted {
			b.WriteString(`"` + strings.ReplaceAll(name, `"`, `""`) + `"` + c.comma + `"` + r.number + `"`)
		} else {
			b.WriteString(name + c.comma + r.number)
		}
		name = strings.ReplaceAll(strings.ReplaceAll(name, "\r\n", "\n"), "\r", "\n")
		names = append(names, name)
		line += strings.Count(name, "\n") + 1
	}
	if c.lastEOL {
		b.WriteString(c.eol)
	}
	s := b.String()
	var err error
	switch c.enc {
	case "UTF-8":
		data = []byte(s)
	case "UTF-8 BOM":
		data = []byte("\ufeff" + s)
	case "UTF-16LE":
		s, err = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
		data = []byte(s)
	case "UTF-16BE":
		s, err = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(s)
		data = []byte(s)
	case "Windows-1252":
		// Fullwidth digits do not exist in Windows-1252: use ASCII there.
		s = strings.ReplaceAll(s, matrixRows[3].number, "+45 20 12 34 55")
		s, err = charmap.Windows1252.NewEncoder().String(s)
		data = []byte(s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data, lines, names
}

func matrixCases() []matrixCase {
	var cases []matrixCase
	for _, enc := range []string{"UTF-8", "UTF-8 BOM", "UTF-16LE", "UTF-16BE", "Windows-1252"} {
		for _, comma := range []string{",", ";", "\t", "|"} {
			for _, eol := range []string{"\n", "\r\n", "\r"} {
				for _, header := range []bool{false, true} {
					for _, quoted := range []bool{false, true} {
						for _, lastEOL := range []bool{false, true} {
							cases = append(cases, matrixCase{enc, comma, eol, header, quoted, lastEOL})
						}
					}
				}
			}
		}
	}
	return cases
}

// TestMatrixNumbers reads every combination of encoding, delimiter, line
// ending, header, quoting and final line ending as a number list and
// checks the exact E.164 output, lines, columns and duplicate report.
func TestMatrixNumbers(t *testing.T) {
	for _, c := range matrixCases() {
		t.Run(c.String(), func(t *testing.T) {
			data, lines, _ := c.build(t)
			nr, err := csvimport.NewNumberReader(strings.NewReader(string(data)), csvimport.NumberOptions{Options: csvimport.Options{Region: "DK"}})
			if err != nil {
				t.Fatal(err)
			}
			f := nr.Format()
			wantEnc := strings.TrimSuffix(c.enc, " BOM")
			if f.Encoding != wantEnc || f.BOM != (c.enc != "UTF-8" && c.enc != "Windows-1252") || string(f.Comma) != c.comma {
				t.Errorf("format = %+v", f)
			}
			if (f.Header != nil) != c.header {
				t.Errorf("header = %q, want header %v", f.Header, c.header)
			}
			if got := nr.Columns(); !slices.Equal(got, []int{2}) {
				t.Errorf("columns = %v, want [2]", got)
			}
			var got []csvimport.NumberRow
			for row, err := range nr.All() {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				got = append(got, row)
			}
			if len(got) != len(matrixRows) {
				t.Fatalf("got %d rows, want %d: %+v", len(got), len(matrixRows), got)
			}
			for i, r := range matrixRows {
				want := csvimport.NumberRow{Line: lines[i], Column: 2, Number: phone.Number(r.want)}
				if i == len(matrixRows)-1 {
					want.Duplicate, want.FirstLine = true, lines[0]
				}
				if got[i] != want {
					t.Errorf("row %d = %+v, want %+v", i, got[i], want)
				}
			}
		})
	}
}

// TestMatrixLeads reads the header variants of the matrix as lead files:
// names must come through decoded exactly (quotes, delimiters and line
// breaks inside quoted fields included), numbers as E.164.
func TestMatrixLeads(t *testing.T) {
	tmpl := leadprivacy.CampaignTemplate{Fields: []leadprivacy.TemplateField{{Key: "name", Label: "Navn", Personal: true}}}
	for _, c := range matrixCases() {
		if !c.header {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			data, lines, names := c.build(t)
			lr, err := csvimport.NewLeadReader(strings.NewReader(string(data)), tmpl, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
			if err != nil {
				t.Fatal(err)
			}
			if u := lr.Unknown(); len(u) != 0 {
				t.Errorf("unknown columns %+v", u)
			}
			i := 0
			for d, err := range lr.All() {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				r := matrixRows[i]
				want := csvimport.LeadDraft{Line: lines[i], Phones: []phone.Number{phone.Number(r.want)}, Fields: map[string]string{"name": names[i]}}
				if d.Line != want.Line || !slices.Equal(d.Phones, want.Phones) || !maps.Equal(d.Fields, want.Fields) {
					t.Errorf("draft %d = %+v, want %+v", i, d, want)
				}
				i++
			}
			if i != len(matrixRows) {
				t.Errorf("got %d drafts, want %d", i, len(matrixRows))
			}
		})
	}
}
