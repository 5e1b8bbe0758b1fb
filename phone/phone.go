package phone

import (
	"errors"
	"strings"
)

// ErrInvalidPhone is matched (errors.Is) by every error Parse returns, so
// callers can treat "not a phone number" as one case and still get the
// precise Reason from a ParseError when they need it.
var ErrInvalidPhone = errors.New("leadprivacy: invalid phone number")

// Reason says why Parse rejected an input. The set is small and stable so
// that hosts can map it to user-facing messages and import reports.
type Reason uint8

// Parse failure reasons.
const (
	reasonNone Reason = iota
	// ReasonEmpty: the input has no digits at all (empty, blanks,
	// separators only).
	ReasonEmpty
	// ReasonLetters: the input contains letters. Vanity numbers
	// ("1-800-FLOWERS") and extensions ("ext 12", "x12") are rejected,
	// not guessed at.
	ReasonLetters
	// ReasonInvalidChars: a character that is neither a digit nor a
	// separator, a '+' that is not in front of the first digit, or an
	// apostrophe that is not the leading Excel text marker.
	ReasonInvalidChars
	// ReasonTooShort: too few digits for the country, or only diallable
	// locally (a subscriber number without its area code).
	ReasonTooShort
	// ReasonTooLong: too many digits for the country, or more than
	// the 15 E.164 allows.
	ReasonTooLong
	// ReasonInvalidLength: between the country's shortest and longest
	// numbers but of a length no number there has.
	ReasonInvalidLength
	// ReasonUnknownCountryCode: an international number whose country
	// calling code does not exist.
	ReasonUnknownCountryCode
	// ReasonInvalidRegion: a national number (no '+' or international
	// prefix) with a default region libphonenumber does not know.
	ReasonInvalidRegion
	// ReasonNationalPrefix: after the country code and one national
	// (trunk) prefix are removed, the number still starts with a national
	// prefix ("+49 0 0301234"), so it has no single canonical form.
	ReasonNationalPrefix
	numReasons
)

var reasonText = [numReasons]string{
	reasonNone:               "ok",
	ReasonEmpty:              "empty",
	ReasonLetters:            "contains letters",
	ReasonInvalidChars:       "contains invalid characters",
	ReasonTooShort:           "too short",
	ReasonTooLong:            "too long",
	ReasonInvalidLength:      "invalid length for the country",
	ReasonUnknownCountryCode: "unknown country calling code",
	ReasonInvalidRegion:      "unknown default region",
	ReasonNationalPrefix:     "repeated national prefix",
}

// String returns a short English description of the reason.
func (r Reason) String() string {
	if r < numReasons {
		return reasonText[r]
	}
	return "unknown reason"
}

// ParseError is the error Parse returns. It carries only the Reason, never
// the input: phone numbers are personal data and error messages end up in
// logs. Use MaskInput to show the caller which input failed. Match it with
//
//	var pe phone.ParseError
//	if errors.As(err, &pe) { ... pe.Reason ... }
type ParseError struct {
	Reason Reason
}

// Error names the reason, prefixed like every leadprivacy error.
func (e ParseError) Error() string {
	return "leadprivacy: invalid phone number: " + e.Reason.String()
}

// Unwrap makes errors.Is(err, ErrInvalidPhone) true.
func (e ParseError) Unwrap() error { return ErrInvalidPhone }

// Number is a phone number in E.164 form ("+4512345678"): the one canonical
// form numbers are stored, compared, masked and fingerprinted in. Obtain
// one from Parse; a Number built by conversion from an arbitrary string is
// not checked.
type Number string

// String returns the E.164 text.
func (n Number) String() string { return string(n) }

// CountryCode returns the country calling code (45 for "+4512345678"), or
// 0 when n is not in E.164 form with a known calling code.
func (n Number) CountryCode() int {
	cc, _ := n.split()
	return cc
}

// split returns the calling code and the national significant number.
func (n Number) split() (cc int, nsn string) {
	s := string(n)
	if len(s) < 2 || s[0] != '+' || s[1] == '0' { // calling codes never start with 0
		return 0, ""
	}
	for i := 2; i <= 4 && i <= len(s); i++ {
		code := 0
		for _, c := range []byte(s[1:i]) {
			if c < '0' || c > '9' {
				return 0, ""
			}
			code = code*10 + int(c-'0')
		}
		if loadTables().callingCodes[code] != nil {
			return code, s[i:]
		}
	}
	return 0, ""
}

// Parse normalises input to E.164 using defaultRegion (ISO 3166-1 alpha-2
// such as "DK", either case) for numbers written without a country code.
//
// It accepts what people type and spreadsheets export: blanks (including
// non-breaking and zero-width spaces), dashes, dots, slashes, parentheses
// and brackets as separators; a leading '+' or the default region's
// international prefix (00 in most of Europe, 011 in North America);
// national numbers with or without the trunk prefix ("07700 900123" in GB,
// "030 1234567" in DE, "(201) 555-0123" in US); fullwidth, Arabic-Indic and
// every other Unicode decimal digit; one leading Excel text apostrophe.
//
// The result is accepted when libphonenumber's possible-number check passes
// (see the package documentation for why not IsValidNumber). Every failure
// is a ParseError, which matches ErrInvalidPhone and never contains input.
func Parse(input, defaultRegion string) (Number, error) {
	var buf [maxE164]byte
	out, r := parse(buf[:0], input, defaultRegion)
	if r != reasonNone {
		return "", ParseError{Reason: r}
	}
	if string(out) == input {
		return Number(input), nil // already canonical: no allocation
	}
	if t := strings.TrimSpace(input); string(out) == t {
		return Number(t), nil
	}
	return Number(out), nil
}

// IsE164 reports whether s is a number as Parse returns it: '+', a known
// calling code and a national number of a possible length, in digits and
// nothing else, which Parse returns unchanged in every default region.
// It is the cheap check of numbers already normalised (csvimport's, a
// host's stored ones): no separators to scan and no region to resolve.
// false does not mean invalid: Parse may still read s ("+44 20 7946 0000").
func IsE164(s string) bool {
	if len(s) < 3 || len(s) > maxE164 || s[0] != '+' {
		return false
	}
	sc := scanned{plus: true}
	for _, c := range []byte(s[1:]) {
		if c < '0' || c > '9' {
			return false
		}
		sc.d[sc.n] = c
		sc.n++
	}
	var buf [maxE164]byte
	out, r, ok := fastPath(buf[:0], &sc, nil)
	if !ok {
		out, r = slowPath(buf[:0], &sc, nil)
	}
	return r == reasonNone && string(out) == s
}

// AppendParse is Parse for hot loops: it appends the E.164 form of input to
// dst and returns the extended slice, allocating nothing when dst has room
// (maxE164 bytes suffice) and the input takes the fast path. On error dst is
// returned unchanged.
func AppendParse(dst []byte, input, defaultRegion string) ([]byte, error) {
	out, r := parse(dst, input, defaultRegion)
	if r != reasonNone {
		return dst, ParseError{Reason: r}
	}
	return out, nil
}

// maxE164Digits is E.164's limit (ITU-T E.164 §6): at most 15 digits,
// calling code included. libphonenumber's possible-number check allows a
// 17-digit national number after any calling code, so both paths refuse
// longer results themselves as ReasonTooLong.
const maxE164Digits = 15

// maxE164 is the longest E.164 text Parse returns: '+' and 15 digits.
const maxE164 = 1 + maxE164Digits

// parse is the single entry both public functions use: the shared input
// scan, then the fast path, then libphonenumber when the fast path cannot
// decide.
func parse(dst []byte, input, region string) ([]byte, Reason) {
	var sc scanned
	ri, r := sc.prepare(input, region)
	if r != reasonNone {
		return dst, r
	}
	if out, r, ok := fastPath(dst, &sc, ri); ok {
		return out, r
	}
	return slowPath(dst, &sc, ri)
}
