package csvimport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"golang.org/x/text/width"

	"github.com/leadprivacy/leadprivacy/phone"
)

// sniffBytes is the raw prefix the encoding is decided on.
const sniffBytes = 64 << 10

// Format is what a reader found out about a file, so a user interface can
// show it ("read as Windows-1252, separated by semicolons").
type Format struct {
	// Encoding is "UTF-8", "UTF-16LE", "UTF-16BE" or "Windows-1252".
	Encoding string
	// BOM reports that the file started with a byte order mark (removed).
	BOM bool
	// Comma is the delimiter used, given or detected.
	Comma rune
	// Header is the header row, nil when the file has none.
	Header []string
}

// errReused is returned by an All sequence iterated a second time: the
// input has been consumed.
var errReused = errors.New("leadprivacy: csvimport reader already read")

// source decodes the input and yields its non-blank records with the row
// limit applied; both readers build on it.
type source struct {
	sc     *scanner
	opts   Options
	format Format
	rows   int
	used   bool
	cells  []string // reused by strings
}

// open detects the encoding from a bounded prefix of r, then the delimiter
// from the first 64 KiB of decoded text.
func open(r io.Reader, opts Options) (*source, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF {
		return nil, &LineError{Line: 1, Err: err, Fatal: true}
	}
	atEOF := err == io.EOF
	s := &source{opts: opts}
	var in io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		s.format = Format{Encoding: "UTF-8", BOM: true}
		_, _ = br.Discard(3) // Peek above guarantees the bytes are buffered
	case bytes.HasPrefix(head, []byte("\xff\xfe")):
		s.format = Format{Encoding: "UTF-16LE", BOM: true}
		in = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.HasPrefix(head, []byte("\xfe\xff")):
		s.format = Format{Encoding: "UTF-16BE", BOM: true}
		in = transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	case binary(head):
		return nil, &LineError{Line: 1, Err: ErrBinary, Fatal: true}
	case !validPrefix(head, atEOF):
		s.format = Format{Encoding: "Windows-1252"}
		in = transform.NewReader(br, charmap.Windows1252.NewDecoder())
	default:
		s.format = Format{Encoding: "UTF-8"}
	}
	s.sc = newScanner(in, ',', opts.MaxLineBytes, opts.MaxColumns)
	comma := byte(opts.Comma)
	if comma == 0 {
		prefix := s.sc.prefix()
		comma = detectComma(prefix, !s.sc.eof)
	}
	s.sc.setComma(comma)
	s.format.Comma = rune(comma)
	return s, nil
}

// binary reports whether the prefix of a file without BOM is not text: it
// holds a NUL byte (UTF-16 without BOM included, which Excel never writes)
// or more than 10% other control characters in its first 4 KiB.
func binary(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	head = head[:min(len(head), 4096)]
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			ctl++
		}
	}
	return ctl*10 > len(head)
}

// validPrefix reports whether head is UTF-8, allowing a rune cut off by the
// end of the prefix.
func validPrefix(head []byte, atEOF bool) bool {
	if !atEOF {
		for i := 1; i <= utf8.UTFMax-1 && i <= len(head); i++ {
			if c := head[len(head)-i]; utf8.RuneStart(c) {
				if !utf8.FullRune(head[len(head)-i:]) {
					head = head[:len(head)-i]
				}
				break
			}
		}
	}
	return utf8.Valid(head)
}

// commas are the delimiters detectComma chooses from, in order of
// preference when the evidence is equal.
var commas = []byte{',', ';', '\t', '|'}

// detectComma picks the delimiter whose count per line (outside quotes) is
// the same on the most lines of the prefix, the header included; ties go to
// the larger count, then to the order of commas. truncated means the last
// line of prefix may be cut short, so it is not counted. A file with none
// of them (one number a line) gets ','.
func detectComma(prefix []byte, truncated bool) byte {
	const maxLines = 100
	var counts [maxLines][4]int
	lines, inQuote := 0, false
	var cur [4]int
	blank := true
	for i := 0; i < len(prefix) && lines < maxLines; i++ {
		switch c := prefix[i]; {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n' || c == '\r':
			if !blank {
				counts[lines] = cur
				lines++
			}
			cur, blank = [4]int{}, true
		default:
			if c != ' ' && c != '\t' {
				blank = false
			}
			if j := bytes.IndexByte(commas, c); j >= 0 {
				cur[j]++
				blank = false
			}
		}
	}
	if !truncated && !blank && lines < maxLines {
		counts[lines] = cur
		lines++
	}
	best, bestScore, bestMode := byte(','), 0, 0
	for j, c := range commas {
		freq := map[int]int{}
		for _, l := range counts[:lines] {
			freq[l[j]]++
		}
		mode, score := 0, 0
		for n, f := range freq {
			if n > 0 && (f > score || f == score && n > mode) {
				mode, score = n, f
			}
		}
		if score > bestScore || score == bestScore && score > 0 && mode > bestMode {
			best, bestScore, bestMode = c, score, mode
		}
	}
	return best
}

// next advances to the next non-blank record. It returns io.EOF at the end
// and a fatal *LineError for anything else.
func (s *source) next() error {
	for {
		if err := s.sc.next(); err != nil {
			return err
		}
		if s.sc.blank() {
			continue
		}
		s.rows++
		if s.rows > s.opts.MaxRows {
			return &LineError{Line: s.sc.recLine, Err: ErrTooManyRows, Fatal: true}
		}
		return nil
	}
}

// line is the line the current record starts on.
func (s *source) line() int { return s.sc.recLine }

// fields is the number of fields of the current record.
func (s *source) fields() int { return len(s.sc.ends) }

// field returns field i (0-based) of the current record as bytes that stay
// valid until the next record; nil when the record is shorter.
func (s *source) field(i int) []byte {
	if i >= len(s.sc.ends) {
		return nil
	}
	start := 0
	if i > 0 {
		start = s.sc.ends[i-1]
	}
	return s.sc.rec[start:s.sc.ends[i]]
}

// strings returns all fields of the current record, trimmed, as strings
// sharing one allocation, in a slice reused from record to record. Invalid
// UTF-8 (possible after a valid prefix) becomes U+FFFD.
func (s *source) strings() []string {
	out := s.cells[:0]
	rec := string(s.sc.rec)
	valid := utf8.ValidString(rec)
	start := 0
	for _, end := range s.sc.ends {
		v := rec[start:end]
		if !valid {
			v = strings.ToValidUTF8(v, "\uFFFD")
		}
		out = append(out, strings.TrimSpace(v))
		start = end
	}
	s.cells = out
	return out
}

// rows runs row for each record after the ones the reader consumed in its
// constructor, and stops at the end, at a fatal error, when the consumer
// stops, or when row returns false. pending says the current record has
// not been handed to row yet; err is an error to yield first. flush, when
// not nil, delivers what row has buffered: rows calls it at the end of the
// input and before yielding a fatal error.
func rows[T any](s *source, pending bool, err error, row, flush func(yield func(T, error) bool) bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if s.used {
			yield(zero, errReused)
			return
		}
		s.used = true
		if err != nil {
			yield(zero, err)
			return
		}
		for {
			if !pending {
				if err := s.next(); err != nil {
					if flush != nil && !flush(yield) {
						return
					}
					if err != io.EOF {
						yield(zero, err)
					}
					return
				}
			}
			pending = false
			if !row(yield) {
				return
			}
		}
	}
}

// reject yields a row error, fatal under StopOnError, and reports whether
// reading goes on.
func reject[T any](s *source, yield func(T, error) bool, le *LineError) bool {
	var zero T
	le.Fatal = s.opts.StopOnError
	return yield(zero, le) && !le.Fatal
}

// appendNumber normalises one cell and appends its E.164 form to dst:
// surrounding space and an Excel text apostrophe are removed, fullwidth
// characters narrowed, then the phone package parses it with the default
// region. It allocates nothing for ASCII input, so a reader parsing into a
// reused buffer pays only for the number it keeps.
func appendNumber(dst []byte, raw, region string) ([]byte, error) {
	v := strings.TrimPrefix(strings.TrimSpace(raw), "'")
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			v = width.Narrow.String(v)
			break
		}
	}
	return phone.AppendParse(dst, v, region)
}

// invalidNumber is the row error for a cell phone.Parse rejected.
func invalidNumber(line, column int, raw string, err error) *LineError {
	return &LineError{Line: line, Column: column, Value: phone.MaskInput(strings.TrimSpace(raw)), Err: err}
}
