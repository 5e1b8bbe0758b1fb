package phone

import (
	"strings"
	"unicode/utf8"
)

// maskRune replaces hidden characters.
const maskRune = "•"

// Mask returns n for display where the full number must not appear: the
// calling code and the last digits stay, the rest become bullets, one per
// digit: "+4512345678" → "+45••••5678". It is what the ChangeLog and
// admin screens show.
//
// At most half of the national number is shown, and never more than 4
// digits: a 6-digit national number keeps 3 ("+298•••456"), a 2-digit one
// keeps 1. A value that is not a parsed Number (no known calling code) is
// masked like MaskInput.
func Mask(n Number) string {
	cc, nsn := n.split()
	if cc == 0 || nsn == "" {
		return MaskInput(string(n))
	}
	visible := min(4, len(nsn)/2)
	var b strings.Builder
	b.Grow(len(n) + 2*(len(nsn)-visible))
	b.WriteString(string(n)[:len(n)-len(nsn)])
	for range len(nsn) - visible {
		b.WriteString(maskRune)
	}
	b.WriteString(nsn[len(nsn)-visible:])
	return b.String()
}

// maxMaskedHidden bounds the bullets MaskInput writes, so the output stays
// short whatever the input size.
const maxMaskedHidden = 12

// MaskInput masks raw, possibly invalid input for error messages and logs
// ("cannot parse ••••••78"). Leading and trailing blanks are dropped;
// about a third of the remaining characters, at most the last 4 and never
// all of them, stay visible, and only if they are digits or common phone
// punctuation (anything else is masked too, so the output cannot smuggle
// control characters or other text into a log). Long input is cut to at
// most 12 bullets plus "…", so the result is at most about 60 bytes.
func MaskInput(raw string) string {
	raw = strings.TrimSpace(raw)
	n := utf8.RuneCountInString(raw)
	if n == 0 {
		return ""
	}
	visible := min(4, n/3)
	// Start of the visible tail.
	tail := len(raw)
	for range visible {
		_, size := utf8.DecodeLastRuneInString(raw[:tail])
		tail -= size
	}
	var b strings.Builder
	hidden := n - visible
	if hidden > maxMaskedHidden {
		b.WriteString("…")
		hidden = maxMaskedHidden
	}
	for range hidden {
		b.WriteString(maskRune)
	}
	for _, r := range raw[tail:] {
		if r < utf8.RuneSelf && strings.IndexByte("0123456789+-.()/ ", byte(r)) >= 0 {
			b.WriteRune(r)
		} else {
			b.WriteString(maskRune)
		}
	}
	return b.String()
}
