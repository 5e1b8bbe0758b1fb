package numindex

import (
	"strconv"

	"github.com/leadprivacy/leadprivacy/phone"
)

// maxDigits is the longest E.164 number: 15 digits after the "+".
const maxDigits = 15

// Key packs an E.164 number ("+4520123456") into its digits' value
// (4520123456). ok=false if n is not "+" and 1..15 digits, the first not 0.
// No two E.164 numbers share a key: they never start with 0, so the digits
// can be read back from the value alone.
func Key(n phone.Number) (uint64, bool) {
	s := string(n)
	if len(s) < 2 || len(s) > 1+maxDigits || s[0] != '+' || s[1] == '0' {
		return 0, false
	}
	var k uint64
	for i := 1; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		k = k*10 + uint64(c)
	}
	return k, true
}

// Number is Key's inverse: the E.164 number whose key is k, for any k Key
// returns.
func Number(k uint64) phone.Number {
	var buf [1 + 20]byte
	buf[0] = '+'
	return phone.Number(strconv.AppendUint(buf[:1], k, 10))
}
