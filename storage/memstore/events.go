package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

type events struct{ tx *txn }

func (v events) Append(ctx context.Context, e lp.Event) (int64, error) {
	if err := v.tx.beginWrite(ctx); err != nil {
		return 0, err
	}
	if err := e.Validate(); err != nil {
		return 0, err
	}
	d, err := v.tx.addTo(e.OrgID)
	if err != nil {
		return 0, err
	}
	e = copyEvent(e)
	e.Seq = int64(len(d.events))
	d.events = append(d.events, e)
	v.tx.undo = append(v.tx.undo, func() {
		d.events[e.Seq] = lp.Event{} // drop the references the tail kept
		d.events = d.events[:e.Seq]
	})
	return e.Seq, nil
}

func (v events) Count(ctx context.Context, org uuid.UUID) (int64, error) {
	if err := v.tx.begin(ctx); err != nil {
		return 0, err
	}
	return int64(len(v.tx.org(org).events)), nil
}

func (v events) Range(ctx context.Context, org uuid.UUID, from, to int64) ([]lp.Event, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	evs := v.tx.org(org).events
	from, to = max(from, 0), min(to, int64(len(evs)))
	if from >= to {
		return nil, nil
	}
	out := make([]lp.Event, 0, to-from) // to is bounded by the events that exist
	for i := from; i < to; i++ {
		out = append(out, copyEvent(evs[i]))
	}
	return out, nil
}

func (v events) Query(ctx context.Context, org uuid.UUID, q storage.EventQuery) ([]lp.Event, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	if err := lp.ValidTime("EventQuery.Since", q.Since); err != nil {
		return nil, err
	}
	if err := lp.ValidTime("EventQuery.Until", q.Until); err != nil {
		return nil, err
	}
	// Bounds are compared as stored, to the microsecond, as on a database.
	q.Since, q.Until = utc(q.Since), utc(q.Until)
	evs := v.tx.org(org).events
	end := int64(len(evs))
	if q.BeforeSeq != 0 {
		end = min(end, max(q.BeforeSeq, 0))
	}
	limit := storage.Page{Limit: q.Limit}.Size()
	var out []lp.Event
	for i := end - 1; i >= 0 && len(out) < limit; i-- {
		if e := evs[i]; eventMatches(e, q) {
			out = append(out, copyEvent(e))
		}
	}
	return out, nil
}

func eventMatches(e lp.Event, q storage.EventQuery) bool {
	switch {
	case q.ActorID != uuid.Nil && e.ActorID != q.ActorID,
		len(q.Actions) > 0 && !slices.Contains(q.Actions, e.Action),
		q.LeadID != uuid.Nil && e.LeadID != q.LeadID && !hasLead(e.LeadIDs, q.LeadID),
		q.ProjectID != uuid.Nil && e.ProjectID != q.ProjectID,
		q.ObjectID != uuid.Nil && e.ObjectID != q.ObjectID,
		!q.Fingerprint.IsZero() && e.Fingerprint != q.Fingerprint && !hasFingerprint(e.Fingerprints, q.Fingerprint),
		!q.Since.IsZero() && e.Time.Before(q.Since),
		!q.Until.IsZero() && !e.Time.Before(q.Until):
		return false
	}
	return true
}

// hasFingerprint reports whether the sorted set fps holds fp.
func hasFingerprint(fps []phone.Fingerprint, fp phone.Fingerprint) bool {
	_, ok := slices.BinarySearchFunc(fps, fp, func(a, b phone.Fingerprint) int { return bytes.Compare(a[:], b[:]) })
	return ok
}

// hasLead reports whether the sorted set ids holds id.
func hasLead(ids []uuid.UUID, id uuid.UUID) bool {
	_, ok := slices.BinarySearchFunc(ids, id, compareIDs)
	return ok
}

func (v events) WriteHashes(ctx context.Context, org uuid.UUID, indexes []int64, hashes [][32]byte) error {
	if err := v.tx.beginWrite(ctx); err != nil {
		return err
	}
	if len(indexes) != len(hashes) {
		return &lp.FieldError{Field: "hashes", Reason: "must have one hash per index"}
	}
	if len(indexes) == 0 {
		return nil
	}
	d, err := v.tx.addTo(org)
	if err != nil {
		return err
	}
	batch := make(map[int64][32]byte, len(indexes))
	for i, x := range indexes {
		if x < 0 {
			return &lp.FieldError{Field: "indexes", Reason: "must not be negative"}
		}
		h, ok := d.hashes[x]
		if !ok {
			h, ok = batch[x]
		}
		if ok && h != hashes[i] {
			return conflict("tree hash index holds another hash")
		}
		batch[x] = hashes[i]
	}
	for x, h := range batch {
		if _, ok := d.hashes[x]; !ok {
			set(&v.tx.undo, d.hashes, x, h)
		}
	}
	return nil
}

func (v events) ReadHashes(ctx context.Context, org uuid.UUID, indexes []int64) ([][32]byte, error) {
	if err := v.tx.begin(ctx); err != nil {
		return nil, err
	}
	d := v.tx.org(org)
	out := make([][32]byte, len(indexes))
	for i, x := range indexes {
		h, ok := d.hashes[x]
		if !ok {
			return nil, fmt.Errorf("%w: tree hash %d", lp.ErrNotFound, x)
		}
		out[i] = h
	}
	return out, nil
}
