package phone

import (
	"unicode"
	"unicode/utf8"
)

// maxDigits caps the digits an input may hold: a 17-digit national number
// (libphonenumber's limit), a 3-digit calling code and the longest
// international prefix in the metadata leave room within 32. More digits
// are ReasonTooLong without further work, which also bounds the cost of
// hostile input.
const maxDigits = 32

// scanned is the input reduced to what matters structurally: an optional
// leading plus and the digits as ASCII. Both the fast path and the
// libphonenumber path start from it, so the character policy (which
// separators, which digits, what is rejected) is decided in one place.
type scanned struct {
	d    [maxDigits]byte
	n    int
	plus bool
}

func (s *scanned) digits() []byte { return s.d[:s.n] }

// prepare scans input and resolves the default region. A nil region is
// allowed only for numbers with a plus, which carry their calling code.
func (s *scanned) prepare(input, region string) (*regionInfo, Reason) {
	if r := s.scan(input); r != reasonNone {
		return nil, r
	}
	ri := lookupRegion(region)
	if ri == nil && !s.plus {
		return nil, ReasonInvalidRegion
	}
	return ri, reasonNone
}

// scan reads input and reports the first policy violation, or reasonNone.
func (s *scanned) scan(input string) Reason {
	apostropheOK := true // only as the first non-blank character
	for i := 0; i < len(input); {
		c := input[i]
		if c < utf8.RuneSelf {
			i++
			switch asciiClass[c] {
			case classDigit:
				if s.n == maxDigits {
					return ReasonTooLong
				}
				s.d[s.n] = c
				s.n++
			case classBlank:
				continue // blanks keep the apostrophe allowed
			case classSeparator:
			case classPlus:
				if r := s.plusSign(); r != reasonNone {
					return r
				}
			case classApostrophe:
				if !apostropheOK {
					return ReasonInvalidChars
				}
			case classLetter:
				return ReasonLetters
			default:
				return ReasonInvalidChars
			}
			apostropheOK = false
			continue
		}
		r, size := utf8.DecodeRuneInString(input[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			return ReasonInvalidChars
		case unicode.IsSpace(r) || isZeroWidth(r):
			continue
		case unicode.Is(unicode.Nd, r):
			if rr := s.digit(byte('0' + digitValue(r))); rr != reasonNone {
				return rr
			}
		case isSeparator(r):
		case r == '\uFF0B': // fullwidth plus
			if rr := s.plusSign(); rr != reasonNone {
				return rr
			}
		case unicode.IsLetter(r):
			return ReasonLetters
		default:
			return ReasonInvalidChars
		}
		apostropheOK = false
	}
	if s.n == 0 {
		return ReasonEmpty
	}
	return reasonNone
}

func (s *scanned) digit(c byte) Reason {
	if s.n == maxDigits {
		return ReasonTooLong
	}
	s.d[s.n] = c
	s.n++
	return reasonNone
}

// plusSign accepts one '+' in front of the first digit.
func (s *scanned) plusSign() Reason {
	if s.plus || s.n > 0 {
		return ReasonInvalidChars
	}
	s.plus = true
	return reasonNone
}

// Character classes of ASCII bytes for scan.
const (
	classInvalid = iota
	classDigit
	classBlank
	classSeparator
	classPlus
	classApostrophe
	classLetter
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = classLetter, classLetter
	}
	for _, c := range " \t\n\r\v\f" {
		t[c] = classBlank
	}
	for _, c := range "-./()[]~" {
		t[c] = classSeparator
	}
	t['+'], t['\''] = classPlus, classApostrophe
	return t
}()

// isZeroWidth reports invisible characters that copy-paste and CSV exports
// leave in numbers: zero-width space, word joiner, byte order mark, soft
// hyphen.
func isZeroWidth(r rune) bool {
	return r == '\u200B' || r == '\u2060' || r == '\uFEFF' || r == '\u00AD'
}

// isSeparator reports the non-ASCII punctuation libphonenumber treats as
// phone-number punctuation: Unicode dashes and minus, fullwidth
// punctuation, tildes.
func isSeparator(r rune) bool {
	switch {
	case r >= '\u2010' && r <= '\u2015', r == '\u2212', r == '\u30FC', r == '\u2053', r == '\u223C':
		return true
	case r == '\uFF0D', r == '\uFF0E', r == '\uFF0F', r == '\uFF08', r == '\uFF09', r == '\uFF3B', r == '\uFF3D', r == '\uFF5E':
		return true
	}
	return false
}

// digitValue returns the value of a Unicode decimal digit (category Nd).
// Every Nd range in the Unicode tables is a run of complete 0..9 blocks
// (checked by TestDigitRanges), so the value is the offset modulo 10.
func digitValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return 0
}
