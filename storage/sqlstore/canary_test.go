package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// canaryRun runs canaryErase on a new SQLite database and returns the
// canaries still found in the raw bytes of the database, -wal and -shm files.
func canaryRun(t *testing.T, compact bool) (canaries []string, found map[string][]string) {
	s, path := openSQLite(t, nil)
	canaries = canaryErase(t, s, compact, func(canaries []string) {
		if found := scanFiles(t, path, canaries); len(found) != len(canaries) {
			t.Fatalf("before erasure only %d of %d canaries are in the files: the scan cannot see them", len(found), len(canaries))
		}
	})
	return canaries, scanFiles(t, path, canaries)
}

// canaryErase writes unique canary strings into every personal field of
// two leads (numbers, field values, call notes, recording references) in
// s and passes them to written, forgets one lead (its recording references
// moved to a pending erasure, which is deleted once "erased", as
// privacy.Forget does) and deletes the other, optionally compacts, checks that the anonymous lead and the other leads
// survive, and returns the canaries.
func canaryErase(t *testing.T, s *sqlstore.Store, compact bool, written func(canaries []string)) (canaries []string) {
	ctx := context.Background()
	w := newWorld(t, s)

	tag := make([]byte, 6)
	rand.Read(tag)
	canary := func(what string) string {
		c := fmt.Sprintf("CANARY-%s-%x", what, tag)
		canaries = append(canaries, c)
		return c
	}
	// Numbers are canaries too: a random 8-digit subscriber number.
	var nums []phone.Number
	for range 4 {
		b := make([]byte, 4)
		rand.Read(b)
		n := phone.Number(fmt.Sprintf("+459%07d", (uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]))%10_000_000))
		nums = append(nums, n)
		canaries = append(canaries, string(n))
	}
	forget := w.lead(nums[0], nums[1])
	forget.Fields = map[string]string{"name": canary("name1"), "email": canary("email1"), "segment": "b2c"}
	del := w.lead(nums[2], nums[3])
	del.Fields = map[string]string{"name": canary("name2"), "email": canary("email2")}
	// Filler so erased rows share pages with live ones, as in real use.
	filler := make([]lp.Lead, 200)
	for i := range filler {
		filler[i] = w.lead(number(i))
		filler[i].Fields = map[string]string{"name": "filler " + hex.EncodeToString(tag)}
	}

	var refs []string // the forgotten lead's recording references
	err := s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Leads().CreateMany(ctx, w.org, append([]lp.Lead{forget, del}, filler...)); err != nil {
			return err
		}
		for i, l := range []lp.Lead{forget, del} {
			for j := range 3 {
				ref := canary(fmt.Sprintf("rec%d%d", i, j))
				if i == 0 {
					refs = append(refs, ref)
				}
				err := tx.Contacts().Add(ctx, lp.ContactAttempt{OrgID: w.org, ID: uuid.New(), LeadID: l.ID,
					At: w.now, AgentID: w.admin, Result: "answered",
					Notes:        canary(fmt.Sprintf("notes%d%d", i, j)),
					RecordingRef: ref})
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write canaries: %v", err)
	}
	written(canaries)

	// Forget one lead (as privacy.Forget does), delete the other.
	pending := lp.PendingErasure{OrgID: w.org, ID: uuid.New(), LeadID: forget.ID, Eraser: "recordings",
		RecordingRefs: refs, CreatedAt: w.now}
	err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := tx.Erasures().Add(ctx, pending); err != nil {
			return err
		}
		f := forget
		f.Phones, f.Fields, f.ForgottenAt = nil, nil, w.now
		if err := tx.Leads().Update(ctx, f); err != nil {
			return err
		}
		if n, err := tx.Contacts().EraseByLead(ctx, w.org, forget.ID); err != nil || n != 3 {
			return fmt.Errorf("EraseByLead = %d, %v", n, err)
		}
		return tx.Leads().Delete(ctx, w.org, del.ID)
	})
	if err != nil {
		t.Fatalf("erase: %v", err)
	}
	// The recording store's eraser succeeded: the record goes.
	err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return tx.Erasures().Delete(ctx, w.org, pending.ID)
	})
	if err != nil {
		t.Fatalf("erasure done: %v", err)
	}
	if compact {
		if err := s.Compact(ctx); err != nil {
			t.Fatalf("Compact: %v", err)
		}
	}
	// The anonymous lead and the other leads survive erasure and Compact.
	err = s.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		got, err := tx.Leads().Get(ctx, w.org, forget.ID)
		if err != nil || !got.Forgotten() || len(got.Phones) != 0 || len(got.Fields) != 0 {
			return fmt.Errorf("forgotten lead = %+v, %v", got, err)
		}
		live, err := tx.Leads().FindByNumbers(ctx, w.org, []phone.Number{number(0), number(199), nums[0], nums[2]})
		if err != nil || len(live) != 2 {
			return fmt.Errorf("FindByNumbers after erasure = %d leads, %v; want the 2 fillers", len(live), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return canaries
}

// scanFiles returns, per canary, the database files whose raw bytes
// contain it.
func scanFiles(t *testing.T, path string, canaries []string) map[string][]string {
	found := map[string][]string{}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(path + suffix)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range canaries {
			if bytes.Contains(b, []byte(c)) {
				found[c] = append(found[c], "db"+suffix)
			}
		}
	}
	return found
}

func TestCanaryErasureSQLite(t *testing.T) {
	t.Parallel()
	canaries, found := canaryRun(t, true)
	for c, files := range found {
		t.Errorf("erased canary %.14s... still in %v after Compact", c, files)
	}
	if len(canaries) < 20 {
		t.Fatalf("only %d canaries", len(canaries))
	}
}

// TestCanaryControlSQLite proves the scan can fail: without Compact the WAL
// still holds the page images that carried the erased data.
func TestCanaryControlSQLite(t *testing.T) {
	t.Parallel()
	canaries, found := canaryRun(t, false)
	if len(found) == 0 {
		t.Fatalf("without Compact none of %d canaries was found: the scan is blind", len(canaries))
	}
}

// TestCanaryErasurePostgres proves the logical erasure the SDK guarantees
// on PostgreSQL: after Forget, Delete and Compact no row of any table in
// the schema, read through SQL as text, holds a canary (before erasure
// every one is found, so the scan can see them). Physical erasure is the
// operator's part; see Compact.
func TestCanaryErasurePostgres(t *testing.T) {
	t.Parallel()
	s := openPostgres(t, nil)
	canaries := canaryErase(t, s, true, func(canaries []string) {
		if found := scanTables(t, s, canaries); len(found) != len(canaries) {
			t.Fatalf("before erasure only %d of %d canaries are in the tables: the scan cannot see them", len(found), len(canaries))
		}
	})
	for c, tables := range scanTables(t, s, canaries) {
		t.Errorf("erased canary %.14s... still readable in %v", c, tables)
	}
}

// scanTables returns, per canary, the tables of the store's schema that
// hold it in some row's text form (every column of the row).
func scanTables(t *testing.T, s *sqlstore.Store, canaries []string) map[string][]string {
	t.Helper()
	rows, err := s.DB().Query("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil || len(tables) < 10 {
		t.Fatalf("tables of the schema: %v, %v", tables, err)
	}
	found := map[string][]string{}
	for _, table := range tables {
		for _, c := range canaries {
			var n int
			if err := s.DB().QueryRow("SELECT count(*) FROM "+table+" r WHERE strpos(r::text, $1) > 0", c).Scan(&n); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			if n > 0 {
				found[c] = append(found[c], table)
			}
		}
	}
	return found
}
