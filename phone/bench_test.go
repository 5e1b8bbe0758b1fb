package phone

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// benchRegions are the regions of the realistic benchmark mix.
var benchRegions = []string{"DK", "SE", "NO", "DE", "GB", "US", "FR", "NL", "ES", "IT", "PL", "FI"}

type benchInput struct{ in, region string }

// benchMix builds n inputs: 60% national format with separators (as
// libphonenumber formats them, trunk prefix included), 20% international
// "+CC ..." format, 10% with the region's international prefix, 10% odd
// (Excel apostrophe, Unicode digits, missing digits, extensions, junk).
func benchMix(n int) []benchInput {
	rnd := rand.New(rand.NewPCG(7, 7))
	var examples []*phonenumbers.PhoneNumber
	var exRegions []string
	for _, r := range benchRegions {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE} {
			if ex := phonenumbers.GetExampleNumberForType(r, typ); ex != nil {
				examples = append(examples, ex)
				exRegions = append(exRegions, r)
			}
		}
	}
	out := make([]benchInput, n)
	for i := range out {
		k := rnd.IntN(len(examples))
		ex := examples[k]
		// Vary the subscriber part, keep the length.
		nsn := ex.GetNationalNumber()
		nsn = nsn - nsn%1000 + uint64(rnd.IntN(1000))
		num := phonenumbers.PhoneNumber{CountryCode: ex.CountryCode, NationalNumber: &nsn,
			ItalianLeadingZero: ex.ItalianLeadingZero, NumberOfLeadingZeros: ex.NumberOfLeadingZeros}
		region := exRegions[k]
		var s string
		switch p := i % 10; {
		case p < 6:
			s = phonenumbers.Format(&num, phonenumbers.NATIONAL)
		case p < 8:
			s = phonenumbers.Format(&num, phonenumbers.INTERNATIONAL)
		case p < 9:
			idd := "00 "
			if region == "US" {
				idd = "011 "
			}
			s = idd + strings.TrimPrefix(phonenumbers.Format(&num, phonenumbers.INTERNATIONAL), "+")
		default:
			e164 := phonenumbers.Format(&num, phonenumbers.E164)
			switch rnd.IntN(5) {
			case 0:
				s = "'" + e164
			case 1:
				s = toUnicodeDigits(e164, rnd.IntN(3))
			case 2:
				s = e164[:len(e164)-3]
			case 3:
				s = phonenumbers.Format(&num, phonenumbers.NATIONAL) + " ext 12"
			default:
				s = "n/a"
			}
		}
		out[i] = benchInput{s, region}
	}
	return out
}

// BenchmarkParseMix compares, on the same realistic mix, Parse (fast path
// with fallback), AppendParse (the same without the result string), the
// package's libphonenumber reference path, and plain libphonenumber use
// (Parse + IsPossibleNumberWithReason + Format). One op is one number.
func BenchmarkParseMix(b *testing.B) {
	mix := benchMix(4096)
	fallback := 0
	for _, m := range mix {
		if _, _, ok := parseFast(m.in, m.region); !ok {
			fallback++
		}
	}
	fallbackPct := 100 * float64(fallback) / float64(len(mix))

	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m := &mix[i%len(mix)]
			_, _ = Parse(m.in, m.region)
			i++
		}
		b.ReportMetric(fallbackPct, "fallback%")
	})
	b.Run("AppendParse", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, maxE164)
		i := 0
		for b.Loop() {
			m := &mix[i%len(mix)]
			_, _ = AppendParse(buf[:0], m.in, m.region)
			i++
		}
		b.ReportMetric(fallbackPct, "fallback%")
	})
	b.Run("FastPathOnly", func(b *testing.B) {
		var fast []benchInput
		for _, m := range mix {
			if _, _, ok := parseFast(m.in, m.region); ok {
				fast = append(fast, m)
			}
		}
		b.ReportAllocs()
		buf := make([]byte, 0, maxE164)
		i := 0
		for b.Loop() {
			m := &fast[i%len(fast)]
			_, _ = AppendParse(buf[:0], m.in, m.region)
			i++
		}
	})
	b.Run("SlowPath", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m := &mix[i%len(mix)]
			_, _ = parseSlow(m.in, m.region)
			i++
		}
	})
	b.Run("libphonenumber", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m := &mix[i%len(mix)]
			if num, err := phonenumbers.Parse(m.in, m.region); err == nil && phonenumbers.IsPossibleNumberWithReason(num) == phonenumbers.IS_POSSIBLE {
				_ = phonenumbers.Format(num, phonenumbers.E164)
			}
			i++
		}
	})
}

func BenchmarkFingerprint(b *testing.B) {
	fp, err := NewFingerprinter([]byte("benchmark key of thirty-two byte"))
	if err != nil {
		b.Fatal(err)
	}
	n := Number("+4512345678")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = fp.Fingerprint(n)
		}
	})
}

// BenchmarkBuildTables measures building the fast path's tables, the
// work loadTables does on first use instead of at init.
func BenchmarkBuildTables(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		buildTables()
	}
}

// BenchmarkIsE164 compares, on numbers already in E.164 (the mix's
// successes, as Parse returned them), IsE164 with what it replaces: Parse
// in the organisation's region, and Parse with no region compared with
// its input. One op is one number.
func BenchmarkIsE164(b *testing.B) {
	var e164 []benchInput
	for _, m := range benchMix(4096) {
		if n, err := Parse(m.in, m.region); err == nil {
			e164 = append(e164, benchInput{string(n), m.region})
		}
	}
	b.Run("IsE164", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_ = IsE164(e164[i%len(e164)].in)
			i++
		}
	})
	b.Run("Parse", func(b *testing.B) {
		i := 0
		for b.Loop() {
			m := &e164[i%len(e164)]
			_, _ = Parse(m.in, m.region)
			i++
		}
	})
	b.Run("Parse-unchanged", func(b *testing.B) {
		i := 0
		for b.Loop() {
			in := e164[i%len(e164)].in
			n, err := Parse(in, "")
			_ = err == nil && string(n) == in
			i++
		}
	})
}
