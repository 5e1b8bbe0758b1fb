package blocklist_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/internal/servicetest"
	"github.com/leadprivacy/leadprivacy/storage"
)

// registryFull selects the sizes in BenchmarkRegistry: a registry
// of 10M numbers and 1M leads instead of 1M and 100k.
var registryFull = flag.Bool("registry.full", false, "BenchmarkRegistry at 10M registry numbers and 1M leads")

// registrySizes returns the registry's and the lead file's sizes.
func registrySizes() (numbers, leads int) {
	if *registryFull {
		return 10_000_000, 1_000_000
	}
	return 1_000_000, 100_000
}

// registryDraw returns a random number of the synthetic registry's
// ranges, as the numindex benchmark draws them: 30% Danish mobiles
// (+45 20000000–99999999), 70% British mobiles (+447 and 9 digits).
func registryDraw(r *rand.Rand) string {
	if r.IntN(10) < 3 {
		return "+45" + strconv.FormatUint(20_000000+r.Uint64N(80_000000), 10)
	}
	return "+447" + fmt.Sprintf("%09d", r.Uint64N(1_000000000))
}

// writeFile writes n lines made by line into a file of dir and returns
// its path.
func writeFile(b *testing.B, dir, name string, header string, n int, line func(i int) string) string {
	b.Helper()
	path := filepath.Join(dir, name)
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	if header != "" {
		w.WriteString(header + "\n")
	}
	for i := range n {
		w.WriteString(line(i))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// open opens path for one benchmark iteration.
func openFile(b *testing.B, path string) *os.File {
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	return fh
}

// BenchmarkRegistry measures registries on SQLite at realistic density
// (fixed seed; see registryDraw), default 1M numbers and 100k leads,
// with -registry.full 10M and 1M; each figure beside its baseline:
//
//   - file/: LoadRegistry of a registry file (one E.164 number a line)
//     into the store, against csvimport reading the same file alone;
//     ns/number and s/load.
//
//   - load/: the first Check of a fresh Service, which reads the stored
//     snapshot, verifies its SHA-256 (each chunk hashed while the next is
//     read) and loads the index in place, against
//     Registries().ReadSnapshot alone in a View.
//
//   - import/: CheckImport of a lead CSV (one number a lead, a tenth of
//     them registered) against the registry plus 100k manual blocks,
//     against csvimport's LeadReader parsing the same file alone; on
//     memstore and SQLite. ns/lead. Each CheckImport row twice: from the
//     screening snapshot (the default, %snapshot says how many batches it
//     answered) and, "-store", from the store (SnapshotLimit -1);
//     snapshot-load is a fresh Service's load of the snapshot (its
//     first two Checks). Each iteration of a CheckImport row also parses
//     the file alone, the two taking turns to go first, so that x-parse
//     (CheckImport's wall time over the parse's) compares runs on the
//     same machine state; parse-ns/lead is that parse.
//
//     go test -run '^$' -bench BenchmarkRegistry -benchtime 1x ./blocklist
//     go test -run '^$' -bench BenchmarkRegistry -benchtime 1x ./blocklist -registry.full
func BenchmarkRegistry(b *testing.B) {
	n, leads := registrySizes()
	dir := b.TempDir()
	rng := rand.New(rand.NewPCG(2026, 13))
	registered := make([]string, 0, leads/10)
	regFile := writeFile(b, dir, "registry.txt", "", n, func(i int) string {
		s := registryDraw(rng)
		if i%10 == 0 && len(registered) < cap(registered) {
			registered = append(registered, s)
		}
		return s
	})
	leadFile := writeFile(b, dir, "leads.csv", "first_name;phone", leads, func(i int) string {
		if i%10 == 0 {
			return "Lead " + strconv.Itoa(i) + ";" + registered[i/10]
		}
		return "Lead " + strconv.Itoa(i) + ";" + registryDraw(rng)
	})

	for _, k := range servicetest.Kinds[:2] { // memstore, sqlite
		s := k.Open(b, filepath.Join(b.TempDir(), "lp.db"))
		b.Cleanup(func() { s.Close() })
		f := newFixture(b, s)
		svc := blocklist.New(s, f.log, nil)
		load := func() blocklist.LoadResult {
			fh := openFile(b, regFile)
			defer fh.Close()
			res, err := svc.LoadRegistry(f.ctx, f.alice, blocklist.LoadRegistryRequest{Name: "reg", ProjectIDs: []uuid.UUID{f.energy.ID},
				RegistryFile: blocklist.RegistryFile{File: fh}})
			if err != nil {
				b.Fatal(err)
			}
			return res
		}
		res := load()
		if k.Name == "sqlite" {
			b.Run("file/sqlite/LoadRegistry", func(b *testing.B) {
				for b.Loop() {
					res = load()
				}
				b.StopTimer()
				perLoad := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(perLoad, "s/load")
				b.ReportMetric(perLoad*1e9/float64(n), "ns/number")
				b.ReportMetric(float64(res.Registry.Size)/float64(res.Registry.Count), "B/number")
			})
			b.Run("file/csvimport-parse", func(b *testing.B) {
				for b.Loop() {
					fh := openFile(b, regFile)
					nr, err := csvimport.NewNumberReader(fh, csvimport.NumberOptions{NoDuplicateTable: true,
						Options: csvimport.Options{MaxRows: blocklist.MaxRegistryLines}})
					if err != nil {
						b.Fatal(err)
					}
					got := 0
					for _, err := range nr.All() {
						if err != nil {
							b.Fatal(err)
						}
						got++
					}
					fh.Close()
					if got != n {
						b.Fatalf("%d numbers", got)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*n), "ns/number")
			})
		}

		b.Run("load/"+k.Name+"/first-check", func(b *testing.B) {
			for b.Loop() {
				fresh := blocklist.New(s, f.log, nil)
				out, err := fresh.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: []string{registered[0]}})
				if err != nil || out.Verdicts[0].Outcome != blocklist.Registered {
					b.Fatal(out, err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/load")
		})
		b.Run("load/"+k.Name+"/ReadSnapshot", func(b *testing.B) {
			for b.Loop() {
				err := s.View(f.ctx, func(ctx context.Context, tx storage.Tx) error {
					data, err := tx.Registries().ReadSnapshot(ctx, f.org.ID, res.Registry.ID, res.Registry.Version)
					if err == nil && int64(len(data)) != res.Registry.Size {
						err = fmt.Errorf("%d bytes", len(data))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/load")
		})

		fillBlocks(f, 100_000)
		// Each row beside its twin: from the screening snapshot (the
		// default, warmed up first) and from the store (SnapshotLimit -1).
		storeSvc := blocklist.New(s, f.log, &blocklist.Options{SnapshotLimit: -1})
		for _, row := range []struct {
			name    string
			svc     *blocklist.Service
			project uuid.UUID
		}{
			{"CheckImport", svc, f.energy.ID},
			{"CheckImport-store", storeSvc, f.energy.ID},
			{"CheckImport-unscreened", svc, f.insure.ID},
			{"CheckImport-unscreened-store", storeSvc, f.insure.ID},
		} {
			b.Run("import/"+k.Name+"/"+row.name, func(b *testing.B) {
				for range 2 { // the first Check loads the snapshot
					if _, err := row.svc.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: row.project, Numbers: registered[:1]}); err != nil {
						b.Fatal(err)
					}
				}
				snap0, store0 := blocklist.SnapshotBatches(row.svc)
				screened := row.project == f.energy.ID
				check := func() {
					fh := openFile(b, leadFile)
					defer fh.Close()
					lr, err := csvimport.NewLeadReader(fh, f.tmpl, csvimport.LeadOptions{})
					if err != nil {
						b.Fatal(err)
					}
					out, err := row.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: row.project, Leads: lr.All()})
					if err != nil || out.Checked != leads || screened && out.RejectedRegistered+out.RejectedBlocked < leads/10 ||
						!screened && out.RejectedRegistered != 0 {
						b.Fatal(out, err)
					}
				}
				var checked, parsed timed
				for i := 0; b.Loop(); i++ {
					// Alternately first, so that a machine slowing down
					// or speeding up weighs on both alike.
					if i%2 == 0 {
						checked.add(b, check)
						parsed.add(b, func() { parseLeads(b, leadFile, f.tmpl, leads) })
					} else {
						parsed.add(b, func() { parseLeads(b, leadFile, f.tmpl, leads) })
						checked.add(b, check)
					}
				}
				checked.report(b, leads, "")
				parsed.report(b, leads, "parse-")
				b.ReportMetric(float64(checked.wall)/float64(parsed.wall), "x-parse")
				snap, store := blocklist.SnapshotBatches(row.svc)
				b.ReportMetric(100*float64(snap-snap0)/float64(max(1, snap-snap0+store-store0)), "%snapshot")
			})
		}
		b.Run("import/"+k.Name+"/snapshot-load", func(b *testing.B) {
			for b.Loop() {
				fresh := blocklist.New(s, f.log, nil)
				blocklist.ReloadAtOnce(fresh)
				for range 2 {
					if _, err := fresh.Check(f.ctx, f.dialer, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: registered[:1]}); err != nil {
						b.Fatal(err)
					}
				}
				if snap, _ := blocklist.SnapshotBatches(fresh); snap != 1 {
					b.Fatalf("%d batches from the snapshot, want 1", snap)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/load")
		})
		b.Run("import/"+k.Name+"/csvimport-parse", func(b *testing.B) {
			var parsed timed
			for b.Loop() {
				parsed.add(b, func() { parseLeads(b, leadFile, f.tmpl, leads) })
			}
			parsed.report(b, leads, "")
		})
	}
}

// parseLeads reads the lead file with csvimport alone: the baseline of
// the import rows.
func parseLeads(b *testing.B, path string, tmpl lp.CampaignTemplate, leads int) {
	fh := openFile(b, path)
	defer fh.Close()
	lr, err := csvimport.NewLeadReader(fh, tmpl, csvimport.LeadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	got := 0
	for _, err := range lr.All() {
		if err != nil {
			b.Fatal(err)
		}
		got++
	}
	if got != leads {
		b.Fatalf("%d leads", got)
	}
}

// timed sums the wall and CPU time of the runs of one variant of a
// benchmark whose iterations run several.
type timed struct{ wall, cpu time.Duration }

func (t *timed) add(b *testing.B, run func()) {
	cpu0, t0 := cpuTime(b), time.Now()
	run()
	t.wall += time.Since(t0)
	t.cpu += time.Duration(cpuTime(b) - cpu0)
}

// report reports t's ns/lead and cpu-ns/lead, their units prefixed.
func (t *timed) report(b *testing.B, leads int, prefix string) {
	per := float64(b.N * leads)
	b.ReportMetric(float64(t.wall.Nanoseconds())/per, prefix+"ns/lead")
	b.ReportMetric(float64(t.cpu.Nanoseconds())/per, prefix+"cpu-ns/lead")
}
