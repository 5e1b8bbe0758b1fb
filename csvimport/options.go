package csvimport

import (
	"github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

// Default limits. They are generous for real spreadsheets and keep memory
// bounded for hostile ones.
const (
	// DefaultMaxLineBytes bounds one record: a line, or the lines a quoted
	// field joins. The reader holds at most about twice this much.
	DefaultMaxLineBytes = 64 << 10
	// DefaultMaxRows bounds the records of one file (header included).
	// Duplicate detection keeps 16 to 32 bytes per distinct number (12-byte
	// slots, the table at most three-quarters full), so this also bounds
	// that memory: about 200 MB at the limit, 300 MB while the table doubles.
	DefaultMaxRows = 10_000_000
	// DefaultMaxColumns bounds the fields of one record.
	DefaultMaxColumns = 1000
)

// Options are the settings both readers share. The zero value is usable for
// files with international (+…) numbers only; set Region for national ones.
type Options struct {
	// Region is the organisation's default region (ISO 3166-1 alpha-2, such
	// as "DK"), used for numbers written without a country code. Empty
	// means such numbers are invalid.
	Region string

	// Comma is the delimiter. 0 detects it among ',', ';', tab and '|' from
	// the first 64 KiB of the file (after decoding).
	Comma rune

	// MaxLineBytes, MaxRows and MaxColumns are the limits; 0 means the
	// Default… value. Exceeding one is a fatal *LineError.
	MaxLineBytes int
	MaxRows      int
	MaxColumns   int

	// StopOnError makes the first rejected row fatal: the sequence yields
	// its error with Fatal set and ends. For all-or-nothing imports, apply
	// the rows in a transaction and roll back when an error arrives.
	StopOnError bool
}

// withDefaults validates o and fills in the default limits.
func (o Options) withDefaults() (Options, error) {
	if o.Region != "" && !phone.ValidRegion(o.Region) {
		return o, &leadprivacy.FieldError{Field: "Options.Region", Reason: "unknown region code"}
	}
	switch o.Comma {
	case 0, ',', ';', '\t', '|', ':', ' ':
	default:
		return o, &leadprivacy.FieldError{Field: "Options.Comma", Reason: "must be one of , ; tab | : or space"}
	}
	if o.MaxLineBytes < 0 || o.MaxRows < 0 || o.MaxColumns < 0 {
		return o, &leadprivacy.FieldError{Field: "Options", Reason: "limits must not be negative"}
	}
	if o.MaxLineBytes == 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxRows == 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxColumns == 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	return o, nil
}
