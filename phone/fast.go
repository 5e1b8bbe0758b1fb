package phone

// The fast path re-implements, for digit strings only, the steps of
// libphonenumber's parseHelper (maybeExtractCountryCode,
// maybeStripNationalPrefixAndCarrierCode, the length checks and
// IsPossibleNumberWithReason) on the tables built in tables.go. Wherever a
// step would need one of libphonenumber's regular expressions and the
// tables cannot decide it, the fast path gives up (ok == false) and parse
// asks libphonenumber. TestFastPathAgrees and FuzzParse hold the two paths
// to the same answer.

// minNSN and maxNSN are libphonenumber's MIN_LENGTH_FOR_NSN and
// MAX_LENGTH_FOR_NSN.
const (
	minNSN = 2
	maxNSN = 17
)

// fastPath returns ok == false when it cannot decide without libphonenumber.
// ri is nil only when sc has a plus (parse rejects the rest before).
func fastPath(dst []byte, sc *scanned, ri *regionInfo) (out []byte, r Reason, ok bool) {
	d := sc.digits()
	var (
		cc   *ccInfo
		nsn  []byte
		step *metaInfo // metadata for the national-prefix step
	)
	switch {
	case sc.plus:
		if len(d) <= 2 {
			return dst, ReasonTooShort, true
		}
		if c, rest := extractCC(d); c != nil {
			cc, nsn = c, rest
			break
		}
		// libphonenumber retries without the plus: only the region's
		// international prefix can still yield a calling code.
		var decided bool
		if cc, nsn, r, decided = ri.viaIDD(d); !decided {
			return dst, 0, false
		}
		if r != reasonNone {
			return dst, r, true
		}
		if cc == nil {
			return dst, ReasonUnknownCountryCode, true
		}
	default:
		if len(d) < minNSN {
			return dst, ReasonTooShort, true
		}
		var decided bool
		if cc, nsn, r, decided = ri.viaIDD(d); !decided {
			return dst, 0, false
		}
		if r != reasonNone {
			return dst, r, true
		}
		if cc != nil {
			break
		}
		if cc, nsn, ok = ri.viaDefaultCC(d); !ok {
			return dst, 0, false
		}
		if cc == nil { // national number of the default region
			cc, nsn, step = ri.cc, d, &ri.meta
		}
	}
	if step == nil {
		step = &cc.meta
	}
	final := &cc.meta
	if step.unsupported || final.unsupported {
		return dst, 0, false
	}

	// parseHelper: strip the national (trunk) prefix when what remains is
	// of a possible length.
	if len(nsn) < minNSN {
		return dst, ReasonTooShort, true
	}
	stripped, changed, decided := step.stripNationalPrefix(nsn)
	if !decided {
		return dst, 0, false
	}
	if changed {
		if c := step.checkLength(len(stripped)); c == lengthPossible || c == lengthTooLong {
			nsn = stripped
		}
	}
	switch {
	case len(nsn) < minNSN:
		return dst, ReasonTooShort, true
	case len(nsn) > maxNSN:
		return dst, ReasonTooLong, true
	}
	// IsPossibleNumberWithReason.
	if c := final.checkLength(len(nsn)); c != lengthPossible {
		return dst, c.reason(), true
	}
	if len(cc.text)+len(nsn) > maxE164Digits {
		return dst, ReasonTooLong, true
	}
	// Stability: parsing the result again ("+" cc nsn) must not strip a
	// national prefix once more.
	again, changed, decided := final.stripNationalPrefix(nsn)
	if !decided {
		return dst, 0, false
	}
	if c := final.checkLength(len(again)); changed && (c == lengthPossible || c == lengthTooLong) {
		return dst, ReasonNationalPrefix, true
	}
	dst = append(dst, '+')
	dst = append(dst, cc.text...)
	return append(dst, nsn...), reasonNone, true
}

// extractCC mirrors extractCountryCode: the shortest 1-3 digit prefix that
// is a known calling code. d does not start with '0' when this matters.
func extractCC(d []byte) (*ccInfo, []byte) {
	if len(d) == 0 || d[0] == '0' {
		return nil, nil
	}
	code := 0
	for i := 0; i < 3 && i < len(d); i++ {
		code = code*10 + int(d[i]-'0')
		if c := loadTables().callingCodes[code]; c != nil {
			return c, d[i+1:]
		}
	}
	return nil, nil
}

// viaIDD mirrors the international-prefix branch of maybeExtractCountryCode.
// cc == nil with r == reasonNone and decided means: no international prefix.
func (ri *regionInfo) viaIDD(d []byte) (cc *ccInfo, nsn []byte, r Reason, decided bool) {
	if ri == nil { // libphonenumber's "NonMatch" prefix
		return nil, nil, reasonNone, true
	}
	end, matched, decided := ri.idd.match(d)
	if !decided {
		return nil, nil, reasonNone, false
	}
	// A prefix followed by '0' is not taken as international: calling
	// codes never start with 0.
	if !matched || (end < len(d) && d[end] == '0') {
		return nil, nil, reasonNone, true
	}
	rest := d[end:]
	if len(rest) <= minNSN {
		return nil, nil, ReasonTooShort, true
	}
	if cc, nsn = extractCC(rest); cc == nil {
		return nil, nil, ReasonUnknownCountryCode, true
	}
	return cc, nsn, reasonNone, true
}

// viaDefaultCC mirrors the last branch of maybeExtractCountryCode: a number
// starting with the default region's calling code (no plus, no prefix) has
// it removed when it is too long otherwise, or when only the shorter form
// fits the national number pattern. cc == nil with ok means: keep the
// number as national.
func (ri *regionInfo) viaDefaultCC(d []byte) (cc *ccInfo, nsn []byte, ok bool) {
	if !hasPrefix(d, ri.ccText) {
		return nil, nil, true
	}
	if ri.meta.unsupported {
		return nil, nil, false
	}
	potential, _, decided := ri.meta.stripNationalPrefix(d[len(ri.ccText):])
	if !decided {
		return nil, nil, false
	}
	if ri.meta.checkLength(len(d)) == lengthTooLong {
		return ri.cc, potential, true
	}
	if ri.meta.national.mayMatch(potential) {
		return nil, nil, false // needs the pattern itself
	}
	return nil, nil, true
}

// stripNationalPrefix mirrors maybeStripNationalPrefixAndCarrierCode for
// patterns without a transform rule: remove the national prefix unless the
// number was already a viable national number. It is decided only when the
// tables show the original cannot match the national number pattern.
func (m *metaInfo) stripNationalPrefix(n []byte) (out []byte, changed, decided bool) {
	if len(n) == 0 {
		return n, false, true
	}
	end, matched, decided := m.nationalPrefix.match(n)
	switch {
	case !decided:
		return n, false, false
	case !matched:
		return n, false, true
	case m.national.mayMatch(n):
		return n, false, false
	}
	return n[end:], true, true
}
