package csvimport

import (
	"io"
)

// readChunk is how many bytes the scanner asks its reader for at a time. It
// is also the size of the prefix used to detect the delimiter.
const readChunk = 64 << 10

// scanner splits decoded text into CSV records. Unlike encoding/csv it
// accepts bare CR line endings, bounds the size of a record and rejects NUL
// bytes, so a hostile or broken file ends with a typed error and bounded
// memory. Quoting follows RFC 4180, leniently: a quote inside an unquoted
// field and text after a closing quote are kept as they are, as Excel does.
//
// A record's fields are stored back to back in rec, ends[i] being the end of
// field i; both are reused from record to record, so scanning allocates
// nothing per record.
type scanner struct {
	r      io.Reader
	buf    []byte // read buffer; buf[pos:n] is not consumed yet
	pos, n int
	eof    bool  // r reported the end of the input or an error
	rerr   error // non-EOF read error, reported once buf is drained
	cr     bool  // a CR ended the last line: skip one LF that follows it

	comma     byte
	maxRecord int
	maxFields int

	line    int // physical line on which the next record starts, 1-based
	recLine int // physical line on which the current record started
	rec     []byte
	ends    []int
	stop    stopSet // bytes that end a run in an unquoted field
	qstop   stopSet // bytes that end a run in a quoted field
}

func newScanner(r io.Reader, comma byte, maxRecord, maxFields int) *scanner {
	s := &scanner{
		r:         r,
		buf:       make([]byte, readChunk),
		comma:     comma,
		maxRecord: maxRecord,
		maxFields: maxFields,
		line:      1,
	}
	for _, c := range []byte{'"', '\r', '\n', 0} {
		s.qstop[c] = 1
	}
	s.setComma(comma)
	return s
}

// prefix fills the buffer as far as the input allows, without consuming
// anything, and returns what it holds; delimiter detection looks at it.
func (s *scanner) prefix() []byte {
	for s.n < len(s.buf) && !s.eof {
		s.read()
	}
	return s.buf[s.pos:s.n]
}

// setComma changes the delimiter; only valid before the first record.
func (s *scanner) setComma(c byte) {
	s.comma = c
	s.stop = s.qstop
	s.stop[c] = 1
}

func (s *scanner) read() {
	n, err := s.r.Read(s.buf[s.n:])
	s.n += n
	if err != nil {
		s.eof = true
		if err != io.EOF {
			s.rerr = err
		}
	}
}

// data returns the unconsumed input, reading more when the buffer is empty,
// and skips the LF of a CRLF pair. It returns nil at the end of the input.
// It is small enough to inline: the scanner calls it a few times a field.
func (s *scanner) data() []byte {
	if s.pos < s.n && !s.cr {
		return s.buf[s.pos:s.n]
	}
	return s.more()
}

// more is data when the buffer is empty or an LF may need skipping.
func (s *scanner) more() []byte {
	for {
		if s.pos == s.n {
			if s.eof {
				return nil
			}
			s.pos, s.n = 0, 0
			s.read()
			continue
		}
		if s.cr {
			s.cr = false
			if s.buf[s.pos] == '\n' {
				s.pos++
				continue
			}
		}
		return s.buf[s.pos:s.n]
	}
}

// next reads one record. It returns io.EOF at the end of the input and a
// fatal *LineError for malformed input or a read error.
func (s *scanner) next() error {
	s.rec = s.rec[:0]
	s.ends = s.ends[:0]
	s.recLine = s.line
	if s.data() == nil {
		if s.rerr != nil {
			return &LineError{Line: s.line, Err: s.rerr, Fatal: true}
		}
		return io.EOF
	}
	for {
		done, err := s.field()
		if err != nil {
			return err
		}
		s.ends = append(s.ends, len(s.rec))
		if done {
			if s.rerr != nil {
				return &LineError{Line: s.line, Err: s.rerr, Fatal: true}
			}
			return nil
		}
		if len(s.ends) >= s.maxFields {
			return &LineError{Line: s.recLine, Column: len(s.ends) + 1, Err: ErrTooManyColumns, Fatal: true}
		}
	}
}

// field appends one field to rec. done reports that the field ended the
// record (line break or end of input) rather than a delimiter.
func (s *scanner) field() (done bool, err error) {
	d := s.data()
	if d != nil && d[0] == '"' {
		s.pos++
		if err := s.quoted(); err != nil {
			return false, err
		}
	}
	for {
		d := s.data()
		if d == nil {
			return true, nil
		}
		i := s.stop.index(d)
		if err := s.add(d[:i]); err != nil {
			return false, err
		}
		s.pos += i
		if i == len(d) {
			continue
		}
		s.pos++
		switch c := d[i]; c {
		case s.comma:
			return false, nil
		case '\n':
			s.line++
			return true, nil
		case '\r':
			s.line++
			s.cr = true
			return true, nil
		case 0:
			return false, &LineError{Line: s.line, Column: len(s.ends) + 1, Err: ErrBinary, Fatal: true}
		default: // a quote inside an unquoted field is kept as text
			if err := s.add(d[i : i+1]); err != nil {
				return false, err
			}
		}
	}
}

// quoted appends the rest of a quoted field after its opening quote, up to
// and excluding the closing quote. Line breaks inside it become "\n".
func (s *scanner) quoted() error {
	start, column := s.line, len(s.ends)+1
	for {
		d := s.data()
		if d == nil {
			if s.rerr != nil {
				return &LineError{Line: s.line, Err: s.rerr, Fatal: true}
			}
			return &LineError{Line: start, Column: column, Err: ErrUnterminatedQuote, Fatal: true}
		}
		i := s.qstop.index(d)
		if err := s.add(d[:i]); err != nil {
			return err
		}
		s.pos += i
		if i == len(d) {
			continue
		}
		s.pos++
		switch d[i] {
		case '"':
			if n := s.data(); n != nil && n[0] == '"' {
				s.pos++
				if err := s.add(n[:1]); err != nil {
					return err
				}
				continue
			}
			return nil
		case '\r':
			s.cr = true
			fallthrough
		case '\n':
			s.line++
			if err := s.add([]byte{'\n'}); err != nil {
				return err
			}
		case 0:
			return &LineError{Line: s.line, Column: column, Err: ErrBinary, Fatal: true}
		}
	}
}

// stopSet marks the bytes a run of field text ends at (1) or not (0).
type stopSet [256]uint8

// index returns the index of the first byte of d in the set, or len(d).
// It tests four bytes per branch: field text is most of the input, and
// this loop is most of the scanner's time.
func (t *stopSet) index(d []byte) int {
	i := 0
	for ; i+4 <= len(d); i += 4 {
		if t[d[i]]|t[d[i+1]]|t[d[i+2]]|t[d[i+3]] != 0 {
			break
		}
	}
	for i < len(d) && t[d[i]] == 0 {
		i++
	}
	return i
}

// add appends b to the record, enforcing the record size limit.
func (s *scanner) add(b []byte) error {
	if len(s.rec)+len(b) > s.maxRecord {
		return &LineError{Line: s.recLine, Column: len(s.ends) + 1, Err: ErrLineTooLong, Fatal: true}
	}
	s.rec = append(s.rec, b...)
	return nil
}

// blank reports whether every field of the current record is empty or
// white space.
func (s *scanner) blank() bool {
	for _, c := range s.rec {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}
