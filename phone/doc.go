// Package phone parses phone numbers into E.164, masks them for display and
// fingerprints them with a keyed hash. It is the only place in leadprivacy
// that interprets phone-number text; everything else stores, compares and
// indexes the canonical Number it returns. It imports no other leadprivacy
// package.
//
// # Parsing
//
// Parse(input, defaultRegion) accepts what people type and spreadsheets
// export — separators, '+', the region's international prefix, national
// numbers with their trunk prefix, Unicode digits, a leading Excel
// apostrophe — and returns an E.164 Number ("+4512345678") or a ParseError
// carrying a Reason (empty, letters, invalid characters, too short, too
// long, invalid length, unknown country code, unknown default region,
// repeated national prefix). Errors match ErrInvalidPhone and never contain
// the input; MaskInput renders the input safely for messages. IsE164
// checks a number already normalised (a stored one, csvimport's) without
// parsing it again: no separators to scan, no region to resolve
// (BenchmarkIsE164).
//
// Character policy (ours, stricter than libphonenumber's): letters are
// rejected rather than read as a vanity number, so extensions ("ext 12",
// "x12") are rejected, never silently dropped; '#', '*', ';' and other
// symbols are rejected; a '+' is allowed once, before the first digit.
// Structure (international prefix, calling code, trunk prefix, lengths) is
// libphonenumber's (github.com/nyaruka/phonenumbers), including its
// quirks: only the default region's own international prefix is recognised
// (00 in most of Europe, 011 in North America, 810 in Russia), and a number
// that begins with the default region's calling code ("45 12 34 56 78" in
// DK) loses it when the number is otherwise too long.
//
// # Validity rule
//
// A number is accepted when libphonenumber's IsPossibleNumberWithReason says
// IS_POSSIBLE: its national significant number has one of the lengths the
// country's numbering plan allows. IsValidNumber is deliberately not used:
// it matches number ranges, which lag behind regulators (a newly opened
// mobile range would be rejected until the metadata is updated, and a
// do-not-call request for such a number must not fail). The price: numbers
// of the right length in unallocated ranges are accepted ("1201555012" in
// US becomes "+11201555012"). Subscriber numbers that are only diallable
// locally (US "555-0123") are rejected as too short. A result must also be
// stable — parsing its E.164 text again yields the same number; the few
// inputs where libphonenumber would strip a second national prefix
// ("000000" in DE) are rejected with ReasonNationalPrefix so one number
// never has two spellings.
//
// # Fast path
//
// The common shapes are parsed without libphonenumber: one pass over the
// input collects the digits into a stack buffer (ASCII through a class
// table, other scripts via utf8 decoding), then tables built on first use from
// libphonenumber's own metadata (calling codes, possible and local-only
// lengths, international and national prefix patterns expanded to their
// finite digit strings, and the first-digit/length shape of each national
// number pattern) replay libphonenumber's parse steps. Where a step would
// need one of libphonenumber's regular expressions and the tables cannot
// settle it — for example a national number that starts with the region's
// own calling code and may or may not include it, or a region whose trunk
// prefix has a transform rule (AR, BR, MX) — the input falls back to
// libphonenumber. TestFastPathAgrees compares both paths on more than
// 28,000 inputs (generated for 30 regions, libphonenumber's example numbers
// for every region in three formats, and hand-written edge cases), and
// FuzzParse keeps doing so on fuzzed input.
//
// Measured figures, their commands and their history are in BENCHMARKS.md
// at the module root.
//
// # Masking and fingerprints
//
// Mask shows a Number as "+45••••5678" for screens and the ChangeLog.
// A Fingerprinter computes HMAC-SHA256 of the E.164 text under a
// per-organisation key, so stored records can be matched against a number
// without storing it; a plain hash is never used because phone numbers are
// few enough to enumerate.
package phone
