package csvimport

import (
	"encoding/csv"
	"errors"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Rejection is one row of a rejection report: where, what and why.
type Rejection struct {
	Line   int    // line in the uploaded file, 1-based
	Column int    // 1-based column, 0 for the whole row
	Value  string // what to show: a masked raw value or an E.164 number
	Reason string // why the row was rejected, in words
}

// RejectionOf turns a row error from a reader into a report row with the
// masked value. Errors that are not a *LineError give a row with only the
// reason.
func RejectionOf(err error) Rejection {
	var le *LineError
	if errors.As(err, &le) {
		return Rejection{Line: le.Line, Column: le.Column, Value: le.Value, Reason: le.Reason()}
	}
	return Rejection{Reason: strings.TrimPrefix(err.Error(), "leadprivacy: ")}
}

// ReportOptions configure WriteRejections; the zero value writes commas.
type ReportOptions struct {
	// Comma is the delimiter, 0 meaning ','. Use ';' for users whose Excel
	// expects semicolons (most of continental Europe).
	Comma rune
}

// WriteRejections writes rs as a CSV file that Excel opens: UTF-8 with a
// BOM (so masked values' "•" show correctly), CRLF line ends, a header row
// "line, column, value, reason". Cells starting with = + - @ (or their
// fullwidth forms), tab or CR get a leading apostrophe, so no cell is run as
// a formula; the number reader drops that apostrophe again, so E.164 values
// ("'+4520123456") read back unchanged.
func WriteRejections(w io.Writer, rs iter.Seq[Rejection], opts *ReportOptions) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if opts != nil && opts.Comma != 0 {
		cw.Comma = opts.Comma
	}
	if err := cw.Write([]string{"line", "column", "value", "reason"}); err != nil {
		return err
	}
	for r := range rs {
		col := ""
		if r.Column > 0 {
			col = strconv.Itoa(r.Column)
		}
		if err := cw.Write([]string{strconv.Itoa(r.Line), col, Neutralize(r.Value), Neutralize(r.Reason)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Neutralize returns s prefixed with an apostrophe when a spreadsheet could
// read it as a formula (OWASP "CSV injection"), else s unchanged.
func Neutralize(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}
