package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/storage"
	"github.com/leadprivacy/leadprivacy/storage/sqlstore"
)

// benchSnapshotSize is the snapshot the registry benchmark stores: a
// compiled registry of about 10⁷ numbers at under 2 bytes a number.
const benchSnapshotSize = 20 << 20

// BenchmarkRegistrySnapshot writes and reads a 20 MiB registry snapshot,
// each beside a baseline in the same run: WriteSnapshot beside one INSERT
// of the whole snapshot as one row (both in a durable transaction; the
// row is removed again), ReadSnapshot beside a
// bare SELECT of the chunks (each copied once by database/sql, not
// concatenated). Every write iteration writes 40 MiB: bound it.
//
//	go test -run '^$' -bench RegistrySnapshot -benchtime 10x ./storage/sqlstore
func BenchmarkRegistrySnapshot(b *testing.B) {
	dialects(b, func(b *testing.B, open func() *sqlstore.Store) {
		s := open()
		w := newWorld(b, s)
		ctx := context.Background()
		data := make([]byte, benchSnapshotSize)
		_, _ = rand.NewChaCha8([32]byte{7}).Read(data) // incompressible, as a compiled index is
		r := lp.Registry{OrgID: w.org, ID: uuid.New(), Name: "tps", Version: 1, Count: 10_000_000,
			Hash: sha256.Sum256(data), Size: int64(len(data)), LoadedBy: w.admin, LoadedAt: w.now}
		tx := func(fn func(ctx context.Context, tx storage.Tx) error) time.Duration {
			t0 := time.Now()
			if err := s.WithTx(ctx, fn); err != nil {
				b.Fatal(err)
			}
			return time.Since(t0)
		}
		view := func(fn func(ctx context.Context, tx storage.Tx) (int, error)) time.Duration {
			t0 := time.Now()
			err := s.View(ctx, func(ctx context.Context, tx storage.Tx) error {
				n, err := fn(ctx, tx)
				if err == nil && n != len(data) {
					b.Fatalf("read %d bytes, want %d", n, len(data))
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			return time.Since(t0)
		}
		tx(func(ctx context.Context, tx storage.Tx) error {
			if err := tx.Registries().Create(ctx, r); err != nil {
				return err
			}
			return tx.Registries().WriteSnapshot(ctx, w.org, r.ID, 1, data)
		})
		// The reads read version keep, above every version the writes
		// write and drop.
		const keep = 1 << 40
		tx(func(ctx context.Context, tx storage.Tx) error {
			return tx.Registries().WriteSnapshot(ctx, w.org, r.ID, keep, data)
		})
		drop := func(version int64) {
			tx(func(ctx context.Context, tx storage.Tx) error {
				_, err := tx.Registries().DeleteSnapshots(ctx, w.org, r.ID, version+1)
				return err
			})
		}
		// Writes: a new version, then the same bytes as one row, each
		// removed again untimed.
		b.Run("write", func(b *testing.B) {
			var write, writeOneRow time.Duration
			version := int64(1)
			for b.Loop() {
				version++
				write += tx(func(ctx context.Context, tx storage.Tx) error {
					return tx.Registries().WriteSnapshot(ctx, w.org, r.ID, version, data)
				})
				drop(version)
				version++
				writeOneRow += tx(func(ctx context.Context, tx storage.Tx) error {
					return sqlstore.WriteSnapshotOneRow(ctx, tx, w.org, r.ID, version, data)
				})
				drop(version)
			}
			b.ReportMetric(mibps(b, write, len(data)), "write-MiB/s")
			b.ReportMetric(mibps(b, writeOneRow, len(data)), "one-row-write-MiB/s")
			b.ReportMetric(write.Seconds()/writeOneRow.Seconds(), "x-one-row-write")
		})
		// Reads of a snapshot no write disturbs, alternately first.
		b.Run("read", func(b *testing.B) {
			var read, readBare time.Duration
			service := func() {
				read += view(func(ctx context.Context, tx storage.Tx) (int, error) {
					got, err := tx.Registries().ReadSnapshot(ctx, w.org, r.ID, keep)
					return len(got), err
				})
			}
			bare := func() {
				readBare += view(func(ctx context.Context, tx storage.Tx) (int, error) {
					chunks, err := sqlstore.SnapshotChunks(ctx, tx, w.org, r.ID, keep)
					n := 0
					for _, c := range chunks {
						n += len(c)
					}
					return n, err
				})
			}
			first := true
			for b.Loop() {
				if first {
					service()
					bare()
				} else {
					bare()
					service()
				}
				first = !first
			}
			b.ReportMetric(mibps(b, read, len(data)), "read-MiB/s")
			b.ReportMetric(mibps(b, readBare, len(data)), "bare-read-MiB/s")
			b.ReportMetric(read.Seconds()/readBare.Seconds(), "x-bare-read")
			b.ReportMetric(read.Seconds()*1000/float64(b.N), "ms/read")
		})
	})
}

// mibps is the speed of b.N runs of size bytes that took d in all.
func mibps(b *testing.B, d time.Duration, size int) float64 {
	return float64(b.N) * float64(size) / (1 << 20) / d.Seconds()
}
