// Package lperr words the SDK's errors so that a message carries the
// "leadprivacy:" prefix once, however many layers (service, ChangeLog,
// storage) wrap it.
package lperr

import "strings"

// Prefix starts every error message of the SDK.
const Prefix = "leadprivacy: "

// Wrap returns err with where in front of its message, such as
// "leadprivacy: audit: verify: not found: ...": the prefix of err's own
// message is dropped, so it appears once. errors.Is and errors.As see
// err. Wrap of a nil error is nil.
func Wrap(where string, err error) error {
	if err == nil {
		return nil
	}
	return &wrapped{where: where, err: err}
}

type wrapped struct {
	where string
	err   error
}

func (e *wrapped) Error() string {
	return Prefix + e.where + ": " + strings.TrimPrefix(e.err.Error(), Prefix)
}

func (e *wrapped) Unwrap() error { return e.err }
