package sqlstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// screeningGetSQL reads an organisation's screening generation
// (storage.Blocks.ScreeningGeneration), kept in its ChangeLog counter row
// (schema version 9): a primary-key look-up, run once per checked batch.
// It is not among hotSQL, which Migrate prepares at every schema version
// the migration tests stop at, before the column exists.
const screeningGetSQL = `SELECT screening FROM event_counters WHERE org_id = ?`

// screeningBumpSQL increases an organisation's screening generation,
// creating its counter row with no events yet (next_seq 0, as no row
// means) if it has none. Its argument is the organisation, which exists:
// the write that bumps it changed a row of it.
const screeningBumpSQL = `INSERT INTO event_counters (org_id, next_seq, screening) VALUES (?, 0, 1)
	ON CONFLICT (org_id) DO UPDATE SET screening = event_counters.screening + 1`

// bumpScreening increases org's screening generation in t, after a write
// that changed its blocks or suppressions; every such write calls it, so
// the generation commits or rolls back with the change.
func (t *txn) bumpScreening(ctx context.Context, op string, org uuid.UUID) error {
	_, err := t.exec(ctx, op, screeningBumpSQL, t.d.id(org))
	return err
}

func (v blocks) ScreeningGeneration(ctx context.Context, org uuid.UUID) (int64, error) {
	var g int64
	err := v.t.queryOne(ctx, screeningGetSQL, []any{v.t.d.id(org)}, &g)
	if isNoRows(err) {
		return 0, nil
	}
	return g, v.t.fail(ctx, "blocks.screening_generation", err)
}

func (v suppressions) ListFingerprints(ctx context.Context, org uuid.UUID, after phone.Fingerprint, limit int) ([]phone.Fingerprint, error) {
	return listCap(ctx, v.t, "suppressions.list_fingerprints", func(r scanner) (phone.Fingerprint, error) {
		var fp phone.Fingerprint
		err := r.Scan(fpCol{&fp})
		return fp, err
	}, storage.Page{Limit: limit}.Size(),
		`SELECT fingerprint FROM suppressions WHERE org_id = ? AND fingerprint > ? ORDER BY fingerprint LIMIT ?`,
		v.t.d.id(org), after[:], storage.Page{Limit: limit}.Size())
}
