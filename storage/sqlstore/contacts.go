package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

type contacts struct{ t *txn }

const contactCols = `org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref`

func scanContact(r scanner) (lp.ContactAttempt, error) {
	var c lp.ContactAttempt
	var talk int64
	err := r.Scan(uuidCol{&c.OrgID}, uuidCol{&c.ID}, uuidCol{&c.LeadID}, timeCol{&c.At}, uuidCol{&c.AgentID},
		&c.Result, &talk, &c.Notes, &c.RecordingRef)
	c.Talk = time.Duration(talk)
	return c, err
}

func (v contacts) Add(ctx context.Context, c lp.ContactAttempt) error {
	if err := c.Validate(); err != nil {
		return err
	}
	const op = "contacts.add"
	d := v.t.d
	n, err := v.t.affected(ctx, op, `INSERT INTO contacts (`+contactCols+`)
		SELECT CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS {{UUID}}), CAST(? AS {{TIME}}), CAST(? AS {{UUID}}),
		       CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT)
		WHERE EXISTS (SELECT 1 FROM leads WHERE org_id = ? AND id = ?`+d.lockShared()+`) ON CONFLICT DO NOTHING`,
		d.id(c.OrgID), d.id(c.ID), d.id(c.LeadID), d.time(c.At), d.id(c.AgentID),
		c.Result, int64(c.Talk), c.Notes, c.RecordingRef, d.id(c.OrgID), d.id(c.LeadID))
	if err != nil || n > 0 {
		return err
	}
	err = v.t.conflictOrNotFound(ctx, op, `SELECT 1 FROM contacts WHERE org_id = ? AND id = ?`, d.id(c.OrgID), d.id(c.ID))
	return about(err, object("lead", c.LeadID), object("contact attempt", c.ID)+" exists")
}

func (v contacts) ListByLead(ctx context.Context, org, lead uuid.UUID) ([]lp.ContactAttempt, error) {
	return list(ctx, v.t, "contacts.list_by_lead", scanContact,
		`SELECT `+contactCols+` FROM contacts WHERE org_id = ? AND lead_id = ? ORDER BY called_at, id`,
		v.t.d.id(org), v.t.d.id(lead))
}

func (v contacts) EraseByLead(ctx context.Context, org, lead uuid.UUID) (int, error) {
	n, err := v.t.affected(ctx, "contacts.erase_by_lead",
		`UPDATE contacts SET notes = '', recording_ref = ''
		 WHERE org_id = ? AND lead_id = ? AND (notes <> '' OR recording_ref <> '')`,
		v.t.d.id(org), v.t.d.id(lead))
	return int(n), err
}

type suppressions struct{ t *txn }

const suppressionCols = `org_id, fingerprint, created_by, created_at`

func scanSuppression(r scanner) (lp.Suppression, error) {
	var s lp.Suppression
	err := r.Scan(uuidCol{&s.OrgID}, fpCol{&s.Fingerprint}, uuidCol{&s.CreatedBy}, timeCol{&s.CreatedAt})
	return s, err
}

func (v suppressions) Add(ctx context.Context, s lp.Suppression) error {
	if err := s.Validate(); err != nil {
		return err
	}
	const op = "suppressions.add"
	d := v.t.d
	n, err := v.t.affected(ctx, op,
		`INSERT INTO suppressions (`+suppressionCols+`)
		 SELECT CAST(? AS {{UUID}}), CAST(? AS {{BYTES}}), CAST(? AS {{UUID}}), CAST(? AS {{TIME}}) WHERE `+orgExists+`
		 ON CONFLICT DO NOTHING`,
		d.id(s.OrgID), s.Fingerprint[:], d.id(s.CreatedBy), d.time(s.CreatedAt), d.id(s.OrgID))
	if err != nil {
		return err
	}
	if n > 0 {
		return v.t.bumpScreening(ctx, op, s.OrgID)
	}
	return v.t.requireOrg(ctx, op, s.OrgID) // else already suppressed: a no-op
}

func (v suppressions) Find(ctx context.Context, org uuid.UUID, fps []phone.Fingerprint) ([]lp.Suppression, error) {
	if len(fps) == 0 {
		return nil, v.t.alive()
	}
	d := v.t.d
	bs := make([][]byte, len(fps))
	for i := range fps {
		bs[i] = fps[i][:]
	}
	return list(ctx, v.t, "suppressions.find", scanSuppression,
		`SELECT `+suppressionCols+` FROM suppressions WHERE org_id = ? AND `+d.in("fingerprint", listBytes),
		d.id(org), d.bytesList(bs))
}

func (v suppressions) Remove(ctx context.Context, org uuid.UUID, fp phone.Fingerprint) error {
	err := v.t.mustAffect(ctx, "suppressions.remove",
		`DELETE FROM suppressions WHERE org_id = ? AND fingerprint = ?`, v.t.d.id(org), fp[:])
	if err == nil {
		err = v.t.bumpScreening(ctx, "suppressions.remove", org)
	}
	return about(err, "suppression", "")
}
