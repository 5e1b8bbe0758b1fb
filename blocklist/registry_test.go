package blocklist_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// loadRegistry loads file as the registry name for alice and fails the
// test on error.
func (f *fixture) loadRegistry(req blocklist.LoadRegistryRequest) blocklist.LoadResult {
	f.t.Helper()
	res, err := f.svc.LoadRegistry(f.ctx, f.alice, req)
	if err != nil {
		f.t.Fatalf("LoadRegistry: %v", err)
	}
	return res
}

// registry returns the stored registry named name.
func (f *fixture) registry(name string) lp.Registry {
	f.t.Helper()
	var r lp.Registry
	f.tx(func(tx storage.Tx) error {
		var err error
		r, err = tx.Registries().Get(f.ctx, f.org.ID, name)
		return err
	})
	return r
}

// verdicts checks numbers in project with svc and returns the verdicts.
func (f *fixture) verdicts(svc *blocklist.Service, project uuid.UUID, numbers ...string) []blocklist.Verdict {
	f.t.Helper()
	res, err := svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: project, Numbers: numbers})
	if err != nil {
		f.t.Fatalf("Check: %v", err)
	}
	return res.Verdicts
}

// describe renders verdicts as "allowed", "blocked" or "registered tps 2".
func describe(vs []blocklist.Verdict) string {
	var out []string
	for _, v := range vs {
		s := v.Outcome.String()
		if v.Outcome == blocklist.Registered {
			s += fmt.Sprintf(" %s %d", v.Registry.Name, v.Registry.Version)
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func TestLoadRegistry(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		mark := f.eventCount()
		// A Danish list without header, national numbers in the
		// organisation's region, one invalid line and one repeat.
		res := f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{
			File: strings.NewReader("20123456\r\n31 23 45 67\r\n2012x456\r\n+45 20 12 34 56\r\n")}})
		if res.Lines != 4 || res.Numbers != 3 || res.Invalid != 1 || res.Registry.Version != 1 || res.Registry.Count != 2 ||
			res.Registry.LoadedBy != f.alice.UserID || res.Registry.Size == 0 {
			t.Fatalf("result = %+v", res)
		}
		if want := (csvimport.Rejection{Line: 3, Column: 1, Value: "••••••56", Reason: "invalid phone number: contains letters"}); len(res.InvalidLines) != 1 || res.InvalidLines[0] != want {
			t.Fatalf("invalid lines = %+v, want %+v", res.InvalidLines, want)
		}
		evs := f.eventsSince(mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionRegistryLoaded || evs[0].ObjectID != res.Registry.ID {
			t.Fatalf("events = %+v", evs)
		}
		want := map[string]string{"registry": "nix", "version": "1", "numbers": "2", "invalid": "1", "content_hash": fmt.Sprintf("%x", res.Registry.Hash)}
		if fmt.Sprint(evs[0].Details) != fmt.Sprint(want) {
			t.Errorf("details = %v, want %v", evs[0].Details, want)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "+4520123456", "31234567", "40404040")); got != "registered nix 1, registered nix 1, allowed" {
			t.Errorf("verdicts = %s", got)
		}

		// UK TPS: a header, fixed-width lines with a space inside the
		// number, national format read in GB, not the organisation's DK.
		res = f.loadRegistry(blocklist.LoadRegistryRequest{Name: "tps", RegistryFile: blocklist.RegistryFile{Region: "GB",
			File: strings.NewReader("Telephone\r\n0207 3787244\r\n01635 506160\r\n07860 338653\r\n")}})
		if res.Registry.Count != 3 || res.Invalid != 0 {
			t.Fatalf("tps = %+v", res)
		}
		// US DNC: "area code,number" joined into one number a row.
		res = f.loadRegistry(blocklist.LoadRegistryRequest{Name: "usdnc", RegistryFile: blocklist.RegistryFile{Region: "US", Columns: []int{1, 2}, Join: true,
			File: strings.NewReader("201,5551234\n212,5550100\n")}})
		if res.Registry.Count != 2 || res.Invalid != 0 {
			t.Fatalf("usdnc = %+v", res)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "+442073787244", "+441635506160", "+442073787", "+12015551234", "+12125550100", "+1201")); got !=
			"registered tps 1, registered tps 1, allowed, registered usdnc 1, registered usdnc 1, invalid" {
			t.Errorf("verdicts = %s", got)
		}

		// The listing, by name.
		infos, err := f.svc.Registries(f.ctx, f.dialer)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, in := range infos {
			names = append(names, fmt.Sprintf("%s v%d n%d", in.Name, in.Version, in.Count))
			if in.LoadedBy != f.alice.UserID || !in.LoadedAt.Equal(start) || in.Size == 0 || in.Hash == [32]byte{} {
				t.Errorf("info %+v", in)
			}
		}
		if got := strings.Join(names, "; "); got != "nix v1 n2; tps v1 n3; usdnc v1 n2" { // by name
			t.Errorf("Registries = %s", got)
		}

		// An empty file is an empty list, not an error.
		if res := f.loadRegistry(blocklist.LoadRegistryRequest{Name: "empty", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("")}}); res.Registry.Count != 0 || res.Registry.Version != 1 {
			t.Errorf("empty = %+v", res)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "40404040")); got != "allowed" {
			t.Errorf("with an empty registry: %s", got)
		}

		// A full load replaces the list: the next version.
		res = f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("phone\n40404040\n")}})
		if res.Registry.Version != 2 || res.Registry.Count != 1 {
			t.Fatalf("reload = %+v", res)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456", "40404040")); got != "allowed, registered nix 2" {
			t.Errorf("after reload: %s", got)
		}
	})
}

func TestLoadRegistryStopOnError(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n")}})
		mark := f.eventCount()
		_, err := f.svc.LoadRegistry(f.ctx, f.alice, blocklist.LoadRegistryRequest{Name: "nix", StopOnError: true,
			RegistryFile: blocklist.RegistryFile{File: strings.NewReader("31234567\n40404040\n4040x\n50505050\n")}})
		var le *csvimport.LineError
		if !errors.As(err, &le) || le.Line != 3 || le.Column != 1 || !errors.Is(err, lp.ErrInvalidPhone) {
			t.Fatalf("err = %v, want line 3 column 1 invalid phone", err)
		}
		if strings.Contains(err.Error(), "4040x") || strings.Count(err.Error(), "leadprivacy:") != 1 {
			t.Errorf("message %q", err)
		}
		if r := f.registry("nix"); r.Version != 1 || r.Count != 1 || f.eventCount() != mark {
			t.Errorf("after a failed load: %+v, %d events", r, f.eventCount()-mark)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456", "31234567")); got != "registered nix 1, allowed" {
			t.Errorf("verdicts = %s", got)
		}
	})
}

// cancelAfter is a reader that cancels its context once it has given n
// bytes, then goes on giving the rest.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestLoadRegistryInterrupted(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n")}})
		var big strings.Builder
		for i := range 200_000 {
			fmt.Fprintf(&big, "+4531%06d\n", i)
		}
		mark := f.eventCount()
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		_, err := f.svc.LoadRegistry(ctx, f.alice, blocklist.LoadRegistryRequest{Name: "nix",
			RegistryFile: blocklist.RegistryFile{File: &cancelAfter{r: strings.NewReader(big.String()), n: 100_000, cancel: cancel}}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled load: %v", err)
		}
		_, err = f.svc.LoadRegistry(f.ctx, f.alice, blocklist.LoadRegistryRequest{Name: "nix",
			RegistryFile: blocklist.RegistryFile{File: &failingReader{data: "31234567\n40404040\n", err: errors.New("disk read failed")}}})
		if err == nil || !strings.Contains(err.Error(), "disk read failed") {
			t.Fatalf("failing reader: %v", err)
		}
		if r := f.registry("nix"); r.Version != 1 || r.Count != 1 || f.eventCount() != mark {
			t.Errorf("after interrupted loads: %+v, %d events", r, f.eventCount()-mark)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456", "+4531000001", "31234567")); got != "registered nix 1, allowed, allowed" {
			t.Errorf("verdicts = %s", got)
		}
	})
}

func TestApplyDelta(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n31234567\n40404040\n")}})
		mark := f.eventCount()
		// 50505050 is new, 20123456 already listed; 31234567 is listed
		// and 60606060 is not: one added, one removed.
		res, err := f.svc.ApplyDelta(f.ctx, f.alice, blocklist.ApplyDeltaRequest{Name: "nix",
			Added: strings.NewReader("50505050\n20123456\n"), Removed: strings.NewReader("31234567\n60606060\nx\n")})
		if err != nil {
			t.Fatal(err)
		}
		if res.Registry.Version != 2 || res.Registry.Count != 3 || res.Added != 1 || res.Removed != 1 || res.Invalid != 1 || res.Lines != 5 {
			t.Fatalf("result = %+v", res)
		}
		evs := f.eventsSince(mark)
		want := map[string]string{"registry": "nix", "version": "2", "numbers": "3", "added": "1", "removed": "1", "invalid": "1",
			"content_hash": fmt.Sprintf("%x", res.Registry.Hash)}
		if len(evs) != 1 || evs[0].Action != audit.ActionRegistryDeltaApplied || fmt.Sprint(evs[0].Details) != fmt.Sprint(want) {
			t.Fatalf("events = %+v, want details %v", evs, want)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456", "31234567", "40404040", "50505050", "60606060")); got !=
			"registered nix 2, allowed, registered nix 2, registered nix 2, allowed" {
			t.Errorf("verdicts = %s", got)
		}
		// The same list loaded whole has the same content hash.
		full := f.loadRegistry(blocklist.LoadRegistryRequest{Name: "other", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("50505050\n40404040\n20123456\n")}})
		if full.Registry.Hash != res.Registry.Hash {
			t.Error("equal lists have different content hashes")
		}

		// Versions kept: the current and the previous one.
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n")}})
		r := f.registry("nix")
		f.tx(func(tx storage.Tx) error {
			for v, ok := range map[int64]bool{1: false, 2: true, 3: true} {
				if _, err := tx.Registries().ReadSnapshot(f.ctx, f.org.ID, r.ID, v); (err == nil) != ok {
					t.Errorf("snapshot of version %d: %v, want kept=%v", v, err, ok)
				}
			}
			return nil
		})

		// A load that commits while the delta is read: the delta fails
		// with ErrConflict and changes nothing.
		mark = f.eventCount()
		racing := readerFunc(func() {
			f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("70707070\n")}})
		}, "80808080\n")
		_, err = f.svc.ApplyDelta(f.ctx, f.alice, blocklist.ApplyDeltaRequest{Name: "nix", Added: racing})
		if !errors.Is(err, lp.ErrConflict) {
			t.Fatalf("racing delta: %v, want ErrConflict", err)
		}
		if r := f.registry("nix"); r.Version != 4 || r.Count != 1 || len(f.eventsSince(mark)) != 1 {
			t.Errorf("after the conflict: %+v", r)
		}
		if _, err := f.svc.ApplyDelta(f.ctx, f.alice, blocklist.ApplyDeltaRequest{Name: "absent", Added: strings.NewReader("20123456\n")}); !errors.Is(err, lp.ErrNotFound) {
			t.Errorf("delta of an absent registry: %v", err)
		}
	})
}

// readerFunc returns a reader of s that runs fn before its first read.
func readerFunc(fn func(), s string) io.Reader {
	return &onFirstRead{fn: fn, r: strings.NewReader(s)}
}

type onFirstRead struct {
	fn func()
	r  io.Reader
}

func (o *onFirstRead) Read(p []byte) (int, error) {
	if o.fn != nil {
		o.fn()
		o.fn = nil
	}
	return o.r.Read(p)
}

func TestDropRegistry(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n31234567\n")}})
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456")); got != "registered nix 1" {
			t.Fatalf("before: %s", got)
		}
		mark := f.eventCount()
		if err := f.svc.DropRegistry(f.ctx, f.alice, "nix"); err != nil {
			t.Fatal(err)
		}
		evs := f.eventsSince(mark)
		if len(evs) != 1 || evs[0].Action != audit.ActionRegistryDropped || fmt.Sprint(evs[0].Details) != "map[numbers:2 registry:nix version:1]" {
			t.Fatalf("events = %+v", evs)
		}
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456")); got != "allowed" {
			t.Errorf("after drop: %s", got)
		}
		if infos, err := f.svc.Registries(f.ctx, f.dialer); err != nil || len(infos) != 0 {
			t.Errorf("Registries = %v, %v", infos, err)
		}
		if err := f.svc.DropRegistry(f.ctx, f.alice, "nix"); !errors.Is(err, lp.ErrNotFound) {
			t.Errorf("second drop: %v", err)
		}
	})
}

func TestRegistryScopeAndRank(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", ProjectIDs: []uuid.UUID{f.energy.ID},
			RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n31234567\n40404040\n")}})
		f.block(blocklist.BlockRequest{Number: "31234567"})
		f.suppress("+4540404040")
		f.suppress("+4550505050")
		// Energy is screened: a block outranks the registry, the registry
		// a suppression. Insurance is not screened.
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456", "31234567", "40404040", "50505050")); got !=
			"registered nix 1, blocked, registered nix 1, suppressed" {
			t.Errorf("energy: %s", got)
		}
		if got := describe(f.verdicts(f.svc, f.insure.ID, "20123456", "31234567", "40404040")); got != "allowed, blocked, suppressed" {
			t.Errorf("insurance: %s", got)
		}

		leads := []csvimport.LeadDraft{
			{Line: 2, Phones: []phone.Number{"+4560606060", "+4520123456"}}, // registered second number
			{Line: 3, Phones: []phone.Number{"+4570707070"}},
			{Line: 4, Phones: []phone.Number{"+4520123456", "+4531234567"}}, // blocked outranks registered
		}
		var got []string
		res, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: withNilErrors(slices.Values(leads)),
			OnVerdict: func(v blocklist.LeadVerdict) error {
				got = append(got, v.Outcome.String()+" "+describe(v.Numbers))
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"registered allowed, registered nix 1", "allowed allowed", "blocked registered nix 1, blocked"}; !slices.Equal(got, want) {
			t.Errorf("verdicts = %q, want %q", got, want)
		}
		if res.RejectedRegistered != 1 || res.RejectedBlocked != 1 || res.Accepted != 1 {
			t.Errorf("counts = %+v", res)
		}

		// Import never stores a registered number, even with KeepCallable.
		ires, err := f.svc.Import(f.ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, KeepCallable: true,
			Leads: withNilErrors(slices.Values(leads[:1]))})
		if err != nil {
			t.Fatal(err)
		}
		f.tx(func(tx storage.Tx) error {
			if ires.Accepted != 1 {
				t.Fatalf("import = %+v", ires)
			}
			ls, err := tx.Leads().List(f.ctx, f.org.ID, storage.LeadFilter{ProjectID: f.energy.ID}, storage.Page{})
			if err != nil {
				return err
			}
			for _, l := range ls {
				if slices.Contains(l.Phones, "+4520123456") {
					t.Errorf("imported a registered number: %v", l.Phones)
				}
			}
			if len(ls) != 1 {
				t.Errorf("leads = %d", len(ls))
			}
			return nil
		})
	})
}

// corruptCurrent makes a version after name's current one whose stored
// snapshot is the current one with one byte flipped, keeping the row's
// content hash of the intact bytes: a snapshot damaged in the store. The
// byte flipped is the one at len/div.
func (f *fixture) corruptCurrent(name string, div int) lp.Registry {
	f.t.Helper()
	var r lp.Registry
	f.tx(func(tx storage.Tx) error {
		var err error
		if r, err = tx.Registries().Get(f.ctx, f.org.ID, name); err != nil {
			return err
		}
		b, err := tx.Registries().ReadSnapshot(f.ctx, f.org.ID, r.ID, r.Version)
		if err != nil {
			return err
		}
		b[len(b)/div] ^= 0x10
		r.Version++
		if err := tx.Registries().WriteSnapshot(f.ctx, f.org.ID, r.ID, r.Version, b); err != nil {
			return err
		}
		return tx.Registries().Update(f.ctx, r)
	})
	return r
}

func TestRegistryCorruptSnapshot(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		var logs bytes.Buffer
		logged := blocklist.New(f.store, f.log, &blocklist.Options{Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n")}})
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("31234567\n")}})
		// f.svc has version 2 cached; logged and fresh have nothing.
		if got := describe(f.verdicts(f.svc, f.energy.ID, "20123456", "31234567")); got != "allowed, registered nix 2" {
			t.Fatalf("v2: %s", got)
		}
		f.corruptCurrent("nix", 2) // version 3: version 2's bytes, damaged
		// Every service refuses version 3 and keeps version 2 in force:
		// f.svc from its cache, the others from the kept snapshot.
		fresh := f.service(f.store)
		for name, svc := range map[string]*blocklist.Service{"cached": f.svc, "logged": logged, "fresh": fresh} {
			for range 2 {
				if got := describe(f.verdicts(svc, f.energy.ID, "20123456", "31234567")); got != "allowed, registered nix 2" {
					t.Errorf("%s: %s, want version 2 in force", name, got)
				}
			}
		}
		if l := logs.String(); strings.Count(l, "registry snapshot refused") != 1 || !strings.Contains(l, "content hash mismatch") ||
			!strings.Contains(l, "version=3") || strings.Contains(l, "31234567") {
			t.Errorf("log = %q", l)
		}

		// With the kept version gone as well, checks fail closed.
		r := f.corruptCurrent("nix", 3) // version 4, its kept version 3 corrupt too
		f.tx(func(tx storage.Tx) error {
			_, err := tx.Registries().DeleteSnapshots(f.ctx, f.org.ID, r.ID, r.Version)
			return err
		})
		_, err := f.service(f.store).Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: []string{"31234567"}})
		if !errors.Is(err, blocklist.ErrCorruptSnapshot) || !strings.Contains(err.Error(), "registry nix version 4: content hash mismatch") ||
			strings.Count(err.Error(), "leadprivacy:") != 1 {
			t.Fatalf("no intact version: %v", err)
		}
		// A delta needs the current version intact.
		if _, err := f.svc.ApplyDelta(f.ctx, f.alice, blocklist.ApplyDeltaRequest{Name: "nix", Added: strings.NewReader("20123456\n")}); !errors.Is(err, blocklist.ErrCorruptSnapshot) {
			t.Errorf("delta on a corrupt version: %v", err)
		}
		// A new full load repairs it.
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n")}})
		if got := describe(f.verdicts(fresh, f.energy.ID, "20123456", "31234567")); got != "registered nix 5, allowed" {
			t.Errorf("after reload: %s", got)
		}
	})
}

// TestRegistryEventsHoldNoNumbers exports the ChangeLog after loads, a
// delta and a drop, and finds none of the registry's numbers in it.
func TestRegistryEventsHoldNoNumbers(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n31234567\n2012x456\n")}})
		if _, err := f.svc.ApplyDelta(f.ctx, f.alice, blocklist.ApplyDeltaRequest{Name: "nix", Added: strings.NewReader("40404040\n"),
			Removed: strings.NewReader("31234567\n")}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DropRegistry(f.ctx, f.alice, "nix"); err != nil {
			t.Fatal(err)
		}
		for _, format := range []audit.Format{audit.CSV, audit.JSONLines} {
			var out bytes.Buffer
			n, err := f.log.Export(f.ctx, f.alice, audit.Query{}, &out, format)
			if err != nil || n < 3 {
				t.Fatalf("export: %d events, %v", n, err)
			}
			for _, digits := range []string{"20123456", "31234567", "40404040", "2012x456", "123456", "234567"} {
				if strings.Contains(out.String(), digits) {
					t.Errorf("export holds %s:\n%s", digits, out.String())
				}
			}
			if !strings.Contains(out.String(), "registry.delta_applied") {
				t.Errorf("export lacks the registry events:\n%s", out.String())
			}
		}
	})
}

// TestRegistrySwitchIsAtomic loads two disjoint lists A and B in turn
// (odd versions A, even versions B) through one Store while checkers
// check every number of both through a second Store on the same database
// with a Service of their own, in batches of 7. Each Check must see one
// version whole: all of A registered and none of B, or the reverse, every
// verdict naming the same version of the right parity.
func TestRegistrySwitchIsAtomic(t *testing.T) {
	const perList, checkers = 30, 3
	loads := 24
	if testing.Short() {
		loads = 8
	}
	for _, k := range servicetest.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			path := t.TempDir() + "/lp.db"
			writer := k.Open(t, path)
			t.Cleanup(func() { writer.Close() })
			reader := writer
			if k.Name != "memstore" {
				reader = k.Open(t, path)
				t.Cleanup(func() { reader.Close() })
			}
			f := newFixture(t, writer)
			checkSvc := blocklist.New(reader, audit.New(reader, f.keys, nil, nil), &blocklist.Options{Now: f.clock.Now, BatchSize: 7})
			var a, b, all []string
			for i := range perList {
				a = append(a, fmt.Sprintf("+4520%06d", i))
				b = append(b, fmt.Sprintf("+4530%06d", i))
			}
			all = append(append(all, a...), b...)
			list := func(ns []string) io.Reader { return strings.NewReader(strings.Join(ns, "\n")) }
			f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: list(a)}})

			done := make(chan struct{})
			errs := make(chan error, checkers)
			var checks atomic.Int64
			var wg sync.WaitGroup
			for range checkers {
				wg.Go(func() {
					for {
						select {
						case <-done:
							return
						default:
						}
						res, err := checkSvc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: all})
						if err != nil {
							errs <- err
							return
						}
						checks.Add(1)
						v := res.Verdicts[0].Registry.Version + res.Verdicts[perList].Registry.Version // one is 0
						inA := v%2 == 1
						for i, vd := range res.Verdicts {
							wantReg := (i < perList) == inA
							if (vd.Outcome == blocklist.Registered) != wantReg || (wantReg && vd.Registry.Version != v) {
								errs <- fmt.Errorf("check saw a mix: number %d is %s (version %d), first number version %d", i, vd.Outcome, vd.Registry.Version, v)
								return
							}
						}
					}
				})
			}
			for i := range loads {
				next := b
				if i%2 == 1 {
					next = a
				}
				f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: list(next)}})
				// Let checks run on this version before the next load.
				for seen := checks.Load(); checks.Load() < seen+checkers && len(errs) == 0; {
					time.Sleep(time.Millisecond)
				}
			}
			close(done)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			total := checks.Load()
			if total < int64(loads) {
				t.Errorf("only %d checks ran", total)
			}
			t.Logf("%d loads, %d checks", loads, total)
			// Once a load has returned, every check uses its version.
			if got := describe(f.verdicts(checkSvc, f.energy.ID, a[0], b[0])); got != fmt.Sprintf("registered nix %d, allowed", loads+1) {
				t.Errorf("after the last load: %s", got)
			}
		})
	}
}

// slowReads wraps a Store so that every Registries().ReadSnapshotTo, the
// Service's read of a snapshot, is counted and takes a while, long enough
// for concurrent checks to meet.
type slowReads struct {
	storage.Store
	reads *atomic.Int64
}

func (s slowReads) View(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.View(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, slowTx{tx, s.reads}) })
}

type slowTx struct {
	storage.Tx
	reads *atomic.Int64
}

func (t slowTx) Registries() storage.Registries { return slowRegistries{t.Tx.Registries(), t.reads} }

type slowRegistries struct {
	storage.Registries
	reads *atomic.Int64
}

func (r slowRegistries) ReadSnapshotTo(ctx context.Context, org, id uuid.UUID, version int64, w io.Writer) error {
	r.reads.Add(1)
	time.Sleep(100 * time.Millisecond)
	return r.Registries.ReadSnapshotTo(ctx, org, id, version, w)
}

// TestRegistryLoadedOncePerService checks that concurrent first checks of
// a version share one load: a Service reads a version's snapshot once,
// however many goroutines need it at the same time, and again only when
// the version changes. On the SQL stores only: memstore runs one
// transaction at a time, so its checks never meet.
func TestRegistryLoadedOncePerService(t *testing.T) {
	for _, k := range servicetest.Kinds[1:] {
		t.Run(k.Name, func(t *testing.T) {
			s := k.Open(t, filepath.Join(t.TempDir(), "lp.db"))
			t.Cleanup(func() { s.Close() })
			f := newFixture(t, s)
			f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n")}})
			var reads atomic.Int64
			svc := blocklist.New(slowReads{s, &reads}, f.log, &blocklist.Options{Now: f.clock.Now})
			check := func() {
				var wg sync.WaitGroup
				for range 6 {
					wg.Go(func() {
						if got := describe(f.verdicts(svc, f.energy.ID, "20123456")); !strings.HasPrefix(got, "registered nix") {
							t.Errorf("verdict %s", got)
						}
					})
				}
				wg.Wait()
			}
			check()
			check()
			if n := reads.Load(); n != 1 {
				t.Errorf("%d snapshot reads for one version, want 1", n)
			}
			f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("20123456\n31234567\n")}})
			check()
			if n := reads.Load(); n != 2 {
				t.Errorf("%d snapshot reads for two versions, want 2", n)
			}
		})
	}
}

func TestLoadRegistryProgress(t *testing.T) {
	f := newFixture(t, servicetest.Kinds[0].Open(t, ""))
	var file strings.Builder
	for i := range 140_000 {
		fmt.Fprintf(&file, "+4531%06d\n", i)
	}
	file.WriteString("x\n")
	var got []blocklist.LoadProgress
	res := f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader(file.String())},
		Progress: func(p blocklist.LoadProgress) { got = append(got, p) }})
	want := []blocklist.LoadProgress{{Lines: 65536, Numbers: 65536}, {Lines: 131072, Numbers: 131072}, {Lines: 140001, Numbers: 140000, Invalid: 1}}
	if !slices.Equal(got, want) || res.Registry.Count != 140_000 {
		t.Errorf("progress = %+v, want %+v (count %d)", got, want, res.Registry.Count)
	}
}

func TestLoadRegistryRejects(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		file := func() blocklist.RegistryFile { return blocklist.RegistryFile{File: strings.NewReader("20123456\n")} }
		mark := f.eventCount()
		for _, c := range []struct {
			req   blocklist.LoadRegistryRequest
			want  error
			field string
		}{
			{blocklist.LoadRegistryRequest{Name: "TPS list", RegistryFile: file()}, lp.ErrInvalidArgument, "LoadRegistryRequest.Name"},
			{blocklist.LoadRegistryRequest{Name: "tps", RegistryFile: blocklist.RegistryFile{Region: "XX", File: strings.NewReader("1\n")}}, lp.ErrInvalidArgument, "Region"},
			{blocklist.LoadRegistryRequest{Name: "tps"}, lp.ErrInvalidArgument, "LoadRegistryRequest.File"},
			{blocklist.LoadRegistryRequest{Name: "tps", ProjectIDs: []uuid.UUID{uuid.New()}, RegistryFile: file()}, lp.ErrNotFound, "LoadRegistryRequest.ProjectIDs[0]"},
			{blocklist.LoadRegistryRequest{Name: "tps", ProjectIDs: []uuid.UUID{f.energy.ID, f.energy.ID}, RegistryFile: file()}, lp.ErrInvalidArgument, "LoadRegistryRequest.ProjectIDs[1]"},
			{blocklist.LoadRegistryRequest{Name: "tps", RegistryFile: blocklist.RegistryFile{Columns: []int{1}, Join: true, File: strings.NewReader("1\n")}}, lp.ErrInvalidArgument, "Join"},
		} {
			_, err := f.svc.LoadRegistry(f.ctx, f.alice, c.req)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.field) || strings.Count(err.Error(), "leadprivacy:") != 1 {
				t.Errorf("%+v: %v, want %v naming %s", c.req, err, c.want, c.field)
			}
		}
		if infos, _ := f.svc.Registries(f.ctx, f.dialer); len(infos) != 0 || f.eventCount() != mark {
			t.Errorf("rejected loads left %v and %d events", infos, f.eventCount()-mark)
		}
	})
}

// TestRegistryChangesDuringImport changes a registry while CheckImport
// reads its leads, with every batch looked up ahead on the reading
// goroutine: a batch looked up in the old version and checked in a
// transaction that sees the new one must be answered by the new one. The
// registry lists r1..r6 at first; before the fifth batch is read, a delta
// lists d1..d6 instead. Each batch has one r, one d and one c (never
// listed): its verdicts must agree with one version, the one named.
func TestRegistryChangesDuringImport(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		blocklist.LookAhead(f.svc, true)
		const batches = 6
		var rs, ds, numbers []string
		for i := range batches {
			r, d, c := fmt.Sprintf("2011110%d", i), fmt.Sprintf("3022220%d", i), fmt.Sprintf("4033330%d", i)
			rs, ds = append(rs, r), append(ds, d)
			numbers = append(numbers, r, d, c)
		}
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "nix", ProjectIDs: []uuid.UUID{f.energy.ID},
			RegistryFile: blocklist.RegistryFile{File: strings.NewReader(strings.Join(rs, "\n"))}})
		leads := func(yield func(csvimport.LeadDraft, error) bool) {
			for i, n := range numbers {
				if i == 4*batchSize { // the fourth batch was read and looked up ahead
					if _, err := f.svc.ApplyDelta(f.ctx, f.alice, blocklist.ApplyDeltaRequest{Name: "nix",
						Added: strings.NewReader(strings.Join(ds, "\n")), Removed: strings.NewReader(strings.Join(rs, "\n"))}); err != nil {
						t.Error(err)
					}
				}
				if !yield(csvimport.LeadDraft{Phones: []phone.Number{phone.Number(n)}}, nil) {
					return
				}
			}
		}
		var got []blocklist.LeadVerdict
		_, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: leads,
			OnVerdict: func(v blocklist.LeadVerdict) error { got = append(got, v); return nil }})
		require.NoError(t, err)
		require.Len(t, got, len(numbers))
		var versions []int64
		for i := range batches {
			v := got[i*batchSize : (i+1)*batchSize]
			batch := describe(slices.Concat(v[0].Numbers, v[1].Numbers, v[2].Numbers))
			switch batch {
			case "registered nix 1, allowed, allowed":
				versions = append(versions, 1)
			case "allowed, registered nix 2, allowed":
				versions = append(versions, 2)
			default:
				t.Fatalf("batch %d: %s, the answer of no one version", i+1, batch)
			}
		}
		require.True(t, slices.IsSorted(versions), "versions %v", versions)
		require.Equal(t, int64(1), versions[0], "versions %v", versions)
		require.Equal(t, int64(2), versions[batches-1], "versions %v", versions)
	})
}

// listCountingStore counts the calls of Registries.List in its
// transactions.
type listCountingStore struct {
	storage.Store
	lists *atomic.Int64
}

func (s listCountingStore) View(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.View(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, listCountingTx{tx, s.lists}) })
}

func (s listCountingStore) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, listCountingTx{tx, s.lists}) })
}

type listCountingTx struct {
	storage.Tx
	lists *atomic.Int64
}

func (tx listCountingTx) Registries() storage.Registries {
	return listCountingRegistries{tx.Tx.Registries(), tx.lists}
}

type listCountingRegistries struct {
	storage.Registries
	lists *atomic.Int64
}

func (r listCountingRegistries) List(ctx context.Context, org uuid.UUID) ([]lp.Registry, error) {
	r.lists.Add(1)
	return r.Registries.List(ctx, org)
}

// TestImportListsRegistriesOncePerGeneration checks that the batches of
// one CheckImport list the registries again only when the screening
// generation changed, as every registry write (and block) changes it.
func TestImportListsRegistriesOncePerGeneration(t *testing.T) {
	servicetest.ForEach(t, func(t *testing.T, s storage.Store, _ string) {
		lists := new(atomic.Int64)
		f := newFixture(t, listCountingStore{s, lists})
		f.loadRegistry(blocklist.LoadRegistryRequest{Name: "tps", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("2011110000\n")}})
		const leads = 6 * batchSize
		check := func(during func(i int)) {
			t.Helper()
			lists.Store(0)
			seq := func(yield func(csvimport.LeadDraft, error) bool) {
				for i := range leads {
					during(i)
					if !yield(csvimport.LeadDraft{Phones: []phone.Number{phone.Number(fmt.Sprintf("+4930222%04d", i))}}, nil) {
						return
					}
				}
			}
			res, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: seq})
			require.NoError(t, err)
			require.Equal(t, leads, res.Accepted)
		}
		check(func(int) {})
		require.Equal(t, int64(1), lists.Load(), "six batches at one generation list the registries once")
		check(func(i int) {
			if i == 3*batchSize {
				_, err := f.svc.Block(f.ctx, f.alice, blocklist.BlockRequest{Number: "+442071230000", Reason: "r"})
				require.NoError(t, err)
			}
		})
		require.Equal(t, int64(2), lists.Load(), "a block between batches changes the generation: listed again, once")
	})
}
