package privacy

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// parseTyped normalises a number as a person typed it. A number written in
// international form ("+45 …") is parsed without the organisation; any
// other is parsed with the organisation's default region, read in tx. The
// error names field and shows the input masked; it matches
// lp.ErrInvalidPhone.
func parseTyped(ctx context.Context, tx storage.Tx, org uuid.UUID, raw, field string) (phone.Number, error) {
	if strings.HasPrefix(strings.TrimSpace(raw), "+") {
		if n, err := phone.Parse(raw, ""); err == nil {
			return n, nil
		}
	}
	o, err := tx.Organisations().Get(ctx, org)
	if err != nil {
		return "", lperr.Wrap("organisation", err)
	}
	n, err := phone.Parse(raw, o.DefaultRegion)
	if err != nil {
		return "", lperr.Wrap(field+` "`+phone.MaskInput(raw)+`"`, err)
	}
	return n, nil
}
