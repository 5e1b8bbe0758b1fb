package phone

import (
	"errors"

	"github.com/nyaruka/phonenumbers"
)

// slowPath hands the scanned number to libphonenumber: Parse for the
// structure (international prefix, calling code, trunk prefix) and
// IsPossibleNumberWithReason for the validity rule. It is the reference the
// fast path is tested against and the fallback for everything the fast
// path's tables cannot decide.
func slowPath(dst []byte, sc *scanned, ri *regionInfo) ([]byte, Reason) {
	var buf [1 + maxDigits]byte
	text := buf[:0]
	if sc.plus {
		text = append(text, '+')
	}
	text = append(text, sc.digits()...)
	region := "ZZ" // libphonenumber's unknown region; only reached with a plus
	if ri != nil {
		region = ri.code
	}
	num, err := phonenumbers.Parse(string(text), region)
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return dst, ReasonUnknownCountryCode
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return dst, ReasonTooLong
		default: // ErrNotANumber (fewer than 2-3 digits), ErrTooShortNSN, ErrTooShortAfterIDD
			return dst, ReasonTooShort
		}
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.IS_POSSIBLE:
		e164 := phonenumbers.Format(num, phonenumbers.E164)
		if len(e164)-1 > maxE164Digits {
			return dst, ReasonTooLong
		}
		// Stability: libphonenumber strips one national prefix per parse,
		// so "+49 00000" would become "+490000" when parsed again. Such a
		// result is rejected rather than stored in two spellings.
		if again, err := phonenumbers.Parse(e164, "ZZ"); err != nil || phonenumbers.Format(again, phonenumbers.E164) != e164 {
			return dst, ReasonNationalPrefix
		}
		return append(dst, e164...), reasonNone
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return dst, ReasonTooShort
	case phonenumbers.TOO_LONG:
		return dst, ReasonTooLong
	case phonenumbers.INVALID_COUNTRY_CODE:
		return dst, ReasonUnknownCountryCode
	default:
		return dst, ReasonInvalidLength
	}
}
