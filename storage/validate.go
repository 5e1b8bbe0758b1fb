package storage

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
)

// The checks below are the argument rules of the contract's set-based and
// lease methods, shared so that every adapter refuses the same calls alike.

// ValidIDBatch reports a *lp.FieldError for field if ids holds more than
// MaxLimit ids: a set-based call takes at most one page of ids.
func ValidIDBatch(field string, ids []uuid.UUID) error {
	if len(ids) > MaxLimit {
		return &lp.FieldError{Field: field, Reason: "must hold at most " + strconv.Itoa(MaxLimit) + " ids"}
	}
	return nil
}

// ValidCountMany reports a *lp.FieldError if Leads.CountMany cannot take
// filters in one call: more than MaxCountFilters.
func ValidCountMany(filters []LeadFilter) error {
	if len(filters) > MaxCountFilters {
		return &lp.FieldError{Field: "filters", Reason: "must hold at most " + strconv.Itoa(MaxCountFilters) + " filters"}
	}
	return nil
}

// ValidAnonymiseMany reports whether Leads.AnonymiseMany accepts ids and
// at.
func ValidAnonymiseMany(ids []uuid.UUID, at time.Time) error {
	if at.IsZero() {
		return &lp.FieldError{Field: "at", Reason: "must be set"}
	}
	if err := lp.ValidTime("at", at); err != nil {
		return err
	}
	return ValidIDBatch("ids", ids)
}

// ValidLease reports whether Leases.Acquire accepts its arguments.
func ValidLease(name string, holder uuid.UUID, now, until time.Time) error {
	if err := lp.ValidCode("name", name); err != nil {
		return err
	}
	if holder == uuid.Nil {
		return &lp.FieldError{Field: "holder", Reason: "must not be zero"}
	}
	if err := lp.ValidTime("now", now); err != nil {
		return err
	}
	if err := lp.ValidTime("until", until); err != nil {
		return err
	}
	// Compared as stored, to the microsecond: a lease that would be
	// stored expired at once is refused.
	if !until.Truncate(time.Microsecond).After(now.Truncate(time.Microsecond)) {
		return &lp.FieldError{Field: "until", Reason: "must be at least a microsecond after now"}
	}
	return nil
}
