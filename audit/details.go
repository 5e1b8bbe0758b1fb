package audit

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
)

// A Detail is one non-personal fact of an event, such as a count or a
// reason code. Details can only be made with the typed constructors (Count,
// Code, ID, At, Duration, Flag, Hash), each taking a key of its own kind, and Record
// checks both the key (it must be one of the keys below) and the value
// (see Code for the rule that keeps free text out). So a detail can hold a
// number, an id, a time or a short code, but never a name, a phone number,
// an e-mail address or a sentence.
type Detail struct {
	key   string
	kind  kind
	value string
	bad   string // why the value is not acceptable; empty if it is
}

type kind uint8

const (
	kindCount kind = iota + 1
	kindCode
	kindID
	kindTime
	kindDuration
	kindFlag
	kindHash
)

// CountKey names a detail holding a non-negative count.
type CountKey string

// CodeKey names a detail holding a short code (see Code).
type CodeKey string

// IDKey names a detail holding the id of another object.
type IDKey string

// TimeKey names a detail holding a time.
type TimeKey string

// DurationKey names a detail holding a duration.
type DurationKey string

// FlagKey names a detail holding a yes/no fact.
type FlagKey string

// HashKey names a detail holding a SHA-256 digest of non-personal content.
type HashKey string

// Count keys.
const (
	KeyRows               CountKey = "rows"                // lines read from an upload or import file
	KeyNumbers            CountKey = "numbers"             // numbers concerned
	KeyBlocked            CountKey = "blocked"             // numbers newly blocked
	KeyAlreadyBlocked     CountKey = "already_blocked"     // numbers that were blocked before
	KeyInvalid            CountKey = "invalid"             // lines or numbers rejected as invalid
	KeyChecked            CountKey = "checked"             // leads or numbers checked
	KeyAccepted           CountKey = "accepted"            // leads or numbers let through
	KeyRejectedBlocked    CountKey = "rejected_blocked"    // rejected because blocked
	KeyRejectedSuppressed CountKey = "rejected_suppressed" // rejected because forgotten and suppressed
	KeyRejectedRegistered CountKey = "rejected_registered" // rejected because on a national registry
	KeyImported           CountKey = "imported"            // leads created
	KeyMatched            CountKey = "matched"             // leads a search found
	KeyFields             CountKey = "fields"              // data fields erased or changed
	KeyPhones             CountKey = "phones"              // phone numbers erased from a lead
	KeyContacts           CountKey = "contacts"            // contact attempts whose notes were erased
	KeyRecordings         CountKey = "recordings"          // recordings handed to the host's erasers
	KeyDue                CountKey = "due"                 // leads due under a retention rule
	KeyForgotten          CountKey = "forgotten"           // leads anonymised
	KeyDeleted            CountKey = "deleted"             // leads deleted
	KeySkippedLegalHold   CountKey = "skipped_legal_hold"  // leads skipped for legal hold
	KeyFailed             CountKey = "failed"              // items that failed
	KeyVersion            CountKey = "version"             // a registry's version after the change
	KeyAdded              CountKey = "added"               // numbers a registry version added
	KeyRemoved            CountKey = "removed"             // numbers a registry version removed
	KeyLeads              CountKey = "leads"               // leads concerned
	KeyAttempts           CountKey = "attempts"            // tries an external erasure took
)

// Code keys.
const (
	KeyReason     CodeKey = "reason"     // reason code chosen by the host, such as customer_request
	KeySource     CodeKey = "source"     // how a block was made: manual, upload, api
	KeyOutcome    CodeKey = "outcome"    // call outcome a retention rule selects
	KeyRuleAction CodeKey = "action"     // retention action: forget or delete
	KeyBasis      CodeKey = "basis"      // retention basis: last_contact, created, closed
	KeyAttempted  CodeKey = "attempted"  // the action an actor was refused
	KeyPermission CodeKey = "permission" // the permission that was missing
	KeyRegistry   CodeKey = "registry"   // a do-not-call registry's name, such as tps
	KeyEraser     CodeKey = "eraser"     // the name a host registered an external eraser under
)

// ID keys.
const (
	KeyRun     IDKey = "run"     // the purge run or upload an event belongs to
	KeyReceipt IDKey = "receipt" // the erasure receipt of a forget
	KeyRule    IDKey = "rule"    // a retention rule
)

// Time keys.
const (
	KeyExpiresAt         TimeKey = "expires_at"          // a block's expiry after the change
	KeyPreviousExpiresAt TimeKey = "previous_expires_at" // a block's expiry before the change
)

// Duration keys.
const (
	KeyKeepFor         DurationKey = "keep_for"          // a retention rule's period after the change
	KeyPreviousKeepFor DurationKey = "previous_keep_for" // a retention rule's period before the change
)

// Hash keys.
const (
	KeyContentHash HashKey = "content_hash" // SHA-256 of a registry version's snapshot
)

// Flag keys.
const (
	KeySuppressed FlagKey = "suppressed" // a forget also suppressed the number
	KeyDryRun     FlagKey = "dry_run"    // the call only planned, nothing changed
	KeyPrefix     FlagKey = "prefix"     // the event's number is a prefix block's range (set by Record, see Entry.Prefix)
)

// knownKeys maps every detail key to its kind; Record rejects other keys.
var knownKeys = func() map[string]kind {
	m := map[string]kind{}
	for _, k := range []CountKey{KeyRows, KeyNumbers, KeyBlocked, KeyAlreadyBlocked, KeyInvalid, KeyChecked,
		KeyAccepted, KeyRejectedBlocked, KeyRejectedSuppressed, KeyRejectedRegistered, KeyImported, KeyMatched, KeyFields, KeyPhones,
		KeyContacts, KeyRecordings, KeyDue, KeyForgotten, KeyDeleted, KeySkippedLegalHold, KeyFailed,
		KeyVersion, KeyAdded, KeyRemoved, KeyLeads, KeyAttempts} {
		m[string(k)] = kindCount
	}
	for _, k := range []CodeKey{KeyReason, KeySource, KeyOutcome, KeyRuleAction, KeyBasis, KeyAttempted, KeyPermission,
		KeyRegistry, KeyEraser} {
		m[string(k)] = kindCode
	}
	for _, k := range []IDKey{KeyRun, KeyReceipt, KeyRule} {
		m[string(k)] = kindID
	}
	for _, k := range []TimeKey{KeyExpiresAt, KeyPreviousExpiresAt} {
		m[string(k)] = kindTime
	}
	for _, k := range []DurationKey{KeyKeepFor, KeyPreviousKeepFor} {
		m[string(k)] = kindDuration
	}
	for _, k := range []FlagKey{KeySuppressed, KeyDryRun, KeyPrefix} {
		m[string(k)] = kindFlag
	}
	m[string(KeyContentHash)] = kindHash
	return m
}()

// Count makes a count detail. n must not be negative.
func Count(k CountKey, n int) Detail {
	d := Detail{key: string(k), kind: kindCount, value: strconv.Itoa(n)}
	if n < 0 {
		d.bad = "count must not be negative"
	}
	return d
}

// Code makes a code detail. A code is what a program chooses from a fixed
// list, never what a person types: Record holds it to lp.ValidCode's rule
// (the one BlockEntry.Reason follows), so "customer_request" is accepted
// and "Customer asked on 20123456" is not.
func Code(k CodeKey, code string) Detail {
	return Detail{key: string(k), kind: kindCode, value: code}
}

// ID makes a detail holding the id of another object. The id must not be zero.
func ID(k IDKey, id uuid.UUID) Detail {
	d := Detail{key: string(k), kind: kindID, value: id.String()}
	if id == uuid.Nil {
		d.bad = "id must not be zero"
	}
	return d
}

// At makes a time detail, stored in UTC with microseconds. The zero time is
// stored as "none" (such as a block that no longer expires).
func At(k TimeKey, t time.Time) Detail {
	return Detail{key: string(k), kind: kindTime, value: formatDetailTime(t)}
}

// Duration makes a duration detail, stored as Go writes durations ("1440h0m0s").
func Duration(k DurationKey, d time.Duration) Detail {
	det := Detail{key: string(k), kind: kindDuration, value: d.String()}
	if d < 0 {
		det.bad = "duration must not be negative"
	}
	return det
}

// Flag makes a yes/no detail, stored as "true" or "false".
func Flag(k FlagKey, v bool) Detail {
	return Detail{key: string(k), kind: kindFlag, value: strconv.FormatBool(v)}
}

// Hash makes a digest detail, stored as 64 lower-case hex digits. It is
// for digests of content that holds no personal data (a registry
// snapshot): a digest of a phone number could be reversed by trying every
// number.
func Hash(k HashKey, sum [32]byte) Detail {
	return Detail{key: string(k), kind: kindHash, value: hex.EncodeToString(sum[:])}
}

// noTime is how At stores the zero time.
const noTime = "none"

func formatDetailTime(t time.Time) string {
	if t.IsZero() {
		return noTime
	}
	return formatTime(t)
}

// formatTime writes t in UTC with exactly six fractional digits, the
// ChangeLog's precision.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// detailsMap validates details and returns them as the event's map.
func detailsMap(details []Detail) (map[string]string, error) {
	if len(details) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(details))
	for i, d := range details {
		field := fmt.Sprintf("Entry.Details[%d]", i)
		switch k, ok := knownKeys[d.key]; {
		case d.kind == 0:
			return nil, invalid(field, "zero Detail: use Count, Code, ID, At, Duration, Flag or Hash")
		case !ok:
			return nil, invalid(field, "unknown detail key (see package audit for the list)")
		case k != d.kind:
			return nil, invalid(field+" "+d.key, "key used with the wrong kind of value")
		case d.bad != "":
			return nil, invalid(field+" "+d.key, d.bad)
		case d.kind == kindCode:
			if err := lp.ValidCode(field+" "+d.key, d.value); err != nil {
				return nil, err
			}
		}
		if _, dup := m[d.key]; dup {
			return nil, invalid(field+" "+d.key, "key given twice")
		}
		m[d.key] = d.value
	}
	return m, nil
}

// invalid reports a bad argument; it matches lp.ErrInvalidArgument.
func invalid(field, reason string) error {
	return &lp.FieldError{Field: field, Reason: reason}
}
