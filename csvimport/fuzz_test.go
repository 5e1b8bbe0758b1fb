package csvimport_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/leadprivacy/leadprivacy/csvimport"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// small limits so the fuzzer reaches them.
var fuzzOptions = csvimport.Options{Region: "DK", MaxLineBytes: 256, MaxRows: 50, MaxColumns: 8}

// checkErr asserts the invariants every yielded error keeps: a *LineError
// with a position, and nothing after a fatal one.
func checkErr(t *testing.T, err error, lastLine *int) (fatal bool) {
	var le *csvimport.LineError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is %T, not *LineError", err, err)
	}
	if le.Line < 1 || le.Line < *lastLine || le.Column < 0 {
		t.Fatalf("bad position %+v after line %d", le, *lastLine)
	}
	if !strings.HasPrefix(le.Error(), "leadprivacy: line ") {
		t.Fatalf("message %q", le.Error())
	}
	*lastLine = le.Line
	return le.Fatal
}

func FuzzNumbers(f *testing.F) {
	for _, s := range []string{
		"+45 20 12 34 56\r\n31 23 45 67\r\n\r\n2012345x\r\n",
		"Phone;Name\n20123456;\"A;\"\"b\"\"\nc\"\n",
		"\xff\xfe2\x000\x001\x002\x003\x004\x005\x006\x00\n\x00",
		"\ufeff'+4520123456\r20123456\r",
		"\"unterminated\n20123456",
		"id|tel\n1|\uff12\uff10\uff11\uff12\uff13\uff14\uff15\uff16\n",
		"Caf\xe9,20123456\n",
		"area,number\r\n20,123456\r\n31, 23 45 67\r\n,\r\n2,\r\n",
		"0207 3787244\r\n01635 506160\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Each input is read as a list, and with its first two columns
		// joined into one number (NumberOptions.Join).
		for _, opts := range []csvimport.NumberOptions{{Options: fuzzOptions}, {Options: fuzzOptions, Columns: []int{1, 2}, Join: true}} {
			nr, err := csvimport.NewNumberReader(strings.NewReader(string(data)), opts)
			if err != nil {
				var le *csvimport.LineError
				if !errors.As(err, &le) || !le.Fatal {
					t.Fatalf("constructor error %v", err)
				}
				return
			}
			lastLine, done := 0, false
			for row, err := range nr.All() {
				if done {
					t.Fatal("value after a fatal error")
				}
				if err != nil {
					done = checkErr(t, err, &lastLine)
					continue
				}
				if !e164.MatchString(string(row.Number)) || row.Line < lastLine || row.Duplicate != (row.FirstLine > 0) || row.FirstLine > row.Line ||
					(opts.Join && row.Column != 1) {
					t.Fatalf("bad row %+v after line %d", row, lastLine)
				}
				lastLine = row.Line
			}
		}
	})
}

func FuzzLeads(f *testing.F) {
	for _, s := range []string{
		"first name;Telefon;Mobil;x\nAnn;20 12 34 56;+45 31 23 45 67;y\nBo;;;\n",
		"phone,email\r\n20123456,\"a,b\"\"c\r\nd\"\r\n2012x,\r\n",
		"\xfe\xff\x00p\x00h\x00o\x00n\x00e\x00\n\x002\x000\x001\x002\x003\x004\x005\x006",
		"phone\n20123456,extra\n",
		"E-mail\tphone\n\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lr, err := csvimport.NewLeadReader(strings.NewReader(string(data)), energy, csvimport.LeadOptions{Options: fuzzOptions})
		if err != nil {
			var le *csvimport.LineError
			if errors.As(err, &le) && !le.Fatal {
				t.Fatalf("constructor error not fatal: %v", err)
			}
			return
		}
		lastLine, done := 0, false
		for d, err := range lr.All() {
			if done {
				t.Fatal("value after a fatal error")
			}
			if err != nil {
				done = checkErr(t, err, &lastLine)
				continue
			}
			if len(d.Phones) == 0 || d.Line < lastLine {
				t.Fatalf("bad draft %+v", d)
			}
			seen := map[string]bool{}
			for _, n := range d.Phones {
				if !e164.MatchString(string(n)) || seen[string(n)] {
					t.Fatalf("bad phones %v", d.Phones)
				}
				seen[string(n)] = true
			}
			for k, v := range d.Fields {
				if _, ok := energy.Field(k); !ok || v == "" || v != strings.TrimSpace(v) {
					t.Fatalf("bad field %q=%q", k, v)
				}
			}
			lastLine = d.Line
		}
	})
}
