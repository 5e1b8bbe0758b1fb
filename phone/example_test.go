package phone_test

import (
	"errors"
	"fmt"

	"github.com/leadprivacy/leadprivacy/phone"
)

func ExampleParse() {
	for _, in := range []string{"12 34 56 78", "+45 12-34-56-78", "0045 1234 5678", "'12345678"} {
		n, _ := phone.Parse(in, "DK")
		fmt.Println(n)
	}
	n, _ := phone.Parse("07700 900123", "GB")
	fmt.Println(n)
	n, _ = phone.Parse("(201) 555-0123", "US")
	fmt.Println(n)

	_, err := phone.Parse("12 34", "DK")
	var pe phone.ParseError
	fmt.Println(errors.Is(err, phone.ErrInvalidPhone), errors.As(err, &pe), pe.Reason)
	fmt.Println(err)
	// Output:
	// +4512345678
	// +4512345678
	// +4512345678
	// +4512345678
	// +447700900123
	// +12015550123
	// true true too short
	// leadprivacy: invalid phone number: too short
}

func ExampleIsE164() {
	for _, s := range []string{"+4512345678", "+45 12 34 56 78", "+451234", "12345678"} {
		fmt.Println(s, phone.IsE164(s))
	}
	// Output:
	// +4512345678 true
	// +45 12 34 56 78 false
	// +451234 false
	// 12345678 false
}

func ExampleMask() {
	n, _ := phone.Parse("12 34 56 78", "DK")
	fmt.Println(phone.Mask(n))
	// Output: +45••••5678
}

func ExampleMaskInput() {
	fmt.Println(phone.MaskInput("12 34 5x 78"))
	// Output: •••••••• 78
}

func ExampleFingerprinter() {
	// In production the key comes from the organisation's secret store.
	fp, err := phone.NewFingerprinter([]byte("example key, 32 bytes long......"))
	if err != nil {
		panic(err)
	}
	a, _ := phone.Parse("12 34 56 78", "DK")
	b, _ := phone.Parse("+45 1234 5678", "DK")
	fmt.Println(fp.Fingerprint(a) == fp.Fingerprint(b))
	fmt.Println(len(fp.Fingerprint(a).String()))

	_, err = phone.NewFingerprinter([]byte("short"))
	fmt.Println(err)
	// Output:
	// true
	// 64
	// leadprivacy: fingerprint key too short: want at least 16 bytes
}
