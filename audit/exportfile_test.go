package audit_test

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"block.created":       "block.created",
		"=1+2":                "'=1+2",
		"+45••••5678":         "'+45••••5678",
		"-2":                  "'-2",
		"@SUM(A1)":            "'@SUM(A1)",
		"\t=1":                "'\uFFFD=1",
		"\r=1":                "'\uFFFD=1",
		"a\r\nb":              "a\uFFFD\uFFFDb",
		"a\u2028b\u0085c\x00": "a\uFFFDb\uFFFDc\uFFFD",
		"'=1":                 "'=1",
		"x=1":                 "x=1",
	} {
		if got := audit.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// readCSVExport parses a CSV export back into events, undoing SafeCell's
// apostrophe.
func readCSVExport(t *testing.T, r io.Reader) []lp.Event {
	t.Helper()
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") {
		t.Fatalf("header %v", rows)
	}
	var out []lp.Event
	for _, row := range rows[1:] {
		for i, c := range row {
			if len(c) > 1 && c[0] == '\'' && strings.ContainsRune("=+-@", rune(c[1])) {
				row[i] = c[1:]
			}
		}
		out = append(out, parseExported(t, exported{
			Seq: row[0], Time: row[1], OrgID: row[2], ActorID: row[3], Action: row[4], LeadID: row[5],
			ProjectID: row[6], ObjectID: row[7], MaskedNumber: row[8], Fingerprint: row[9], Details: detailsCell(row[10]),
		}))
	}
	return out
}

func detailsCell(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := map[string]string{}
	for kv := range strings.SplitSeq(s, " ") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

type exported struct {
	Seq          string            `json:"-"`
	SeqNum       int64             `json:"seq"`
	Time         string            `json:"time"`
	OrgID        string            `json:"org_id"`
	ActorID      string            `json:"actor_id"`
	Action       string            `json:"action"`
	LeadID       string            `json:"lead_id"`
	ProjectID    string            `json:"project_id"`
	ObjectID     string            `json:"object_id"`
	MaskedNumber string            `json:"masked_number"`
	Fingerprint  string            `json:"fingerprint"`
	Details      map[string]string `json:"details"`
}

func parseExported(t *testing.T, x exported) lp.Event {
	t.Helper()
	id := func(s string) uuid.UUID {
		if s == "" {
			return uuid.Nil
		}
		return uuid.MustParse(s)
	}
	seq := x.SeqNum
	if x.Seq != "" {
		var err error
		if seq, err = strconv.ParseInt(x.Seq, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	tm, err := time.Parse(time.RFC3339Nano, x.Time)
	if err != nil {
		t.Fatal(err)
	}
	e := lp.Event{OrgID: id(x.OrgID), Seq: seq, Time: tm, ActorID: id(x.ActorID), Action: lp.Action(x.Action),
		LeadID: id(x.LeadID), ProjectID: id(x.ProjectID), ObjectID: id(x.ObjectID), MaskedNumber: x.MaskedNumber, Details: x.Details}
	if x.Fingerprint != "" {
		b, err := hex.DecodeString(x.Fingerprint)
		if err != nil || len(b) != 32 {
			t.Fatalf("fingerprint %q", x.Fingerprint)
		}
		copy(e.Fingerprint[:], b)
	}
	return e
}

func readJSONLExport(t *testing.T, r io.Reader) []lp.Event {
	t.Helper()
	var out []lp.Event
	dec := json.NewDecoder(r)
	for dec.More() {
		var x exported
		if err := dec.Decode(&x); err != nil {
			t.Fatal(err)
		}
		out = append(out, parseExported(t, x))
	}
	return out
}

func TestExportRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		n := 2500 // three pages of 1,000
		if raceEnabled {
			n = 1100
		}
		entries := make([]audit.Entry, n)
		for i := range entries {
			entries[i] = varied(i)
			if i%3 == 0 {
				entries[i] = audit.Entry{Action: audit.ActionLeadViewed, LeadID: uuid.New()} // zero ids, no number, no details
			}
		}
		f.recordAll(f.admin, entries)
		viewed := int64(0)
		for _, e := range entries {
			if e.Action == audit.ActionLeadViewed {
				viewed++
			}
		}
		want := f.events()
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}
		for _, format := range []audit.Format{audit.CSV, audit.JSONLines} {
			var buf bytes.Buffer
			wrote, err := f.log.Export(f.ctx, f.admin, audit.Query{}, &buf, format)
			if err != nil {
				t.Fatal(err)
			}
			var got []lp.Event
			if format == audit.CSV {
				got = readCSVExport(t, &buf)
			} else {
				got = readJSONLExport(t, &buf)
			}
			if wrote != int64(len(want)) || len(got) != len(want) {
				t.Fatalf("format %d: exported %d, read back %d events, want %d", format, wrote, len(got), len(want))
			}
			for i := range want {
				if !eventsEqual(got[i], want[i]) {
					t.Fatalf("format %d: event %d\n got %+v\nwant %+v", format, i, got[i], want[i])
				}
			}
		}
		// A query narrows the export, and an agent may not export.
		var buf bytes.Buffer
		if got, err := f.log.Export(f.ctx, f.admin, audit.Query{Actions: []lp.Action{audit.ActionLeadViewed}}, &buf, audit.JSONLines); err != nil || got != viewed {
			t.Errorf("filtered export: %d events, %v", got, err)
		}
		if _, err := f.log.Export(f.ctx, f.agent, audit.Query{}, io.Discard, audit.CSV); err == nil {
			t.Error("agent exported the ChangeLog")
		}
		if _, err := f.log.Export(f.ctx, f.admin, audit.Query{}, io.Discard, audit.Format(9)); err == nil {
			t.Error("unknown format accepted")
		}
	})
}

// TestExportCannotBeInjected exports events as a tampered store might hold
// them, with formulas, line breaks and control characters in every text
// field: the CSV keeps one row per event, no cell starts a formula and no
// cell holds a control character; every JSON line is one valid object.
func TestExportCannotBeInjected(t *testing.T) {
	f := newMemFixture(t)
	f.mustRecord(f.admin, varied(0))
	hostile := []string{"=HYPERLINK(\"http://x\",\"y\")", "+1\r\n=2", "-3,4\n5", "@SUM(A1)", "\t=1", "\r@2", "a\"b\r\nc", "x\x00\x1b[31m", "a\u2028b"}
	var evs []lp.Event
	for i, h := range hostile {
		e := f.events()[0]
		e.Seq = int64(i)
		e.Action = lp.Action(h)
		e.MaskedNumber = h
		e.Details = map[string]string{"reason": h, h: "1"}
		evs = append(evs, e)
	}
	tampered := f.logOf(snapshot(f).with(evs))

	var csvOut bytes.Buffer
	if _, err := tampered.Export(f.ctx, f.admin, audit.Query{}, &csvOut, audit.CSV); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(csvOut.String(), "\n"); lines != len(hostile)+1 {
		t.Errorf("CSV has %d line breaks for %d rows:\n%s", lines, len(hostile)+1, csvOut.String())
	}
	rows, err := csv.NewReader(bytes.NewReader(csvOut.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(hostile)+1 {
		t.Fatalf("CSV parses into %d rows, want %d", len(rows), len(hostile)+1)
	}
	for _, row := range rows[1:] {
		if len(row) != len(audit.CSVHeader) {
			t.Errorf("row with %d cells: %q", len(row), row)
		}
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell starts a formula: %q", c)
			}
			if strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u2028' }) {
				t.Errorf("cell holds a control character: %q", c)
			}
		}
	}

	var jsonOut bytes.Buffer
	if _, err := tampered.Export(f.ctx, f.admin, audit.Query{}, &jsonOut, audit.JSONLines); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(jsonOut.String(), "\n"), "\n")
	if len(lines) != len(hostile) {
		t.Fatalf("JSON Lines has %d lines for %d events", len(lines), len(hostile))
	}
	for i, l := range lines {
		var x exported
		if err := json.Unmarshal([]byte(l), &x); err != nil || x.Action != hostile[len(hostile)-1-i] {
			t.Errorf("line %d does not decode to its event: %v", i, err)
		}
	}
}
