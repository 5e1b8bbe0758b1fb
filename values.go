package leadprivacy

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The rules below decide which codes, texts and times can be stored. Every
// Validate method applies them, so every storage adapter stores each
// accepted value byte-exact (texts) or to the microsecond (times) and
// refuses the rest with ErrInvalidArgument before a backend sees it.

// Limits of a code (see ValidCode).
const (
	MaxCodeLen    = 64 // bytes
	MaxCodeDigits = 4  // digits in all, so a code cannot hold a phone number
)

// Limits of free text, in bytes of UTF-8.
const (
	// MaxNameLen bounds short texts: names of organisations, projects,
	// templates and users, template field keys and labels, lead field
	// keys, ChangeLog actions, detail keys and values.
	MaxNameLen = 256
	// MaxTextLen bounds long texts: lead field values, contact notes and
	// recording references.
	MaxTextLen = 64 << 10
)

// MinTime and MaxTime bound the times that can be stored: years 1 to 9999
// UTC, the range every supported database represents exactly. Times keep
// microseconds; finer parts are truncated when stored.
var (
	MinTime = time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// ValidCode reports whether s is a code, and if not, returns a *FieldError
// for field saying why (it never repeats s, which might be personal data).
// A code is what a program chooses from a fixed list, never what a person
// types: 1 to MaxCodeLen characters, starting with a lower-case ASCII
// letter, then lower-case ASCII letters, digits, '_', '.', ':' or '-', with
// at most MaxCodeDigits digits in all. That rules out names (no capitals,
// spaces or accents), e-mail addresses (no '@'), phone numbers (too many
// digits) and sentences, so "customer_request" is a code and
// "Jens Hansen asked, call 20123456" is not. Reason codes, outcomes and
// ChangeLog code details follow this rule.
func ValidCode(field, s string) error {
	if s == "" || len(s) > MaxCodeLen {
		return invalid(field, "code must be 1 to "+strconv.Itoa(MaxCodeLen)+" characters")
	}
	if s[0] < 'a' || s[0] > 'z' {
		return invalid(field, "code must start with a lower-case letter")
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c == '_', c == '.', c == ':', c == '-':
		case c >= '0' && c <= '9':
			digits++
		default:
			return invalid(field, "code may hold only lower-case letters, digits and _ . : - (a code, not free text)")
		}
	}
	if digits > MaxCodeDigits {
		return invalid(field, "code may hold at most "+strconv.Itoa(MaxCodeDigits)+" digits (it must not be a number)")
	}
	return nil
}

// optionalCode is ValidCode that also accepts the empty string.
func optionalCode(field, s string) error {
	if s == "" {
		return nil
	}
	return ValidCode(field, s)
}

// ValidText reports whether s can be stored as text of at most max bytes,
// and if not, returns a *FieldError for field saying why: s must be valid
// UTF-8 without NUL (PostgreSQL text cannot hold NUL, and invalid UTF-8
// would come back changed). Other characters, bidi controls included, are
// stored as they are.
func ValidText(field, s string, max int) error {
	if why := textProblem(s, max); why != "" {
		return invalid(field, why)
	}
	return nil
}

// textProblem says why s is not storable text of at most max bytes, or
// returns "" if it is.
func textProblem(s string, max int) string {
	switch {
	case len(s) > max:
		return "must be at most " + strconv.Itoa(max) + " bytes"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain NUL"
	}
	return ""
}

// validTexts applies ValidText to the keys (at most MaxNameLen bytes) and
// values (at most max bytes) of m. The error names the field, not the key,
// which may be personal data.
func validTexts(field string, m map[string]string, max int) error {
	for k, v := range m {
		if why := textProblem(k, MaxNameLen); why != "" {
			return invalid(field, "a key "+why)
		}
		if why := textProblem(v, max); why != "" {
			return invalid(field, "a value "+why)
		}
	}
	return nil
}

// ValidTime reports whether t can be stored, and if not, returns a
// *FieldError for field saying why. The zero time ("unset") is valid;
// any other time must lie between MinTime and MaxTime once truncated to
// microseconds, so it round-trips through every adapter unchanged and a
// time just after the zero time is not read back as unset.
func ValidTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if u := t.UTC().Truncate(time.Microsecond); u.Before(MinTime) || u.After(MaxTime) {
		return invalid(field, "must be zero or between 0001-01-01T00:00:00.000001Z and 9999-12-31T23:59:59.999999Z")
	}
	return nil
}

// firstErr returns the first non-nil error of errs.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
