package csvimport_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/csvimport"
)

// A do-not-call list exported from Excel: no header, one number a line,
// one typo and one number listed twice.
func ExampleNumberReader() {
	dnc := "+45 20 12 34 56\r\n31 23 45 67\r\n2012345x\r\n20 12 34 56\r\n"
	nr, err := csvimport.NewNumberReader(strings.NewReader(dnc), csvimport.NumberOptions{
		Options: csvimport.Options{Region: "DK"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for row, err := range nr.All() {
		switch {
		case errors.Is(err, leadprivacy.ErrInvalidPhone):
			var le *csvimport.LineError
			errors.As(err, &le)
			fmt.Printf("line %d: %s\n", le.Line, le.Reason())
		case err != nil:
			fmt.Println(err) // fatal: the sequence ends
		case row.Duplicate:
			fmt.Printf("line %d: already on line %d\n", row.Line, row.FirstLine)
		default:
			fmt.Printf("line %d: block %s\n", row.Line, row.Number)
		}
	}
	// Output:
	// line 1: block +4520123456
	// line 2: block +4531234567
	// line 3: invalid phone number: contains letters
	// line 4: already on line 1
}

// A lead file with a header, semicolons and two phone columns, checked
// against the Energy template before import.
func ExampleLeadReader() {
	tmpl := leadprivacy.CampaignTemplate{Name: "Energy", Fields: []leadprivacy.TemplateField{
		{Key: "first_name", Label: "First name", Personal: true},
		{Key: "tariff", Label: "Tariff"},
	}}
	file := "First Name;Tariff;Phone;Mobile;Source\nAnn;Green;20 12 34 56;31 23 45 67;web\nBo;Basic;;;\n"
	lr, err := csvimport.NewLeadReader(strings.NewReader(file), tmpl, csvimport.LeadOptions{
		Options: csvimport.Options{Region: "DK"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range lr.Unknown() {
		fmt.Printf("column %d %q is not imported\n", c.Index, c.Header)
	}
	for d, err := range lr.All() {
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(d.Line, d.Phones, d.Fields["first_name"], d.Fields["tariff"])
	}
	// Output:
	// column 5 "Source" is not imported
	// 2 [+4520123456 +4531234567] Ann Green
	// leadprivacy: line 3: no phone number
}

// A rejection report for the user, safe to open in Excel.
func ExampleWriteRejections() {
	rejected := []csvimport.Rejection{
		{Line: 2, Column: 1, Value: "+4520123456", Reason: "blocked org-wide"},
		csvimport.RejectionOf(&csvimport.LineError{Line: 7, Column: 2, Value: "••••99x", Err: csvimport.ErrNoPhone}),
	}
	var buf bytes.Buffer
	if err := csvimport.WriteRejections(&buf, slices.Values(rejected), nil); err != nil {
		fmt.Println(err)
	}
	// The file starts with a BOM and ends lines with CRLF, for Excel.
	fmt.Print(strings.ReplaceAll(strings.TrimPrefix(buf.String(), "\ufeff"), "\r\n", "\n"))
	// Output:
	// line,column,value,reason
	// 2,1,'+4520123456,blocked org-wide
	// 7,2,••••99x,no phone number
}
