package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
)

type events struct{ t *txn }

const eventCols = `org_id, seq, occurred_at, actor_id, action, lead_id, project_id, object_id, masked_number, fingerprint, details`

func scanEvent(r scanner) (lp.Event, error) {
	var e lp.Event
	err := r.Scan(uuidCol{&e.OrgID}, &e.Seq, timeCol{&e.Time}, uuidCol{&e.ActorID}, &e.Action,
		uuidCol{&e.LeadID}, uuidCol{&e.ProjectID}, uuidCol{&e.ObjectID}, &e.MaskedNumber,
		fpCol{&e.Fingerprint}, jsonCol{&e.Details})
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e, err
}

func (v events) Append(ctx context.Context, e lp.Event) (int64, error) {
	if err := e.Validate(); err != nil {
		return 0, err
	}
	const op = "events.append"
	d := v.t.d
	// The counter row is the organisation's append lock: the upsert takes
	// its row lock (PostgreSQL) or runs under the write lock (SQLite) until
	// commit, so sequence numbers are gapless in commit order.
	const next = `INSERT INTO event_counters (org_id, next_seq) VALUES (?, 1)
		ON CONFLICT (org_id) DO UPDATE SET next_seq = event_counters.next_seq + 1
		RETURNING next_seq - 1`
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	row := []any{d.id(e.OrgID), d.time(e.Time), d.id(e.ActorID), string(e.Action), d.optID(e.LeadID),
		d.optID(e.ProjectID), d.optID(e.ObjectID), e.MaskedNumber, bytesOrNil(e.Fingerprint), jsonText(details)}
	var seq int64
	if d == Postgres {
		// One statement, one round trip: the counter upsert feeds the insert.
		err := v.t.q.QueryRowContext(ctx, d.sql(`WITH c AS (`+next+` AS seq)
			INSERT INTO events (`+eventCols+`)
			SELECT CAST(? AS uuid), c.seq, CAST(? AS timestamptz), CAST(? AS uuid), CAST(? AS text), CAST(? AS uuid),
			       CAST(? AS uuid), CAST(? AS uuid), CAST(? AS text), CAST(? AS bytea), CAST(? AS text) FROM c
			RETURNING seq`), append([]any{d.id(e.OrgID)}, row...)...).Scan(&seq)
		return seq, translate(ctx, op, err)
	}
	if err := v.t.q.QueryRowContext(ctx, d.sql(next), d.id(e.OrgID)).Scan(&seq); err != nil {
		return 0, translate(ctx, op, err)
	}
	_, err := v.t.exec(ctx, op, `INSERT INTO events (`+eventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(append(row[:1:1], seq), row[1:]...)...)
	return seq, err
}

func (v events) Count(ctx context.Context, org uuid.UUID) (int64, error) {
	var n int64
	err := v.t.q.QueryRowContext(ctx, v.t.d.sql(`SELECT next_seq FROM event_counters WHERE org_id = ?`), v.t.d.id(org)).Scan(&n)
	if err != nil && !isNoRows(err) {
		return 0, translate(ctx, "events.count", err)
	}
	return n, nil
}

func (v events) Range(ctx context.Context, org uuid.UUID, from, to int64) ([]lp.Event, error) {
	return list(ctx, v.t, "events.range", scanEvent,
		`SELECT `+eventCols+` FROM events WHERE org_id = ? AND seq >= ? AND seq < ? ORDER BY seq`,
		v.t.d.id(org), from, to)
}

func (v events) Query(ctx context.Context, org uuid.UUID, q storage.EventQuery) ([]lp.Event, error) {
	d := v.t.d
	where := []string{"org_id = ?"}
	args := []any{d.id(org)}
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if q.ActorID != uuid.Nil {
		add("actor_id = ?", d.id(q.ActorID))
	}
	if len(q.Actions) > 0 {
		actions := make([]string, len(q.Actions))
		for i, a := range q.Actions {
			actions[i] = string(a)
		}
		add(d.in("action", listText), d.textList(actions))
	}
	if q.LeadID != uuid.Nil {
		add("lead_id = ?", d.id(q.LeadID))
	}
	if q.ProjectID != uuid.Nil {
		add("project_id = ?", d.id(q.ProjectID))
	}
	if q.ObjectID != uuid.Nil {
		add("object_id = ?", d.id(q.ObjectID))
	}
	if !q.Fingerprint.IsZero() {
		add("fingerprint = ?", q.Fingerprint[:])
	}
	if !q.Since.IsZero() {
		add("occurred_at >= ?", d.time(q.Since))
	}
	if !q.Until.IsZero() {
		add("occurred_at < ?", d.time(q.Until))
	}
	if q.BeforeSeq > 0 {
		add("seq < ?", q.BeforeSeq)
	}
	args = append(args, storage.Page{Limit: q.Limit}.Size())
	return list(ctx, v.t, "events.query", scanEvent,
		`SELECT `+eventCols+` FROM events WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, args...)
}

func (v events) WriteHashes(ctx context.Context, org uuid.UUID, indexes []int64, hashes [][32]byte) error {
	if len(indexes) != len(hashes) {
		return &lp.FieldError{Field: "hashes", Reason: "must have one hash per index"}
	}
	const op = "events.write_hashes"
	// Compare with what is stored first, so a conflict writes nothing.
	stored, err := v.read(ctx, op, org, indexes)
	if err != nil {
		return err
	}
	d := v.t.d
	args := make([]any, 0, 3*len(indexes))
	fresh := make(map[int64][32]byte, len(indexes))
	for i, idx := range indexes {
		if idx < 0 {
			return &lp.FieldError{Field: "indexes", Reason: "must not be negative"}
		}
		if h, ok := stored[idx]; ok {
			if h != hashes[i] {
				return conflict(op)
			}
			continue
		}
		if h, ok := fresh[idx]; ok {
			if h != hashes[i] {
				return conflict(op)
			}
			continue
		}
		fresh[idx] = hashes[i]
		args = append(args, d.id(org), idx, hashes[i][:])
	}
	_, err = v.t.insertRows(ctx, op, hashesTable, "", args)
	return err
}

var hashesTable = table{"event_hashes", "org_id, idx, hash", []string{"{{UUID}}", "BIGINT", "{{BYTES}}"}}

func (v events) ReadHashes(ctx context.Context, org uuid.UUID, indexes []int64) ([][32]byte, error) {
	const op = "events.read_hashes"
	stored, err := v.read(ctx, op, org, indexes)
	if err != nil {
		return nil, err
	}
	out := make([][32]byte, len(indexes))
	for i, idx := range indexes {
		h, ok := stored[idx]
		if !ok {
			return nil, notFound(op)
		}
		out[i] = h
	}
	return out, nil
}

// read returns the stored hashes among indexes, in one query.
func (v events) read(ctx context.Context, op string, org uuid.UUID, indexes []int64) (map[int64][32]byte, error) {
	if len(indexes) == 0 {
		return nil, v.t.alive()
	}
	type row struct {
		idx  int64
		hash [32]byte
	}
	d := v.t.d
	rows, err := list(ctx, v.t, op, func(r scanner) (row, error) {
		var x row
		err := r.Scan(&x.idx, hashCol{&x.hash})
		return x, err
	}, `SELECT idx, hash FROM event_hashes WHERE org_id = ? AND `+d.in("idx", listInt), d.id(org), d.intList(indexes))
	if err != nil {
		return nil, err
	}
	m := make(map[int64][32]byte, len(rows))
	for _, x := range rows {
		m[x.idx] = x.hash
	}
	return m, nil
}
