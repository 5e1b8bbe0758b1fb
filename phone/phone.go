// Package phone parses phone numbers into E.164, masks them for display and
// fingerprints them with a keyed hash.
//
// SKELETON: the phone helper owns this package and replaces this file.
package phone

import (
	"errors"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalidPhone is returned (wrapped) when input is not a valid phone number.
var ErrInvalidPhone = errors.New("leadprivacy: invalid phone number")

// Number is a phone number in E.164 form, such as "+4512345678".
type Number string

// Parse normalises input to E.164 using defaultRegion (ISO 3166-1 alpha-2,
// such as "DK") for national numbers.
func Parse(input, defaultRegion string) (Number, error) {
	n, err := phonenumbers.Parse(input, defaultRegion)
	if err != nil {
		return "", errors.Join(ErrInvalidPhone, err)
	}
	return Number(phonenumbers.Format(n, phonenumbers.E164)), nil
}

// SKELETON stubs below (replaced by the phone package's real implementation).

// Fingerprint is an HMAC-SHA256 of a Number under an organisation's key.
type Fingerprint [32]byte

// IsZero reports whether f is unset.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// ValidRegion reports whether region is known.
func ValidRegion(region string) bool { return phonenumbers.GetCountryCodeForRegion(region) != 0 }

// Mask returns n for display with the middle digits hidden.
func Mask(n Number) string { return "+••••" }

// MaskInput masks raw input for error messages.
func MaskInput(raw string) string { return "••••" }
