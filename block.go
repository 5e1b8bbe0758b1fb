package leadprivacy

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
)

// BlockEntry puts a number, or a whole number range, on the do-not-call
// list, organisation-wide or for one project, optionally until an expiry
// time.
type BlockEntry struct {
	OrgID uuid.UUID
	ID    uuid.UUID
	// Number is the blocked number in E.164, or with Prefix set the
	// E.164 prefix of the blocked range ("+4570", see ValidPrefix).
	Number phone.Number
	// Prefix makes the entry a prefix block: it stops every number that
	// starts with Number (see Blocks). A number and a prefix of the same
	// digits are different entries.
	Prefix bool
	// ProjectID scopes the block to one project; uuid.Nil blocks the number
	// in every project of the organisation.
	ProjectID uuid.UUID
	BlockedBy uuid.UUID // user who blocked the number
	BlockedAt time.Time
	// ExpiresAt ends the block; zero means it never expires.
	ExpiresAt time.Time
	// Reason is a short reason code chosen by the host, such as
	// "customer_request", or empty. It is not personal data and is written
	// to the ChangeLog, so Validate holds it to ValidCode's rule, which
	// keeps names and numbers out.
	Reason string
	Source BlockSource
}

// BlockSource says how a block entry was created.
type BlockSource string

// Block sources.
const (
	SourceManual BlockSource = "manual" // typed in by a user
	SourceUpload BlockSource = "upload" // bulk CSV upload
	SourceAPI    BlockSource = "api"    // created by the host application
)

// OrgWide reports whether the block applies to every project.
func (b BlockEntry) OrgWide() bool { return b.ProjectID == uuid.Nil }

// ActiveAt reports whether the block is in force at t.
func (b BlockEntry) ActiveAt(t time.Time) bool {
	return b.ExpiresAt.IsZero() || t.Before(b.ExpiresAt)
}

// Applies reports whether the block stops calls to its number in project at t.
func (b BlockEntry) Applies(project uuid.UUID, t time.Time) bool {
	return b.ActiveAt(t) && (b.OrgWide() || b.ProjectID == project)
}

// Covers reports whether the entry's number or range covers n: n is the
// number, or with Prefix set n starts with the prefix. Scope and expiry
// are not considered (see Applies).
func (b BlockEntry) Covers(n phone.Number) bool {
	if b.Prefix {
		return strings.HasPrefix(string(n), string(b.Number))
	}
	return n == b.Number
}

// MaxPrefixDigits is the most digits a block prefix holds: E.164's 15, so
// a prefix may be as long as the numbers it stops.
const MaxPrefixDigits = 15

// ValidPrefix reports whether p is an E.164 prefix a block can hold, and
// if not, returns a *FieldError for field saying why (without repeating
// p): '+', a known country calling code, then up to MaxPrefixDigits
// digits in all, nothing else. No wildcard is part of it: '*' is a
// dialable character, so a prefix block is marked by BlockEntry.Prefix.
func ValidPrefix(field string, p phone.Number) error {
	s := string(p)
	if len(s) < 2 || s[0] != '+' {
		return invalid(field, "prefix must start with + and the country calling code, such as +4570")
	}
	if strings.IndexFunc(s[1:], func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return invalid(field, "prefix must be + followed by digits only (no spaces, no wildcard)")
	}
	if len(s)-1 > MaxPrefixDigits {
		return invalid(field, "prefix may hold at most "+strconv.Itoa(MaxPrefixDigits)+" digits")
	}
	if p.CountryCode() == 0 {
		return invalid(field, "prefix must start with a known country calling code")
	}
	return nil
}

// PrefixesOf returns the prefixes a prefix block stopping n may hold, from
// its country calling code alone to n itself, shortest first; nil if n has
// no known calling code. Adapters look them up with n in one query
// (storage.Blocks.FindByNumbers).
func PrefixesOf(n phone.Number) []phone.Number {
	cc := n.CountryCode()
	if cc == 0 {
		return nil
	}
	first := 1 + len(strconv.Itoa(cc))
	out := make([]phone.Number, 0, len(n)-first+1)
	for end := first; end <= len(n); end++ {
		out = append(out, n[:end])
	}
	return out
}

// Validate reports whether b can be stored.
func (b BlockEntry) Validate() error {
	if err := validateKey("BlockEntry", b.OrgID, b.ID); err != nil {
		return err
	}
	if b.Prefix {
		if err := ValidPrefix("BlockEntry.Number", b.Number); err != nil {
			return err
		}
	} else if !phone.IsE164(string(b.Number)) {
		return invalid("BlockEntry.Number", "must be in E.164 form")
	}
	if b.BlockedAt.IsZero() {
		return invalid("BlockEntry.BlockedAt", "must be set")
	}
	if !b.ExpiresAt.IsZero() && !b.ExpiresAt.After(b.BlockedAt) {
		return invalid("BlockEntry.ExpiresAt", "must be after BlockedAt")
	}
	return firstErr(
		ValidTime("BlockEntry.BlockedAt", b.BlockedAt),
		ValidTime("BlockEntry.ExpiresAt", b.ExpiresAt),
		optionalCode("BlockEntry.Reason", b.Reason),
		optionalCode("BlockEntry.Source", string(b.Source)),
	)
}

// Suppression marks a forgotten number that must never be imported again.
// It holds only the number's keyed fingerprint, never the number itself, so
// suppressing a number does not keep the personal data Forget erased.
type Suppression struct {
	OrgID       uuid.UUID
	Fingerprint phone.Fingerprint
	CreatedBy   uuid.UUID
	CreatedAt   time.Time
}

// Validate reports whether s can be stored.
func (s Suppression) Validate() error {
	if s.OrgID == uuid.Nil {
		return invalid("Suppression.OrgID", "must not be zero")
	}
	if s.Fingerprint.IsZero() {
		return invalid("Suppression.Fingerprint", "must not be zero")
	}
	if s.CreatedAt.IsZero() {
		return invalid("Suppression.CreatedAt", "must be set")
	}
	return ValidTime("Suppression.CreatedAt", s.CreatedAt)
}
