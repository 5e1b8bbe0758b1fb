package phone

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, region string
		want       Number
		reason     Reason
	}{
		{"12345678", "DK", "+4512345678", 0},
		{"  12 34 56 78\t", "DK", "+4512345678", 0},
		{"12-34.56/78", "DK", "+4512345678", 0},
		{"+45 (12) 34 56 78", "DK", "+4512345678", 0},
		{"0045 12 34 56 78", "DK", "+4512345678", 0},
		{"45 12 34 56 78", "DK", "+4512345678", 0},
		{"'12345678", "DK", "+4512345678", 0},
		{"＋４５ １２３４ ５６７８", "DK", "+4512345678", 0},
		{"١٢٣٤٥٦٧٨", "DK", "+4512345678", 0},
		{"۱۲۳۴۵۶۷۸", "DK", "+4512345678", 0},
		{"12\u00a034\u200b56\u201078", "DK", "+4512345678", 0},
		{"12345678", "dk", "+4512345678", 0},
		{"07700 900123", "GB", "+447700900123", 0},
		{"+44 (0)7700 900123", "GB", "+447700900123", 0},
		{"030 1234567", "DE", "+49301234567", 0},
		{"(201) 555-0123", "US", "+12015550123", 0},
		{"1 (201) 555-0123", "US", "+12015550123", 0},
		{"011 45 12345678", "US", "+4512345678", 0},
		{"06 12 34 56 78", "FR", "+33612345678", 0},
		{"06 1234 5678", "IT", "+390612345678", 0}, // Italian leading zero is part of the number
		{"070-123 45 67", "SE", "+46701234567", 0},
		{"+4512345678", "", "+4512345678", 0}, // a plus needs no region

		{"", "DK", "", ReasonEmpty},
		{" - ", "DK", "", ReasonEmpty},
		{"12345678 ext 12", "DK", "", ReasonLetters},
		{"1-800-FLOWERS", "US", "", ReasonLetters},
		{"12345678#", "DK", "", ReasonInvalidChars},
		{"45+12345678", "DK", "", ReasonInvalidChars},
		{"1234'5678", "DK", "", ReasonInvalidChars},
		{"1234567", "DK", "", ReasonTooShort},
		{"555-0123", "US", "", ReasonTooShort}, // local only: no area code
		{"+45 1234 5678 9", "DK", "", ReasonTooLong},
		{strings.Repeat("1", 40), "DK", "", ReasonTooLong},
		{"020 123 4567 890", "NL", "", ReasonTooLong},
		{"+46 1234", "DK", "", ReasonTooShort},
		{"+358 12345678901234", "DK", "", ReasonTooLong},
		{"+49 1234 5678 9012 345", "DK", "", ReasonTooLong}, // 17 digits: libphonenumber allows it, E.164 does not
		{"+49 1234 5678 9012", "DK", "+49123456789012", 0},  // 14 digits
		{"0046 70 123", "DK", "", ReasonTooShort},
		{"+999 12345678", "DK", "", ReasonUnknownCountryCode},
		{"00999 12345678", "DK", "", ReasonUnknownCountryCode},
		{"12345678", "XX", "", ReasonInvalidRegion},
		{"12345678", "", "", ReasonInvalidRegion},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.region)
		var pe ParseError
		switch {
		case tt.reason == 0 && (err != nil || got != tt.want):
			t.Errorf("Parse(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
		case tt.reason != 0 && (!errors.As(err, &pe) || pe.Reason != tt.reason || !errors.Is(err, ErrInvalidPhone) || got != ""):
			t.Errorf("Parse(%q, %q) = %q, %v; want reason %v", tt.in, tt.region, got, err, tt.reason)
		}
	}
}

func TestParseErrorHasNoInput(t *testing.T) {
	for _, in := range []string{"98765432 ext 7", "9876543", "+999 98765432", "98765#432", strings.Repeat("9", 50)} {
		_, err := Parse(in, "DK")
		if err == nil {
			t.Fatalf("Parse(%q) accepted", in)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "leadprivacy: ") || strings.Contains(msg, "987") || strings.Contains(msg, "999") {
			t.Errorf("error message %q leaks input or lacks prefix", msg)
		}
	}
}

func TestParseReturnsCanonicalInputWithoutCopy(t *testing.T) {
	in := "+4512345678"
	if n := testing.AllocsPerRun(100, func() { _, _ = Parse(in, "DK") }); n != 0 {
		t.Errorf("Parse of canonical E.164: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Parse("12 34 56 78", "DK") }); n > 1 {
		t.Errorf("Parse of national number: %v allocs, want <= 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Parse("1234567", "DK") }); n != 0 {
		t.Errorf("Parse failure: %v allocs, want 0", n)
	}
	buf := make([]byte, 0, maxE164)
	if n := testing.AllocsPerRun(100, func() { _, _ = AppendParse(buf[:0], "0045 12-34-56-78", "DK") }); n != 0 {
		t.Errorf("AppendParse: %v allocs, want 0", n)
	}
}

func TestAppendParse(t *testing.T) {
	dst := []byte("x")
	out, err := AppendParse(dst, "030 1234567", "DE")
	if err != nil || string(out) != "x+49301234567" {
		t.Fatalf("AppendParse = %q, %v", out, err)
	}
	out, err = AppendParse(dst, "030", "DE")
	if !errors.Is(err, ErrInvalidPhone) || string(out) != "x" {
		t.Fatalf("AppendParse failure = %q, %v", out, err)
	}
}

func TestReasonString(t *testing.T) {
	seen := map[string]bool{}
	for r := reasonNone; r < numReasons; r++ {
		s := r.String()
		if s == "" || seen[s] {
			t.Errorf("reason %d has empty or duplicate text %q", r, s)
		}
		seen[s] = true
	}
	if numReasons.String() != "unknown reason" {
		t.Errorf("out-of-range reason = %q", numReasons.String())
	}
}

func TestValidRegion(t *testing.T) {
	for _, r := range []string{"DK", "dk", "Gb", "US", "FI"} {
		if !ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = false", r)
		}
	}
	for _, r := range []string{"", "D", "DKK", "XX", "ZZ", "001", "1A"} {
		if ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = true", r)
		}
	}
}

func TestNumberCountryCode(t *testing.T) {
	for n, want := range map[Number]int{"+4512345678": 45, "+12015550123": 1, "+358401234567": 358, "+80012345678": 800, "4512345678": 0, "+": 0, "+999123": 0, "": 0} {
		if got := n.CountryCode(); got != want {
			t.Errorf("%q.CountryCode() = %d, want %d", n, got, want)
		}
	}
	if Number("+4512345678").String() != "+4512345678" {
		t.Error("String")
	}
}

// TestDigitRanges checks the assumption digitValue relies on.
func TestDigitRanges(t *testing.T) {
	check := func(lo, hi, stride uint32) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			t.Errorf("Nd range %#x-%#x stride %d is not whole 0..9 blocks", lo, hi, stride)
		}
		for r := lo; r <= hi; r++ {
			if want := int(r-lo) % 10; digitValue(rune(r)) != want {
				t.Errorf("digitValue(%#x) = %d, want %d", r, digitValue(rune(r)), want)
			}
		}
	}
	for _, rg := range unicode.Nd.R16 {
		check(uint32(rg.Lo), uint32(rg.Hi), uint32(rg.Stride))
	}
	for _, rg := range unicode.Nd.R32 {
		check(rg.Lo, rg.Hi, rg.Stride)
	}
}

func TestMask(t *testing.T) {
	for n, want := range map[Number]string{
		"+4512345678":    "+45••••5678",
		"+447700900123":  "+44••••••0123",
		"+12015550123":   "+1••••••0123",
		"+298123456":     "+298•••456",
		"+4512":          "+45•2",
		"":               "",
		"12345678":       "••••••78",
		"+999 123456789": "••••••••••6789",
		// Not made by Parse: "01" is no calling code 1, so the number is
		// masked as raw input, not as "+01••34".
		"+01234": "••••34",
	} {
		if got := Mask(n); got != want {
			t.Errorf("Mask(%q) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[Number]int{"+4512345678": 45, "+12015550123": 1, "+01234": 0, "+0045123": 0, "4512345678": 0} {
		if got := n.CountryCode(); got != want {
			t.Errorf("%q.CountryCode() = %d, want %d", n, got, want)
		}
	}
}

func TestMaskInput(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"  ":             "",
		"1":              "•",
		"12":             "••",
		"123":            "••3",
		"12345678":       "••••••78",
		" 12345678 ":     "••••••78",
		"abcdef":         "••••••",
		"+45 1234 5678":  "•••••••••5678",
		"12345\n\x1b[2J": "••••••••2•",
		"١٢٣٤٥٦":         "••••••",
	} {
		if got := MaskInput(in); got != want {
			t.Errorf("MaskInput(%q) = %q, want %q", in, got, want)
		}
	}
	huge := strings.Repeat("98765", 100000)
	got := MaskInput(huge)
	if len(got) > 60 || strings.Contains(got, "9876") || !strings.HasSuffix(got, "5") {
		t.Errorf("MaskInput(huge) = %q (%d bytes)", got, len(got))
	}
	for _, in := range []string{"12", "1234", "123456789", "+4512345678"} {
		if got := MaskInput(in); strings.Contains(got, in) || utf8.RuneCountInString(got) != utf8.RuneCountInString(in) {
			t.Errorf("MaskInput(%q) = %q reveals or changes length", in, got)
		}
	}
}

func TestFingerprint(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	fp, err := NewFingerprinter(key)
	if err != nil {
		t.Fatal(err)
	}
	// HMAC-SHA256("0123456789abcdef0123456789abcdef", "+4512345678"),
	// computed independently with: printf %s +4512345678 | openssl dgst -sha256 -hmac <key>
	const want = "38deb13aae400b30fc780d1e26a9852715e89f512457e70b438817ecf4136f1c"
	got := fp.Fingerprint("+4512345678")
	if got.String() != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	key[0] = 'X' // the Fingerprinter keeps its own copy
	if fp.Fingerprint("+4512345678") != got {
		t.Error("Fingerprinter depends on the caller's key slice")
	}
	other, _ := NewFingerprinter([]byte("another key of sufficient length"))
	if other.Fingerprint("+4512345678") == got || fp.Fingerprint("+4512345679") == got {
		t.Error("fingerprints collide across keys or numbers")
	}
	long := Number("+" + strings.Repeat("1", 200)) // longer than the staging buffer
	if fp.Fingerprint(long) == fp.Fingerprint(long[:100]) {
		t.Error("long input truncated")
	}

	if _, err := NewFingerprinter(make([]byte, MinKeyLen-1)); !errors.Is(err, ErrShortKey) {
		t.Errorf("short key: err = %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = fp.Fingerprint("+4512345678") }); n != 0 && !raceEnabled {
		t.Errorf("Fingerprint: %v allocs, want 0", n)
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				if fp.Fingerprint("+4512345678") != got {
					t.Error("concurrent Fingerprint differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestFingerprintText(t *testing.T) {
	var f Fingerprint
	if !f.IsZero() {
		t.Error("zero value not IsZero")
	}
	for i := range f {
		f[i] = byte(i * 7)
	}
	if f.IsZero() {
		t.Error("non-zero IsZero")
	}
	text, err := f.MarshalText()
	if err != nil || string(text) != f.String() || len(text) != 64 {
		t.Fatalf("MarshalText = %q, %v", text, err)
	}
	back, err := ParseFingerprint(strings.ToUpper(f.String()))
	if err != nil || back != f {
		t.Errorf("ParseFingerprint(upper) = %v, %v", back, err)
	}
	for _, bad := range []string{"", "00", strings.Repeat("g", 64), strings.Repeat("0", 63), strings.Repeat("0", 66)} {
		if _, err := ParseFingerprint(bad); !errors.Is(err, ErrInvalidFingerprint) {
			t.Errorf("ParseFingerprint(%q) err = %v", bad, err)
		}
	}
	g := f
	if err := g.UnmarshalText([]byte("zz")); err == nil || g != f {
		t.Error("failed UnmarshalText changed the value")
	}
}
