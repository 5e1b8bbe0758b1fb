package phone

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// parseSlow is parse without the fast path: the libphonenumber reference.
func parseSlow(input, region string) (string, Reason) {
	var sc scanned
	ri, r := sc.prepare(input, region)
	if r != reasonNone {
		return "", r
	}
	out, r := slowPath(nil, &sc, ri)
	return string(out), r
}

// parseFast is parse without the fallback; decided is false where parse
// would ask libphonenumber.
func parseFast(input, region string) (out string, r Reason, decided bool) {
	var sc scanned
	ri, r := sc.prepare(input, region)
	if r != reasonNone {
		return "", r, true
	}
	b, r, decided := fastPath(nil, &sc, ri)
	return string(b), r, decided
}

// diffRegions are the regions the differential test and the benchmark mix
// draw from: the brief's twelve plus regions whose metadata exercises the
// unusual branches (NANPA non-main region, transform rules, long
// international prefixes, Italian leading zeros, Russian trunk 8).
var diffRegions = []string{"DK", "SE", "NO", "DE", "GB", "US", "FR", "NL", "ES", "IT", "PL", "FI",
	"CA", "AR", "RU", "AU", "BR", "MX", "JP", "CN", "IN", "CH", "AT", "BE", "IE", "PT", "NZ", "ZA", "HU", "SG"}

// generator produces inputs shaped like what people paste and spreadsheets
// export, plus noise.
type generator struct {
	rnd *rand.Rand
}

func newGenerator(seed uint64) *generator {
	return &generator{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rnd.IntN(10))
	}
	if n > 0 && g.rnd.IntN(4) > 0 { // usually a plausible leading digit
		b[0] = byte('1' + g.rnd.IntN(9))
	}
	return string(b)
}

// separate inserts separators the way people and exports write numbers.
func (g *generator) separate(s string) string {
	seps := []string{" ", " ", "-", ".", "/", " - ", "\u00a0", "\u2011"}
	style := g.rnd.IntN(5)
	if style == 0 {
		return s
	}
	var b strings.Builder
	sep := seps[g.rnd.IntN(len(seps))]
	for i, c := range s {
		if i > 0 && c != '+' && g.rnd.IntN(4) == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

var commonCodes = []string{"45", "46", "47", "49", "44", "1", "33", "31", "34", "39", "48", "358", "41", "43", "32", "353", "351", "7", "54", "55", "61", "81", "86", "91", "800", "882", "979"}

// nsnLength picks a length around the region's possible lengths.
func (g *generator) nsnLength(region string) int {
	ri := lookupRegion(region)
	if ri == nil || ri.meta.unsupported {
		return 4 + g.rnd.IntN(10)
	}
	return ri.meta.minLen - 2 + g.rnd.IntN(ri.meta.maxLen-ri.meta.minLen+5)
}

// input returns one generated input for region and the shape it has.
func (g *generator) input(region string) (string, string) {
	ri := lookupRegion(region)
	switch k := g.rnd.IntN(100); {
	case k < 45: // national, maybe with trunk prefix and area-code parentheses
		nsn := g.digits(g.nsnLength(region))
		trunk := ""
		if ri != nil && len(ri.meta.nationalPrefix.alts) > 0 && g.rnd.IntN(3) > 0 {
			trunk = ri.meta.nationalPrefix.alts[0]
		}
		s := trunk + nsn
		if g.rnd.IntN(6) == 0 && len(s) > 4 {
			s = "(" + s[:3] + ") " + s[3:]
			return g.separate(s), "national"
		}
		return g.separate(s), "national"
	case k < 65: // +CC
		cc := commonCodes[g.rnd.IntN(len(commonCodes))]
		s := "+" + cc + g.digits(g.nsnLength(region))
		if g.rnd.IntN(8) == 0 {
			s = "+" + cc + " (0)" + g.digits(g.nsnLength(region))
		}
		return g.separate(s), "plus"
	case k < 75: // international prefix
		idd := "00"
		if g.rnd.IntN(3) == 0 {
			idd = "011"
		}
		cc := commonCodes[g.rnd.IntN(len(commonCodes))]
		return g.separate(idd + cc + g.digits(g.nsnLength(region))), "idd"
	case k < 80: // own calling code without plus
		if ri == nil {
			return g.digits(8), "cc"
		}
		return g.separate(ri.ccText + g.digits(g.nsnLength(region))), "cc"
	case k < 85: // Excel and Unicode digits
		s := "+" + commonCodes[g.rnd.IntN(len(commonCodes))] + g.digits(g.nsnLength(region))
		if g.rnd.IntN(2) == 0 {
			s = "'" + s
		}
		return toUnicodeDigits(s, g.rnd.IntN(3)), "unicode"
	default: // noise
		alphabet := []rune("0123456789012345678901234567890123456789 +-()'.x#*e\u0661\uFF15\u00a0")
		n := g.rnd.IntN(26)
		r := make([]rune, n)
		for i := range r {
			r[i] = alphabet[g.rnd.IntN(len(alphabet))]
		}
		return string(r), "noise"
	}
}

// toUnicodeDigits rewrites ASCII digits as fullwidth (0), Arabic-Indic (1)
// or Eastern Arabic-Indic (2) digits.
func toUnicodeDigits(s string, script int) string {
	zero := []rune{'\uFF10', '\u0660', '\u06F0'}[script]
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return zero + r - '0'
		}
		return r
	}, s)
}

// handWritten are edge cases the generator may not hit.
var handWritten = []struct{ in, region string }{
	{"", "DK"}, {"   ", "DK"}, {"'", "DK"}, {"+", "DK"}, {"+ ", "DK"}, {"--", "DK"},
	{"12345678", "DK"}, {"+45 12 34 56 78", "DK"}, {"0045 12 34 56 78", "DK"}, {"45 12 34 56 78", "DK"},
	{"45123456", "DK"}, {"4512345", "DK"}, {"+4512", "DK"}, {"+451", "DK"}, {"+45", "DK"}, {"+4", "DK"},
	{"1", "DK"}, {"12", "DK"}, {"123", "DK"}, {"+123", "DK"}, {"+0045 12345678", "DK"}, {"+045 12345678", "DK"},
	{"+999 12345678", "DK"}, {"00999 12345678", "DK"}, {"000 12345678", "DK"}, {"00", "DK"}, {"001", "DK"}, {"0012", "DK"},
	{"07700 900123", "GB"}, {"+44 (0)7700 900123", "GB"}, {"+44 7700 900123", "GB"}, {"0044 7700 900123", "GB"},
	{"020 7946 0018", "GB"}, {"1800201234567", "GB"}, {"180020 1234", "GB"}, {"447700900123", "GB"},
	{"030 1234567", "DE"}, {"+49 30 1234567", "DE"}, {"0049 (0)30 1234567", "DE"}, {"4930 1234567", "DE"},
	{"(201) 555-0123", "US"}, {"1 (201) 555-0123", "US"}, {"+1 201 555 0123", "US"}, {"011 45 12345678", "US"},
	{"555-0123", "US"}, {"1201555012", "US"}, {"201.555.0123", "CA"}, {"1-201-555-0123", "CA"},
	{"06 12 34 56 78", "FR"}, {"+33 6 12 34 56 78", "FR"}, {"33 6 12 34 56 78", "FR"},
	{"06-12345678", "NL"}, {"+31 6 12345678", "NL"}, {"612 345 678", "ES"}, {"+34 612 345 678", "ES"},
	{"06 1234 5678", "IT"}, {"+39 06 1234 5678", "IT"}, {"347 123 4567", "IT"}, {"39 347 123 4567", "IT"},
	{"512 345 678", "PL"}, {"+48 512 345 678", "PL"}, {"040 1234567", "FI"}, {"990 45 12345678", "FI"},
	{"+358 40 1234567", "FI"}, {"070-123 45 67", "SE"}, {"+46 70 123 45 67", "SE"}, {"412 34 567", "NO"},
	{"8 912 345 67 89", "RU"}, {"8 10 45 12345678", "RU"}, {"0011 45 12345678", "AU"}, {"0412 345 678", "AU"},
	{"011 15 1234 5678", "AR"}, {"+54 9 11 1234 5678", "AR"}, {"+800 1234 5678", "DK"}, {"+882 1234 5678", "DE"},
	{"+4512345678", "XX"}, {"12345678", "XX"}, {"12345678", ""}, {"+4512345678", ""}, {"12345678", "dk"},
	{"'+45 12 34 56 78", "DK"}, {" '12345678 ", "DK"}, {"''12345678", "DK"}, {"1234'5678", "DK"},
	{"12345678 ext 12", "DK"}, {"12345678x12", "DK"}, {"12345678#", "DK"}, {"1-800-FLOWERS", "US"},
	{"tel:+4512345678", "DK"}, {"+45+12345678", "DK"}, {"45+12345678", "DK"}, {"++4512345678", "DK"},
	{"\uFF0B\uFF14\uFF15\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18", "DK"},
	{"\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "DK"}, {"\u06F1\u06F2\u06F3\u06F4\u06F5\u06F6\u06F7\u06F8", "DK"},
	{"\u0967\u0968\u0969\u096A\u096B\u096C\u096D\u096E", "DK"}, {"\uFEFF12345678", "DK"}, {"12\u200B34\u00AD5678", "DK"},
	{"12 34 56 78 90 12 34 56 78 90 12 34 56 78 90 12 34", "DK"}, {"+12345678901234567890", "DK"},
	{"\xff12345678", "DK"}, {"12345678\x00", "DK"}, {"+45 1234 5678 9", "DK"}, {"+1 800 FLOWERS", "US"},
	{"+39 0612345678", "IT"}, {"+39 00 1234", "IT"}, {"0000000", "IT"}, {"+6 1234", "DK"},
}

func TestFastPathAgrees(t *testing.T) {
	type caseT struct{ in, region, shape string }
	var cases []caseT
	for _, h := range handWritten {
		cases = append(cases, caseT{h.in, h.region, "hand"})
	}
	// libphonenumber's example numbers in every format for every region.
	for region := range phonenumbers.GetSupportedRegions() {
		for typ := phonenumbers.FIXED_LINE; typ <= phonenumbers.VOICEMAIL; typ++ {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			for _, f := range []phonenumbers.PhoneNumberFormat{phonenumbers.E164, phonenumbers.INTERNATIONAL, phonenumbers.NATIONAL} {
				cases = append(cases, caseT{phonenumbers.Format(ex, f), region, "example"})
			}
		}
	}
	g := newGenerator(1)
	for i := 0; i < 24000; i++ {
		region := diffRegions[i%len(diffRegions)]
		in, shape := g.input(region)
		cases = append(cases, caseT{in, region, shape})
	}

	decided := map[string][2]int{}
	for _, c := range cases {
		want, wantR := parseSlow(c.in, c.region)
		got, gotR := parse(nil, c.in, c.region)
		if string(got) != want || gotR != wantR {
			t.Errorf("Parse(%q, %q) = %q, %v; libphonenumber: %q, %v", c.in, c.region, got, gotR, want, wantR)
		}
		fast, fastR, ok := parseFast(c.in, c.region)
		d := decided[c.shape]
		d[1]++
		if ok {
			d[0]++
			if fast != want || fastR != wantR {
				t.Errorf("fast path (%q, %q) = %q, %v; libphonenumber: %q, %v", c.in, c.region, fast, fastR, want, wantR)
			}
		}
		decided[c.shape] = d
	}
	shapes := make([]string, 0, len(decided))
	for s := range decided {
		shapes = append(shapes, s)
	}
	slices.Sort(shapes)
	var total, fast int
	for _, s := range shapes {
		d := decided[s]
		total += d[1]
		fast += d[0]
		t.Logf("%-8s %6d inputs, fast path decided %5.1f%%", s, d[1], 100*float64(d[0])/float64(d[1]))
	}
	t.Logf("total    %6d inputs, fast path decided %5.1f%%", total, 100*float64(fast)/float64(total))
	if total < 10000 {
		t.Fatalf("only %d inputs", total)
	}
	// The fast path must carry the bulk, or the comparison proves little.
	if share := float64(fast) / float64(total); share < 0.85 {
		t.Errorf("fast path decided only %.1f%% of inputs", 100*share)
	}
}

// TestIsE164 checks IsE164 against Parse: for libphonenumber's example
// numbers in E.164 and the generated inputs, and for what Parse made of
// them, IsE164 holds exactly when Parse returns the input unchanged, in
// every region tried.
func TestIsE164(t *testing.T) {
	var inputs []string
	for region := range phonenumbers.GetSupportedRegions() {
		for typ := phonenumbers.FIXED_LINE; typ <= phonenumbers.VOICEMAIL; typ++ {
			if ex := phonenumbers.GetExampleNumberForType(region, typ); ex != nil {
				inputs = append(inputs, phonenumbers.Format(ex, phonenumbers.E164))
			}
		}
	}
	g := newGenerator(2)
	for i := range 6000 {
		in, _ := g.input(diffRegions[i%len(diffRegions)])
		inputs = append(inputs, in)
		if n, err := Parse(in, diffRegions[i%len(diffRegions)]); err == nil {
			inputs = append(inputs, string(n))
		}
	}
	canonical := 0
	for _, in := range inputs {
		got := IsE164(in)
		if got {
			canonical++
		}
		for _, region := range diffRegions {
			if n, err := Parse(in, region); got != (err == nil && string(n) == in) {
				t.Fatalf("IsE164(%q) = %v; Parse(%q, %q) = %q, %v", in, got, in, region, n, err)
			}
		}
	}
	if canonical < len(inputs)/3 {
		t.Fatalf("only %d of %d inputs in E.164: the check proves little", canonical, len(inputs))
	}
}
