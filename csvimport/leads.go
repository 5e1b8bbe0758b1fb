package csvimport

import (
	"bytes"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

// LeadOptions configure a LeadReader. Header names in Map, PhoneColumns and
// Ignore are compared like the automatic mapping: case, spaces and
// punctuation do not matter.
type LeadOptions struct {
	Options

	// Map maps a header to a template field key, overriding the automatic
	// match of headers against field keys and labels.
	Map map[string]string

	// PhoneColumns names headers that hold phone numbers, in addition to
	// those recognised by name (phone, mobile, tel, telefon, …).
	PhoneColumns []string

	// Ignore names headers to skip on purpose; they are not reported as
	// unknown.
	Ignore []string
}

// ColumnKind says what a lead file column is used for.
type ColumnKind int

// Column kinds.
const (
	// ColumnUnknown: the header matches nothing; its values are not read.
	// Show these to the user (LeadReader.Unknown) before importing.
	ColumnUnknown ColumnKind = iota
	// ColumnField: the values go to LeadDraft.Fields[Column.Field].
	ColumnField
	// ColumnPhone: the values are phone numbers for LeadDraft.Phones.
	ColumnPhone
	// ColumnIgnored: skipped because LeadOptions.Ignore names it.
	ColumnIgnored
)

// String names the kind for logs and user interfaces.
func (k ColumnKind) String() string {
	switch k {
	case ColumnField:
		return "field"
	case ColumnPhone:
		return "phone"
	case ColumnIgnored:
		return "ignored"
	default:
		return "unknown"
	}
}

// Column is one header column and what it was mapped to.
type Column struct {
	Index  int    // 1-based
	Header string // as in the file, trimmed
	Kind   ColumnKind
	Field  string // template field key when Kind is ColumnField
}

// LeadDraft is one lead row, validated: at least one phone number, all
// numbers valid and distinct, values only for template fields.
type LeadDraft struct {
	Line   int               // physical line the record starts on, 1-based
	Phones []phone.Number    // E.164, in column order, without duplicates
	Fields map[string]string // non-empty values by template field key, trimmed
}

// LeadReader reads a lead file whose header row names template fields and
// phone columns.
type LeadReader struct {
	src    *source
	opts   LeadOptions
	cols   []Column
	fields int        // number of ColumnField columns, to size the maps
	num    []byte     // a row's numbers in E.164, back to back; reused
	ends   []int      // where each number in num ends; reused
	text   []byte     // a row's field values, back to back; reused
	vals   []fieldEnd // the fields whose values are in text; reused
}

// fieldEnd is a field key and where its value ends in LeadReader.text.
type fieldEnd struct {
	key string
	end int
}

// NewLeadReader reads the header of r (its first non-blank row) and maps
// each column to a field of tmpl, to phone numbers, or to unknown. It fails
// for invalid options, input that is not text, a header without a phone
// column (ErrNoPhoneColumn) and two columns for one field
// (ErrDuplicateColumn), all as fatal *LineError except the options.
func NewLeadReader(r io.Reader, tmpl leadprivacy.CampaignTemplate, opts LeadOptions) (*LeadReader, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	opts.Options = o
	byName := make(map[string]string) // normalised header or label → key
	for _, f := range tmpl.Fields {
		byName[normalize(f.Key)] = f.Key
		byName[normalize(f.Label)] = f.Key
	}
	for h, key := range opts.Map {
		if _, ok := tmpl.Field(key); !ok {
			return nil, &leadprivacy.FieldError{Field: "LeadOptions.Map", Reason: "field key " + strconv.Quote(key) + " is not in the template"}
		}
		byName[normalize(h)] = key
	}
	src, err := open(r, o)
	if err != nil {
		return nil, err
	}
	if err := src.next(); err != nil {
		if err == io.EOF {
			return nil, &LineError{Line: src.line(), Err: ErrNoPhoneColumn, Fatal: true}
		}
		return nil, err
	}
	lr := &LeadReader{src: src, opts: opts}
	src.format.Header = slices.Clone(src.strings())
	used := make(map[string]int)
	phones := 0
	for i, h := range src.format.Header {
		c := Column{Index: i + 1, Header: h}
		n := normalize(h)
		switch key, ok := byName[n]; {
		case h == "":
		case slices.ContainsFunc(opts.Ignore, func(s string) bool { return normalize(s) == n }):
			c.Kind = ColumnIgnored
		case slices.ContainsFunc(opts.PhoneColumns, func(s string) bool { return normalize(s) == n }):
			c.Kind = ColumnPhone
		case ok:
			if prev, dup := used[key]; dup {
				return nil, &LineError{Line: src.line(), Column: i + 1,
					Err: &columnError{field: key, first: prev}, Fatal: true}
			}
			used[key] = i + 1
			c.Kind, c.Field = ColumnField, key
			lr.fields++
		case isPhoneHeader(h):
			c.Kind = ColumnPhone
		}
		if c.Kind == ColumnPhone {
			phones++
		}
		lr.cols = append(lr.cols, c)
	}
	if phones == 0 {
		return nil, &LineError{Line: src.line(), Err: ErrNoPhoneColumn, Fatal: true}
	}
	return lr, nil
}

// columnError is ErrDuplicateColumn with the field and the first column.
type columnError struct {
	field string
	first int
}

func (e *columnError) Error() string {
	return ErrDuplicateColumn.Error() + ": " + strconv.Quote(e.field) + " is also column " + strconv.Itoa(e.first)
}

func (e *columnError) Unwrap() error { return ErrDuplicateColumn }

// Format reports the detected encoding, delimiter and the header row.
func (lr *LeadReader) Format() Format { return lr.src.format }

// Columns reports how every header column was mapped, in file order.
func (lr *LeadReader) Columns() []Column { return slices.Clone(lr.cols) }

// Unknown reports the columns that match no template field and no phone
// column. Their values are not read: show them to the user, and map them
// with LeadOptions.Map or skip them with LeadOptions.Ignore.
func (lr *LeadReader) Unknown() []Column {
	var out []Column
	for _, c := range lr.cols {
		if c.Kind == ColumnUnknown {
			out = append(out, c)
		}
	}
	return out
}

// All yields a LeadDraft per data row, or a *LineError for a rejected row
// (an invalid number, no number, values beyond the header) and for a fatal
// problem, after which it ends. It reads the input once.
func (lr *LeadReader) All() iter.Seq2[LeadDraft, error] {
	return rows(lr.src, false, nil, lr.row, nil)
}

// row handles the current record. Only the values of field columns are
// copied into the draft, into one string; phone cells are parsed from the
// record's bytes, and other columns are not converted at all.
func (lr *LeadReader) row(yield func(LeadDraft, error) bool) bool {
	line, src := lr.src.line(), lr.src
	for i := len(lr.cols); i < src.fields(); i++ {
		if len(bytes.TrimSpace(src.field(i))) != 0 {
			return reject(src, yield, &LineError{Line: line, Column: i + 1, Err: ErrExtraFields})
		}
	}
	found := false
	lr.num, lr.ends, lr.text, lr.vals = lr.num[:0], lr.ends[:0], lr.text[:0], lr.vals[:0]
	for i := range min(len(lr.cols), src.fields()) {
		c := &lr.cols[i]
		if c.Kind != ColumnField && c.Kind != ColumnPhone {
			continue
		}
		v := bytes.TrimSpace(src.field(i))
		switch {
		case len(v) == 0:
		case c.Kind == ColumnField:
			lr.text = append(lr.text, v...)
			lr.vals = append(lr.vals, fieldEnd{c.Field, len(lr.text)})
		default:
			found = true
			if err := lr.addPhone(v); err != nil {
				return reject(src, yield, invalidNumber(line, c.Index, strings.ToValidUTF8(string(v), "\uFFFD"), err))
			}
		}
	}
	if !found {
		return reject(src, yield, &LineError{Line: line, Err: ErrNoPhone})
	}
	// One string holds the row's values and numbers: one allocation, not
	// one per cell.
	values := len(lr.text)
	lr.text = append(lr.text, lr.num...)
	text, start := string(lr.text), 0
	valid := utf8.ValidString(text[:values])
	d := LeadDraft{Line: line, Phones: make([]phone.Number, len(lr.ends)), Fields: make(map[string]string, lr.fields)}
	for _, f := range lr.vals {
		v := text[start:f.end]
		start = f.end
		if !valid {
			v = strings.ToValidUTF8(v, "\uFFFD")
		}
		d.Fields[f.key] = v
	}
	start = values
	for i, end := range lr.ends {
		d.Phones[i] = phone.Number(text[start : values+end])
		start = values + end
	}
	return yield(d, nil)
}

// addPhone parses a phone cell (trimmed, not empty) into num, unless the
// row has that number already. Invalid UTF-8 is replaced as in the other
// fields before parsing.
func (lr *LeadReader) addPhone(v []byte) error {
	start := len(lr.num)
	var err error
	if utf8.Valid(v) {
		lr.num, err = appendNumber(lr.num, string(v), lr.opts.Region)
	} else {
		lr.num, err = appendNumber(lr.num, strings.ToValidUTF8(string(v), "\uFFFD"), lr.opts.Region)
	}
	switch {
	case err != nil:
		return err
	case lr.seen(start):
		lr.num = lr.num[:start]
	default:
		lr.ends = append(lr.ends, len(lr.num))
	}
	return nil
}

// seen reports whether the number appended to num at start is one of the
// row's numbers before it.
func (lr *LeadReader) seen(start int) bool {
	n, prev := lr.num[start:], 0
	for _, end := range lr.ends {
		if bytes.Equal(lr.num[prev:end], n) {
			return true
		}
		prev = end
	}
	return false
}
