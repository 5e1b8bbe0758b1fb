package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
)

// Format is an export file format.
type Format int

// Export formats.
const (
	// CSV writes a header row and one row per event (columns: see
	// CSVHeader), safe to open in a spreadsheet.
	CSV Format = iota + 1
	// JSONLines writes one JSON object per line (RFC 8259 objects
	// separated by "\n"), with the same fields as CSV.
	JSONLines
)

// CSVHeader is the header row of a CSV export. The details column holds
// "key=value" pairs sorted by key and separated by a space, the lead_ids
// column the event's lead set (lp.Event.LeadIDs) in ascending order
// separated by a space; zero ids, an absent number and an empty set are
// empty cells. lead_ids comes last, so the columns before it keep their
// places in exports read by position.
var CSVHeader = []string{"seq", "time", "org_id", "actor_id", "action", "lead_id", "project_id", "object_id", "masked_number", "fingerprint", "details", "lead_ids"}

// exportPageSize is how many events Export holds in memory at once.
const exportPageSize = 1000

// Export writes every event selected by q to w in format f, newest first,
// page by page: memory stays bounded however long the log is. q.BeforeSeq
// is where it starts, q.Limit the page size (default 1000). Like Query it
// needs lp.PermReadChangeLog and opens transactions of its own, one per
// page. It returns how many events it wrote.
//
// The CSV cannot run code in a spreadsheet nor forge rows: every cell that
// begins with '=', '+', '-', '@', a tab or a carriage return gets a leading
// apostrophe (so the masked number "+45••••5678" appears as
// "'+45••••5678"), control characters in any cell are replaced with
// U+FFFD, and encoding/csv quotes what remains. Events are non-personal by
// construction; this guards against a tampered or foreign store.
func (l *Log) Export(ctx context.Context, actor lp.Actor, q Query, w io.Writer, f Format) (int64, error) {
	var enc encoder
	bw := bufio.NewWriter(w)
	switch f {
	case CSV:
		cw := csv.NewWriter(bw)
		if err := cw.Write(CSVHeader); err != nil {
			return 0, exportErr(err)
		}
		enc = csvEncoder{cw}
	case JSONLines:
		enc = jsonEncoder{json.NewEncoder(bw)}
	default:
		return 0, invalid("Format", "must be CSV or JSONLines")
	}
	if q.Limit == 0 {
		q.Limit = exportPageSize
	}
	var n int64
	err := l.each(ctx, actor, q, func(evs []lp.Event) error {
		for _, e := range evs {
			if err := enc.encode(e); err != nil {
				return exportErr(err)
			}
			n++
		}
		if err := enc.flush(); err != nil {
			return exportErr(err)
		}
		return exportErr(bw.Flush())
	})
	if err != nil {
		return n, err
	}
	if err := enc.flush(); err != nil {
		return n, exportErr(err)
	}
	return n, exportErr(bw.Flush())
}

func exportErr(err error) error {
	if err == nil {
		return nil
	}
	return lperr.Wrap("audit: export", err)
}

type encoder interface {
	encode(lp.Event) error
	flush() error
}

// exportRecord is one event as exported, in CSV column order.
type exportRecord struct {
	Seq          int64             `json:"seq"`
	Time         string            `json:"time"`
	OrgID        string            `json:"org_id"`
	ActorID      string            `json:"actor_id"`
	Action       string            `json:"action"`
	LeadID       string            `json:"lead_id,omitempty"`
	ProjectID    string            `json:"project_id,omitempty"`
	ObjectID     string            `json:"object_id,omitempty"`
	MaskedNumber string            `json:"masked_number,omitempty"`
	Fingerprint  string            `json:"fingerprint,omitempty"`
	Details      map[string]string `json:"details,omitempty"`
	LeadIDs      []string          `json:"lead_ids,omitempty"`
}

func newExportRecord(e lp.Event) exportRecord {
	r := exportRecord{
		Seq:          e.Seq,
		Time:         formatTime(e.Time),
		OrgID:        idString(e.OrgID),
		ActorID:      idString(e.ActorID),
		Action:       string(e.Action),
		LeadID:       idString(e.LeadID),
		ProjectID:    idString(e.ProjectID),
		ObjectID:     idString(e.ObjectID),
		MaskedNumber: e.MaskedNumber,
		Details:      e.Details,
	}
	if !e.Fingerprint.IsZero() {
		r.Fingerprint = e.Fingerprint.String()
	}
	if len(e.LeadIDs) > 0 {
		r.LeadIDs = make([]string, len(e.LeadIDs))
		for i, id := range e.LeadIDs {
			r.LeadIDs[i] = id.String()
		}
	}
	return r
}

// idString writes a zero id as "".
func idString(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

type jsonEncoder struct{ enc *json.Encoder }

// encode writes one line: encoding/json escapes control characters and
// U+2028/U+2029, so no value can break the line.
func (j jsonEncoder) encode(e lp.Event) error { return j.enc.Encode(newExportRecord(e)) }
func (j jsonEncoder) flush() error            { return nil }

type csvEncoder struct{ w *csv.Writer }

func (c csvEncoder) encode(e lp.Event) error {
	r := newExportRecord(e)
	var details strings.Builder
	for i, k := range appendSortedKeys(nil, r.Details) {
		if i > 0 {
			details.WriteByte(' ')
		}
		details.WriteString(k + "=" + r.Details[k])
	}
	row := []string{strconv.FormatInt(r.Seq, 10), r.Time, r.OrgID, r.ActorID, r.Action, r.LeadID,
		r.ProjectID, r.ObjectID, r.MaskedNumber, r.Fingerprint, details.String(), strings.Join(r.LeadIDs, " ")}
	for i := range row {
		row[i] = SafeCell(row[i])
	}
	return c.w.Write(row)
}

func (c csvEncoder) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// SafeCell returns s made safe for a spreadsheet cell: a leading '=', '+',
// '-', '@', tab or carriage return (which a spreadsheet would read as a
// formula) gets an apostrophe in front, and every control character
// (including CR, LF and tab, which could start a new row in a careless
// reader) and every Unicode line separator becomes U+FFFD. Export applies it to every CSV cell; hosts
// writing their own CSV of ChangeLog data can use it too.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	if strings.IndexFunc(s, breaksLine) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if breaksLine(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// breaksLine reports whether r is a control character or a Unicode line or
// paragraph separator.
func breaksLine(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }
