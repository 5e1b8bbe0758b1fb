package phone

import (
	"regexp/syntax"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// metaInfo is the part of one libphonenumber PhoneMetadata entry the fast
// path needs, precomputed when the tables are built.
type metaInfo struct {
	// possible and localOnly are bit sets of national significant number
	// lengths from the general description, as libphonenumber's
	// testNumberLength reads them.
	possible, localOnly uint32
	minLen, maxLen      int
	unsupported         bool      // metadata the fast path does not model
	nationalPrefix      prefixSet // national_prefix_for_parsing
	national            shape     // general national_number_pattern
}

// regionInfo is the fast path's view of a default region.
type regionInfo struct {
	code   string // upper-case ISO 3166-1 alpha-2
	cc     *ccInfo
	meta   metaInfo  // the region's own metadata (may differ from cc.meta, e.g. CA vs US)
	idd    prefixSet // international_prefix
	ccText string    // the calling code as digits
}

// ccInfo is the fast path's view of a country calling code. meta is the
// metadata of the code's main region (US for 1), which libphonenumber uses
// for numbers that carry the code.
type ccInfo struct {
	text string
	meta metaInfo
}

// tables are the fast path's view of libphonenumber's metadata.
type tables struct {
	// regions is indexed by (first letter-'A')*26 + (second letter-'A').
	regions [26 * 26]*regionInfo
	// callingCodes is indexed by the calling code (1..999).
	callingCodes [1000]*ccInfo
}

// loadTables returns the tables, built on first use rather than at init
// (BenchmarkBuildTables): a program that imports the SDK and never parses
// a number does not pay for them.
var loadTables = sync.OnceValue(buildTables)

func buildTables() *tables {
	t := new(tables)
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic("leadprivacy: phone: libphonenumber metadata unavailable: " + err.Error())
	}
	byRegion := make(map[string]*phonenumbers.PhoneMetadata)
	nonGeo := make(map[int32]*phonenumbers.PhoneMetadata)
	for _, m := range coll.GetMetadata() {
		if m.GetId() == "001" {
			nonGeo[m.GetCountryCode()] = m
		} else {
			byRegion[m.GetId()] = m
		}
	}
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		if cc <= 0 || cc >= len(t.callingCodes) {
			continue
		}
		main := phonenumbers.GetRegionCodeForCountryCode(cc)
		m := byRegion[main]
		if main == "001" {
			m = nonGeo[int32(cc)]
		}
		info := &ccInfo{text: strconv.Itoa(cc)}
		if m == nil {
			info.meta.unsupported = true
		} else {
			info.meta = newMetaInfo(m)
		}
		t.callingCodes[cc] = info
	}
	for region := range phonenumbers.GetSupportedRegions() {
		m := byRegion[region]
		idx, ok := regionIndex(region)
		if m == nil || !ok {
			continue
		}
		ri := &regionInfo{
			code:   region,
			meta:   newMetaInfo(m),
			idd:    newPrefixSet(m.GetInternationalPrefix(), false),
			ccText: strconv.Itoa(int(m.GetCountryCode())),
		}
		if cc := int(m.GetCountryCode()); cc > 0 && cc < len(t.callingCodes) {
			ri.cc = t.callingCodes[cc]
		}
		if ri.cc == nil {
			ri.meta.unsupported = true
			ri.cc = &ccInfo{text: ri.ccText, meta: metaInfo{unsupported: true}}
		}
		t.regions[idx] = ri
	}
	return t
}

func newMetaInfo(m *phonenumbers.PhoneMetadata) metaInfo {
	var mi metaInfo
	gd := m.GetGeneralDesc()
	pattern := gd.GetNationalNumberPattern()
	if pattern == "" || len(gd.GetPossibleLength()) == 0 || gd.GetPossibleLength()[0] < 0 {
		// libphonenumber treats these specially (any length 2..17); rare
		// enough to leave to the slow path.
		mi.unsupported = true
		return mi
	}
	mi.minLen, mi.maxLen = 1<<30, 0
	for _, l := range gd.GetPossibleLength() {
		if l < 0 || l > 31 {
			mi.unsupported = true
			return mi
		}
		mi.possible |= 1 << l
		mi.minLen = min(mi.minLen, int(l))
		mi.maxLen = max(mi.maxLen, int(l))
	}
	for _, l := range gd.GetPossibleLengthLocalOnly() {
		if l >= 0 && l <= 31 {
			mi.localOnly |= 1 << l
		}
	}
	if re, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		mi.national = shapeOf(re)
	} else {
		mi.national = shape{unknown: true}
	}
	mi.nationalPrefix = newPrefixSet(m.GetNationalPrefixForParsing(), m.GetNationalPrefixTransformRule() != "")
	return mi
}

// regionIndex maps a two-letter region code, either case, to its slot.
func regionIndex(region string) (int, bool) {
	if len(region) != 2 {
		return 0, false
	}
	a, b := region[0]|0x20, region[1]|0x20 // ASCII lower-case
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
		return 0, false
	}
	return int(a-'a')*26 + int(b-'a'), true
}

// lookupRegion returns the region's tables, or nil when libphonenumber does
// not know the region.
func lookupRegion(region string) *regionInfo {
	idx, ok := regionIndex(region)
	if !ok {
		return nil
	}
	return loadTables().regions[idx]
}

// ValidRegion reports whether region is an ISO 3166-1 alpha-2 code that
// libphonenumber has numbering metadata for, so it can be an
// organisation's default region. The check ignores case ("dk" == "DK").
func ValidRegion(region string) bool {
	return lookupRegion(region) != nil
}

// lengthCheck mirrors libphonenumber's testNumberLength for the general
// description (number type UNKNOWN).
type lengthCheck uint8

const (
	lengthPossible lengthCheck = iota
	lengthTooShort
	lengthTooLong
	lengthLocalOnly
	lengthInvalid
)

func (m *metaInfo) checkLength(n int) lengthCheck {
	switch {
	case n < 32 && m.localOnly&(1<<n) != 0:
		return lengthLocalOnly
	case n == m.minLen:
		return lengthPossible
	case n < m.minLen:
		return lengthTooShort
	case n > m.maxLen:
		return lengthTooLong
	case m.possible&(1<<n) != 0:
		return lengthPossible
	}
	return lengthInvalid
}

// reason maps a failed length check to the error reason Parse reports.
func (c lengthCheck) reason() Reason {
	switch c {
	case lengthTooShort, lengthLocalOnly:
		return ReasonTooShort
	case lengthTooLong:
		return ReasonTooLong
	case lengthInvalid:
		return ReasonInvalidLength
	}
	return reasonNone
}
