package privacy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/privacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// canaryEraser is the host's recording store in the canary test: it
// fails while fail is set (with the references in its error's text, as a
// careless host's error would have them) and records what it erased.
type canaryEraser struct {
	mu     sync.Mutex
	fail   bool
	erased []string
}

func (e *canaryEraser) Erase(_ context.Context, req privacy.ErasureRequest) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail {
		return fmt.Errorf("cannot delete %s: connection refused", strings.Join(req.RecordingRefs, ", "))
	}
	e.erased = append(e.erased, req.RecordingRefs...)
	return nil
}

// canaries are the unique personal data of one test run: texts planted in
// every personal field, note and recording reference, and numbers.
type canaries struct {
	tag     string
	texts   []string
	numbers []phone.Number
}

func newCanaries(t *testing.T) *canaries {
	b := make([]byte, 5)
	rand.Read(b)
	c := &canaries{tag: fmt.Sprintf("%x", b)}
	seen := map[phone.Number]bool{}
	for len(c.numbers) < 3 {
		d, err := rand.Int(rand.Reader, big.NewInt(10_000_000))
		if err != nil {
			t.Fatal(err)
		}
		n := phone.Number(fmt.Sprintf("+459%07d", d.Int64()))
		if !seen[n] {
			seen[n] = true
			c.numbers = append(c.numbers, n)
		}
	}
	return c
}

// text returns a new canary text naming what it is planted in.
func (c *canaries) text(what string) string {
	s := fmt.Sprintf("Kanarie %s %s", what, c.tag)
	c.texts = append(c.texts, s)
	return s
}

// national is n's national number: "+4590123456" → "90123456".
func national(n phone.Number) string { return strings.TrimPrefix(string(n), "+45") }

// spaced is n as the seed data writes Danish numbers: "90 12 34 56".
func spaced(n phone.Number) string {
	d := national(n)
	return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8]
}

// form is one way a canary can be written.
type form struct {
	name  string
	bytes []byte
}

// forms are every form a canary must not be found in: each text plain and
// in UTF-16 (LE and BE); each number in E.164, digits only with and without
// the country code, as typed ("90 12 34 56", "0045 90 12 34 56"), and
// E.164 and national digits in UTF-16.
func (c *canaries) forms() []form {
	var out []form
	add := func(name, s string, utf16too bool) {
		out = append(out, form{name, []byte(s)})
		if utf16too {
			out = append(out, form{name + " (UTF-16LE)", utf16Bytes(s, binary.LittleEndian)},
				form{name + " (UTF-16BE)", utf16Bytes(s, binary.BigEndian)})
		}
	}
	for _, s := range c.texts {
		add(s, s, true)
	}
	for _, n := range c.numbers {
		add(string(n)+" E.164", string(n), true)
		add(string(n)+" digits", strings.TrimPrefix(string(n), "+"), false)
		add(string(n)+" national", national(n), true)
		add(string(n)+" spaced", spaced(n), false)
		add(string(n)+" international", "0045 "+spaced(n), false)
	}
	return out
}

func utf16Bytes(s string, order binary.AppendByteOrder) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

// find returns the names of the forms found in data.
func find(data []byte, forms []form) []string {
	var out []string
	for _, f := range forms {
		if bytes.Contains(data, f.bytes) {
			out = append(out, f.name)
		}
	}
	return out
}

// TestCanaryErasure plants unique canaries in every personal field of
// three leads, every phone number, the notes and recording references of
// their calls; reads them through Search, Lead and Export; provokes
// errors; forgets them with ForgetNumber (typed nationally, the number two
// leads share) and Forget, with Suppress, while the recording store first
// fails and then succeeds through RunErasures; compacts the SQL store.
// Then no canary, in any form, is left: in the store (SQLite: the raw
// bytes of the database, -wal and -shm; PostgreSQL: every text, bytea and
// other column of every table of the schema; memstore: everything its
// API returns), in the ChangeLog and its CSV and JSON exports, in what the
// service and the ChangeLog logged at debug level, in errors and in the
// receipts. Before the forget every canary is found in the store, so the
// scan can see them.
//
// A number's masked form (phone.Mask: the country code and the last four
// of eight digits, one in 10,000 of Denmark's numbers, which identifies
// nobody) is the ChangeLog's display form: it may appear only as the
// masked number of an event, and the test counts that it appears in the
// ChangeLog and its exports exactly as often as events carry it, and in
// no log line, error, receipt or PostgreSQL table but events.
func TestCanaryErasure(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		c := newCanaries(t)
		eraser := &canaryEraser{fail: true}
		svc := f.service(&privacy.Options{Erasers: map[string]privacy.Eraser{"recordings": eraser}})

		energyFields := func(what string) map[string]string {
			return map[string]string{"first_name": c.text(what + " first"), "last_name": c.text(what + " last"),
				"email": "kanarie." + c.text(what+"-mail") + "@example.dk", "address": c.text(what + " address"),
				"meter_size": "40A", "tariff": "flex"}
		}
		a := f.addLead(f.energy, f.energyTmpl, []phone.Number{c.numbers[0], c.numbers[1]}, energyFields("A"), "callback")
		f.addContact(a, f.bob, start.AddDate(0, 0, -4), "no_answer", 0, c.text("A note 1"), c.text("rec://A1"))
		f.addContact(a, f.bob, start.AddDate(0, 0, -3), "callback", time.Minute, c.text("A note 2"), c.text("rec://A2"))
		b := f.addLead(f.insure, f.insureTmpl, []phone.Number{c.numbers[0]}, map[string]string{
			"name": c.text("B name"), "date_of_birth": c.text("B born"), "policy_number": c.text("B policy"), "product": "home"}, "")
		f.addContact(b, f.carol, start.AddDate(0, 0, -2), "callback", 2*time.Minute, c.text("B note"), c.text("rec://B1"))
		cl := f.addLead(f.energy, f.energyTmpl, []phone.Number{c.numbers[2]}, energyFields("C"), "success")
		f.addContact(cl, f.bob, start.AddDate(0, 0, -1), "success", 3*time.Minute, c.text("C note"), c.text("rec://C1"))
		forms := c.forms()

		// The store holds every canary now: the scan can see them.
		if found, plain := foundForms(storeScan(t, f, forms)), plainForms(forms); len(found) < len(plain) {
			t.Fatalf("before the forget the scan found %d of the %d plain canary forms: %v", len(found), len(plain), found)
		}

		var said []string // errors and receipts the calls returned
		sayErr := func(err error) {
			if err == nil {
				t.Fatal("want an error")
			}
			said = append(said, err.Error(), fmt.Sprintf("%+v", err))
		}
		say := func(v any) {
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			said = append(said, fmt.Sprintf("%+v", v), string(j))
		}
		// Looks at the data, and errors around it.
		if _, err := svc.Search(f.ctx, f.alice, "0045 "+spaced(c.numbers[0])); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Lead(f.ctx, f.alice, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Export(f.ctx, f.alice, string(c.numbers[1])); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Search(f.ctx, f.alice, spaced(c.numbers[0])+"x")
		sayErr(err)
		_, err = svc.Lead(f.ctx, f.dave, a.ID)
		sayErr(err)
		_, err = svc.ForgetNumber(f.ctx, f.bob, spaced(c.numbers[0]), privacy.ForgetOptions{})
		sayErr(err)
		_, err = svc.ForgetNumber(f.ctx, f.alice, national(c.numbers[2])+"0000", privacy.ForgetOptions{})
		sayErr(err)

		// The forget: the recording store is down at first.
		r1, err := svc.ForgetNumber(f.ctx, f.alice, spaced(c.numbers[0]), privacy.ForgetOptions{Suppress: true, Reason: "customer_request"})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := svc.Forget(f.ctx, f.alice, cl.ID, privacy.ForgetOptions{Suppress: true})
		if err != nil {
			t.Fatal(err)
		}
		say(r1)
		say(r2)
		if len(r1.Leads) != 2 || len(r2.Leads) != 1 || r1.Pending()+r2.Pending() != 3 {
			t.Fatalf("receipts %+v and %+v: want leads A and B, then C, each with a pending erasure", r1, r2)
		}
		eraser.mu.Lock()
		eraser.fail = false
		eraser.mu.Unlock()
		f.clock.Set(start.AddDate(0, 0, 1))
		run, err := svc.RunErasures(f.ctx, f.alice)
		if err != nil || run.Completed != 3 || run.Failed != 0 {
			t.Fatalf("RunErasures = %+v, %v; want the three erasures completed", run, err)
		}
		say(run)
		if got := len(eraser.erased); got != 4 {
			t.Errorf("the recording store erased %d references, want the 4 recordings", got)
		}
		_, err = svc.Lead(f.ctx, f.dave, a.ID)
		sayErr(err)
		if sq, ok := f.store.(*sqlstore.Store); ok {
			if err := sq.Compact(f.ctx); err != nil {
				t.Fatal(err)
			}
		}

		// Nothing is left.
		for where, found := range storeScan(t, f, forms) {
			t.Errorf("after the forget, %s still holds %v", where, found)
		}
		masked := map[string]int{} // masked form → events carrying it
		var changelog []string
		for _, e := range f.eventsSince(f.org.ID, 0) {
			masked[e.MaskedNumber]++
			changelog = append(changelog, fmt.Sprintf("%+v", e))
		}
		for _, format := range []audit.Format{audit.CSV, audit.JSONLines} {
			var buf bytes.Buffer
			if _, err := f.log.Export(f.ctx, f.alice, audit.Query{}, &buf, format); err != nil {
				t.Fatal(err)
			}
			changelog = append(changelog, buf.String())
		}
		check := func(what string, data []byte, maskedAllowed bool) {
			t.Helper()
			if found := find(data, forms); len(found) > 0 {
				t.Errorf("%s holds %v", what, found)
			}
			for _, n := range c.numbers {
				m := phone.Mask(n)
				if got, want := bytes.Count(data, []byte(m)), masked[m]; (maskedAllowed && got > want) || (!maskedAllowed && got > 0) {
					t.Errorf("%s holds the masked form of a canary number %d times; events carry it %d times (allowed: %v)", what, got, want, maskedAllowed)
				}
			}
		}
		for i, s := range changelog {
			check(fmt.Sprintf("ChangeLog dump %d", i), []byte(s), true)
		}
		check("the debug log", f.logs.Bytes(), false)
		check("errors and receipts", []byte(strings.Join(said, "\n")), false)
		if !bytes.Contains(f.logs.Bytes(), []byte("external erasure failed")) {
			t.Error("the debug log does not show the eraser's failure: the log check saw nothing")
		}
		for _, n := range c.numbers[:1] {
			if masked[phone.Mask(n)] == 0 {
				t.Errorf("no event carries %s: the masked-form count checked nothing", phone.Mask(n))
			}
		}
	})
}

// foundForms returns the forms found in any place, each once.
func foundForms(found map[string][]string) map[string]bool {
	out := map[string]bool{}
	for _, fs := range found {
		for _, name := range fs {
			out[name] = true
		}
	}
	return out
}

// plainForms are the forms of forms written without UTF-16 or spacing,
// the ones every store holds before a forget.
func plainForms(forms []form) []form {
	var out []form
	for _, f := range forms {
		if !strings.Contains(f.name, "UTF-16") && !strings.HasSuffix(f.name, "spaced") &&
			!strings.HasSuffix(f.name, "international") {
			out = append(out, f)
		}
	}
	return out
}

// storeScan returns, per place in f's store, the canary forms found
// there. SQLite: the raw bytes of the database, -wal and -shm files.
// PostgreSQL: every column of every table of the store's schema, bytea
// columns as their raw bytes, all others as text; the masked form of a
// number counts only outside events. memstore: every lead, contact
// attempt, block, pending erasure and event its API returns.
func storeScan(t *testing.T, f *fixture, forms []form) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	note := func(where string, data []byte) {
		if got := find(data, forms); len(got) > 0 {
			found[where] = append(found[where], got...)
		}
	}
	switch s := f.store.(type) {
	case *memstore.Store:
		note("memstore", memstoreDump(t, f))
	case *sqlstore.Store:
		if s.Dialect() == sqlstore.Postgres {
			for where, data := range postgresColumns(t, s) {
				note(where, data)
			}
			return found
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			data, err := os.ReadFile(f.path + suffix)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			note("sqlite file lp.db"+suffix, data)
		}
	default:
		t.Fatalf("no scan for store %T", f.store)
	}
	return found
}

// memstoreDump prints everything of the fixture's organisation the
// storage API returns.
func memstoreDump(t *testing.T, f *fixture) []byte {
	t.Helper()
	var buf bytes.Buffer
	f.tx(func(tx storage.Tx) error {
		leads, err := tx.Leads().List(f.ctx, f.org.ID, storage.LeadFilter{}, storage.Page{Limit: storage.MaxLimit})
		if err != nil {
			return err
		}
		for _, l := range leads {
			cs, err := tx.Contacts().ListByLead(f.ctx, f.org.ID, l.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(&buf, "%+v %+v\n", l, cs)
		}
		blocks, err := tx.Blocks().List(f.ctx, f.org.ID, storage.BlockFilter{}, storage.Page{Limit: storage.MaxLimit})
		if err != nil {
			return err
		}
		pending, err := tx.Erasures().List(f.ctx, f.org.ID, time.Time{}, storage.Page{Limit: storage.MaxLimit})
		if err != nil {
			return err
		}
		n, err := tx.Events().Count(f.ctx, f.org.ID)
		if err != nil {
			return err
		}
		events, err := tx.Events().Range(f.ctx, f.org.ID, 0, n)
		fmt.Fprintf(&buf, "%+v\n%+v\n%+v\n", blocks, pending, events)
		return err
	})
	return buf.Bytes()
}

// postgresColumns returns the values of every column of every table of
// the store's schema, per table and column (listed by
// information_schema): bytea columns as their bytes, all others as text.
func postgresColumns(t *testing.T, s *sqlstore.Store) map[string][]byte {
	t.Helper()
	rows, err := s.DB().Query(`SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil || len(cols) < 30 {
		t.Fatalf("columns of the schema: %d, %v", len(cols), err)
	}
	out := map[string][]byte{}
	for _, c := range cols {
		expr := `"` + c.name + `"::text`
		if c.typ == "bytea" {
			expr = `"` + c.name + `"`
		}
		rows, err := s.DB().Query(`SELECT ` + expr + ` FROM "` + c.table + `" WHERE "` + c.name + `" IS NOT NULL`)
		if err != nil {
			t.Fatalf("read %s.%s: %v", c.table, c.name, err)
		}
		var data []byte
		for rows.Next() {
			var v []byte
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			data = append(append(data, v...), 0)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		out[c.table+"."+c.name] = data
	}
	return out
}

// TestCanaryScanSeesLeftovers proves the store scan can fail: a lead
// whose personal data is cleared only in part (its notes stay) is found.
func TestCanaryScanSeesLeftovers(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		c := newCanaries(t)
		l := f.addLead(f.energy, f.energyTmpl, []phone.Number{c.numbers[0]}, map[string]string{"first_name": c.text("name")}, "")
		f.addContact(l, f.bob, start, "callback", 0, c.text("note"), "")
		f.tx(func(tx storage.Tx) error {
			l.Phones, l.Fields, l.ForgottenAt = nil, nil, start
			return tx.Leads().Update(f.ctx, l)
		})
		if sq, ok := f.store.(*sqlstore.Store); ok {
			if err := sq.Compact(f.ctx); err != nil {
				t.Fatal(err)
			}
		}
		found := storeScan(t, f, c.forms())
		if !foundForms(found)[c.texts[1]] {
			t.Errorf("the note left behind was not found: %v", found)
		}
	})
}

// TestStatisticsUnchanged: counts of leads by project, outcome and day
// (created, last contact, closed) and of calls by project, result, agent
// and day with their talk time are the same before and after the subject's
// number and another lead are forgotten.
func TestStatisticsUnchanged(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		before := f.statistics()
		if _, err := f.svc.ForgetNumber(f.ctx, f.alice, subjectTyped, privacy.ForgetOptions{Suppress: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Forget(f.ctx, f.alice, f.otherLead.ID, privacy.ForgetOptions{}); err != nil {
			t.Fatal(err)
		}
		after := f.statistics()
		if before != after {
			t.Errorf("statistics changed by the forget:\nbefore %s\nafter  %s", before, after)
		}
		forgotten := 0
		for _, id := range []uuid.UUID{f.energyLead.ID, f.insureLead.ID, f.otherLead.ID} {
			if f.lead(f.org.ID, id).Forgotten() {
				forgotten++
			}
		}
		if forgotten != 3 {
			t.Fatalf("%d of 3 leads forgotten: the statistics compared nothing", forgotten)
		}
	})
}

// statistics prints the organisation's lead and call counts per project,
// outcome or result, agent and day, sorted (fmt sorts map keys).
func (f *fixture) statistics() string {
	f.t.Helper()
	type leadKey struct {
		project          uuid.UUID
		outcome          string
		created, contact string
		closed           string
	}
	type callKey struct {
		project uuid.UUID
		result  string
		agent   uuid.UUID
		day     string
	}
	type callStat struct {
		calls int
		talk  time.Duration
	}
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	leads := map[leadKey]int{}
	calls := map[callKey]callStat{}
	f.tx(func(tx storage.Tx) error {
		page := storage.Page{Limit: storage.MaxLimit}
		ls, err := tx.Leads().List(f.ctx, f.org.ID, storage.LeadFilter{}, page)
		if err != nil {
			return err
		}
		for _, l := range ls {
			leads[leadKey{l.ProjectID, l.Outcome, day(l.CreatedAt), day(l.LastContactAt), day(l.ClosedAt)}]++
			cs, err := tx.Contacts().ListByLead(f.ctx, f.org.ID, l.ID)
			if err != nil {
				return err
			}
			for _, c := range cs {
				k := callKey{l.ProjectID, c.Result, c.AgentID, day(c.At)}
				s := calls[k]
				s.calls++
				s.talk += c.Talk
				calls[k] = s
			}
		}
		return nil
	})
	return fmt.Sprintf("leads %v calls %v", leads, calls)
}
