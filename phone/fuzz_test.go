package phone

import (
	"strings"
	"testing"
)

// FuzzParse checks, for any input and region: no panic; the fast path,
// when it decides, agrees with libphonenumber; Parse agrees with
// libphonenumber; IsE164 holds exactly when Parse returns the input
// itself; a success is E.164 that parses back to itself; a failure
// message never contains the input.
func FuzzParse(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzParse (the hand-written edge cases of the
	// differential test and regressions the fuzzer found).
	f.Fuzz(func(t *testing.T, in, region string) {
		want, wantR := parseSlow(in, region)
		if fast, r, ok := parseFast(in, region); ok && (fast != want || r != wantR) {
			t.Fatalf("fast path (%q, %q) = %q, %v; libphonenumber: %q, %v", in, region, fast, r, want, wantR)
		}
		n, err := Parse(in, region)
		if string(n) != want || (err == nil) != (wantR == reasonNone) {
			t.Fatalf("Parse(%q, %q) = %q, %v; libphonenumber: %q, %v", in, region, n, err, want, wantR)
		}
		if got := IsE164(in); got != (err == nil && string(n) == in) {
			t.Fatalf("IsE164(%q) = %v; Parse(%q, %q) = %q, %v", in, got, in, region, n, err)
		}
		if err != nil {
			if msg := err.Error(); len(in) >= 4 && strings.Contains(msg, in) {
				t.Fatalf("error %q contains the input", msg)
			}
			return
		}
		if len(n) < 3 || len(n) > maxE164 || n[0] != '+' || n.CountryCode() == 0 {
			t.Fatalf("Parse(%q, %q) = %q: not E.164", in, region, n)
		}
		for _, c := range []byte(n[1:]) {
			if c < '0' || c > '9' {
				t.Fatalf("Parse(%q, %q) = %q: not E.164", in, region, n)
			}
		}
		if again, err := Parse(string(n), "ZZ"); again != n || err != nil {
			t.Fatalf("Parse(%q) = %q re-parses to %q, %v", in, n, again, err)
		}
	})
}
