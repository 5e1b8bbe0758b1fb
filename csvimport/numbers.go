package csvimport

import (
	"bytes"
	"io"
	"iter"
	"math"
	"math/bits"
	"slices"

	"github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

// NumberOptions configure a NumberReader.
type NumberOptions struct {
	Options

	// Columns are the 1-based columns that hold numbers. Empty means: the
	// header's columns named like a phone column (phone, mobile, tel,
	// telefon, number, …); without such a header the only column; with
	// several, the first column whose value on the first data row is a
	// valid number, else column 1.
	Columns []int

	// Join reads one number per row from all of Columns, their values
	// trimmed and concatenated in order: the US registry's
	// "area code,number" layout, where "201,5551234" is the one number
	// 2015551234 and not two invalid ones. It needs at least two Columns;
	// errors name the first of them.
	Join bool

	// NoDuplicateTable turns duplicate detection off: every row comes with
	// Duplicate false, and the reader keeps no table of the numbers seen
	// (16 to 32 bytes a number). For lists of 10⁷–10⁸ numbers whose
	// consumer drops repeats itself, such as a do-not-call registry
	// compiled into an index. MaxRows still applies.
	NoDuplicateTable bool
}

// NumberRow is one number read from a list.
type NumberRow struct {
	Line   int          // physical line the record starts on, 1-based
	Column int          // 1-based column the number came from
	Number phone.Number // normalised, E.164 (shares memory with nearby rows' numbers)

	// Duplicate reports that the number already appeared earlier in this
	// file, on FirstLine. Each number is delivered once with Duplicate
	// false; count the others as "already in this file".
	Duplicate bool
	FirstLine int
}

// NumberReader reads a list of phone numbers, such as a do-not-call upload:
// one number a line or a column of a wider sheet, header optional.
type NumberReader struct {
	src  *source
	opts NumberOptions
	cols []int // 0-based
	seen numberSet
	// block holds the rows and row errors of up to numberBlock records,
	// read and parsed but not yet checked for duplicates nor delivered.
	block []numberItem
	text  []byte // the block's numbers in E.164, back to back
	join  []byte // a Join row's cells, concatenated
	// pending: the constructor read the first data record while choosing
	// columns; err: a fatal error it met while doing so.
	pending bool
	err     error
}

// NewNumberReader detects the encoding, delimiter, header and number
// columns from the start of r. It fails only for invalid options or input
// that is not text; problems further on come out of All.
func NewNumberReader(r io.Reader, opts NumberOptions) (*NumberReader, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	opts.Options = o
	for _, c := range opts.Columns {
		if c < 1 || c > o.MaxColumns {
			return nil, &leadprivacy.FieldError{Field: "NumberOptions.Columns", Reason: "columns are 1-based and within MaxColumns"}
		}
	}
	if opts.Join && len(opts.Columns) < 2 {
		return nil, &leadprivacy.FieldError{Field: "NumberOptions.Join", Reason: "needs at least two Columns to join"}
	}
	src, err := open(r, o)
	if err != nil {
		return nil, err
	}
	nr := &NumberReader{src: src, opts: opts}
	for _, c := range opts.Columns {
		nr.cols = append(nr.cols, c-1)
	}
	if nr.err = src.next(); nr.err != nil {
		return nr.settle(), nil
	}
	nr.pending = true
	if cells := src.strings(); isHeader(cells) {
		src.format.Header = slices.Clone(cells)
		nr.pending = false
		if len(nr.cols) == 0 {
			for i, h := range cells {
				if isPhoneHeader(h) {
					nr.cols = append(nr.cols, i)
				}
			}
		}
		if len(nr.cols) == 0 {
			if nr.err = src.next(); nr.err != nil {
				return nr.settle(), nil
			}
			nr.pending = true
		}
	}
	if len(nr.cols) == 0 {
		nr.cols = []int{nr.guessColumn()}
	}
	return nr, nil
}

// settle clears a plain end of input met in the constructor: an empty file
// or a header alone is an empty list, not an error.
func (nr *NumberReader) settle() *NumberReader {
	if nr.err == io.EOF {
		nr.err = nil // the scanner keeps returning io.EOF: All yields nothing
		if len(nr.cols) == 0 {
			nr.cols = []int{0}
		}
	}
	return nr
}

// guessColumn picks the first column of the current record that holds a
// valid number, else the first.
func (nr *NumberReader) guessColumn() int {
	if nr.src.fields() > 1 {
		for i := range nr.src.fields() {
			if _, err := appendNumber(nr.text[:0], string(nr.src.field(i)), nr.opts.Region); err == nil {
				return i
			}
		}
	}
	return 0
}

// Format reports the detected encoding, delimiter and header.
func (nr *NumberReader) Format() Format { return nr.src.format }

// Columns reports the 1-based columns numbers are read from.
func (nr *NumberReader) Columns() []int {
	out := slices.Clone(nr.cols)
	for i := range out {
		out[i]++
	}
	return out
}

// All yields the numbers in file order: a NumberRow per number, or a
// *LineError per rejected cell (invalid number, or a row with the number
// columns empty) and for a fatal problem, after which it ends. Blank lines
// are skipped. It reads the input once: a second call yields an error.
//
// Rows come out in blocks of up to numberBlock records: a block is read
// and parsed, then its numbers are looked up in the duplicate table one
// after the other, then its rows are yielded.
func (nr *NumberReader) All() iter.Seq2[NumberRow, error] {
	return rows(nr.src, nr.pending, nr.err, nr.row, nr.flush)
}

// numberBlock is how many records NumberReader reads ahead. Looking up a
// block's numbers in a tight loop lets the processor overlap the cache
// misses of a large duplicate table, which one lookup per record, between
// scanning and parsing, cannot: on the 1M-row benchmark list it took the
// reader from about 320 to about 200 ns a row.
const numberBlock = 256

// numberItem is a row or a row error waiting in NumberReader.block.
type numberItem struct {
	row NumberRow // without Number, FirstLine and Duplicate yet
	end int       // end of the row's number in NumberReader.text
	key uint64    // packed number (see key); 0: not checked for duplicates
	err error
}

// row parses the current record into the block and delivers the block
// when it is full.
func (nr *NumberReader) row(yield func(NumberRow, error) bool) bool {
	line, found := nr.src.line(), false
	add := func(c int, raw []byte) bool {
		if len(bytes.TrimSpace(raw)) == 0 {
			return true
		}
		found = true
		var err error
		start := len(nr.text)
		nr.text, err = appendNumber(nr.text, string(raw), nr.opts.Region)
		if err != nil {
			return nr.reject(yield, invalidNumber(line, c+1, string(raw), err))
		}
		k, _ := key(nr.text[start:])
		nr.block = append(nr.block, numberItem{row: NumberRow{Line: line, Column: c + 1}, end: len(nr.text), key: k})
		return true
	}
	if nr.opts.Join {
		nr.join = nr.join[:0]
		for _, c := range nr.cols {
			nr.join = append(nr.join, bytes.TrimSpace(nr.src.field(c))...)
		}
		if !add(nr.cols[0], nr.join) {
			return false
		}
	} else {
		for _, c := range nr.cols {
			if !add(c, nr.src.field(c)) {
				return false
			}
		}
	}
	if !found && !nr.reject(yield, &LineError{Line: line, Column: nr.cols[0] + 1, Err: ErrNoPhone}) {
		return false
	}
	if len(nr.block) >= numberBlock {
		return nr.flush(yield)
	}
	return true
}

// reject queues a row error. Under StopOnError it is fatal: the block is
// delivered up to it and reading ends.
func (nr *NumberReader) reject(yield func(NumberRow, error) bool, le *LineError) bool {
	le.Fatal = nr.opts.StopOnError
	nr.block = append(nr.block, numberItem{err: le})
	if le.Fatal {
		nr.flush(yield)
		return false
	}
	return true
}

// flush looks the block's numbers up in the duplicate table, in file
// order, then yields the block. It reports whether the consumer wants more.
//
// The block's numbers share one string, one allocation instead of one per
// row: a Number kept by the caller keeps the text of its block (a few KiB)
// alive.
func (nr *NumberReader) flush(yield func(NumberRow, error) bool) bool {
	b, text, start := nr.block, string(nr.text), 0
	nr.block, nr.text = b[:0], nr.text[:0]
	for i := range b {
		if b[i].key != 0 && !nr.opts.NoDuplicateTable {
			b[i].row.FirstLine, b[i].row.Duplicate = nr.seen.firstLine(b[i].key, b[i].row.Line)
		}
	}
	for i := range b {
		if b[i].err == nil {
			b[i].row.Number = phone.Number(text[start:b[i].end])
			start = b[i].end
		}
	}
	for _, it := range b {
		if !yield(it.row, it.err) {
			return false
		}
	}
	return true
}

// key packs an E.164 number into a table key: each digit d as the nibble
// d+1, so 15 digits fit in 60 bits, no two digit strings share a key and
// none is 0, numberSet's empty mark. It is cheaper to compute than the
// number's value (a shift per digit, not a multiplication) and lets the
// duplicate table store 8 bytes per number instead of a string.
func key(e164 []byte) (uint64, bool) {
	if len(e164) < 2 || len(e164) > 16 || e164[0] != '+' {
		return 0, false
	}
	var k uint64
	for _, c := range e164[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		k = k<<4 | uint64(c-'0'+1)
	}
	return k, true
}

// numberSet maps packed numbers (see key) to the line each was first seen
// on. It is an open-addressing table with linear probing, keys and lines in
// separate arrays so probing reads 8 bytes a slot, 12 bytes a slot in all.
type numberSet struct {
	keys  []uint64 // 0: empty
	lines []uint32 // first line; 0: the line is beyond 4Gi and in far
	far   map[uint64]int
	n     int
	shift uint // 64 - log2(len(keys))
}

// firstLine records key as seen on line unless it was seen before, and
// then returns the line it was first seen on and true.
func (s *numberSet) firstLine(key uint64, line int) (int, bool) {
	if 4*(s.n+1) > 3*len(s.keys) {
		s.grow()
	}
	i, found := s.slot(key)
	switch {
	case found && s.lines[i] != 0:
		return int(s.lines[i]), true
	case found:
		return s.far[key], true
	}
	s.keys[i] = key
	s.n++
	if line <= math.MaxUint32 {
		s.lines[i] = uint32(line)
	} else {
		if s.far == nil {
			s.far = make(map[uint64]int)
		}
		s.far[key] = line
	}
	return 0, false
}

// slot returns the slot holding key and true, or the empty slot where key
// belongs and false.
func (s *numberSet) slot(key uint64) (int, bool) {
	mask := len(s.keys) - 1
	for i := int((key * 0x9e3779b97f4a7c15) >> s.shift); ; i = (i + 1) & mask {
		switch s.keys[i] {
		case 0:
			return i, false
		case key:
			return i, true
		}
	}
}

// grow doubles the table (1024 slots at first) and moves every entry.
func (s *numberSet) grow() {
	keys, lines := s.keys, s.lines
	size := max(1024, 2*len(keys))
	s.keys, s.lines = make([]uint64, size), make([]uint32, size)
	s.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for i, k := range keys {
		if k != 0 {
			j, _ := s.slot(k)
			s.keys[j], s.lines[j] = k, lines[i]
		}
	}
}
