package sqlstore

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

type events struct{ t *txn }

const eventCols = `org_id, ` + eventReadCols

// eventReadCols are the columns read back: org_id is the one the query
// selects by, so it is not decoded again for every row.
const eventReadCols = `seq, occurred_at, actor_id, action, lead_id, project_id, object_id, masked_number, fingerprint, details`

// scanEvent returns the scanner of the events of org.
func scanEvent(org uuid.UUID) func(r scanner) (lp.Event, error) {
	return func(r scanner) (lp.Event, error) {
		e := lp.Event{OrgID: org}
		err := r.Scan(&e.Seq, timeCol{&e.Time}, uuidCol{&e.ActorID}, &e.Action,
			uuidCol{&e.LeadID}, uuidCol{&e.ProjectID}, uuidCol{&e.ObjectID}, &e.MaskedNumber,
			fpCol{&e.Fingerprint}, jsonCol{&e.Details})
		if len(e.Details) == 0 {
			e.Details = nil
		}
		return e, err
	}
}

func (v events) Append(ctx context.Context, e lp.Event) (int64, error) {
	if err := e.Validate(); err != nil {
		return 0, err
	}
	const op = "events.append"
	d := v.t.d
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	row := []any{d.id(e.OrgID), d.time(e.Time), d.id(e.ActorID), string(e.Action), d.optID(e.LeadID),
		d.optID(e.ProjectID), d.optID(e.ObjectID), e.MaskedNumber, bytesOrNil(e.Fingerprint), jsonText(details)}
	var seq int64
	if d == Postgres {
		// One statement, one round trip: the counter upsert feeds the insert.
		err := v.t.row(ctx, `WITH c AS (`+eventCounterSQL+` AS seq)
			INSERT INTO events (`+eventCols+`)
			SELECT CAST(? AS uuid), c.seq, CAST(? AS timestamptz), CAST(? AS uuid), CAST(? AS text), CAST(? AS uuid),
			       CAST(? AS uuid), CAST(? AS uuid), CAST(? AS text), CAST(? AS bytea), CAST(? AS text) FROM c
			RETURNING seq`, append([]any{d.id(e.OrgID), d.id(e.OrgID)}, row...)...).Scan(&seq)
		if err != nil {
			return 0, v.t.fail(ctx, op, err)
		}
		return seq, v.appendSets(ctx, op, e, seq)
	}
	if err := v.t.queryOne(ctx, eventCounterSQL, []any{d.id(e.OrgID), d.id(e.OrgID)}, &seq); err != nil {
		return 0, v.t.fail(ctx, op, err)
	}
	if _, err := v.t.exec(ctx, op, eventInsertSQL, append(append(row[:1:1], seq), row[1:]...)...); err != nil {
		return 0, err
	}
	return seq, v.appendSets(ctx, op, e, seq)
}

// appendSets stores the fingerprint set and the lead set of e, the event
// at seq, in one statement each, whatever their sizes.
func (v events) appendSets(ctx context.Context, op string, e lp.Event, seq int64) error {
	d := v.t.d
	if len(e.Fingerprints) > 0 {
		if _, err := v.t.exec(ctx, op, eventSetInsertSQL[d], d.id(e.OrgID), seq, d.bytesList(fingerprintBytes(e.Fingerprints))); err != nil {
			return err
		}
	}
	if len(e.LeadIDs) > 0 {
		if _, err := v.t.exec(ctx, op, eventLeadsInsertSQL[d], d.id(e.OrgID), seq, d.uuidList(e.LeadIDs)); err != nil {
			return err
		}
	}
	return nil
}

// eventSetInsertSQL stores a fingerprint set, per dialect: the set is one
// list parameter, as in Dialect.in.
var eventSetInsertSQL = map[Dialect]string{
	SQLite: `INSERT INTO event_fingerprints (org_id, fingerprint, seq)
		SELECT ?, unhex(value), ? FROM json_each(?)`,
	Postgres: `INSERT INTO event_fingerprints (org_id, fingerprint, seq)
		SELECT CAST(? AS uuid), f, CAST(? AS bigint) FROM unnest(CAST(? AS bytea[])) AS f`,
}

// eventLeadsInsertSQL stores a lead set likewise.
var eventLeadsInsertSQL = map[Dialect]string{
	SQLite: `INSERT INTO event_leads (org_id, lead_id, seq)
		SELECT ?, unhex(value), ? FROM json_each(?)`,
	Postgres: `INSERT INTO event_leads (org_id, lead_id, seq)
		SELECT CAST(? AS uuid), l, CAST(? AS bigint) FROM unnest(CAST(? AS uuid[])) AS l`,
}

func fingerprintBytes(fps []phone.Fingerprint) [][]byte {
	out := make([][]byte, len(fps))
	for i := range fps {
		out[i] = fps[i][:]
	}
	return out
}

// eventSetsSQL reads the fingerprint sets (kind 0) and the lead sets
// (kind 1) of a list of events, per dialect, in one query: each set's
// members as bytes (uuid_send on PostgreSQL, whose byte order is the
// uuid order). Ordered by event and bytes, each set's members come in
// ascending order; on SQLite that is the order of both indexes, merged,
// with nothing to sort.
var eventSetsSQL = map[Dialect]string{SQLite: eventSets(SQLite, "lead_id"), Postgres: eventSets(Postgres, "uuid_send(lead_id)")}

func eventSets(d Dialect, lead string) string {
	return `SELECT 0, seq, fingerprint FROM event_fingerprints WHERE org_id = ? AND ` + d.in("seq", listInt) + `
		UNION ALL
		SELECT 1, seq, ` + lead + ` FROM event_leads WHERE org_id = ? AND ` + d.in("seq", listInt) + `
		ORDER BY 2, 3`
}

// withSets reads the fingerprint and lead sets of evs, events of org, into
// them: one more query per page of events, whatever their sets' sizes.
func (v events) withSets(ctx context.Context, op string, org uuid.UUID, evs []lp.Event, err error) ([]lp.Event, error) {
	if err != nil || len(evs) == 0 {
		return evs, err
	}
	at := make(map[int64]int, len(evs))
	seqs := make([]int64, len(evs))
	for i, e := range evs {
		at[e.Seq], seqs[i] = i, e.Seq
	}
	d := v.t.d
	list := d.intList(seqs)
	rows, done, err := v.t.queryRows(ctx, eventSetsSQL[d], d.id(org), list, d.id(org), list)
	defer done()
	if err != nil {
		return nil, v.t.fail(ctx, op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var seq int64
		var member []byte
		if err := rows.Scan(&kind, &seq, &member); err != nil {
			return nil, v.t.fail(ctx, op, err)
		}
		e := &evs[at[seq]]
		switch {
		case kind == 0 && len(member) == len(phone.Fingerprint{}):
			e.Fingerprints = append(e.Fingerprints, phone.Fingerprint(member))
		case kind == 1 && len(member) == len(uuid.UUID{}):
			e.LeadIDs = append(e.LeadIDs, uuid.UUID(member))
		default:
			return nil, v.t.fail(ctx, op, fmt.Errorf("leadprivacy: event %d: set member of kind %d has %d bytes", seq, kind, len(member)))
		}
	}
	return evs, v.t.fail(ctx, op, rows.Err())
}

// eventCounterSQL takes the next sequence number of an organisation. The
// counter row is the organisation's append lock: the upsert takes its row
// lock (PostgreSQL) or runs under the write lock (SQLite) until commit,
// so sequence numbers are gapless in commit order.
const eventCounterSQL = `INSERT INTO event_counters (org_id, next_seq)
		SELECT CAST(? AS {{UUID}}), 1 WHERE ` + orgExists + `
		ON CONFLICT (org_id) DO UPDATE SET next_seq = event_counters.next_seq + 1
		RETURNING next_seq - 1`

// eventInsertSQL stores an event on SQLite.
const eventInsertSQL = `INSERT INTO events (` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const eventRangeSQL = `SELECT ` + eventReadCols + ` FROM events WHERE org_id = ? AND seq >= ? AND seq < ? ORDER BY seq`

func (v events) Count(ctx context.Context, org uuid.UUID) (int64, error) {
	var n int64
	err := v.t.row(ctx, `SELECT next_seq FROM event_counters WHERE org_id = ?`, v.t.d.id(org)).Scan(&n)
	if err != nil && !isNoRows(err) {
		return 0, v.t.fail(ctx, "events.count", err)
	}
	return n, nil
}

// maxRangeCap bounds the slice Range allocates ahead for the events it
// expects: a range past the log's end should not allocate for nothing.
const maxRangeCap = 16384

func (v events) Range(ctx context.Context, org uuid.UUID, from, to int64) ([]lp.Event, error) {
	const op = "events.range"
	evs, err := listCap(ctx, v.t, op, scanEvent(org), int(min(max(to-from, 0), maxRangeCap)), eventRangeSQL, v.t.d.id(org), from, to)
	return v.withSets(ctx, op, org, evs, err)
}

func (v events) Query(ctx context.Context, org uuid.UUID, q storage.EventQuery) ([]lp.Event, error) {
	// A time outside the storable range would be encoded wrapped around
	// (SQLite) or fail untyped (PostgreSQL).
	if err := lp.ValidTime("EventQuery.Since", q.Since); err != nil {
		return nil, err
	}
	if err := lp.ValidTime("EventQuery.Until", q.Until); err != nil {
		return nil, err
	}
	const op = "events.query"
	stmt, args := eventQuery(v.t.d, org, q)
	evs, err := list(ctx, v.t, op, scanEvent(org), stmt, args...)
	return v.withSets(ctx, op, org, evs, err)
}

// eventQuery returns Query's statement and arguments.
func eventQuery(d Dialect, org uuid.UUID, q storage.EventQuery) (string, []any) {
	// Conditions name columns as {t}col, so the union below can qualify
	// them where event_fingerprints and event_leads have columns of the
	// same names.
	where := []string{"{t}org_id = ?"}
	args := []any{d.id(org)}
	add := func(cond string, arg ...any) {
		where = append(where, cond)
		args = append(args, arg...)
	}
	if q.ActorID != uuid.Nil {
		add("{t}actor_id = ?", d.id(q.ActorID))
	}
	if len(q.Actions) > 0 {
		actions := make([]string, len(q.Actions))
		for i, a := range q.Actions {
			actions[i] = string(a)
		}
		add(d.in("{t}action", listText), d.textList(actions))
	}
	if q.ProjectID != uuid.Nil {
		add("{t}project_id = ?", d.id(q.ProjectID))
	}
	if q.ObjectID != uuid.Nil {
		add("{t}object_id = ?", d.id(q.ObjectID))
	}
	if !q.Since.IsZero() {
		add("{t}occurred_at >= ?", d.time(q.Since))
	}
	if !q.Until.IsZero() {
		add("{t}occurred_at < ?", d.time(q.Until))
	}
	if q.BeforeSeq > 0 {
		add("{t}seq < ?", q.BeforeSeq)
	}
	// A number or a lead is matched as the event's own or a member of its
	// set. The number, if given, leads the look-up below; a lead given
	// with it is then a condition on each event found, its set probed on
	// the primary key of event_leads.
	set := eventSet{"fingerprint", "event_fingerprints", q.Fingerprint[:]}
	switch {
	case q.LeadID == uuid.Nil:
	case q.Fingerprint.IsZero():
		set = eventSet{"lead_id", "event_leads", d.id(q.LeadID)}
	default:
		add(`({t}lead_id = ? OR EXISTS (SELECT 1 FROM event_leads s
			WHERE s.org_id = {t}org_id AND s.lead_id = ? AND s.seq = {t}seq))`, d.id(q.LeadID), d.id(q.LeadID))
	}
	cond := func(table string) string { return strings.ReplaceAll(strings.Join(where, " AND "), "{t}", table) }
	limit := storage.Page{Limit: q.Limit}.Size()
	if q.Fingerprint.IsZero() && q.LeadID == uuid.Nil {
		return `SELECT ` + eventReadCols + ` FROM events` + eventIndex(d, q) + ` WHERE ` + cond("events.") +
			` ORDER BY seq DESC LIMIT ?`, append(args, limit)
	}
	// The events of a number (or lead): those with it as their own, by
	// events_fingerprint (events_lead), and those with it in their set, by
	// the primary key of the set's table and then of events (CROSS JOIN
	// keeps that order on SQLite). An OR of the two would keep PostgreSQL
	// from using either index; the union of the two look-ups is small (the
	// events of one number or lead), so sorting it costs little.
	return `SELECT ` + eventReadCols + ` FROM (
		SELECT ` + eventReadCols + ` FROM events` + eventIndex(d, q) + ` WHERE ` + set.col + ` = ? AND ` + cond("events.") + `
		UNION
		SELECT ` + eventSetReadCols + ` FROM ` + set.table + ` f CROSS JOIN events e
		WHERE f.org_id = ? AND f.` + set.col + ` = ? AND e.org_id = f.org_id AND e.seq = f.seq AND ` + cond("e.") + `
		) AS matched ORDER BY seq DESC LIMIT ?`,
		slices.Concat([]any{set.arg}, args, []any{d.id(org), set.arg}, args, []any{limit})
}

// eventSet is the column of events that a set table (event_fingerprints,
// event_leads) extends, and the value Query looks up in both.
type eventSet struct {
	col, table string
	arg        any
}

// eventSetReadCols are eventReadCols of events e joined to a set table.
var eventSetReadCols = "e." + strings.ReplaceAll(eventReadCols, ", ", ", e.")

// eventIndex names the index SQLite must use for q: the one on
// (org_id, X, seq) of the most selective equality filter set, in the
// order fingerprint, lead, object, actor. Without statistics SQLite
// otherwise satisfies ORDER BY seq DESC LIMIT by walking the primary key
// backwards and filtering every event of the organisation (373 ms over
// 1M events instead of a fraction of a millisecond). Statistics (ANALYZE)
// would also fix it, but only once gathered, and a plan that depends on
// them can change with the data; INDEXED BY cannot. PostgreSQL keeps its
// statistics itself and picks these indexes.
func eventIndex(d Dialect, q storage.EventQuery) string {
	if d != SQLite {
		return ""
	}
	switch {
	case !q.Fingerprint.IsZero():
		return " INDEXED BY events_fingerprint"
	case q.LeadID != uuid.Nil:
		return " INDEXED BY events_lead"
	case q.ObjectID != uuid.Nil:
		return " INDEXED BY events_object"
	case q.ActorID != uuid.Nil:
		return " INDEXED BY events_actor"
	}
	return ""
}

func (v events) WriteHashes(ctx context.Context, org uuid.UUID, indexes []int64, hashes [][32]byte) error {
	if len(indexes) != len(hashes) {
		return &lp.FieldError{Field: "hashes", Reason: "must have one hash per index"}
	}
	const op = "events.write_hashes"
	// The call's own duplicates must agree; each index is sent once.
	idx := make([]int64, 0, len(indexes))
	hs := make([][32]byte, 0, len(indexes))
	var seen map[int64][32]byte // only for calls of several hashes
	if len(indexes) > 1 {
		seen = make(map[int64][32]byte, len(indexes))
	}
	for i, x := range indexes {
		if x < 0 {
			return &lp.FieldError{Field: "indexes", Reason: "must not be negative"}
		}
		if seen != nil {
			if h, ok := seen[x]; ok {
				if h != hashes[i] {
					return conflict(op, "tree hash index holds another hash")
				}
				continue
			}
			seen[x] = hashes[i]
		}
		idx = append(idx, x)
		hs = append(hs, hashes[i])
	}
	if len(idx) == 0 {
		return v.t.alive()
	}
	// One statement in the common case (all indexes new). It inserts
	// nothing if any index is stored with another hash, and skips the ones
	// stored with the same hash; so only when fewer rows went in than were
	// sent is there something to tell apart, by reading them back.
	d := v.t.d
	src, args := sqliteHashRows, []any{hashPairs(idx, hs)}
	if d == Postgres {
		raw := make([][]byte, len(hs))
		for i := range hs {
			raw[i] = hs[i][:]
		}
		src, args = `SELECT * FROM unnest(CAST(? AS bigint[]), CAST(? AS bytea[]))`, []any{idx, raw}
	}
	n, err := v.t.affected(ctx, op, writeHashesSQL(src), append(args, d.id(org), d.id(org), d.id(org))...)
	if err != nil || n == int64(len(idx)) {
		return err
	}
	if err := v.t.requireOrg(ctx, op, org); err != nil {
		return err
	}
	stored, err := v.read(ctx, op, org, idx)
	if err != nil {
		return err
	}
	for i, x := range idx {
		if stored[x] != hs[i] {
			return conflict(op, "tree hash index holds another hash")
		}
	}
	return nil
}

// sqliteHashRows reads the (idx, hash) rows of hashPairs on SQLite.
const sqliteHashRows = `SELECT value->>0, unhex(value->>1) FROM json_each(?)`

// writeHashesSQL is WriteHashes' statement with src, the query of the
// (idx, hash) rows to write. The guard probes the primary key once per
// new row: CROSS JOIN keeps SQLite from scanning the organisation's
// hashes in the outer loop instead.
func writeHashesSQL(src string) string {
	return `WITH new (idx, hash) AS (` + src + `)
		INSERT INTO event_hashes (org_id, idx, hash) SELECT CAST(? AS {{UUID}}), idx, hash FROM new
		WHERE ` + orgExists + ` AND NOT EXISTS (SELECT 1 FROM new CROSS JOIN event_hashes h
		                  WHERE h.org_id = CAST(? AS {{UUID}}) AND h.idx = new.idx AND h.hash <> new.hash)
		ON CONFLICT (org_id, idx) DO NOTHING`
}

// hashPairs encodes indexes and hashes as the JSON array
// [[index, "hex hash"], ...] that WriteHashes reads with json_each on
// SQLite: one parameter for any number of rows.
func hashPairs(indexes []int64, hashes [][32]byte) string {
	b := make([]byte, 0, len(indexes)*(2*32+24)+2)
	b = append(b, '[')
	for i, x := range indexes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, x, 10)
		b = append(b, ',', '"')
		b = hex.AppendEncode(b, hashes[i][:])
		b = append(b, '"', ']')
	}
	return string(append(b, ']'))
}

// minHashRun is the length from which ReadHashes reads a run of
// consecutive indexes as a primary-key range instead of listing them.
const minHashRun = 4

func (v events) ReadHashes(ctx context.Context, org uuid.UUID, indexes []int64) ([][32]byte, error) {
	const op = "events.read_hashes"
	out := make([][32]byte, len(indexes))
	if len(indexes) == 0 {
		return out, v.t.alive()
	}
	// Runs of consecutive indexes (audit.Verify reads one per page) are
	// range scans; the scattered rest (tlog's proof paths) one list query.
	var rest []int64
	var restAt []int
	for i := 0; i < len(indexes); {
		j := i + 1
		for j < len(indexes) && indexes[j] == indexes[j-1]+1 {
			j++
		}
		if j-i >= minHashRun {
			if err := v.readRun(ctx, op, org, indexes[i], out[i:j]); err != nil {
				return nil, err
			}
		} else {
			for k := i; k < j; k++ {
				rest = append(rest, indexes[k])
				restAt = append(restAt, k)
			}
		}
		i = j
	}
	if len(rest) == 0 {
		return out, nil
	}
	stored, err := v.read(ctx, op, org, rest)
	if err != nil {
		return nil, err
	}
	for k, x := range rest {
		h, ok := stored[x]
		if !ok {
			return nil, notFound(op, "tree hash "+strconv.FormatInt(x, 10))
		}
		out[restAt[k]] = h
	}
	return out, nil
}

const readRunSQL = `SELECT hash FROM event_hashes WHERE org_id = ? AND idx >= ? AND idx < ? ORDER BY idx`

// readRun reads the hashes at the len(out) consecutive indexes from lo
// into out by a primary-key range scan. The key is unique, so as many
// rows as indexes means none is missing.
func (v events) readRun(ctx context.Context, op string, org uuid.UUID, lo int64, out [][32]byte) error {
	rows, done, err := v.t.queryRows(ctx, readRunSQL, v.t.d.id(org), lo, lo+int64(len(out)))
	defer done()
	if err != nil {
		return v.t.fail(ctx, op, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(hashCol{&out[n]}); err != nil {
			return v.t.fail(ctx, op, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return v.t.fail(ctx, op, err)
	}
	if n != len(out) {
		return notFound(op, "tree hash "+strconv.FormatInt(lo+int64(n), 10))
	}
	return nil
}

// readHashesSQL reads the hashes at a list of indexes, per dialect.
var readHashesSQL = map[Dialect]string{
	SQLite:   `SELECT idx, hash FROM event_hashes WHERE org_id = ? AND ` + SQLite.in("idx", listInt),
	Postgres: `SELECT idx, hash FROM event_hashes WHERE org_id = ? AND ` + Postgres.in("idx", listInt),
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
	}, readHashesSQL[d], d.id(org), d.intList(indexes))
	if err != nil {
		return nil, err
	}
	m := make(map[int64][32]byte, len(rows))
	for _, x := range rows {
		m[x.idx] = x.hash
	}
	return m, nil
}
