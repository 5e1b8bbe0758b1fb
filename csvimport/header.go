package csvimport

import (
	"strings"
	"unicode"
)

// normalize folds a header or field name for comparison: lower case,
// letters and digits only, so "First name", "first_name" and "FIRST-NAME"
// are equal.
func normalize(s string) string {
	return fold(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
}

// fold returns s in lower case with only the runes keep accepts.
func fold(s string, keep func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		if keep(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// phoneWords are name parts that mark a phone column anywhere in a header
// ("Phone 2", "Mobilnummer", "Tlf. privat"); phoneNames are names that do so
// only alone, because "Customer number" is not a phone column.
var (
	phoneWords = []string{"phone", "telefon", "telephone", "téléphone", "teléfono", "tlf", "mobil", "cell", "msisdn", "gsm", "handy"}
	phoneNames = []string{"tel", "number", "numbers", "nummer", "numre", "numero", "número"}
)

// isPhoneHeader reports whether a header names a phone column.
func isPhoneHeader(h string) bool {
	n := fold(h, unicode.IsLetter) // without digits: "Tel 1" is "tel"
	for _, w := range phoneWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	for _, w := range phoneNames {
		if n == w {
			return true
		}
	}
	return false
}

// isHeader reports whether a number list's first record is a header: every
// cell is blank, names a phone column, or has letters and no digit. A
// mistyped number such as "2012345x" has digits, so it is reported as an
// invalid number instead of being skipped as a header.
func isHeader(cells []string) bool {
	named := false
	for _, c := range cells {
		switch {
		case c == "":
		case isPhoneHeader(c):
			named = true
		case strings.IndexFunc(c, unicode.IsDigit) < 0 && strings.IndexFunc(c, unicode.IsLetter) >= 0:
			named = true
		default:
			return false
		}
	}
	return named
}
