package csvimport

import (
	"errors"
	"strconv"
	"strings"
)

// Reasons a row or a whole file is rejected. A *LineError wraps one of them
// (or the phone package's ErrInvalidPhone), so callers test with errors.Is.
var (
	// ErrLineTooLong means a record (a line, or several lines joined by a
	// quoted field) is longer than Options.MaxLineBytes. It is fatal: an
	// unterminated quote looks the same, and nothing after it can be trusted.
	ErrLineTooLong = errors.New("leadprivacy: record too long")

	// ErrTooManyColumns means a record has more fields than
	// Options.MaxColumns. It is fatal.
	ErrTooManyColumns = errors.New("leadprivacy: too many columns")

	// ErrTooManyRows means the file has more records than Options.MaxRows.
	// It is fatal; the rows before it were delivered.
	ErrTooManyRows = errors.New("leadprivacy: too many rows")

	// ErrBinary means the input holds NUL bytes or mostly control
	// characters: it is not a text file (an .xlsx workbook, an image). Fatal.
	ErrBinary = errors.New("leadprivacy: binary data, not a CSV text file")

	// ErrUnterminatedQuote means a quoted field is still open at the end of
	// the input. Fatal; the error's line is where the quote opened.
	ErrUnterminatedQuote = errors.New("leadprivacy: quoted field never closed")

	// ErrNoPhone means a lead row has no phone number in any phone column.
	ErrNoPhone = errors.New("leadprivacy: no phone number")

	// ErrExtraFields means a lead row has values in more columns than the
	// header names; they are rejected rather than dropped.
	ErrExtraFields = errors.New("leadprivacy: values beyond the last header column")

	// ErrNoPhoneColumn means a lead file's header names no phone column and
	// the caller named none. Fatal.
	ErrNoPhoneColumn = errors.New("leadprivacy: no phone column in header")

	// ErrDuplicateColumn means two header columns map to the same template
	// field, so which value wins would be a guess. Fatal.
	ErrDuplicateColumn = errors.New("leadprivacy: two columns map to the same field")
)

// LineError says where in the file a problem is and why. Value is the raw
// value masked with phone.MaskInput, never the value itself, so the error
// can be logged and shown. Fatal errors end the sequence that yields them;
// other errors reject one row and reading goes on.
type LineError struct {
	Line   int    // physical line on which the record starts, 1-based
	Column int    // 1-based column, 0 when the problem is the whole row or file
	Value  string // masked raw value, "" when there is none
	Err    error  // the reason: one of this package's Err… or the phone error
	Fatal  bool   // reading stopped here
}

// Error formats the position, the masked value and the reason, such as
// `leadprivacy: line 7, column 2 (value "••••99x"): invalid phone number: contains letters`.
func (e *LineError) Error() string {
	var b strings.Builder
	b.WriteString("leadprivacy: line ")
	b.WriteString(strconv.Itoa(e.Line))
	if e.Column > 0 {
		b.WriteString(", column ")
		b.WriteString(strconv.Itoa(e.Column))
	}
	if e.Value != "" {
		b.WriteString(" (value ")
		b.WriteString(strconv.Quote(e.Value))
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Reason())
	return b.String()
}

// Reason is the error's cause without the position, such as
// "invalid phone number: contains letters"; rejection reports show it.
func (e *LineError) Reason() string {
	if e.Err == nil {
		return "unknown error"
	}
	return strings.TrimPrefix(e.Err.Error(), "leadprivacy: ")
}

// Unwrap returns the reason, so errors.Is(err, leadprivacy.ErrInvalidPhone)
// and errors.Is(err, csvimport.ErrLineTooLong) work.
func (e *LineError) Unwrap() error { return e.Err }
