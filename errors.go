package leadprivacy

import (
	"errors"

	"github.com/leadprivacy/leadprivacy/phone"
)

// Sentinel errors shared by every package of the SDK. Functions wrap them with
// context (never with personal data), so test for them with errors.Is.
var (
	// ErrNotFound means the object does not exist in the caller's organisation.
	// An object of another organisation is reported the same way, so callers
	// cannot learn that it exists.
	ErrNotFound = errors.New("leadprivacy: not found")

	// ErrForbidden means the actor lacks the permission the call needs, or no
	// actor was given at all (a zero Actor fails closed).
	ErrForbidden = errors.New("leadprivacy: forbidden")

	// ErrConflict means the change collides with existing data, such as a
	// duplicate id or a number that is already blocked in the same scope.
	ErrConflict = errors.New("leadprivacy: conflict")

	// ErrInvalidArgument means a value failed validation; the wrapping error
	// says which field and why.
	ErrInvalidArgument = errors.New("leadprivacy: invalid argument")

	// ErrInvalidPhone means a phone number could not be parsed. It is the same
	// value as phone.ErrInvalidPhone, so either name matches with errors.Is.
	ErrInvalidPhone = phone.ErrInvalidPhone

	// ErrBlocked means a number is on the do-not-call list for the scope in
	// question, or on a national registry screening it
	// (blocklist.Verdict.Refusal).
	ErrBlocked = errors.New("leadprivacy: number is blocked")

	// ErrSuppressed means a number was forgotten with suppression and must
	// never be imported or dialled again (blocklist.Verdict.Refusal).
	ErrSuppressed = errors.New("leadprivacy: number is forgotten and suppressed")
)

// invalid wraps ErrInvalidArgument with the name of the offending field and a
// reason. It never includes the field's value, which may be personal data.
func invalid(field, reason string) error {
	return &FieldError{Field: field, Reason: reason}
}

// FieldError reports which field of a value failed validation and why. It
// matches ErrInvalidArgument with errors.Is.
type FieldError struct {
	Field  string // Go field name, such as "Lead.ProjectID"
	Reason string // why the value is not acceptable
}

func (e *FieldError) Error() string {
	return "leadprivacy: invalid argument: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidArgument.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidArgument }
