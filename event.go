package leadprivacy

import (
	"bytes"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
)

// Action names what an Event records, such as "block.created". Package audit
// defines the SDK's actions and documents each one.
type Action string

// Event is one ChangeLog entry: a change to lead data or the blocklist, or a
// look at lead data. It holds no personal data: a number appears only masked
// and as a keyed fingerprint, leads only by id.
type Event struct {
	OrgID uuid.UUID
	// Seq is the event's position in the organisation's ChangeLog: 0 for the
	// first event, then gapless. Storage assigns it on append.
	Seq     int64
	Time    time.Time // UTC, microseconds
	ActorID uuid.UUID // the user who acted
	Action  Action

	LeadID uuid.UUID // the lead concerned, if any
	// LeadIDs are the leads of a set the event concerns beside LeadID, such
	// as a retention purge batch, in ascending order without repeats, at
	// most MaxEventLeads: one event per batch instead of one per lead, still
	// found by lead (storage.EventQuery.LeadID).
	LeadIDs   []uuid.UUID
	ProjectID uuid.UUID // the project concerned, if any
	// ObjectID is the other object concerned, if any: a block entry, a
	// retention rule, a purge run.
	ObjectID uuid.UUID

	MaskedNumber string            // phone.Mask of the number concerned, if any
	Fingerprint  phone.Fingerprint // keyed fingerprint of that number, if any
	// Fingerprints are the keyed fingerprints of a set of numbers the event
	// concerns beside Fingerprint, such as a batch of an upload, in
	// ascending byte order without repeats, at most MaxEventFingerprints.
	// They have no masked form: a set is found by number, never shown.
	Fingerprints []phone.Fingerprint

	// Details holds non-personal facts such as counts and reason codes:
	// keys are codes (see ValidCode), values texts of at most MaxNameLen
	// bytes.
	Details map[string]string
}

// MaxEventFingerprints bounds Event.Fingerprints, so one event (which the
// ChangeLog reads, hashes and exports whole) stays small: 10,000
// fingerprints are 320 KB.
const MaxEventFingerprints = 10_000

// MaxEventLeads bounds Event.LeadIDs for the same reason: 10,000 lead ids
// are 160 KB.
const MaxEventLeads = 10_000

// Validate reports whether e can be appended to the ChangeLog.
func (e Event) Validate() error {
	if e.OrgID == uuid.Nil {
		return invalid("Event.OrgID", "must not be zero")
	}
	if e.Action == "" {
		return invalid("Event.Action", "must not be empty")
	}
	if e.Time.IsZero() {
		return invalid("Event.Time", "must be set")
	}
	if e.ActorID == uuid.Nil {
		return invalid("Event.ActorID", "must not be zero")
	}
	if err := validFingerprintSet(e.Fingerprints); err != nil {
		return err
	}
	if err := validLeadSet(e.LeadIDs); err != nil {
		return err
	}
	for k := range e.Details {
		if err := ValidCode("Event.Details", k); err != nil {
			return err
		}
	}
	return firstErr(
		ValidCode("Event.Action", string(e.Action)),
		ValidTime("Event.Time", e.Time),
		ValidText("Event.MaskedNumber", e.MaskedNumber, MaxNameLen),
		validTexts("Event.Details", e.Details, MaxNameLen),
	)
}

// validFingerprintSet checks the rules of Event.Fingerprints: sorted and
// unique, so every store keeps and returns the set alike and its hash
// does not depend on the order it was given in.
func validFingerprintSet(fps []phone.Fingerprint) error {
	if len(fps) > MaxEventFingerprints {
		return invalid("Event.Fingerprints", "must hold at most "+strconv.Itoa(MaxEventFingerprints)+" fingerprints")
	}
	for i, fp := range fps {
		if fp.IsZero() {
			return invalid("Event.Fingerprints", "must not hold a zero fingerprint")
		}
		if i > 0 && bytes.Compare(fps[i-1][:], fp[:]) >= 0 {
			return invalid("Event.Fingerprints", "must be in ascending byte order without repeats")
		}
	}
	return nil
}

// validLeadSet checks the rules of Event.LeadIDs, for the reasons of
// validFingerprintSet.
func validLeadSet(ids []uuid.UUID) error {
	if len(ids) > MaxEventLeads {
		return invalid("Event.LeadIDs", "must hold at most "+strconv.Itoa(MaxEventLeads)+" lead ids")
	}
	for i, id := range ids {
		if id == uuid.Nil {
			return invalid("Event.LeadIDs", "must not hold a zero id")
		}
		if i > 0 && bytes.Compare(ids[i-1][:], id[:]) >= 0 {
			return invalid("Event.LeadIDs", "must be in ascending order without repeats")
		}
	}
	return nil
}
